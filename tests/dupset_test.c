/* SPDX-License-Identifier: MIT */
/* dupset_test.c - the satellite's duplicate-span set: exact answers, a fixed bound, reset,
 * and concurrent inserts from several threads. */
#include "common/error.h"
#include "satellite/dupset.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

Test(dupset, a_span_is_new_once_then_seen)
{
	sat_dupset *d;
	cr_assert_eq(sat_dupset_alloc(&d, 1024), TB_OK);
	uint8_t trace[16], span[8];
	memset(trace, 7, sizeof(trace));
	memset(span, 9, sizeof(span));
	cr_assert_eq(sat_dupset_insert(d, trace, span), SAT_DUP_NEW);
	cr_assert_eq(sat_dupset_insert(d, trace, span), SAT_DUP_RESENT);
	span[7] ^= 1; /* same trace, other span */
	cr_assert_eq(sat_dupset_insert(d, trace, span), SAT_DUP_NEW);
	trace[0] ^= 1; /* same span id in another trace */
	cr_assert_eq(sat_dupset_insert(d, trace, span), SAT_DUP_NEW);
	cr_assert_eq(sat_dupset_count(d), 3);
	sat_dupset_free(d);
}

/* A copy offered before any was acknowledged is a resend; after, a duplicate after
 * acknowledgment. Only the first acknowledgment receives the span. */
Test(dupset, acknowledgment_tells_resends_from_duplicates_after_ack)
{
	sat_dupset *d;
	cr_assert_eq(sat_dupset_alloc(&d, 1024), TB_OK);
	cr_assert_eq(sat_dupset_insert_u64(d, 7, 1), SAT_DUP_NEW);
	cr_assert_eq(sat_dupset_insert_u64(d, 7, 1), SAT_DUP_RESENT);
	cr_assert(sat_dupset_ack_u64(d, 7, 1));
	cr_assert(!sat_dupset_ack_u64(d, 7, 1), "a second acknowledgment receives nothing");
	cr_assert_eq(sat_dupset_insert_u64(d, 7, 1), SAT_DUP_AFTER_ACK);
	cr_assert_eq(sat_dupset_count(d), 1);
	/* In bulk, as the HTTP server does it: ids of 16 + 8 bytes. */
	uint8_t ids[3][24] = {{0}};
	for (int i = 0; i < 3; i++)
		ids[i][16] = (uint8_t)(i + 1);
	sat_dup_counts c = {0};
	sat_dup_ref refs[3];
	sat_dupset_insert_many(d, ids, 3, 24, &c, refs);
	cr_assert_eq(c.fresh, 3);
	uint64_t absent = 0;
	cr_assert_eq(sat_dupset_ack_refs(d, refs, 2, &absent), 2);
	cr_assert_eq(absent, 0);
	memset(&c, 0, sizeof(c));
	sat_dupset_insert_many(d, ids, 3, 24, &c, refs);
	cr_assert_eq(c.after_ack, 2);
	cr_assert_eq(c.resent, 1);
	cr_assert_eq(sat_dupset_ack_refs(d, refs, 3, &absent), 1);
	/* Reset between the offer and the acknowledgment: the refs find the spans again. */
	memset(&c, 0, sizeof(c));
	sat_dupset_insert_many(d, ids, 3, 24, &c, refs);
	sat_dupset_reset(d);
	sat_dupset_insert_u64(d, 99, 99);
	cr_assert_eq(sat_dupset_ack_refs(d, refs, 3, &absent), 0);
	cr_assert_eq(absent, 3, "spans the reset set does not hold are absent");
	sat_dupset_free(d);
}

/* A full set cannot hold more spans: they are acknowledged as absent, never as new. */
Test(dupset, spans_a_full_set_could_not_hold_are_acknowledged_as_absent)
{
	sat_dupset *d;
	cr_assert_eq(sat_dupset_alloc(&d, 1024), TB_OK);
	size_t cap = sat_dupset_capacity(d);
	for (uint64_t i = 0; i < cap; i++)
		sat_dupset_insert_u64(d, 1, i);
	uint8_t ids[1][24] = {{0}};
	ids[0][16] = 0xee;
	ids[0][20] = 0x5a;
	sat_dup_counts c = {0};
	sat_dup_ref ref;
	sat_dupset_insert_many(d, ids, 1, 24, &c, &ref);
	cr_assert_eq(c.unchecked, 1);
	uint64_t absent = 0;
	cr_assert_eq(sat_dupset_ack_refs(d, &ref, 1, &absent), 0);
	cr_assert_eq(absent, 1);
	sat_dupset_free(d);
}

