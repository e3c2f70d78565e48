/* SPDX-License-Identifier: MIT */
/* resend.c - refused reports remembered by their first span, to time their resends
 * (resend.h). Refusals are rare next to reports, so one mutex serves. */
#include "satellite/resend.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

typedef struct slot {
	sat_span_id id;
	uint64_t t_ns;		/* 0: empty */
} slot;

struct sat_resend {
	pthread_mutex_t mu;
	slot slots[SAT_RESEND_SLOTS];
};

int sat_resend_alloc(sat_resend **rp)
{
	sat_resend *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return TB_ENOMEM;
	pthread_mutex_init(&r->mu, NULL);
	*rp = r;
	return TB_OK;
}

void sat_resend_free(sat_resend *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static size_t slot_of(const sat_span_id *id)
{
	uint64_t a, b;
	memcpy(&a, id->span, 8);
	memcpy(&b, id->trace + 8, 8);
	uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull)) * 0xbf58476d1ce4e5b9ull;
	return (size_t)(h >> 32) % SAT_RESEND_SLOTS;
}

void sat_resend_refused(sat_resend *r, const sat_span_id *first, uint64_t now_ns)
{
	pthread_mutex_lock(&r->mu);
	slot *s = &r->slots[slot_of(first)];
	s->id = *first;
	s->t_ns = now_ns ? now_ns : 1;
	pthread_mutex_unlock(&r->mu);
}

bool sat_resend_arrived(sat_resend *r, const sat_span_id *first, uint64_t now_ns,
			uint64_t *delay_ns)
{
	bool found = false;
	pthread_mutex_lock(&r->mu);
	slot *s = &r->slots[slot_of(first)];
	if (s->t_ns != 0 && memcmp(&s->id, first, sizeof(*first)) == 0) {
		*delay_ns = now_ns > s->t_ns ? now_ns - s->t_ns : 0;
		s->t_ns = 0;
		found = true;
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

void sat_resend_reset(sat_resend *r)
{
	pthread_mutex_lock(&r->mu);
	memset(r->slots, 0, sizeof(r->slots));
	pthread_mutex_unlock(&r->mu);
}
