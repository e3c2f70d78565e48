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

/* What the watch loop collects. */
typedef struct trace {
	size_t n, cap;
	uint64_t *t_ns, *cpu_ns, *rss;
	orc_noise noise;
	uint64_t t0_ns;		/* when the run's clock started: events are timed from it */
	uint64_t peak_rss;
	uint64_t ctxsw;		/* voluntary + involuntary, the highest seen */
	bool exited;
	tb_rec_sample exit;
} trace;

static void trace_free(trace *t)
{
	free(t->t_ns);
	free(t->cpu_ns);
	free(t->rss);
}

static bool trace_add(trace *t, const tb_rec_sample *s)
{
	orc_noise_sample(&t->noise, s);
	if (s->hwm_bytes > t->peak_rss)
		t->peak_rss = s->hwm_bytes;
	if (s->vol_ctxsw + s->invol_ctxsw > t->ctxsw)
		t->ctxsw = s->vol_ctxsw + s->invol_ctxsw;
	if (s->status == TB_SAMPLE_EXITED) {
		t->exited = true;
		t->exit = *s;
		return true;
	}
	if (s->status != TB_SAMPLE_OK)
		return true;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		uint64_t *a = realloc(t->t_ns, cap * sizeof(*a));
		if (a != NULL)
			t->t_ns = a;
		uint64_t *b = realloc(t->cpu_ns, cap * sizeof(*b));
		if (b != NULL)
			t->cpu_ns = b;
		uint64_t *c = realloc(t->rss, cap * sizeof(*c));
		if (c != NULL)
			t->rss = c;
		if (a == NULL || b == NULL || c == NULL)
			return false;
		t->cap = cap;
	}
	t->t_ns[t->n] = s->t_ns;
	t->cpu_ns[t->n] = s->cpu_ns;
	t->rss[t->n] = s->rss_bytes;
	t->n++;
	return true;
}

/* fail marks the run failed with the first reason given. */
static void fail(orc_result *r, const char *fmt, const char *what)
{
	if (!r->failed) {
		r->failed = true;
		char why[160];
		snprintf(why, sizeof(why), "%.159s", what);
		int w = snprintf(r->failure, sizeof(r->failure), fmt, why);
		(void)w;
	}
}

/* run_mode names the satellites' mode for the record: the run's, else the first group's. */
static const char *run_mode(const orc_env *env, const orc_run_params *p)
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

/* prepare_satellites resets every satellite for the run, with its mode and listening. */
static int prepare_satellites(orc_env *env, const orc_run_params *p, char *err, size_t errlen)
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

/* satellite_list puts into cmd every satellite port, as clients of sampler smp reach
 * them; with no satellites, a port nothing listens on. */
