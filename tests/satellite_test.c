/* SPDX-License-Identifier: MIT */
/* satellite_test.c - the satellite program end to end: a real satellite process, real HTTP
 * requests through libcurl (and raw sockets where curl would refuse to send garbage), and
 * its control channel over nng. Every endpoint, encoding and framing, every mode and
 * fault, resets, duplicates, the shared-memory ring, and every kind of bad input. */
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

#define SAT_TEST_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#include <sys/wait.h>

/* ---- the satellite under test ---- */

static tb_child sat;
static tb_rpc_client *ctl;
static char ctl_url[128];
static uint16_t port[2];
static char ring_name[128];

static void start_satellite(const char *extra1, const char *extra2)
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

static void setup(void)
{
	start_satellite(NULL, NULL);
}

static void teardown(void)
{
	tb_rpc_shutdown(ctl);
	tb_rpc_client_free(ctl);
	cr_expect_eq(tb_child_wait(&sat, 5000), TB_OK, "satellite did not exit on Shutdown");
	cr_expect(WIFEXITED(sat.status) && WEXITSTATUS(sat.status) == 0,
		  "satellite exit status %d", sat.status);
	tb_child_fini(&sat);
}

static Tb__Envelope *call(Tb__Envelope *req)
{
	Tb__Envelope *rep = NULL;
	char err[256];
	int rv = tb_rpc_call(ctl, req, &rep, err, sizeof(err));

	cr_assert(rv == TB_OK || rv == TB_EPEER, "control call failed: %s", err);
	return rep;
}

/* control_error returns the error text of a request the satellite refuses, or NULL. */
static int control(Tb__Envelope *req, char *err, size_t errlen)
{
	Tb__Envelope *rep = NULL;
	int rv = tb_rpc_call(ctl, req, &rep, err, errlen);

	tb_rpc_free(rep);
	return rv;
}

/* control_ok sends req and asserts the satellite accepted it. */
static void control_ok(Tb__Envelope *req)
{
	char err[256];

	cr_assert_eq(control(req, err, sizeof(err)), TB_OK, "%s: %s",
		     tb_rpc_body_name(req->body_case), err);
}

static void set_faults(Tb__SatFaults *f)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SatSetFaults sf = TB__SAT_SET_FAULTS__INIT;

	sf.faults = f;
	req.body_case = TB__ENVELOPE__BODY_SAT_SET_FAULTS;
	req.sat_set_faults = &sf;
	control_ok(&req);
}

static void set_listening(bool on)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SatSetListening sl = TB__SAT_SET_LISTENING__INIT;

	sl.listening = on;
	req.body_case = TB__ENVELOPE__BODY_SAT_SET_LISTENING;
	req.sat_set_listening = &sl;
	control_ok(&req);
}

static void reset(uint64_t run_id)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SatReset r = TB__SAT_RESET__INIT;

	r.run_id = run_id;
	req.body_case = TB__ENVELOPE__BODY_SAT_RESET;
	req.sat_reset = &r;
	control_ok(&req);
}

static Tb__Envelope *counters_now(void)
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
static Tb__Envelope *counters(void)
{
	Tb__Envelope *rep = counters_now();
	for (int i = 0; i < 100 && rep->sat_counters->in_flight > 0; i++) {
		tb_rpc_free(rep);
		tb_sleep_ns(10 * TB_NS_PER_MS);
		rep = counters_now();
	}
	return rep;
}

static uint64_t rejected(const Tb__SatCounters *c, const char *reason)
{
	for (size_t i = 0; i < c->n_rejected_by_reason; i++)
		if (strcmp(c->rejected_by_reason[i]->reason, reason) == 0)
			return c->rejected_by_reason[i]->count;
	return 0;
}

/* ---- HTTP through libcurl ---- */

typedef struct reply {
	long status;
	CURLcode rc;
	char body[4096];
	size_t len;
	char type[128];
	double seconds;
} reply;

static size_t on_data(char *p, size_t sz, size_t n, void *arg)
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
static reply http(const char *method, const char *path, const char *const *headers,
		  const void *body, size_t len, bool chunked)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	char url[256];
	reply r = {0};
	upload u = {body, len};
	uint64_t t0 = tb_now_ns();

	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port[0], path);
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
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
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

static const char *const ls_headers[] = {"Content-Type: application/octet-stream", NULL};
static const char *const otlp_proto_headers[] = {"Content-Type: application/x-protobuf", NULL};
static const char *const json_headers[] = {"Content-Type: application/json", NULL};
static const char *const json_gzip_headers[] = {"Content-Type: application/json",
						"Content-Encoding: gzip", NULL};
static const char *const ls_gzip_headers[] = {"Content-Type: application/octet-stream",
					      "Content-Encoding: gzip", NULL};

static reply post_lightstep(size_t spans, uint64_t first)
{
	size_t len;
	uint8_t *b = tb_report_lightstep(spans, first, &len);
	reply r = http("POST", "/api/v2/reports", ls_headers, b, len, false);
	free(b);
	return r;
}

/* post_as posts a LightStep report with access_token in the Lightstep-Access-Token
 * header (NULL: none). */
static reply post_as(const char *access_token, size_t spans, uint64_t first)
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
static size_t raw(const char *req, size_t len, char *out, size_t cap, int timeout_ms)
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

TestSuite(satellite, .init = setup, .fini = teardown, .timeout = 60);
/* Tests that start the satellite with their own options. */
TestSuite(satellite_opts, .fini = teardown, .timeout = 60);

/* ---- endpoints and encodings ---- */

Test(satellite, lightstep_report_is_counted_and_answered_with_a_report_response)
{
	reply r = post_lightstep(100, 1);
	Tb__Envelope *rep;

	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	cr_assert_str_eq(r.type, "application/octet-stream");
	/* The body must be a ReportResponse with a receive timestamp (tracers resend on
	 * anything else). */
	Lightstep__Collector__ReportResponse *rr =
		lightstep__collector__report_response__unpack(NULL, r.len, (uint8_t *)r.body);
	cr_assert_not_null(rr);
	cr_assert_not_null(rr->receive_timestamp);
	cr_assert_gt(rr->receive_timestamp->seconds, 1700000000);
	lightstep__collector__report_response__free_unpacked(rr, NULL);

	rep = counters();
	cr_assert_eq(rep->sat_counters->reports, 1);
	cr_assert_eq(rep->sat_counters->spans, 100);
	cr_assert_eq(rep->sat_counters->duplicates, 0);
	cr_assert_gt(rep->sat_counters->bytes_wire, 100 * 500);
	tb_rpc_free(rep);
}

/* Spans are received once each; a copy of a span already acknowledged is a duplicate
 * after acknowledgment, not a resend. */
Test(satellite, duplicates_are_spans_seen_twice_in_a_run)
{
	cr_assert_eq(post_lightstep(100, 1).status, 200);
	cr_assert_eq(post_lightstep(100, 51).status, 200);	/* ids 51..100 repeat */
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 150);
	cr_assert_eq(rep->sat_counters->reports, 2);
	cr_assert_eq(rep->sat_counters->duplicates, 50);
	cr_assert_eq(rep->sat_counters->dup_after_ack, 50);
	cr_assert_eq(rep->sat_counters->resent, 0);
	cr_assert_eq(rep->sat_counters->never_acked, 0);
	tb_rpc_free(rep);
}

Test(satellite, reset_starts_a_new_run_with_no_spans_and_no_known_ids)
{
	cr_assert_eq(post_lightstep(10, 1).status, 200);
	reset(42);
	cr_assert_eq(post_lightstep(10, 1).status, 200);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->run_id, 42);
	cr_assert_eq(rep->sat_counters->spans, 10);
	cr_assert_eq(rep->sat_counters->duplicates, 0);
	cr_assert_eq(rep->sat_counters->reports, 1);
	tb_rpc_free(rep);
}

