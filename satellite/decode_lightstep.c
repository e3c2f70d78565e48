/* decode_lightstep.c - LightStep collector reports (POST /api/v2/reports, a protobuf
 * ReportRequest): validated by the walker, which lists where the spans and their
 * span_contexts lie; each span_context's trace_id and span_id are then read. The reply is a ReportResponse carrying receive and
 * transmit timestamps, which the LightStep tracers use to estimate clock skew. */
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "proto/collector.pb-c.h"
#include "satellite/decode.h"
#include "satellite/pbwire.h"

enum {
	CONTEXT_TRACE_ID = 1,	/* SpanContext.trace_id */
	CONTEXT_SPAN_ID = 2,	/* SpanContext.span_id */
};

/* What the walker lists: each span of the report, and each span's span_context. */
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

/* Ids of one already-validated SpanContext. A field given twice keeps its last value,
 * and a span_context given twice replaces the earlier one whole (protobuf-c 1.4 does not
 * merge them), so both ids start from zero. */
static void read_context(const uint8_t *p, const uint8_t *end, sat_span_id *id)
{
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

/* Spans do not nest, and a span_context lies inside its span, so each context the walk
 * lists belongs to the span listed last. A span without one keeps the id zero. */
static int decode(const uint8_t *body, size_t len, sat_ids *ids, char *err, size_t errlen)
{
	static const sat_span_id zero;
	sat_pbranges found = {0};
	int rv = sat__walk_marked(sat__schema_lightstep, "LightStep ReportRequest", body, len,
				  &found, err, errlen);

	size_t first = ids->n;

	for (size_t i = 0; i < found.n && rv == TB_OK; i++) {
		const sat_pbrange *r = &found.v[i];
		if (r->mark == MARK_SPAN)
			rv = sat_ids_push(ids, &zero);
		else if (ids->n > first)
			read_context(body + r->off, body + r->off + r->len, &ids->v[ids->n - 1]);
	}
	sat_pbranges_fini(&found);
	return rv;
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
	.decode = decode,
	.reply = reply,
};
