/* SPDX-License-Identifier: MIT */
/* calibrate.h - LightStep Benchmarks' calibration, faster: find how many work units the client does
 * per CPU second (work_per_second) and how much sleep per work unit (sleep_per_work)
 * makes the client with a NoOp tracer use target_cpu of a core. A run at S spans/s then
 * gets Work = work_per_second / S and Sleep = Work * sleep_per_work per span, so every
 * run of a plan costs the untraced client the same CPU share, and what the tracer adds
 * shows as the difference.
 *
 * Method: one unpaced probe measures work_per_second; paced one-second checks at 500
 * spans/s then steer two things per span to their targets at once: CPU time, by the
 * work, and off-CPU time, by the sleep, each step scaled by the slope the last two
 * checks measured. So a client whose CPU includes threads of its own beside the span
 * loop (a runtime's garbage collector) converges too, and so does one that pays its
 * sleep in whole intervals: the checks cap SleepInterval at 10 ms, so at most 10 ms of
 * sleep is left unpaid at the end of a check. The share is the client's own: its CPU
 * time over its wall time for the workload, so process start-up (large for Node.js)
 * does not count against a one-second check. Within 2 points and 8% of the rate it
 * stops; after six checks it keeps the closest and a warning says what the checks
 * measured: CPU that did not fall as sleep rose (the client does not pay its sleep),
 * the host's other load when there was some, or the shares seen.
 * Results are cached per client and host in $XDG_CACHE_HOME/tracebench (or
 * ~/.cache/tracebench), so a plan calibrates once. */
#ifndef ORC_CALIBRATE_H
#define ORC_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "orchestrator/run.h"

typedef struct orc_calibration {
	double target_cpu;
	double work_per_second;
	double sleep_per_work_ns;
	double measured_cpu;	/* the last check's CPU share */
	double seconds;		/* time calibration took */
	int runs;
	double host_cpu;	/* the host's busy share meanwhile */
	double host_other_cpu;	/* cores other work used meanwhile (orc_result's) */
	bool settled;		/* within 2 points; else the closest check was kept */
} orc_calibration;

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
