/* SPDX-License-Identifier: MIT */
/* run.c - one benchmark run as a few plain steps: prepare the satellites, arm the
 * channel, launch, watch until the client exits, settle, count. */
#include "libtracebench/run/run.h"

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
#include "libtracebench/run/run_parts.h"
/* How long the satellites may keep receiving after the client exits: spans in flight and
 * a tracer's last flush land well within this on any sane host. */
#define SETTLE_MAX_NS (10ull * TB_NS_PER_S)
#define SETTLE_QUIET_NS (500ull * TB_NS_PER_MS)

void orc_run_client_derive(orc_run_client *c, double sps, double work_per_second,
			   double sleep_per_work_ns)
{
	if (work_per_second <= 0) {
		c->work = 0;
		c->sleep_ns = sps > 0 ? (uint64_t)llround(1e9 / sps) : 0;
		return;
	}
	double work = sps > 0 ? work_per_second / sps : 0;
	c->work = (uint64_t)llround(work);
	c->sleep_ns = (uint64_t)llround(work * sleep_per_work_ns);
}

void orc_run_derive(orc_run_params *p, double work_per_second, double sleep_per_work_ns)
{
	orc_run_client c;
	orc_run_client_derive(&c, p->sps, work_per_second, sleep_per_work_ns);
	p->work = c.work;
	p->sleep_ns = c.sleep_ns;
}

/* run_fail marks the run failed with the first reason given. */
void run_fail(orc_result *r, const char *fmt, const char *what)
{
	if (!r->failed) {
		r->failed = true;
		char why[160];
		snprintf(why, sizeof(why), "%.159s", what);
		int w = snprintf(r->failure, sizeof(r->failure), fmt, why);
		(void)w;
	}
}


static int launch(orc_env *env, const orc_run_params *p, member *m, size_t k, bool use_ring,
		  uint64_t origin, char *err, size_t errlen)
{
	char url[128], token[TB_TOKEN_LEN + 1];
	snprintf(url, sizeof(url), "http://%s:%u", env->control_hosts[m->smp],
		 orc_channel_port(env->channel));
	orc_channel_token(env->channel, k, token, sizeof(token));
	orc_smp_launch_args a = {.client = m->name, .cmd = &m->cmd, .control_url = url,
				 .token = token,
				 .period_ns = env->period_ns, .run_id = p->run_id,
				 .run_start_ns = origin, .use_ring = use_ring};
	int rc = orc_smp_launch(m->sampler, &a, &m->pid, &m->from_sampler, err, errlen);
	m->launched = rc == TB_OK;
	m->origin = origin;
	if (m->launched && m->sampler->same_host)
		orc_channel_set_pid(env->channel, k, m->pid);
	m->launched_ns = tb_now_ns();
	return rc;
}

static void stop_client(const member *m)
{
	char err[256];
	if (orc_smp_stop(m->sampler, m->pid, 1000, err, sizeof(err)) != TB_OK)
		tb_warn("orchestrator: cannot stop client %d: %s", (int)m->pid, err);
}


/* take_client_result copies the client's own figures into the Result. */
static void take_client_result(orc_result *r, const tb_client_result *cr)
{
	r->client_result = true;
	r->program_time = cr->program_time;
	r->clock_time = cr->clock_time;
	r->spans_sent = cr->spans_sent;
	r->client_dropped = (orc_optu64){cr->has_dropped, cr->spans_dropped};
	r->client_buffered = (orc_optu64){cr->has_buffered, cr->spans_buffered};
	r->client_resent = (orc_optu64){cr->has_resent, cr->spans_resent};
	snprintf(r->tracer, sizeof(r->tracer), "%s", cr->tracer);
}

#define PING_EVERY_NS (2 * TB_NS_PER_S)

/* take_results takes whatever results the channel holds, waiting up to wait_ms for the
 * first; false when none came. */
static bool take_results(orc_env *env, member *m, size_t n, int wait_ms)
{
	bool any = false;
	for (;;) {
		tb_client_result cr;
		size_t k;
		char why[256];
		int rc = orc_channel_wait_result(env->channel, any ? 0 : wait_ms, &k, &cr, why,
						 sizeof(why));
		if ((rc != TB_OK && rc != TB_EPROTO) || k >= n)
			return any;
		any = true;
		if (rc == TB_OK) {
			take_client_result(m[k].r, &cr);
		} else {
			m[k].r->client_result = true; /* a bad one: the run fails */
			run_fail(m[k].r, "the client sent a malformed result: %s", why);
		}
	}
}

