/* SPDX-License-Identifier: MIT */
/* reportgen.c - realistic span reports for tests and benchmarks (see reportgen.h). The
 * protobuf ones go through protobuf-c's own packer, so they are what a conforming tracer
 * sends; the JSON ones follow the shapes the npm tracers emit. */
#include "bench/reportgen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "proto/collector.pb-c.h"
#include "proto/otlp_trace.pb-c.h"
#include "proto/zipkin.pb-c.h"
#include <msgpack.h>

#define NTAGS 10
#define NLOGS 15
#define START_S 1700000000ull

static uint64_t trace_of(uint64_t span_id)
{
	/* Six spans share a trace, as the reference client's client/server/db loop makes. */
	return span_id / 6 + 0x5eed;
}

static char tag_keys[NTAGS][16], tag_values[NTAGS][32];

static void init_strings(void)
{
	for (int i = 0; i < NTAGS; i++) {
		snprintf(tag_keys[i], sizeof(tag_keys[i]), "tag.key.%d", i);
		snprintf(tag_values[i], sizeof(tag_values[i]), "tag value number %d", i);
	}
}

uint8_t *tb_report_lightstep(size_t nspans, uint64_t first_id, size_t *lenp)
{
	Lightstep__Collector__ReportRequest rr = LIGHTSTEP__COLLECTOR__REPORT_REQUEST__INIT;
	Lightstep__Collector__Timestamp ts = LIGHTSTEP__COLLECTOR__TIMESTAMP__INIT;
	Lightstep__Collector__KeyValue tags[NTAGS], *tagp[NTAGS];
	Lightstep__Collector__KeyValue fields[NLOGS], *fieldp[NLOGS];
	Lightstep__Collector__Log logs[NLOGS], *logp[NLOGS];
	Lightstep__Collector__Span *spans = calloc(nspans ? nspans : 1, sizeof(*spans));
	Lightstep__Collector__Span **sp = calloc(nspans ? nspans : 1, sizeof(*sp));
	Lightstep__Collector__SpanContext *ctx = calloc(nspans ? nspans : 1, sizeof(*ctx));
	uint8_t *buf = NULL;

	if (spans == NULL || sp == NULL || ctx == NULL)
		goto out;
	init_strings();
	ts.seconds = START_S;
	ts.nanos = 123456000;
	for (int i = 0; i < NTAGS; i++) {
		lightstep__collector__key_value__init(&tags[i]);
		tags[i].key = tag_keys[i];
		tags[i].value_case = LIGHTSTEP__COLLECTOR__KEY_VALUE__VALUE_STRING_VALUE;
		tags[i].string_value = tag_values[i];
		tagp[i] = &tags[i];
	}
	for (int i = 0; i < NLOGS; i++) {
		lightstep__collector__key_value__init(&fields[i]);
		fields[i].key = "event";
		fields[i].value_case = LIGHTSTEP__COLLECTOR__KEY_VALUE__VALUE_STRING_VALUE;
		fields[i].string_value = "log payload";
		fieldp[i] = &fields[i];
		lightstep__collector__log__init(&logs[i]);
		logs[i].timestamp = &ts;
		logs[i].n_fields = 1;
		logs[i].fields = &fieldp[i];
		logp[i] = &logs[i];
	}
	for (size_t i = 0; i < nspans; i++) {
		lightstep__collector__span__init(&spans[i]);
		lightstep__collector__span_context__init(&ctx[i]);
		ctx[i].span_id = first_id + i;
		ctx[i].trace_id = trace_of(first_id + i);
		spans[i].span_context = &ctx[i];
		spans[i].operation_name = "db.query.operation";
		spans[i].start_timestamp = &ts;
		spans[i].duration_micros = 1234;
		spans[i].n_tags = NTAGS;
		spans[i].tags = tagp;
		spans[i].n_logs = NLOGS;
		spans[i].logs = logp;
		sp[i] = &spans[i];
	}
	rr.n_spans = nspans;
	rr.spans = sp;
	rr.timestamp_offset_micros = 17;
	*lenp = lightstep__collector__report_request__get_packed_size(&rr);
	if ((buf = malloc(*lenp ? *lenp : 1)) != NULL)
		lightstep__collector__report_request__pack(&rr, buf);
out:
	free(spans);
	free(sp);
	free(ctx);
	return buf;
}

