/* SPDX-License-Identifier: MIT */
/* satellite_fixture.c - the satellite's end-to-end tests' shared fixture
 * (satellite_fixture.h). */
#include "satellite_fixture.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>
#include "bench/reportgen.h"
#include "bench/grpcclient.h"
#include "common/child.h"
#include "common/clock.h"
#include "common/command.h"
#include "common/error.h"
#include "common/records.h"
#include "common/ring.h"
#include "common/rpc.h"
#include "proto/collector.pb-c.h"
#include "proto/metrics.pb-c.h"
#include <sys/wait.h>

/* ---- the satellite under test ---- */

tb_child sat;
tb_rpc_client *ctl;
char ctl_url[128];
uint16_t port[2];
char ring_name[128];

void start_satellite(const char *extra1, const char *extra2)
{
	char err[256];
	char *argv[16];
	int n = 0;
	Tb__Envelope *rep;

	snprintf(ctl_url, sizeof(ctl_url), "ipc:///tmp/tb-sat-test-%d.ipc", (int)getpid());
	argv[n++] = SATELLITE_BIN;
	argv[n++] = "--ports";
	argv[n++] = "0,0";
	argv[n++] = "--control";
	argv[n++] = ctl_url;
	argv[n++] = "--ring";
	argv[n++] = "auto";
	argv[n++] = "--dup-slots";
	argv[n++] = "65536";
	if (extra1)
		argv[n++] = (char *)extra1;
	if (extra2)
		argv[n++] = (char *)extra2;
	argv[n] = NULL;
	cr_assert_eq(tb_child_spawn(&sat, argv, NULL, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_rpc_client_alloc(&ctl, ctl_url, 5000, NULL, err, sizeof(err)), TB_OK);
	cr_assert_eq(tb_rpc_hello(ctl, "test", &rep, err, sizeof(err)), TB_OK, "hello: %s", err);
	cr_assert_str_eq(rep->hello_reply->role, "satellite");
	cr_assert_eq(rep->hello_reply->n_ports, 2);
	port[0] = (uint16_t)rep->hello_reply->ports[0];
	port[1] = (uint16_t)rep->hello_reply->ports[1];
	snprintf(ring_name, sizeof(ring_name), "%s", rep->hello_reply->ring_name);
	tb_rpc_free(rep);
}

void setup(void)
{
	start_satellite(NULL, NULL);
}

void teardown(void)
{
	tb_rpc_shutdown(ctl);
	tb_rpc_client_free(ctl);
	cr_expect_eq(tb_child_wait(&sat, 5000), TB_OK, "satellite did not exit on Shutdown");
	cr_expect(WIFEXITED(sat.status) && WEXITSTATUS(sat.status) == 0,
		  "satellite exit status %d", sat.status);
	tb_child_fini(&sat);
}

Tb__Envelope *call(Tb__Envelope *req)
{
	Tb__Envelope *rep = NULL;
	char err[256];
	int rv = tb_rpc_call(ctl, req, &rep, err, sizeof(err));

	cr_assert(rv == TB_OK || rv == TB_EPEER, "control call failed: %s", err);
	return rep;
}

/* control_error returns the error text of a request the satellite refuses, or NULL. */
int control(Tb__Envelope *req, char *err, size_t errlen)
{
	Tb__Envelope *rep = NULL;
	int rv = tb_rpc_call(ctl, req, &rep, err, errlen);

	tb_rpc_free(rep);
	return rv;
}

/* control_ok sends req and asserts the satellite accepted it. */
void control_ok(Tb__Envelope *req)
{
	char err[256];

	cr_assert_eq(control(req, err, sizeof(err)), TB_OK, "%s: %s",
		     tb_rpc_body_name(req->body_case), err);
}

void set_faults(Tb__SatFaults *f)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SatSetFaults sf = TB__SAT_SET_FAULTS__INIT;

	sf.faults = f;
	req.body_case = TB__ENVELOPE__BODY_SAT_SET_FAULTS;
	req.sat_set_faults = &sf;
	control_ok(&req);
}

void set_listening(bool on)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SatSetListening sl = TB__SAT_SET_LISTENING__INIT;

	sl.listening = on;
	req.body_case = TB__ENVELOPE__BODY_SAT_SET_LISTENING;
	req.sat_set_listening = &sl;
	control_ok(&req);
}

void reset(uint64_t run_id)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SatReset r = TB__SAT_RESET__INIT;

	r.run_id = run_id;
	req.body_case = TB__ENVELOPE__BODY_SAT_RESET;
	req.sat_reset = &r;
	control_ok(&req);
}

Tb__Envelope *counters_now(void)
{
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep;
	Tb__SatGetCounters g = TB__SAT_GET_COUNTERS__INIT;

	req.body_case = TB__ENVELOPE__BODY_SAT_GET_COUNTERS;
	req.sat_get_counters = &g;
	rep = call(&req);
	cr_assert_eq(rep->body_case, TB__ENVELOPE__BODY_SAT_COUNTERS);
	return rep;
}

