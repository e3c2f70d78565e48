/* SPDX-License-Identifier: MIT */
/* compare.c - medians, bootstrap intervals of their change, and verdicts, per run name
 * and metric, between two results directories. */
#include "libtracebench/stats/compare.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "libtracebench/results/result.h"
#include "libtracebench/results/runsfile.h"
#include "libtracebench/stats/stats.h"

typedef enum format { TEXT, MD, JSON } format;

#define RESAMPLES 2000
#define MIN_REPEATS 3

/* One line of the comparison. */
typedef struct row {
	char run[64];
	const char *metric;
	size_t n_base, n_new;
	double base, new_, change, lo, hi;	/* medians; change and interval, relative */
	const char *verdict;
	size_t repeats_needed;			/* inconclusive: repeats that would settle it */
} row;

/* next is splitmix64: a fixed seed makes every comparison of the same data agree. */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double relative(double base, double now)
{
	if (base == 0)
		return now == 0 ? 0 : now > 0 ? INFINITY : -INFINITY;
	return (now - base) / fabs(base);
}

/* resampled_median is the median of n values drawn from v with replacement. */
static double resampled_median(const double *v, size_t n, double *tmp, uint64_t *seed)
{
	for (size_t i = 0; i < n; i++)
		tmp[i] = v[next(seed) % n];
	return orc_percentile(tmp, n, 50);
}

/* bootstrap fills r's change and its 95% interval from the two samples. */
static int bootstrap(const double *a, size_t na, const double *b, size_t nb, row *r)
{
	double *ch = malloc(RESAMPLES * sizeof(*ch));
	double *tmp = malloc((na > nb ? na : nb) * sizeof(*tmp));
	uint64_t seed = 0x7472616365626e63ull;
	if (ch == NULL || tmp == NULL) {
		free(ch);
		free(tmp);
		return TB_ENOMEM;
	}
	for (size_t i = 0; i < RESAMPLES; i++) {
		/* Two statements: the order of the draws must not be the compiler's choice. */
		double ma = resampled_median(a, na, tmp, &seed);
		double mb = resampled_median(b, nb, tmp, &seed);
		ch[i] = relative(ma, mb);
	}
	r->base = orc_percentile(a, na, 50);
	r->new_ = orc_percentile(b, nb, 50);
	r->change = relative(r->base, r->new_);
	r->lo = orc_percentile(ch, RESAMPLES, 2.5);
	r->hi = orc_percentile(ch, RESAMPLES, 97.5);
	free(ch);
	free(tmp);
	return TB_OK;
}

size_t orc_repeats_needed(size_t n, double change, double lo, double hi, double threshold)
{
	/* Each side of the interval narrows as 1/sqrt(n) about the change: scale n by the
	 * squared ratio of that side's width to its room before the threshold it must not
	 * cross, for the verdict the change itself points to. */
	double need;
	if (change > threshold)
		need = pow((change - lo) / (change - threshold), 2);
	else if (change < -threshold)
		need = pow((hi - change) / (-threshold - change), 2);
	else
		need = fmax(pow((hi - change) / (threshold - change), 2),
			    pow((change - lo) / (change + threshold), 2));
	need *= (double)n;
	if (!isfinite(need) || need >= 1e6)
		return 0;
	return need > (double)n ? (size_t)ceil(need) : n + 1;
}

/* judge_row gives the verdict for a metric where bigger_is_better or not. */
static void judge_row(row *r, double threshold, bool bigger_is_better)
{
	double lo = bigger_is_better ? -r->hi : r->lo, hi = bigger_is_better ? -r->lo : r->hi;
	double change = bigger_is_better ? -r->change : r->change;
	size_t n = r->n_base < r->n_new ? r->n_base : r->n_new;
	if (n < MIN_REPEATS) {
		r->verdict = "inconclusive";
		r->repeats_needed = MIN_REPEATS;
	} else if (lo >= -threshold && hi <= threshold) {
		r->verdict = "unchanged";
	} else if (lo > threshold) {
		r->verdict = "regressed";
	} else if (hi < -threshold) {
		r->verdict = "improved";
	} else {
		r->verdict = "inconclusive";
		r->repeats_needed = orc_repeats_needed(n, change, lo, hi, threshold);
	}
}