static bool all_exited(const member *m, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (m[k].launched && !m[k].t.exited)
			return false;
	return true;
}

static void stop_all(member *m, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (m[k].launched && !m[k].t.exited)
			stop_client(&m[k]);
}

/* watch_checks enforces the run's limits once per round: a signal, the timeout, a
 * satellite gone (the run fails, its clients are stopped) or the sampler gone (TB_ECLOSED). */
static int watch_checks(orc_env *env, const orc_run_params *p, member *m, size_t n,
			uint64_t elapsed, bool *killed, orc_result *r, char *err, size_t errlen)
{
	uint64_t limit = (uint64_t)(2 * p->runtime_s * 1e9) + 5 * TB_NS_PER_S;
	const char *why = NULL;
	if (tb_sig_stop_requested())
		why = "interrupted by a signal";
	else if (!p->no_timeout && elapsed > limit)
		why = "timeout";
	for (size_t i = 0; why == NULL && i < env->nsatellites; i++)
		if (!orc_peer_alive(&env->satellites[i])) {
			run_fail(r, "a satellite (%s) died during the run", env->satellites[i].url);
			why = "satellite";
		}
	if (why != NULL && !*killed) {
		stop_all(m, n);
		*killed = true;
		if (strcmp(why, "timeout") == 0) {
			r->timed_out = true;
			run_fail(r, "the client outlived %s and was killed", "2 x runtime (+5 s)");
		} else if (strcmp(why, "satellite") != 0) {
			run_fail(r, "%s", why);
		}
	}
	for (size_t i = 0; i < env->nsamplers; i++)
		if (!orc_peer_alive(&env->samplers[i])) {
			snprintf(err, errlen, "the sampler (%s) died during the run",
				 env->samplers[i].url);
			return TB_ECLOSED;
		}
	return TB_OK;
}

/* watch reads samples and the clients' results until every client has exited, applying
 * the timed events and enforcing the limits. */
static int watch(orc_env *env, const orc_run_params *p, feeds *f, member *m, size_t n,
		 sample_log *log, orc_result *r, char *err, size_t errlen)
{
	uint64_t t0 = tb_now_ns(), last_ping = t0, cpu0 = tb_process_cpu_ns(0);
	for (size_t k = 0; k < n; k++)
		m[k].t.t0_ns = t0;
	bool killed = false, done[ORC_PLAN_MAX_EVENTS] = {false}, any_http = false;
	for (size_t k = 0; k < n; k++)
		any_http |= !m[k].from_sampler;
	orc_sat_faults fs[ORC_PLAN_MAX_SATELLITES];
	run_initial_faults(env, p, fs);
	live lv = {0};
	for (;;) {
		int rc = run_read_samples(f, m, n, p->run_id, log, err, errlen);
		if (rc != TB_OK)
			return rc;
		if (all_exited(m, n))
			break;
		if (!any_http || !take_results(env, m, n, 100))
			tb_sleep_ns(any_http ? 0 : 100 * TB_NS_PER_MS);
		uint64_t now = tb_now_ns();
		for (size_t i = 0; i < p->nevents && i < ORC_PLAN_MAX_EVENTS; i++)
			if (!done[i] && (double)(now - t0) / 1e9 >= p->events[i].at_s) {
				run_apply_event(env, &p->events[i], fs, r);
				done[i] = true;
			}
		run_progress(env, p, m, n, &lv, now - t0);
		if ((rc = watch_checks(env, p, m, n, now - t0, &killed, r, err, errlen)) != TB_OK)
			return rc;
		/* Samples through the ring say nothing to a sampler: keep its lease. */
		if (now - last_ping >= PING_EVERY_NS) {
			last_ping = now;
			for (size_t i = 0; i < env->nsamplers; i++)
				if ((rc = orc_peer_ping(&env->samplers[i], err, errlen)) != TB_OK)
					return rc;
		}
	}
	if (env->progress)
		fputs("\r\033[K", stderr);
	uint64_t wall = tb_now_ns() - t0, cpu = tb_process_cpu_ns(0);
	r->elapsed_s = (double)wall / 1e9;
	r->orchestrator_cpu = wall > 0 && cpu > cpu0 ? (double)(cpu - cpu0) / (double)wall : 0;
	return TB_OK;
}