static void put_be(uint8_t *out, size_t n, uint64_t v)
{
	for (size_t i = n; i-- > 0; v >>= 8)
		out[i] = (uint8_t)v;
}

uint8_t *tb_report_otlp_proto(size_t nspans, uint64_t first_id, size_t *lenp)
{
	Otlp__ExportTraceServiceRequest req = OTLP__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	Otlp__ResourceSpans rs = OTLP__RESOURCE_SPANS__INIT, *rsp = &rs;
	Otlp__ScopeSpans ss = OTLP__SCOPE_SPANS__INIT, *ssp = &ss;
	Otlp__KeyValue attrs[NTAGS], *attrp[NTAGS];
	Otlp__AnyValue vals[NTAGS];
	Otlp__Span__Event events[NLOGS], *eventp[NLOGS];
	Otlp__Span *spans = calloc(nspans ? nspans : 1, sizeof(*spans));
	Otlp__Span **sp = calloc(nspans ? nspans : 1, sizeof(*sp));
	uint8_t (*ids)[24] = calloc(nspans ? nspans : 1, 24);
	uint8_t *buf = NULL;

	if (spans == NULL || sp == NULL || ids == NULL)
		goto out;
	init_strings();
	for (int i = 0; i < NTAGS; i++) {
		otlp__key_value__init(&attrs[i]);
		otlp__any_value__init(&vals[i]);
		vals[i].value_case = OTLP__ANY_VALUE__VALUE_STRING_VALUE;
		vals[i].string_value = tag_values[i];
		attrs[i].key = tag_keys[i];
		attrs[i].value = &vals[i];
		attrp[i] = &attrs[i];
	}
	for (int i = 0; i < NLOGS; i++) {
		otlp__span__event__init(&events[i]);
		events[i].time_unix_nano = START_S * 1000000000ull + (uint64_t)i;
		events[i].name = "log payload";
		eventp[i] = &events[i];
	}
	for (size_t i = 0; i < nspans; i++) {
		otlp__span__init(&spans[i]);
		put_be(ids[i], 16, trace_of(first_id + i));
		put_be(ids[i] + 16, 8, first_id + i);
		spans[i].trace_id.data = ids[i];
		spans[i].trace_id.len = 16;
		spans[i].span_id.data = ids[i] + 16;
		spans[i].span_id.len = 8;
		spans[i].name = "db.query.operation";
		spans[i].kind = OTLP__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
		spans[i].start_time_unix_nano = START_S * 1000000000ull;
		spans[i].end_time_unix_nano = START_S * 1000000000ull + 1234000;
		spans[i].n_attributes = NTAGS;
		spans[i].attributes = attrp;
		spans[i].n_events = NLOGS;
		spans[i].events = eventp;
		sp[i] = &spans[i];
	}
	ss.n_spans = nspans;
	ss.spans = sp;
	rs.n_scope_spans = 1;
	rs.scope_spans = &ssp;
	req.n_resource_spans = 1;
	req.resource_spans = &rsp;
	*lenp = otlp__export_trace_service_request__get_packed_size(&req);
	if ((buf = malloc(*lenp ? *lenp : 1)) != NULL)
		otlp__export_trace_service_request__pack(&req, buf);
out:
	free(spans);
	free(sp);
	free(ids);
	return buf;
}

