/* SPDX-License-Identifier: MIT */
/* judge.h - evaluating a plan's assertions over the runs' results. A field names a list
 * of numbers: per-run figures (dropped, cpu_usage, ...) give one value per run of that
 * name (its repeats and sweep points, in order); per-sample figures (memory, cpu) give
 * the samples of its runs, one after another. Functions reduce a list to one value. A
 * comparison with a list on either side must hold for every element. */
#ifndef ORC_JUDGE_H
#define ORC_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "libtracebench/plan/plan.h"
#include "libtracebench/results/result.h"

/* The results of every run of one plan run name, in the order they ran. orc_judge takes
 * one per run of the plan, in the plan's order: an assertion's fields were resolved to
 * that index when the plan was parsed. */
typedef struct orc_named_results {
	const char *name;
	const orc_result *results;
	size_t n;
} orc_named_results;

/* orc_judge evaluates a; *pass tells the verdict and values gets a line with the values
 * seen ("lhs = 1.53, rhs = 2"). Returns false (with why in values) when it cannot be
 * evaluated: a run with no results, an empty list, a division by zero. */
bool orc_judge(const orc_assert *a, const orc_named_results *runs, size_t nruns, bool *pass,
	       char *values, size_t len);

/* orc_judge_noisy tells whether a rests on results too noisy to judge:
 * - a per-run field of a run performed more than once whose coefficient of variation
 *   is above max_cv (a list that cannot be summed up, all 0, does not count);
 * - a run during which other work used more than quiet_host cores of the client's host.
 * Then why says which and the figure. 0 turns either check off. */
bool orc_judge_noisy(const orc_assert *a, const orc_named_results *runs, size_t nruns,
		     double max_cv, double quiet_host, char *why, size_t len);

#endif