/* settle waits until the satellites stop receiving: every span sent has arrived, or
 * nothing new came for SETTLE_QUIET_NS while the proxy held nothing, or SETTLE_MAX_NS
 * passed. */
static int settle(orc_env *env, const orc_peer *here, run_proxy *px, orc_result *r,
		  sat_load *load, char *err, size_t errlen)
{
	uint64_t start = tb_now_ns(), quiet_since = start, last_seen = UINT64_MAX;
	for (;;) {
		int rc = run_satellite_counts(env, here, r, load, err, errlen);
		if (rc != TB_OK)
			return rc;
		uint64_t now = tb_now_ns();
		if (r->spans_received != last_seen || run_proxy_holds(px)) {
			last_seen = r->spans_received;
			quiet_since = now;
		}
		if ((r->client_result && r->spans_received >= r->spans_sent && load->in_flight == 0) ||
		    now - quiet_since >= SETTLE_QUIET_NS || now - start >= SETTLE_MAX_NS)
			return TB_OK;
		tb_sleep_ns(50 * TB_NS_PER_MS);
	}
}


/* run_cpu_at is the client's CPU at run time at_ns, read between the samples around it; the
 * client started at 0 with none. */

/* start_together launches every client, then, for a run of several, waits until all
 * that take their command from the channel have asked for it (10 s at most) and answers
 * them at once. */
static int start_together(orc_env *env, const orc_run_params *p, member *m, size_t n,
			  const feeds *f, char *err, size_t errlen)
{
	size_t http = 0;
	for (size_t k = 0; k < n; k++) {
		int rc = launch(env, p, &m[k], k, f->ring[m[k].smp], f->origin[m[k].smp], err,
				errlen);
		if (rc != TB_OK) {
			stop_all(m, k);
			orc_channel_release(env->channel);
			return rc;
		}
		http += !m[k].from_sampler;
	}
	if (n > 1 && http > 0 && orc_channel_wait_asked(env->channel, http, 10000) != TB_OK)
		tb_warn("orchestrator: run %" PRIu64 ": only %zu of %zu clients asked for their "
			"command within 10 s; starting them anyway", p->run_id,
			orc_channel_asked(env->channel), http);
	orc_channel_release(env->channel);
	return TB_OK;
}

/* sample_clients launches the clients and watches them to their end, keeping their
 * samples (and as LZ4 CSV in p->samples_path). */
static int sample_clients(orc_env *env, const orc_run_params *p, member *m, size_t n,
			  orc_result *r, char *err, size_t errlen)
{
	feeds f;
	int rc = run_feeds_open(env, &f, err, errlen);
	if (rc != TB_OK)
		return rc;
	orc_noise_start(&m[0].t.noise);
	sample_log log = {0};
	rc = start_together(env, p, m, n, &f, err, errlen);
	if (rc == TB_OK && m[0].sampler->same_host)
		orc_noise_client(&m[0].t.noise, m[0].pid);
	tb_info("orchestrator: run %llu: %zu x %s %s at %.0f spans/s each for %.1f s (Work %llu, "
		"Sleep %llu ns per span), first pid %d, samples by %s",
		(unsigned long long)p->run_id, n, m[0].name, p->trace ? "traced" : "untraced",
		p->sps, p->runtime_s, (unsigned long long)m[0].cmd.work,
		(unsigned long long)m[0].cmd.sleep_ns, (int)m[0].pid,
		f.ring[m[0].smp] ? "ring" : "nng");
	if (rc == TB_OK)
		rc = watch(env, p, &f, m, n, p->samples_path ? &log : NULL, r, err, errlen);
	run_feeds_close(&f);
	if (rc == TB_OK && p->samples_path != NULL)
		run_write_samples(&log, p->samples_path);
	free(log.v);
	return rc;
}

