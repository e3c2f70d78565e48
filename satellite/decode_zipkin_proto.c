/* SPDX-License-Identifier: MIT */
/* decode_zipkin_proto.c - Zipkin's v2 protobuf (POST /api/v2/spans,
 * application/x-protobuf): a ListOfSpans validated by the walker, which lists the spans
 * and each one's trace_id and id. The identity is kept as the JSON decoder keeps it: a
 * 64-bit trace id right-aligned, so the same span reads the same in both encodings.
 * Zipkin's collector answers 202 with no body. */
#include "proto/zipkin.pb-c.h"
#include "satellite/decode.h"

enum { MARK_SPAN, MARK_TRACE_ID = SAT__MARK_TRACE_BYTES, MARK_SPAN_ID };
const sat_pbmark sat__marks_zipkin[SAT__N_MARKS_ZIPKIN] = {
	[MARK_SPAN] = {&zipkin__proto3__list_of_spans__descriptor, 1},
	[MARK_TRACE_ID] = {&zipkin__proto3__span__descriptor, 1},
	[MARK_SPAN_ID] = {&zipkin__proto3__span__descriptor, 3},
};

static int decode(const uint8_t *body, size_t len, sat_ids *ids, char *err, size_t errlen)
{
	return sat__decode_marked(sat__schema_zipkin, "Zipkin ListOfSpans", body, len,
				  sat__fill_bytes_ids, ids, err, errlen);
}

const sat_decoder sat__decoder_zipkin_proto = {
	.proto = SAT_PROTO_ZIPKIN_PROTO,
	.name = "zipkin-proto",
	.reply_type = "application/x-protobuf",
	.join = SAT_JOIN_CONCAT,
	.ok_status = 202,
	.decode = decode,
	.reply = sat__reply_none,
};
