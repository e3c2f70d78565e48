/* SPDX-License-Identifier: MIT */
/* datadog_reference.c - the Datadog decoder's reference (datadog_reference.h). */
#include "datadog_reference.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/* The reference: msgpack-c unpacks the body, and the same rules as the decoder's are
 * applied to its object tree, written again here so that a mistake in the decoder shows
 * up as a difference. */
static bool is_key(const msgpack_object *k, const char *name)
{
	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(name) &&
	       memcmp(k->via.str.ptr, name, k->via.str.size) == 0;
}

static bool is_int(const msgpack_object *v)
{
	return v->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
	       v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER;
}

/* ref_string: v is a string as the version writes one, inline (v0.4: dict NULL) or as an
 * index into the dictionary of *dict strings (v0.5). */
static bool ref_string(const msgpack_object *v, const uint32_t *dict)
{
	return dict == NULL ? v->type == MSGPACK_OBJECT_STR
			    : v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 < *dict;
}

/* good_map: a meta (strings to strings) or metrics (strings to numbers) map, or nil. */
static bool good_map(const msgpack_object *v, bool meta, const uint32_t *dict)
{
	if (v->type == MSGPACK_OBJECT_NIL)
		return true;
	if (v->type != MSGPACK_OBJECT_MAP)
		return false;
	for (uint32_t i = 0; i < v->via.map.size; i++) {
		const msgpack_object *k = &v->via.map.ptr[i].key, *x = &v->via.map.ptr[i].val;
		if (!ref_string(k, dict))
			return false;
		if (meta ? !ref_string(x, dict)
			 : !(is_int(x) || x->type == MSGPACK_OBJECT_FLOAT32 ||
			     x->type == MSGPACK_OBJECT_FLOAT64))
			return false;
	}
	return true;
}

static bool ref_span(const msgpack_object *s, uint32_t ndict, sat_span_id *id)
{
	(void)ndict;
	bool has_t = false, has_s = false;
	uint64_t t = 0, sp = 0;
	if (s->type != MSGPACK_OBJECT_MAP)
		return false;
	for (uint32_t i = 0; i < s->via.map.size; i++) {
		const msgpack_object *k = &s->via.map.ptr[i].key, *v = &s->via.map.ptr[i].val;
		if (k->type != MSGPACK_OBJECT_STR)
			return false;
		bool ok = true;
		if (is_key(k, "trace_id") || is_key(k, "span_id") || is_key(k, "parent_id")) {
			ok = v->type == MSGPACK_OBJECT_POSITIVE_INTEGER;
			if (ok && is_key(k, "trace_id"))
				t = v->via.u64, has_t = true;
			if (ok && is_key(k, "span_id"))
				sp = v->via.u64, has_s = true;
		} else if (is_key(k, "start") || is_key(k, "duration") || is_key(k, "error")) {
			ok = is_int(v);
		} else if (is_key(k, "name") || is_key(k, "service") || is_key(k, "resource") ||
			   is_key(k, "type")) {
			ok = v->type == MSGPACK_OBJECT_STR || v->type == MSGPACK_OBJECT_NIL;
		} else if (is_key(k, "meta") || is_key(k, "metrics")) {
			ok = good_map(v, is_key(k, "meta"), NULL);
		}
		if (!ok)
			return false;
	}
	memset(id, 0, sizeof(*id));
	for (int b = 7; b >= 0; b--, t >>= 8, sp >>= 8) {
		id->trace[8 + b] = (uint8_t)t;
		id->span[b] = (uint8_t)sp;
	}
	return has_t && has_s;
}

/* ref_traces applies span to every span of the traces array; false if any is refused. */
static bool ref_traces(const msgpack_object *traces, uint32_t ndict, sat_ids *ids,
		       bool (*span)(const msgpack_object *, uint32_t, sat_span_id *))
{
	if (traces->type != MSGPACK_OBJECT_ARRAY)
		return false;
	for (uint32_t i = 0; i < traces->via.array.size; i++) {
		const msgpack_object *tr = &traces->via.array.ptr[i];
		if (tr->type != MSGPACK_OBJECT_ARRAY)
			return false;
		for (uint32_t j = 0; j < tr->via.array.size; j++) {
			sat_span_id id;
			if (!span(&tr->via.array.ptr[j], ndict, &id))
				return false;
			if (sat_ids_push(ids, &id) != TB_OK)
				abort();
		}
	}
	return true;
}

/* unpack_whole unpacks body into u: false unless it is one object, all of body. */
static bool unpack_whole(msgpack_unpacked *u, const uint8_t *body, size_t len)
{
	size_t off = 0;
	return msgpack_unpack_next(u, (const char *)body, len, &off) == MSGPACK_UNPACK_SUCCESS &&
	       off == len;
}

bool tb_datadog_reference(const uint8_t *body, size_t len, sat_ids *ids)
{
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	bool ok = unpack_whole(&u, body, len) && ref_traces(&u.data, 0, ids, ref_span);
	msgpack_unpacked_destroy(&u);
	return ok;
}

/* ---- v0.5 ---- */

static bool ref_span_v05(const msgpack_object *s, uint32_t ndict, sat_span_id *id)
{
	if (s->type != MSGPACK_OBJECT_ARRAY || s->via.array.size != 12)
		return false;
	const msgpack_object *e = s->via.array.ptr;
	bool ok = ref_string(&e[0], &ndict) && ref_string(&e[1], &ndict) &&
		  ref_string(&e[2], &ndict) && ref_string(&e[11], &ndict);
	for (int i = 3; i <= 5; i++)
		ok &= e[i].type == MSGPACK_OBJECT_POSITIVE_INTEGER;
	for (int i = 6; i <= 8; i++)
		ok &= is_int(&e[i]);
	ok &= good_map(&e[9], true, &ndict) && good_map(&e[10], false, &ndict);
	if (!ok)
		return false;
	uint64_t t = e[3].via.u64, sp = e[4].via.u64;
	memset(id, 0, sizeof(*id));
	for (int b = 7; b >= 0; b--, t >>= 8, sp >>= 8) {
		id->trace[8 + b] = (uint8_t)t;
		id->span[b] = (uint8_t)sp;
	}
	return true;
}

bool tb_datadog_v05_reference(const uint8_t *body, size_t len, sat_ids *ids)
{
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	bool ok = unpack_whole(&u, body, len) && u.data.type == MSGPACK_OBJECT_ARRAY &&
		  u.data.via.array.size == 2;
	const msgpack_object *dict = ok ? &u.data.via.array.ptr[0] : NULL;
	ok = ok && dict->type == MSGPACK_OBJECT_ARRAY;
	for (uint32_t i = 0; ok && i < dict->via.array.size; i++)
		ok = dict->via.array.ptr[i].type == MSGPACK_OBJECT_STR;
	ok = ok && ref_traces(&u.data.via.array.ptr[1], dict->via.array.size, ids, ref_span_v05);
	msgpack_unpacked_destroy(&u);
	return ok;
}
