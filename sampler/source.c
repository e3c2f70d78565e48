/* SPDX-License-Identifier: MIT */
/* source.c - reading samples from a ring or by SmpPoll, behind one interface. */
#include "sampler/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/ring.h"
#include "sampler/batch.h"

struct smp_source {
	tb_ring *ring;		/* ring source, or NULL */
	tb_rpc_client *rpc;	/* rpc source, or NULL */
	uint64_t ack_seq;	/* rpc: the last seq received */
	uint64_t lost;
};

int smp_source_ring_alloc(smp_source **sp, const char *ring_name, char *err, size_t errlen)
{
	smp_source *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return TB_ENOMEM;
	int rc = tb_ring_attach(&s->ring, ring_name, err, errlen);
	if (rc != TB_OK) {
		free(s);
		return rc;
	}
	*sp = s;
	return TB_OK;
}

int smp_source_rpc_alloc(smp_source **sp, tb_rpc_client *c)
{
	smp_source *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return TB_ENOMEM;
	s->rpc = c;
	*sp = s;
	return TB_OK;
}

static int read_ring(smp_source *s, tb_rec_sample *out, size_t max, size_t *np, char *err,
		     size_t errlen)
{
	size_t n = 0;
	while (n < max) {
		size_t len;
		uint64_t lost = 0;
		int rc = tb_ring_read(s->ring, &out[n], sizeof(out[n]), &len, &lost);
		s->lost += lost;
		if (rc == TB_EAGAIN)
			break;
		if (rc != TB_OK || len != sizeof(out[n]) || out[n].type != TB_REC_SAMPLE ||
		    out[n].size != sizeof(out[n])) {
			snprintf(err, errlen, "ring %s: record %zu is not a sample (%s)",
				 tb_ring_name(s->ring), n,
				 rc != TB_OK ? tb_strerror(rc) : "wrong type or size");
			*np = n;
			return rc != TB_OK ? rc : TB_ECORRUPT;
		}
		n++;
	}
	*np = n;
	return TB_OK;
}

static int read_rpc(smp_source *s, tb_rec_sample *out, size_t max, size_t *np, char *err,
		    size_t errlen)
{
	*np = 0;
	Tb__SmpPoll poll = TB__SMP_POLL__INIT;
	poll.ack_seq = s->ack_seq;
	poll.max_samples = (uint32_t)(max > 65536 ? 65536 : max);
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep;
	req.body_case = TB__ENVELOPE__BODY_SMP_POLL;
	req.smp_poll = &poll;
	int rc = tb_rpc_call(s->rpc, &req, &rep, err, errlen);
	if (rc != TB_OK)
		return rc;
	if (rep->body_case != TB__ENVELOPE__BODY_SAMPLE_BATCH) {
		snprintf(err, errlen, "sampler answered SmpPoll with %s",
			 tb_rpc_body_name(rep->body_case));
		tb_rpc_free(rep);
		return TB_EPROTO;
	}
	tb_rec_sample *got;
	size_t n;
	rc = smp_batch_decode(rep->sample_batch, &got, &n, err, errlen);
	uint64_t first = rep->sample_batch->first_seq, lost = rep->sample_batch->lost;
	tb_rpc_free(rep);
	if (rc != TB_OK)
		return rc;
	if (n > max || (n > 0 && first <= s->ack_seq)) {
		snprintf(err, errlen, "sampler sent %zu samples from seq %llu after ack %llu",
			 n, (unsigned long long)first, (unsigned long long)s->ack_seq);
		free(got);
		return TB_EPROTO;
	}
	if (n > 0) {
		memcpy(out, got, n * sizeof(*got));
		s->ack_seq = got[n - 1].seq;
	}
	free(got);
	s->lost = lost;
	*np = n;
	return TB_OK;
}

int smp_source_read(smp_source *s, tb_rec_sample *out, size_t max, size_t *np, char *err,
		    size_t errlen)
{
	return s->ring != NULL ? read_ring(s, out, max, np, err, errlen)
			       : read_rpc(s, out, max, np, err, errlen);
}

uint64_t smp_source_lost(const smp_source *s)
{
	return s->lost;
}

void smp_source_free(smp_source *s)
{
	if (s == NULL)
		return;
	tb_ring_free(s->ring);
	free(s);
}
