/* SPDX-License-Identifier: MIT */
/* pbwire.h - reading the protobuf wire format with protobuf-c's exact rules, for the
 * satellite's hot path (the walker in pbwalk.c and the span-id extractors).
 *
 * protobuf-c 1.4 is the reference: what it accepts we accept, what it rejects we reject.
 * Its rules differ from the protobuf spec in places, and we follow them on purpose:
 * - a tag is at most 5 bytes and bits beyond 32 are dropped; a one-byte key of field 0 is
 *   an error, but field 0 spelled in more bytes is an unknown field;
 * - a varint is at most 10 bytes and only needs a terminating byte;
 * - a length prefix is at most 5 bytes.
 * Every reader takes the end of the buffer and never reads past it. */
#ifndef SAT_PBWIRE_H
#define SAT_PBWIRE_H

#include <stddef.h>
#include <stdint.h>

enum {
	SAT_WT_VARINT = 0,
	SAT_WT_FIXED64 = 1,
	SAT_WT_LEN = 2,
	SAT_WT_FIXED32 = 5,
};

/* sat_pb_tag reads a field key at *pp. On success it advances *pp and returns 1; on a bad
 * key (unterminated within 5 bytes or the buffer) it returns 0. */
static inline int sat_pb_tag(const uint8_t **pp, const uint8_t *end, uint32_t *field,
			     unsigned *wt)
{
	const uint8_t *p = *pp;
	size_t avail = (size_t)(end - p);
	size_t max = avail < 5 ? avail : 5;
	uint32_t v;

	if (max == 0 || (p[0] & 0xf8) == 0)
		return 0;
	if (p[0] < 0x80) {
		*wt = p[0] & 7;
		*field = p[0] >> 3;
		*pp = p + 1;
		return 1;
	}
	v = (p[0] & 0x7f) >> 3;
	for (size_t i = 1, shift = 4; i < max; i++, shift += 7) {
		if (p[i] & 0x80) {
			v |= (uint32_t)(p[i] & 0x7f) << shift;
		} else {
			v |= (uint32_t)p[i] << shift;
			*wt = p[0] & 7;
			*field = v;
			*pp = p + i + 1;
			return 1;
		}
	}
	return 0;
}

/* sat_pb_varint reads a varint of at most 10 bytes; returns 1 and advances, or 0. */
static inline int sat_pb_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	size_t avail = (size_t)(end - p);
	size_t max = avail < 10 ? avail : 10;
	uint64_t v = 0;

	for (size_t i = 0; i < max; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*out = v;
			*pp = p + i + 1;
			return 1;
		}
	}
	return 0;
}

/* sat_pb_len reads a length prefix and checks that many bytes follow. Returns 1 and
 * advances *pp to the data, or 0 on a bad or overlong prefix. */
static inline int sat_pb_len(const uint8_t **pp, const uint8_t *end, size_t *out)
{
	const uint8_t *p = *pp;
	size_t avail = (size_t)(end - p);
	size_t max = avail < 5 ? avail : 5;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < max; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80))
			break;
	}
	if (i == max)
		return 0;
	i++;
	if (v > avail - i)
		return 0;
	*out = (size_t)v;
	*pp = p + i;
	return 1;
}

/* sat_pb_skip skips the value of a field with wire type wt. Returns 1, or 0 when it is
 * truncated or the wire type is not one protobuf-c reads. */
static inline int sat_pb_skip(const uint8_t **pp, const uint8_t *end, unsigned wt)
{
	uint64_t v;
	size_t n;

	switch (wt) {
	case SAT_WT_VARINT:
		return sat_pb_varint(pp, end, &v);
	case SAT_WT_FIXED64:
		if (end - *pp < 8)
			return 0;
		*pp += 8;
		return 1;
	case SAT_WT_FIXED32:
		if (end - *pp < 4)
			return 0;
		*pp += 4;
		return 1;
	case SAT_WT_LEN:
		if (!sat_pb_len(pp, end, &n))
			return 0;
		*pp += n;
		return 1;
	default:
		return 0;
	}
}

#endif
