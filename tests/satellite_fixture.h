/* SPDX-License-Identifier: MIT */
/* satellite_fixture.h - what the satellite's end-to-end tests share: a real satellite
 * process started per test, its control channel over nng, and HTTP requests through
 * libcurl (raw sockets where curl would refuse to send garbage). */
#ifndef TB_SATELLITE_FIXTURE_H
#define TB_SATELLITE_FIXTURE_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/child.h"
#include "common/rpc.h"
#include "proto/collector.pb-c.h"

#define SAT_TEST_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

/* The satellite under test: its process, control client and URL, its two HTTP ports and
 * its ring. */
extern tb_child sat;
extern tb_rpc_client *ctl;
extern char ctl_url[128];
extern uint16_t port[2];
extern char ring_name[128];

/* Content types of the reports the tests post. */
extern const char *const ls_headers[];
extern const char *const otlp_proto_headers[];
extern const char *const json_headers[];
extern const char *const json_gzip_headers[];
extern const char *const ls_gzip_headers[];

typedef struct reply {
	long status;
	CURLcode rc;
	char body[4096];
	size_t len;
	char type[128];
	double seconds;
} reply;

void start_satellite(const char *extra1, const char *extra2);
void setup(void);
void teardown(void);
Tb__Envelope *call(Tb__Envelope *req);
/* control_error returns the error text of a request the satellite refuses, or NULL. */
int control(Tb__Envelope *req, char *err, size_t errlen);
/* control_ok sends req and asserts the satellite accepted it. */
void control_ok(Tb__Envelope *req);
void set_faults(Tb__SatFaults *f);
void set_listening(bool on);
void reset(uint64_t run_id);
Tb__Envelope *counters_now(void);
/* counters returns the SatCounters reply (free with tb_rpc_free) once no answer is in
 * flight: a client can read a 2xx answer a moment before libmicrohttpd tells the
 * satellite it was delivered, which is when its spans are received. */
Tb__Envelope *counters(void);
uint64_t rejected(const Tb__SatCounters *c, const char *reason);
/* http sends method to path on port 0 of the satellite with the given headers (NULL
 * terminated) and body; chunked sends the body with Transfer-Encoding: chunked. */
reply http(const char *method, const char *path, const char *const *headers, const void *body, size_t len, bool chunked);
/* http_at is http to another port of this host. */
reply http_at(uint16_t to, const char *method, const char *path, const char *const *headers,
	      const void *body, size_t len, bool chunked);
reply post_lightstep(size_t spans, uint64_t first);
/* post_as posts a LightStep report with access_token in the Lightstep-Access-Token
 * header (NULL: none). */
reply post_as(const char *access_token, size_t spans, uint64_t first);
/* raw sends bytes on a fresh TCP connection and returns what came back within
 * timeout_ms (until the peer closes). */
size_t raw(const char *req, size_t len, char *out, size_t cap, int timeout_ms);

/* on_data is libcurl's write callback that keeps an answer's body in a reply. */
size_t on_data(char *p, size_t sz, size_t n, void *arg);

#endif
