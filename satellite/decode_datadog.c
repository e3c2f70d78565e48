/* SPDX-License-Identifier: MIT */
/* decode_datadog.c - the Datadog agent's trace intake (application/msgpack), PUT or POST.
 * /v0.3/traces and /v0.4/traces, as Datadog's tracers send it: an array of traces,
 * each an array of spans, each span a map. Walked in place (mpwire.h); a span is known
 * by its trace_id and span_id (unsigned 64-bit integers; the trace id right-aligned as
 * LightStep's is). The fields the agent reads are checked for their types: name,
 * service, resource and type strings (or nil), start, duration, parent_id and error
 * integers, meta a map of strings, metrics a map of numbers. Other keys are skipped, as
 * the agent does. /v0.5/traces puts every string in a dictionary sent first and each
 * span in an array of 12; its indices must fall in the dictionary. */
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "satellite/decode.h"
#include "satellite/mpwire.h"

/* The nesting the body's own structure takes: the traces, a trace, a span. */
#define SPAN_DEPTH 3

/* The keys a span's check knows, and what each must hold. */
typedef enum want { W_ID, W_INT, W_STR, W_META, W_METRICS } want;

static const struct key {
	const char *name;
	want want;
} keys[] = {
	{"trace_id", W_ID}, {"span_id", W_ID}, {"parent_id", W_ID}, {"start", W_INT},
	{"duration", W_INT}, {"error", W_INT}, {"name", W_STR}, {"service", W_STR},
	{"resource", W_STR}, {"type", W_STR}, {"meta", W_META}, {"metrics", W_METRICS},
};

static const struct key *key_of(const sat_mp *k)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].name) == k->u && memcmp(keys[i].name, k->data, k->u) == 0)
			return &keys[i];
	return NULL;
}

