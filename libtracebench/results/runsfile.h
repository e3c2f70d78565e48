/* SPDX-License-Identifier: MIT */
/* runsfile.h - runs.jsonl, one line per run: {"plan_run": NAME, "result": {...}}. The
 * report reads this file, not the orchestrator's memory, so `orchestrator report DIR`
 * redraws any results directory, including one copied from another machine. */
#ifndef ORC_RUNSFILE_H
#define ORC_RUNSFILE_H

#include <stddef.h>
#include <stdio.h>

#include "libtracebench/results/result.h"

/* orc_runsfile_append writes r as one line of f, under r->plan_run, and flushes it so a
 * plan that dies keeps every run it finished. TB_OK, TB_ENOMEM or TB_ESYS. */
int orc_runsfile_append(FILE *f, const orc_result *r);

/* orc_runsfile_load reads path into a new array of *n Results (plan_run set). A line
 * that is not a run object is an error naming its line. TB_OK, TB_ENOENT, TB_EPROTO or
 * TB_ENOMEM, with err filled. */
int orc_runsfile_load(const char *path, orc_result **rows, size_t *n, char *err,
		      size_t errlen);

/* orc_runsfile_load_dir is orc_runsfile_load of dir/runs.jsonl. */
int orc_runsfile_load_dir(const char *dir, orc_result **rows, size_t *n, char *err,
			  size_t errlen);

/* orc_runsfile_free frees rows and their lists. */
void orc_runsfile_free(orc_result *rows, size_t n);

/* One judged assertion, as assertions.jsonl keeps it. */
typedef struct orc_verdict {
	char verdict[8];	/* PASS, FAIL or ERROR */
	int line;
	char text[256];		/* as written in the plan */
	char values[512];	/* the values seen, or why it could not be judged */
} orc_verdict;

/* orc_verdicts_load reads dir/assertions.jsonl into a new array of *n verdicts (none, and
 * TB_OK, when the file is missing); lines that are not verdicts are skipped. TB_OK or
 * TB_ENOMEM. */
int orc_verdicts_load(const char *dir, orc_verdict **v, size_t *n);

#endif
