/* SPDX-License-Identifier: MIT */
/* delayq.c - a binary min-heap of (deadline, connection) under a mutex, and the thread
 * that sleeps on a condition variable until the earliest deadline and resumes it. */
#include "satellite/delayq.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "common/clock.h"
#include "common/error.h"

typedef struct entry {
	uint64_t deadline;
	struct MHD_Connection *c;
} entry;

struct sat_delayq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	entry *heap;
	unsigned n, cap;
	bool held;
	bool stop;
};

static void heap_push(sat_delayq *q, entry e)
{
	unsigned i = q->n++;

	while (i > 0 && q->heap[(i - 1) / 2].deadline > e.deadline) {
		q->heap[i] = q->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	q->heap[i] = e;
}

static entry heap_pop(sat_delayq *q)
{
	entry top = q->heap[0], last = q->heap[--q->n];
	unsigned i = 0;

	for (;;) {
		unsigned l = 2 * i + 1, m = i;
		if (l < q->n && q->heap[l].deadline < last.deadline)
			m = l;
		if (l + 1 < q->n && q->heap[l + 1].deadline <
					  (m == i ? last.deadline : q->heap[m].deadline))
			m = l + 1;
		if (m == i)
			break;
		q->heap[i] = q->heap[m];
		i = m;
	}
	if (q->n > 0)
		q->heap[i] = last;
	return top;
}

/* resume_all_locked resumes every queued connection, earliest first. */
static void resume_all_locked(sat_delayq *q)
{
	while (q->n > 0)
		MHD_resume_connection(heap_pop(q).c);
}

static void *run(void *arg)
{
	sat_delayq *q = arg;

	pthread_mutex_lock(&q->mu);
	while (!q->stop) {
		uint64_t now = tb_now_ns();
		if (q->n == 0) {
			pthread_cond_wait(&q->cv, &q->mu);
			continue;
		}
		if (q->heap[0].deadline <= now) {
			MHD_resume_connection(heap_pop(q).c);
			continue;
		}
		/* The condition variable runs on CLOCK_MONOTONIC, like the deadlines. */
		struct timespec ts = {
			.tv_sec = (time_t)(q->heap[0].deadline / TB_NS_PER_S),
			.tv_nsec = (long)(q->heap[0].deadline % TB_NS_PER_S),
		};
		pthread_cond_timedwait(&q->cv, &q->mu, &ts);
	}
	resume_all_locked(q);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int sat_delayq_alloc(sat_delayq **qp)
{
	sat_delayq *q = calloc(1, sizeof(*q));
	pthread_condattr_t ca;

	*qp = NULL;
	if (q == NULL)
		return TB_ENOMEM;
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&q->thread, NULL, run, q) != 0) {
		pthread_cond_destroy(&q->cv);
		pthread_mutex_destroy(&q->mu);
		free(q);
		return TB_ESYS;
	}
	*qp = q;
	return TB_OK;
}

void sat_delayq_free(sat_delayq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q->heap);
	free(q);
}

int sat_delayq_add(sat_delayq *q, struct MHD_Connection *c, uint64_t deadline_ns)
{
	int rv = TB_OK;

	pthread_mutex_lock(&q->mu);
	if (q->held || q->stop) {
		rv = TB_ECLOSED;
	} else if (q->n == q->cap) {
		unsigned ncap = q->cap ? q->cap * 2 : 64;
		entry *h = realloc(q->heap, ncap * sizeof(*h));
		if (h == NULL)
			rv = TB_ENOMEM;
		else {
			q->heap = h;
			q->cap = ncap;
		}
	}
	if (rv == TB_OK) {
		heap_push(q, (entry){deadline_ns, c});
		if (q->heap[0].c == c)
			pthread_cond_signal(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	return rv;
}

void sat_delayq_hold(sat_delayq *q, bool hold)
{
	pthread_mutex_lock(&q->mu);
	q->held = hold;
	if (hold)
		resume_all_locked(q);
	pthread_mutex_unlock(&q->mu);
}
