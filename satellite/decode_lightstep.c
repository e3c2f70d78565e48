/* SPDX-License-Identifier: MIT */
/* decode_lightstep.c - LightStep collector reports (POST /api/v2/reports, a protobuf
 * ReportRequest): validated by the walker, which lists where the spans and their
 * span_contexts lie; each span_context's trace_id and span_id are then read. The reply
 * is a ReportResponse carrying receive and transmit timestamps, which the LightStep
 * tracers use to estimate clock skew. */

#include "proto/collector.pb-c.h"
#include "satellite/decode.h"
#include "satellite/pbwire.h"

enum {
	CONTEXT_TRACE_ID = 1,	/* SpanContext.trace_id */
	CONTEXT_SPAN_ID = 2,	/* SpanContext.span_id */
};

/* What the walker lists: each span of the report (mark 0, as sat__decode_marked wants),
 * and each span's span_context. */
enum { MARK_SPAN, MARK_CONTEXT };
const sat_pbmark sat__marks_lightstep[SAT__N_MARKS_LIGHTSTEP] = {
	[MARK_SPAN] = {&lightstep__collector__report_request__descriptor, 3},
	[MARK_CONTEXT] = {&lightstep__collector__span__descriptor, 1},
};

static void put_u64_be(uint8_t *out, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

/* fill reads the ids of one already-validated SpanContext. A field given twice keeps its
 * last value, and a span_context given twice replaces the earlier one whole (protobuf-c
 * 1.4 does not merge them), so both ids start from zero. A span without one keeps the
 * id zero. */
static void fill(const uint8_t *p, size_t len, unsigned mark, sat_span_id *id)
{
	const uint8_t *end = p + len;
	uint64_t trace = 0, span = 0;
	uint32_t field;
	unsigned wt;

	while (p < end && sat_pb_tag(&p, end, &field, &wt)) {
		uint64_t v;
		if (wt == SAT_WT_VARINT && (field == CONTEXT_TRACE_ID || field == CONTEXT_SPAN_ID)) {
			if (!sat_pb_varint(&p, end, &v))
				break;
			*(field == CONTEXT_TRACE_ID ? &trace : &span) = v;
		} else if (sat_pb_skip(&p, end, wt) != 1) {
			break;
		}
	}
	put_u64_be(id->trace + 8, trace);
	put_u64_be(id->span, span);
}

static int decode(const uint8_t *body, size_t len, sat_ids *ids, char *err, size_t errlen)
{
	return sat__decode_marked(sat__schema_lightstep, "LightStep ReportRequest", body, len,
				  fill, ids, err, errlen);
}

static size_t reply(uint8_t *buf, size_t cap, uint64_t now_us)
{
	Lightstep__Collector__ReportResponse rr = LIGHTSTEP__COLLECTOR__REPORT_RESPONSE__INIT;
	Lightstep__Collector__Timestamp ts = LIGHTSTEP__COLLECTOR__TIMESTAMP__INIT;

	ts.seconds = (int64_t)(now_us / 1000000);
	ts.nanos = (int32_t)(now_us % 1000000 * 1000);
	rr.receive_timestamp = &ts;
	rr.transmit_timestamp = &ts;
	if (lightstep__collector__report_response__get_packed_size(&rr) > cap)
		return 0;
	return lightstep__collector__report_response__pack(&rr, buf);
}

const sat_decoder sat__decoder_lightstep = {
	.proto = SAT_PROTO_LIGHTSTEP,
	.name = "lightstep-proto",
	.reply_type = "application/octet-stream",
	.join = SAT_JOIN_CONCAT,
	.decode = decode,
	.reply = reply,
};
