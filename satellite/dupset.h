/* SPDX-License-Identifier: MIT */
/* dupset.h - the satellite's per-run set of span identities, to count each span once
 * and to tell why a copy came again (the same trace id + span id twice in one run).
 *
 * Each identity is in one of two states: seen (a copy arrived, no answer to it has been
 * delivered yet) or acknowledged (a copy's 2xx answer was fully sent). A copy offered
 * while its span is seen is a resend (the tracer retried after an error, a cut
 * connection, or its own timeout); offered while acknowledged, it is a duplicate after
 * acknowledgment, which a correct tracer never sends.
 *
 * Memory is bounded and fixed at allocation: `slots` 8-byte entries (default 16 Mi slots =
 * 128 MiB of address space, touched only as it fills, in transparent huge pages where the
 * kernel allows them, and handed back at each reset). A span is stored as a 63-bit
 * fingerprint of its ids beside its acknowledged bit; two different spans share a
 * fingerprint with probability about n^2 / 2^64 per run (under 1e-5 at 10 million spans), which is the price of fitting 10
 * million spans in 128 MiB. The set accepts up to 3/4 of its slots; spans beyond that are
 * counted as unchecked, never silently treated as new.
 *
 * Thread-safe without locks: inserts and acknowledgments race through compare-and-swap
 * on the slots, so the HTTP server's threads can all record spans at once. Reset is not concurrent with inserts. */
#ifndef SAT_DUPSET_H
#define SAT_DUPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SAT_DUPSET_DEFAULT_SLOTS (16u << 20)

typedef struct sat_dupset sat_dupset;

typedef enum sat_dup_result {
	SAT_DUP_NEW = 0,	/* first time this run */
	SAT_DUP_RESENT,		/* seen before, never acknowledged */
	SAT_DUP_AFTER_ACK,	/* seen before and acknowledged */
	SAT_DUP_UNCHECKED,	/* the set is full: not checked */
} sat_dup_result;

/* Where an offered span's identity sits in the set, so that acknowledging it later
 * needs no hashing or probing. slot is SIZE_MAX for a span the full set could not hold. */
typedef struct sat_dup_ref {
	uint64_t fp;
	size_t slot;
} sat_dup_ref;

/* What offering a report's spans found. */
typedef struct sat_dup_counts {
	uint64_t fresh, resent, after_ack, unchecked;
} sat_dup_counts;

/* sat_dupset_alloc reserves a set of `slots` entries (a power of two, at least 1024).
 * Returns TB_OK, TB_EINVAL (slots not a power of two) or TB_ENOMEM. */
int sat_dupset_alloc(sat_dupset **dp, size_t slots);

/* sat_dupset_free releases the set. NULL is fine. */
void sat_dupset_free(sat_dupset *d);

/* sat_dupset_insert offers one copy of a span: a new identity is stored as seen.
 * trace_id is 16 bytes (LightStep's 64-bit ids go in the low 8 with the high 8 zero),
 * span_id 8 bytes. */
sat_dup_result sat_dupset_insert(sat_dupset *d, const uint8_t trace_id[16],
				 const uint8_t span_id[8]);

/* sat_dupset_insert_u64 is sat_dupset_insert for LightStep's 64-bit ids. */
sat_dup_result sat_dupset_insert_u64(sat_dupset *d, uint64_t trace_id, uint64_t span_id);

/* sat_dupset_ack_u64 marks a span acknowledged; true when it was not yet (the first
 * acknowledged copy: the span is received now). An identity the set could not hold
 * counts as received each time. */
bool sat_dupset_ack_u64(sat_dupset *d, uint64_t trace_id, uint64_t span_id);

/* sat_dupset_insert_many offers n identities, each a 16-byte trace id followed by an
 * 8-byte span id, `stride` bytes apart (an array of sat_span_id), prefetching ahead so
 * the cache misses of a large report overlap. Adds what it found to *c, and where each
 * one is to refs[0..n) unless refs is NULL. */
void sat_dupset_insert_many(sat_dupset *d, const void *ids, size_t n, size_t stride,
			    sat_dup_counts *c, sat_dup_ref *refs);

/* sat_dupset_ack_refs acknowledges the n spans insert_many gave refs for and returns how
 * many were acknowledged for the first time; *absent gets those the set does not hold
 * (offered while it was full). A set reset since is looked up again. */
uint64_t sat_dupset_ack_refs(sat_dupset *d, const sat_dup_ref *refs, size_t n,
			     uint64_t *absent);

/* sat_dupset_reset empties the set for a new run and gives its memory back to the system
 * (pages are touched again only as the next run fills them). */
void sat_dupset_reset(sat_dupset *d);

/* sat_dupset_capacity returns how many spans the set checks per run (3/4 of its slots). */
size_t sat_dupset_capacity(const sat_dupset *d);

/* sat_dupset_count returns how many distinct identities the set holds, acknowledged or
 * not. */
size_t sat_dupset_count(const sat_dupset *d);

#endif
