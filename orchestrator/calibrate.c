/* SPDX-License-Identifier: MIT */
/* calibrate.c - measuring work_per_second and sleep_per_work with short NoOp runs, and
 * caching them. */
#include "orchestrator/calibrate.h"

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

/* Checks pay sleep in chunks of at most this: a client that pays whole intervals only
 * leaves up to one unpaid at the end of a check, and at LightStep Benchmarks' 100 ms
 * that would be a tenth of a one-second check. */
#define CHECK_INTERVAL_NS (10 * TB_NS_PER_MS)

static int noop_run(orc_env *env, const char *client, double sps, double runtime,
		    uint64_t work, uint64_t sleep_ns, orc_result *r, char *err, size_t errlen)
{
	orc_run_params p = {.client = client, .trace = false, .sps = sps, .runtime_s = runtime,
			    .satellite_mode = TB_SAT_TYPICAL, .work = work, .sleep_ns = sleep_ns,
			    .sleep_interval_cap_ns = CHECK_INTERVAL_NS, .run_id = 0};
	int rc = orc_run(env, &p, r, err, errlen);
	if (rc == TB_OK && r->failed) {
		snprintf(err, errlen, "calibration run failed: %s", r->failure);
		rc = TB_EPEER;
	}
	if (rc == TB_OK && (r->program_time <= 0 || r->spans_sent == 0)) {
		snprintf(err, errlen, "calibration run: the client reported no CPU time or spans");
		rc = TB_EPROTO;
	}
	return rc;
}

/* probe measures units of work per CPU second: an unpaced probe, then one sized to
 * ~0.3 s. */
static int probe(orc_env *env, const char *client, orc_calibration *c, double *per_cpu_second,
		 char *err, size_t errlen)
{
	uint64_t work = 2000;
	orc_result r;
	for (int i = 0; i < 2; i++) {
		int rc = noop_run(env, client, 1000, 1, work, 0, &r, err, errlen);
		c->runs++;
		if (rc != TB_OK) {
			orc_result_free(&r);
			return rc;
		}
		*per_cpu_second = (double)work * (double)r.spans_sent / r.program_time;
		orc_result_free(&r);
		work = (uint64_t)fmax(1, *per_cpu_second * 0.3 / 1000.0);
	}
	return TB_OK;
}

/* One paced check: what it asked per span (w units of work, s ns of sleep) and what it
 * measured per span (CPU seconds c, off-CPU seconds d), and the share and pace. */
typedef struct check {
	double w, s, c, d, u, pace;
} check;

static int run_check(orc_env *env, const char *client, orc_calibration *cal, check *k,
		     char *err, size_t errlen)
{
	orc_result r;
	uint64_t wu = (uint64_t)fmax(1, llround(k->w)), sn = (uint64_t)llround(fmax(0, k->s));
	int rc = noop_run(env, client, CHECK_SPS, CHECK_SECONDS, wu, sn, &r, err, errlen);
	cal->runs++;
	double cpu = r.program_time, wall = r.clock_time, n = (double)r.spans_sent;
	cal->host_cpu = r.host_cpu;
	cal->host_other_cpu = r.host_other_cpu;
	orc_result_free(&r);
	if (rc != TB_OK)
		return rc;
	k->w = (double)wu;
	k->s = (double)sn;
	k->c = cpu / n;
	k->d = fmax(0, wall - cpu) / n;
	k->u = wall > 0 ? cpu / wall : 0;
	k->pace = wall > 0 ? n / wall / CHECK_SPS : 0;
	return TB_OK;
}

/* slope estimates how much y moves per unit x from the last two checks; fallback when
 * they cannot tell (x barely moved) or tell something implausible. */
static double slope(double x1, double y1, double x0, double y0, double fallback)
{
	if (fabs(x1 - x0) < 0.05 * fmax(fabs(x1), fabs(x0)) || y1 == y0)
		return fallback;
	double m = (x1 - x0) / (y1 - y0);
	return m > fallback / 3 && m < fallback * 3 ? m : fallback;
}

/* not_paying tells whether the last step raised the sleep asked for without the
 * client's off-CPU time following: it does not pay what it owes. */
static bool not_paying(const check *k1, const check *k0)
{
	double asked = k1->s - k0->s, got = (k1->d - k0->d) * 1e9;
	return asked > 20e3 && asked > 0.2 * k0->s && got < 0.25 * asked;
}

