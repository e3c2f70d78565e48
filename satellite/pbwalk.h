/* pbwalk.h - validates a protobuf message against its schema without unpacking it.
 *
 * The satellite must check every report it counts (a tracer sending garbage should see a
 * 400, not a 200), but protobuf-c's unpack allocates every string and costs ~14 us per
 * span; this walker checks the same bytes in place. It is built once from the protobuf-c
 * descriptors (dense field tables per message type) and then accepts exactly the inputs
 * protobuf-c's unpack accepts, with one deliberate exception: nesting deeper than
 * SAT_PBWALK_MAX_DEPTH is rejected (protobuf-c recurses without a limit, so a small body
 * of nested messages could overflow its stack). tests/pbwalk_test.c and the
 * differential fuzz targets in tests/fuzz/ hold it to that. */
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
} sat_pbwalk_status;

/* Where and why a walk failed, for a one-line 400 reason. */
typedef struct sat_pbwalk_error {
	sat_pbwalk_status status;
	size_t offset;		/* byte offset in the outermost buffer */
	const char *message;	/* protobuf type name, e.g. "lightstep.collector.Span" */
	uint32_t field;		/* field number involved, 0 if none */
	unsigned wire_type;
} sat_pbwalk_error;

/* sat_pbschema_alloc builds the tables for root and every message type reachable from
 * it. Returns TB_OK or TB_ENOMEM. */
int sat_pbschema_alloc(sat_pbschema **sp, const ProtobufCMessageDescriptor *root);

/* sat_pbschema_free releases s. NULL is fine. */
void sat_pbschema_free(sat_pbschema *s);

/* sat_pbwalk_check validates buf[0..len) as the schema's root message. Returns
 * SAT_PBWALK_OK, or a status with the details in *err (which may be NULL). Reentrant. */
sat_pbwalk_status sat_pbwalk_check(const sat_pbschema *s, const uint8_t *buf, size_t len,
				   sat_pbwalk_error *err);

/* sat_pbwalk_format writes a one-line description of err into out ("field 5 of
 * lightstep.collector.Span has wire type 2 at byte 312"). Returns out. */
char *sat_pbwalk_format(const sat_pbwalk_error *err, char *out, size_t outlen);

#endif
