/* decode_lightstep.c - LightStep collector reports (POST /api/v2/reports, a protobuf
 * ReportRequest): validated by the walker, then one pass lists each span's
 * span_context.trace_id and span_id. The reply is a ReportResponse carrying receive and
 * transmit timestamps, which the LightStep tracers use to estimate clock skew. */
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "proto/collector.pb-c.h"
#include "satellite/decode.h"
#include "satellite/pbwire.h"
#include "satellite/pbwire.h"

enum {
	REPORT_SPANS = 3,	/* ReportRequest.spans */
	SPAN_CONTEXT = 1,	/* Span.span_context */
	CONTEXT_TRACE_ID = 1,	/* SpanContext.trace_id */
	CONTEXT_SPAN_ID = 2,	/* SpanContext.span_id */
};

static void put_u64_be(uint8_t *out, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

/* Ids of one already-validated SpanContext. A field given twice keeps its last value,
 * and a span_context given twice replaces the earlier one whole (protobuf-c 1.4 does not
 * merge them), so both ids start from zero. */
static void read_context(const uint8_t *p, const uint8_t *end, uint64_t *trace, uint64_t *span)
{
	uint32_t field;
	unsigned wt;

	*trace = 0;
	*span = 0;
	while (p < end && sat_pb_tag(&p, end, &field, &wt)) {
		uint64_t v;
		if (wt == SAT_WT_VARINT && (field == CONTEXT_TRACE_ID || field == CONTEXT_SPAN_ID)) {
			if (!sat_pb_varint(&p, end, &v))
				return;
			*(field == CONTEXT_TRACE_ID ? trace : span) = v;
		} else if (sat_pb_skip(&p, end, wt) != 1) {
			return;
		}
	}
}

static int read_span(const uint8_t *p, const uint8_t *end, sat_ids *ids)
{
	uint64_t trace = 0, span = 0;
	sat_span_id id;
	uint32_t field;
	unsigned wt;
	size_t n;

	while (p < end && sat_pb_tag(&p, end, &field, &wt)) {
		if (field == SPAN_CONTEXT && wt == SAT_WT_LEN) {
			if (sat_pb_len(&p, end, &n) != 1)
				break;
			read_context(p, p + n, &trace, &span);
			p += n;
		} else if (sat_pb_skip(&p, end, wt) != 1) {
			break;
		}
	}
	memset(&id, 0, sizeof(id));
	put_u64_be(id.trace + 8, trace);
	put_u64_be(id.span, span);
	return sat_ids_push(ids, &id);
}

static int decode(const uint8_t *body, size_t len, sat_ids *ids, char *err, size_t errlen)
{
	int rv = sat__check_proto(sat__schema_lightstep, "LightStep ReportRequest", body, len,
				  err, errlen);

	if (rv != TB_OK)
		return rv;
	return sat__for_each_len(body, body + len, REPORT_SPANS, read_span, ids);
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
