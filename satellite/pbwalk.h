/* SPDX-License-Identifier: MIT */
/* pbwalk.h - validates a protobuf message against its schema without unpacking it.
 *
 * The satellite must check every report it counts (a tracer sending garbage should see a
 * 400, not a 200), but protobuf-c's unpack allocates every string and costs ~14 us per
 * span; this walker checks the same bytes in place. It is built once from the protobuf-c
 * descriptors (dense field tables per message type) and then accepts exactly the inputs
 * protobuf-c's unpack accepts, with one deliberate exception: nesting deeper than
 * SAT_PBWALK_MAX_DEPTH is rejected (protobuf-c recurses without a limit, so a small body
 * of nested messages could overflow its stack). tests/pbwalk_test.c and the
 * differential fuzz targets in tests/fuzz/ hold it to that.
 *
 * One of protobuf-c's rules is not about bytes but about merging. The values of a
 * singular message field given more than once are merged one into the next, and
 * protobuf-c 1.4 fails a merge when the field's type has a oneof that neither the value
 * so far nor the next one sets; its merge also drops a string member, or an empty bytes
 * one, when the next value does not set the oneof (OTLP: a KeyValue whose value is given
 * twice, both times empty, is refused, and so is one given as a string and then twice
 * empty). The walker follows that too. A schema where such a merge could fail one level
 * further down (a merged field inside the merged type whose own merge could fail) is
 * refused at sat_pbschema_alloc, as is a message type with two fields whose merges could
 * fail.
 *
 * A walk can also list where the values of a few chosen fields lie (a report's spans and
 * each span's ids), so that the decoders find span ids without walking the report a
 * second time: that second walk went through every top-level field of every span, as a
 * field given twice counts with its last value. */
#ifndef SAT_PBWALK_H
#define SAT_PBWALK_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#define SAT_PBWALK_MAX_DEPTH 64

typedef struct sat_pbschema sat_pbschema;

typedef enum sat_pbwalk_status {
	SAT_PBWALK_OK = 0,
	SAT_PBWALK_ETRUNCATED,	/* a key, varint, fixed value or length runs past its message */
	SAT_PBWALK_EWIRETYPE,	/* wire type 3, 4, 6 or 7 (groups and reserved) */
	SAT_PBWALK_EMISMATCH,	/* a known field arrives with the wrong wire type */
	SAT_PBWALK_EPACKED,	/* a packed repeated field's payload is malformed */
	SAT_PBWALK_EDEPTH,	/* nested deeper than SAT_PBWALK_MAX_DEPTH */
	SAT_PBWALK_EMERGE,	/* a message field given twice that protobuf-c cannot merge */
	SAT_PBWALK_ENOMEM,	/* the list of marked values could not grow */
} sat_pbwalk_status;

/* A field whose values a listing walk lists: field number `field` of message type `type`,
 * wherever that type occurs. It must be length-delimited: a string, bytes or a message. */
typedef struct sat_pbmark {
	const ProtobufCMessageDescriptor *type;
	uint32_t field;
} sat_pbmark;

/* One value of a marked field: its bytes (a sub-message's without key and length) are
 * buf[off, off + len), and mark is the index of its sat_pbmark. */
typedef struct sat_pbrange {
	size_t off;
	size_t len;
	unsigned mark;
} sat_pbrange;

/* The values a walk listed, in the order they appear in the buffer. Reusable: a walk
 * empties it first. */
typedef struct sat_pbranges {
	sat_pbrange *v;
	size_t n;
	size_t cap;
} sat_pbranges;

/* Where and why a walk failed, for a one-line 400 reason. */
typedef struct sat_pbwalk_error {
	sat_pbwalk_status status;
	size_t offset;		/* byte offset in the outermost buffer */
	const char *message;	/* protobuf type name, e.g. "lightstep.collector.Span" */
	uint32_t field;		/* field number involved, 0 if none */
	unsigned wire_type;
} sat_pbwalk_error;

/* sat_pbschema_alloc builds the tables for root and every message type reachable from
 * it; sat_pbwalk_list will list the values of the n_marks fields in marks (at most 255;
 * none is fine). Returns TB_OK, TB_ENOMEM, or TB_EINVAL for a mark that names no
 * length-delimited field of a reachable type or a schema whose merges the walker does not
 * model (above). */
int sat_pbschema_alloc(sat_pbschema **sp, const ProtobufCMessageDescriptor *root,
		       const sat_pbmark *marks, size_t n_marks);

/* sat_pbschema_free releases s. NULL is fine. */
void sat_pbschema_free(sat_pbschema *s);

/* sat_pbwalk_check validates buf[0..len) as the schema's root message. Returns
 * SAT_PBWALK_OK, or a status with the details in *err (which may be NULL). Reentrant. */
sat_pbwalk_status sat_pbwalk_check(const sat_pbschema *s, const uint8_t *buf, size_t len,
				   sat_pbwalk_error *err);

/* sat_pbwalk_list validates like sat_pbwalk_check and also puts into *out every value of
 * the schema's marked fields, in order (on an error its contents mean nothing). Status
 * SAT_PBWALK_ENOMEM if out could not grow. */
sat_pbwalk_status sat_pbwalk_list(const sat_pbschema *s, const uint8_t *buf, size_t len,
				  sat_pbranges *out, sat_pbwalk_error *err);

/* sat_pbranges_fini frees out's storage and empties it. */
void sat_pbranges_fini(sat_pbranges *out);

/* sat_pbwalk_format writes a one-line description of err into out ("field 5 of
 * lightstep.collector.Span has wire type 2 at byte 312"). Returns out. */
char *sat_pbwalk_format(const sat_pbwalk_error *err, char *out, size_t outlen);

#endif
