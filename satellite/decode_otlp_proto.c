/* SPDX-License-Identifier: MIT */
/* decode_otlp_proto.c - OTLP/HTTP protobuf (POST /v1/traces, application/x-protobuf):
 * an ExportTraceServiceRequest validated by the walker, which lists where the spans (in
 * resource_spans -> scope_spans) and their trace_id and span_id lie. The reply
 * is an empty ExportTraceServiceResponse (full success). */
#include <string.h>

#include "proto/otlp_trace.pb-c.h"
#include "satellite/decode.h"

/* What the walker lists: each span (mark 0, as sat__decode_marked wants), and each
 * span's trace_id and span_id. */
enum { MARK_SPAN, MARK_TRACE_ID, MARK_SPAN_ID };
const sat_pbmark sat__marks_otlp[SAT__N_MARKS_OTLP] = {
	[MARK_SPAN] = {&otlp__scope_spans__descriptor, 2},
	[MARK_TRACE_ID] = {&otlp__span__descriptor, 1},
	[MARK_SPAN_ID] = {&otlp__span__descriptor, 2},
};

/* copy_id right-aligns a bytes field into an id slot; a longer value keeps its tail. */
static void copy_id(uint8_t *out, size_t outlen, const uint8_t *p, size_t n)
{
	memset(out, 0, outlen);
	if (n > outlen) {
		p += n - outlen;
		n = outlen;
	}
	memcpy(out + outlen - n, p, n);
}

/* An id given twice keeps its last value, as in protobuf-c. */
static void fill(const uint8_t *p, size_t len, unsigned mark, sat_span_id *id)
{
	if (mark == MARK_TRACE_ID)
		copy_id(id->trace, sizeof(id->trace), p, len);
	else
		copy_id(id->span, sizeof(id->span), p, len);
}

static int decode(const uint8_t *body, size_t len, sat_ids *ids, char *err, size_t errlen)
{
	return sat__decode_marked(sat__schema_otlp, "OTLP ExportTraceServiceRequest", body, len,
				  fill, ids, err, errlen);
}

static size_t reply(uint8_t *buf, size_t cap, uint64_t now_us)
{
	return 0;	/* an empty ExportTraceServiceResponse: everything accepted */
}

const sat_decoder sat__decoder_otlp_proto = {
	.proto = SAT_PROTO_OTLP_PROTO,
	.name = "otlp-proto",
	.reply_type = "application/x-protobuf",
	.decode = decode,
	.reply = reply,
};
