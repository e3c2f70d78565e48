/* SPDX-License-Identifier: MIT */
/* pbwalk.c - the validating protobuf walker: dense per-message field tables built from
 * protobuf-c descriptors, and one loop over the wire format that checks each field
 * against them and descends into sub-messages. See pbwalk.h for the contract. */
#include "satellite/pbwalk.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "satellite/pbwire.h"

/* Largest field number given a dense table slot; our schemas stay far below it. */
#define MAX_DENSE_FIELD 4096

#define WT_BIT(wt) (1u << (wt))
#define WT_ANY (WT_BIT(SAT_WT_VARINT) | WT_BIT(SAT_WT_FIXED64) | WT_BIT(SAT_WT_LEN) | \
		WT_BIT(SAT_WT_FIXED32))

/* What a length-delimited value of a field must contain. */
enum len_rule {
	LEN_ANY = 0,		/* strings, bytes, unknown fields, a lone bool */
	LEN_MESSAGE,		/* a sub-message: walk it */
	LEN_PACKED_VARINT,	/* packed repeated integers: whole varints */
	LEN_PACKED_FIXED32,	/* length a multiple of 4 */
	LEN_PACKED_FIXED64,	/* length a multiple of 8 */
	LEN_PACKED_BOOL,	/* every byte 0 or 1 */
};

typedef struct field_rule {
	uint8_t wt_mask;	/* wire types protobuf-c accepts for this field */
	uint8_t len_rule;
	uint8_t mark;		/* 1 + the index of its sat_pbmark; 0: not marked */
	uint8_t oneof;		/* 1 + the index of its oneof in the message; 0: none */
	uint8_t dropped;	/* a oneof member a merge drops: enum merge_drop */
	uint8_t merged;		/* a singular sub-message outside any oneof: values merge */
	uint8_t watch;		/* merged, and a merge of its type can fail (see walk_merge) */
	uint16_t sub;		/* message index when len_rule is LEN_MESSAGE */
} field_rule;

/* Most oneofs a message may have: their set ones are a bit mask. */
#define MAX_ONEOFS 32

/* The oneof members that protobuf-c's merge drops, instead of carrying them over, when
 * the next value does not set their oneof (protobuf-c 1.4 decides by comparing the member
 * with its default): a string whose default is not NULL (proto3 strings default to ""),
 * and an empty bytes value. */
enum merge_drop {
	DROP_NEVER = 0,
	DROP_ALWAYS,
	DROP_IF_EMPTY,
};

/* What to do on meeting a one-byte key (fields 1 to 15, the ones a message uses most):
 * decided once per message type and key byte, so the walk does one load and a jump. */
enum key_action {
	K_SLOW = 0,		/* a longer key, or field 0: the general path */
	K_BYTES,		/* length-delimited, anything goes (strings, bytes, unknown) */
	K_MESSAGE,		/* length-delimited sub-message: walk it */
	K_MARKED,		/* a marked field: the general path lists it */
	K_WATCHED,		/* a sub-message whose second value may not merge */
	K_PACKED,		/* length-delimited packed numbers: check them */
	K_VARINT,
	K_FIXED64,
	K_FIXED32,
	K_REJECT,		/* the general path reports why */
	K_COUNT
};

typedef struct key_rule {
	uint8_t action;		/* enum key_action */
	uint8_t len_rule;	/* K_PACKED: which */
	uint16_t sub;		/* K_MESSAGE: message index */
} key_rule;

typedef struct msg_rules {
	const ProtobufCMessageDescriptor *desc;
	uint32_t n_ids;		/* by_id covers field numbers 0..n_ids-1 */
	uint32_t oneofs;	/* a bit for each of its oneofs */
	int leaf;		/* no field is a sub-message */
	field_rule *by_id;
	key_rule by_key[256];	/* indexed by a key's first byte; K_SLOW from 0x80 on */
} msg_rules;

struct sat_pbschema {
	size_t n;
	msg_rules *msgs;	/* msgs[0] is the root */
};

static const field_rule unknown_field = {WT_ANY, LEN_ANY, 0, 0, 0, 0, 0, 0};

