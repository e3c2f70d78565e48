/* SPDX-License-Identifier: MIT */
/* dupset.c - a lock-free, insert-only open-addressing set of 63-bit span fingerprints,
 * each with an acknowledged bit.
 *
 * Linear probing over a power-of-two table of _Atomic uint64_t, 0 meaning empty. An insert
 * walks from the fingerprint's home slot: an equal value means seen; an empty slot is
 * claimed by CAS, and a lost CAS re-reads the slot (another thread may just have stored
 * the same fingerprint). Entries are never removed within a run, so probing stays correct
 * without tombstones. The table lives in an anonymous mapping so that reset can hand pages
 * back with MADV_DONTNEED instead of writing 128 MiB of zeros. */
#include "satellite/dupset.h"
#include "common/error.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct sat_dupset {
	_Atomic uint64_t *slots;
	size_t nslots;
	size_t limit; /* most entries accepted: 3/4 of nslots keeps probes short */
	_Atomic size_t count;
};

int sat_dupset_alloc(sat_dupset **dp, size_t slots)
{
	if (slots < 1024 || (slots & (slots - 1)))
		return TB_EINVAL;
	sat_dupset *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return TB_ENOMEM;
	void *p = mmap(NULL, slots * sizeof(uint64_t), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		free(d);
		return TB_ENOMEM;
	}
	/* Slots are probed at random, and a 4 KiB page is first read (mapping the zero
	 * page) and then written, which costs a second fault and a TLB-flush IPI to the
	 * other cores: 17% of the satellite's time with 1000-span reports. In 2 MiB pages
	 * that happens 512 times less often. Advice only: without THP it is a no-op. */
	madvise(p, slots * sizeof(uint64_t), MADV_HUGEPAGE);
	d->slots = p;
	d->nslots = slots;
	d->limit = slots / 4 * 3;
	atomic_init(&d->count, 0);
	*dp = d;
	return TB_OK;
}

void sat_dupset_free(sat_dupset *d)
{
	if (d == NULL)
		return;
	munmap((void *)d->slots, d->nslots * sizeof(uint64_t));
	free(d);
}

/* A 64-bit mix (the finalizer of SplitMix64): spreads ids that differ in few bits. */
static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* A slot holds a 63-bit fingerprint; the top bit says whether the span was acknowledged. */
#define ACKED (1ull << 63)

static sat_dup_result seen_as(uint64_t slot)
{
	return slot & ACKED ? SAT_DUP_AFTER_ACK : SAT_DUP_RESENT;
}

static sat_dup_result insert_fp(sat_dupset *d, uint64_t fp, size_t *slot)
{
	size_t mask = d->nslots - 1;
	size_t i = (size_t)fp & mask;
	*slot = SIZE_MAX;
	for (size_t probes = 0; probes < d->nslots; probes++, i = (i + 1) & mask) {
		uint64_t cur = atomic_load_explicit(&d->slots[i], memory_order_relaxed);
		*slot = i;
		if ((cur & ~ACKED) == fp)
			return seen_as(cur);
		if (cur != 0)
			continue;
		/* Claim the slot only while under the limit: reserve a place in count first. */
		size_t n = atomic_fetch_add_explicit(&d->count, 1, memory_order_relaxed);
		if (n >= d->limit) {
			atomic_fetch_sub_explicit(&d->count, 1, memory_order_relaxed);
			*slot = SIZE_MAX;
			return SAT_DUP_UNCHECKED;
		}
		uint64_t expected = 0;
		if (atomic_compare_exchange_strong_explicit(&d->slots[i], &expected, fp,
							    memory_order_relaxed,
							    memory_order_relaxed))
			return SAT_DUP_NEW;
		atomic_fetch_sub_explicit(&d->count, 1, memory_order_relaxed);
		if ((expected & ~ACKED) == fp)
			return seen_as(expected);
		/* Someone else took the slot with another value: keep probing. */
	}
	*slot = SIZE_MAX;
	return SAT_DUP_UNCHECKED;
}

typedef enum ack_result { ACK_AGAIN = 0, ACK_FIRST, ACK_ABSENT } ack_result;

/* ack_fp sets fp's acknowledged bit: ACK_FIRST when this call set it, ACK_ABSENT when fp
 * is not in the set (offered while the set was full: it cannot be told apart). */
static ack_result ack_fp(sat_dupset *d, uint64_t fp)
{
	size_t mask = d->nslots - 1;
	size_t i = (size_t)fp & mask;
	for (size_t probes = 0; probes < d->nslots;) {
		uint64_t cur = atomic_load_explicit(&d->slots[i], memory_order_relaxed);
		if (cur == 0)
			return ACK_ABSENT;
		if ((cur & ~ACKED) != fp) {
			probes++;
			i = (i + 1) & mask;
			continue;
		}
		if (cur & ACKED)
			return ACK_AGAIN;
		if (atomic_compare_exchange_weak_explicit(&d->slots[i], &cur, cur | ACKED,
							  memory_order_relaxed,
							  memory_order_relaxed))
			return ACK_FIRST;
		/* Lost to another acknowledgment of the same span: read the slot again. */
	}
	return ACK_ABSENT;
}

