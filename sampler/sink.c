/* SPDX-License-Identifier: MIT */
/* sink.c - the sampler's ring writer and bounded poll queue, behind one mutex. */
#include "sampler/sink.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

struct smp_sink {
	pthread_mutex_t mu;
	tb_ring *ring;
	uint64_t next_seq;	/* next sample's seq; the first is 1, so ack 0 means none */
	/* The queue: a circular array that grows by doubling up to cap. */
	tb_rec_sample *q;
	size_t qcap;		/* allocated slots (a power of two) */
	size_t cap;		/* bound */
	size_t head;		/* index of the oldest */
	size_t len;
	uint64_t lost;
};

int smp_sink_alloc(smp_sink **sp, tb_ring *ring, size_t queue_cap)
{
	smp_sink *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return TB_ENOMEM;
	pthread_mutex_init(&s->mu, NULL);
	s->ring = ring;
	s->next_seq = 1;
	s->cap = queue_cap > 0 ? queue_cap : SMP_SINK_DEFAULT_CAP;
	*sp = s;
	return TB_OK;
}

void smp_sink_free(smp_sink *s)
{
	if (s == NULL)
		return;
	pthread_mutex_destroy(&s->mu);
	free(s->q);
	free(s);
}

bool smp_sink_has_ring(const smp_sink *s)
{
	return s->ring != NULL;
}

/* grow doubles the queue's slots, unwrapping it. False if at the bound or no memory. */
static bool grow(smp_sink *k)
{
	size_t ncap = k->qcap == 0 ? 1024 : k->qcap * 2;
	if (k->qcap >= k->cap)
		return false;
	tb_rec_sample *nq = malloc(ncap * sizeof(*nq));
	if (nq == NULL)
		return false;
	for (size_t i = 0; i < k->len; i++)
		nq[i] = k->q[(k->head + i) & (k->qcap - 1)];
	free(k->q);
	k->q = nq;
	k->qcap = ncap;
	k->head = 0;
	return true;
}

void smp_sink_put(smp_sink *k, tb_rec_sample *s, bool to_ring)
{
	pthread_mutex_lock(&k->mu);
	s->seq = k->next_seq++;
	if (to_ring && k->ring != NULL) {
		tb_ring_write(k->ring, s, sizeof(*s));
	} else {
		if (k->len == k->qcap && !grow(k)) {
			k->head = (k->head + 1) & (k->qcap - 1);
			k->len--;
			k->lost++;
		}
		k->q[(k->head + k->len) & (k->qcap - 1)] = *s;
		k->len++;
	}
	pthread_mutex_unlock(&k->mu);
}

size_t smp_sink_take(smp_sink *k, uint64_t ack_seq, tb_rec_sample *out, size_t max,
		     uint64_t *lost, uint64_t *left)
{
	pthread_mutex_lock(&k->mu);
	while (k->len > 0 && k->q[k->head].seq <= ack_seq) {
		k->head = (k->head + 1) & (k->qcap - 1);
		k->len--;
	}
	size_t n = k->len < max ? k->len : max;
	for (size_t i = 0; i < n; i++)
		out[i] = k->q[(k->head + i) & (k->qcap - 1)];
	*lost = k->lost;
	*left = k->len - n;
	pthread_mutex_unlock(&k->mu);
	return n;
}