Test(dupset, sizes_must_be_powers_of_two)
{
	sat_dupset *d;
	cr_assert_eq(sat_dupset_alloc(&d, 1000), TB_EINVAL);
	cr_assert_eq(sat_dupset_alloc(&d, 512), TB_EINVAL);
}

Test(dupset, a_full_set_says_unchecked_never_new)
{
	sat_dupset *d;
	cr_assert_eq(sat_dupset_alloc(&d, 1024), TB_OK);
	size_t cap = sat_dupset_capacity(d);
	cr_assert_eq(cap, 768);
	for (uint64_t i = 0; i < cap; i++)
		cr_assert_eq(sat_dupset_insert_u64(d, 1, i), SAT_DUP_NEW);
	cr_assert_eq(sat_dupset_insert_u64(d, 1, cap), SAT_DUP_UNCHECKED);
	/* Spans already held are still recognised. */
	cr_assert_eq(sat_dupset_insert_u64(d, 1, 5), SAT_DUP_RESENT);
	cr_assert_eq(sat_dupset_count(d), cap);
	sat_dupset_free(d);
}

Test(dupset, reset_starts_a_new_run)
{
	sat_dupset *d;
	cr_assert_eq(sat_dupset_alloc(&d, 4096), TB_OK);
	for (uint64_t i = 0; i < 1000; i++)
		sat_dupset_insert_u64(d, i, i);
	sat_dupset_reset(d);
	cr_assert_eq(sat_dupset_count(d), 0);
	for (uint64_t i = 0; i < 1000; i++)
		cr_assert_eq(sat_dupset_insert_u64(d, i, i), SAT_DUP_NEW);
	sat_dupset_free(d);
}

Test(dupset, ten_million_distinct_spans_fit_in_the_default_set, .timeout = 120)
{
	sat_dupset *d;
	cr_assert_eq(sat_dupset_alloc(&d, SAT_DUPSET_DEFAULT_SLOTS), TB_OK);
	cr_assert_geq(sat_dupset_capacity(d), 10000000);
	size_t seen = 0, unchecked = 0;
	for (uint64_t i = 0; i < 10000000; i++) {
		sat_dup_result r = sat_dupset_insert_u64(d, i / 6, i); /* 6 spans per trace */
		seen += r == SAT_DUP_RESENT;
		unchecked += r == SAT_DUP_UNCHECKED;
	}
	cr_assert_eq(unchecked, 0);
	/* Fingerprints may collide with probability ~n^2/2^65: allow none here. */
	cr_assert_eq(seen, 0);
	cr_assert_eq(sat_dupset_insert_u64(d, 0, 0), SAT_DUP_RESENT);
	cr_assert_eq(sat_dupset_insert_u64(d, 9999999 / 6, 9999999), SAT_DUP_RESENT);
	sat_dupset_free(d);
}

struct racer {
	sat_dupset *d;
	uint64_t n;
	uint64_t news, seens;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	for (uint64_t i = 0; i < r->n; i++) {
		sat_dup_result x = sat_dupset_insert_u64(r->d, i % 1000, i);
		r->news += x == SAT_DUP_NEW;
		r->seens += x == SAT_DUP_RESENT;
	}
	return NULL;
}

Test(dupset, concurrent_inserts_of_the_same_spans_count_each_once)
{
	sat_dupset *d;
	cr_assert_eq(sat_dupset_alloc(&d, 1 << 20), TB_OK);
	enum { THREADS = 4, N = 200000 };
	struct racer r[THREADS];
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++) {
		r[i] = (struct racer){.d = d, .n = N};
		pthread_create(&t[i], NULL, race, &r[i]);
	}
	uint64_t news = 0, seens = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		news += r[i].news;
		seens += r[i].seens;
	}
	cr_assert_eq(news, N, "%llu spans counted new, want %d", (unsigned long long)news, N);
	cr_assert_eq(seens, (uint64_t)N * (THREADS - 1));
	cr_assert_eq(sat_dupset_count(d), N);
	sat_dupset_free(d);
}
