/* SPDX-License-Identifier: MIT */
/* satellite_test.c - the satellite program end to end, its endpoints and input: every
 * endpoint, encoding and framing, resets, duplicates, the shared-memory ring, and every
 * kind of bad input, against a real satellite process (satellite_fixture.h). */
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

/* Datadog's intake, as its tracers PUT it: msgpack traces on /v0.4/traces, answered with
 * the agent's rate_by_service; /v0.3/traces answered OK; /v0.5/traces in its dictionary
 * form; a span seen again is a duplicate by trace_id and span_id, whichever version
 * carried it; a bad body is 400 with the reason; GET is 405. */
Test(satellite, datadog_traces_are_counted_by_trace_and_span_id)
{
	static const char *const dd_headers[] = {"Content-Type: application/msgpack", NULL};
	size_t len;
	uint8_t *b = tb_report_datadog(40, 1, &len);
	reply r = http("PUT", "/v0.4/traces", dd_headers, b, len, false);
	free(b);
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	cr_assert_str_eq(r.body, "{\"rate_by_service\":{}}");
	cr_assert_str_eq(r.type, "application/json");
	tb_rpc_free(counters());
	b = tb_report_datadog(40, 21, &len);	/* ids 21..40 repeat */
	r = http("POST", "/v0.3/traces", dd_headers, b, len, false);
	free(b);
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	cr_assert_str_eq(r.body, "OK\n");
	static const uint8_t bad[] = {0x91, 0x91, 0x81, 0xa7, 's', 'p', 'a', 'n', '_', 'i', 'd', 1};
	r = http("PUT", "/v0.4/traces", dd_headers, bad, sizeof(bad), false);
	cr_assert_eq(r.status, 400, "status %ld", r.status);
	cr_assert(strstr(r.body, "Datadog traces do not decode: a span has no trace_id") != NULL,
		  "%s", r.body);
	r = http("GET", "/v0.4/traces", NULL, NULL, 0, false);
	cr_assert_eq(r.status, 405);
	cr_assert(strstr(r.body, "needs PUT or POST, not GET") != NULL, "%s", r.body);
	/* v0.5, the dictionary form: ids 61..80 are new, then 71..80 repeat. */
	b = tb_report_datadog_v05(20, 61, &len);
	r = http("PUT", "/v0.5/traces", dd_headers, b, len, false);
	free(b);
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	cr_assert_str_eq(r.body, "{\"rate_by_service\":{}}");
	b = tb_report_datadog_v05(10, 71, &len);
	r = http("PUT", "/v0.5/traces", dd_headers, b, len, false);
	free(b);
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	Tb__Envelope *rep = counters();
	cr_assert_eq(rep->sat_counters->spans, 80);
	cr_assert_eq(rep->sat_counters->dup_after_ack, 30);
	cr_assert_eq(rejected(rep->sat_counters, "bad_body"), 1);
	cr_assert_eq(rep->sat_counters->n_by_protocol, 3);
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
