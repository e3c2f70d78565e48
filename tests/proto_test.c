/* SPDX-License-Identifier: MIT */
/* proto_test.c - the wire schemas match the public ones: field numbers and wire types
 * from the LightStep collector and OTLP schemas, and bytes encoded by hand (not by
 * protobuf-c) decode to the right values and re-encode identically. */
#include "proto/bench.pb-c.h"
#include "proto/collector.pb-c.h"
#include "proto/metrics.pb-c.h"
#include "proto/otlp_trace.pb-c.h"
#include "proto/zipkin.pb-c.h"
#include "satellite/decode.h"
#include "satellite/grpc_frame.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

struct field_spec {
	const ProtobufCMessageDescriptor *msg;
	const char *name;
	unsigned id;
	ProtobufCType type;
};

static void check_fields(const struct field_spec *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const ProtobufCFieldDescriptor *d =
			protobuf_c_message_descriptor_get_field_by_name(f[i].msg, f[i].name);
		cr_assert_not_null(d, "%s has no field %s", f[i].msg->name, f[i].name);
		cr_assert_eq(d->id, f[i].id, "%s.%s is field %u, want %u", f[i].msg->name,
			     f[i].name, d->id, f[i].id);
		cr_assert_eq(d->type, f[i].type, "%s.%s has the wrong wire type", f[i].msg->name,
			     f[i].name);
	}
}

#define M(x) &lightstep__collector__##x##__descriptor
Test(proto, collector_field_numbers_match_lightstep)
{
	static const struct field_spec f[] = {
		{M(report_request), "reporter", 1, PROTOBUF_C_TYPE_MESSAGE},
		{M(report_request), "auth", 2, PROTOBUF_C_TYPE_MESSAGE},
		{M(report_request), "spans", 3, PROTOBUF_C_TYPE_MESSAGE},
		{M(report_request), "timestamp_offset_micros", 5, PROTOBUF_C_TYPE_INT64},
		{M(report_request), "internal_metrics", 6, PROTOBUF_C_TYPE_MESSAGE},
		{M(span), "span_context", 1, PROTOBUF_C_TYPE_MESSAGE},
		{M(span), "operation_name", 2, PROTOBUF_C_TYPE_STRING},
		{M(span), "references", 3, PROTOBUF_C_TYPE_MESSAGE},
		{M(span), "start_timestamp", 4, PROTOBUF_C_TYPE_MESSAGE},
		{M(span), "duration_micros", 5, PROTOBUF_C_TYPE_UINT64},
		{M(span), "tags", 6, PROTOBUF_C_TYPE_MESSAGE},
		{M(span), "logs", 7, PROTOBUF_C_TYPE_MESSAGE},
		{M(span_context), "trace_id", 1, PROTOBUF_C_TYPE_UINT64},
		{M(span_context), "span_id", 2, PROTOBUF_C_TYPE_UINT64},
		{M(span_context), "baggage", 3, PROTOBUF_C_TYPE_MESSAGE},
		{M(key_value), "key", 1, PROTOBUF_C_TYPE_STRING},
		{M(key_value), "string_value", 2, PROTOBUF_C_TYPE_STRING},
		{M(key_value), "int_value", 3, PROTOBUF_C_TYPE_INT64},
		{M(key_value), "double_value", 4, PROTOBUF_C_TYPE_DOUBLE},
		{M(key_value), "bool_value", 5, PROTOBUF_C_TYPE_BOOL},
		{M(key_value), "json_value", 6, PROTOBUF_C_TYPE_STRING},
		{M(log), "timestamp", 1, PROTOBUF_C_TYPE_MESSAGE},
		{M(log), "fields", 2, PROTOBUF_C_TYPE_MESSAGE},
		{M(timestamp), "seconds", 1, PROTOBUF_C_TYPE_INT64},
		{M(timestamp), "nanos", 2, PROTOBUF_C_TYPE_INT32},
		{M(reporter), "reporter_id", 1, PROTOBUF_C_TYPE_UINT64},
		{M(reporter), "tags", 4, PROTOBUF_C_TYPE_MESSAGE},
		{M(report_response), "commands", 1, PROTOBUF_C_TYPE_MESSAGE},
		{M(report_response), "receive_timestamp", 2, PROTOBUF_C_TYPE_MESSAGE},
		{M(report_response), "transmit_timestamp", 3, PROTOBUF_C_TYPE_MESSAGE},
		{M(report_response), "errors", 4, PROTOBUF_C_TYPE_STRING},
	};
	check_fields(f, sizeof(f) / sizeof(f[0]));
}
#undef M

