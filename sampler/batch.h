/* SPDX-License-Identifier: MIT */
/* batch.h - samples as they cross hosts: tb_rec_sample records packed into a
 * bench.proto SampleList and compressed as one LZ4 block in a SampleBatch. Decoding
 * checks everything a peer could get wrong, since the batch comes off the network. */
#ifndef SMP_BATCH_H
#define SMP_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "common/records.h"
#include "proto/bench.pb-c.h"

/* Largest packed SampleList a batch may declare (raw_len). */
#define SMP_BATCH_MAX_RAW (64u << 20)

/* smp_batch_encode fills b (already initialised with TB__SAMPLE_BATCH__INIT) with n
 * samples; lost and queued are copied. b->samples_lz4.data is malloc'd: release it with
 * smp_batch_clear. Returns TB_OK, TB_ENOMEM or TB_EMSGSIZE. */
int smp_batch_encode(Tb__SampleBatch *b, const tb_rec_sample *s, size_t n, uint64_t lost,
		     uint64_t queued);

/* smp_batch_clear frees what smp_batch_encode allocated. */
void smp_batch_clear(Tb__SampleBatch *b);

/* smp_batch_decode unpacks b into *outp (malloc'd, n records; NULL when n is 0). It
 * checks the declared sizes, the decompressed length, the count, that seqs run
 * consecutively from first_seq, and that statuses are known. Returns TB_OK, TB_EPROTO
 * (with the reason in err) or TB_ENOMEM. */
int smp_batch_decode(const Tb__SampleBatch *b, tb_rec_sample **outp, size_t *np, char *err,
		     size_t errlen);

/* smp_sample_to_proto / smp_sample_from_proto convert one sample. */
void smp_sample_to_proto(const tb_rec_sample *r, Tb__Sample *p);
void smp_sample_from_proto(const Tb__Sample *p, tb_rec_sample *r);

#endif
