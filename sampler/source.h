/* SPDX-License-Identifier: MIT */
/* source.h - the orchestrator's one way to read a sampler's samples, wherever the
 * sampler runs: from its shared-memory ring on the same host, or by polling its queue
 * over nng (SmpPoll -> LZ4-compressed SampleBatch) from another host. Nothing above this
 * interface knows which. */
#ifndef SMP_SOURCE_H
#define SMP_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "common/records.h"
#include "common/rpc.h"

typedef struct smp_source smp_source;

/* smp_source_ring_alloc attaches to the sampler's ring. TB_OK, or the tb_ring_attach
 * error with err filled. */
int smp_source_ring_alloc(smp_source **sp, const char *ring_name, char *err, size_t errlen);

/* smp_source_rpc_alloc reads through SmpPoll calls on c, which stays the caller's (and
 * must not be used by another thread while a read is in progress). TB_OK or TB_ENOMEM. */
int smp_source_rpc_alloc(smp_source **sp, tb_rpc_client *c);

/* smp_source_read copies up to max new samples into out and sets *np (0 when there is
 * nothing new). The rpc source makes one round trip per call. Returns TB_OK, or an
 * error with err filled: TB_ECORRUPT (a ring record that is not a sample), or the
 * tb_rpc_call / smp_batch_decode error. */
int smp_source_read(smp_source *s, tb_rec_sample *out, size_t max, size_t *np, char *err,
		    size_t errlen);

/* smp_source_lost returns how many samples were lost so far (ring overwritten or the
 * sampler's queue overflowed) before this side read them. */
uint64_t smp_source_lost(const smp_source *s);

/* smp_source_free detaches. NULL is fine. */
void smp_source_free(smp_source *s);

#endif