/* values collects the judged values of metric f for the runs named name. */
static size_t values(const orc_result *rows, size_t n, const char *name, const orc_field *f,
		     double *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!rows[i].warmup && strcmp(rows[i].plan_run, name) == 0)
			out[k++] = orc_field_number(f, &rows[i]);
	return k;
}

static void print_row(FILE *out, const row *r, format fmt, bool first)
{
	char need[64] = "";
	if (r->repeats_needed > 0)
		snprintf(need, sizeof(need), " (about %zu repeats a side would settle it)",
			 r->repeats_needed);
	switch (fmt) {
	case TEXT:
		fprintf(out, "%s.%s: base %.6g (n %zu), new %.6g (n %zu), change %+.1f%% [95%% CI "
			     "%+.1f%%, %+.1f%%]: %s%s\n", r->run, r->metric, r->base, r->n_base,
			r->new_, r->n_new, 100 * r->change, 100 * r->lo, 100 * r->hi, r->verdict, need);
		break;
	case MD:
		fprintf(out, "| %s | %s | %.6g | %.6g | %+.1f%% | %+.1f%% to %+.1f%% | **%s**%s |\n",
			r->run, r->metric, r->base, r->new_, 100 * r->change, 100 * r->lo,
			100 * r->hi, r->verdict, need);
		break;
	case JSON: {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "run", r->run);
		cJSON_AddStringToObject(o, "metric", r->metric);
		cJSON_AddNumberToObject(o, "base_median", r->base);
		cJSON_AddNumberToObject(o, "new_median", r->new_);
		cJSON_AddNumberToObject(o, "base_repeats", (double)r->n_base);
		cJSON_AddNumberToObject(o, "new_repeats", (double)r->n_new);
		cJSON_AddNumberToObject(o, "change", isfinite(r->change) ? r->change : 0);
		cJSON_AddNumberToObject(o, "ci_low", isfinite(r->lo) ? r->lo : 0);
		cJSON_AddNumberToObject(o, "ci_high", isfinite(r->hi) ? r->hi : 0);
		cJSON_AddStringToObject(o, "verdict", r->verdict);
		if (r->repeats_needed > 0)
			cJSON_AddNumberToObject(o, "repeats_needed", (double)r->repeats_needed);
		char *text = cJSON_PrintUnformatted(o);
		fprintf(out, "%s%s", first ? "" : ",\n", text ? text : "{}");
		cJSON_free(text);
		cJSON_Delete(o);
		break;
	}
	}
}

/* same_environment refuses results from another host or calibration: their numbers are
 * not comparable. Missing environment files cannot tell, and pass. */
static int same_environment(const char *base, const char *new_dir, char *err, size_t errlen)
{
	static const char *const keys[] = {"host", "cpu_model", "calibration"};
	const char *dirs[2] = {base, new_dir};
	cJSON *env[2] = {NULL, NULL};
	int rc = TB_OK;
	for (int i = 0; i < 2; i++) {
		char path[1024], *text = NULL;
		size_t len = 0;
		snprintf(path, sizeof(path), "%s/environment.json", dirs[i]);
		FILE *f = fopen(path, "r");
		if (f != NULL) {
			text = malloc(1 << 20);
			len = text ? fread(text, 1, 1 << 20, f) : 0;
			fclose(f);
			env[i] = text ? cJSON_ParseWithLength(text, len) : NULL;
			free(text);
		}
	}
	for (size_t k = 0; env[0] && env[1] && rc == TB_OK && k < 3; k++) {
		const cJSON *a = cJSON_GetObjectItem(env[0], keys[k]);
		const cJSON *b = cJSON_GetObjectItem(env[1], keys[k]);
		if (!cJSON_Compare(a, b, true)) {
			snprintf(err, errlen, "%s and %s were measured with another %s (give "
					      "--allow-different-hosts to compare them anyway)", base,
				 new_dir, keys[k]);
			rc = TB_EINVAL;
		}
	}
	cJSON_Delete(env[0]);
	cJSON_Delete(env[1]);
	return rc;
}