static int find_or_add(sat_pbschema *s, const ProtobufCMessageDescriptor *d, size_t *cap,
		       uint16_t *out)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->msgs[i].desc == d) {
			*out = (uint16_t)i;
			return TB_OK;
		}
	}
	if (s->n == UINT16_MAX)
		return TB_EINVAL;
	if (s->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		msg_rules *m = realloc(s->msgs, ncap * sizeof(*m));
		if (m == NULL)
			return TB_ENOMEM;
		s->msgs = m;
		*cap = ncap;
	}
	memset(&s->msgs[s->n], 0, sizeof(s->msgs[s->n]));
	s->msgs[s->n].desc = d;
	*out = (uint16_t)s->n++;
	return TB_OK;
}

static field_rule rule_for(const ProtobufCFieldDescriptor *f)
{
	int repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
	field_rule r = {0, LEN_ANY, 0, 0, 0, 0, 0, 0};

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_ENUM:
		r.wt_mask = WT_BIT(SAT_WT_VARINT);
		r.len_rule = LEN_PACKED_VARINT;
		break;
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		r.wt_mask = WT_BIT(SAT_WT_FIXED32);
		r.len_rule = LEN_PACKED_FIXED32;
		break;
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		r.wt_mask = WT_BIT(SAT_WT_FIXED64);
		r.len_rule = LEN_PACKED_FIXED64;
		break;
	case PROTOBUF_C_TYPE_BOOL:
		/* protobuf-c reads a singular bool from any wire type. */
		r.wt_mask = WT_ANY;
		r.len_rule = repeated ? LEN_PACKED_BOOL : LEN_ANY;
		return r;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
		r.wt_mask = WT_BIT(SAT_WT_LEN);
		r.len_rule = LEN_ANY;
		if (f->type == PROTOBUF_C_TYPE_BYTES)
			r.dropped = DROP_IF_EMPTY;
		else if (f->default_value != NULL)
			r.dropped = DROP_ALWAYS;
		return r;
	case PROTOBUF_C_TYPE_MESSAGE:
		r.wt_mask = WT_BIT(SAT_WT_LEN);
		r.len_rule = LEN_MESSAGE;
		r.merged = !repeated && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF);
		return r;
	}
	/* Numbers: a length-delimited value is a packed array, for repeated fields only. */
	if (repeated)
		r.wt_mask |= WT_BIT(SAT_WT_LEN);
	else
		r.len_rule = LEN_ANY;
	return r;
}

/* oneof_of numbers f's oneof within its message (protobuf-c gives the members of one
 * oneof the same case member, quantifier_offset): 1 + its index, 0 for none, -1 past
 * MAX_ONEOFS. */
static int oneof_of(const ProtobufCFieldDescriptor *f, unsigned *offsets, unsigned *n)
{
	if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
		return 0;
	for (unsigned i = 0; i < *n; i++)
		if (offsets[i] == f->quantifier_offset)
			return (int)i + 1;
	if (*n == MAX_ONEOFS)
		return -1;
	offsets[(*n)++] = f->quantifier_offset;
	return (int)*n;
}

/* build_fields makes the table of message idx's fields by number, adding the message
 * types it refers to. */
static int build_fields(sat_pbschema *s, size_t idx, size_t *cap)
{
	const ProtobufCMessageDescriptor *d = s->msgs[idx].desc;
	unsigned oneof_offsets[MAX_ONEOFS], n_oneofs = 0;
	uint32_t max_id = 0, oneofs = 0;
	field_rule *by_id;

	for (unsigned i = 0; i < d->n_fields; i++)
		if (d->fields[i].id > max_id)
			max_id = d->fields[i].id;
	if (max_id > MAX_DENSE_FIELD)
		return TB_EINVAL;
	by_id = calloc(max_id + 1, sizeof(*by_id));
	if (by_id == NULL)
		return TB_ENOMEM;
	for (uint32_t id = 0; id <= max_id; id++)
		by_id[id] = unknown_field;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		field_rule r = rule_for(f);
		int oneof = oneof_of(f, oneof_offsets, &n_oneofs);
		if (oneof < 0) {
			free(by_id);
			return TB_EINVAL;
		}
		r.oneof = (uint8_t)oneof;
		if (oneof > 0)
			oneofs |= 1u << (oneof - 1);
		if (r.len_rule == LEN_MESSAGE) {
			int rv = find_or_add(s, f->descriptor, cap, &r.sub);
			if (rv != TB_OK) {
				free(by_id);
				return rv;
			}
		}
		by_id[f->id] = r;
	}
	/* find_or_add may have moved the array: index again. */
	s->msgs[idx].by_id = by_id;
	s->msgs[idx].oneofs = oneofs;
	s->msgs[idx].leaf = 1;
	for (uint32_t id = 0; id <= max_id; id++)
		if (by_id[id].len_rule == LEN_MESSAGE)
			s->msgs[idx].leaf = 0;
	s->msgs[idx].n_ids = max_id + 1;
	return TB_OK;
}

