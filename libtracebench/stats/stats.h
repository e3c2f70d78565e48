/* SPDX-License-Identifier: MIT */
/* stats.h - the statistics of a list of numbers that plans and reports quote: median and
 * percentiles, spread, and a 95% confidence interval of the mean. */
#ifndef ORC_STATS_H
#define ORC_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "libtracebench/results/result.h"

typedef struct orc_stats {
	size_t n;
	double mean, median, min, max;
	double stddev;		/* sample standard deviation (n - 1); 0 for one value */
	double cv;		/* stddev / |mean|; NAN when the mean is 0 */
	double ci95;		/* half-width of the 95% confidence interval of the mean
				 * (Student's t); 0 for one value */
} orc_stats;

/* orc_stats_of computes the statistics of v[0..n) (n > 0). TB_OK or TB_ENOMEM. */
int orc_stats_of(const double *v, size_t n, orc_stats *out);

/* orc_percentile is the q-th percentile (0..100) of v[0..n) (n > 0), interpolated
 * linearly between the two nearest ranks; NAN when out of memory. */
double orc_percentile(const double *v, size_t n, double q);

/* orc_stats_write writes, for a run name performed more than once, one line per metric
 * of the Result's headline figures (orc_result_headlines): its median, min-max, CV and
 * the mean with its 95% interval. A sweep's values are named apart (NAME@RATE), each
 * with its own lines. Nothing for a run performed once. */
void orc_stats_write(FILE *out, const char *name, const orc_result *results, size_t n);

#endif
