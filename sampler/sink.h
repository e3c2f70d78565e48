/* SPDX-License-Identifier: MIT */
/* sink.h - where a sampler's samples go: the shared-memory ring, for an orchestrator on
 * the same host, or a queue the orchestrator drains with SmpPoll, from any host.
 *
 * Several sampling threads write into one sink; it numbers their samples (seq) in the
 * order written and serialises them, since the ring has a single producer. The queue is
 * bounded: when it is full the oldest samples are dropped and counted as lost, so an
 * orchestrator that stops polling cannot make the sampler grow without end. */
#ifndef SMP_SINK_H
#define SMP_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/records.h"
#include "common/ring.h"

typedef struct smp_sink smp_sink;

/* Default queue bound: 256 Ki samples (~45 MiB), 4 minutes at a 1 ms period unpolled. */
#define SMP_SINK_DEFAULT_CAP (256u * 1024)

/* smp_sink_alloc makes a sink writing to ring (NULL: queue only), with a queue holding
 * at most queue_cap samples. The ring stays the caller's. TB_OK or TB_ENOMEM. */
int smp_sink_alloc(smp_sink **sp, tb_ring *ring, size_t queue_cap);

/* smp_sink_free frees the queue. NULL is fine. */
void smp_sink_free(smp_sink *s);

/* smp_sink_has_ring tells whether samples can go to a ring. */
bool smp_sink_has_ring(const smp_sink *s);

/* smp_sink_put numbers s (s->seq) and stores it: in the ring if to_ring and there is
 * one, else in the queue. */
void smp_sink_put(smp_sink *k, tb_rec_sample *s, bool to_ring);

/* smp_sink_take discards queued samples with seq <= ack_seq, then copies up to max of
 * the following ones into out (without removing them: they go when acknowledged) and
 * returns how many. *lost gets the samples dropped from a full queue so far, *left those
 * still queued after the ones returned. */
size_t smp_sink_take(smp_sink *k, uint64_t ack_seq, tb_rec_sample *out, size_t max,
		     uint64_t *lost, uint64_t *left);

#endif