/* build_keys derives a message's one-byte key actions from its field rules. */
static void build_keys(msg_rules *m)
{
	for (unsigned key = 0x08; key < 0x80; key++) {
		uint32_t field = key >> 3;
		unsigned wt = key & 7;
		const field_rule *r = field < m->n_ids ? &m->by_id[field] : &unknown_field;
		key_rule *k = &m->by_key[key];
		if (!(WT_BIT(wt) & r->wt_mask))
			k->action = K_REJECT;
		else if (r->mark != 0)
			k->action = K_MARKED;
		else if (wt == SAT_WT_LEN && r->watch)
			*k = (key_rule){K_WATCHED, 0, r->sub};
		else if (wt == SAT_WT_VARINT)
			k->action = K_VARINT;
		else if (wt == SAT_WT_FIXED64)
			k->action = K_FIXED64;
		else if (wt == SAT_WT_FIXED32)
			k->action = K_FIXED32;
		else if (r->len_rule == LEN_MESSAGE)
			*k = (key_rule){K_MESSAGE, 0, r->sub};
		else if (r->len_rule == LEN_ANY)
			k->action = K_BYTES;
		else
			*k = (key_rule){K_PACKED, r->len_rule, 0};
	}
}

/* watch_merges finds the fields whose second value protobuf-c may fail to merge: merged
 * fields (singular sub-messages outside oneofs) of a type whose merge can fail. A merge
 * fails on a oneof that neither value sets, and, through merged fields of the type, on
 * the same one level down; the walk models the first only, so a schema that needs the
 * second, or two watched fields in one message, is refused. */
static int watch_merges(sat_pbschema *s)
{
	bool *can_fail = calloc(s->n, sizeof(*can_fail));
	bool changed = true;
	int rv = TB_OK;

	if (can_fail == NULL)
		return TB_ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		can_fail[i] = s->msgs[i].oneofs != 0;
	while (changed) {	/* through merged fields, to a fixed point */
		changed = false;
		for (size_t i = 0; i < s->n; i++)
			for (uint32_t id = 0; id < s->msgs[i].n_ids && !can_fail[i]; id++)
				if (s->msgs[i].by_id[id].merged && can_fail[s->msgs[i].by_id[id].sub])
					can_fail[i] = changed = true;
	}
	for (size_t i = 0; i < s->n && rv == TB_OK; i++) {
		msg_rules *m = &s->msgs[i];
		unsigned watched = 0;
		for (uint32_t id = 0; id < m->n_ids; id++) {
			field_rule *r = &m->by_id[id];
			if (!r->merged || !can_fail[r->sub])
				continue;
			const msg_rules *t = &s->msgs[r->sub];
			for (uint32_t g = 0; g < t->n_ids; g++)
				if (t->by_id[g].merged && can_fail[t->by_id[g].sub])
					rv = TB_EINVAL;
			r->watch = 1;
			if (++watched > 1)
				rv = TB_EINVAL;
		}
	}
	free(can_fail);
	return rv;
}

/* mark_fields flags each marked field in its message's table, before the one-byte key
 * tables are derived from them. */
static int mark_fields(sat_pbschema *s, const sat_pbmark *marks, size_t n_marks)
{
	if (n_marks > UINT8_MAX)
		return TB_EINVAL;
	for (size_t i = 0; i < n_marks; i++) {
		msg_rules *m = NULL;
		for (size_t j = 0; j < s->n && m == NULL; j++)
			if (s->msgs[j].desc == marks[i].type)
				m = &s->msgs[j];
		if (m == NULL || marks[i].field >= m->n_ids ||
		    m->by_id[marks[i].field].wt_mask != WT_BIT(SAT_WT_LEN))
			return TB_EINVAL;
		m->by_id[marks[i].field].mark = (uint8_t)(i + 1);
	}
	return TB_OK;
}