/* collect_result takes a client's result after it ended: from the sampler for an argv
 * client (ready before its exit sample), else from the channel (taken by take_results,
 * giving a slow POST a moment). */
static void collect_result(member *m)
{
	tb_client_result cr;
	char why[256];
	if (m->r->client_result || !m->launched || !m->from_sampler)
		return;
	for (int tries = 0; tries < 10; tries++) {
		bool ready = false;
		if (orc_smp_get_result(m->sampler, m->pid, &ready, &cr, why, sizeof(why)) != TB_OK) {
			tb_warn("orchestrator: the argv client's result: %s", why);
			return;
		}
		if (ready) {
			take_client_result(m->r, &cr);
			return;
		}
		tb_sleep_ns(100 * TB_NS_PER_MS);
	}
}

static void collect_results(orc_env *env, member *m, size_t n)
{
	uint64_t deadline = tb_now_ns() + TB_NS_PER_S;
	for (size_t k = 0; k < n; k++) {
		while (!m[k].from_sampler && !m[k].r->client_result && tb_now_ns() < deadline)
			take_results(env, m, n, 100);
		collect_result(&m[k]);
	}
}

/* judge_exit fails a run whose client died or exited badly, or sent no result. */
static void judge_exit(const trace *t, orc_result *r)
{
	if (t->exited && (t->exit.signal != 0 || t->exit.exit_code != 0)) {
		char how[64];
		if (t->exit.signal != 0)
			snprintf(how, sizeof(how), "was killed by signal %u", t->exit.signal);
		else
			snprintf(how, sizeof(how), "exited with status %d", t->exit.exit_code);
		run_fail(r, "the client %s", how);
	}
	if (!r->client_result)
		run_fail(r, "%s", "the client sent no result");
}

/* sleep_interval is a client's SleepInterval: the run's, else what the sampler's
 * registry gives the client, within the cap. */
static int sleep_interval(orc_peer *sampler, const orc_run_params *p, const char *client,
			  uint64_t *ns, char *err, size_t errlen)
{
	orc_smp_client_info info;
	*ns = p->sleep_interval_ns;
	if (*ns == 0) {
		int rc = orc_smp_describe(sampler, client, &info, err, errlen);
		if (rc != TB_OK)
			return rc;
		*ns = info.sleep_interval_ns;
	}
	if (p->sleep_interval_cap_ns > 0 && *ns > p->sleep_interval_cap_ns)
		*ns = p->sleep_interval_cap_ns;
	return TB_OK;
}

/* member_sampler is which sampler client k of the run goes to: its own, else the next
 * in turn. */
static size_t member_sampler(const orc_env *env, const orc_run_client *c, size_t *turn)
{
	if (c->sampler >= 0 && (size_t)c->sampler < env->nsamplers)
		return (size_t)c->sampler;
	return (*turn)++ % env->nsamplers;
}

/* member_init makes client k of n: its sampler, and its command (base with the
 * satellites as its sampler's host reaches them, its own work, sleep, index and access
 * token, and its SleepInterval, which prev, the client before, may already know). */
static int member_init(orc_env *env, const orc_run_params *p, const tb_command *base,
		       const orc_run_client *c, size_t k, size_t n, size_t *turn,
		       const member *prev, member *m, char *err, size_t errlen)
{
	m->name = c->name;
	m->smp = member_sampler(env, c, turn);
	m->sampler = &env->samplers[m->smp];
	m->cmd = *base;
	m->cmd.work = c->work;
	m->cmd.sleep_ns = c->sleep_ns;
	m->cmd.client_index = (uint32_t)k;
	m->cmd.clients = (uint32_t)n;
	tb_access_token_for((uint32_t)k, m->cmd.access_token, sizeof(m->cmd.access_token));
	int rc = run_satellite_list(env, m->smp, &m->cmd, err, errlen);
	if (rc != TB_OK)
		return rc;
	if (prev != NULL && strcmp(c->name, prev->name) == 0 && prev->smp == m->smp) {
		m->cmd.sleep_interval_ns = prev->cmd.sleep_interval_ns;
		return TB_OK;
	}
	return sleep_interval(m->sampler, p, c->name, &m->cmd.sleep_interval_ns, err, errlen);
}

