/* SPDX-License-Identifier: MIT */
/* faults.c - mode presets, fault settings under a mutex (changed rarely, read once per
 * request), per-thread random draws, and token buckets for the bandwidth limit. */
#include "satellite/faults.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/error.h"

struct sat_faults {
	pthread_mutex_t mu;
	sat_fault_config cfg;
	sat_bucket group;	/* the port group's shared bandwidth budget */
};

void sat_fault_config_preset(tb_sat_mode mode, sat_fault_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->error_status = 500;
	if (mode != TB_SAT_TYPICAL) {
		c->base_latency_us = SAT_SLOW_BASE_US;
		c->per_span_ns = SAT_SLOW_PER_SPAN_NS;
	}
}

int sat_fault_config_from_proto(const Tb__SatFaults *m, const sat_fault_config *current,
				sat_fault_config *out, char *err, size_t errlen)
{
	tb_sat_mode mode = current->mode;

	if (m->mode != NULL && m->mode[0] != '\0' &&
	    tb_sat_mode_parse(m->mode, strlen(m->mode), &mode) != TB_OK) {
		char modes[64];
		tb_sat_mode_choices(modes, sizeof(modes));
		snprintf(err, errlen, "unknown mode \"%.64s\" (%s)", m->mode, modes);
		return TB_EINVAL;
	}
	if (!(m->error_probability >= 0 && m->error_probability <= 1)) {
		snprintf(err, errlen, "error_probability %g is not within 0..1",
			 m->error_probability);
		return TB_EINVAL;
	}
	if (!(m->drop_probability >= 0 && m->drop_probability <= 1)) {
		snprintf(err, errlen, "drop_probability %g is not within 0..1", m->drop_probability);
		return TB_EINVAL;
	}
	if (m->error_status != 0 && m->error_status != 429 && m->error_status != 500 &&
	    m->error_status != 503) {
		snprintf(err, errlen, "error_status %u is not 429, 500 or 503", m->error_status);
		return TB_EINVAL;
	}
	if (m->retry_after_s > 3600) {
		snprintf(err, errlen, "retry_after_s %u is over 3600", m->retry_after_s);
		return TB_EINVAL;
	}
	sat_fault_config_preset(mode, out);
	if (m->override_delays) {
		out->base_latency_us = m->base_latency_us;
		out->per_span_ns = m->per_span_ns;
	}
	out->extra_latency_us = m->extra_latency_us;
	out->error_probability = m->error_probability;
	if (m->error_status != 0)
		out->error_status = m->error_status;
	out->bandwidth_kbps = m->bandwidth_kbps;
	out->bandwidth_per_connection = m->bandwidth_per_connection;
	out->drop_probability = m->drop_probability;
	out->extra_per_span_ns = m->extra_per_span_ns;
	out->retry_after_s = m->retry_after_s;
	return TB_OK;
}

int sat_faults_alloc(sat_faults **fp, tb_sat_mode mode)
{
	sat_faults *f = calloc(1, sizeof(*f));

	*fp = NULL;
	if (f == NULL)
		return TB_ENOMEM;
	pthread_mutex_init(&f->mu, NULL);
	sat_fault_config_preset(mode, &f->cfg);
	*fp = f;
	return TB_OK;
}

void sat_faults_free(sat_faults *f)
{
	if (f == NULL)
		return;
	pthread_mutex_destroy(&f->mu);
	free(f);
}

void sat_faults_set(sat_faults *f, const sat_fault_config *c)
{
	pthread_mutex_lock(&f->mu);
	f->cfg = *c;
	memset(&f->group, 0, sizeof(f->group));
	pthread_mutex_unlock(&f->mu);
}

void sat_faults_get(sat_faults *f, sat_fault_config *c)
{
	pthread_mutex_lock(&f->mu);
	*c = f->cfg;
	pthread_mutex_unlock(&f->mu);
}

/* A uniform double in [0, 1) from a per-thread xorshift generator. */
static double draw(void)
{
	static __thread uint64_t s;

	if (s == 0)
		s = tb_now_ns() ^ ((uint64_t)(uintptr_t)&s << 16) ^ 0x9e3779b97f4a7c15ull;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (double)(s >> 11) / 9007199254740992.0;
}

void sat_faults_decide(sat_faults *f, uint64_t spans, sat_verdict *v)
{
	sat_fault_config c;

	sat_faults_get(f, &c);
	v->drop = c.drop_probability > 0 && draw() < c.drop_probability;
	v->status = c.mode == TB_SAT_SLOW_FAIL ? c.error_status : 200;
	if (v->status == 200 && c.error_probability > 0 && draw() < c.error_probability)
		v->status = c.error_status;
	v->delay_ns = (uint64_t)c.base_latency_us * 1000 +
		      spans * ((uint64_t)c.per_span_ns + c.extra_per_span_ns) +
		      (uint64_t)c.extra_latency_us * 1000;
	v->retry_after_s = v->status != 200 ? c.retry_after_s : 0;
}

/* take_locked grants up to want bytes from b at rate bytes/s with a burst of 50 ms of
 * traffic (at least 16 KiB, so one read buffer can pass). */
static uint64_t take_locked(sat_bucket *b, double rate, size_t want, size_t *granted,
			    uint64_t now_ns)
{
	double burst = rate / 20 > 16384 ? rate / 20 : 16384;
	double need;

	if (b->last_ns == 0) {
		b->tokens = burst;
	} else if (now_ns > b->last_ns) {
		b->tokens += rate * (double)(now_ns - b->last_ns) / 1e9;
		if (b->tokens > burst)
			b->tokens = burst;
	}
	b->last_ns = now_ns;
	*granted = b->tokens >= (double)want ? want : (size_t)(b->tokens > 0 ? b->tokens : 0);
	b->tokens -= (double)*granted;
	if (*granted == want)
		return 0;
	/* Wait until the rest, or a burst's worth of it, is available. */
	need = (double)(want - *granted);
	if (need > burst)
		need = burst;
	need -= b->tokens;
	return need > 0 ? (uint64_t)(need / rate * 1e9) + 1 : 1;
}

uint64_t sat_faults_take(sat_faults *f, sat_bucket *conn, size_t want, size_t *granted,
			 uint64_t now_ns)
{
	uint64_t wait;
	double rate;

	pthread_mutex_lock(&f->mu);
	if (f->cfg.bandwidth_kbps == 0) {
		pthread_mutex_unlock(&f->mu);
		*granted = want;
		return 0;
	}
	rate = (double)f->cfg.bandwidth_kbps * 1024.0;
	wait = take_locked(f->cfg.bandwidth_per_connection ? conn : &f->group, rate, want,
			   granted, now_ns);
	pthread_mutex_unlock(&f->mu);
	return wait;
}
