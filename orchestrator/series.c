/* SPDX-License-Identifier: MIT */
/* series.c - `orchestrator run --repeat N [--warmup W] [--alternate]`: rounds of one
 * benchmark, each Result printed as it ends, then the median of each headline figure over
 * the rounds counted (and, alternating, of the traced run's difference from the untraced
 * run beside it). Traced and untraced runs take turns so a slow drift of the host
 * touches both alike. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator/commands.h"

#define MAX_ROUNDS 100
#define MAX_HEADLINES 8

/* What the counted runs of one variant (traced or untraced) measured. */
typedef struct tally {
	double v[MAX_HEADLINES][MAX_ROUNDS];	/* per headline, per counted run */
	size_t n;
} tally;

typedef struct series_state {
	const orc_series *s;
	size_t nheadlines;
	tally by[2];		/* [0] untraced, [1] traced */
	unsigned runs, failed;
	bool noisy_host;
} series_state;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *v, size_t n)
{
	double s[MAX_ROUNDS];
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* cv is the coefficient of variation (sample standard deviation over mean); 0 for one. */
static double cv(const double *v, size_t n)
{
	double mean = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		mean += v[i] / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	return n > 1 && mean != 0 ? sqrt(ss / (double)(n - 1)) / fabs(mean) : 0;
}

/* print_one prints one run's Result, with its place in the series when there is one. */
static void print_one(const series_state *st, const tb_result *r, unsigned round,
		      bool trace)
{
	const orc_series *s = st->s;
	bool series = s->repeat > 1 || s->alternate;
	if (s->json) {
		char *text = tb_result_json(r);
		printf("%s\n", text ? text : "{}");
		free(text);
		fflush(stdout);
		return;
	}
	if (series)
		printf("== round %u of %u, %s%s\n", round + 1, s->repeat ? s->repeat : 1,
		       trace ? "traced" : "untraced", round < s->warmup ? " (warm-up, not counted)"
									 : "");
	tb_result_print(r, stdout);
	if (series)
		printf("\n");
	fflush(stdout);
}

/* record keeps a counted run's headline figures, and notes a busy host. */
static void record(series_state *st, const tb_result *r, bool trace)
{
	tally *t = &st->by[trace];
	for (size_t h = 0; h < st->nheadlines; h++) {
		double v = NAN;
		tb_result_number(r, tb_result_headline(h), &v);
		t->v[h][t->n] = v;
	}
	t->n++;
	double other = 0;
	if (st->s->quiet_host > 0 && tb_result_number(r, "host_other_cpu", &other) == TB_OK &&
	    other > st->s->quiet_host) {
		fprintf(stderr, "orchestrator: run %u: other work used %.2f cores of the client's "
				"host (--quiet-host %.2f)\n", st->runs, other, st->s->quiet_host);
		st->noisy_host = true;
	}
}

/* one performs round's run with trace; false when the series should end. */
static bool one(series_state *st, tb_controller *c, tb_satellites *sats, unsigned round,
		bool trace, int *status)
{
	char err[1024];
	tb_benchmark_params p = st->s->p;
	p.trace = trace;
	tb_result *r;
	if (tb_benchmark(c, sats, &p, &r, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: run failed: %s\n", err);
		*status = ORC_EXIT_ERROR;
		return false;
	}
	st->runs++;
	print_one(st, r, round, trace);
	double failed = 0;
	tb_result_number(r, "failed", &failed);
	if (round >= st->s->warmup && failed == 0)
		record(st, r, trace);
	tb_result_free(r);
	st->failed += failed != 0;
	return !(failed != 0 && st->s->stop_on_failure) && !tb_stop_requested();
}

/* summary prints the medians of each variant's counted runs, and says whether they are
 * too noisy to judge. Returns true when they are not. */
static bool summary(const series_state *st)
{
	FILE *out = st->s->json ? stderr : stdout;
	bool quiet = true;
	for (int trace = 1; trace >= 0; trace--) {
		const tally *t = &st->by[trace];
		if (t->n == 0)
			continue;
		fprintf(out, "median of %zu %s run%s:", t->n, trace ? "traced" : "untraced",
			t->n == 1 ? "" : "s");
		for (size_t h = 0; h < st->nheadlines; h++)
			fprintf(out, " %s %.6g", tb_result_headline(h), median(t->v[h], t->n));
		double spread = cv(t->v[0], t->n);
		fprintf(out, " (cv of %s %.3f)\n", tb_result_headline(0), spread);
		if (st->s->max_cv > 0 && spread > st->s->max_cv) {
			fprintf(stderr, "orchestrator: the %s runs are too noisy to judge: cv of %s "
					"%.3f > --max-cv %.3f\n", trace ? "traced" : "untraced",
				tb_result_headline(0), spread, st->s->max_cv);
			quiet = false;
		}
	}
	const tally *u = &st->by[0], *tr = &st->by[1];
	if (st->s->alternate && u->n > 0 && u->n == tr->n) {
		double d[MAX_ROUNDS];
		fprintf(out, "traced - untraced, median of %zu pairs:", u->n);
		for (size_t h = 0; h < st->nheadlines; h++) {
			for (size_t i = 0; i < u->n; i++)
				d[i] = tr->v[h][i] - u->v[h][i];
			fprintf(out, " %s %+.6g", tb_result_headline(h), median(d, u->n));
		}
		fprintf(out, "\n");
	}
	return quiet;
}

int orc_series_run(tb_controller *c, tb_satellites *sats, const orc_series *s)
{
	series_state st = {.s = s};
	while (st.nheadlines < MAX_HEADLINES && tb_result_headline(st.nheadlines) != NULL)
		st.nheadlines++;
	unsigned rounds = s->repeat > 0 ? s->repeat : 1;
	int status = ORC_EXIT_OK;
	bool go = true;
	for (unsigned k = 0; go && k < rounds && k < MAX_ROUNDS; k++) {
		go = one(&st, c, sats, k, s->alternate ? true : s->p.trace, &status);
		if (go && s->alternate)
			go = one(&st, c, sats, k, false, &status);
	}
	if (status != ORC_EXIT_OK)
		return status;
	bool quiet = rounds == 1 && !s->alternate ? true : summary(&st);
	if (!quiet || st.noisy_host)
		return ORC_EXIT_ERROR;
	return st.failed > 0 ? ORC_EXIT_REGRESSION : ORC_EXIT_OK;
}