int sat_pbschema_alloc(sat_pbschema **sp, const ProtobufCMessageDescriptor *root,
		       const sat_pbmark *marks, size_t n_marks)
{
	sat_pbschema *s = calloc(1, sizeof(*s));
	size_t cap = 0;
	uint16_t first;
	int rv;

	*sp = NULL;
	if (s == NULL)
		return TB_ENOMEM;
	if ((rv = find_or_add(s, root, &cap, &first)) != TB_OK)
		goto fail;
	/* Messages are appended as they are discovered; build each in turn. */
	for (size_t i = 0; i < s->n; i++)
		if ((rv = build_fields(s, i, &cap)) != TB_OK)
			goto fail;
	if ((rv = mark_fields(s, marks, n_marks)) != TB_OK ||
	    (rv = watch_merges(s)) != TB_OK)
		goto fail;
	for (size_t i = 0; i < s->n; i++)
		build_keys(&s->msgs[i]);
	*sp = s;
	return TB_OK;
fail:
	sat_pbschema_free(s);
	return rv;
}

void sat_pbschema_free(sat_pbschema *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->msgs[i].by_id);
	free(s->msgs);
	free(s);
}

static sat_pbwalk_status fail(sat_pbwalk_error *err, sat_pbwalk_status st, const uint8_t *at,
			      const uint8_t *base, const msg_rules *m, uint32_t field,
			      unsigned wt)
{
	if (err != NULL) {
		err->status = st;
		err->offset = (size_t)(at - base);
		err->message = m->desc->name;
		err->field = field;
		err->wire_type = wt;
	}
	return st;
}

static int packed_ok(unsigned rule, const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;
	uint64_t v;

	switch (rule) {
	case LEN_PACKED_VARINT:
		while (p < end)
			if (!sat_pb_varint(&p, end, &v))
				return 0;
		return 1;
	case LEN_PACKED_FIXED32:
		return n % 4 == 0;
	case LEN_PACKED_FIXED64:
		return n % 8 == 0;
	case LEN_PACKED_BOOL:
		for (size_t i = 0; i < n; i++)
			if (p[i] > 1)
				return 0;
		return 1;
	}
	return 1;
}

/* The walk keeps its own stack of enclosing messages instead of recursing: a span holds
 * dozens of small sub-messages (tags, logs, timestamps), and a function call per
 * sub-message cost more than checking its fields. */
typedef struct frame {
	const uint8_t *end;
	const msg_rules *m;
	const uint8_t *wfirst;	/* the message's watched field, see walk_merge */
	uint64_t wstate;
} frame;

/* wfirst's value once a watched field has been merged (see walk_merge). */
static const uint8_t merged_oneofs;

/* oneofs_of reads the top-level fields of the message of type m in p[0..n) with
 * protobuf-c's rules and puts in *set a bit for each oneof it sets, and in *drop a bit
 * for each whose member (the last given) a merge would drop. Returns 0 if the fields do
 * not read (the walk itself reports what is wrong). */
static int oneofs_of(const msg_rules *m, const uint8_t *p, size_t n, uint32_t *set,
		     uint32_t *drop)
{
	const uint8_t *end = p + n;
	uint32_t field;
	unsigned wt;

	*set = *drop = 0;
	while (p < end) {
		size_t len = 0;
		if (!sat_pb_tag(&p, end, &field, &wt))
			return 0;
		if (wt == SAT_WT_LEN) {
			if (!sat_pb_len(&p, end, &len))
				return 0;
			p += len;
		} else if (!sat_pb_skip(&p, end, wt)) {
			return 0;
		}
		const field_rule *r = field < m->n_ids ? &m->by_id[field] : &unknown_field;
		if (r->oneof == 0)
			continue;
		uint32_t bit = 1u << (r->oneof - 1);
		*set |= bit;
		if (r->dropped == DROP_ALWAYS || (r->dropped == DROP_IF_EMPTY && len == 0))
			*drop |= bit;
		else
			*drop &= ~bit;
	}
	return 1;
}

