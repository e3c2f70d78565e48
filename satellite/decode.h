/* SPDX-License-Identifier: MIT */
/* decode.h - the satellite's report decoders, one per wire protocol, behind one small
 * interface: validate a body, list the identity of every span in it, and say what a
 * successful reply looks like for that protocol.
 *
 * Decoders never unpack into protobuf-c structs on the hot path (see pbwalk.h) and never
 * touch counters: the HTTP layer decides what to count, so a decoder is a pure function
 * of its input, which is what the fuzz targets exercise. */
#ifndef SAT_DECODE_H
#define SAT_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "satellite/pbwalk.h"

typedef enum sat_proto {
	SAT_PROTO_LIGHTSTEP = 0,	/* POST /api/v2/reports, collector.proto */
	SAT_PROTO_OTLP_PROTO,		/* POST /v1/traces, application/x-protobuf */
	SAT_PROTO_OTLP_JSON,		/* POST /v1/traces, application/json */
	SAT_PROTO_LIGHTSTEP_JSON,	/* POST /api/v0/reports, the JS tracer's thrift-JSON */
	SAT_PROTO_ZIPKIN_JSON,		/* POST /api/v2/spans, Zipkin v2 JSON */
	SAT_PROTO_ZIPKIN_PROTO,		/* POST /api/v2/spans, Zipkin v2 protobuf */
	SAT_PROTO_DATADOG_V04,		/* PUT or POST /v0.4/traces, Datadog msgpack */
	SAT_PROTO_DATADOG_V03,		/* PUT or POST /v0.3/traces, the same body */
	SAT_PROTO_DATADOG_V05,		/* PUT or POST /v0.5/traces, strings in a dictionary */
	SAT_PROTO_COUNT
} sat_proto;

/* One span's identity. LightStep's 64-bit ids sit in the low (last) 8 bytes of trace. */
typedef struct sat_span_id {
	uint8_t trace[16];
	uint8_t span[8];
} sat_span_id;

/* A growable list of span identities, reused across requests by its owner. */
typedef struct sat_ids {
	sat_span_id *v;
	size_t n;
	size_t cap;
} sat_ids;

/* sat_ids_push appends one id. Returns TB_OK or TB_ENOMEM. */
int sat_ids_push(sat_ids *ids, const sat_span_id *id);

/* sat_ids_fini frees the list's storage and empties it. */
void sat_ids_fini(sat_ids *ids);

/* How reports of one protocol join into one (a forwarding satellite's batch). */
typedef enum sat_join {
	SAT_JOIN_NONE = 0,	/* they do not: one report per request */
	SAT_JOIN_CONCAT,	/* protobuf: concatenated messages merge their repeated fields */
	SAT_JOIN_ARRAY,		/* a JSON array: the elements of all, in one array */
} sat_join;

typedef struct sat_decoder {
	sat_proto proto;
	const char *name;	/* "lightstep-proto", "otlp-proto", "otlp-json", "lightstep-json",
				 * "zipkin-json", "zipkin-proto", "datadog-v0.4", "datadog-v0.3",
				 * "datadog-v0.5" */
	const char *reply_type;	/* Content-Type of the success reply */
	unsigned ok_status;	/* the HTTP status of success, as the real collector answers;
				 * 0: 200 */
	sat_join join;
	/* decode validates body[0..len) and appends every span's id to ids (which it does not
	 * clear); body is never NULL, even when len is 0. Returns TB_OK, TB_EPROTO with a
	 * one-line reason in err, or TB_ENOMEM. */
	int (*decode)(const uint8_t *body, size_t len, sat_ids *ids, char *err, size_t errlen);
	/* reply writes the body of a 200 answer into buf (at least 64 bytes) and returns its
	 * length; now_us is the wall clock, for protocols that echo receive times. */
	size_t (*reply)(uint8_t *buf, size_t cap, uint64_t now_us);
} sat_decoder;

/* sat_decode_init builds the decoders' tables once per process; thread-safe, idempotent.
 * Returns TB_OK or TB_ENOMEM. Decoders must not be used before it succeeds. */
int sat_decode_init(void);

