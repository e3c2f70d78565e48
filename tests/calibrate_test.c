/* SPDX-License-Identifier: MIT */
/* calibrate_test.c - the calibration loop driven by simulated clients of chosen fixed
 * cost, work rate, per-span overhead, helper-thread CPU and sleep paying, so what is
 * asserted is the number of checks and where they land, never how long anything took.
 * The simulated client is the model the loop assumes of a real one: a process costs
 * fixed CPU and wall time once, each span costs its overhead plus its work, helper
 * threads add CPU beside the span loop, and sleep owed is paid in part or in full. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/error.h"
#include "libtracebench/run/calibrate.h"

typedef struct sim {
	double fixed_cpu, fixed_wall;	/* per process, start-up and exit */
	double rate;			/* work units per CPU second */
	double span_cpu;		/* per-span overhead, seconds */
	double helper;			/* helper-thread CPU per unit of span-loop CPU */
	double pays;			/* share of the sleep owed that is paid */
	double noise;			/* relative noise on CPU and wall, +-noise */
	unsigned seed;
	int runs;
} sim;

static double jitter(sim *s)
{
	s->seed = s->seed * 1103515245u + 12345u;
	double u = (double)((s->seed >> 8) & 0xffff) / 65535.0;
	return 1 + s->noise * (2 * u - 1);
}

static int sim_run(void *ctx, const orc_cal_ask *a, orc_cal_seen *seen, char *err,
		   size_t errlen)
{
	(void)err;
	(void)errlen;
	sim *s = ctx;
	s->runs++;
	double n = llround(a->sps * a->runtime_s);
	double loop = n * (s->span_cpu + (double)a->work / s->rate) * jitter(s);
	double slept = n * (double)a->sleep_ns / 1e9 * s->pays;
	*seen = (orc_cal_seen){.cpu_s = s->fixed_cpu + loop * (1 + s->helper),
			       .wall_s = s->fixed_wall + loop + slept * jitter(s),
			       .spans = (uint64_t)n};
	return TB_OK;
}

/* share is what a long run of the calibrated client would use at 500 spans/s, where
 * the fixed cost no longer counts. */
static double share(const sim *s, const orc_calibration *c)
{
	double work = c->work_per_second / 500, sleep = work * c->sleep_per_work_ns / 1e9;
	double loop = s->span_cpu + work / s->rate;
	return loop * (1 + s->helper) / (loop + sleep * s->pays);
}

static orc_calibration calibrate(sim *s)
{
	orc_calibration c;
	char err[256] = "";
	cr_assert_eq(orc_calibrate_with(sim_run, s, "sim", 0.70, &c, err, sizeof(err)), TB_OK,
		     "%s", err);
	return c;
}

static void assert_settles_in_four(sim *s, const char *what)
{
	orc_calibration c = calibrate(s);
	cr_assert(c.settled, "%s: not settled after %d checks", what, c.checks);
	cr_assert_leq(c.checks, 4, "%s: %d checks", what, c.checks);
	cr_assert(fabs(share(s, &c) - 0.70) <= 0.02, "%s: a long run would use %.1f%%", what,
		  100 * share(s, &c));
	cr_assert(fabs(c.fixed_cpu_s - s->fixed_cpu) <= 0.01 + 0.05 * s->fixed_cpu,
		  "%s: fixed cost %.3f s reported, %.3f s true", what, c.fixed_cpu_s,
		  s->fixed_cpu);
	cr_assert_eq(c.runs, s->runs);
}

Test(calibrate, settles_in_four_checks_whatever_the_fixed_cost_of_a_process)
{
	double fixed[] = {0, 0.072, 0.3, 1.0};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		sim s = {.fixed_cpu = fixed[i], .fixed_wall = fixed[i] * 1.2, .rate = 4e8,
			 .span_cpu = 20e-6, .pays = 1};
		char what[64];
		snprintf(what, sizeof(what), "fixed cost %.3f s", fixed[i]);
		assert_settles_in_four(&s, what);
	}
}

Test(calibrate, settles_beside_helper_threads_and_with_noisy_measurements)
{
	sim gc = {.fixed_cpu = 0.05, .fixed_wall = 0.06, .rate = 4e8, .span_cpu = 20e-6,
		  .helper = 0.3, .pays = 1};
	assert_settles_in_four(&gc, "helper threads");
	for (unsigned seed = 1; seed <= 20; seed++) {
		sim noisy = {.fixed_cpu = 0.3, .fixed_wall = 0.35, .rate = 1e8,
			     .span_cpu = 100e-6, .pays = 1, .noise = 0.01, .seed = seed};
		char what[64];
		snprintf(what, sizeof(what), "1%% noise, seed %u", seed);
		assert_settles_in_four(&noisy, what);
	}
}

Test(calibrate, settles_for_slow_and_fast_workers_and_heavy_span_overhead)
{
	double rates[] = {1e6, 1e7, 1e9, 5e9};
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		sim s = {.fixed_cpu = 0.1, .fixed_wall = 0.1, .rate = rates[i],
			 .span_cpu = i == 1 ? 800e-6 : 5e-6, .pays = 1};
		char what[64];
		snprintf(what, sizeof(what), "rate %.0e", rates[i]);
		assert_settles_in_four(&s, what);
	}
}

/* A client that pays a tenth of the sleep it owes can never slow to 70%: the loop ends
 * at its bound, keeps the closest check and says it did not settle. */
Test(calibrate, a_client_that_does_not_pay_its_sleep_ends_unsettled_at_the_bound)
{
	sim s = {.fixed_cpu = 0.05, .fixed_wall = 0.05, .rate = 4e8, .span_cpu = 20e-6,
		 .pays = 0.1};
	orc_calibration c = calibrate(&s);
	cr_assert(!c.settled);
	cr_assert_eq(c.checks, 6);
	cr_assert(c.runs >= 1 + 2 + 6 && c.runs <= 1 + 3 + 6,
		  "%d runs: the empty run, two or three probes, six checks", c.runs);
}

/* Only settled calibrations are cached, with the fixed cost they were measured net of. */
Test(calibrate, the_cache_keeps_the_fixed_cost_and_reads_back_settled)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/tb-cal-test-%d", (int)getpid());
	setenv("XDG_CACHE_HOME", dir, 1);
	orc_calibration c = {.target_cpu = 0.7, .work_per_second = 123e6,
			     .sleep_per_work_ns = 1.5, .measured_cpu = 0.69, .fixed_cpu_s = 0.072,
			     .fixed_wall_s = 0.08, .checks = 3, .settled = true}, back;
	char err[256];
	cr_assert_eq(orc_calibration_save("sim", &c, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(orc_calibration_load("sim", 0.7, &back), TB_OK);
	cr_assert(back.settled);
	cr_assert_float_eq(back.fixed_cpu_s, 0.072, 1e-12);
	cr_assert_eq(back.checks, 3);
	cr_assert_eq(orc_calibration_load("sim", 0.6, &back), TB_ENOENT);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}