/* walk_merge follows a message's watched field (at most one per message type), a
 * singular sub-message of type t whose values protobuf-c merges one into the next. A
 * merge fails when a oneof of t is set by neither the value so far nor the new one; where
 * only the value so far sets it, the merge carries its member over unless merge_drop
 * names it, in which case the oneof is unset again. The state is the first value's
 * bytes (*wfirst, *wstate = its length) until a second comes; from then on *wfirst is
 * &merged_oneofs and *wstate holds the merged value's set oneofs (low 32 bits) and those
 * that would be dropped (high 32 bits). Returns 0 when the merge fails. */
static inline int walk_merge(const msg_rules *t, const uint8_t **wfirst, uint64_t *wstate,
			     const uint8_t *p, size_t n)
{
	uint32_t set, drop, was_set, was_drop;

	if (*wfirst == NULL) {
		*wfirst = p;
		*wstate = n;
		return 1;
	}
	if (*wfirst == &merged_oneofs) {
		was_set = (uint32_t)*wstate;
		was_drop = (uint32_t)(*wstate >> 32);
	} else if (!oneofs_of(t, *wfirst, (size_t)*wstate, &was_set, &was_drop)) {
		return 1;	/* not reached: the first value was walked before */
	}
	if (!oneofs_of(t, p, n, &set, &drop))
		return 1;	/* the walk finds what is wrong with this value */
	if (t->oneofs & ~was_set & ~set)
		return 0;
	set |= was_set & ~was_drop;
	*wfirst = &merged_oneofs;
	*wstate = set | (uint64_t)drop << 32;
	return 1;
}

/* varint_end returns where the varint at p ends if it ends by end, or NULL. Where the
 * buffer (up to limit, which may lie beyond end) holds 8 bytes, it finds the last byte
 * of the varint with one load instead of a loop: most varints in a span (times,
 * durations, ids) are several bytes long. */
static inline const uint8_t *varint_end(const uint8_t *p, const uint8_t *end,
					const uint8_t *limit)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (limit - p >= 8) {
		uint64_t x, stops;
		memcpy(&x, p, 8);
		stops = ~x & 0x8080808080808080u;
		if (stops != 0) {
			const uint8_t *q = p + (__builtin_ctzll(stops) >> 3) + 1;
			return q <= end ? q : NULL;
		}
	}
#endif
	return sat_pb_skip(&p, end, SAT_WT_VARINT) ? p : NULL;
}

static int list_push(sat_pbranges *out, size_t off, size_t len, unsigned mark)
{
	if (out->n == out->cap) {
		size_t ncap = out->cap ? out->cap * 2 : 256;
		sat_pbrange *v = realloc(out->v, ncap * sizeof(*v));
		if (v == NULL)
			return 0;
		out->v = v;
		out->cap = ncap;
	}
	out->v[out->n++] = (sat_pbrange){off, len, mark};
	return 1;
}

void sat_pbranges_fini(sat_pbranges *out)
{
	free(out->v);
	memset(out, 0, sizeof(*out));
}

/* len_at reads the length prefix of the field whose one-byte key is at *pp, and checks
 * that many bytes follow; it advances *pp to the data. The common case, a length under
 * 128, takes two compares. Returns 1, or 0 if the length is bad. */
static inline int len_at(const uint8_t **pp, const uint8_t *end, size_t *n)
{
	const uint8_t *p = *pp;

	if (end - p >= 2 && p[1] < 0x80 && p[1] <= end - p - 2) {
		*n = p[1];
		*pp = p + 2;
		return 1;
	}
	*pp = p + 1;
	return sat_pb_len(pp, end, n);
}

/* leaf_ok checks a sub-message without sub-messages (a key-value, a timestamp, an id pair:
 * most of a span's) in a plain loop, without entering it on the stack. It knows only
 * the common fields; on anything else it returns 0 and the walk enters the message and
 * checks it field by field, which also finds and reports any error. */
static inline int leaf_ok(const msg_rules *m, const uint8_t *p, const uint8_t *end,
			  const uint8_t *limit)
{
	size_t n;

	while (p < end) {
		switch (m->by_key[*p].action) {
		case K_BYTES:
			if (!len_at(&p, end, &n))
				return 0;
			p += n;
			break;
		case K_VARINT:
			if ((p = varint_end(p + 1, end, limit)) == NULL)
				return 0;
			break;
		default:
			return 0;
		}
	}
	return 1;
}

