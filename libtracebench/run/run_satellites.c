/* SPDX-License-Identifier: MIT */
/* run_satellites.c - a run's satellites: reset with the run's id, their faults at the
 * start and at each timed event, and what they counted and used once the run settles. */
#include "libtracebench/run/run_parts.h"


#include <inttypes.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <lz4frame.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "common/sig.h"
#include "libtracebench/run/accounting.h"
#include "libtracebench/run/noise.h"
#include "libtracebench/run/recovery.h"
#include "libtracebench/agents/sampler_client.h"
#include "libtracebench/agents/satellite_client.h"
#include "sampler/csv.h"
#include "sampler/source.h"

/* run_mode names the satellites' mode for the record: the run's, else the first group's. */
const char *run_mode(const orc_env *env, const orc_run_params *p)
{
	if (p->satellite_mode != TB_SAT_DEFAULT)
		return tb_sat_mode_name(p->satellite_mode);
	return env->nsatellites > 0 ? tb_sat_mode_name(env->satellites[0].mode) : "none";
}

static bool wildcard_or_loopback(const char *addr)
{
	return addr[0] == '\0' || strcmp(addr, "0.0.0.0") == 0 || strncmp(addr, "127.", 4) == 0;
}

/* satellite_host is the address a client of sampler smp reaches satellite s by. A client
 * runs on its sampler's host: if the satellite shares it, loopback will do unless the
 * satellite listens on one address only; one that listens everywhere is reached by the
 * address the sampler reaches this host by when it runs here, else by the host of its
 * control URL; otherwise by the satellite's own address. */
static int satellite_host(const orc_env *env, const orc_peer *s, size_t smp, char *buf,
			  size_t len, char *err, size_t errlen)
{
	const char *http = s->http_host;
	const orc_peer *sampler = &env->samplers[smp];
	if (strcmp(s->host_id, sampler->host_id) == 0) {
		snprintf(buf, len, "%s", wildcard_or_loopback(http) ? "127.0.0.1" : http);
		return TB_OK;
	}
	if (!wildcard_or_loopback(http)) {
		snprintf(buf, len, "%s", http);
		return TB_OK;
	}
	if (strcmp(http, "0.0.0.0") == 0 && s->same_host) {
		snprintf(buf, len, "%s", env->control_hosts[smp]);
		return TB_OK;
	}
	if (strcmp(http, "0.0.0.0") == 0 && strncmp(s->url, "tcp://", 6) == 0) {
		const char *h = s->url + 6, *colon = strrchr(h, ':');
		snprintf(buf, len, "%.*s", (int)(colon ? colon - h : (long)strlen(h)), h);
		return TB_OK;
	}
	snprintf(err, errlen, "the satellite at %s serves HTTP on %s only, which clients on %s "
			      "cannot reach: start it with --bind ADDRESS", s->url,
		 http[0] ? http : "127.0.0.1", sampler->hostname);
	return TB_EADDR;
}

/* run_prepare_satellites resets every satellite for the run, with its mode and listening. */
int run_prepare_satellites(orc_env *env, const orc_run_params *p, char *err, size_t errlen)
{
	for (size_t i = 0; i < env->nsatellites; i++) {
		orc_peer *s = &env->satellites[i];
		orc_sat_faults f = {.mode = p->satellite_mode != TB_SAT_DEFAULT ? p->satellite_mode
									: s->mode};
		int rc = orc_sat_reset(s, p->run_id, err, errlen);
		if (rc == TB_OK)
			rc = orc_sat_set_faults(s, &f, err, errlen);
		if (rc == TB_OK)
			rc = orc_sat_set_listening(s, true, err, errlen);
		if (rc != TB_OK)
			return rc;
	}
	return TB_OK;
}

/* run_satellite_list puts into cmd every satellite port, as clients of sampler smp reach
 * them; with no satellites, a port nothing listens on. */
