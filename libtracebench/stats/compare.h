/* SPDX-License-Identifier: MIT */
/* compare.h - two results directories compared run name by run name: for each metric,
 * the medians, the relative change, a 95% bootstrap interval of that change, and a
 * verdict a CI can gate on.
 *
 * The interval comes from resampling each side's repeats with replacement (2000 times,
 * a fixed seed, so a comparison always says the same thing) and taking the 2.5th and
 * 97.5th percentiles of the change of the medians. A bootstrap assumes nothing about the
 * shape of the noise, which on a shared VM is rarely normal, and the median does not
 * move for one outlier. The verdict, for a metric where smaller is better:
 *   unchanged     the whole interval lies within +-threshold;
 *   regressed     the whole interval lies above +threshold;
 *   improved      the whole interval lies below -threshold;
 *   inconclusive  anything else, or fewer than 3 repeats on either side; the line says
 *                 how many repeats a side would narrow the interval enough for the
 *                 verdict the change points to (orc_repeats_needed).
 * For spans per second, bigger is better and the signs swap. */
#ifndef ORC_COMPARE_H
#define ORC_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tracebench.h"

/* What to compare and how to print it (tracebench.h): metric, threshold, format
 * ("text", "md" or "json") and allow_different_hosts. */
typedef tb_compare_opts orc_compare_opts;

/* orc_compare compares base with new and writes the table to out; *regressed tells
 * whether any metric regressed. TB_OK, or TB_EINVAL with err saying why the two cannot
 * be compared (no run name in common, another host or calibration, an unknown metric),
 * or the error reading them. */
/* orc_repeats_needed is how many repeats a side would settle an inconclusive row of n
 * repeats a side, whose change and 95% interval [lo, hi] are relative and oriented so
 * that above +threshold is a regression: the interval's width scales as 1/sqrt(n), and
 * the side facing the threshold must fit in the room between the change and it. 0 when
 * no count would (the change sits on the threshold). Always more than n otherwise. */
size_t orc_repeats_needed(size_t n, double change, double lo, double hi, double threshold);

int orc_compare(const char *base, const char *new_dir, const orc_compare_opts *o, FILE *out,
		bool *regressed, char *err, size_t errlen);

#endif
