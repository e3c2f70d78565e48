/* SPDX-License-Identifier: MIT */
/* stats.c - medians, percentiles, spread and confidence intervals. */
#include "libtracebench/stats/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* sorted returns a sorted copy of v, or NULL. */
static double *sorted(const double *v, size_t n)
{
	double *s = malloc(n * sizeof(*s));
	if (s != NULL) {
		memcpy(s, v, n * sizeof(*s));
		qsort(s, n, sizeof(*s), cmp_double);
	}
	return s;
}

static double rank_of(const double *s, size_t n, double q)
{
	double rank = q / 100 * (double)(n - 1);
	size_t lo = (size_t)floor(rank), hi = lo + 1 < n ? lo + 1 : lo;
	return s[lo] + (s[hi] - s[lo]) * (rank - (double)lo);
}

double orc_percentile(const double *v, size_t n, double q)
{
	double *s = sorted(v, n);
	if (s == NULL)
		return NAN;
	double r = rank_of(s, n, q);
	free(s);
	return r;
}

/* t975 is Student's t for a two-sided 95% interval with df degrees of freedom. */
static double t975(size_t df)
{
	static const double t[] = {
		0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
		2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
	};
	if (df < sizeof(t) / sizeof(t[0]))
		return t[df];
	return df < 60 ? 2.000 : df < 120 ? 1.980 : 1.960;
}

int orc_stats_of(const double *v, size_t n, orc_stats *out)
{
	memset(out, 0, sizeof(*out));
	double *s = sorted(v, n);
	if (s == NULL)
		return TB_ENOMEM;
	double sum = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	out->n = n;
	out->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - out->mean) * (v[i] - out->mean);
	out->median = rank_of(s, n, 50);
	out->min = s[0];
	out->max = s[n - 1];
	out->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	out->cv = out->mean != 0 ? out->stddev / fabs(out->mean) : NAN;
	out->ci95 = n > 1 ? t975(n - 1) * out->stddev / sqrt((double)n) : 0;
	free(s);
	return TB_OK;
}

/* write_group writes the STATS lines of n runs of the same settings. */
static void write_group(FILE *out, const char *name, const orc_result *results, size_t n)
{
	size_t nm;
	const orc_headline *metrics = orc_result_headlines(&nm);
	if (n < 2)
		return;
	double *v = malloc(n * sizeof(*v));
	for (size_t m = 0; v != NULL && m < nm; m++) {
		const orc_field *f = orc_result_field_named(metrics[m].name, strlen(metrics[m].name));
		for (size_t i = 0; i < n; i++)
			v[i] = orc_field_number(f, &results[i]);
		orc_stats st;
		if (orc_stats_of(v, n, &st) != TB_OK)
			break;
		char cv[32];
		if (isnan(st.cv))
			snprintf(cv, sizeof(cv), "-");
		else
			snprintf(cv, sizeof(cv), "%.1f%%", 100 * st.cv);
		fprintf(out, "STATS %s.%s: n %zu, median %.6g, min-max %.6g-%.6g, cv %s, mean %.6g "
			     "+- %.3g (95%%)\n", name, metrics[m].name, st.n, st.median, st.min, st.max, cv,
			st.mean, st.ci95);
	}
	free(v);
}

void orc_stats_write(FILE *out, const char *name, const orc_result *results, size_t n)
{
	/* A sweep's values are different runs: each rate gets lines of its own. */
	bool sweep = false;
	for (size_t i = 1; i < n; i++)
		sweep |= results[i].sps_asked != results[0].sps_asked;
	if (!sweep) {
		write_group(out, name, results, n);
		return;
	}
	orc_result *same = malloc(n * sizeof(*same));
	for (size_t i = 0; same != NULL && i < n; i++) {
		bool first = true;
		for (size_t j = 0; j < i && first; j++)
			first = results[j].sps_asked != results[i].sps_asked;
		if (!first)
			continue;
		size_t k = 0;
		for (size_t j = i; j < n; j++)
			if (results[j].sps_asked == results[i].sps_asked)
				same[k++] = results[j];
		char label[160];
		snprintf(label, sizeof(label), "%s@%g", name, results[i].sps_asked);
		write_group(out, label, same, k);
	}
	free(same);
}