/* compare_rows writes a row per run name of a and metric; *regressed when one did. */
static int compare_rows(const orc_result *a, size_t na, const orc_result *b, size_t nb,
			const orc_compare_opts *o, format fmt, FILE *out, bool *regressed,
			char *err, size_t errlen)
{
	size_t nall;
	const orc_headline *all = orc_result_headlines(&nall);
	orc_headline one = {o->metric, false};
	for (size_t m = 0; o->metric != NULL && m < nall; m++)
		one.higher_is_better |= strcmp(all[m].name, o->metric) == 0 && all[m].higher_is_better;
	const orc_headline *metrics = o->metric ? &one : all;
	size_t nmetrics = o->metric ? 1 : nall;
	double threshold = o->threshold > 0 ? o->threshold : 0.05;
	double *va = malloc((na ? na : 1) * sizeof(double)), *vb = malloc((nb ? nb : 1) * sizeof(double));
	int rc = va && vb ? TB_OK : TB_ENOMEM;
	bool first = true;
	for (size_t i = 0; rc == TB_OK && i < na; i++) {
		bool seen = a[i].warmup;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(a[j].plan_run, a[i].plan_run) == 0;
		for (size_t m = 0; !seen && rc == TB_OK && m < nmetrics; m++) {
			const orc_field *f = orc_result_field_named(metrics[m].name,
								    strlen(metrics[m].name));
			row r = {.metric = metrics[m].name};
			snprintf(r.run, sizeof(r.run), "%s", a[i].plan_run);
			r.n_base = values(a, na, r.run, f, va);
			r.n_new = values(b, nb, r.run, f, vb);
			if (r.n_new == 0) {
				snprintf(err, errlen, "run '%s' is in the base results but not in the "
						      "new ones", r.run);
				rc = TB_EINVAL;
				break;
			}
			if ((rc = bootstrap(va, r.n_base, vb, r.n_new, &r)) != TB_OK)
				break;
			judge_row(&r, threshold, metrics[m].higher_is_better);
			*regressed |= strcmp(r.verdict, "regressed") == 0;
			print_row(out, &r, fmt, first);
			first = false;
		}
	}
	free(va);
	free(vb);
	return rc;
}

int orc_compare(const char *base, const char *new_dir, const orc_compare_opts *o, FILE *out,
		bool *regressed, char *err, size_t errlen)
{
	*regressed = false;
	format fmt = TEXT;
	if (o->format != NULL && strcmp(o->format, "md") == 0)
		fmt = MD;
	else if (o->format != NULL && strcmp(o->format, "json") == 0)
		fmt = JSON;
	else if (o->format != NULL && strcmp(o->format, "text") != 0) {
		snprintf(err, errlen, "--format %s: expected text, md or json", o->format);
		return TB_EINVAL;
	}
	if (o->threshold < 0 || o->threshold >= 10) {
		snprintf(err, errlen, "--threshold %g: expected a relative change from 0 to 10",
			 o->threshold);
		return TB_EINVAL;
	}
	if (o->metric != NULL) {
		const orc_field *f = orc_result_field_named(o->metric, strlen(o->metric));
		const orc_field *renamed = orc_result_field_renamed(o->metric, strlen(o->metric),
								   ORC_OLD_IN_PLAN);
		if (f == NULL && renamed != NULL) {
			snprintf(err, errlen, "--metric %s: now called %s", o->metric, renamed->name);
			return TB_EINVAL;
		}
		if (f == NULL || orc_field_list(f, &(orc_result){0}) != NULL) {
			snprintf(err, errlen, "--metric %s: not a per-run field of the Result", o->metric);
			return TB_EINVAL;
		}
	}
	int rc;
	if (!o->allow_different_hosts && (rc = same_environment(base, new_dir, err, errlen)) != TB_OK)
		return rc;
	orc_result *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	if ((rc = orc_runsfile_load_dir(base, &a, &na, err, errlen)) != TB_OK)
		return rc;
	if ((rc = orc_runsfile_load_dir(new_dir, &b, &nb, err, errlen)) != TB_OK)
		goto out;
	if (fmt == MD)
		fputs("| run | metric | base | new | change | 95% CI | verdict |\n"
		      "| --- | --- | ---: | ---: | ---: | --- | --- |\n", out);
	if (fmt == JSON)
		fputs("[\n", out);
	rc = compare_rows(a, na, b, nb, o, fmt, out, regressed, err, errlen);
	if (fmt == JSON)
		fputs("\n]\n", out);
out:
	orc_runsfile_free(a, na);
	orc_runsfile_free(b, nb);
	return rc;
}
