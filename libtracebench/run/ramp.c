/* SPDX-License-Identifier: MIT */
/* ramp.c - a ramp: rates rising by a factor until a condition breaks, each judged on
 * the median of its rounds (after an untraced twin when it stops on tracer_cpu), then
 * bisections between the last rate that held and the first that broke. */
#include "libtracebench/run/execute_parts.h"

#include <math.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "common/registry.h"
#include "common/sig.h"
#include "libtracebench/run/accounting.h"
#include "libtracebench/plan/budget.h"
#include "libtracebench/run/calibrate.h"
#include "libtracebench/run/environment.h"
#include "libtracebench/results/export.h"
#include "libtracebench/run/harness.h"
#include "libtracebench/stats/judge.h"
#include "libtracebench/report/report.h"
#include "libtracebench/run/run.h"
#include "libtracebench/results/runsfile.h"
#include "libtracebench/stats/stats.h"


/* ramp_broken tells which of the ramp's conditions the rounds of one rate meet, each
 * figure the median of the rounds' (a failed run breaks it too); NULL when none does. */
static const char *ramp_broken(const orc_ramp *rp, orc_result *const *runs, size_t n)
{
	double dropped[ORC_RAMP_MAX_STEPS], cpu[ORC_RAMP_MAX_STEPS], tracer[ORC_RAMP_MAX_STEPS];
	for (size_t k = 0; k < n; k++) {
		const orc_result *r = runs[k];
		if (r->failed)
			return "the run failed";
		dropped[k] = r->spans_sent > 0 ? 100.0 * (double)r->dropped_spans /
							 (double)r->spans_sent
					       : 0;
		cpu[k] = r->cpu_usage;
		tracer[k] = r->tracer_cpu;
	}
	for (size_t c = 0; n > 0 && c < rp->nconds; c++) {
		orc_ramp_what w = rp->conds[c].what;
		const double *v = w == ORC_RAMP_DROPPED ? dropped : w == ORC_RAMP_CPU ? cpu : tracer;
		if (orc_percentile(v, n, 50) > rp->conds[c].limit)
			return rp->conds[c].text;
	}
	return NULL;
}

/* pair_up gives a ramp's run its tracer_cpu, against the untraced twin just before it. */
static void pair_up(orc_result *r, const orc_result *twin)
{
	r->tracer_cpu = r->cpu_usage - twin->cpu_usage;
	r->failed |= twin->failed;
	if (twin->failed && r->failure[0] == '\0')
		snprintf(r->failure, sizeof(r->failure), "its untraced twin failed: %.200s",
			 twin->failure);
	printf("  %-16s tracer CPU %.1f points (%.1f%% traced, %.1f%% untraced)\n", "",
	       100 * r->tracer_cpu, 100 * r->cpu_usage, 100 * twin->cpu_usage);
}

/* ramp_step performs one rate of a ramp, its repeat rounds, each after its untraced twin
 * for a ramp that stops on tracer_cpu; *broke gets the condition it met, if any. */
static int ramp_step(execution *x, size_t i, double sps, const char **broke, char *err,
		     size_t errlen)
{
	const orc_plan_run *pr = &x->plan->runs[i];
	orc_result *runs[ORC_RAMP_MAX_STEPS];
	size_t n = 0;
	*broke = NULL;
	for (unsigned k = 0; k < pr->repeat && n < ORC_RAMP_MAX_STEPS; k++) {
		orc_result *twin = NULL, *r = NULL;
		int rc;
		if (orc_ramp_paired(&pr->ramp)) {
			step tw = {.i = i, .sps = sps, .k = k, .twin = true};
			if ((rc = exec_perform_step(x, &tw, &twin, err, errlen)) != TB_OK || x->stopped)
				return rc;
		}
		step st = {.i = i, .sps = sps, .k = k, .defer_record = true};
		if ((rc = exec_perform_step(x, &st, &r, err, errlen)) != TB_OK)
			return rc;
		if (twin != NULL)
			pair_up(r, twin);
		runs[n++] = r;
		if (x->stopped)
			return TB_OK;
	}
	*broke = ramp_broken(&pr->ramp, runs, n);
	if (*broke != NULL)
		printf("  %-16s %.0f spans/s broke the ramp: %s\n", "", sps, *broke);
	return TB_OK;
}

/* ramp_finish gives every run of ramp i its breaking point and what broke it, writes
 * them to runs.jsonl, and says where the ramp broke: at bad, for why (NULL: it held at
 * every rate; STOPPED: the plan stopped at bad, and good is as far as it got). */
static const char STOPPED[] = "the plan stopped before the ramp ended";

static void ramp_finish(execution *x, size_t i, double good, double bad, const char *why)
{
	const orc_plan_run *pr = &x->plan->runs[i];
	for (size_t k = 0; k < x->named[i].n; k++) {
		orc_result *r = &x->by_run[i][k];
		r->breaking_point = good;
		snprintf(r->broken_by, sizeof(r->broken_by), "%s", why ? why : "");
		if (orc_runsfile_append(x->jsonl, r) != TB_OK)
			tb_warn("orchestrator: cannot write a run of %s to runs.jsonl", pr->name);
	}
	char line[300];
	if (why == STOPPED)
		snprintf(line, sizeof(line), "ramp %s: held up to %.0f spans/s; %s, at %.0f spans/s",
			 pr->name, good, why, bad);
	else if (why != NULL)
		snprintf(line, sizeof(line), "ramp %s: breaking point %.0f spans/s (%.0f spans/s "
			 "broke it: %s)", pr->name, good, bad, why);
	else
		snprintf(line, sizeof(line), "ramp %s: held up to %.0f spans/s, the highest rate "
			 "asked", pr->name, good);
	snprintf(x->ramp_lines[i], sizeof(x->ramp_lines[i]), "%s", line);
	printf("  %s\n", line);
}

/* exec_perform_ramp raises ramp i's rate by its factor until a condition holds, then bisects
 * between the last rate that held and the first that broke, refine times. A plan that
 * stops (a signal, a failed run under on_failure stop) still records what ran. */
int exec_perform_ramp(execution *x, size_t i, char *err, size_t errlen)
{
	const orc_ramp *rp = &x->plan->runs[i].ramp;
	double good = 0, bad = 0, sps = rp->from;
	const char *why = NULL, *broke;
	int rc = TB_OK;
	for (; sps <= rp->to * (1 + 1e-9); sps *= rp->factor) {
		rc = ramp_step(x, i, sps, &broke, err, errlen);
		if (rc != TB_OK || x->stopped)
			goto out;
		if (broke != NULL) {
			bad = sps;
			why = broke;
			break;
		}
		good = sps;
	}
	for (unsigned n = 0; why != NULL && n < rp->refine; n++) {
		sps = (good + bad) / 2;
		rc = ramp_step(x, i, sps, &broke, err, errlen);
		if (rc != TB_OK || x->stopped)
			goto out;
		if (broke != NULL) {
			bad = sps;
			why = broke;
		} else {
			good = sps;
		}
	}
out:
	if (rc != TB_OK || x->stopped) {
		bad = sps;
		why = STOPPED;
	}
	ramp_finish(x, i, good, bad, why);
	return rc;
}