/* sat_decoder_get returns the decoder for proto. */
const sat_decoder *sat_decoder_get(sat_proto proto);

/* sat_hex_decode reads s[0..n), hex digits (either case), 1..2*outlen of them, into out,
 * right-aligned and zero-padded on the left, as ids are. Returns 1, or 0 if s is empty,
 * too long or not hex. */
int sat_hex_decode(const char *s, size_t n, uint8_t *out, size_t outlen);

/* Zipkin v2 JSON's two readers, which give one verdict on every well-formed body: the
 * simdjson reader the satellite runs, and the cJSON reader, its differential reference.
 * The first also refuses what cJSON lets by: bytes after the array, malformed UTF-8, NULs
 * inside ids, nesting deeper than 64. */
int sat__zipkin_json_simdjson(const uint8_t *body, size_t len, sat_ids *ids, char *err,
			      size_t errlen);
int sat__zipkin_json_cjson(const uint8_t *body, size_t len, sat_ids *ids, char *err,
			   size_t errlen);

/* Each protocol's decoder, defined in decode_<protocol>.c. */
extern const sat_decoder sat__decoder_lightstep;
extern const sat_decoder sat__decoder_otlp_proto;
extern const sat_decoder sat__decoder_otlp_json;
extern const sat_decoder sat__decoder_lightstep_json;
extern const sat_decoder sat__decoder_zipkin_json;
extern const sat_decoder sat__decoder_zipkin_proto;
extern const sat_decoder sat__decoder_datadog_v04;
extern const sat_decoder sat__decoder_datadog_v03;
extern const sat_decoder sat__decoder_datadog_v05;

/* A protobuf decoder's part: the value of one marked field (mark 1 and up), to be put
 * into the id of the span it lies in. */
typedef void (*sat__fill_fn)(const uint8_t *value, size_t len, unsigned mark, sat_span_id *id);

/* sat__decode_marked validates body against schema with the walker, whose mark 0 must be
 * the spans, and appends an id per span: zero, then filled in by fill from the span's
 * other marked values, in order. On failure it writes "<what> does not decode: <where
 * and why>" into err and returns TB_EPROTO (or TB_ENOMEM). */
int sat__decode_marked(const struct sat_pbschema *schema, const char *what, const uint8_t *body,
		       size_t len, sat__fill_fn fill, sat_ids *ids, char *err, size_t errlen);

/* Protocols whose ids are bytes fields (OTLP, Zipkin) mark them with these, and fill
 * with sat__fill_bytes_ids: each right-aligned into its slot, a longer value keeping
 * its tail, an id given twice its last value (as protobuf-c keeps them). */
enum { SAT__MARK_TRACE_BYTES = 1, SAT__MARK_SPAN_BYTES = 2 };
void sat__fill_bytes_ids(const uint8_t *value, size_t len, unsigned mark, sat_span_id *id);

/* sat__reply_none writes no body: an empty protobuf message (everything accepted), or
 * Zipkin's 202, whose body a tracer never reads. */
size_t sat__reply_none(uint8_t *buf, size_t cap, uint64_t now_us);

/* sat__reply_empty_json writes "{}", the 200 body of both JSON protocols. */
size_t sat__reply_empty_json(uint8_t *buf, size_t cap, uint64_t now_us);

/* The fields each protobuf decoder has the walker list (a report's spans, each span's
 * ids), defined beside the decoder. */
enum { SAT__N_MARKS_LIGHTSTEP = 2, SAT__N_MARKS_OTLP = 3, SAT__N_MARKS_ZIPKIN = 3 };
extern const sat_pbmark sat__marks_lightstep[SAT__N_MARKS_LIGHTSTEP];
extern const sat_pbmark sat__marks_otlp[SAT__N_MARKS_OTLP];
extern const sat_pbmark sat__marks_zipkin[SAT__N_MARKS_ZIPKIN];

/* Walker tables for the protobuf decoders, built by sat_decode_init. */
extern struct sat_pbschema *sat__schema_lightstep;
extern struct sat_pbschema *sat__schema_otlp;
extern struct sat_pbschema *sat__schema_zipkin;

#endif