#define M(x) &lightstep__metrics__##x##__descriptor
Test(proto, metrics_field_numbers_match_lightstep)
{
	static const struct field_spec f[] = {
		{M(ingest_request), "idempotency_key", 1, PROTOBUF_C_TYPE_STRING},
		{M(ingest_request), "reporter", 2, PROTOBUF_C_TYPE_MESSAGE},
		{M(ingest_request), "points", 3, PROTOBUF_C_TYPE_MESSAGE},
		{M(metric_point), "kind", 1, PROTOBUF_C_TYPE_ENUM},
		{M(metric_point), "metric_name", 2, PROTOBUF_C_TYPE_STRING},
		{M(metric_point), "start", 3, PROTOBUF_C_TYPE_MESSAGE},
		{M(metric_point), "duration", 4, PROTOBUF_C_TYPE_MESSAGE},
		{M(metric_point), "labels", 5, PROTOBUF_C_TYPE_MESSAGE},
		{M(metric_point), "uint64_value", 6, PROTOBUF_C_TYPE_UINT64},
		{M(metric_point), "double_value", 7, PROTOBUF_C_TYPE_DOUBLE},
	};
	check_fields(f, sizeof(f) / sizeof(f[0]));
}
#undef M

/* The gRPC paths the satellite serves for LightStep are its services' own: package,
 * service and method names as the compiled descriptors spell them. */
Test(proto, lightstep_grpc_paths_come_from_the_service_definitions)
{
	static const struct {
		const ProtobufCServiceDescriptor *svc;
		int target;
	} s[] = {
		{&lightstep__collector__collector_service__descriptor, SAT_PROTO_LIGHTSTEP},
		{&lightstep__metrics__metrics_service__descriptor, SAT_GRPC_METRICS},
	};
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		char path[160];
		cr_assert_eq(s[i].svc->n_methods, 1);
		snprintf(path, sizeof(path), "/%s/%s", s[i].svc->name, s[i].svc->methods[0].name);
		cr_assert_eq(sat_grpc_route(path), s[i].target, "%s is not served", path);
	}
	cr_assert_str_eq(lightstep__collector__collector_service__descriptor.name,
			 "lightstep.collector.CollectorService");
	cr_assert_eq(sat_grpc_route("/opentelemetry.proto.collector.trace.v1.TraceService/Export"),
		     SAT_PROTO_OTLP_PROTO);
}