int run_satellite_list(const orc_env *env, size_t smp, tb_command *cmd, char *err,
			  size_t errlen)
{
	cmd->n_satellites = 0;
	for (size_t i = 0; i < env->nsatellites; i++) {
		const orc_peer *s = &env->satellites[i];
		char host[64];
		int rc = satellite_host(env, s, smp, host, sizeof(host), err, errlen);
		if (rc != TB_OK)
			return rc;
		for (size_t k = 0; k < s->nports && cmd->n_satellites < TB_CMD_MAX_SATELLITES; k++)
			snprintf(cmd->satellites[cmd->n_satellites++], sizeof(cmd->satellites[0]),
				 "%.40s:%u", host, s->ports[k]);
	}
	if (cmd->n_satellites == 0) {
		/* No satellites: the tracer reports to a port nothing listens on. */
		snprintf(cmd->satellites[0], sizeof(cmd->satellites[0]), "127.0.0.1:1");
		cmd->n_satellites = 1;
	}
	return TB_OK;
}

/* add_buckets adds one satellite's spans-per-bucket to the run's received_list. Every
 * satellite buckets at the same width from its reset, which this run did. */
static void add_buckets(orc_result *r, const orc_sat_counts *c)
{
	size_t n = c->nbuckets;
	orc_list *l = &r->received_list;
	if (c->bucket_ms == 0 || n == 0)
		return;
	if (n > l->n) {
		double *grown = realloc(l->v, n * sizeof(double));
		if (grown == NULL)
			return;
		for (size_t i = l->n; i < n; i++)
			grown[i] = 0;
		l->v = grown;
		l->n = n;
	}
	r->received_bucket_s = c->bucket_ms / 1e3;
	for (size_t i = 0; i < n; i++)
		l->v[i] += c->spans_per_bucket[i];
}

/* add_delays appends one satellite's resend delays, in seconds, to r's. */
static void add_delays(orc_result *r, const orc_sat_counts *c)
{
	orc_list *l = &r->resend_delays;
	if (c->ndelays == 0)
		return;
	double *grown = realloc(l->v, (l->n + c->ndelays) * sizeof(double));
	if (grown == NULL)
		return;
	for (size_t i = 0; i < c->ndelays; i++)
		grown[l->n + i] = c->resend_delays_ms[i] / 1e3;
	l->v = grown;
	l->n += c->ndelays;
}


/* run_busiest_satellite puts into r the satellite nearest the CPU it may use (a core, or
 * its cgroup's quota when less): its share of a core and its quota; and the largest
 * RSS and the throttling of them all. */
void run_busiest_satellite(const orc_env *env, const sat_load *load, double wall_s,
			      orc_result *r)
{
	double worst = -1;
	for (size_t i = 0; i < env->nsatellites && i < ORC_PLAN_MAX_SATELLITES && wall_s > 0;
	     i++) {
		double share = (double)load->cpu_ns[i] / 1e9 / wall_s;
		double allowed = load->limit[i] > 0 && load->limit[i] < 1 ? load->limit[i] : 1;
		if (share / allowed > worst) {
			worst = share / allowed;
			r->satellite_cpu = share;
			r->satellite_cpu_limit = load->limit[i];
		}
	}
	r->satellite_rss_bytes = load->max_rss_bytes;
	r->satellite_throttled = load->throttled;
}

/* run_satellite_counts sums the satellites' counters into r, and what they used into *load
 * (cpu_here: those on here's host). */
