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

static int noop_run(orc_env *env, const char *client, double sps, double runtime,
		    uint64_t work, uint64_t sleep_ns, orc_result *r, char *err, size_t errlen)
{
	orc_run_params p = {.client = client, .trace = false, .sps = sps, .runtime_s = runtime,
			    .satellite_mode = TB_SAT_TYPICAL, .work = work, .sleep_ns = sleep_ns,
			    .run_id = 0};
	int rc = orc_run(env, &p, r, err, errlen);
	if (rc == TB_OK && r->failed) {
		snprintf(err, errlen, "calibration run failed: %s", r->failure);
		rc = TB_EPEER;
	}
	if (rc == TB_OK && r->program_time <= 0) {
		snprintf(err, errlen, "calibration run: the client reported no CPU time");
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
		*per_cpu_second = (double)work * 1000.0 / r.program_time;
		orc_result_free(&r);
		work = (uint64_t)fmax(1, *per_cpu_second * 0.3 / 1000.0);
	}
	return TB_OK;
}

/* What the paced checks have learnt so far: the means of the CPU a unit of work really
 * costs and of how far sleeps overshoot. */
typedef struct learnt {
	double p_sum, o_sum;
	int p_n, o_n;
	double p_eff, overshoot;
} learnt;

/* learn folds one check (wu units and sn ns of sleep per span; cpu and wall seconds for
 * n spans) into l. */
static void learn(learnt *l, uint64_t wu, uint64_t sn, double cpu, double wall, double n)
{
	if (cpu > 0 && n > 0) {
		l->p_sum += (double)wu * n / cpu;
		l->p_eff = l->p_sum / ++l->p_n;
	}
	double planned = n * (double)sn / 1e9, off_cpu = wall - cpu;
	if (planned > 0 && off_cpu > 0) {
		l->o_sum += off_cpu / planned;
		l->overshoot = l->o_sum / ++l->o_n;
	}
}

int orc_calibrate(orc_env *env, const char *client, double target, orc_calibration *c,
		  char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->target_cpu = target;
	uint64_t t0 = tb_now_ns();
	double per_cpu_second = 0;
	int rc = probe(env, client, c, &per_cpu_second, err, errlen);
	if (rc != TB_OK)
		return rc;
	/* Paced checks at CHECK_SPS. Each measures, under real pacing, the CPU a unit of work
	 * really costs (span overhead included) and how far sleeps overshoot; the next guess
	 * solves for the target from the means of all checks so far, so noise averages out
	 * instead of compounding. With w units per span costing w/p CPU seconds and a
	 * planned sleep s paid as s*o, a span takes w/p + s*o: the target share and rate
	 * give w = target*p/sps and s = (1-target)/(sps*o). */
	learnt l = {.p_eff = per_cpu_second, .overshoot = 1.0};
	orc_calibration best = {0};
	double best_miss = INFINITY;
	for (int check = 0; check < MAX_CHECKS; check++) {
		double w = target * l.p_eff / CHECK_SPS;
		double sleep_ns = (1.0 - target) / (CHECK_SPS * l.overshoot) * 1e9;
		c->work_per_second = target * l.p_eff;
		c->sleep_per_work_ns = w > 0 ? sleep_ns / w : 0;
		uint64_t wu = (uint64_t)fmax(1, llround(w)), sn = (uint64_t)llround(sleep_ns);
		orc_result r;
		rc = noop_run(env, client, CHECK_SPS, CHECK_SECONDS, wu, sn, &r, err, errlen);
		c->runs++;
		double cpu = r.program_time, wall = r.clock_time, n = (double)r.spans_sent;
		c->host_cpu = r.host_cpu;
		orc_result_free(&r);
		if (rc != TB_OK)
			return rc;
		double u = wall > 0 ? cpu / wall : 0;
		double pace = wall > 0 ? n / wall / CHECK_SPS : 0;
		c->measured_cpu = u;
		tb_info("orchestrator: calibration check %d: %.0f work/s, sleep_per_work %.3f ns -> "
			"CPU %.1f%%, %.0f%% of the asked rate",
			check + 1, c->work_per_second, c->sleep_per_work_ns, 100 * u, 100 * pace);
		if (fabs(u - target) <= TOLERANCE && fabs(pace - 1) <= PACE_TOLERANCE)
			break;
		if (fabs(u - target) + fabs(pace - 1) / 4 < best_miss) {
			best_miss = fabs(u - target) + fabs(pace - 1) / 4;
			best = *c;
		}
		if (check == MAX_CHECKS - 1) {
			/* A noisy host: keep the closest check rather than refuse to run. */
			int runs = c->runs;
			*c = best;
			c->runs = runs;
			tb_warn("orchestrator: calibration of %s did not settle within 2 points in %d "
				"checks (a busy host?); using the closest: %.1f%% CPU",
				client, MAX_CHECKS, 100 * c->measured_cpu);
			break;
		}
		learn(&l, wu, sn, cpu, wall, n);
	}
	c->seconds = (double)(tb_now_ns() - t0) / 1e9;
	return TB_OK;
}

/* Bumped whenever what a calibration means changes (v2: clients credit oversleep), so
 * an older cached calibration is never applied to the new behaviour. */
#define CACHE_VERSION 2

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

/* warn_if_busy: the host's share includes the client's own; much more than that is
 * someone else's work, which makes every figure noisier. */
static void warn_if_busy(const orc_calibration *c)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	double others = c->host_cpu * (double)(cores > 0 ? cores : 1) - c->measured_cpu;
	if (others > 0.5)
		tb_warn("orchestrator: the host looks busy (about %.1f cores used by other work "
			"during calibration): results will be noisy", others);
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
	fprintf(stderr, "orchestrator: calibrated %s in %.1f s (%d runs): %.0f work units/s, "
			"%.3f ns sleep per unit, %.1f%% CPU measured\n",
		client, c->seconds, c->runs, c->work_per_second, c->sleep_per_work_ns,
		100 * c->measured_cpu);
	warn_if_busy(c);
	char why[256];
	if (orc_calibration_save(client, c, why, sizeof(why)) != TB_OK)
		tb_warn("orchestrator: %s", why);
	return TB_OK;
}