Test(satellite, otlp_protobuf_with_chunked_framing)
{
	size_t len;
	uint8_t *b = tb_report_otlp_proto(300, 1, &len);
	reply r = http("POST", "/v1/traces", otlp_proto_headers, b, len, true);

	free(b);
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	cr_assert_str_eq(r.type, "application/x-protobuf");
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 300);
	cr_assert_eq(rep->sat_counters->n_by_protocol, 1);
	cr_assert_str_eq(rep->sat_counters->by_protocol[0]->protocol, "otlp-proto");
	tb_rpc_free(rep);
}

Test(satellite, otlp_json_is_answered_in_json)
{
	size_t len;
	char *b = tb_report_otlp_json(20, 1, &len);
	reply r = http("POST", "/v1/traces", json_headers, b, len, false);

	free(b);
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	cr_assert_str_eq(r.type, "application/json");
	cr_assert_str_eq(r.body, "{}");
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 20);
	tb_rpc_free(rep);
}

Test(satellite, lightstep_thrift_json_gzipped_and_chunked)
{
	size_t len, zlen;
	char *b = tb_report_lightstep_json(50, 1, &len);
	uint8_t *z = tb_gzip(b, len, &zlen);
	reply r = http("POST", "/api/v0/reports", json_gzip_headers, z, zlen, true);

	free(b);
	free(z);
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	cr_assert_str_eq(r.body, "{}");
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 50);
	cr_assert_eq(rep->sat_counters->bytes_wire, zlen);
	cr_assert_eq(rep->sat_counters->bytes_decoded, len);
	tb_rpc_free(rep);
}

/* Zipkin's v2 JSON, as zipkin-go and aiozipkin post it: answered 202 with no body, as
 * Zipkin's collector does; a span seen again is a duplicate by traceId and id. */
Test(satellite, zipkin_json_is_counted_by_trace_and_span_id_and_answered_202)
{
	size_t len;
	char *b = tb_report_zipkin_json(40, 1, &len);
	reply r = http("POST", "/api/v2/spans", json_headers, b, len, false);
	free(b);
	cr_assert_eq(r.status, 202, "status %ld: %s", r.status, r.body);
	cr_assert_eq(r.len, 0);
	/* The client may read the answer a moment before the satellite hears it was
	 * delivered, which is when the spans are acknowledged. */
	tb_rpc_free(counters());
	b = tb_report_zipkin_json(40, 21, &len);	/* ids 21..40 repeat */
	r = http("POST", "/api/v2/spans", json_headers, b, len, false);
	free(b);
	cr_assert_eq(r.status, 202);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 60);
	cr_assert_eq(rep->sat_counters->dup_after_ack, 20);
	cr_assert_eq(rep->sat_counters->n_by_protocol, 1);
	cr_assert_str_eq(rep->sat_counters->by_protocol[0]->protocol, "zipkin-json");
	tb_rpc_free(rep);
}

/* Zipkin's protobuf on the same path, told apart by its Content-Type: the same spans as
 * JSON are the same spans, so a JSON copy of a span first sent in protobuf is counted
 * as a duplicate of it, and protobuf-c's packing is what the satellite counts. */
Test(satellite, zipkin_proto_is_the_same_spans_as_zipkin_json)
{
	size_t len;
	uint8_t *p = tb_report_zipkin_proto(30, 1, &len);
	reply r = http("POST", "/api/v2/spans", otlp_proto_headers, p, len, false);
	free(p);
	cr_assert_eq(r.status, 202, "status %ld: %s", r.status, r.body);
	cr_assert_eq(r.len, 0);
	tb_rpc_free(counters());
	char *b = tb_report_zipkin_json(20, 21, &len);	/* ids 21..30 repeat */
	r = http("POST", "/api/v2/spans", json_headers, b, len, false);
	free(b);
	cr_assert_eq(r.status, 202);
	static const uint8_t broken[] = {0x0a, 0x05, 0x0a, 0x08};	/* a span cut short */
	r = http("POST", "/api/v2/spans", otlp_proto_headers, broken, sizeof(broken), false);
	cr_assert_eq(r.status, 400, "status %ld", r.status);
	cr_assert(strstr(r.body, "Zipkin ListOfSpans does not decode") != NULL, "%s", r.body);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 40);
	cr_assert_eq(rep->sat_counters->dup_after_ack, 10);
	cr_assert_eq(rep->sat_counters->n_by_protocol, 2);
	tb_rpc_free(rep);
}

/* A Zipkin body that breaks the format is 400 with the reason; a 64-bit traceId and its
 * 128-bit form with zeros in front are one trace, as Zipkin reads them. */
Test(satellite, zipkin_json_bad_spans_are_400_with_the_reason)
{
	static const char *const bodies[][2] = {
		{"{\"traceId\":\"0000000000000001\",\"id\":\"0000000000000001\"}",
		 "expected an array of spans"},
		{"[{\"traceId\":\"123\",\"id\":\"0000000000000001\"}]",
		 "span 0: traceId must be 16 or 32 hex digits"},
		{"[{\"traceId\":\"0000000000000001\",\"id\":\"00000000000000zz\"}]",
		 "span 0: id must be 16 hex digits"},
		{"[{\"traceId\":\"0000000000000001\",\"id\":\"0000000000000001\"},"
		 "{\"traceId\":\"0000000000000001\",\"id\":\"0000000000000002\",\"kind\":\"X\"}]",
		 "span 1: kind must be"},
		{"[{\"traceId\":\"0000000000000001\",\"id\":\"0000000000000001\",\"duration\":-1}]",
		 "duration must be"},
		{"[{\"traceId\":\"0000000000000001\",\"id\":\"0000000000000001\","
		 "\"tags\":{\"a\":1}}]", "tag values must be strings"},
	};
	size_t n = sizeof(bodies) / sizeof(bodies[0]);
	for (size_t i = 0; i < n; i++) {
		reply r = http("POST", "/api/v2/spans", json_headers, bodies[i][0],
			       strlen(bodies[i][0]), false);
		cr_assert_eq(r.status, 400, "body %zu got %ld", i, r.status);
		cr_assert(strstr(r.body, bodies[i][1]) != NULL, "body %zu: %s", i, r.body);
	}
	static const char same[] =
		"[{\"traceId\":\"0000000000000000000000000000000a\",\"id\":\"0000000000000001\"},"
		"{\"traceId\":\"000000000000000a\",\"id\":\"0000000000000001\"}]";
	reply r = http("POST", "/api/v2/spans", json_headers, same, strlen(same), false);
	cr_assert_eq(r.status, 202, "status %ld: %s", r.status, r.body);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rejected(rep->sat_counters, "bad_body"), n);
	cr_assert_eq(rep->sat_counters->spans, 1);
	cr_assert_eq(rep->sat_counters->duplicates, 1);
	tb_rpc_free(rep);
}

Test(satellite, gzip_lightstep_protobuf)
{
	size_t len, zlen;
	uint8_t *b = tb_report_lightstep(40, 1, &len);
	uint8_t *z = tb_gzip(b, len, &zlen);
	reply r = http("POST", "/api/v2/reports", ls_gzip_headers, z, zlen, false);

	free(b);
	free(z);
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 40);
	tb_rpc_free(rep);
}

/* HTTP's "deflate" is the zlib format (RFC 9110), which is what compress2 writes. */
Test(satellite, deflate_otlp_protobuf)
{
	static const char *const headers[] = {"Content-Type: application/x-protobuf",
					      "Content-Encoding: deflate", NULL};
	size_t len;
	uint8_t *b = tb_report_otlp_proto(30, 1, &len);
	uLongf zlen = compressBound(len);
	uint8_t *z = malloc(zlen);

	cr_assert_eq(compress2(z, &zlen, b, len, 6), Z_OK);
	reply r = http("POST", "/v1/traces", headers, z, zlen, false);
	free(b);
	free(z);
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 30);
	cr_assert_eq(rep->sat_counters->bytes_wire, zlen);
	cr_assert_eq(rep->sat_counters->bytes_decoded, len);
	tb_rpc_free(rep);
}

