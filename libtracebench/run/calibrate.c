/* SPDX-License-Identifier: MIT */
/* calibrate.c - measuring work_per_second and sleep_per_work with short NoOp runs, and
 * caching them. */
#include "libtracebench/run/calibrate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/host.h"
#include "common/log.h"

#define TOLERANCE 0.02
#define PACE_TOLERANCE 0.08
#define MAX_CHECKS 6
#define CHECK_SPS 500.0
#define CHECK_SECONDS 1.0
#define FIXED_SPANS 6		/* the empty run: one 6-span loop */
#define PROBES 3
#define PROBE_GROWTH 4.0
#define PROBE_MAX_GROWTH 2000.0
#define PROBE_SPS 1000.0
#define PROBE_WORK0 2000
#define PROBE_CPU_S 0.3		/* what the second probe is sized to cost */

/* Checks pay sleep in chunks of at most this: a client that pays whole intervals only
 * leaves up to one unpaid at the end of a check, and at LightStep Benchmarks' 100 ms
 * that would be a tenth of a one-second check. */
#define CHECK_INTERVAL_NS (10 * TB_NS_PER_MS)

/* run_noop is the orc_cal_run_fn of real runs: a NoOp run of the client through env. */
typedef struct real_runs {
	orc_env *env;
	const char *client;
} real_runs;

static int run_noop(void *ctx, const orc_cal_ask *a, orc_cal_seen *seen, char *err,
		    size_t errlen)
{
	real_runs *rr = ctx;
	orc_run_params p = {.client = rr->client, .trace = false, .sps = a->sps,
			    .runtime_s = a->runtime_s, .satellite_mode = TB_SAT_TYPICAL,
			    .work = a->work, .sleep_ns = a->sleep_ns,
			    .sleep_interval_cap_ns = CHECK_INTERVAL_NS, .run_id = 0};
	orc_result r;
	int rc = orc_run(rr->env, &p, &r, err, errlen);
	if (rc == TB_OK && r.failed) {
		snprintf(err, errlen, "calibration run failed: %s", r.failure);
		rc = TB_EPEER;
	}
	*seen = (orc_cal_seen){.cpu_s = r.program_time, .wall_s = r.clock_time,
			       .spans = r.spans_sent, .host_cpu = r.host_cpu,
			       .host_other_cpu = r.host_other_cpu};
	orc_result_free(&r);
	return rc;
}

/* The loop's state: the runner, what it found, and the fixed cost to take off. */
typedef struct cal {
	orc_cal_run_fn run;
	void *ctx;
	orc_calibration *out;
	char *err;
	size_t errlen;
} cal;

static int ask(cal *k, const orc_cal_ask *a, orc_cal_seen *seen)
{
	int rc = k->run(k->ctx, a, seen, k->err, k->errlen);
	k->out->runs++;
	k->out->host_cpu = seen->host_cpu;
	k->out->host_other_cpu = seen->host_other_cpu;
	if (rc == TB_OK && (seen->cpu_s <= 0 || seen->spans == 0)) {
		snprintf(k->err, k->errlen,
			 "calibration run: the client reported no CPU time or spans");
		rc = TB_EPROTO;
	}
	return rc;
}

/* net_cpu is a run's CPU less the fixed cost, never below a millisecond: a fixed cost
 * measured high by noise must not make a run look free. */
static double net_cpu(const orc_calibration *c, double cpu)
{
	return fmax(cpu - c->fixed_cpu_s, fmin(1e-3, cpu));
}

static double net_wall(const orc_calibration *c, double wall)
{
	return fmax(wall - c->fixed_wall_s, fmin(1e-3, wall));
}

/* fixed_cost runs the client with nothing to do: what it costs then, it costs every run
 * whatever the work. A client that times its own workload reports about nothing here. */
static int fixed_cost(cal *k)
{
	orc_cal_seen s;
	orc_cal_ask a = {.sps = FIXED_SPANS, .runtime_s = 1, .work = 1, .sleep_ns = 0};
	int rc = ask(k, &a, &s);
	if (rc != TB_OK)
		return rc;
	k->out->fixed_cpu_s = fmax(0, s.cpu_s);
	k->out->fixed_wall_s = fmax(0, s.wall_s);
	return TB_OK;
}

/* probe measures units of work per CPU second as the work added over the CPU added
 * between unpaced runs of the same span count: the fixed cost and the spans' own
 * overhead cancel. Each run is sized from the one before to cost PROBE_CPU_S of work,
 * and at least PROBE_GROWTH times the work before, so the difference stands out. */