static inline uint64_t fingerprint(const uint8_t *trace_id, const uint8_t *span_id)
{
	uint64_t hi, lo, s;

	memcpy(&hi, trace_id, 8);
	memcpy(&lo, trace_id + 8, 8);
	memcpy(&s, span_id, 8);
	uint64_t fp = mix(mix(hi ^ mix(lo)) ^ s) & ~ACKED;
	return fp ? fp : 1;	/* 0 marks an empty slot */
}

sat_dup_result sat_dupset_insert(sat_dupset *d, const uint8_t trace_id[16],
				 const uint8_t span_id[8])
{
	size_t slot;
	return insert_fp(d, fingerprint(trace_id, span_id), &slot);
}

/* How many inserts ahead to prefetch: enough to cover a DRAM miss with the work of the
 * inserts in between. */
#define PREFETCH_AHEAD 8

void sat_dupset_insert_many(sat_dupset *d, const void *ids, size_t n, size_t stride,
			    sat_dup_counts *c, sat_dup_ref *refs)
{
	const uint8_t *base = ids;
	uint64_t fps[PREFETCH_AHEAD];
	size_t mask = d->nslots - 1;

	for (size_t i = 0; i < n + PREFETCH_AHEAD; i++) {
		if (i >= PREFETCH_AHEAD) {
			uint64_t fp = fps[i % PREFETCH_AHEAD];
			size_t slot;
			sat_dup_result r = insert_fp(d, fp, &slot);
			if (refs != NULL)
				refs[i - PREFETCH_AHEAD] = (sat_dup_ref){fp, slot};
			c->fresh += r == SAT_DUP_NEW;
			c->resent += r == SAT_DUP_RESENT;
			c->after_ack += r == SAT_DUP_AFTER_ACK;
			c->unchecked += r == SAT_DUP_UNCHECKED;
		}
		if (i < n) {
			const uint8_t *id = base + i * stride;
			uint64_t fp = fingerprint(id, id + 16);
			fps[i % PREFETCH_AHEAD] = fp;
			__builtin_prefetch((const void *)&d->slots[fp & mask], 1);
		}
	}
}

/* ack_slot acknowledges ref at the slot insert found, or looks it up again when the
 * slot holds another span now (the set was reset in between). */
static ack_result ack_slot(sat_dupset *d, const sat_dup_ref *ref)
{
	if (ref->slot == SIZE_MAX)
		return ACK_ABSENT;
	_Atomic uint64_t *s = &d->slots[ref->slot];
	uint64_t cur = atomic_load_explicit(s, memory_order_relaxed);
	while ((cur & ~ACKED) == ref->fp) {
		if (cur & ACKED)
			return ACK_AGAIN;
		if (atomic_compare_exchange_weak_explicit(s, &cur, cur | ACKED, memory_order_relaxed,
							  memory_order_relaxed))
			return ACK_FIRST;
	}
	return ack_fp(d, ref->fp);
}

uint64_t sat_dupset_ack_refs(sat_dupset *d, const sat_dup_ref *refs, size_t n,
			     uint64_t *absent)
{
	uint64_t first = 0;
	for (size_t i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n && refs[i + PREFETCH_AHEAD].slot != SIZE_MAX)
			__builtin_prefetch((const void *)&d->slots[refs[i + PREFETCH_AHEAD].slot], 1);
		ack_result r = ack_slot(d, &refs[i]);
		first += r == ACK_FIRST;
		*absent += r == ACK_ABSENT;
	}
	return first;
}

bool sat_dupset_ack_u64(sat_dupset *d, uint64_t trace_id, uint64_t span_id)
{
	uint8_t t[16] = {0}, s[8];
	memcpy(t + 8, &trace_id, 8);
	memcpy(s, &span_id, 8);
	return ack_fp(d, fingerprint(t, s)) != ACK_AGAIN;
}

sat_dup_result sat_dupset_insert_u64(sat_dupset *d, uint64_t trace_id, uint64_t span_id)
{
	uint8_t t[16] = {0}, s[8];
	memcpy(t + 8, &trace_id, 8);
	memcpy(s, &span_id, 8);
	return sat_dupset_insert(d, t, s);
}

void sat_dupset_reset(sat_dupset *d)
{
	size_t bytes = d->nslots * sizeof(uint64_t);
	if (madvise((void *)d->slots, bytes, MADV_DONTNEED) != 0)
		memset((void *)d->slots, 0, bytes); /* private anonymous pages read back as zero */
	atomic_store(&d->count, 0);
}

size_t sat_dupset_capacity(const sat_dupset *d)
{
	return d->limit;
}

size_t sat_dupset_count(const sat_dupset *d)
{
	return atomic_load_explicit(&((sat_dupset *)d)->count, memory_order_relaxed);
}
