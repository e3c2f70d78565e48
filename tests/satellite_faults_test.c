/* SPDX-License-Identifier: MIT */
/* satellite_faults_test.c - the satellite program end to end, misbehaving on request:
 * every mode and fault (latency, errors, closes, bandwidth, down and up), answers cut
 * off before delivery, runtime metrics, gRPC on the same ports, and spans counted per
 * client, against a real satellite process (satellite_fixture.h). */
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

#include "satellite_fixture.h"

TestSuite(satellite, .init = setup, .fini = teardown, .timeout = 60);
/* Tests that start the satellite with their own options. */
TestSuite(satellite_opts, .fini = teardown, .timeout = 60);

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