int run_satellite_counts(orc_env *env, const orc_peer *here, orc_result *r,
			    sat_load *load, char *err, size_t errlen)
{
	orc_sat_counts total = {0};
	for (size_t i = 0; i < r->received_list.n; i++)
		r->received_list.v[i] = 0;
	r->resend_delays.n = 0;
	*load = (sat_load){0};
	for (size_t i = 0; i < env->nsatellites; i++) {
		orc_sat_counts c;
		int rc = orc_sat_get_counters(&env->satellites[i], &c, err, errlen);
		if (rc != TB_OK)
			return rc;
#define SUM(f) total.f += c.f;
		ORC_SAT_COUNTS(SUM)
#undef SUM
		if (strcmp(env->satellites[i].host_id, here->host_id) == 0)
			load->cpu_here_ns += c.cpu_ns;
		if (i < ORC_PLAN_MAX_SATELLITES) {
			load->cpu_ns[i] = c.cpu_ns;
			load->limit[i] = c.cpu_limit_cores;
		}
		load->throttled += c.throttled;
		if (c.rss_bytes > load->max_rss_bytes)
			load->max_rss_bytes = c.rss_bytes;
		add_buckets(r, &c);
		add_delays(r, &c);
		for (size_t k = 0; k < TB_MAX_CLIENTS; k++) {
#define SUM_CLIENT(f) load->by_client[k].f += c.by_client[k].f;
			TB_CLIENT_COUNTS(SUM_CLIENT)
#undef SUM_CLIENT
		}
		orc_sat_counts_fini(&c);
	}
	r->spans_received = total.spans;
	r->duplicates = total.duplicates;
	r->resent = total.resent;
	r->dup_after_ack = total.dup_after_ack;
	r->dup_unchecked = total.dup_unchecked;
	r->unacked = total.unacked;
	r->refused_spans = total.refused_spans;
	r->rejected = total.rejected;
	r->reports = total.reports;
	r->bytes_received = total.bytes_wire;
	r->metrics_reports = total.metrics_reports;
	load->never_acked = total.never_acked;
	load->in_flight = total.in_flight;
	return TB_OK;
}

/* change_faults changes in fs what ev names, and only that. */
static void change_faults(const orc_event *ev, orc_sat_faults *fs)
{
	switch (ev->kind) {
	case ORC_EV_MODE:
		fs->mode = ev->mode;
		break;
	case ORC_EV_ERRORS:
		fs->error_probability = ev->probability;
		fs->error_status = ev->status;
		fs->retry_after_s = (uint32_t)lround(ev->retry_after_s);
		break;
	case ORC_EV_LATENCY:
		fs->extra_latency_us = (uint32_t)lround(ev->latency_s * 1e6);
		fs->extra_per_span_ns = (uint32_t)lround(ev->per_span_s * 1e9);
		break;
	case ORC_EV_BANDWIDTH: {
		double kbps = ceil(ev->bytes_per_s / 1024);
		fs->bandwidth_kbps = kbps > UINT32_MAX ? UINT32_MAX : (uint32_t)kbps;
		fs->bandwidth_per_connection = ev->per_connection;
		break;
	}
	case ORC_EV_CLOSE:
		fs->close_probability = ev->probability;
		break;
	default:
		break;
	}
}

/* run_apply_event applies a timed event to the satellite groups it names. Each group's
 * faults are kept in fs[group], since SatSetFaults replaces all of them at once. */
void run_apply_event(orc_env *env, const orc_event *ev, orc_sat_faults *fs, orc_result *r)
{
	bool listening_only = ev->kind == ORC_EV_SATELLITES_DOWN || ev->kind == ORC_EV_SATELLITES_UP;
	for (size_t i = 0; i < env->nsatellites; i++) {
		char err[256];
		if (ev->group >= 0 && (size_t)ev->group != i)
			continue;
		change_faults(ev, &fs[i]);
		int rc = listening_only ? orc_sat_set_listening(&env->satellites[i],
							      ev->kind == ORC_EV_SATELLITES_UP, err,
							      sizeof(err))
					: orc_sat_set_faults(&env->satellites[i], &fs[i], err, sizeof(err));
		if (rc != TB_OK)
			run_fail(r, "a timed event could not be applied: %s", err);
	}
	tb_info("orchestrator: run %llu at %.1f s: event from line %d applied",
		(unsigned long long)r->run_id, ev->at_s, ev->line);
}

/* run_initial_faults: each group's faults at a run's start, which its events change. */
void run_initial_faults(const orc_env *env, const orc_run_params *p, orc_sat_faults *fs)
{
	for (size_t i = 0; i < ORC_PLAN_MAX_SATELLITES; i++)
		fs[i] = (orc_sat_faults){
			.error_status = 500,
			.mode = p->satellite_mode != TB_SAT_DEFAULT ? p->satellite_mode
				: i < env->nsatellites ? env->satellites[i].mode : TB_SAT_TYPICAL};
}