/* members_alloc makes the run's clients and their results. */
static int members_alloc(orc_env *env, const orc_run_params *p, const tb_command *base,
			 member **out, size_t *nout, char *err, size_t errlen)
{
	size_t n = p->clients != NULL ? p->nclients : 1, turn = 0;
	if (n == 0 || n > TB_MAX_CLIENTS) {
		snprintf(err, errlen, "a run has 1 to %d clients, not %zu", TB_MAX_CLIENTS, n);
		return TB_EINVAL;
	}
	member *m = calloc(n, sizeof(*m));
	orc_result *rs = calloc(n, sizeof(*rs));
	if (m == NULL || rs == NULL) {
		free(m);
		free(rs);
		return TB_ENOMEM;
	}
	int rc = TB_OK;
	const orc_run_client one = {.name = p->client, .sampler = 0, .work = p->work,
				    .sleep_ns = p->sleep_ns};
	for (size_t k = 0; k < n && rc == TB_OK; k++) {
		m[k].r = &rs[k];
		rc = member_init(env, p, base, p->clients != NULL ? &p->clients[k] : &one, k, n,
				 &turn, k > 0 ? &m[k - 1] : NULL, &m[k], err, errlen);
	}
	if (rc != TB_OK) {
		free(m);
		free(rs);
		return rc;
	}
	*out = m;
	*nout = n;
	return TB_OK;
}

/* members_free frees the clients, and their results unless the run's Result took them. */
static void members_free(member *m, size_t n, bool results_taken)
{
	for (size_t k = 0; m != NULL && k < n; k++) {
		run_trace_free(&m[k].t);
		if (!results_taken)
			orc_result_free(m[k].r);
	}
	if (m != NULL && !results_taken)
		free(m[0].r);
	free(m);
}

/* mix_name writes the clients as the plan would: "c", or "c x8, js-otel x8". */
static void mix_name(const member *m, size_t n, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < n && off < len;) {
		size_t j = k;
		while (j < n && strcmp(m[j].name, m[k].name) == 0)
			j++;
		if (n == 1)
			off += (size_t)snprintf(buf + off, len - off, "%s", m[k].name);
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%s x%zu", off ? ", " : "",
						m[k].name, j - k);
		k = j;
	}
}

/* start_times puts when the clients started into r: the spread, and how long after the
 * first launch the last one started. */
static void start_times(orc_env *env, member *m, size_t n, orc_result *r)
{
	uint64_t first_launch = UINT64_MAX, lo = UINT64_MAX, hi = 0;
	for (size_t k = 0; k < n; k++) {
		if (!m[k].launched)
			continue;
		uint64_t at = m[k].from_sampler ? m[k].launched_ns
						: orc_channel_started_ns(env->channel, k);
		first_launch = m[k].launched_ns < first_launch ? m[k].launched_ns : first_launch;
		if (at == 0)
			continue;
		lo = at < lo ? at : lo;
		hi = at > hi ? at : hi;
	}
	if (hi == 0)
		return;
	r->start_spread = (double)(hi - lo) / 1e9;
	r->all_started = hi > first_launch ? (double)(hi - first_launch) / 1e9 : 0;
}

/* work_start is when, on the client's sample clock, it took its command from the
 * channel: 0 for argv clients and for clients whose samples keep another host's clock. */
static uint64_t work_start(orc_env *env, const member *m, size_t k)
{
	uint64_t at = m->from_sampler ? 0 : orc_channel_started_ns(env->channel, k);
	return at > m->origin && m->origin != 0 ? at - m->origin : 0;
}

/* finish_members summarises each client's samples, fails those that ended badly, and
 * makes the run's figures from theirs. */
