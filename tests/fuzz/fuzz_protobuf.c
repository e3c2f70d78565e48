/* SPDX-License-Identifier: MIT */
/* fuzz_protobuf.c - libFuzzer target for a protobuf report decoder, built once per
 * protocol (FUZZ_PROTO, FUZZ_DESCRIPTOR, FUZZ_SCHEMA, FUZZ_IDS set by
 * tests/fuzz/CMakeLists.txt). Differential: the walker must accept exactly what
 * protobuf-c's unpack accepts (apart from nesting deeper than its limit), the decoder
 * must find exactly the spans and ids protobuf-c unpacks, and nothing may crash or read
 * out of bounds. */
#include <stdlib.h>
#include <string.h>

#include "proto/collector.pb-c.h"
#include "proto/otlp_trace.pb-c.h"
#include "proto/zipkin.pb-c.h"
#include "satellite/decode.h"
#include "satellite/pbwalk.h"

/* The expected ids are laid out here again, not with the decoders' own helpers, so that
 * a mistake in those shows up as a difference instead of agreeing with itself. */
static void push_u64(sat_ids *ids, uint64_t trace, uint64_t span)
{
	sat_span_id id;
	memset(&id, 0, sizeof(id));
	for (int i = 7; i >= 0; i--, trace >>= 8, span >>= 8) {
		id.trace[8 + i] = (uint8_t)trace;
		id.span[i] = (uint8_t)span;
	}
	if (sat_ids_push(ids, &id) != 0)
		abort();
}

/* The ids as protobuf-c unpacked them: LightStep's from each span's span_context. */
/* Each build uses one of ids_lightstep, ids_otlp and ids_zipkin (FUZZ_IDS). */
__attribute__((unused)) static void ids_lightstep(const ProtobufCMessage *m, sat_ids *ids)
{
	const Lightstep__Collector__ReportRequest *r = (const void *)m;
	for (size_t i = 0; i < r->n_spans; i++) {
		const Lightstep__Collector__SpanContext *c = r->spans[i]->span_context;
		push_u64(ids, c ? c->trace_id : 0, c ? c->span_id : 0);
	}
}

/* Right-aligned, keeping the tail of a longer value, as the decoder stores bytes ids. */
static void put_bytes(uint8_t *out, size_t outlen, ProtobufCBinaryData b)
{
	memset(out, 0, outlen);
	if (b.len > outlen) {
		b.data += b.len - outlen;
		b.len = outlen;
	}
	if (b.len > 0)
		memcpy(out + outlen - b.len, b.data, b.len);
}

__attribute__((unused)) static void ids_otlp(const ProtobufCMessage *m, sat_ids *ids)
{
	const Otlp__ExportTraceServiceRequest *r = (const void *)m;
	for (size_t i = 0; i < r->n_resource_spans; i++) {
		const Otlp__ResourceSpans *rs = r->resource_spans[i];
		for (size_t j = 0; j < rs->n_scope_spans; j++) {
			const Otlp__ScopeSpans *ss = rs->scope_spans[j];
			for (size_t k = 0; k < ss->n_spans; k++) {
				sat_span_id id;
				put_bytes(id.trace, sizeof(id.trace), ss->spans[k]->trace_id);
				put_bytes(id.span, sizeof(id.span), ss->spans[k]->span_id);
				if (sat_ids_push(ids, &id) != 0)
					abort();
			}
		}
	}
}

__attribute__((unused)) static void ids_zipkin(const ProtobufCMessage *m, sat_ids *ids)
{
	const Zipkin__Proto3__ListOfSpans *l = (const void *)m;
	for (size_t i = 0; i < l->n_spans; i++) {
		sat_span_id id;
		put_bytes(id.trace, sizeof(id.trace), l->spans[i]->trace_id);
		put_bytes(id.span, sizeof(id.span), l->spans[i]->id);
		if (sat_ids_push(ids, &id) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t empty[1];
	const uint8_t *body = size ? data : empty;
	sat_pbwalk_status st;
	ProtobufCMessage *m;
	sat_ids ids = {0};
	char err[300];

	if (sat_decode_init() != 0)
		abort();
	st = sat_pbwalk_check(FUZZ_SCHEMA, body, size, NULL);
	m = st == SAT_PBWALK_EDEPTH ? NULL :
				      protobuf_c_message_unpack(&FUZZ_DESCRIPTOR, NULL, size, body);
	if (st != SAT_PBWALK_EDEPTH && (st == SAT_PBWALK_OK) != (m != NULL))
		abort();	/* the walker and protobuf-c disagree */
	int rv = sat_decoder_get(FUZZ_PROTO)->decode(body, size, &ids, err, sizeof(err));
	if (m != NULL) {
		sat_ids want = {0};
		FUZZ_IDS(m, &want);
		if (rv != 0 || want.n != ids.n ||
		    (ids.n > 0 && memcmp(want.v, ids.v, ids.n * sizeof(*ids.v)) != 0))
			abort();	/* the decoder's spans or ids differ from protobuf-c's */
		sat_ids_fini(&want);
		protobuf_c_message_free_unpacked(m, NULL);
	}
	sat_ids_fini(&ids);
	return 0;
}