/* Zipkin's protobuf: the same spans as tb_report_zipkin_json, 64-bit trace ids. */
uint8_t *tb_report_zipkin_proto(size_t nspans, uint64_t first_id, size_t *lenp)
{
	Zipkin__Proto3__ListOfSpans list = ZIPKIN__PROTO3__LIST_OF_SPANS__INIT;
	Zipkin__Proto3__Endpoint local = ZIPKIN__PROTO3__ENDPOINT__INIT;
	Zipkin__Proto3__Span__TagsEntry tags[NTAGS], *tagp[NTAGS];
	Zipkin__Proto3__Annotation notes[NLOGS], *notep[NLOGS];
	Zipkin__Proto3__Span *spans = calloc(nspans ? nspans : 1, sizeof(*spans));
	Zipkin__Proto3__Span **sp = calloc(nspans ? nspans : 1, sizeof(*sp));
	uint8_t (*ids)[16] = calloc(nspans ? nspans : 1, 16);
	uint8_t *buf = NULL;

	if (spans == NULL || sp == NULL || ids == NULL)
		goto out;
	init_strings();
	local.service_name = "tb";
	for (int i = 0; i < NTAGS; i++) {
		zipkin__proto3__span__tags_entry__init(&tags[i]);
		tags[i].key = tag_keys[i];
		tags[i].value = tag_values[i];
		tagp[i] = &tags[i];
	}
	for (int i = 0; i < NLOGS; i++) {
		zipkin__proto3__annotation__init(&notes[i]);
		notes[i].timestamp = START_S * 1000000ull + (uint64_t)i;
		notes[i].value = "log payload";
		notep[i] = &notes[i];
	}
	for (size_t i = 0; i < nspans; i++) {
		zipkin__proto3__span__init(&spans[i]);
		put_be(ids[i], 8, trace_of(first_id + i));
		put_be(ids[i] + 8, 8, first_id + i);
		spans[i].trace_id = (ProtobufCBinaryData){8, ids[i]};
		spans[i].id = (ProtobufCBinaryData){8, ids[i] + 8};
		spans[i].kind = ZIPKIN__PROTO3__SPAN__KIND__CLIENT;
		spans[i].name = "db.query.operation";
		spans[i].timestamp = START_S * 1000000ull;
		spans[i].duration = 1234;
		spans[i].local_endpoint = &local;
		spans[i].n_tags = NTAGS;
		spans[i].tags = tagp;
		spans[i].n_annotations = NLOGS;
		spans[i].annotations = notep;
		sp[i] = &spans[i];
	}
	list.n_spans = nspans;
	list.spans = sp;
	*lenp = zipkin__proto3__list_of_spans__get_packed_size(&list);
	if ((buf = malloc(*lenp ? *lenp : 1)) != NULL)
		zipkin__proto3__list_of_spans__pack(&list, buf);
out:
	free(spans);
	free(sp);
	free(ids);
	return buf;
}

/* A simple growable string for the JSON builders. */
typedef struct sbuf {
	char *s;
	size_t n, cap;
	int failed;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->n) {
			b->n += (size_t)n;
			return;
		}
		size_t ncap = (b->cap + (size_t)n + 1) * 2;
		char *s = realloc(b->s, ncap);
		if (s == NULL) {
			b->failed = 1;
			return;
		}
		b->s = s;
		b->cap = ncap;
	}
}

static char *sb_finish(sbuf *b, size_t *lenp)
{
	if (b->failed) {
		free(b->s);
		return NULL;
	}
	*lenp = b->n;
	return b->s;
}

char *tb_report_otlp_json(size_t nspans, uint64_t first_id, size_t *lenp)
{
	sbuf b = {malloc(4096), 0, 4096, 0};

	if (b.s == NULL)
		return NULL;
	init_strings();
	sb_printf(&b, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":"
		      "\"service.name\",\"value\":{\"stringValue\":\"tb\"}}]},\"scopeSpans\":"
		      "[{\"scope\":{\"name\":\"tb\"},\"spans\":[");
	for (size_t i = 0; i < nspans; i++) {
		sb_printf(&b, "%s{\"traceId\":\"%016llx%016llx\",\"spanId\":\"%016llx\","
			      "\"name\":\"db.query.operation\",\"kind\":3,"
			      "\"startTimeUnixNano\":\"%llu\",\"endTimeUnixNano\":\"%llu\","
			      "\"attributes\":[",
			  i ? "," : "", 0ull, (unsigned long long)trace_of(first_id + i),
			  (unsigned long long)(first_id + i), START_S * 1000000000ull,
			  START_S * 1000000000ull + 1234000);
		for (int t = 0; t < NTAGS; t++)
			sb_printf(&b, "%s{\"key\":\"%s\",\"value\":{\"stringValue\":\"%s\"}}",
				  t ? "," : "", tag_keys[t], tag_values[t]);
		sb_printf(&b, "],\"events\":[");
		for (int l = 0; l < NLOGS; l++)
			sb_printf(&b, "%s{\"timeUnixNano\":\"%llu\",\"name\":\"log payload\"}",
				  l ? "," : "", START_S * 1000000000ull + (unsigned)l);
		sb_printf(&b, "],\"status\":{}}");
	}
	sb_printf(&b, "]}]}]}");
	return sb_finish(&b, lenp);
}

