/* SPDX-License-Identifier: MIT */
/* stats_test.c - the statistics verdicts rest on, pinned to values computed
 * independently in Python 3.11: the Mann-Whitney p-values by enumerating every split of
 * the pooled values with itertools.combinations (not the counting this code does), the
 * normal approximation with statistics.NormalDist, the spread with statistics.stdev and
 * the percentile with statistics.quantiles(method="inclusive"). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/error.h"
#include "libtracebench/stats/compare.h"
#include "libtracebench/stats/mannwhitney.h"
#include "libtracebench/stats/stats.h"

static orc_mwu mwu(const double *x, size_t nx, const double *y, size_t ny)
{
	orc_mwu m;
	cr_assert_eq(orc_mwu_test(x, nx, y, ny, &m), TB_OK);
	return m;
}

Test(mannwhitney, exact_p_values_match_a_full_enumeration)
{
	/* Every x above every y: U = 16 and only 1 of the 70 splits is as extreme. */
	double a[] = {5, 6, 7, 8}, b[] = {1, 2, 3, 4};
	orc_mwu m = mwu(a, 4, b, 4);
	cr_assert(m.exact);
	cr_assert_float_eq(m.u, 16, 1e-12);
	cr_assert_float_eq(m.p_greater, 1.0 / 70, 1e-12);
	cr_assert_float_eq(m.p_less, 1.0, 1e-12);
	/* 3 against 3 can never do better than 1/20. */
	double c[] = {0.30, 0.31, 0.29}, d[] = {0.28, 0.27, 0.26};
	m = mwu(c, 3, d, 3);
	cr_assert_float_eq(m.u, 9, 1e-12);
	cr_assert_float_eq(m.p_greater, 0.05, 1e-12);
	/* Ties take mid-ranks: 462 splits. */
	double e[] = {1, 2, 2, 3, 5}, f[] = {2, 3, 4, 4, 6, 7};
	m = mwu(e, 5, f, 6);
	cr_assert_float_eq(m.u, 6.5, 1e-12);
	cr_assert_float_eq(m.p_greater, 0.9502164502164502, 1e-12);
	cr_assert_float_eq(m.p_less, 0.06277056277056277, 1e-12);
	/* CPU shares of six repeats each, overlapping: 924 splits. */
	double g[] = {0.512, 0.498, 0.530, 0.505, 0.521, 0.517};
	double h[] = {0.501, 0.495, 0.508, 0.499, 0.503, 0.510};
	m = mwu(g, 6, h, 6);
	cr_assert_float_eq(m.u, 29, 1e-12);
	cr_assert_float_eq(m.p_greater, 0.046536796536796536, 1e-12);
	cr_assert_float_eq(m.p_less, 0.9675324675324676, 1e-12);
}

Test(mannwhitney, large_samples_use_the_tie_corrected_normal_approximation)
{
	double x[30], y[30];
	for (int i = 0; i < 30; i++) {
		x[i] = (double)(i * 7 % 31) / 10 + 0.4;
		y[i] = (double)(i * 11 % 31) / 10;
	}
	orc_mwu m = mwu(x, 30, y, 30);
	cr_assert(!m.exact);
	cr_assert_float_eq(m.u, 555, 1e-9);
	cr_assert_float_eq(m.p_greater, 0.06112453887723479, 1e-9);
}

Test(mannwhitney, bad_input_is_refused)
{
	double x[] = {1, NAN}, y[] = {2};
	orc_mwu m;
	cr_assert_eq(orc_mwu_test(x, 2, y, 1, &m), TB_EINVAL);
	cr_assert_eq(orc_mwu_test(x, 0, y, 1, &m), TB_EINVAL);
}

Test(stats, spread_and_interval_match_pythons_statistics)
{
	double v[] = {0.512, 0.498, 0.530, 0.505, 0.521, 0.517};
	orc_stats st;
	cr_assert_eq(orc_stats_of(v, 6, &st), TB_OK);
	cr_assert_float_eq(st.mean, 0.513833333333, 1e-11);
	cr_assert_float_eq(st.median, 0.5145, 1e-12);
	cr_assert_float_eq(st.stddev, 0.011444066876, 1e-11);
	cr_assert_float_eq(st.cv, 0.022271943321, 1e-11);
	/* t(0.975, 5) = 2.571 */
	cr_assert_float_eq(st.ci95, 0.012011765318, 1e-11);
	cr_assert_float_eq(orc_percentile(v, 6, 90), 0.5255, 1e-12);
	cr_assert_eq(orc_stats_of(v, 1, &st), TB_OK);
	cr_assert_float_eq(st.stddev, 0, 1e-12);
	cr_assert_float_eq(st.ci95, 0, 1e-12);
}

/* +7.1% [+4.4%, +9.6%] at 5 repeats against a 5% threshold: the lower side is 2.7
 * points wide with 2.1 points of room, so n grows by (2.7/2.1)^2 to 8.3, that is 9, not down to 2. */
Test(compare_repeats, scale_n_by_the_squared_ratio_of_width_to_room)
{
	cr_assert_eq(orc_repeats_needed(5, 0.071, 0.044, 0.096, 0.05), 9);
	/* Improved side: -8% [-11%, -3%]: the upper side, 5 points wide, has 3 of room. */
	cr_assert_eq(orc_repeats_needed(10, -0.08, -0.11, -0.03, 0.05), 28);
	/* Unchanged side: +1% [-6%, +4%]: the lower side, 7 points, has 6 of room. */
	cr_assert_eq(orc_repeats_needed(4, 0.01, -0.06, 0.04, 0.05), 6);
	/* Never fewer than one more than it has. */
	cr_assert_gt(orc_repeats_needed(20, 0.10, 0.0499, 0.12, 0.05), 20);
	/* A change right on the threshold cannot be settled by repeats. */
	cr_assert_eq(orc_repeats_needed(5, 0.05, 0.03, 0.07, 0.05), 0);
}

/* A sweep's rates are different runs: pooling 100 and 300 spans/s would report a spread
 * that is only the sweep's. Each value gets lines of its own. */
Test(stats, a_sweep_s_values_are_summed_up_apart)
{
	orc_result r[4] = {{.sps_asked = 100, .sps_achieved = 99, .cpu_usage = 0.5},
			   {.sps_asked = 300, .sps_achieved = 290, .cpu_usage = 0.6},
			   {.sps_asked = 100, .sps_achieved = 97, .cpu_usage = 0.5},
			   {.sps_asked = 300, .sps_achieved = 294, .cpu_usage = 0.6}};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	orc_stats_write(f, "sweep", r, 4);
	fclose(f);
	cr_assert(strstr(text, "STATS sweep@100.sps_achieved: n 2, median 98,") != NULL, "%s", text);
	cr_assert(strstr(text, "STATS sweep@300.sps_achieved: n 2, median 292,") != NULL, "%s", text);
	cr_assert(strstr(text, "STATS sweep.") == NULL, "%s", text);
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	orc_stats_write(f, "same", r, 1);
	orc_stats_write(f, "same", (orc_result[]){r[0], r[2]}, 2);
	fclose(f);
	cr_assert(strstr(text, "STATS same.sps_achieved: n 2, median 98,") != NULL, "%s", text);
	free(text);
}