static int probe(cal *k, double *per_cpu_second)
{
	orc_cal_seen s[PROBES];
	uint64_t w[PROBES] = {PROBE_WORK0};
	for (int i = 0; i < PROBES; i++) {
		orc_cal_ask a = {.sps = PROBE_SPS, .runtime_s = 1, .work = w[i], .sleep_ns = 0};
		int rc = ask(k, &a, &s[i]);
		if (rc != TB_OK)
			return rc;
		double net = net_cpu(k->out, s[i].cpu_s), n = (double)s[i].spans;
		double p = (double)w[i] * n / net;
		*per_cpu_second = p;
		if (i > 0) {
			double dw = (double)w[i] * n - (double)w[i - 1] * (double)s[i - 1].spans;
			double dc = s[i].cpu_s - s[i - 1].cpu_s;
			/* The difference is trusted when the work added is a good part of the
			 * run's CPU; else noise in the runs would dominate it. */
			if (dc > 0.25 * net && dw > 0)
				*per_cpu_second = dw / dc;
			if (dw / *per_cpu_second >= PROBE_CPU_S / 2)
				break;
		}
		if (i + 1 < PROBES)
			w[i + 1] = (uint64_t)fmin((double)w[i] * PROBE_MAX_GROWTH,
						  fmax((double)w[i] * PROBE_GROWTH,
						       *per_cpu_second * PROBE_CPU_S / n));
	}
	return TB_OK;
}

/* One paced check: what it asked per span (w units of work, s ns of sleep) and what it
 * measured per span, less the fixed cost (CPU seconds c, off-CPU seconds d), and the
 * share and pace. */
typedef struct check {
	double w, s, c, d, u, pace;
} check;

static int run_check(cal *k, check *ck)
{
	orc_cal_seen s;
	uint64_t wu = (uint64_t)fmax(1, llround(ck->w)), sn = (uint64_t)llround(fmax(0, ck->s));
	orc_cal_ask a = {.sps = CHECK_SPS, .runtime_s = CHECK_SECONDS, .work = wu, .sleep_ns = sn};
	int rc = ask(k, &a, &s);
	if (rc != TB_OK)
		return rc;
	double cpu = net_cpu(k->out, s.cpu_s), wall = net_wall(k->out, s.wall_s);
	double n = (double)s.spans;
	ck->w = (double)wu;
	ck->s = (double)sn;
	ck->c = cpu / n;
	ck->d = fmax(0, wall - cpu) / n;
	ck->u = cpu / wall;
	ck->pace = n / wall / CHECK_SPS;
	return TB_OK;
}

/* slope updates *m, how much x moves per unit y, from the last two checks: kept when
 * they cannot tell (x moved too little to stand above the noise), else replaced by what they measured when that is
 * within 3x of the slope measured before. The window follows the measurements, so a
 * first guess far off does not hold every later step to its own scale. */
static void slope(double x1, double y1, double x0, double y0, double *m)
{
	if (fabs(x1 - x0) < 0.15 * fmax(fabs(x1), fabs(x0)) || y1 == y0)
		return;
	double got = (x1 - x0) / (y1 - y0);
	if (got > *m / 3 && got < *m * 3)
		*m = got;
}

/* not_paying tells whether the last step raised the sleep asked for without the
 * client's off-CPU time following: it does not pay what it owes. */
static bool not_paying(const check *k1, const check *k0)
{
	double asked = k1->s - k0->s, got = (k1->d - k0->d) * 1e9;
	return asked > 20e3 && asked > 0.2 * k0->s && got < 0.25 * asked;
}

/* next_guess solves each quantity for its own target: CPU per span by the work, off-CPU
 * time per span by the sleep, each step scaled by the slopes measured so far. That holds
 * for clients whose CPU runs beside their span loop too (a runtime's GC), which a model
 * of work and sleep alone gets wrong. */
static void next_guess(check *next, const check *k1, const check *k0, double *per_cpu,
		       double *per_off, double target)
{
	double c_want = target / CHECK_SPS, d_want = (1 - target) / CHECK_SPS;
	if (k0 != NULL) {
		slope(k1->w, k1->c, k0->w, k0->c, per_cpu);
		slope(k1->s, k1->d * 1e9, k0->s, k0->d * 1e9, per_off);
	}
	next->w = fmax(1, k1->w + (c_want - k1->c) * *per_cpu);
	next->s = fmax(0, k1->s + (d_want - k1->d) * 1e9 * *per_off);
}

