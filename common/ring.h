/* SPDX-License-Identifier: MIT */
/* ring.h - a shared-memory ring for high-rate records between two processes on one host
 * (sampler -> orchestrator, satellite -> orchestrator).
 *
 * One producer, one consumer, variable-length records, lock-free (C11 atomics), in a
 * POSIX shared-memory segment (shm_open + mmap, mode 0600) named "/tracebench-...".
 *
 * The producer never waits for the consumer: tb_ring_write overwrites the oldest records
 * when the ring is full. The consumer never returns a torn record: it copies a record out
 * and then checks that the producer did not reclaim it meanwhile (a seqlock-style check
 * on the ring's tail), retrying from the oldest intact record if it did. Every record
 * carries a 64-bit sequence number, so when the producer laps the consumer, the next read
 * reports exactly how many records were lost, and reading carries on.
 *
 * Sizing: for high record rates give the ring several times the CPU's L2 (8 MiB here).
 * In a ring that fits in L2, every line the producer reuses is still cached by the
 * consumer and must be invalidated across cores first; bench/ring_bench measured 12-45 M
 * 32-byte records/s with 1 MiB, against a steady 30-47 M/s with 8 MiB.
 *
 * tb_ring_try_write is the flow-controlled variant: it refuses (TB_EAGAIN) rather than
 * overwrite a record the consumer has not read.
 *
 * Teardown: the producer's tb_ring_free unmaps and unlinks the segment; the consumer's
 * only unmaps. tb_ring_reap_stale removes segments whose producer died without that. */
#ifndef TB_RING_H
#define TB_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Every tracebench segment name starts with this (after the leading '/'). */
#define TB_RING_PREFIX "tracebench-"

/* Bumped whenever the shared layout changes; attach refuses other versions. */
#define TB_RING_LAYOUT_VERSION 1

/* Bytes of framing per record (length, flags, sequence), before 8-byte alignment. */
#define TB_RING_RECORD_OVERHEAD 16

typedef struct tb_ring tb_ring;

typedef struct tb_ring_stats {
	size_t capacity;	/* data bytes */
	size_t max_record;	/* largest record accepted */
	pid_t producer_pid;
	uint64_t written;	/* producer: records written so far (next sequence number) */
	uint64_t read;		/* consumer: records returned */
	uint64_t lost;		/* consumer: records overwritten before it read them */
} tb_ring_stats;

/* tb_ring_name_make writes "/tracebench-<purpose>-<pid>" into buf (at least 64 bytes). */
const char *tb_ring_name_make(char *buf, size_t len, const char *purpose);

/* tb_ring_name_from_arg reads a --ring option: "auto" gives tb_ring_name_make's name,
 * anything else is taken as the segment name. */
const char *tb_ring_name_from_arg(char *buf, size_t len, const char *arg, const char *purpose);

/* tb_ring_create makes the segment `name` ("/tracebench-..."), as its producer.
 * capacity (data bytes) must be a power of two from 4 KiB to 1 GiB; max_record at most
 * capacity / 4. A leftover segment of that name whose producer is gone is replaced; one
 * whose producer lives gives TB_EEXIST ("in use by pid N"). Returns TB_OK, TB_EINVAL,
 * TB_EEXIST or TB_ESYS, with a reason in err. */
int tb_ring_create(tb_ring **rp, const char *name, size_t capacity, size_t max_record,
		   char *err, size_t errlen);

/* tb_ring_attach opens an existing segment as its consumer, validating the header: a bad
 * magic, another layout version or a size that does not match give TB_EBADHDR with the
 * reason in err; a missing segment TB_ENOENT. Reading starts at the oldest record still in
 * the ring; records overwritten before attaching count as lost. */
int tb_ring_attach(tb_ring **rp, const char *name, char *err, size_t errlen);

/* tb_ring_write appends one record of len bytes (0 allowed), overwriting the oldest
 * records if needed. Never blocks. Returns TB_OK, TB_EMSGSIZE (len > max_record) or
 * TB_ESTATE (not the producer). */
int tb_ring_write(tb_ring *r, const void *rec, size_t len);

/* tb_ring_try_write is tb_ring_write that returns TB_EAGAIN instead of overwriting a
 * record the consumer has not read yet. */
int tb_ring_try_write(tb_ring *r, const void *rec, size_t len);

/* tb_ring_read copies the next record into buf (cap bytes) and sets *lenp. *lostp (may be
 * NULL) gets the number of records lost just before this one. Returns TB_OK, TB_EAGAIN
 * when there is nothing new, TB_EMSGSIZE when the record is larger than cap (nothing is
 * consumed; a buffer of tb_ring_max_record bytes always suffices), TB_ECORRUPT if the
 * segment holds something the producer cannot have written, TB_ESTATE if not consumer. */
int tb_ring_read(tb_ring *r, void *buf, size_t cap, size_t *lenp, uint64_t *lostp);

/* tb_ring_max_record returns the largest record this ring accepts. */
size_t tb_ring_max_record(const tb_ring *r);

/* tb_ring_name returns the segment name. */
const char *tb_ring_name(const tb_ring *r);

/* tb_ring_producer_alive tells whether the process that created the segment still runs
 * (pid and start time both match, so a reused pid does not count). */
bool tb_ring_producer_alive(const tb_ring *r);

/* tb_ring_get_stats fills st (the fields that make sense for this side). */
void tb_ring_get_stats(const tb_ring *r, tb_ring_stats *st);

/* tb_ring_free unmaps; the producer also unlinks the segment. NULL is fine. */
void tb_ring_free(tb_ring *r);

/* tb_ring_reap_stale unlinks every "/tracebench-*" ring segment whose producer process is
 * gone. *removed (may be NULL) gets how many. Segments of live producers, and anything
 * that is not a ring, are left alone. Returns TB_OK or TB_ESYS. */
int tb_ring_reap_stale(int *removed);

#endif