Test(satellite, spans_received_and_stats_report_the_counters)
{
	cr_assert_eq(post_lightstep(7, 1).status, 200);
	tb_rpc_free(counters());	/* until the answer's delivery has been noted */
	reply r = http("GET", "/spans_received", NULL, NULL, 0, false);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "7");
	r = http("GET", "/stats", NULL, NULL, 0, false);
	cr_assert_eq(r.status, 200);
	cJSON *j = cJSON_Parse(r.body);
	cr_assert_not_null(j, "stats is not JSON: %s", r.body);
	cr_assert_eq(cJSON_GetObjectItem(j, "spans")->valuedouble, 7);
	cr_assert_eq(cJSON_GetObjectItem(j, "reports")->valuedouble, 1);
	cJSON *buckets = cJSON_GetObjectItem(j, "spans_per_bucket");
	double sum = 0;
	cJSON *b;
	cJSON_ArrayForEach(b, buckets) sum += b->valuedouble;
	cr_assert_eq(sum, 7, "spans per bucket add up to %g", sum);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "listening")));
	cJSON_Delete(j);
}

/* HTTP/1.1 lets a client send requests before the answers to earlier ones arrive. */
Test(satellite, pipelined_requests_are_all_answered)
{
	static const char req[] =
		"GET /spans_received HTTP/1.1\r\nHost: x\r\n\r\n"
		"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
		"Content-Length: 2\r\n\r\n{}"
		"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /stats HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /spans_received HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	char out[16384];
	int answers = 0;

	raw(req, sizeof(req) - 1, out, sizeof(out), 3000);
	for (const char *p = out; (p = strstr(p, "HTTP/1.1 ")) != NULL; p++)
		answers++;
	cr_assert_eq(answers, 5, "%d answers to 5 pipelined requests:\n%s", answers, out);
	cr_assert_not_null(strstr(out, "HTTP/1.1 404"));
}

Test(satellite, both_ports_of_the_group_serve)
{
	uint16_t first = port[0];
	port[0] = port[1];
	reply r = post_lightstep(3, 1);
	port[0] = first;
	cr_assert_eq(r.status, 200);
}

Test(satellite, ring_carries_one_record_per_report)
{
	tb_ring *ring;
	char err[256];
	tb_rec_report rec;
	size_t len;
	uint64_t lost;

	cr_assert_neq(ring_name[0], '\0');
	cr_assert_eq(tb_ring_attach(&ring, ring_name, err, sizeof(err)), TB_OK, "%s", err);
	reset(9);
	cr_assert_eq(post_lightstep(12, 1).status, 200);
	cr_assert_eq(post_lightstep(12, 1).status, 200);
	int got = 0;
	while (tb_ring_read(ring, &rec, sizeof(rec), &len, &lost) == TB_OK) {
		cr_assert_eq(len, sizeof(rec));
		cr_assert_eq(rec.type, TB_REC_REPORT);
		cr_assert_eq(rec.status, 200);
		cr_assert_eq(rec.run_id, 9);
		cr_assert_eq(rec.spans, 12);
		cr_assert_eq(rec.duplicates, got == 0 ? 0 : 12);
		got++;
	}
	cr_assert_eq(got, 2);
	tb_ring_free(ring);
}

/* ---- bad input ---- */

Test(satellite, malformed_protobuf_is_400_with_a_reason_and_counted)
{
	static const uint8_t bad[] = {0x1a, 0x05, 0x0a, 0x03, 0x08};	/* span runs past its end */
	reply r = http("POST", "/api/v2/reports", ls_headers, bad, sizeof(bad), false);

	cr_assert_eq(r.status, 400);
	cr_assert(strstr(r.body, "does not decode") != NULL, "reason: %s", r.body);
	cr_assert_eq(r.body[r.len - 1], '\n');
	cr_assert_eq(strchr(r.body, '\n'), r.body + r.len - 1, "reason is one line");
	Tb__Envelope *rep = counters();
	cr_assert_eq(rejected(rep->sat_counters, "bad_body"), 1);
	cr_assert_eq(rep->sat_counters->spans, 0);
	tb_rpc_free(rep);
}

Test(satellite, wrong_wire_type_for_a_known_field_is_400)
{
	/* ReportRequest.spans (field 3) as a varint */
	static const uint8_t bad[] = {0x18, 0x01};
	reply r = http("POST", "/api/v2/reports", ls_headers, bad, sizeof(bad), false);
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert(strstr(r.body, "field 3") != NULL, "%s", r.body);
}

Test(satellite, malformed_json_and_bad_ids_are_400)
{
	static const char *bodies[] = {
		"{\"resourceSpans\":[",
		"[1,2,3]",
		"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"xyz\","
		"\"spanId\":\"0102030405060708\"}]}]}]}",
		"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
		"\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0102030405060708\","
		"\"startTimeUnixNano\":\"12x\"}]}]}]}",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		reply r = http("POST", "/v1/traces", json_headers, bodies[i], strlen(bodies[i]),
			       false);
		cr_assert_eq(r.status, 400, "body %zu got %ld", i, r.status);
	}
	reply r = http("POST", "/api/v0/reports", json_headers, "{\"span_records\":[{}]}", 20,
		       false);
	cr_assert_eq(r.status, 400);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rejected(rep->sat_counters, "bad_body"), 5);
	tb_rpc_free(rep);
}

Test(satellite, corrupt_gzip_is_400)
{
	static const uint8_t notgzip[] = "this is not gzip at all";
	reply r = http("POST", "/api/v2/reports", ls_gzip_headers, notgzip, sizeof(notgzip),
		       false);
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert(strstr(r.body, "gzip") != NULL, "%s", r.body);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rejected(rep->sat_counters, "bad_encoding"), 1);
	tb_rpc_free(rep);
}

Test(satellite, unknown_path_wrong_method_and_bad_types)
{
	static const char *const html[] = {"Content-Type: text/html", NULL};
	static const char *const br[] = {"Content-Type: application/octet-stream",
					 "Content-Encoding: br", NULL};
	cr_assert_eq(http("GET", "/nope", NULL, NULL, 0, false).status, 404);
	cr_assert_eq(http("GET", "/api/v2/reports", NULL, NULL, 0, false).status, 405);
	cr_assert_eq(http("POST", "/stats", NULL, "x", 1, false).status, 405);
	cr_assert_eq(http("POST", "/api/v2/reports", html, "x", 1, false).status, 415);
	cr_assert_eq(http("POST", "/v1/traces", ls_headers, "x", 1, false).status, 415);
	cr_assert_eq(http("POST", "/api/v2/reports", br, "x", 1, false).status, 415);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rejected(rep->sat_counters, "not_found"), 1);
	cr_assert_eq(rejected(rep->sat_counters, "bad_method"), 2);
	cr_assert_eq(rejected(rep->sat_counters, "bad_content_type"), 2);
	cr_assert_eq(rejected(rep->sat_counters, "bad_encoding"), 1);
	tb_rpc_free(rep);
}

Test(satellite, bad_chunked_framing_is_rejected)
{
	static const char req[] = "POST /api/v2/reports HTTP/1.1\r\nHost: x\r\n"
				  "Content-Type: application/octet-stream\r\n"
				  "Transfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n";
	char out[2048];

	raw(req, sizeof(req) - 1, out, sizeof(out), 3000);
	cr_assert(strncmp(out, "HTTP/1.1 400", 12) == 0, "got: %.80s", out);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rejected(rep->sat_counters, "bad_framing"), 1);
	cr_assert_eq(rep->sat_counters->reports, 0);
	tb_rpc_free(rep);
}