static void describe_checks(const check *k, int n, double target, char *buf, size_t len)
{
	size_t off = 0;
	for (int i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%.1f%%", i ? ", " : "",
					100 * k[i].u);
	if (off < len)
		snprintf(buf + off, len - off, " CPU against %.0f%% asked", 100 * target);
}

/* settle_failed keeps the closest check and says what the checks measured, and what
 * that means: a client that does not pay its sleep, a busy host, or noise. */
static void settle_failed(orc_calibration *c, const check *k, int n, int closest,
			  int unpaid, const char *client)
{
	char seen[256];
	describe_checks(k, n, c->target_cpu, seen, sizeof(seen));
	c->sleep_per_work_ns = k[closest].s / k[closest].w;
	c->work_per_second = k[closest].w * CHECK_SPS;
	c->measured_cpu = k[closest].u;
	c->settled = false;
	if (unpaid > 0)
		tb_warn("orchestrator: calibration of %s did not settle: its CPU did not fall as "
			"its sleep rose (at %.0f us of sleep owed per span it was off CPU %.0f us "
			"per span): the client is not paying the sleep it owes, as one that pays at "
			"most one SleepInterval per loop does when the interval is short. Checks: "
			"%s; using the closest", client, k[n - 1].s / 1e3, k[n - 1].d * 1e6, seen);
	else if (c->host_other_cpu > 0.25)
		tb_warn("orchestrator: calibration of %s did not settle within 2 points: other "
			"work used %.2f cores of the host meanwhile. Checks: %s; using the closest",
			client, c->host_other_cpu, seen);
	else
		tb_warn("orchestrator: calibration of %s did not settle within 2 points in %d "
			"checks (%s, at %.0f%% to %.0f%% of the asked rate); using the closest",
			client, n, seen, 100 * k[0].pace, 100 * k[n - 1].pace);
}

/* steer runs the paced checks until one lands within tolerance, or MAX_CHECKS. */
static int steer(cal *k, const char *client, double p)
{
	orc_calibration *c = k->out;
	double target = c->target_cpu, per_cpu = p, per_off = 1.0, best_miss = INFINITY;
	check ck[MAX_CHECKS];
	ck[0] = (check){.w = target * p / CHECK_SPS, .s = (1 - target) / CHECK_SPS * 1e9};
	int closest = 0, unpaid = 0, rc;
	for (int n = 0; n < MAX_CHECKS; n++) {
		if (n > 0)
			next_guess(&ck[n], &ck[n - 1], n > 1 ? &ck[n - 2] : NULL, &per_cpu,
				   &per_off, target);
		if ((rc = run_check(k, &ck[n])) != TB_OK)
			return rc;
		c->checks = n + 1;
		tb_info("orchestrator: calibration check %d: work %.0f, sleep %.1f us per span -> "
			"CPU %.1f%%, %.0f%% of the asked rate", n + 1, ck[n].w, ck[n].s / 1e3,
			100 * ck[n].u, 100 * ck[n].pace);
		double miss = fabs(ck[n].u - target) + fabs(ck[n].pace - 1) / 4;
		if (miss < best_miss) {
			best_miss = miss;
			closest = n;
		}
		unpaid += n > 0 && not_paying(&ck[n], &ck[n - 1]);
		if (fabs(ck[n].u - target) <= TOLERANCE && fabs(ck[n].pace - 1) <= PACE_TOLERANCE) {
			c->settled = true;
			c->work_per_second = ck[n].w * CHECK_SPS;
			c->sleep_per_work_ns = ck[n].s / ck[n].w;
			c->measured_cpu = ck[n].u;
			return TB_OK;
		}
	}
	settle_failed(c, ck, MAX_CHECKS, closest, unpaid, client);
	return TB_OK;
}

int orc_calibrate_with(orc_cal_run_fn run, void *ctx, const char *client, double target,
		       orc_calibration *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->target_cpu = target;
	uint64_t t0 = tb_now_ns();
	cal k = {.run = run, .ctx = ctx, .out = c, .err = err, .errlen = errlen};
	double p = 0;
	int rc = fixed_cost(&k);
	if (rc == TB_OK)
		rc = probe(&k, &p);
	if (rc == TB_OK)
		rc = steer(&k, client, p);
	c->seconds = (double)(tb_now_ns() - t0) / 1e9;
	return rc;
}

int orc_calibrate(orc_env *env, const char *client, double target, orc_calibration *c,
		  char *err, size_t errlen)
{
	real_runs rr = {.env = env, .client = client};
	return orc_calibrate_with(run_noop, &rr, client, target, c, err, errlen);
}