static int finish_members(orc_env *env, const orc_run_params *p, member *m, size_t n,
			  orc_result *r)
{
	for (size_t k = 0; k < n; k++) {
		orc_result *c = m[k].r;
		snprintf(c->client, sizeof(c->client), "%s", m[k].name);
		snprintf(c->sampler, sizeof(c->sampler), "%s", m[k].sampler->url);
		c->sps_asked = p->sps;
		run_summarise(env, &m[k].t, work_start(env, &m[k], k), c);
		judge_exit(&m[k].t, c);
		if (c->failed && n > 1) {
			char why[sizeof(c->failure) + 32];
			snprintf(why, sizeof(why), "client %zu: %s", k, c->failure);
			run_fail(r, "%s", why);
		} else if (c->failed) {
			run_fail(r, "%s", c->failure);
		}
	}
	/* The run's own reasons to run_fail come first: the clients' are in them. */
	bool failed = r->failed, timed_out = r->timed_out;
	char failure[sizeof(r->failure)];
	memcpy(failure, r->failure, sizeof(failure));
	int rc = orc_result_aggregate(r, m[0].r, n);
	r->failed |= failed;
	r->timed_out |= timed_out;
	if (failed)
		memcpy(r->failure, failure, sizeof(failure));
	mix_name(m, n, r->client, sizeof(r->client));
	r->client_count = (int)n;
	start_times(env, m, n, r);
	return rc;
}

/* base_command is what every client of the run is told alike. */
static void base_command(const orc_run_params *p, tb_command *cmd)
{
	tb_command_init(cmd);
	cmd->trace = p->trace;
	cmd->repeat = (uint64_t)llround(p->sps * p->runtime_s);
	cmd->no_flush = p->no_flush;
	cmd->protocol = p->protocol;
	cmd->run_id = p->run_id;
}

/* count_spans reads the satellites once spans stop arriving, and gives each client of
 * several its own counts. */
static void count_spans(orc_env *env, member *m, size_t n, run_proxy *px, orc_result *r,
			sat_load *load)
{
	char err[256];
	if (settle(env, m[0].sampler, px, r, load, err, sizeof(err)) != TB_OK)
		run_fail(r, "cannot read the satellites' counters: %s", err);
	r->attributed = true;
	for (size_t k = 0; k < n && n > 1; k++) {
		orc_result *c = m[k].r;
		const orc_sat_client_counts *cc = &load->by_client[k];
		c->attributed = cc->reports + cc->refused_spans + cc->never_acked > 0 ||
				c->spans_sent == 0;
		c->spans_received = cc->spans;
		c->reports = cc->reports;
		c->resent = cc->resent;
		c->dup_after_ack = cc->dup_after_ack;
		c->duplicates = cc->resent + cc->dup_after_ack;
		c->refused_spans = cc->refused_spans;
		c->unacked = cc->unacked;
		r->attributed &= c->attributed;
	}
}

/* account puts every span sent down to a cause: the run's, and each client's that the
 * satellites could tell apart. */
static void account(member *m, size_t n, orc_result *r, const sat_load *load)
{
	char why[256];
	if (!r->trace)
		return;
	if (!orc_account(r, load->never_acked, load->in_flight, why, sizeof(why)))
		run_fail(r, "%s", why);
	for (size_t k = 0; k < n && n > 1; k++) {
		orc_result *c = m[k].r;
		const orc_sat_client_counts *cc = &load->by_client[k];
		if (c->attributed && !orc_account(c, cc->never_acked, cc->in_flight, why,
						  sizeof(why))) {
			run_fail(c, "%s", why);
			char all[sizeof(why) + 32];
			snprintf(all, sizeof(all), "client %zu: %s", k, why);
			run_fail(r, "%s", all);
		}
	}
}

/* host_figures puts what the first client's host and the satellites did during the run
 * into r, and flags a result that may measure the harness. */
static void host_figures(orc_env *env, member *m, size_t n, orc_result *r,
			 const sat_load *load, uint64_t reset_ns)
{
	double sat_s = (double)(tb_now_ns() - reset_ns) / 1e9, others = 0;
	for (size_t k = 1; k < n; k++)
		if (m[k].smp == m[0].smp)
			others += m[k].r->cpu_usage;
	orc_noise_finish(&m[0].t.noise, m[0].sampler->same_host,
			 (sat_s > 0 ? (double)load->cpu_here_ns / 1e9 / sat_s : 0) + others, r);
	orc_noise_warn(r);
	run_busiest_satellite(env, load, sat_s, r);
	orc_noise_judge_harness(r);
}

