/* decode_otlp_proto.c - OTLP/HTTP protobuf (POST /v1/traces, application/x-protobuf):
 * an ExportTraceServiceRequest validated by the walker, then one pass down
 * resource_spans -> scope_spans -> spans for each span's trace_id and span_id. The reply
 * is an empty ExportTraceServiceResponse (full success). */
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "proto/otlp_trace.pb-c.h"
#include "satellite/decode.h"
#include "satellite/pbwire.h"
#include "satellite/pbwire.h"

enum {
	REQUEST_RESOURCE_SPANS = 1,
	RESOURCE_SPANS_SCOPE_SPANS = 2,
	SCOPE_SPANS_SPANS = 2,
	SPAN_TRACE_ID = 1,
	SPAN_SPAN_ID = 2,
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

static int read_span(const uint8_t *p, const uint8_t *end, sat_ids *ids)
{
	sat_span_id id;
	uint32_t field;
	unsigned wt;
	size_t n;

	memset(&id, 0, sizeof(id));
	while (p < end && sat_pb_tag(&p, end, &field, &wt)) {
		if ((field == SPAN_TRACE_ID || field == SPAN_SPAN_ID) && wt == SAT_WT_LEN) {
			if (sat_pb_len(&p, end, &n) != 1)
				break;
			if (field == SPAN_TRACE_ID)
				copy_id(id.trace, sizeof(id.trace), p, n);
			else
				copy_id(id.span, sizeof(id.span), p, n);
			p += n;
		} else if (sat_pb_skip(&p, end, wt) != 1) {
			break;
		}
	}
	return sat_ids_push(ids, &id);
}

static int read_scope_spans(const uint8_t *p, const uint8_t *end, sat_ids *ids)
{
	return sat__for_each_len(p, end, SCOPE_SPANS_SPANS, read_span, ids);
}

static int read_resource_spans(const uint8_t *p, const uint8_t *end, sat_ids *ids)
{
	return sat__for_each_len(p, end, RESOURCE_SPANS_SCOPE_SPANS, read_scope_spans, ids);
}

static int decode(const uint8_t *body, size_t len, sat_ids *ids, char *err, size_t errlen)
{
	int rv = sat__check_proto(sat__schema_otlp, "OTLP ExportTraceServiceRequest", body, len,
				  err, errlen);

	if (rv != TB_OK)
		return rv;
	return sat__for_each_len(body, body + len, REQUEST_RESOURCE_SPANS, read_resource_spans,
				 ids);
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