static void put_u64_be(uint8_t *out, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

/* is_string: v is a string as the version writes one, inline (v0.3/v0.4: dict NULL) or
 * as an index into the dictionary of *dict strings (v0.5). */
static bool is_string(const sat_mp *v, const uint64_t *dict)
{
	return dict == NULL ? v->kind == SAT_MP_STR : v->kind == SAT_MP_UINT && v->u < *dict;
}

/* check_map checks a meta (strings to strings) or metrics (strings to numbers) map, its
 * strings as is_string takes them; NULL or why not. */
static const char *check_map(const uint8_t **p, const uint8_t *end, const sat_mp *m, bool meta,
			     const uint64_t *dict)
{
	if (m->kind == SAT_MP_NIL)
		return NULL;
	if (m->kind != SAT_MP_MAP)
		return meta ? "meta is not a map" : "metrics is not a map";
	if (!sat_mp_fits(m, *p, end))
		return "a map runs past the end";
	for (uint64_t i = 0; i < m->u; i++) {
		sat_mp k, v;
		if (!sat_mp_read(p, end, &k) || !sat_mp_read(p, end, &v))
			return "a map runs past the end";
		if (!is_string(&k, dict))
			return dict != NULL ? "a map key is not an index into the dictionary" :
			       meta	    ? "a meta key is not a string" :
					      "a metrics key is not a string";
		if (meta && !is_string(&v, dict))
			return dict != NULL ? "a meta value is not an index into the dictionary" :
					      "a meta value is not a string";
		if (!meta && v.kind != SAT_MP_FLOAT && v.kind != SAT_MP_UINT && v.kind != SAT_MP_INT)
			return "a metrics value is not a number";
	}
	return NULL;
}

/* check_value reads the value of a known key and checks its type; an id goes to *id. */
static const char *check_value(const uint8_t **p, const uint8_t *end, const struct key *k,
			       uint64_t *id)
{
	sat_mp v;
	if (!sat_mp_read(p, end, &v))
		return "a span runs past the end";
	switch (k->want) {
	case W_ID:
		if (v.kind != SAT_MP_UINT)
			return strcmp(k->name, "trace_id") == 0 ? "trace_id is not an unsigned integer" :
			       strcmp(k->name, "span_id") == 0 ? "span_id is not an unsigned integer" :
								  "parent_id is not an unsigned integer";
		*id = v.u;
		return NULL;
	case W_INT:
		return v.kind == SAT_MP_UINT || v.kind == SAT_MP_INT ? NULL :
		       strcmp(k->name, "error") == 0 ? "error is not an integer" :
		       strcmp(k->name, "start") == 0 ? "start is not an integer of nanoseconds" :
						       "duration is not an integer of nanoseconds";
	case W_STR:
		return v.kind == SAT_MP_STR || v.kind == SAT_MP_NIL ? NULL :
		       "name, service, resource and type must be strings";
	default:
		return check_map(p, end, &v, k->want == W_META, NULL);
	}
}

/* span reads one span map into *id. NULL, or what is wrong with it. (ndict: v0.5's.) */
static const char *span(const uint8_t **p, const uint8_t *end, uint64_t ndict, sat_span_id *id)
{
	(void)ndict;
	sat_mp m;
	if (!sat_mp_read(p, end, &m) || m.kind != SAT_MP_MAP)
		return "a span is not a map";
	if (!sat_mp_fits(&m, *p, end))
		return "a span runs past the end";
	uint64_t trace = 0, span_id = 0, unused;
	bool has_trace = false, has_span = false;
	for (uint64_t i = 0; i < m.u; i++) {
		sat_mp k;
		if (!sat_mp_read(p, end, &k))
			return "a span runs past the end";
		if (k.kind != SAT_MP_STR)
			return "a span's key is not a string";
		const struct key *known = key_of(&k);
		const char *bad;
		if (known == NULL) {
			if (!sat_mp_skip(p, end, SAT_MP_MAX_DEPTH - SPAN_DEPTH))
				return "a span's value runs past the end or nests too deep";
			continue;
		}
		bool is_trace = strcmp(known->name, "trace_id") == 0;
		bool is_span = strcmp(known->name, "span_id") == 0;
		if ((bad = check_value(p, end, known, is_trace ? &trace : is_span ? &span_id
							      : &unused)) != NULL)
			return bad;
		has_trace |= is_trace;
		has_span |= is_span;
	}
	if (!has_trace || !has_span)
		return !has_trace ? "a span has no trace_id" : "a span has no span_id";
	memset(id, 0, sizeof(*id));
	put_u64_be(id->trace + 8, trace);
	put_u64_be(id->span, span_id);
	return NULL;
}

/* Where a walk is, for the error, and whether it ran out of memory. */
typedef struct walk_at {
	size_t trace, span;
	bool nomem;
} walk_at;

typedef const char *(*span_reader)(const uint8_t **p, const uint8_t *end, uint64_t ndict,
				   sat_span_id *id);

/* traces reads the array of traces at *p to the end of the body, each span by read;
 * NULL, or what is wrong and where (at). */
static const char *traces(const uint8_t **p, const uint8_t *end, span_reader read,
			  uint64_t ndict, sat_ids *ids, walk_at *at)
{
	sat_mp all;
	if (!sat_mp_read(p, end, &all) || all.kind != SAT_MP_ARRAY)
		return "the body is not an array of traces";
	if (!sat_mp_fits(&all, *p, end))
		return "the array of traces runs past the end";
	for (at->trace = 0; at->trace < all.u; at->trace++) {
		sat_mp trace;
		if (!sat_mp_read(p, end, &trace) || trace.kind != SAT_MP_ARRAY)
			return "a trace is not an array of spans";
		if (!sat_mp_fits(&trace, *p, end))
			return "a trace runs past the end";
		for (at->span = 0; at->span < trace.u; at->span++) {
			sat_span_id id;
			const char *bad = read(p, end, ndict, &id);
			if (bad != NULL)
				return bad;
			if (sat_ids_push(ids, &id) != TB_OK) {
				at->nomem = true;
				return "out of memory";
			}
		}
		at->span = 0;
	}
	return *p == end ? NULL : "bytes follow the array of traces";
}

/* verdict turns a walk's outcome into the decoder's return and error line. */
static int verdict(const char *bad, const walk_at *at, const char *version, char *err,
		   size_t errlen)
{
	if (bad == NULL)
		return TB_OK;
	if (at->nomem)
		return TB_ENOMEM;
	snprintf(err, errlen, "Datadog%s traces do not decode: %s (trace %zu, span %zu)", version,
		 bad, at->trace, at->span);
	return TB_EPROTO;
}

static int decode(const uint8_t *body, size_t len, sat_ids *ids, char *err, size_t errlen)
{
	const uint8_t *p = body;
	walk_at at = {0};
	return verdict(traces(&p, body + len, span, 0, ids, &at), &at, "", err, errlen);
}

/* ---- v0.5: strings in a dictionary, spans as arrays ---- */

/* A v0.5 span's 12 elements, in order, and what each must hold. */
static const want v05_span[12] = {
	W_STR, W_STR, W_STR,		/* service, name, resource */
	W_ID, W_ID, W_ID,		/* trace_id, span_id, parent_id */
	W_INT, W_INT, W_INT,		/* start, duration, error */
	W_META, W_METRICS, W_STR,	/* meta, metrics, type */
};

/* v05_span_read reads one span array into *id. NULL, or what is wrong with it. */
static const char *v05_span_read(const uint8_t **p, const uint8_t *end, uint64_t ndict,
				 sat_span_id *id)
{
	sat_mp a;
	uint64_t ids[3] = {0};
	if (!sat_mp_read(p, end, &a) || a.kind != SAT_MP_ARRAY || a.u != 12)
		return "a span is not an array of 12";
	for (size_t i = 0; i < 12; i++) {
		sat_mp v;
		const char *bad = NULL;
		if (!sat_mp_read(p, end, &v))
			return "a span runs past the end";
		switch (v05_span[i]) {
		case W_STR:
			bad = is_string(&v, &ndict) ? NULL : "a string is not an index into the dictionary";
			break;
		case W_ID:
			bad = v.kind == SAT_MP_UINT ? NULL : "an id is not an unsigned integer";
			ids[i - 3] = v.u;
			break;
		case W_INT:
			bad = v.kind == SAT_MP_UINT || v.kind == SAT_MP_INT ? NULL :
			      "start, duration and error must be integers";
			break;
		default:
			bad = check_map(p, end, &v, v05_span[i] == W_META, &ndict);
		}
		if (bad != NULL)
			return bad;
	}
	memset(id, 0, sizeof(*id));
	put_u64_be(id->trace + 8, ids[0]);
	put_u64_be(id->span, ids[1]);
	return NULL;
}

/* v05_dictionary reads the array of strings; NULL, or what is wrong. */
static const char *v05_dictionary(const uint8_t **p, const uint8_t *end, uint64_t *ndict)
{
	sat_mp d;
	if (!sat_mp_read(p, end, &d) || d.kind != SAT_MP_ARRAY)
		return "the dictionary is not an array of strings";
	if (!sat_mp_fits(&d, *p, end))
		return "the dictionary runs past the end";
	for (uint64_t i = 0; i < d.u; i++) {
		sat_mp s;
		if (!sat_mp_read(p, end, &s) || s.kind != SAT_MP_STR)
			return "the dictionary is not an array of strings";
	}
	*ndict = d.u;
	return NULL;
}

static int decode_v05(const uint8_t *body, size_t len, sat_ids *ids, char *err, size_t errlen)
{
	const uint8_t *p = body, *end = body + len;
	sat_mp top;
	uint64_t ndict = 0;
	walk_at at = {0};
	const char *bad = NULL;
	if (!sat_mp_read(&p, end, &top) || top.kind != SAT_MP_ARRAY || top.u != 2)
		bad = "the body is not an array of a dictionary and traces";
	else if ((bad = v05_dictionary(&p, end, &ndict)) == NULL)
		bad = traces(&p, end, v05_span_read, ndict, ids, &at);
	return verdict(bad, &at, " v0.5", err, errlen);
}

/* The agent's answer on /v0.4 and /v0.5/traces: the sampling rate for each service, none here
 * (a tracer then keeps its default). */
static size_t reply_rates(uint8_t *buf, size_t cap, uint64_t now_us)
{
	static const char body[] = "{\"rate_by_service\":{}}";
	(void)cap, (void)now_us;
	memcpy(buf, body, sizeof(body) - 1);
	return sizeof(body) - 1;
}

/* /v0.3/traces: the agent answers OK. */
static size_t reply_ok(uint8_t *buf, size_t cap, uint64_t now_us)
{
	(void)cap, (void)now_us;
	memcpy(buf, "OK\n", 3);
	return 3;
}

const sat_decoder sat__decoder_datadog_v04 = {
	.proto = SAT_PROTO_DATADOG_V04,
	.name = "datadog-v0.4",
	.reply_type = "application/json",
	.decode = decode,
	.reply = reply_rates,
};

const sat_decoder sat__decoder_datadog_v03 = {
	.proto = SAT_PROTO_DATADOG_V03,
	.name = "datadog-v0.3",
	.reply_type = "text/plain",
	.decode = decode,
	.reply = reply_ok,
};

const sat_decoder sat__decoder_datadog_v05 = {
	.proto = SAT_PROTO_DATADOG_V05,
	.name = "datadog-v0.5",
	.reply_type = "application/json",
	.decode = decode_v05,
	.reply = reply_rates,
};