/* Faults can be set from the command line, as a SatSetFaults would set them. */
Test(satellite_opts, fault_flags_set_the_faults_from_the_start)
{
	start_satellite("--errors", "1");
	reply r = post_lightstep(3, 1);
	cr_assert_eq(r.status, 500, "%ld", r.status);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rejected(rep->sat_counters, "injected_error"), 1);
	cr_assert_eq(rep->sat_counters->refused_spans, 3);
	tb_rpc_free(rep);
	teardown();
	start_satellite("--latency", "150ms");
	r = post_lightstep(3, 1);
	cr_assert_eq(r.status, 200);
	cr_assert(r.seconds >= 0.14, "took %.3f s", r.seconds);
	teardown();
	/* A bad value is named, and the satellite does not start. */
	char *argv[] = {SATELLITE_BIN, "--ports", "0", "--close", "1.5", NULL};
	char err[256], errpath[128], text[512];
	snprintf(errpath, sizeof(errpath), "/tmp/tb-sat-test-%d.err", (int)getpid());
	tb_child_opts o = {.stderr_path = errpath};
	tb_child bad;
	cr_assert_eq(tb_child_spawn(&bad, argv, &o, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_child_wait(&bad, 5000), TB_OK);
	cr_assert(WIFEXITED(bad.status) && WEXITSTATUS(bad.status) == 2);
	tb_child_fini(&bad);
	FILE *ef = fopen(errpath, "r");
	cr_assert_not_null(ef);
	size_t got = fread(text, 1, sizeof(text) - 1, ef);
	text[got] = '\0';
	fclose(ef);
	unlink(errpath);
	cr_assert(strstr(text, "--close 1.5: not a valid value") != NULL, "%s", text);
	start_satellite(NULL, NULL);	/* for the suite's teardown */
}

Test(satellite_opts, over_max_body_is_413_declared_or_chunked)
{
	start_satellite("--max-body", "64k");
	size_t len;
	uint8_t *b = tb_report_lightstep(200, 1, &len);	/* ~180 KiB */
	reply r = http("POST", "/api/v2/reports", ls_headers, b, len, false);
	cr_assert_eq(r.status, 413, "declared: %ld", r.status);
	r = http("POST", "/api/v2/reports", ls_headers, b, len, true);
	cr_assert_eq(r.status, 413, "chunked: %ld", r.status);
	/* A small body that inflates past the limit is refused too. */
	uint8_t *zeros = calloc(1, 1 << 20);
	size_t zlen;
	uint8_t *z = tb_gzip(zeros, 1 << 20, &zlen);
	r = http("POST", "/api/v2/reports", ls_gzip_headers, z, zlen, false);
	cr_assert_eq(r.status, 413, "gzip bomb: %ld (%zu bytes compressed)", r.status, zlen);
	free(zeros);
	free(z);
	free(b);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rejected(rep->sat_counters, "too_large"), 3);
	tb_rpc_free(rep);
}

Test(satellite_opts, a_stalled_request_times_out)
{
	start_satellite("--idle-timeout", "1");
	static const char req[] = "POST /api/v2/reports HTTP/1.1\r\nHost: x\r\n"
				  "Content-Type: application/octet-stream\r\n"
				  "Content-Length: 100\r\n\r\n0123456789";
	char out[256];
	uint64_t t0 = tb_now_ns();

	raw(req, sizeof(req) - 1, out, sizeof(out), 10000);
	double took = (double)(tb_now_ns() - t0) / 1e9;
	cr_assert(took >= 0.9 && took < 5, "closed after %.2f s", took);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rejected(rep->sat_counters, "timeout"), 1);
	tb_rpc_free(rep);
}

Test(satellite, bad_control_requests_get_error_replies)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SatSetFaults sf = TB__SAT_SET_FAULTS__INIT;
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	Tb__SmpStop stop = TB__SMP_STOP__INIT;
	char err[256];

	f.error_status = 418;
	sf.faults = &f;
	req.body_case = TB__ENVELOPE__BODY_SAT_SET_FAULTS;
	req.sat_set_faults = &sf;
	cr_assert_eq(control(&req, err, sizeof(err)), TB_EPEER);
	cr_assert(strstr(err, "418") != NULL, "%s", err);
	f.error_status = 0;
	f.mode = "sideways";
	cr_assert_eq(control(&req, err, sizeof(err)), TB_EPEER);
	cr_assert(strstr(err, "sideways") != NULL, "%s", err);
	f.mode = NULL;
	f.error_probability = 2;
	cr_assert_eq(control(&req, err, sizeof(err)), TB_EPEER);
	sf.faults = NULL;
	cr_assert_eq(control(&req, err, sizeof(err)), TB_EPEER);
	req.body_case = TB__ENVELOPE__BODY_SMP_STOP;
	req.smp_stop = &stop;
	cr_assert_eq(control(&req, err, sizeof(err)), TB_EPEER);
	cr_assert(strstr(err, "does not handle") != NULL, "%s", err);
	/* Still serving. */
	cr_assert_eq(post_lightstep(1, 1).status, 200);
}

/* ---- modes and faults ---- */

Test(satellite, slow_succeed_waits_base_plus_per_span_then_counts)
{
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	f.mode = "slow_succeed";
	f.override_delays = true;
	f.base_latency_us = 200000;
	f.per_span_ns = 1000000;	/* 100 spans: +100 ms */
	set_faults(&f);
	reply r = post_lightstep(100, 1);
	cr_assert_eq(r.status, 200);
	cr_assert(r.seconds >= 0.29 && r.seconds < 2, "took %.3f s", r.seconds);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 100);
	cr_assert_str_eq(rep->sat_counters->mode, "slow_succeed");
	tb_rpc_free(rep);
}

/* post_at_once posts the LightStep body b to each of ports[0..n) at the same time, one
 * connection each, puts each answer's status in status[i], and returns the seconds until
 * the last answer came. */
