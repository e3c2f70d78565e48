/* SPDX-License-Identifier: MIT */
/* execute.h - running a whole plan: start the harness once, calibrate once, perform every
 * run (each sweep value, each repeat), write the results directory, judge the
 * assertions. The plan was parsed and checked before any of this starts. */
#ifndef ORC_EXECUTE_H
#define ORC_EXECUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/tls.h"
#include "libtracebench/plan/plan.h"

typedef struct orc_exec_opts {
	const char *client;		/* NULL: the plan's */
	const char *clients_file;	/* the registry */
	const char *results_root;	/* "results" */
	unsigned control_port;
	bool progress;
	double scale;			/* the plan's durations were scaled by this (--scale) */
	const char *export_format;	/* "github-benchmark" or NULL (checked already) */
	tb_tls_opts tls;		/* --tls-*: override the plan's tls statement */
} orc_exec_opts;

/* orc_execute runs plan in five steps: prepare (registry check, results directory,
 * harness), calibrate (every client the plan uses, once each), perform the runs, judge
 * the assertions, report. *passed tells whether every run completed and every assertion
 * held. Returns TB_OK when the plan ran to its end (passed or not), or the error that
 * stopped it, with err filled. The results directory is printed on stdout. Besides
 * runs.jsonl, summary.txt and the raw samples it keeps plan.txt (the plan as written),
 * assertions.jsonl and environment.json; a plan with graphs ends with its report
 * (report.h). */
int orc_execute(const orc_plan *plan, const orc_exec_opts *o, bool *passed, char *err,
		size_t errlen);

#endif