/* counters returns the SatCounters reply (free with tb_rpc_free) once no answer is in
 * flight: a client can read a 2xx answer a moment before libmicrohttpd tells the
 * satellite it was delivered, which is when its spans are received. */
Tb__Envelope *counters(void)
{
	Tb__Envelope *rep = counters_now();
	for (int i = 0; i < 100 && rep->sat_counters->in_flight > 0; i++) {
		tb_rpc_free(rep);
		tb_sleep_ns(10 * TB_NS_PER_MS);
		rep = counters_now();
	}
	return rep;
}

uint64_t rejected(const Tb__SatCounters *c, const char *reason)
{
	for (size_t i = 0; i < c->n_rejected_by_reason; i++)
		if (strcmp(c->rejected_by_reason[i]->reason, reason) == 0)
			return c->rejected_by_reason[i]->count;
	return 0;
}

/* ---- HTTP through libcurl ---- */


size_t on_data(char *p, size_t sz, size_t n, void *arg)
{
	reply *r = arg;
	size_t take = sz * n;

	if (take > sizeof(r->body) - 1 - r->len)
		take = sizeof(r->body) - 1 - r->len;
	memcpy(r->body + r->len, p, take);
	r->len += take;
	r->body[r->len] = '\0';
	return sz * n;
}

typedef struct upload {
	const uint8_t *p;
	size_t left;
} upload;

static size_t on_read(char *buf, size_t sz, size_t n, void *arg)
{
	upload *u = arg;
	size_t take = sz * n < u->left ? sz * n : u->left;

	if (take > 1000)
		take = 1000;	/* small chunks, so chunked framing really has several */
	memcpy(buf, u->p, take);
	u->p += take;
	u->left -= take;
	return take;
}

/* http sends method to path on port 0 of the satellite with the given headers (NULL
 * terminated) and body; chunked sends the body with Transfer-Encoding: chunked. */
reply http(const char *method, const char *path, const char *const *headers,
		  const void *body, size_t len, bool chunked)
{
	return http_at(port[0], method, path, headers, body, len, chunked);
}

reply http_at(uint16_t to, const char *method, const char *path, const char *const *headers,
	      const void *body, size_t len, bool chunked)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	char url[256];
	reply r = {0};
	upload u = {body, len};
	uint64_t t0 = tb_now_ns();

	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", to, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	for (size_t i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);
	if (chunked)
		hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		/* A PUT carries its body as a POST does, under its own name. */
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		if (method[1] == 'U')
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
		if (chunked) {
			curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(c, CURLOPT_READDATA, &u);
		} else {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		}
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	r.rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	char *ct = NULL;
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	if (ct)
		snprintf(r.type, sizeof(r.type), "%s", ct);
	r.seconds = (double)(tb_now_ns() - t0) / 1e9;
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return r;
}

const char *const ls_headers[] = {"Content-Type: application/octet-stream", NULL};
const char *const otlp_proto_headers[] = {"Content-Type: application/x-protobuf", NULL};
const char *const json_headers[] = {"Content-Type: application/json", NULL};
const char *const json_gzip_headers[] = {"Content-Type: application/json",
						"Content-Encoding: gzip", NULL};
const char *const ls_gzip_headers[] = {"Content-Type: application/octet-stream",
					      "Content-Encoding: gzip", NULL};

reply post_lightstep(size_t spans, uint64_t first)
{
	size_t len;
	uint8_t *b = tb_report_lightstep(spans, first, &len);
	reply r = http("POST", "/api/v2/reports", ls_headers, b, len, false);
	free(b);
	return r;
}

/* post_as posts a LightStep report with access_token in the Lightstep-Access-Token
 * header (NULL: none). */
reply post_as(const char *access_token, size_t spans, uint64_t first)
{
	char token[128];
	snprintf(token, sizeof(token), TB_ACCESS_TOKEN_HEADER ": %s",
		 access_token ? access_token : "");
	const char *const headers[] = {ls_headers[0], access_token ? token : NULL, NULL};
	size_t len;
	uint8_t *b = tb_report_lightstep(spans, first, &len);
	reply r = http("POST", "/api/v2/reports", headers, b, len, false);
	free(b);
	return r;
}

/* raw sends bytes on a fresh TCP connection and returns what came back within
 * timeout_ms (until the peer closes). */
size_t raw(const char *req, size_t len, char *out, size_t cap, int timeout_ms)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port[0])};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t got = 0;
	uint64_t deadline = tb_now_ns() + (uint64_t)timeout_ms * TB_NS_PER_MS;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(write(fd, req, len), (ssize_t)len);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;
		if (poll(&p, 1, tb_ms_left(deadline)) <= 0)
			break;
		n = read(fd, out + got, cap - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	out[got] = '\0';
	close(fd);
	return got;
}
