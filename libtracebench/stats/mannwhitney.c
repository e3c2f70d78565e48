/* SPDX-License-Identifier: MIT */
/* mannwhitney.c - the Mann-Whitney U test (mannwhitney.h). Ranks are doubled so that
 * mid-ranks of ties stay integers and the exact distribution can be counted in an array
 * indexed by the doubled rank sum. */
#include "libtracebench/stats/mannwhitney.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

typedef struct item {
	double v;
	bool in_x;
} item;

static int by_value(const void *a, const void *b)
{
	double x = ((const item *)a)->v, y = ((const item *)b)->v;
	return x < y ? -1 : x > y;
}

/* doubled_ranks sorts the pool and gives each value twice its mid-rank; *ties gets
 * sum(t^3 - t) over groups of t equal values, for the normal approximation. */
static void doubled_ranks(item *pool, size_t n, long *rank2, double *ties)
{
	qsort(pool, n, sizeof(*pool), by_value);
	*ties = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && pool[j + 1].v == pool[i].v)
			j++;
		/* ranks i+1 .. j+1, mid-rank (i + j + 2) / 2, doubled */
		for (size_t k = i; k <= j; k++)
			rank2[k] = (long)(i + j + 2);
		double t = (double)(j - i + 1);
		*ties += t * t * t - t;
		i = j + 1;
	}
}

/* exact_p counts, over every choice of nx of the n pooled values, how many have a doubled
 * rank sum >= r2 and <= r2: ways[k][s] is the number of choices of k values so far whose
 * doubled ranks sum to s. */
static int exact_p(const long *rank2, size_t n, size_t nx, long r2, orc_mwu *out)
{
	long smax = 0;
	for (size_t i = 0; i < n; i++)
		smax += rank2[i];
	size_t width = (size_t)smax + 1;
	double *ways = calloc((nx + 1) * width, sizeof(double));
	if (ways == NULL)
		return TB_ENOMEM;
	ways[0] = 1;
	for (size_t i = 0; i < n; i++)
		for (size_t k = (i + 1 < nx ? i + 1 : nx); k >= 1; k--)
			for (long s = smax; s >= rank2[i]; s--)
				ways[k * width + (size_t)s] += ways[(k - 1) * width + (size_t)(s - rank2[i])];
	double all = 0, ge = 0, le = 0;
	for (long s = 0; s <= smax; s++) {
		double w = ways[nx * width + (size_t)s];
		all += w;
		if (s >= r2)
			ge += w;
		if (s <= r2)
			le += w;
	}
	free(ways);
	out->p_greater = ge / all;
	out->p_less = le / all;
	out->exact = true;
	return TB_OK;
}

/* normal_p: U's normal approximation, with the variance corrected for ties and half a
 * unit of continuity correction. */
static void normal_p(double u, size_t nx, size_t ny, double ties, orc_mwu *out)
{
	double n = (double)(nx + ny), m = (double)nx * (double)ny;
	double mean = m / 2;
	double var = m / 12 * ((n + 1) - ties / (n * (n - 1)));
	if (var <= 0) {
		out->p_greater = out->p_less = 1;
	} else {
		double sd = sqrt(var);
		out->p_greater = 0.5 * erfc((u - 0.5 - mean) / sd / sqrt(2));
		out->p_less = 0.5 * erfc((mean - u - 0.5) / sd / sqrt(2));
	}
	out->exact = false;
}

int orc_mwu_test(const double *x, size_t nx, const double *y, size_t ny, orc_mwu *out)
{
	size_t n = nx + ny;
	int rc = TB_OK;
	memset(out, 0, sizeof(*out));
	if (nx == 0 || ny == 0)
		return TB_EINVAL;
	item *pool = malloc(n * sizeof(*pool));
	long *rank2 = malloc(n * sizeof(*rank2));
	if (pool == NULL || rank2 == NULL) {
		rc = TB_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		pool[i] = i < nx ? (item){x[i], true} : (item){y[i - nx], false};
		if (!isfinite(pool[i].v)) {
			rc = TB_EINVAL;
			goto out;
		}
	}
	double ties;
	doubled_ranks(pool, n, rank2, &ties);
	long r2 = 0;
	for (size_t i = 0; i < n; i++)
		if (pool[i].in_x)
			r2 += rank2[i];
	out->u = (double)r2 / 2 - (double)nx * (double)(nx + 1) / 2;
	if (n <= ORC_MWU_EXACT_MAX)
		rc = exact_p(rank2, n, nx, r2, out);
	else
		normal_p(out->u, nx, ny, ties, out);
out:
	free(pool);
	free(rank2);
	return rc;
}
