/* SPDX-License-Identifier: MIT */
/* recovery.c - recovery times after outages, from the received buckets (recovery.h). */
#include "libtracebench/run/recovery.h"

#include <math.h>
#include <stdlib.h>

/* sum_between adds the buckets that start within [from, to) seconds of satellite time. */
static double sum_between(const orc_list *b, double w, double from, double to)
{
	double s = 0;
	for (size_t i = 0; i < b->n; i++)
		if ((double)i * w >= from - 1e-9 && (double)i * w < to - 1e-9)
			s += b->v[i];
	return s;
}

/* first_ack: the end of the first bucket after up that holds spans, less up. */
static double first_ack(const orc_list *b, double w, double up)
{
	for (size_t i = (size_t)fmax(0, floor(up / w)); i < b->n; i++)
		if (b->v[i] > 0)
			return (double)(i + 1) * w - up;
	return -1;
}

/* drained: see recovery.h. down and up are in satellite time; rate is spans generated
 * per second. */
static double drained(const orc_list *b, double w, double down, double up, double rate)
{
	double before = down - fmax(0, down - 2);
	double pre = before > 0 ? sum_between(b, w, down - before, down) / before : 0;
	double owed = rate * down, got = 0;
	size_t per_s = (size_t)fmax(1, round(1 / w));
	for (size_t i = 0; i < b->n; i++) {
		got += b->v[i];
		double end = (double)(i + 1) * w;
		if (end <= up)
			continue;
		if (got >= owed)
			return end - up;
		if (i + 1 >= per_s && end - (double)per_s * w >= up && pre > 0) {
			double now = sum_between(b, w, end - (double)per_s * w, end) / ((double)per_s * w);
			if (fabs(now - pre) <= 0.1 * pre)
				return end - up;
		}
	}
	return -1;
}

void orc_recovery_measure(orc_result *r, const orc_event *events, size_t nevents,
			  double offset_s)
{
	const orc_list *b = &r->received_list;
	double w = r->received_bucket_s;
	double rate = r->clock_time > 0 ? (double)r->spans_sent / r->clock_time : r->sps_asked;
	double *first = calloc(nevents ? nevents : 1, sizeof(double));
	double *done = calloc(nevents ? nevents : 1, sizeof(double));
	size_t n = 0;
	double down = -1;
	for (size_t i = 0; i < nevents && first != NULL && done != NULL && w > 0; i++) {
		if (events[i].kind == ORC_EV_SATELLITES_DOWN)
			down = events[i].at_s + offset_s;
		if (events[i].kind != ORC_EV_SATELLITES_UP || down < 0)
			continue;
		double up = events[i].at_s + offset_s;
		first[n] = first_ack(b, w, up);
		done[n] = drained(b, w, down, up, rate);
		n++;
		down = -1;
	}
	free(r->recovery_first_ack.v);
	free(r->recovery_drained.v);
	r->recovery_first_ack = (orc_list){first, first != NULL && done != NULL ? n : 0};
	r->recovery_drained = (orc_list){done, first != NULL && done != NULL ? n : 0};
}
