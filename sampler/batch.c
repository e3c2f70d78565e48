/* SPDX-License-Identifier: MIT */
/* batch.c - packing samples into LZ4-compressed SampleBatch messages and back. */
#include "sampler/batch.h"

#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

void smp_sample_to_proto(const tb_rec_sample *r, Tb__Sample *p)
{
	tb__sample__init(p);
	p->seq = r->seq;
	p->run_id = r->run_id;
	p->pid = r->pid;
	p->t_ns = r->t_ns;
	p->status = (Tb__SampleStatus)r->status;
	p->flags = r->flags;
#define TO_PROTO(m) p->m = r->m;
	TB_SAMPLE_COUNTERS(TO_PROTO)
#undef TO_PROTO
	p->threads = r->threads;
	p->nprocs = r->nprocs;
	p->host_cpus = r->host_cpus;
	p->exit_code = r->exit_code;
	p->signal = r->signal;
}

void smp_sample_from_proto(const Tb__Sample *p, tb_rec_sample *r)
{
	memset(r, 0, sizeof(*r));
	r->type = TB_REC_SAMPLE;
	r->size = sizeof(*r);
	r->seq = p->seq;
	r->run_id = p->run_id;
	r->pid = p->pid;
	r->t_ns = p->t_ns;
	r->status = (uint8_t)p->status;
	r->flags = (uint8_t)p->flags;
#define FROM_PROTO(m) r->m = p->m;
	TB_SAMPLE_COUNTERS(FROM_PROTO)
#undef FROM_PROTO
	r->threads = p->threads;
	r->nprocs = (uint16_t)(p->nprocs > UINT16_MAX ? UINT16_MAX : p->nprocs);
	r->host_cpus = p->host_cpus;
	r->exit_code = p->exit_code;
	r->signal = p->signal;
}

int smp_batch_encode(Tb__SampleBatch *b, const tb_rec_sample *s, size_t n, uint64_t lost,
		     uint64_t queued)
{
	b->lost = lost;
	b->queued = queued;
	b->count = (uint32_t)n;
	b->first_seq = n > 0 ? s[0].seq : 0;
	b->samples_lz4.data = NULL;
	b->samples_lz4.len = 0;
	b->raw_len = 0;
	if (n == 0)
		return TB_OK;

	Tb__Sample *ps = malloc(n * sizeof(*ps));
	Tb__Sample **pp = malloc(n * sizeof(*pp));
	if (ps == NULL || pp == NULL) {
		free(ps);
		free(pp);
		return TB_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		smp_sample_to_proto(&s[i], &ps[i]);
		pp[i] = &ps[i];
	}
	Tb__SampleList list = TB__SAMPLE_LIST__INIT;
	list.n_samples = n;
	list.samples = pp;
	size_t raw_len = tb__sample_list__get_packed_size(&list);
	int rc = TB_OK;
	uint8_t *raw = NULL, *z = NULL;
	if (raw_len > SMP_BATCH_MAX_RAW) {
		rc = TB_EMSGSIZE;
		goto out;
	}
	raw = malloc(raw_len);
	z = malloc((size_t)LZ4_compressBound((int)raw_len));
	if (raw == NULL || z == NULL) {
		rc = TB_ENOMEM;
		goto out;
	}
	tb__sample_list__pack(&list, raw);
	int zlen = LZ4_compress_default((const char *)raw, (char *)z, (int)raw_len,
					LZ4_compressBound((int)raw_len));
	if (zlen <= 0) {
		rc = TB_ENOMEM;
		goto out;
	}
	b->raw_len = (uint32_t)raw_len;
	b->samples_lz4.data = z;
	b->samples_lz4.len = (size_t)zlen;
	z = NULL;
out:
	free(z);
	free(raw);
	free(pp);
	free(ps);
	return rc;
}

void smp_batch_clear(Tb__SampleBatch *b)
{
	free(b->samples_lz4.data);
	b->samples_lz4.data = NULL;
	b->samples_lz4.len = 0;
}

int smp_batch_decode(const Tb__SampleBatch *b, tb_rec_sample **outp, size_t *np, char *err,
		     size_t errlen)
{
	*outp = NULL;
	*np = 0;
	if (b->count == 0) {
		if (b->samples_lz4.len != 0 || b->raw_len != 0) {
			snprintf(err, errlen, "sample batch: count 0 but %zu compressed bytes",
				 b->samples_lz4.len);
			return TB_EPROTO;
		}
		return TB_OK;
	}
	if (b->raw_len == 0 || b->raw_len > SMP_BATCH_MAX_RAW) {
		snprintf(err, errlen, "sample batch: raw_len %u out of range 1..%u", b->raw_len,
			 SMP_BATCH_MAX_RAW);
		return TB_EPROTO;
	}
	if (b->samples_lz4.len == 0 || b->samples_lz4.len > (size_t)LZ4_compressBound((int)b->raw_len)) {
		snprintf(err, errlen, "sample batch: %zu compressed bytes for raw_len %u",
			 b->samples_lz4.len, b->raw_len);
		return TB_EPROTO;
	}
	char *raw = malloc(b->raw_len);
	if (raw == NULL)
		return TB_ENOMEM;
	int got = LZ4_decompress_safe((const char *)b->samples_lz4.data, raw,
				      (int)b->samples_lz4.len, (int)b->raw_len);
	if (got != (int)b->raw_len) {
		free(raw);
		snprintf(err, errlen, "sample batch: LZ4 block does not decompress to raw_len %u",
			 b->raw_len);
		return TB_EPROTO;
	}
	Tb__SampleList *list = tb__sample_list__unpack(NULL, b->raw_len, (const uint8_t *)raw);
	free(raw);
	if (list == NULL) {
		snprintf(err, errlen, "sample batch: the SampleList does not decode");
		return TB_EPROTO;
	}
	int rc = TB_OK;
	tb_rec_sample *out = NULL;
	if (list->n_samples != b->count) {
		snprintf(err, errlen, "sample batch: count %u but %zu samples", b->count,
			 list->n_samples);
		rc = TB_EPROTO;
		goto out;
	}
	out = malloc(list->n_samples * sizeof(*out));
	if (out == NULL) {
		rc = TB_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < list->n_samples; i++) {
		const Tb__Sample *p = list->samples[i];
		if (p->seq != b->first_seq + i) {
			snprintf(err, errlen, "sample batch: sample %zu has seq %llu, expected %llu",
				 i, (unsigned long long)p->seq,
				 (unsigned long long)(b->first_seq + i));
			rc = TB_EPROTO;
			goto out;
		}
		if ((unsigned)p->status > TB_SAMPLE_STOPPED) {
			snprintf(err, errlen, "sample batch: sample %zu has unknown status %d", i,
				 (int)p->status);
			rc = TB_EPROTO;
			goto out;
		}
		smp_sample_from_proto(p, &out[i]);
	}
	*outp = out;
	*np = list->n_samples;
	out = NULL;
out:
	free(out);
	tb__sample_list__free_unpacked(list, NULL);
	return rc;
}
