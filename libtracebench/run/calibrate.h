/* SPDX-License-Identifier: MIT */
/* calibrate.h - LightStep Benchmarks' calibration, faster: find how many work units the client does
 * per CPU second (work_per_second) and how much sleep per work unit (sleep_per_work)
 * makes the client with a NoOp tracer use target_cpu of a core. A run at S spans/s then
 * gets Work = work_per_second / S and Sleep = Work * sleep_per_work per span, so every
 * run of a plan costs the untraced client the same CPU share, and what the tracer adds
 * shows as the difference.
 *
 * Method, in three named steps, each measured by difference so that what a process
 * costs once (exec, a runtime's start, ASan's and LeakSanitizer's set-up and exit scan)
 * cancels instead of biasing the figures:
 *   1. fixed cost: an empty run (6 spans, no work) measures the CPU and wall time a
 *      process of this client costs whatever it does; every later run subtracts them;
 *   2. probes: unpaced runs at two work sizes give work_per_second as the work added
 *      over the CPU added, so the fixed cost and the per-span overhead cancel;
 *   3. checks: paced one-second runs at 500 spans/s steer CPU time per span by the work
 *      and off-CPU time per span by the sleep, each step scaled by the slope the last
 *      two checks measured, accepted only near the slope measured before (a window
 *      centred on the last measurement, not on the first guess). A client whose CPU
 *      includes threads beside its span loop (a runtime's garbage collector) converges
 *      too, and so does one that pays its sleep in whole intervals: checks cap
 *      SleepInterval at 10 ms.
 * Within 2 points and 8% of the rate it stops (typically in 2 to 4 checks); after six it
 * keeps the closest, marks the calibration unsettled, and a warning says what the checks
 * measured: CPU that did not fall as sleep rose (the client does not pay its sleep), the
 * host's other load, or the shares seen. Settled calibrations are cached per client and
 * host in $XDG_CACHE_HOME/tracebench (or ~/.cache/tracebench), so a plan calibrates once;
 * an unsettled one is never cached. */
#ifndef ORC_CALIBRATE_H
#define ORC_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libtracebench/run/run.h"

typedef struct orc_calibration {
	double target_cpu;
	double work_per_second;
	double sleep_per_work_ns;
	double measured_cpu;	/* the last check's CPU share */
	double seconds;		/* time calibration took */
	int runs;
	double host_cpu;	/* the host's busy share meanwhile */
	double host_other_cpu;	/* cores other work used meanwhile (orc_result's) */
	double fixed_cpu_s;	/* CPU a process of this client costs doing nothing */
	double fixed_wall_s;	/* and the wall time */
	int checks;		/* paced checks it took */
	bool settled;		/* within 2 points; else the closest check was kept */
} orc_calibration;

/* What calibration asks one NoOp run for, and what it saw: the seam between the
 * calibration loop and the runs, so the loop can be driven by a simulated client. */
typedef struct orc_cal_ask {
	double sps, runtime_s;
	uint64_t work, sleep_ns;
} orc_cal_ask;

typedef struct orc_cal_seen {
	double cpu_s, wall_s;	/* the client's program_time and clock_time */
	uint64_t spans;
	double host_cpu, host_other_cpu;
} orc_cal_seen;

/* orc_cal_run_fn runs one NoOp run. TB_OK, or an error with err filled. */
typedef int (*orc_cal_run_fn)(void *ctx, const orc_cal_ask *ask, orc_cal_seen *seen,
			      char *err, size_t errlen);

/* orc_calibrate_with calibrates client through run: the loop orc_calibrate uses. */
int orc_calibrate_with(orc_cal_run_fn run, void *ctx, const char *client, double target_cpu,
		       orc_calibration *c, char *err, size_t errlen);

/* orc_calibrate calibrates client. TB_OK, or an error with err filled (a calibration run
 * failed). */
int orc_calibrate(orc_env *env, const char *client, double target_cpu, orc_calibration *c,
		  char *err, size_t errlen);

/* orc_calibration_get gives client's calibration at target_cpu: from the cache unless
 * fresh, else by calibrating now and caching the result. It says on stderr what it does
 * and warns when other work kept the host busy meanwhile. The one way `run`,
 * `calibrate` and plans calibrate. TB_OK, or the calibration's error with err filled. */
int orc_calibration_get(orc_env *env, const char *client, double target_cpu, bool fresh,
			orc_calibration *c, char *err, size_t errlen);

/* orc_calibration_load finds a cached calibration for client on this host at target_cpu.
 * TB_OK or TB_ENOENT. */
int orc_calibration_load(const char *client, double target_cpu, orc_calibration *c);

/* orc_calibration_save caches c for client on this host. TB_OK or TB_ESYS. */
int orc_calibration_save(const char *client, const orc_calibration *c, char *err,
			 size_t errlen);

#endif