/* The walk is one loop whose state lives in local variables, and its dispatch is
 * threaded: each kind of field ends by looking up the next key and jumping straight to
 * its handler. A 930-byte span has about 170 fields and sub-message ends, and with one
 * shared switch the jump that picks the handler was the costliest instruction of the
 * walk; a jump per handler is predicted from what came before it. Fields with a one-byte
 * key, a short length or a short varint take the fast handlers; everything else takes
 * the general path. The walk goes in order, so its first error is the one reported. */
static sat_pbwalk_status
walk(const sat_pbschema *s, const uint8_t *buf, size_t len, sat_pbranges *out,
     sat_pbwalk_error *err)
{
	static const void *const handler[K_COUNT] = {
		[K_SLOW] = &&general, [K_BYTES] = &&bytes, [K_MESSAGE] = &&message,
		[K_MARKED] = &&general, [K_WATCHED] = &&watched, [K_PACKED] = &&packed,
		[K_VARINT] = &&varint,
		[K_FIXED64] = &&fixed64, [K_FIXED32] = &&fixed32, [K_REJECT] = &&general,
	};
	static const uint8_t empty[1];
	const uint8_t *base = buf ? buf : empty;
	const uint8_t *p = base, *end = base + len, *at = base;
	const uint8_t *const limit = end;
	const msg_rules *m = &s->msgs[0];
	const msg_rules *sub;
	const field_rule *r;
	frame stack[SAT_PBWALK_MAX_DEPTH];
	const uint8_t *wfirst = NULL;	/* the current message's watched field */
	uint64_t wstate = 0;
	int depth = 0;
	uint32_t field;
	unsigned wt;
	key_rule k;
	size_t n;

#define NEXT()								\
	do {								\
		if (p >= end)						\
			goto leave;					\
		at = p;							\
		k = m->by_key[*p];					\
		goto *handler[k.action];				\
	} while (0)

	if (out != NULL)
		out->n = 0;
	NEXT();

leave:
	if (depth == 0)
		return SAT_PBWALK_OK;
	depth--;
	m = stack[depth].m;
	end = stack[depth].end;
	wfirst = stack[depth].wfirst;
	wstate = stack[depth].wstate;
	NEXT();

bytes:
	if (!len_at(&p, end, &n))
		return fail(err, SAT_PBWALK_ETRUNCATED, at, base, m, *at >> 3, SAT_WT_LEN);
	p += n;
	NEXT();

message:
	if (!len_at(&p, end, &n))
		return fail(err, SAT_PBWALK_ETRUNCATED, at, base, m, *at >> 3, SAT_WT_LEN);
	sub = &s->msgs[k.sub];
	field = *at >> 3;
	if (sub->leaf && depth < SAT_PBWALK_MAX_DEPTH && leaf_ok(sub, p, p + n, limit)) {
		p += n;
		NEXT();
	}
	goto enter;

watched:
	if (!len_at(&p, end, &n))
		return fail(err, SAT_PBWALK_ETRUNCATED, at, base, m, *at >> 3, SAT_WT_LEN);
	sub = &s->msgs[k.sub];
	field = *at >> 3;
	if (!walk_merge(sub, &wfirst, &wstate, p, n))
		return fail(err, SAT_PBWALK_EMERGE, at, base, m, field, SAT_WT_LEN);
	goto enter;

packed:
	if (!len_at(&p, end, &n))
		return fail(err, SAT_PBWALK_ETRUNCATED, at, base, m, *at >> 3, SAT_WT_LEN);
	if (!packed_ok(k.len_rule, p, n))
		return fail(err, SAT_PBWALK_EPACKED, at, base, m, *at >> 3, SAT_WT_LEN);
	p += n;
	NEXT();

varint:
	if ((p = varint_end(p + 1, end, limit)) == NULL)
		return fail(err, SAT_PBWALK_ETRUNCATED, at, base, m, *at >> 3, SAT_WT_VARINT);
	NEXT();

fixed64:
	if (end - p < 9)
		return fail(err, SAT_PBWALK_ETRUNCATED, at, base, m, *at >> 3, SAT_WT_FIXED64);
	p += 9;
	NEXT();

fixed32:
	if (end - p < 5)
		return fail(err, SAT_PBWALK_ETRUNCATED, at, base, m, *at >> 3, SAT_WT_FIXED32);
	p += 5;
	NEXT();

general:
	/* Longer keys, field 0, marked fields and wrong wire types: decided from the field's
	 * rule, with every check spelled out. */
	if (*p < 0x80 && *p >= 0x08) {
		field = *p >> 3;
		wt = *p & 7;
		p++;
	} else if (!sat_pb_tag(&p, end, &field, &wt)) {
		return fail(err, SAT_PBWALK_ETRUNCATED, at, base, m, 0, 0);
	}
	r = field < m->n_ids ? &m->by_id[field] : &unknown_field;
	if (!(WT_BIT(wt) & r->wt_mask))
		return fail(err, (WT_BIT(wt) & WT_ANY) ? SAT_PBWALK_EMISMATCH :
			    SAT_PBWALK_EWIRETYPE, at, base, m, field, wt);
	if (wt != SAT_WT_LEN) {
		if (!sat_pb_skip(&p, end, wt))
			return fail(err, SAT_PBWALK_ETRUNCATED, at, base, m, field, wt);
		NEXT();
	}
	if (!sat_pb_len(&p, end, &n))
		return fail(err, SAT_PBWALK_ETRUNCATED, at, base, m, field, wt);
	if (out != NULL && r->mark != 0 &&
	    !list_push(out, (size_t)(p - base), n, r->mark - 1u))
		return fail(err, SAT_PBWALK_ENOMEM, at, base, m, field, wt);
	if (r->len_rule != LEN_MESSAGE) {
		if (r->len_rule != LEN_ANY && !packed_ok(r->len_rule, p, n))
			return fail(err, SAT_PBWALK_EPACKED, at, base, m, field, wt);
		p += n;
		NEXT();
	}
	sub = &s->msgs[r->sub];
	if (r->watch && !walk_merge(sub, &wfirst, &wstate, p, n))
		return fail(err, SAT_PBWALK_EMERGE, at, base, m, field, wt);
	/* fall through */

enter:
	if (depth == SAT_PBWALK_MAX_DEPTH)
		return fail(err, SAT_PBWALK_EDEPTH, at, base, m, field, SAT_WT_LEN);
	stack[depth].m = m;
	stack[depth].end = end;
	stack[depth].wfirst = wfirst;
	stack[depth].wstate = wstate;
	depth++;
	m = sub;
	end = p + n;
	wfirst = NULL;
	NEXT();
#undef NEXT
}