static double post_at_once(const uint16_t *ports, int n, const uint8_t *b, size_t len,
			   long *status)
{
	CURLM *m = curl_multi_init();
	CURL *e[8];
	reply sink[8];
	struct curl_slist *hl = curl_slist_append(NULL, ls_headers[0]);
	uint64_t t0 = tb_now_ns();
	int running = 1;

	cr_assert(n <= 8);
	hl = curl_slist_append(hl, "Expect:");
	for (int i = 0; i < n; i++) {
		char url[128];
		snprintf(url, sizeof(url), "http://127.0.0.1:%u/api/v2/reports", ports[i]);
		memset(&sink[i], 0, sizeof(sink[i]));
		e[i] = curl_easy_init();
		curl_easy_setopt(e[i], CURLOPT_URL, url);
		curl_easy_setopt(e[i], CURLOPT_POSTFIELDS, b);
		curl_easy_setopt(e[i], CURLOPT_POSTFIELDSIZE, (long)len);
		curl_easy_setopt(e[i], CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(e[i], CURLOPT_TIMEOUT, 20L);
		curl_easy_setopt(e[i], CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(e[i], CURLOPT_WRITEDATA, &sink[i]);
		curl_multi_add_handle(m, e[i]);
	}
	while (running) {
		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	for (int i = 0; i < n; i++) {
		curl_easy_getinfo(e[i], CURLINFO_RESPONSE_CODE, &status[i]);
		curl_multi_remove_handle(m, e[i]);
		curl_easy_cleanup(e[i]);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(hl);
	return (double)(tb_now_ns() - t0) / 1e9;
}

Test(satellite, held_requests_do_not_block_other_connections)
{
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	const uint16_t ports[8] = {port[0], port[0], port[0], port[0],
				   port[0], port[0], port[0], port[0]};
	long status[8];
	size_t len;
	uint8_t *b = tb_report_lightstep(5, 1, &len);

	f.mode = "slow_succeed";
	f.override_delays = true;
	f.base_latency_us = 1500000;
	set_faults(&f);
	/* Eight slow reports at once on a 2-thread server: all finish in about one delay. */
	double took = post_at_once(ports, 8, b, len, status);
	free(b);
	for (int i = 0; i < 8; i++)
		cr_expect_eq(status[i], 200);
	cr_assert(took >= 1.45 && took < 3.5, "8 held reports took %.2f s", took);
}

Test(satellite, extra_latency_delays_a_typical_answer)
{
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;

	f.extra_latency_us = 300000;
	set_faults(&f);
	reply r = post_lightstep(10, 1);
	cr_assert_eq(r.status, 200);
	cr_assert(r.seconds >= 0.29 && r.seconds < 2, "took %.3f s", r.seconds);
	Tb__Envelope *rep = counters();
	cr_assert_str_eq(rep->sat_counters->mode, "typical");
	cr_assert_eq(rep->sat_counters->spans, 10);
	tb_rpc_free(rep);
	/* Taken away, the answer comes at once again. */
	f.extra_latency_us = 0;
	set_faults(&f);
	r = post_lightstep(10, 11);
	cr_assert_eq(r.status, 200);
	cr_assert(r.seconds < 0.25, "took %.3f s without extra latency", r.seconds);
}

Test(satellite, slow_fail_answers_an_error_and_counts_no_spans)
{
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	f.mode = "slow_fail";
	f.override_delays = true;
	f.base_latency_us = 50000;
	set_faults(&f);
	reply r = post_lightstep(10, 1);
	cr_assert_eq(r.status, 500);
	cr_assert(r.seconds >= 0.045, "took %.3f s", r.seconds);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 0);
	cr_assert_eq(rejected(rep->sat_counters, "injected_error"), 1);
	cr_assert_eq(rep->sat_counters->refused_spans, 10);
	cr_assert_eq(rep->sat_counters->never_acked, 10);
	tb_rpc_free(rep);
	/* Back to typical: the same spans sent again are resends, and received once. */
	f.mode = "typical";
	f.override_delays = false;
	set_faults(&f);
	cr_assert_eq(post_lightstep(10, 1).status, 200);
	rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 10);
	cr_assert_eq(rep->sat_counters->resent, 10);
	cr_assert_eq(rep->sat_counters->dup_after_ack, 0);
	cr_assert_eq(rep->sat_counters->never_acked, 0);
	tb_rpc_free(rep);
}

Test(satellite, error_probability_answers_the_chosen_status)
{
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	f.error_probability = 1;
	f.error_status = 503;
	set_faults(&f);
	cr_assert_eq(post_lightstep(3, 1).status, 503);
	f.error_status = 429;
	set_faults(&f);
	cr_assert_eq(post_lightstep(3, 1).status, 429);
	f.error_probability = 0.5;
	set_faults(&f);
	int errors = 0;
	for (int i = 0; i < 200; i++)
		errors += post_lightstep(1, (uint64_t)i + 10).status == 429;
	cr_assert(errors > 60 && errors < 140, "%d of 200 errored at p=0.5", errors);
}

/* An injected error can ask the tracer to wait, as collectors do under load. */
Test(satellite, injected_errors_carry_the_retry_after_asked_for)
{
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	f.error_probability = 1;
	f.error_status = 503;
	f.retry_after_s = 2;
	set_faults(&f);
	static const char req[] = "POST /api/v2/reports HTTP/1.1\r\nHost: x\r\n"
				  "Content-Type: application/octet-stream\r\nContent-Length: 0\r\n"
				  "Connection: close\r\n\r\n";
	char out[2048];
	raw(req, sizeof(req) - 1, out, sizeof(out), 2000);
	cr_assert(strncmp(out, "HTTP/1.1 503", 12) == 0, "%s", out);
	cr_assert(strcasestr(out, "\r\nRetry-After: 2\r\n") != NULL, "%s", out);
	f.retry_after_s = 3601;
	Tb__Envelope req2 = TB__ENVELOPE__INIT;
	Tb__SatSetFaults sf = TB__SAT_SET_FAULTS__INIT;
	sf.faults = &f;
	req2.body_case = TB__ENVELOPE__BODY_SAT_SET_FAULTS;
	req2.sat_set_faults = &sf;
	char err[256];
	cr_assert_neq(control(&req2, err, sizeof(err)), TB_OK);
	cr_assert(strstr(err, "retry_after_s 3601 is over 3600") != NULL, "%s", err);
}

Test(satellite, drop_probability_closes_the_connection_without_an_answer)
{
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	f.drop_probability = 1;
	set_faults(&f);
	reply r = post_lightstep(3, 1);
	cr_assert_eq(r.rc, CURLE_GOT_NOTHING, "curl said %d, status %ld", r.rc, r.status);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rejected(rep->sat_counters, "injected_drop"), 1);
	cr_assert_eq(rep->sat_counters->spans, 0);
	tb_rpc_free(rep);
}

Test(satellite, bandwidth_limit_slows_the_upload)
{
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	size_t len;
	uint8_t *b = tb_report_lightstep(150, 1, &len);	/* ~140 KiB */

	f.bandwidth_kbps = 64;
	f.bandwidth_per_connection = true;
	set_faults(&f);
	reply r = http("POST", "/api/v2/reports", ls_headers, b, len, false);
	free(b);
	cr_assert_eq(r.status, 200);
	/* 140 KiB at 64 KiB/s after a 16 KiB burst: about 1.9 s. */
	double expect = ((double)len - 16384) / 65536;
	cr_assert(r.seconds > expect * 0.8 && r.seconds < expect * 2 + 1,
		  "%zu bytes took %.2f s, expected about %.2f", len, r.seconds, expect);
}

/* Two uploads at once, one on each port of the group: limited per connection each goes
 * at the full rate; limited per group they share it and take about twice as long. */
Test(satellite, a_group_bandwidth_limit_is_shared_by_the_ports)
{
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	const uint16_t ports[2] = {port[0], port[1]};
	long status[2];
	size_t len;
	uint8_t *b = tb_report_lightstep(75, 1, &len);	/* ~70 KiB */
	double shared = ((double)(2 * len) - 16384) / 65536;	/* both after one burst */

	f.bandwidth_kbps = 64;
	f.bandwidth_per_connection = true;
	set_faults(&f);
	double each = post_at_once(ports, 2, b, len, status);
	cr_assert(status[0] == 200 && status[1] == 200);
	f.bandwidth_per_connection = false;
	set_faults(&f);
	reset(2);
	double group = post_at_once(ports, 2, b, len, status);
	free(b);
	cr_assert(status[0] == 200 && status[1] == 200);
	cr_assert(each < shared * 0.75, "per connection: 2 x %zu bytes took %.2f s", len, each);
	cr_assert(group > shared * 0.8 && group < shared * 2 + 1,
		  "per group: 2 x %zu bytes took %.2f s, expected about %.2f", len, group, shared);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 75);	/* the same 75 spans, twice */
	cr_assert_eq(rep->sat_counters->duplicates, 75);
	tb_rpc_free(rep);
}

Test(satellite, down_refuses_connections_and_up_serves_again)
{
	cr_assert_eq(post_lightstep(2, 1).status, 200);
	set_listening(false);
	reply r = post_lightstep(2, 3);
	cr_assert_eq(r.rc, CURLE_COULDNT_CONNECT, "curl said %d", r.rc);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->listening, false);
	tb_rpc_free(rep);
	set_listening(true);
	cr_assert_eq(post_lightstep(2, 5).status, 200);
	rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 4);
	cr_assert_eq(rep->sat_counters->listening, true);
	tb_rpc_free(rep);
}

static void *post_ten(void *arg)
{
	*(reply *)arg = post_lightstep(10, 1);
	return NULL;
}