static int satellite_list(const orc_env *env, size_t smp, tb_command *cmd, char *err,
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

/* What the satellites themselves used since their reset, beside what they counted. */
typedef struct sat_load {
	uint64_t cpu_here_ns;		/* those on the client's host (the sampler's), summed */
	uint64_t cpu_ns[ORC_PLAN_MAX_SATELLITES];	/* each one's */
	double limit[ORC_PLAN_MAX_SATELLITES];		/* each one's cgroup quota; 0: none */
	uint64_t throttled;		/* periods their cgroups were throttled, summed */
	uint64_t max_rss_bytes;
	uint64_t never_acked;		/* spans seen but never acknowledged */
	uint64_t in_flight;		/* spans in answers still being delivered */
	orc_sat_client_counts by_client[TB_MAX_CLIENTS];	/* summed over the satellites */
} sat_load;

/* busiest_satellite puts into r the satellite nearest the CPU it may use (a core, or
 * its cgroup's quota when less): its share of a core and its quota; and the largest
 * RSS and the throttling of them all. */
static void busiest_satellite(const orc_env *env, const sat_load *load, double wall_s,
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

/* satellite_counts sums the satellites' counters into r, and what they used into *load
 * (cpu_here: those on here's host). */
static int satellite_counts(orc_env *env, const orc_peer *here, orc_result *r,
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

/* One client of the run: its command, its process and what it measured. */
typedef struct member {
	const char *name;
	size_t smp;		/* its sampler: env->samplers[smp] */
	orc_peer *sampler;
	tb_command cmd;
	pid_t pid;
	bool launched;
	bool from_sampler;	/* an argv client: the sampler has its result */
	uint64_t launched_ns;
	uint64_t origin;	/* its samples' time origin (tb_now_ns); 0: another host's */
	trace t;
	orc_result *r;		/* its own figures, in one array for all the clients */
} member;

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

/* apply_event applies a timed event to the satellite groups it names. Each group's
 * faults are kept in fs[group], since SatSetFaults replaces all of them at once. */
static void apply_event(orc_env *env, const orc_event *ev, orc_sat_faults *fs, orc_result *r)
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
			fail(r, "a timed event could not be applied: %s", err);
	}
	tb_info("orchestrator: run %llu at %.1f s: event from line %d applied",
		(unsigned long long)r->run_id, ev->at_s, ev->line);
}

/* What the progress line shows of the satellites, read once a second. */
typedef struct live {
	uint64_t at_ns;			/* when last read; 0: never */
	uint64_t spans, refused;	/* received and refused since the run's reset */
	uint64_t cpu_ns[ORC_PLAN_MAX_SATELLITES];
	double received_per_s, busiest_cpu;
} live;

/* live_update reads every satellite's counters, at most once a second. Only a terminal
 * asks for it: nothing the Result holds comes from here. */
static void live_update(orc_env *env, live *lv, uint64_t now)
{
	if (lv->at_ns != 0 && now - lv->at_ns < TB_NS_PER_S)
		return;
	uint64_t spans = 0, refused = 0;
	double dt = lv->at_ns != 0 ? (double)(now - lv->at_ns) / 1e9 : 0, busiest = 0;
	for (size_t i = 0; i < env->nsatellites && i < ORC_PLAN_MAX_SATELLITES; i++) {
		orc_sat_counts c;
		char err[256];
		if (orc_sat_get_counters(&env->satellites[i], &c, err, sizeof(err)) != TB_OK)
			return;
		spans += c.spans;
		refused += c.refused_spans;
		if (dt > 0 && c.cpu_ns >= lv->cpu_ns[i] &&
		    (double)(c.cpu_ns - lv->cpu_ns[i]) / 1e9 / dt > busiest)
			busiest = (double)(c.cpu_ns - lv->cpu_ns[i]) / 1e9 / dt;
		lv->cpu_ns[i] = c.cpu_ns;
		orc_sat_counts_fini(&c);
	}
	if (dt > 0) {
		lv->received_per_s = spans >= lv->spans ? (double)(spans - lv->spans) / dt : 0;
		lv->busiest_cpu = busiest;
	}
	lv->spans = spans;
	lv->refused = refused;
	lv->at_ns = now;
}

/* eta_text writes s seconds as "1h02m", "4m10s" or "12s". */
static void eta_text(double s, char *buf, size_t len)
{
	long v = s > 0 ? (long)(s + 0.5) : 0;
	if (v >= 3600)
		snprintf(buf, len, "%ldh%02ldm", v / 3600, v / 60 % 60);
	else if (v >= 60)
		snprintf(buf, len, "%ldm%02lds", v / 60, v % 60);
	else
		snprintf(buf, len, "%lds", v);
}

/* recent_cpu is a trace's CPU share over its last ten samples. */
static double recent_cpu(const trace *t)
{
	if (t->n < 2)
		return 0;
	size_t a = t->n >= 11 ? t->n - 11 : 0, b = t->n - 1;
	return (double)(t->cpu_ns[b] - t->cpu_ns[a]) / (double)(t->t_ns[b] - t->t_ns[a] + 1);
}

/* progress rewrites the terminal's live line: where the plan is, the clients' rate and
 * figures (CPU and RSS summed over them), and what the satellites took in. */
static void progress(orc_env *env, const orc_run_params *p, const member *m, size_t n,
		     live *lv, uint64_t elapsed_ns)
{
	double cpu = 0, rss = 0, el = (double)elapsed_ns / 1e9;
	size_t running = 0, sampled = 0;
	for (size_t k = 0; k < n; k++) {
		running += m[k].launched && !m[k].t.exited;
		sampled += m[k].t.n > 0;
		cpu += recent_cpu(&m[k].t);
		rss += m[k].t.n > 0 ? (double)m[k].t.rss[m[k].t.n - 1] : 0;
	}
	if (!env->progress || sampled == 0)
		return;
	live_update(env, lv, tb_now_ns());
	char step[32] = "", eta[48];
	if (p->steps > 0)
		snprintf(step, sizeof(step), "[%zu/%zu] ", p->step, p->steps);
	eta_text((p->runtime_s > el ? p->runtime_s - el : 0) + p->eta_after_s, eta, sizeof(eta));
	double asked = p->sps * (double)n * (el < p->runtime_s ? el : p->runtime_s);
	char line[512];
	snprintf(line, sizeof(line), "  %srun %llu: %.1f/%.1f s, plan ETA %s | %zu/%zu client%s, "
		 "%.0f spans/s asked, %.0f/s received, %llu of ~%.0f in, %llu refused | CPU "
		 "%.1f%%, RSS %.1f MiB | busiest satellite %.1f%%", step,
		 (unsigned long long)p->run_id, el, p->runtime_s, eta, running, n,
		 n == 1 ? "" : "s", p->sps * (double)n, lv->received_per_s,
		 (unsigned long long)lv->spans, asked, (unsigned long long)lv->refused, 100 * cpu,
		 rss / 1048576.0, 100 * lv->busiest_cpu);
	/* One physical line: a wrapped one could not be rewritten in place. */
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 &&
	    strlen(line) >= ws.ws_col)
		line[ws.ws_col - 1] = '\0';
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
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

/* initial_faults: each group's faults at a run's start, which its events change. */
static void initial_faults(const orc_env *env, const orc_run_params *p, orc_sat_faults *fs)
{
	for (size_t i = 0; i < ORC_PLAN_MAX_SATELLITES; i++)
		fs[i] = (orc_sat_faults){
			.error_status = 500,
			.mode = p->satellite_mode != TB_SAT_DEFAULT ? p->satellite_mode
				: i < env->nsatellites ? env->satellites[i].mode : TB_SAT_TYPICAL};
}

/* Where samples come from: a source per sampler, the ring for one on this host. */
typedef struct feeds {
	smp_source *src[ORC_PLAN_MAX_SAMPLERS];
	bool ring[ORC_PLAN_MAX_SAMPLERS];
	uint64_t origin[ORC_PLAN_MAX_SAMPLERS];	/* samples' time origin; 0: the sampler's */
	size_t n;
} feeds;

static void feeds_close(feeds *f)
{
	for (size_t i = 0; i < f->n; i++)
		smp_source_free(f->src[i]);
	f->n = 0;
}

static int feeds_open(orc_env *env, feeds *f, char *err, size_t errlen)
{
	*f = (feeds){0};
	for (size_t i = 0; i < env->nsamplers && i < ORC_PLAN_MAX_SAMPLERS; i++) {
		orc_peer *smp = &env->samplers[i];
		f->ring[i] = smp->same_host && smp->ring_name[0] != '\0';
		int rc = f->ring[i] ? smp_source_ring_alloc(&f->src[i], smp->ring_name, err, errlen)
				    : smp_source_rpc_alloc(&f->src[i], smp->rpc);
		if (rc != TB_OK) {
			feeds_close(f);
			return rc;
		}
		f->origin[i] = smp->same_host ? tb_now_ns() : 0;
		f->n++;
	}
	return TB_OK;
}

/* member_of finds the client a sample from sampler smp is of. */
static member *member_of(member *m, size_t n, size_t smp, const tb_rec_sample *s,
			 uint64_t run_id)
{
	if (s->run_id != run_id)
		return NULL;
	for (size_t k = 0; k < n; k++)
		if (m[k].launched && m[k].smp == smp && s->pid == (uint32_t)m[k].pid)
			return &m[k];
	return NULL;
}

/* write_lz4 writes text as one LZ4 frame, readable by the standard `lz4` tool. */
static int write_lz4(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
	size_t cap = LZ4F_compressFrameBound(len, NULL);
	char *z = malloc(cap);
	if (z == NULL)
		return TB_ENOMEM;
	size_t zlen = LZ4F_compressFrame(z, cap, text, len, NULL);
	int rc = TB_OK;
	FILE *f = NULL;
	if (LZ4F_isError(zlen)) {
		snprintf(err, errlen, "LZ4: %s", LZ4F_getErrorName(zlen));
		rc = TB_EINVAL;
	} else if ((f = fopen(path, "wb")) == NULL || fwrite(z, 1, zlen, f) != zlen) {
		snprintf(err, errlen, "cannot write %s", path);
		rc = TB_ESYS;
	}
	if (f != NULL && fclose(f) != 0 && rc == TB_OK) {
		snprintf(err, errlen, "cannot write %s", path);
		rc = TB_ESYS;
	}
	free(z);
	return rc;
}

/* Every sample of the run's clients, kept as it came for the raw-samples file: written
 * out after the run, as formatting them while it goes would be most of the
 * orchestrator's CPU at a fine sampling period. */
typedef struct sample_log {
	tb_rec_sample *v;
	size_t n, cap;
} sample_log;

static bool log_add(sample_log *l, const tb_rec_sample *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		tb_rec_sample *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *s;
	return true;
}

/* write_samples writes the log as LZ4-framed CSV at path. */
static void write_samples(const sample_log *l, const char *path)
{
	char *text = NULL, why[256];
	size_t len = 0;
	FILE *csv = open_memstream(&text, &len);
	if (csv == NULL)
		return;
	smp_csv_header(csv);
	for (size_t i = 0; i < l->n; i++)
		smp_csv_row(csv, &l->v[i]);
	fclose(csv);
	if (write_lz4(path, text, len, why, sizeof(why)) != TB_OK)
		tb_warn("orchestrator: raw samples: %s", why);
	free(text);
}

/* read_samples takes what the sources have, for the run's clients. */
static int read_samples(feeds *f, member *m, size_t n, uint64_t run_id, sample_log *log,
			char *err, size_t errlen)
{
	static tb_rec_sample buf[4096];
	for (size_t smp = 0; smp < f->n; smp++) {
		size_t got;
		int rc = smp_source_read(f->src[smp], buf, 4096, &got, err, errlen);
		if (rc != TB_OK)
			return rc;
		for (size_t i = 0; i < got; i++) {
			member *who = member_of(m, n, smp, &buf[i], run_id);
			if (who == NULL)
				continue;
			if (!trace_add(&who->t, &buf[i]))
				return TB_ENOMEM;
			if (log != NULL && !log_add(log, &buf[i]))
				return TB_ENOMEM;
		}
	}
	return TB_OK;
}

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
			fail(m[k].r, "the client sent a malformed result: %s", why);
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
			fail(r, "a satellite (%s) died during the run", env->satellites[i].url);
			why = "satellite";
		}
	if (why != NULL && !*killed) {
		stop_all(m, n);
		*killed = true;
		if (strcmp(why, "timeout") == 0) {
			r->timed_out = true;
			fail(r, "the client outlived %s and was killed", "2 x runtime (+5 s)");
		} else if (strcmp(why, "satellite") != 0) {
			fail(r, "%s", why);
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
	initial_faults(env, p, fs);
	live lv = {0};
	for (;;) {
		int rc = read_samples(f, m, n, p->run_id, log, err, errlen);
		if (rc != TB_OK)
			return rc;
		if (all_exited(m, n))
			break;
		if (!any_http || !take_results(env, m, n, 100))
			tb_sleep_ns(any_http ? 0 : 100 * TB_NS_PER_MS);
		uint64_t now = tb_now_ns();
		for (size_t i = 0; i < p->nevents && i < ORC_PLAN_MAX_EVENTS; i++)
			if (!done[i] && (double)(now - t0) / 1e9 >= p->events[i].at_s) {
				apply_event(env, &p->events[i], fs, r);
				done[i] = true;
			}
		progress(env, p, m, n, &lv, now - t0);
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
 * nothing new came for SETTLE_QUIET_NS, or SETTLE_MAX_NS passed. */
static int settle(orc_env *env, const orc_peer *here, orc_result *r, sat_load *load,
		  char *err, size_t errlen)
{
	uint64_t start = tb_now_ns(), quiet_since = start, last_seen = UINT64_MAX;
	for (;;) {
		int rc = satellite_counts(env, here, r, load, err, errlen);
		if (rc != TB_OK)
			return rc;
		uint64_t now = tb_now_ns();
		if (r->spans_received != last_seen) {
			last_seen = r->spans_received;
			quiet_since = now;
		}
		if ((r->client_result && r->spans_received >= r->spans_sent && load->in_flight == 0) ||
		    now - quiet_since >= SETTLE_QUIET_NS || now - start >= SETTLE_MAX_NS)
			return TB_OK;
		tb_sleep_ns(50 * TB_NS_PER_MS);
	}
}


/* cpu_at is the client's CPU at run time at_ns, read between the samples around it; the
 * client started at 0 with none. */
static double cpu_at(const trace *t, uint64_t at_ns)
{
	uint64_t t0 = 0, c0 = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (t->t_ns[i] >= at_ns) {
			double f = t->t_ns[i] > t0 ? (double)(at_ns - t0) / (double)(t->t_ns[i] - t0)
						   : 1;
			return (double)c0 + f * (double)(t->cpu_ns[i] - c0);
		}
		t0 = t->t_ns[i];
		c0 = t->cpu_ns[i];
	}
	return (double)c0;
}

/* usage is CPU over wall time from work_ns, when the client took its command (0 for
 * argv clients: their command is their start), to its exit or its last sample. What it
 * spent starting up is the Result's startup_cpu, not its share of the benchmark. */
static void usage(const trace *t, uint64_t work_ns, orc_result *r)
{
	uint64_t end_t, end_cpu;
	if (t->exited && t->exit.t_ns > 0) {
		end_t = t->exit.t_ns;
		end_cpu = t->exit.cpu_ns;
	} else if (t->n >= 2) {
		end_t = t->t_ns[t->n - 1];
		end_cpu = t->cpu_ns[t->n - 1];
		work_ns = work_ns > t->t_ns[0] ? work_ns : t->t_ns[0];
	} else {
		return;
	}
	if (work_ns >= end_t)
		work_ns = 0;
	double before = work_ns > 0 ? cpu_at(t, work_ns) : t->exited ? 0 : (double)t->cpu_ns[0];
	if (before > (double)end_cpu)
		before = (double)end_cpu;
	r->startup_cpu = t->exited ? before / 1e9 : 0;
	r->cpu_usage = ((double)end_cpu - before) / (double)(end_t - work_ns);
}

static void summarise(orc_env *env, const trace *t, uint64_t work_ns, orc_result *r)
{
	r->period_s = (double)env->period_ns / 1e9;
	r->peak_rss_bytes = t->peak_rss;
	r->context_switches = t->ctxsw;
	double *cpu = calloc(t->n ? t->n : 1, sizeof(double));
	double *mem = calloc(t->n ? t->n : 1, sizeof(double));
	if (cpu == NULL || mem == NULL) {
		free(cpu);
		free(mem);
		cpu = mem = NULL;
	}
	for (size_t i = 0; i < t->n && cpu != NULL; i++) {
		uint64_t dt = i ? t->t_ns[i] - t->t_ns[i - 1] : 0;
		uint64_t dc = i ? t->cpu_ns[i] - t->cpu_ns[i - 1] : 0;
		cpu[i] = dt ? (double)dc / (double)dt : 0;
		mem[i] = (double)t->rss[i];
	}
	r->cpu_list = (orc_list){cpu, cpu != NULL ? t->n : 0};
	r->memory_list = (orc_list){mem, mem != NULL ? t->n : 0};
	usage(t, work_ns, r);
	if (r->clock_time > 0)
		r->sps_achieved = (double)r->spans_sent / r->clock_time;
	r->exit_code = t->exited ? t->exit.exit_code : -1;
	r->signal = t->exited ? (int)t->exit.signal : 0;
}

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
	int rc = feeds_open(env, &f, err, errlen);
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
	feeds_close(&f);
	if (rc == TB_OK && p->samples_path != NULL)
		write_samples(&log, p->samples_path);
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
		fail(r, "the client %s", how);
	}
	if (!r->client_result)
		fail(r, "%s", "the client sent no result");
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
	int rc = satellite_list(env, m->smp, &m->cmd, err, errlen);
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
		trace_free(&m[k].t);
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
		summarise(env, &m[k].t, work_start(env, &m[k], k), c);
		judge_exit(&m[k].t, c);
		if (c->failed && n > 1) {
			char why[sizeof(c->failure) + 32];
			snprintf(why, sizeof(why), "client %zu: %s", k, c->failure);
			fail(r, "%s", why);
		} else if (c->failed) {
			fail(r, "%s", c->failure);
		}
	}
	/* The run's own reasons to fail come first: the clients' are in them. */
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
static void count_spans(orc_env *env, member *m, size_t n, orc_result *r, sat_load *load)
{
	char err[256];
	if (settle(env, m[0].sampler, r, load, err, sizeof(err)) != TB_OK)
		fail(r, "cannot read the satellites' counters: %s", err);
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
		fail(r, "%s", why);
	for (size_t k = 0; k < n && n > 1; k++) {
		orc_result *c = m[k].r;
		const orc_sat_client_counts *cc = &load->by_client[k];
		if (c->attributed && !orc_account(c, cc->never_acked, cc->in_flight, why,
						  sizeof(why))) {
			fail(c, "%s", why);
			char all[sizeof(why) + 32];
			snprintf(all, sizeof(all), "client %zu: %s", k, why);
			fail(r, "%s", all);
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
	busiest_satellite(env, load, sat_s, r);
	orc_noise_judge_harness(r);
}

static void start_result(const orc_env *env, const orc_run_params *p, orc_result *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->client, sizeof(r->client), "%s",
		 p->clients != NULL && p->nclients > 0 ? p->clients[0].name : p->client);
	snprintf(r->satellite_mode, sizeof(r->satellite_mode), "%s", run_mode(env, p));
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
		      orc_result *r, uint64_t reset_ns)
{
	sat_load *load = calloc(1, sizeof(*load));
	if (load == NULL)
		return TB_ENOMEM;
	r->period_s = (double)env->period_ns / 1e9;
	count_spans(env, m, n, r, load);
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
	int rc = prepare_satellites(env, p, err, errlen);
	if (rc != TB_OK)
		return rc;
	member *m = NULL;
	size_t n = 0;
	if ((rc = members_alloc(env, p, &base, &m, &n, err, errlen)) != TB_OK)
		return rc;
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
		rc = settle_run(env, p, m, n, r, reset_ns);
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