char *tb_report_lightstep_json(size_t nspans, uint64_t first_id, size_t *lenp)
{
	sbuf b = {malloc(4096), 0, 4096, 0};

	if (b.s == NULL)
		return NULL;
	init_strings();
	sb_printf(&b, "{\"runtime\":{\"guid\":\"abc\",\"start_micros\":1,\"group_name\":\"tb\","
		      "\"attrs\":[]},\"oldest_micros\":1,\"youngest_micros\":2,\"span_records\":[");
	for (size_t i = 0; i < nspans; i++) {
		sb_printf(&b, "%s{\"span_guid\":\"%llx\",\"trace_guid\":\"%llx\","
			      "\"runtime_guid\":\"abc\",\"span_name\":\"db.query.operation\","
			      "\"oldest_micros\":1,\"youngest_micros\":2,\"attributes\":[",
			  i ? "," : "", (unsigned long long)(first_id + i),
			  (unsigned long long)trace_of(first_id + i));
		for (int t = 0; t < NTAGS; t++)
			sb_printf(&b, "%s{\"Key\":\"%s\",\"Value\":\"%s\"}", t ? "," : "",
				  tag_keys[t], tag_values[t]);
		sb_printf(&b, "],\"error_flag\":false,\"log_records\":[]}");
	}
	sb_printf(&b, "],\"internal_logs\":null,\"internal_metrics\":{\"counts\":[]},"
		      "\"timestamp_offset_micros\":0}");
	return sb_finish(&b, lenp);
}

char *tb_report_zipkin_json(size_t nspans, uint64_t first_id, size_t *lenp)
{
	sbuf b = {malloc(4096), 0, 4096, 0};

	if (b.s == NULL)
		return NULL;
	init_strings();
	sb_printf(&b, "[");
	for (size_t i = 0; i < nspans; i++) {
		sb_printf(&b, "%s{\"traceId\":\"%016llx\",\"id\":\"%016llx\",\"kind\":\"CLIENT\","
			      "\"name\":\"db.query.operation\",\"timestamp\":%llu,\"duration\":1234,"
			      "\"localEndpoint\":{\"serviceName\":\"tb\"},\"tags\":{",
			  i ? "," : "", (unsigned long long)trace_of(first_id + i),
			  (unsigned long long)(first_id + i), START_S * 1000000ull);
		for (int t = 0; t < NTAGS; t++)
			sb_printf(&b, "%s\"%s\":\"%s\"", t ? "," : "", tag_keys[t], tag_values[t]);
		sb_printf(&b, "},\"annotations\":[");
		for (int l = 0; l < NLOGS; l++)
			sb_printf(&b, "%s{\"timestamp\":%llu,\"value\":\"log payload\"}", l ? "," : "",
				  START_S * 1000000ull + (unsigned)l);
		sb_printf(&b, "]}");
	}
	sb_printf(&b, "]");
	return sb_finish(&b, lenp);
}

static void pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* pack_dd_span packs one span as Datadog's tracers do: twelve keys. */
static void pack_dd_span(msgpack_packer *pk, uint64_t id)
{
	msgpack_pack_map(pk, 12);
	pack_str(pk, "trace_id");
	msgpack_pack_uint64(pk, trace_of(id));
	pack_str(pk, "span_id");
	msgpack_pack_uint64(pk, id);
	pack_str(pk, "parent_id");
	msgpack_pack_uint64(pk, id > 1 ? id - 1 : 0);
	pack_str(pk, "name");
	pack_str(pk, "db.query.operation");
	pack_str(pk, "service");
	pack_str(pk, "tb");
	pack_str(pk, "resource");
	pack_str(pk, "SELECT * FROM spans");
	pack_str(pk, "type");
	pack_str(pk, "db");
	pack_str(pk, "start");
	msgpack_pack_int64(pk, (int64_t)(START_S * 1000000000ull));
	pack_str(pk, "duration");
	msgpack_pack_int64(pk, 1234000);
	pack_str(pk, "error");
	msgpack_pack_int32(pk, 0);
	pack_str(pk, "meta");
	msgpack_pack_map(pk, NTAGS);
	for (int t = 0; t < NTAGS; t++) {
		pack_str(pk, tag_keys[t]);
		pack_str(pk, tag_values[t]);
	}
	pack_str(pk, "metrics");
	msgpack_pack_map(pk, 1);
	pack_str(pk, "_sampling_priority_v1");
	msgpack_pack_double(pk, 1.0);
}