sat_pbwalk_status sat_pbwalk_check(const sat_pbschema *s, const uint8_t *buf, size_t len,
				   sat_pbwalk_error *err)
{
	return walk(s, buf, len, NULL, err);
}

sat_pbwalk_status sat_pbwalk_list(const sat_pbschema *s, const uint8_t *buf, size_t len,
				  sat_pbranges *out, sat_pbwalk_error *err)
{
	return walk(s, buf, len, out, err);
}

char *sat_pbwalk_format(const sat_pbwalk_error *err, char *out, size_t outlen)
{
	static const char *what[] = {
		[SAT_PBWALK_OK] = "valid",
		[SAT_PBWALK_ETRUNCATED] = "truncated or malformed field",
		[SAT_PBWALK_EWIRETYPE] = "unsupported wire type",
		[SAT_PBWALK_EMISMATCH] = "wrong wire type for the field's type",
		[SAT_PBWALK_EPACKED] = "malformed packed repeated field",
		[SAT_PBWALK_EDEPTH] = "messages nested too deeply",
		[SAT_PBWALK_EMERGE] = "message field given again, unmergeable (oneof unset)",
		[SAT_PBWALK_ENOMEM] = "out of memory",
	};
	const char *w = (unsigned)err->status < sizeof(what) / sizeof(what[0]) ?
				what[err->status] : "invalid";

	if (err->field != 0)
		snprintf(out, outlen, "%s: field %u (wire type %u) of %s at byte %zu", w,
			 err->field, err->wire_type, err->message, err->offset);
	else
		snprintf(out, outlen, "%s: in %s at byte %zu", w, err->message, err->offset);
	return out;
}