#define M(x) &otlp__##x##__descriptor
Test(proto, otlp_field_numbers_and_types_match_opentelemetry)
{
	static const struct field_spec f[] = {
		{M(export_trace_service_request), "resource_spans", 1, PROTOBUF_C_TYPE_MESSAGE},
		{M(resource_spans), "resource", 1, PROTOBUF_C_TYPE_MESSAGE},
		{M(resource_spans), "scope_spans", 2, PROTOBUF_C_TYPE_MESSAGE},
		{M(scope_spans), "scope", 1, PROTOBUF_C_TYPE_MESSAGE},
		{M(scope_spans), "spans", 2, PROTOBUF_C_TYPE_MESSAGE},
		{M(span), "trace_id", 1, PROTOBUF_C_TYPE_BYTES},
		{M(span), "span_id", 2, PROTOBUF_C_TYPE_BYTES},
		{M(span), "trace_state", 3, PROTOBUF_C_TYPE_STRING},
		{M(span), "parent_span_id", 4, PROTOBUF_C_TYPE_BYTES},
		{M(span), "name", 5, PROTOBUF_C_TYPE_STRING},
		{M(span), "kind", 6, PROTOBUF_C_TYPE_ENUM},
		{M(span), "start_time_unix_nano", 7, PROTOBUF_C_TYPE_FIXED64},
		{M(span), "end_time_unix_nano", 8, PROTOBUF_C_TYPE_FIXED64},
		{M(span), "attributes", 9, PROTOBUF_C_TYPE_MESSAGE},
		{M(span), "dropped_attributes_count", 10, PROTOBUF_C_TYPE_UINT32},
		{M(span), "events", 11, PROTOBUF_C_TYPE_MESSAGE},
		{M(span), "dropped_events_count", 12, PROTOBUF_C_TYPE_UINT32},
		{M(span), "links", 13, PROTOBUF_C_TYPE_MESSAGE},
		{M(span), "dropped_links_count", 14, PROTOBUF_C_TYPE_UINT32},
		{M(span), "status", 15, PROTOBUF_C_TYPE_MESSAGE},
		{M(span), "flags", 16, PROTOBUF_C_TYPE_FIXED32},
		{M(span__event), "time_unix_nano", 1, PROTOBUF_C_TYPE_FIXED64},
		{M(key_value), "key", 1, PROTOBUF_C_TYPE_STRING},
		{M(key_value), "value", 2, PROTOBUF_C_TYPE_MESSAGE},
		{M(any_value), "string_value", 1, PROTOBUF_C_TYPE_STRING},
		{M(any_value), "int_value", 3, PROTOBUF_C_TYPE_INT64},
		{M(status), "code", 3, PROTOBUF_C_TYPE_ENUM},
		{M(export_trace_service_response), "partial_success", 1, PROTOBUF_C_TYPE_MESSAGE},
	};
	check_fields(f, sizeof(f) / sizeof(f[0]));
}
#undef M

/* A ReportRequest written byte by byte from the LightStep schema. */
static const uint8_t lightstep_report[] = {
	0x0a, 0x02, 0x08, 0x2a,				/* reporter { reporter_id: 42 } */
	0x1a, 0x26,					/* spans (38 bytes) */
	0x0a, 0x05, 0x08, 0x82, 0x02, 0x10, 0x03,	/*  span_context {trace 258, span 3} */
	0x12, 0x02, 'o', 'p',				/*  operation_name: "op" */
	0x22, 0x02, 0x08, 0x64,				/*  start_timestamp {seconds: 100} */
	0x28, 0x07,					/*  duration_micros: 7 */
	0x32, 0x05, 0x0a, 0x01, 'k', 0x18, 0x09,	/*  tags { key "k", int_value 9 } */
	0x3a, 0x0c, 0x0a, 0x02, 0x08, 0x05,		/*  logs { timestamp {seconds 5}, */
	0x12, 0x06, 0x0a, 0x01, 'e', 0x12, 0x01, 'x',	/*    fields { key "e", string "x" } } */
	0x28, 0x0b,					/* timestamp_offset_micros: 11 */
};