/* The v0.5 dictionary: the strings every span names, by index. */
enum { DICT_SERVICE, DICT_NAME, DICT_RESOURCE, DICT_TYPE, DICT_PRIORITY, DICT_TAGS };
#define DICT_SIZE (DICT_TAGS + 2 * NTAGS)

/* pack_dd_span_v05 packs one span as an array of 12, its strings as dictionary indices. */
static void pack_dd_span_v05(msgpack_packer *pk, uint64_t id)
{
	msgpack_pack_array(pk, 12);
	msgpack_pack_uint32(pk, DICT_SERVICE);
	msgpack_pack_uint32(pk, DICT_NAME);
	msgpack_pack_uint32(pk, DICT_RESOURCE);
	msgpack_pack_uint64(pk, trace_of(id));
	msgpack_pack_uint64(pk, id);
	msgpack_pack_uint64(pk, id > 1 ? id - 1 : 0);
	msgpack_pack_int64(pk, (int64_t)(START_S * 1000000000ull));
	msgpack_pack_int64(pk, 1234000);
	msgpack_pack_int32(pk, 0);
	msgpack_pack_map(pk, NTAGS);
	for (int t = 0; t < NTAGS; t++) {
		msgpack_pack_uint32(pk, DICT_TAGS + (uint32_t)t);
		msgpack_pack_uint32(pk, DICT_TAGS + NTAGS + (uint32_t)t);
	}
	msgpack_pack_map(pk, 1);
	msgpack_pack_uint32(pk, DICT_PRIORITY);
	msgpack_pack_double(pk, 1.0);
	msgpack_pack_uint32(pk, DICT_TYPE);
}

/* pack_traces packs the spans grouped into traces by trace id, each span by pack. */
static void pack_traces(msgpack_packer *pk, size_t nspans, uint64_t first_id,
			void (*pack)(msgpack_packer *, uint64_t))
{
	size_t ntraces = 0;
	for (size_t i = 0; i < nspans; i++)
		ntraces += i == 0 || trace_of(first_id + i) != trace_of(first_id + i - 1);
	msgpack_pack_array(pk, ntraces);
	for (size_t i = 0; i < nspans;) {
		size_t n = 1;
		while (i + n < nspans && trace_of(first_id + i + n) == trace_of(first_id + i))
			n++;
		msgpack_pack_array(pk, n);
		for (size_t k = 0; k < n; k++)
			pack(pk, first_id + i + k);
		i += n;
	}
}

uint8_t *tb_report_datadog(size_t nspans, uint64_t first_id, size_t *lenp)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	init_strings();
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	pack_traces(&pk, nspans, first_id, pack_dd_span);
	*lenp = sb.size;
	return (uint8_t *)sb.data;	/* malloc'd by the sbuffer: the caller frees it */
}

/* v0.5 packs the dictionary, then the traces. */
uint8_t *tb_report_datadog_v05(size_t nspans, uint64_t first_id, size_t *lenp)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	init_strings();
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_array(&pk, DICT_SIZE);
	pack_str(&pk, "tb");
	pack_str(&pk, "db.query.operation");
	pack_str(&pk, "SELECT * FROM spans");
	pack_str(&pk, "db");
	pack_str(&pk, "_sampling_priority_v1");
	for (int t = 0; t < NTAGS; t++)
		pack_str(&pk, tag_keys[t]);
	for (int t = 0; t < NTAGS; t++)
		pack_str(&pk, tag_values[t]);
	pack_traces(&pk, nspans, first_id, pack_dd_span_v05);
	*lenp = sb.size;
	return (uint8_t *)sb.data;
}

uint8_t *tb_gzip(const void *in, size_t len, size_t *outlenp)
{
	z_stream zs = {0};
	size_t cap = len + len / 100 + 64;
	uint8_t *out = malloc(cap);

	if (out == NULL || deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return NULL;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		free(out);
		return NULL;
	}
	*outlenp = zs.total_out;
	deflateEnd(&zs);
	return out;
}
