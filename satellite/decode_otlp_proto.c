/* SPDX-License-Identifier: MIT */
/* decode_otlp_proto.c - OTLP/HTTP protobuf (POST /v1/traces, application/x-protobuf):
 * an ExportTraceServiceRequest validated by the walker, which lists where the spans (in
 * resource_spans -> scope_spans) and their trace_id and span_id lie. The reply
 * is an empty ExportTraceServiceResponse (full success). */
#include "proto/otlp_trace.pb-c.h"
#include "satellite/decode.h"

/* What the walker lists: each span (mark 0, as sat__decode_marked wants), and each
 * span's trace_id and span_id. */
enum { MARK_SPAN, MARK_TRACE_ID = SAT__MARK_TRACE_BYTES, MARK_SPAN_ID };
const sat_pbmark sat__marks_otlp[SAT__N_MARKS_OTLP] = {
	[MARK_SPAN] = {&otlp__scope_spans__descriptor, 2},
	[MARK_TRACE_ID] = {&otlp__span__descriptor, 1},
	[MARK_SPAN_ID] = {&otlp__span__descriptor, 2},
};

static int decode(const uint8_t *body, size_t len, sat_ids *ids, char *err, size_t errlen)
{
	return sat__decode_marked(sat__schema_otlp, "OTLP ExportTraceServiceRequest", body, len,
				  sat__fill_bytes_ids, ids, err, errlen);
}

const sat_decoder sat__decoder_otlp_proto = {
	.proto = SAT_PROTO_OTLP_PROTO,
	.name = "otlp-proto",
	.reply_type = "application/x-protobuf",
	.join = SAT_JOIN_CONCAT,
	.decode = decode,
	.reply = sat__reply_none,	/* an empty ExportTraceServiceResponse */
};
