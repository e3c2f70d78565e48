/* SPDX-License-Identifier: MIT */
/* execute_parts.h - what a plan's execution shares between execute.c (the steps of a
 * plan) and ramp.c (a ramp's rising rates, refinements and twins), and nothing outside
 * libtracebench/run/ uses. */
#ifndef ORC_EXECUTE_PARTS_H
#define ORC_EXECUTE_PARTS_H

#include <stdio.h>

#include "libtracebench/run/calibrate.h"
#include "libtracebench/run/execute.h"
#include "libtracebench/run/harness.h"
#include "libtracebench/results/runsfile.h"
#include "libtracebench/stats/judge.h"

#define MAX_CLIENTS (ORC_PLAN_MAX_RUNS * (ORC_PLAN_MAX_MIX + 1) + 1)

#define MAX_CLIENTS (ORC_PLAN_MAX_RUNS * (ORC_PLAN_MAX_MIX + 1) + 1)

/* One plan's execution: what each step leaves for the next. */
typedef struct execution {
	const orc_plan *plan;
	const orc_exec_opts *o;
	const char *client;			/* the plan's own (or --client) */
	char dir[512];				/* the results directory */
	orc_harness h;
	bool started;
	tb_tls *tls;				/* for tls+tcp:// agents; NULL: none */
	const char *clients[MAX_CLIENTS];	/* every client the plan uses, once each */
	orc_calibration cals[MAX_CLIENTS];
	size_t nclients;
	size_t run_client[ORC_PLAN_MAX_RUNS];	/* each plan run's index into clients */
	size_t mix_client[ORC_PLAN_MAX_RUNS][ORC_PLAN_MAX_MIX];	/* ... and its mix's */
	orc_result *by_run[ORC_PLAN_MAX_RUNS];	/* each plan run's judged results */
	orc_result *warm;	/* warm-up rounds and a ramp's twins: recorded, not judged */
	size_t nall, done, nwarm;
	orc_named_results *named;		/* per plan run, into by_run */
	FILE *jsonl;
	double runtime_left_s;			/* of the steps not started yet */
	double runtime_done_s;			/* of the steps done */
	uint64_t first_step_ns;			/* when the first step started */
	bool any_failed;
	bool stopped;				/* on_failure stop: a run failed */
	char ramp_lines[ORC_PLAN_MAX_RUNS][300];	/* each ramp's outcome, for the summary */
} execution;

/* One step of a plan: run i at sps, in round k. A ramp's steps are recorded in
 * runs.jsonl when the ramp ends, with its breaking point. */
typedef struct step {
	size_t i;
	double sps;
	unsigned k;
	bool defer_record;
	bool twin;		/* a ramp's untraced twin: recorded as NAME.untraced, not judged */
} step;

/* exec_perform_step performs one run after checking for a signal; a failed run in a plan that
 * says on_failure stop sets x->stopped. */
int exec_perform_step(execution *x, const step *st, orc_result **out, char *err, size_t errlen);
/* exec_perform_ramp raises ramp i's rate by its factor until a condition holds, then bisects
 * between the last rate that held and the first that broke, refine times. A plan that
 * stops (a signal, a failed run under on_failure stop) still records what ran. */
int exec_perform_ramp(execution *x, size_t i, char *err, size_t errlen);

#endif