/* Bumped whenever what a calibration means changes (v4: figures net of the fixed cost
 * of a process, which the cache keeps), so an older cached calibration is never applied
 * to the new behaviour. */
#define CACHE_VERSION 4

static void cache_path(const char *client, char *buf, size_t len, char *dir, size_t dirlen)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (xdg != NULL && xdg[0] == '/')
		snprintf(dir, dirlen, "%s/tracebench", xdg);
	else
		snprintf(dir, dirlen, "%s/.cache/tracebench", home ? home : "/tmp");
	tb_host_id h;
	tb_host_identity(&h);
	snprintf(buf, len, "%s/calibration-v%d-%.64s-%.64s", dir, CACHE_VERSION, h.hostname, client);
}

int orc_calibration_load(const char *client, double target, orc_calibration *c)
{
	char path[600], dir[400];
	cache_path(client, path, sizeof(path), dir, sizeof(dir));
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return TB_ENOENT;
	orc_calibration k = {0};
	int n = fscanf(f, "%lf %lf %lf %lf %lf %lf %d", &k.target_cpu, &k.work_per_second,
		       &k.sleep_per_work_ns, &k.measured_cpu, &k.fixed_cpu_s, &k.fixed_wall_s,
		       &k.checks);
	fclose(f);
	k.settled = true; /* only settled calibrations are saved */
	if (n != 7 || fabs(k.target_cpu - target) > 1e-9 || !(k.work_per_second > 0) ||
	    !(k.sleep_per_work_ns >= 0))
		return TB_ENOENT;
	*c = k;
	return TB_OK;
}

int orc_calibration_save(const char *client, const orc_calibration *c, char *err,
			 size_t errlen)
{
	char path[600], dir[400], tmp[610];
	cache_path(client, path, sizeof(path), dir, sizeof(dir));
	char parent[400];
	snprintf(parent, sizeof(parent), "%s", dir);
	char *slash = strrchr(parent, '/');
	if (slash != NULL) {
		*slash = '\0';
		mkdir(parent, 0755);
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return TB_ESYS;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return TB_ESYS;
	}
	fprintf(f, "%.17g %.17g %.17g %.17g %.17g %.17g %d\n", c->target_cpu,
		c->work_per_second, c->sleep_per_work_ns, c->measured_cpu, c->fixed_cpu_s,
		c->fixed_wall_s, c->checks);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return TB_ESYS;
	}
	return TB_OK;
}

/* warn_if_busy: CPU other work used meanwhile makes every figure noisier. */
static void warn_if_busy(const orc_calibration *c)
{
	if (c->host_other_cpu > 0.5)
		tb_warn("orchestrator: the host looks busy (about %.1f cores used by other work "
			"during calibration): results will be noisy", c->host_other_cpu);
}

int orc_calibration_get(orc_env *env, const char *client, double target, bool fresh,
			orc_calibration *c, char *err, size_t errlen)
{
	if (!fresh && orc_calibration_load(client, target, c) == TB_OK) {
		tb_info("orchestrator: calibration of %s from the cache: %.0f work/s, %.2f ns "
			"sleep per work", client, c->work_per_second, c->sleep_per_work_ns);
		return TB_OK;
	}
	fprintf(stderr, "orchestrator: calibrating %s for %.0f%% CPU...\n", client, 100 * target);
	int rc = orc_calibrate(env, client, target, c, err, errlen);
	if (rc != TB_OK) {
		char why[400];
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "calibrating %s: %s", client, why);
		return rc;
	}
	fprintf(stderr, "orchestrator: calibrated %s in %.1f s (%d runs, %d checks)%s: %.0f work "
			"units/s, %.3f ns sleep per unit, %.1f%% CPU measured\n",
		client, c->seconds, c->runs, c->checks, c->settled ? "" : ", not within 2 points",
		c->work_per_second, c->sleep_per_work_ns, 100 * c->measured_cpu);
	fprintf(stderr, "orchestrator: calibration: fixed cost %.0f ms CPU, %.0f ms wall per "
			"process of %s, taken off every check\n",
		1e3 * c->fixed_cpu_s, 1e3 * c->fixed_wall_s, client);
	warn_if_busy(c);
	char why[256];
	if (!c->settled)
		tb_warn("orchestrator: the unsettled calibration of %s is not cached: the next "
			"run calibrates again", client);
	else if (orc_calibration_save(client, c, why, sizeof(why)) != TB_OK)
		tb_warn("orchestrator: %s", why);
	return TB_OK;
}