/* An answer decided 2xx but held, then cut off by going down, was never delivered: its
 * spans are unacknowledged, and their resend is a resend, received once. */
Test(satellite, an_answer_cut_off_before_delivery_leaves_its_spans_unacknowledged)
{
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	f.extra_latency_us = 2000000;
	set_faults(&f);
	reply first;
	pthread_t t;
	pthread_create(&t, NULL, post_ten, &first);
	Tb__Envelope *rep;
	for (int i = 0; i < 200; i++) {	/* until the satellite holds it */
		rep = counters_now();
		bool held = rep->sat_counters->in_flight == 10;
		tb_rpc_free(rep);
		if (held)
			break;
		tb_sleep_ns(10 * TB_NS_PER_MS);
	}
	/* in_flight counts from the decision; the connection is suspended just after it. */
	tb_sleep_ns(200 * TB_NS_PER_MS);
	set_listening(false);
	pthread_join(t, NULL);
	cr_assert_neq(first.status, 200, "the held answer was delivered");
	set_listening(true);
	f.extra_latency_us = 0;
	set_faults(&f);
	cr_assert_eq(post_lightstep(10, 1).status, 200);
	rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 10);
	cr_assert_eq(rep->sat_counters->unacked, 10);
	cr_assert_eq(rep->sat_counters->resent, 10);
	cr_assert_eq(rep->sat_counters->dup_after_ack, 0);
	cr_assert_eq(rep->sat_counters->in_flight, 0);
	cr_assert_eq(rep->sat_counters->reports, 1);
	tb_rpc_free(rep);
}

/* A client that gives up on a held answer and closes has not been answered either. */
Test(satellite, a_client_that_gave_up_before_the_answer_is_not_acknowledged)
{
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	f.extra_latency_us = 500000;
	set_faults(&f);
	size_t len;
	uint8_t *b = tb_report_lightstep(10, 1, &len);
	char head[256], out[1024];
	int n = snprintf(head, sizeof(head), "POST /api/v2/reports HTTP/1.1\r\nHost: x\r\n"
			 "Content-Type: application/octet-stream\r\nContent-Length: %zu\r\n\r\n",
			 len);
	char *req = malloc((size_t)n + len);
	memcpy(req, head, (size_t)n);
	memcpy(req + n, b, len);
	raw(req, (size_t)n + len, out, sizeof(out), 100);	/* closes after 100 ms */
	free(req);
	free(b);
	/* The held answer falls due 500 ms after the request; until then it is in flight.
	 * Wait for the outcome, one way or the other. */
	Tb__Envelope *rep = NULL;
	for (uint64_t deadline = tb_now_ns() + 10 * TB_NS_PER_S;; tb_sleep_ns(10 * TB_NS_PER_MS)) {
		rep = counters_now();
		const Tb__SatCounters *k = rep->sat_counters;
		if ((k->in_flight == 0 && k->spans + k->unacked >= 10) || tb_now_ns() > deadline)
			break;
		tb_rpc_free(rep);
	}
	cr_assert_eq(rep->sat_counters->in_flight, 0);
	cr_assert_eq(rep->sat_counters->spans, 0, "acknowledged to a closed connection");
	cr_assert_eq(rep->sat_counters->unacked, 10);
	tb_rpc_free(rep);
}

Test(satellite, going_down_closes_open_keep_alive_connections)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port[0])};
	static const char req[] = "GET /spans_received HTTP/1.1\r\nHost: x\r\n\r\n";
	char buf[1024];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(write(fd, req, sizeof(req) - 1), (ssize_t)(sizeof(req) - 1));
	cr_assert_gt(read(fd, buf, sizeof(buf)), 0);	/* kept alive after this answer */
	set_listening(false);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 3000), 1);
	cr_assert_leq(read(fd, buf, sizeof(buf)), 0, "connection still open after going down");
	close(fd);
	set_listening(true);
}

/* ---- LightStep's runtime metrics ---- */

static uint8_t *metrics_report(size_t npoints, size_t *len)
{
	Lightstep__Metrics__MetricPoint pts[8], *pp[8];
	for (size_t i = 0; i < npoints && i < 8; i++) {
		lightstep__metrics__metric_point__init(&pts[i]);
		pts[i].kind = LIGHTSTEP__METRICS__METRIC_KIND__GAUGE;
		pts[i].metric_name = "cpu.user";
		pts[i].value_case = LIGHTSTEP__METRICS__METRIC_POINT__VALUE_DOUBLE_VALUE;
		pts[i].double_value = 1.5;
		pp[i] = &pts[i];
	}
	Lightstep__Metrics__IngestRequest m = LIGHTSTEP__METRICS__INGEST_REQUEST__INIT;
	m.idempotency_key = "k";
	m.n_points = npoints;
	m.points = pp;
	*len = lightstep__metrics__ingest_request__get_packed_size(&m);
	uint8_t *b = malloc(*len ? *len : 1);
	lightstep__metrics__ingest_request__pack(&m, b);
	return b;
}

Test(satellite, metrics_reports_are_answered_200_and_counted_as_metrics_not_spans)
{
	size_t len;
	uint8_t *b = metrics_report(3, &len);
	reply r = http("POST", "/metrics", ls_headers, b, len, false);
	cr_assert_eq(r.status, 200, "%ld: %s", r.status, r.body);
	cr_assert_eq(r.len, 0, "an IngestResponse is empty on the wire");
	cr_assert_str_eq(r.type, "application/octet-stream");
	static const char *const no_type[] = {"Content-Type:", NULL};
	r = http("POST", "/metrics", no_type, b, len, false);	/* none at all */
	cr_assert_eq(r.status, 200, "%ld", r.status);
	free(b);
	static const uint8_t bad[] = {0x1a, 0x09, 0x12};	/* a point running past the end */
	r = http("POST", "/metrics", ls_headers, bad, sizeof(bad), false);
	cr_assert_eq(r.status, 400, "%ld", r.status);
	cr_assert(strstr(r.body, "metrics report") != NULL, "%s", r.body);
	r = http("POST", "/metrics", json_headers, "{}", 2, false);
	cr_assert_eq(r.status, 415, "%ld", r.status);

	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->metrics_reports, 2);
	cr_assert_eq(rep->sat_counters->metric_points, 6);
	cr_assert_eq(rep->sat_counters->spans, 0);
	cr_assert_eq(rep->sat_counters->reports, 0);
	cr_assert_eq(rejected(rep->sat_counters, "bad_body"), 1);
	cr_assert_eq(rejected(rep->sat_counters, "bad_content_type"), 1);
	tb_rpc_free(rep);
	r = http("GET", "/stats", NULL, NULL, 0, false);
	cr_assert(strstr(r.body, "\"metrics_reports\":2") != NULL, "%s", r.body);
}

/* A group asked for fixed ports that one of which is taken serves free ports instead,
 * when told to; without --fallback-ports it refuses to start, naming the port. */