static void start_result(const orc_env *env, const orc_run_params *p, orc_result *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->client, sizeof(r->client), "%s",
		 p->clients != NULL && p->nclients > 0 ? p->clients[0].name : p->client);
	snprintf(r->satellite_mode, sizeof(r->satellite_mode), "%s", run_mode(env, p));
	snprintf(r->proxy, sizeof(r->proxy), "%s", tb_proxy_kind_name(p->proxy.kind));
	r->trace = p->trace;
	r->runtime_s = p->runtime_s;
	r->run_id = p->run_id;
	for (size_t i = 0; i < p->nevents && r->events.n < ORC_RESULT_MAX_EVENTS; i++) {
		orc_result_event *e = &r->events.v[r->events.n++];
		e->at_s = p->events[i].at_s;
		orc_event_describe(&p->events[i], e->what, sizeof(e->what));
	}
}

/* arm gives the channel every client's command; a run of several holds them until all
 * are launched. */
static int arm(orc_env *env, const member *m, size_t n, char *err, size_t errlen)
{
	tb_command *cmds = malloc(n * sizeof(*cmds));
	if (cmds == NULL)
		return TB_ENOMEM;
	for (size_t k = 0; k < n; k++)
		cmds[k] = m[k].cmd;
	int rc = orc_channel_arm(env->channel, cmds, n, n > 1, err, errlen);
	free(cmds);
	return rc;
}

/* settle_run counts what the satellites received and puts every span down to a cause. */
static int settle_run(orc_env *env, const orc_run_params *p, member *m, size_t n,
		      run_proxy *px, orc_result *r, uint64_t reset_ns)
{
	sat_load *load = calloc(1, sizeof(*load));
	if (load == NULL)
		return TB_ENOMEM;
	r->period_s = (double)env->period_ns / 1e9;
	count_spans(env, m, n, px, r, load);
	run_proxy_figures(px, r);
	host_figures(env, m, n, r, load, reset_ns);
	if (m[0].t.t0_ns > reset_ns)
		orc_recovery_measure(r, p->events, p->nevents,
				     (double)(m[0].t.t0_ns - reset_ns) / 1e9);
	account(m, n, r, load);
	free(load);
	return TB_OK;
}

int orc_run(orc_env *env, const orc_run_params *p, orc_result *r, char *err, size_t errlen)
{
	start_result(env, p, r);
	tb_command base;
	base_command(p, &base);
	uint64_t reset_ns = tb_now_ns();
	int rc = run_prepare_satellites(env, p, err, errlen);
	if (rc != TB_OK)
		return rc;
	member *m = NULL;
	size_t n = 0;
	run_proxy px;
	if ((rc = members_alloc(env, p, &base, &m, &n, err, errlen)) != TB_OK)
		return rc;
	if ((rc = run_proxy_start(env, p, m, n, &px, err, errlen)) != TB_OK) {
		members_free(m, n, false);
		return rc;
	}
	run_proxy_point(&px, m, n);
	run_proxy_mark(&px);
	if ((rc = arm(env, m, n, err, errlen)) == TB_OK)
		rc = sample_clients(env, p, m, n, r, err, errlen);
	if (rc == TB_OK) {
		collect_results(env, m, n);
		uint64_t refused = orc_channel_refused(env->channel);
		if (refused > 0)
			tb_warn("orchestrator: run %" PRIu64 ": the control channel refused %" PRIu64
				" request%s; they changed nothing", p->run_id, refused,
				refused == 1 ? "" : "s");
		rc = finish_members(env, p, m, n, r);
	}
	orc_channel_disarm(env->channel);
	if (rc == TB_OK)
		rc = settle_run(env, p, m, n, &px, r, reset_ns);
	run_proxy_finish(&px);
	if (rc != TB_OK) {
		members_free(m, n, false);
		return rc;
	}
	tb_debug("orchestrator: run %llu settled: %llu of %llu spans received, %llu reports, "
		 "%zu samples", (unsigned long long)r->run_id,
		 (unsigned long long)r->spans_received, (unsigned long long)r->spans_sent,
		 (unsigned long long)r->reports, r->memory_list.n);
	if (r->failed)
		tb_warn("orchestrator: run %llu failed: %s", (unsigned long long)r->run_id, r->failure);
	if (n > 1) {
		r->per_client = m[0].r;
		r->nper_client = n;
	}
	members_free(m, n, n > 1);
	return TB_OK;
}