/* next_guess solves each quantity for its own target: CPU per span by the work, off-CPU
 * time per span by the sleep, each step scaled by the slope the last two checks show.
 * That holds for clients whose CPU runs beside their span loop too (a runtime's GC),
 * which a model of work and sleep alone gets wrong. */
static void next_guess(check *next, const check *k1, const check *k0, double p, double target)
{
	double c_want = target / CHECK_SPS, d_want = (1 - target) / CHECK_SPS;
	double per_cpu = k0 ? slope(k1->w, k1->c, k0->w, k0->c, p) : p;
	double per_off = k0 ? slope(k1->s, k1->d * 1e9, k0->s, k0->d * 1e9, 1.0) : 1.0;
	next->w = fmax(1, k1->w + (c_want - k1->c) * per_cpu);
	next->s = fmax(0, k1->s + (d_want - k1->d) * 1e9 * per_off);
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

int orc_calibrate(orc_env *env, const char *client, double target, orc_calibration *c,
		  char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->target_cpu = target;
	uint64_t t0 = tb_now_ns();
	double p = 0;
	int rc = probe(env, client, c, &p, err, errlen);
	if (rc != TB_OK)
		return rc;
	check k[MAX_CHECKS];
	k[0] = (check){.w = target * p / CHECK_SPS, .s = (1 - target) / CHECK_SPS * 1e9};
	int n = 0, closest = 0, unpaid = 0;
	double best_miss = INFINITY;
	for (; n < MAX_CHECKS; n++) {
		if (n > 0)
			next_guess(&k[n], &k[n - 1], n > 1 ? &k[n - 2] : NULL, p, target);
		if ((rc = run_check(env, client, c, &k[n], err, errlen)) != TB_OK)
			return rc;
		tb_info("orchestrator: calibration check %d: work %.0f, sleep %.1f us per span -> "
			"CPU %.1f%%, %.0f%% of the asked rate", n + 1, k[n].w, k[n].s / 1e3,
			100 * k[n].u, 100 * k[n].pace);
		double miss = fabs(k[n].u - target) + fabs(k[n].pace - 1) / 4;
		if (miss < best_miss) {
			best_miss = miss;
			closest = n;
		}
		unpaid += n > 0 && not_paying(&k[n], &k[n - 1]);
		if (fabs(k[n].u - target) <= TOLERANCE && fabs(k[n].pace - 1) <= PACE_TOLERANCE) {
			n++;
			break;
		}
		if (n == MAX_CHECKS - 1) {
			settle_failed(c, k, n + 1, closest, unpaid, client);
			c->settled = false;
			c->seconds = (double)(tb_now_ns() - t0) / 1e9;
			return TB_OK;
		}
	}
	c->settled = true;
	c->work_per_second = k[n - 1].w * CHECK_SPS;
	c->sleep_per_work_ns = k[n - 1].s / k[n - 1].w;
	c->measured_cpu = k[n - 1].u;
	c->seconds = (double)(tb_now_ns() - t0) / 1e9;
	return TB_OK;
}

/* Bumped whenever what a calibration means changes (v3: checks solve for CPU and
 * off-CPU time per span, paying sleep in chunks of at most 10 ms), so
 * an older cached calibration is never applied to the new behaviour. */
#define CACHE_VERSION 3

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
	int n = fscanf(f, "%lf %lf %lf %lf", &k.target_cpu, &k.work_per_second,
		       &k.sleep_per_work_ns, &k.measured_cpu);
	fclose(f);
	if (n != 4 || fabs(k.target_cpu - target) > 1e-9 || !(k.work_per_second > 0) ||
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
	fprintf(f, "%.17g %.17g %.17g %.17g\n", c->target_cpu, c->work_per_second,
		c->sleep_per_work_ns, c->measured_cpu);
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
	fprintf(stderr, "orchestrator: calibrated %s in %.1f s (%d runs)%s: %.0f work units/s, "
			"%.3f ns sleep per unit, %.1f%% CPU measured\n",
		client, c->seconds, c->runs, c->settled ? "" : ", not within 2 points",
		c->work_per_second, c->sleep_per_work_ns, 100 * c->measured_cpu);
	warn_if_busy(c);
	char why[256];
	if (orc_calibration_save(client, c, why, sizeof(why)) != TB_OK)
		tb_warn("orchestrator: %s", why);
	return TB_OK;
}