Test(satellite_opts, a_taken_port_falls_back_to_free_ports_only_when_asked)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fd, 1), 0);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	char ports[32], err[256];
	snprintf(ports, sizeof(ports), "%u,0", ntohs(sa.sin_port));

	char *argv[] = {SATELLITE_BIN, "--ports", ports, "-q", NULL};
	tb_child c;
	tb_child_opts o = {.stderr_path = "/dev/null"};
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK);
	cr_assert_eq(tb_child_wait(&c, 10000), TB_OK);
	cr_assert(WIFEXITED(c.status) && WEXITSTATUS(c.status) != 0);
	tb_child_fini(&c);

	snprintf(ctl_url, sizeof(ctl_url), "ipc:///tmp/tb-sat-test-%d.ipc", (int)getpid());
	char *argv2[] = {SATELLITE_BIN, "--ports", ports, "--fallback-ports", "--control",
			 ctl_url, NULL};
	cr_assert_eq(tb_child_spawn(&sat, argv2, NULL, err, sizeof(err)), TB_OK, "%s", err);
	Tb__Envelope *rep;
	cr_assert_eq(tb_rpc_client_alloc(&ctl, ctl_url, 5000, NULL, err, sizeof(err)), TB_OK);
	cr_assert_eq(tb_rpc_hello(ctl, "test", &rep, err, sizeof(err)), TB_OK, "hello: %s", err);
	cr_assert_eq(rep->hello_reply->n_ports, 2);
	cr_assert_neq(rep->hello_reply->ports[0], ntohs(sa.sin_port));
	cr_assert_neq(rep->hello_reply->ports[0], 0);
	port[0] = (uint16_t)rep->hello_reply->ports[0];
	tb_rpc_free(rep);
	close(fd);
	cr_assert_eq(post_lightstep(2, 1).status, 200);
}

/* ---- gRPC over h2c, on the same ports ---- */

#define OTLP_EXPORT "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
#define LS_REPORT "/lightstep.collector.CollectorService/Report"
#define LS_METRICS "/lightstep.metrics.MetricsService/Report"

static tg_reply grpc_otlp(size_t spans, uint64_t first, bool gzip)
{
	size_t len;
	uint8_t *b = tb_report_otlp_proto(spans, first, &len);
	tg_reply r;
	cr_assert(tg_once(port[0], OTLP_EXPORT, b, len, gzip, &r), "the call timed out");
	free(b);
	return r;
}

Test(satellite, grpc_otlp_and_lightstep_are_counted_on_the_http_ports)
{
	tg_reply r = grpc_otlp(10, 1, false);
	cr_assert_eq(r.http_status, 200);
	cr_assert_eq(r.grpc_status, 0, "%d %s", r.grpc_status, r.grpc_message);
	cr_assert_eq(r.len, 5, "an empty ExportTraceServiceResponse, framed");

	size_t len;
	uint8_t *b = tb_report_lightstep(7, 100, &len);
	cr_assert(tg_once(port[1], LS_REPORT, b, len, true, &r));	/* gzip, the other port */
	free(b);
	cr_assert_eq(r.grpc_status, 0, "%d %s", r.grpc_status, r.grpc_message);
	cr_assert_gt(r.len, 5);
	Lightstep__Collector__ReportResponse *rr =
		lightstep__collector__report_response__unpack(NULL, r.len - 5, r.body + 5);
	cr_assert_not_null(rr, "the answer is a ReportResponse");
	cr_assert_not_null(rr->receive_timestamp);
	lightstep__collector__report_response__free_unpacked(rr, NULL);

	uint8_t *m = metrics_report(2, &len);
	cr_assert(tg_once(port[0], LS_METRICS, m, len, false, &r));
	free(m);
	cr_assert_eq(r.grpc_status, 0);

	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 17);
	cr_assert_eq(rep->sat_counters->reports, 2);
	cr_assert_eq(rep->sat_counters->metrics_reports, 1);
	cr_assert_eq(rep->sat_counters->rejected, 0);
	tb_rpc_free(rep);
}

/* HTTP/1.1 and gRPC clients on one port at once are each counted exactly. */
Test(satellite, http1_and_grpc_clients_on_one_port_at_once_are_both_exact)
{
	tg_conn *g = tg_open(port[0]);
	cr_assert_not_null(g);
	for (int i = 0; i < 20; i++) {
		size_t len;
		uint8_t *b = tb_report_otlp_proto(50, 1000 + (uint64_t)i * 50, &len);
		tg_reply r;
		cr_assert(tg_call(g, OTLP_EXPORT, b, len, i % 2, NULL, 10000, &r));
		free(b);
		cr_assert_eq(r.grpc_status, 0, "call %d: %d %s", i, r.grpc_status, r.grpc_message);
		cr_assert_eq(post_lightstep(50, 100000 + (uint64_t)i * 50).status, 200);
	}
	tg_close(g);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 2000);
	cr_assert_eq(rep->sat_counters->duplicates, 0);
	cr_assert_eq(rep->sat_counters->reports, 40);
	tb_rpc_free(rep);
}

Test(satellite, grpc_bad_calls_are_refused_with_a_status_and_counted)
{
	tg_reply r;
	static const uint8_t junk[] = {1, 2, 3};
	cr_assert(tg_once(port[0], "/no.Such/Method", junk, sizeof(junk), false, &r));
	cr_assert_eq(r.grpc_status, 12, "UNIMPLEMENTED, not %d", r.grpc_status);
	cr_assert(tg_once(port[0], OTLP_EXPORT, (const uint8_t *)"\x0a\x05\x0a", 3, false, &r));
	cr_assert_eq(r.grpc_status, 3, "INVALID_ARGUMENT, not %d", r.grpc_status);
	cr_assert(strstr(r.grpc_message, "does not decode") != NULL, "%s", r.grpc_message);
	tg_conn *c = tg_open(port[0]);
	static const uint8_t short_frame[] = {0, 0, 0, 0, 9, 1};
	cr_assert(tg_call_raw(c, OTLP_EXPORT, short_frame, sizeof(short_frame), NULL, 5000, &r));
	cr_assert_eq(r.grpc_status, 13, "INTERNAL for bad framing, not %d", r.grpc_status);
	const char *br[] = {"grpc-encoding: br", NULL};
	cr_assert(tg_call(c, OTLP_EXPORT, junk, 0, false, br, 5000, &r));
	cr_assert_eq(r.grpc_status, 12, "an unknown encoding: %d", r.grpc_status);
	const char *json[] = {"content-type: application/json", NULL};
	cr_assert(tg_call(c, OTLP_EXPORT, junk, 0, false, json, 5000, &r));
	cr_assert_eq(r.http_status, 415);
	tg_close(c);

	Tb__Envelope *rep = counters();
	cr_assert_eq(rejected(rep->sat_counters, "not_found"), 1);
	cr_assert_eq(rejected(rep->sat_counters, "bad_body"), 1);
	cr_assert_eq(rejected(rep->sat_counters, "bad_framing"), 1);
	cr_assert_eq(rejected(rep->sat_counters, "bad_encoding"), 1);
	cr_assert_eq(rejected(rep->sat_counters, "bad_content_type"), 1);
	cr_assert_eq(rep->sat_counters->spans, 0);
	tb_rpc_free(rep);
	cr_assert_eq(grpc_otlp(3, 1, false).grpc_status, 0, "still serving");
}

/* Garbage after the preface, and a preface then silence, cost the satellite nothing. */
Test(satellite_opts, grpc_garbage_and_stalled_clients_are_closed)
{
	start_satellite("--idle-timeout", "1");
	char out[256];
	static const char garbage[] = SAT_TEST_PREFACE "\x00\x00\x04\x99\x00garbage-garbage";
	size_t n = raw(garbage, sizeof(garbage) - 1, out, sizeof(out), 3000);
	(void)n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port[0]),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(send(fd, SAT_TEST_PREFACE, 24, 0), 24);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint64_t t0 = tb_now_ns();
	char b[512];
	while (poll(&p, 1, 5000) > 0 && recv(fd, b, sizeof(b), 0) > 0)
		;	/* the server's SETTINGS, then end of file */
	double waited = (double)(tb_now_ns() - t0) / 1e9;
	close(fd);
	cr_assert(waited > 0.5 && waited < 4, "closed after %.2f s", waited);
	int fd2 = socket(AF_INET, SOCK_STREAM, 0);	/* a client that sends nothing */
	cr_assert_eq(connect(fd2, (struct sockaddr *)&sa, sizeof(sa)), 0);
	p.fd = fd2;
	cr_assert(poll(&p, 1, 5000) > 0 && recv(fd2, b, sizeof(b), 0) == 0);
	close(fd2);
	Tb__Envelope *rep = counters();
	cr_assert_geq(rejected(rep->sat_counters, "bad_framing"), 1);
	cr_assert_geq(rejected(rep->sat_counters, "timeout"), 2);
	tb_rpc_free(rep);
	cr_assert_eq(grpc_otlp(3, 1, false).grpc_status, 0, "still serving");
}

