/* SPDX-License-Identifier: MIT */
/* mannwhitney.h - the Mann-Whitney U test: are one run's repeats larger than another's?
 * A plan's significant(A > B) asks it.
 *
 * It compares ranks, not values, so it assumes nothing of the noise's shape (on a shared
 * VM rarely normal) and one wild repeat moves it by one rank only. With up to
 * ORC_MWU_EXACT_MAX values in all, the p-value is exact: the distribution of the rank sum
 * over every way of splitting the pooled values, ties taking their mid-ranks, counted by
 * dynamic programming. With more, it is the normal approximation with the tie and
 * continuity corrections. Few repeats limit what it can show: with 3 and 3 the smallest
 * one-sided p is 1/20 = 0.05, with 4 and 4 it is 1/70. */
#ifndef ORC_MANNWHITNEY_H
#define ORC_MANNWHITNEY_H

#include <stdbool.h>
#include <stddef.h>

#define ORC_MWU_EXACT_MAX 50

typedef struct orc_mwu {
	double u;		/* U of x: pairs with x > y, ties counting one half */
	double p_greater;	/* one-sided p of x larger than y: P(U >= u) under equality */
	double p_less;		/* one-sided p of x smaller than y: P(U <= u) */
	bool exact;
} orc_mwu;

/* orc_mwu_test tests x[0..nx) against y[0..ny) (both n > 0). TB_OK, TB_EINVAL when a
 * value is not finite, or TB_ENOMEM. */
int orc_mwu_test(const double *x, size_t nx, const double *y, size_t ny, orc_mwu *out);

#endif
