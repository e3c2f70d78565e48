/* SPDX-License-Identifier: MIT */
/* mpwire.h - reading MessagePack in place, bounds-checked: one value's header at a time,
 * and skipping a whole value. The Datadog decoder walks its bodies with these instead of
 * unpacking them into msgpack-c's object tree, which allocates every array and map it
 * meets (an array header claiming four billion elements costs a 5-byte body and an
 * allocation of 96 GiB) and took 20x as long on 1000-span reports (bench/decode_bench.c
 * prints both; satellite/README.md quotes a run).
 *
 * Kinds follow msgpack-c's: an integer of any encoding that is not negative is
 * MP_UINT, a negative one MP_INT; 0xc1 (never used) is an error. */
#ifndef SAT_MPWIRE_H
#define SAT_MPWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The deepest nesting skipped, as msgpack-c's unpacker allows (MSGPACK_EMBED_STACK_SIZE). */
#define SAT_MP_MAX_DEPTH 32

typedef enum sat_mp_kind {
	SAT_MP_NIL, SAT_MP_BOOL, SAT_MP_UINT, SAT_MP_INT, SAT_MP_FLOAT, SAT_MP_STR, SAT_MP_BIN,
	SAT_MP_EXT, SAT_MP_ARRAY, SAT_MP_MAP,
} sat_mp_kind;

/* One value's header. */
typedef struct sat_mp {
	sat_mp_kind kind;
	uint64_t u;		/* UINT: the value; INT: its two's complement; ARRAY, MAP: the
				 * count of elements or pairs; STR, BIN, EXT: the length */
	const uint8_t *data;	/* STR, BIN, EXT: the bytes (EXT: after its type byte) */
} sat_mp;

static inline uint64_t sat_mp_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* sat_mp_read reads the header at *p (and a string's, binary's or extension's bytes),
 * moving *p past it. False when it runs past end or is 0xc1. A container's elements
 * follow it; nothing checks yet that they fit. */
static inline bool sat_mp_read(const uint8_t **p, const uint8_t *end, sat_mp *v)
{
	const uint8_t *q = *p;
	if (q >= end)
		return false;
	uint8_t b = *q++;
	unsigned n = 0;		/* bytes of size or value after b */
	v->data = NULL;
	if (b <= 0x7f || b >= 0xe0) {
		v->kind = b <= 0x7f ? SAT_MP_UINT : SAT_MP_INT;
		v->u = b <= 0x7f ? b : (uint64_t)(int64_t)(int8_t)b;
		*p = q;
		return true;
	}
	if (b <= 0x8f || (b >= 0x90 && b <= 0x9f)) {
		v->kind = b <= 0x8f ? SAT_MP_MAP : SAT_MP_ARRAY;
		v->u = b & 0x0f;
		*p = q;
		return true;
	}
	if (b <= 0xbf) {
		v->kind = SAT_MP_STR;
		v->u = b & 0x1f;
	} else {
		switch (b) {
		case 0xc0: v->kind = SAT_MP_NIL; v->u = 0; *p = q; return true;
		case 0xc2: case 0xc3: v->kind = SAT_MP_BOOL; v->u = b & 1; *p = q; return true;
		case 0xc4: case 0xc5: case 0xc6: v->kind = SAT_MP_BIN; n = 1u << (b - 0xc4); break;
		case 0xc7: case 0xc8: case 0xc9: v->kind = SAT_MP_EXT; n = 1u << (b - 0xc7); break;
		case 0xca: case 0xcb: v->kind = SAT_MP_FLOAT; n = b == 0xca ? 4 : 8; break;
		case 0xcc: case 0xcd: case 0xce: case 0xcf:
			v->kind = SAT_MP_UINT; n = 1u << (b - 0xcc); break;
		case 0xd0: case 0xd1: case 0xd2: case 0xd3:
			v->kind = SAT_MP_INT; n = 1u << (b - 0xd0); break;
		case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
			v->kind = SAT_MP_EXT; n = 0; v->u = 1u << (b - 0xd4); break;
		case 0xd9: case 0xda: case 0xdb: v->kind = SAT_MP_STR; n = 1u << (b - 0xd9); break;
		case 0xdc: case 0xdd: v->kind = SAT_MP_ARRAY; n = b == 0xdc ? 2 : 4; break;
		case 0xde: case 0xdf: v->kind = SAT_MP_MAP; n = b == 0xde ? 2 : 4; break;
		default: return false;	/* 0xc1 */
		}
		if ((size_t)(end - q) < n)
			return false;
	}
	switch (v->kind) {
	case SAT_MP_INT: {
		uint64_t raw = sat_mp_be(q, n);
		unsigned bits = 8 * n;
		/* Sign-extend; a value that is not negative is an unsigned one. */
		int64_t s = bits == 64 ? (int64_t)raw : (int64_t)(raw << (64 - bits)) >> (64 - bits);
		v->kind = s >= 0 ? SAT_MP_UINT : SAT_MP_INT;
		v->u = (uint64_t)s;
		*p = q + n;
		return true;
	}
	case SAT_MP_FLOAT:
		v->data = q;
		v->u = 0;
		*p = q + n;
		return true;
	case SAT_MP_UINT:
	case SAT_MP_ARRAY:
	case SAT_MP_MAP:
		v->u = sat_mp_be(q, n);
		*p = q + n;
		return true;
	default:
		break;
	}
	/* STR, BIN, EXT: a length (a fixext's is in v->u already), then for EXT a type
	 * byte, then the bytes. */
	if (n > 0)
		v->u = sat_mp_be(q, n);
	q += n;
	size_t extra = v->kind == SAT_MP_EXT ? 1 : 0;
	if ((uint64_t)(end - q) < extra || (uint64_t)(end - q) - extra < v->u)
		return false;
	v->data = q + extra;
	*p = q + extra + v->u;
	return true;
}

/* sat_mp_fits tells whether a container's elements could fit in what is left: each is
 * at least a byte. */
static inline bool sat_mp_fits(const sat_mp *v, const uint8_t *p, const uint8_t *end)
{
	uint64_t n = v->kind == SAT_MP_MAP ? 2 * v->u : v->u;
	return n <= (uint64_t)(end - p);
}

/* sat_mp_skip moves *p past one whole value in which at most depth non-empty containers
 * are open at once (msgpack-c's unpacker counts them so). False when it runs past end,
 * holds 0xc1, or nests deeper. */
static inline bool sat_mp_skip(const uint8_t **p, const uint8_t *end, int depth)
{
	sat_mp v;
	if (!sat_mp_read(p, end, &v))
		return false;
	if ((v.kind != SAT_MP_ARRAY && v.kind != SAT_MP_MAP) || v.u == 0)
		return true;
	if (depth <= 0 || !sat_mp_fits(&v, *p, end))
		return false;
	uint64_t n = v.kind == SAT_MP_MAP ? 2 * v.u : v.u;
	for (uint64_t i = 0; i < n; i++)
		if (!sat_mp_skip(p, end, depth - 1))
			return false;
	return true;
}

#endif