Test(proto, hand_encoded_lightstep_report_decodes_and_reencodes)
{
	Lightstep__Collector__ReportRequest *r = lightstep__collector__report_request__unpack(
		NULL, sizeof(lightstep_report), lightstep_report);
	cr_assert_not_null(r);
	cr_assert_eq(r->reporter->reporter_id, 42);
	cr_assert_eq(r->timestamp_offset_micros, 11);
	cr_assert_eq(r->n_spans, 1);
	Lightstep__Collector__Span *s = r->spans[0];
	cr_assert_eq(s->span_context->trace_id, 258);
	cr_assert_eq(s->span_context->span_id, 3);
	cr_assert_str_eq(s->operation_name, "op");
	cr_assert_eq(s->start_timestamp->seconds, 100);
	cr_assert_eq(s->duration_micros, 7);
	cr_assert_eq(s->n_tags, 1);
	cr_assert_str_eq(s->tags[0]->key, "k");
	cr_assert_eq(s->tags[0]->value_case, LIGHTSTEP__COLLECTOR__KEY_VALUE__VALUE_INT_VALUE);
	cr_assert_eq(s->tags[0]->int_value, 9);
	cr_assert_eq(s->n_logs, 1);
	cr_assert_eq(s->logs[0]->timestamp->seconds, 5);
	cr_assert_str_eq(s->logs[0]->fields[0]->string_value, "x");

	uint8_t out[sizeof(lightstep_report)];
	cr_assert_eq(lightstep__collector__report_request__get_packed_size(r), sizeof(out));
	lightstep__collector__report_request__pack(r, out);
	cr_assert(memcmp(out, lightstep_report, sizeof(out)) == 0);
	lightstep__collector__report_request__free_unpacked(r, NULL);
}

/* An ExportTraceServiceRequest written byte by byte from the OTLP schema. */
static const uint8_t otlp_request[] = {
	0x0a, 0x3d,		/* resource_spans (61) */
	0x12, 0x3b,		/*  scope_spans (59) */
	0x12, 0x39,		/*   spans (57) */
	0x0a, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, /* trace_id */
	0x12, 0x08, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,	  /* span_id */
	0x2a, 0x01, 'x',						  /* name */
	0x30, 0x02,							  /* kind SERVER */
	0x39, 0xe8, 0x03, 0, 0, 0, 0, 0, 0,	/* start_time_unix_nano 1000 (fixed64) */
	0x41, 0xd0, 0x07, 0, 0, 0, 0, 0, 0,	/* end_time_unix_nano 2000 (fixed64) */
	0x85, 0x01, 0x01, 0, 0, 0,		/* flags 1 (field 16, fixed32) */
};

Test(proto, hand_encoded_otlp_request_decodes_and_reencodes)
{
	Otlp__ExportTraceServiceRequest *r =
		otlp__export_trace_service_request__unpack(NULL, sizeof(otlp_request), otlp_request);
	cr_assert_not_null(r);
	cr_assert_eq(r->n_resource_spans, 1);
	cr_assert_eq(r->resource_spans[0]->n_scope_spans, 1);
	Otlp__ScopeSpans *ss = r->resource_spans[0]->scope_spans[0];
	cr_assert_eq(ss->n_spans, 1);
	Otlp__Span *s = ss->spans[0];
	cr_assert_eq(s->trace_id.len, 16);
	cr_assert_eq(s->trace_id.data[15], 16);
	cr_assert_eq(s->span_id.len, 8);
	cr_assert_eq(s->span_id.data[0], 0x21);
	cr_assert_str_eq(s->name, "x");
	cr_assert_eq(s->kind, OTLP__SPAN__SPAN_KIND__SPAN_KIND_SERVER);
	cr_assert_eq(s->start_time_unix_nano, 1000);
	cr_assert_eq(s->end_time_unix_nano, 2000);
	cr_assert_eq(s->flags, 1);

	uint8_t out[sizeof(otlp_request)];
	cr_assert_eq(otlp__export_trace_service_request__get_packed_size(r), sizeof(out));
	otlp__export_trace_service_request__pack(r, out);
	cr_assert(memcmp(out, otlp_request, sizeof(out)) == 0);
	otlp__export_trace_service_request__free_unpacked(r, NULL);
}

/* A ListOfSpans written by hand from Zipkin's field numbers: one span with an 8-byte
 * trace_id (1), id (3), kind CLIENT (4), name (5), timestamp (6, fixed64), duration (7)
 * and a tag (11, a map entry). */