Test(satellite_opts, grpc_over_max_body_is_resource_exhausted)
{
	start_satellite("--max-body", "4096");
	tg_reply r = grpc_otlp(200, 1, false);
	cr_assert_eq(r.grpc_status, 8, "RESOURCE_EXHAUSTED, not %d", r.grpc_status);
	size_t len;
	uint8_t *b = tb_report_otlp_proto(300, 1, &len);	/* small when gzipped, not after */
	cr_assert(tg_once(port[0], OTLP_EXPORT, b, len, true, &r));
	free(b);
	cr_assert_eq(r.grpc_status, 8, "inflated over the limit: %d", r.grpc_status);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rejected(rep->sat_counters, "too_large"), 2);
	tb_rpc_free(rep);
}

/* Faults on gRPC: errors become UNAVAILABLE or RESOURCE_EXHAUSTED, latency holds the
 * answer, close resets the stream, down refuses connections; the spans are accounted
 * for as on HTTP. */
Test(satellite, grpc_faults_map_to_grpc_statuses)
{
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	f.error_probability = 1;
	f.error_status = 503;
	set_faults(&f);
	cr_assert_eq(grpc_otlp(5, 1, false).grpc_status, 14);
	f.error_status = 429;
	set_faults(&f);
	cr_assert_eq(grpc_otlp(5, 1, false).grpc_status, 8);
	f.error_probability = 0;
	f.drop_probability = 1;
	set_faults(&f);
	tg_reply r = grpc_otlp(5, 1, false);
	cr_assert(r.reset && r.grpc_status == -1, "reset %d, status %d", r.reset, r.grpc_status);
	f.drop_probability = 0;
	f.extra_latency_us = 300000;
	set_faults(&f);
	r = grpc_otlp(5, 1, false);
	cr_assert_eq(r.grpc_status, 0);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 5, "received once, after three refusals");
	cr_assert_eq(rep->sat_counters->refused_spans, 15);
	cr_assert_eq(rep->sat_counters->resent, 15);
	cr_assert_eq(rejected(rep->sat_counters, "injected_error"), 2);
	cr_assert_eq(rejected(rep->sat_counters, "injected_drop"), 1);
	tb_rpc_free(rep);

	set_listening(false);
	cr_assert_null(tg_open(port[0]), "down refuses connections");
	set_listening(true);
	cr_assert_eq(grpc_otlp(2, 900, false).grpc_status, 0);
}

/* A held answer cut off by down leaves its spans unacknowledged; their next copy is a
 * resend, not a duplicate. */
Test(satellite, grpc_held_answer_cut_off_by_down_is_unacknowledged)
{
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	f.extra_latency_us = 2000000;
	set_faults(&f);
	tg_conn *c = tg_open(port[0]);
	size_t len;
	uint8_t *b = tb_report_otlp_proto(10, 1, &len);
	tg_reply r;
	tg_call(c, OTLP_EXPORT, b, len, false, NULL, 300, &r);	/* held: times out here */
	Tb__Envelope *rep = counters_now();
	cr_assert_eq(rep->sat_counters->in_flight, 10);
	tb_rpc_free(rep);
	set_listening(false);
	tg_close(c);
	set_listening(true);
	f.extra_latency_us = 0;
	set_faults(&f);
	cr_assert(tg_once(port[0], OTLP_EXPORT, b, len, false, &r));
	free(b);
	cr_assert_eq(r.grpc_status, 0);
	rep = counters();
	cr_assert_eq(rep->sat_counters->unacked, 10);
	cr_assert_eq(rep->sat_counters->resent, 10);
	cr_assert_eq(rep->sat_counters->spans, 10);
	cr_assert_eq(rep->sat_counters->dup_after_ack, 0);
	tb_rpc_free(rep);
}

Test(satellite, grpc_bandwidth_limit_slows_the_upload)
{
	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	f.bandwidth_kbps = 256;
	set_faults(&f);
	size_t len;
	uint8_t *b = tb_report_otlp_proto(2000, 1, &len);
	uint64_t t0 = tb_now_ns();
	tg_reply r;
	cr_assert(tg_once(port[0], OTLP_EXPORT, b, len, false, &r));
	double s = (double)(tb_now_ns() - t0) / 1e9, want = (double)len / (256 * 1024);
	free(b);
	cr_assert_eq(r.grpc_status, 0);
	cr_assert(s > want * 0.6 && s < want * 2 + 1, "%zu bytes in %.2f s at 256 KiB/s", len, s);
}

/* A gRPC-only port takes gRPC, and an HTTP/1.1 request there gets nothing useful. */
Test(satellite_opts, a_grpc_only_port_serves_grpc_alone)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);
	char gp[16];
	snprintf(gp, sizeof(gp), "%u", ntohs(sa.sin_port));
	start_satellite("--grpc-ports", gp);
	size_t len;
	uint8_t *b = tb_report_otlp_proto(4, 1, &len);
	tg_reply r;
	cr_assert(tg_once(ntohs(sa.sin_port), OTLP_EXPORT, b, len, false, &r));
	free(b);
	cr_assert_eq(r.grpc_status, 0, "%d %s", r.grpc_status, r.grpc_message);
	uint16_t shared = port[0];
	port[0] = ntohs(sa.sin_port);
	reply h = post_lightstep(3, 100);
	port[0] = shared;
	cr_assert_neq(h.status, 200, "HTTP/1.1 on a gRPC-only port");
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 4);
	cr_assert_eq(rep->sat_counters->grpc_reports, 1);
	tb_rpc_free(rep);
}

/* Reports whose access token names a client of the run are counted for that client
 * too; any other token (or none) counts in the totals only. */
Test(satellite, reports_are_counted_for_the_client_their_access_token_names)
{
	cr_assert_eq(post_as("tracebench-client-2", 30, 1).status, 200);
	cr_assert_eq(post_as("tracebench-client-5", 20, 100).status, 200);
	cr_assert_eq(post_as("tracebench-client-5", 20, 100).status, 200); /* copies */
	cr_assert_eq(post_as("tracebench", 7, 200).status, 200);
	cr_assert_eq(post_as(NULL, 7, 300).status, 200);
	const char *bad[] = {"tracebench-client-", "tracebench-client-02", "tracebench-client-128",
			     "tracebench-client-1x", "tracebench-client--1", "Tracebench-client-1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(post_as(bad[i], 1, 400 + i).status, 200, "%s", bad[i]);
	Tb__Envelope *rep = counters();
	const Tb__SatCounters *c = rep->sat_counters;
	cr_assert_eq(c->spans, 30 + 20 + 7 + 7 + 6);
	cr_assert_eq(c->n_by_client, 2, "only clients 2 and 5 are named");
	for (size_t i = 0; i < c->n_by_client; i++) {
		const Tb__ClientCount *cc = c->by_client[i];
		cr_assert(cc->client == 2 || cc->client == 5, "client %u", cc->client);
		cr_assert_eq(cc->spans, cc->client == 2 ? 30 : 20);
		cr_assert_eq(cc->reports, cc->client == 2 ? 1 : 2);
		cr_assert_eq(cc->dup_after_ack, cc->client == 2 ? 0 : 20);
		cr_assert_eq(cc->never_acked, 0);
	}
	tb_rpc_free(rep);
	/* A new run forgets them. */
	reset(77);
	rep = counters();
	cr_assert_eq(rep->sat_counters->n_by_client, 0);
	tb_rpc_free(rep);
}