static const uint8_t zipkin_list[] = {
	0x0a, 0x2d,						/* spans, 45 bytes */
	0x0a, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x0a,			/* trace_id */
	0x1a, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x01,			/* id */
	0x20, 0x01,						/* kind CLIENT */
	0x2a, 0x02, 'o', 'p',					/* name */
	0x31, 0xe8, 0x03, 0, 0, 0, 0, 0, 0,			/* timestamp 1000 */
	0x38, 0x05,						/* duration 5 */
	0x5a, 0x06, 0x0a, 0x01, 'k', 0x12, 0x01, 'v',		/* tags {k: v} */
};

Test(proto, hand_encoded_zipkin_list_decodes_and_reencodes)
{
	Zipkin__Proto3__ListOfSpans *l =
		zipkin__proto3__list_of_spans__unpack(NULL, sizeof(zipkin_list), zipkin_list);
	cr_assert_not_null(l);
	cr_assert_eq(l->n_spans, 1);
	Zipkin__Proto3__Span *s = l->spans[0];
	cr_assert(s->trace_id.len == 8 && s->trace_id.data[7] == 0x0a);
	cr_assert(s->id.len == 8 && s->id.data[7] == 0x01);
	cr_assert_eq(s->kind, ZIPKIN__PROTO3__SPAN__KIND__CLIENT);
	cr_assert_str_eq(s->name, "op");
	cr_assert_eq(s->timestamp, 1000);
	cr_assert_eq(s->duration, 5);
	cr_assert(s->n_tags == 1 && strcmp(s->tags[0]->key, "k") == 0 &&
		  strcmp(s->tags[0]->value, "v") == 0);
	uint8_t out[sizeof(zipkin_list)];
	cr_assert_eq(zipkin__proto3__list_of_spans__get_packed_size(l), sizeof(out));
	zipkin__proto3__list_of_spans__pack(l, out);
	cr_assert(memcmp(out, zipkin_list, sizeof(out)) == 0);
	zipkin__proto3__list_of_spans__free_unpacked(l, NULL);
	/* The satellite reads the same span: trace 0x0a right-aligned, span 1. */
	sat_ids ids = {0};
	char err[200];
	cr_assert_eq(sat_decode_init(), 0);
	cr_assert_eq(sat_decoder_get(SAT_PROTO_ZIPKIN_PROTO)->decode(zipkin_list,
			sizeof(zipkin_list), &ids, err, sizeof(err)), 0, "%s", err);
	cr_assert(ids.n == 1 && ids.v[0].trace[15] == 0x0a && ids.v[0].trace[7] == 0 &&
		  ids.v[0].span[7] == 0x01);
	sat_ids_fini(&ids);
}

Test(proto, truncated_and_garbage_reports_are_rejected)
{
	for (size_t cut = 1; cut < sizeof(lightstep_report); cut++) {
		Lightstep__Collector__ReportRequest *r =
			lightstep__collector__report_request__unpack(NULL, cut, lightstep_report);
		/* Some prefixes end on a field boundary and are valid messages. */
		if (r)
			lightstep__collector__report_request__free_unpacked(r, NULL);
	}
	static const uint8_t garbage[] = {0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
	cr_assert_null(
		lightstep__collector__report_request__unpack(NULL, sizeof(garbage), garbage));
	cr_assert_null(otlp__export_trace_service_request__unpack(NULL, 6, otlp_request));
}

Test(proto, every_bench_envelope_carries_a_version_first)
{
	const ProtobufCFieldDescriptor *d =
		protobuf_c_message_descriptor_get_field_by_name(&tb__envelope__descriptor, "version");
	cr_assert_not_null(d);
	cr_assert_eq(d->id, 1);
	cr_assert_eq(d->type, PROTOBUF_C_TYPE_UINT32);
}
