/* SPDX-License-Identifier: MIT */
/* export.c - runs.csv, summary.md and junit.xml from a results directory's files. */
#include "libtracebench/results/export.h"

#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "libtracebench/report/markup.h"
#include "libtracebench/results/result.h"
#include "libtracebench/results/runsfile.h"
#include "libtracebench/stats/stats.h"

#include <cjson/cJSON.h>

/* A field runs.csv has a column for: one value per run. */
static bool per_run_value(const orc_field *f)
{
	return f->per == ORC_PER_RUN && f->type != ORC_FT_EVENTS && f->type != ORC_FT_LIST;
}

/* csv_text writes s as one CSV field, quoted when it must be (RFC 4180). */
static void csv_text(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void write_csv(FILE *f, const orc_result *rows, size_t n)
{
	size_t nf;
	const orc_field *fields = orc_result_fields(&nf);
	fputs("plan_run", f);
	for (size_t k = 0; k < nf; k++)
		if (per_run_value(&fields[k]))
			fprintf(f, ",%s", fields[k].name);
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		csv_text(f, rows[i].plan_run);
		for (size_t k = 0; k < nf; k++) {
			if (!per_run_value(&fields[k]))
				continue;
			fputc(',', f);
			const char *text = orc_field_string(&fields[k], &rows[i]);
			if (text != NULL)
				csv_text(f, text);
			else
				fprintf(f, "%.17g", orc_field_number(&fields[k], &rows[i]));
		}
		fputc('\n', f);
	}
}

/* md writes s as the text of one Markdown table cell. */
static void md(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '|' || *s == '\\' || *s == '`' || *s == '*' || *s == '_')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static void write_md(FILE *f, const char *name, const orc_result *rows, size_t n,
		     const orc_verdict *v, size_t nv)
{
	size_t held = 0, failed = 0, nf;
	for (size_t i = 0; i < nv; i++)
		held += strcmp(v[i].verdict, "PASS") == 0;
	for (size_t i = 0; i < n; i++)
		failed += rows[i].failed;
	bool ok = held == nv && failed == 0;
	fprintf(f, "## tracebench: ");
	md(f, name);
	fprintf(f, "\n\n**%s**: %zu of %zu assertions held; %zu of %zu runs failed.\n\n",
		ok ? "PASS" : "FAIL", held, nv, failed, n);
	if (nv > 0)
		fputs("| verdict | line | assertion | values |\n| --- | ---: | --- | --- |\n", f);
	for (size_t i = 0; i < nv; i++) {
		fprintf(f, "| %s | %d | ", v[i].verdict, v[i].line);
		md(f, v[i].text);
		fputs(" | ", f);
		md(f, v[i].values);
		fputs(" |\n", f);
	}
	const orc_field *fields = orc_result_fields(&nf);
	fputs("\n| # | run |", f);
	for (size_t k = 0; k < nf; k++)
		if (fields[k].column != NULL)
			fprintf(f, " %s |", fields[k].column);
	fputs(" outcome |\n| ---: | --- |", f);
	for (size_t k = 0; k < nf; k++)
		if (fields[k].column != NULL)
			fputs(fields[k].unit == ORC_UNIT_NONE ? " --- |" : " ---: |", f);
	fputs(" --- |\n", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "| %zu | ", i + 1);
		md(f, rows[i].plan_run);
		fputs(" |", f);
		for (size_t k = 0; k < nf; k++) {
			if (fields[k].column == NULL)
				continue;
			char cell[300];
			orc_field_format(&fields[k], &rows[i], cell, sizeof(cell));
			fputc(' ', f);
			md(f, cell);
			fputs(" |", f);
		}
		fputs(rows[i].failed ? " failed: " : " ok", f);
		if (rows[i].failed)
			md(f, rows[i].failure);
		fputs(" |\n", f);
	}
}

static void write_junit(FILE *f, const char *name, const orc_result *rows, size_t n,
			const orc_verdict *v, size_t nv)
{
	size_t failures = 0, errors = 0;
	for (size_t i = 0; i < nv; i++) {
		failures += strcmp(v[i].verdict, "FAIL") == 0;
		errors += strcmp(v[i].verdict, "ERROR") == 0;
	}
	for (size_t i = 0; i < n; i++)
		failures += rows[i].failed;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"tracebench\" "
		   "tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n<testsuite name=\"",
		nv + n, failures, errors);
	orc_markup(f, name);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n", nv + n, failures, errors);
	for (size_t i = 0; i < nv; i++) {
		fputs("<testcase classname=\"assertions\" name=\"", f);
		fprintf(f, "line %d: ", v[i].line);
		orc_markup(f, v[i].text);
		bool pass = strcmp(v[i].verdict, "PASS") == 0;
		bool error = strcmp(v[i].verdict, "ERROR") == 0;
		fputs("\">\n", f);
		if (!pass) {
			fputs(error ? "<error message=\"" : "<failure message=\"", f);
			orc_markup(f, v[i].values);
			fputs("\"/>\n", f);
		}
		fputs("<system-out>", f);
		orc_markup(f, v[i].values);
		fputs("</system-out>\n</testcase>\n", f);
	}
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<testcase classname=\"runs\" name=\"run %zu: ", i + 1);
		orc_markup(f, rows[i].plan_run);
		fprintf(f, "\" time=\"%.3f\">", rows[i].elapsed_s);
		if (rows[i].failed) {
			fputs("\n<failure message=\"", f);
			orc_markup(f, rows[i].failure);
			fputs("\"/>\n", f);
		}
		fputs("</testcase>\n", f);
	}
	fputs("</testsuite>\n</testsuites>\n", f);
}

/* open_out opens dir/name for writing, its path in path. */
static int open_out(const char *dir, const char *name, FILE **f, char *path, size_t len,
		    char *err, size_t errlen)
{
	snprintf(path, len, "%s/%s", dir, name);
	if ((*f = fopen(path, "w")) == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return TB_ESYS;
	}
	return TB_OK;
}

static int close_out(FILE *f, const char *path, char *err, size_t errlen)
{
	if (fclose(f) == 0)
		return TB_OK;
	snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	return TB_ESYS;
}

int orc_export_write(const char *dir, char *err, size_t errlen)
{
	char path[1024], copy[600];
	orc_result *rows;
	size_t n, nv;
	int rc = orc_runsfile_load_dir(dir, &rows, &n, err, errlen);
	if (rc != TB_OK)
		return rc;
	orc_verdict *v = NULL;
	if ((rc = orc_verdicts_load(dir, &v, &nv)) != TB_OK) {
		snprintf(err, errlen, "%s/assertions.jsonl: %s", dir, tb_strerror(rc));
		goto out;
	}
	snprintf(copy, sizeof(copy), "%s", dir);
	const char *name = basename(copy);
	FILE *f;
	if ((rc = open_out(dir, "runs.csv", &f, path, sizeof(path), err, errlen)) != TB_OK)
		goto out;
	write_csv(f, rows, n);
	if ((rc = close_out(f, path, err, errlen)) != TB_OK ||
	    (rc = open_out(dir, "summary.md", &f, path, sizeof(path), err, errlen)) != TB_OK)
		goto out;
	write_md(f, name, rows, n, v, nv);
	if ((rc = close_out(f, path, err, errlen)) != TB_OK ||
	    (rc = open_out(dir, "junit.xml", &f, path, sizeof(path), err, errlen)) != TB_OK)
		goto out;
	write_junit(f, name, rows, n, v, nv);
	rc = close_out(f, path, err, errlen);
out:
	free(v);
	orc_runsfile_free(rows, n);
	return rc;
}

/* bench_entry adds the median of one metric over the judged runs named name. */
static void bench_entry(cJSON *a, const orc_result *rows, size_t n, const char *name,
			const orc_field *f, double *v)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!rows[i].warmup && strcmp(rows[i].plan_run, name) == 0)
			v[k++] = orc_field_number(f, &rows[i]);
	orc_stats st;
	if (k == 0 || orc_stats_of(v, k, &st) != TB_OK)
		return;
	char label[160], extra[160];
	snprintf(label, sizeof(label), "%s %s", name, f->name);
	snprintf(extra, sizeof(extra), "median of %zu; min %.6g, max %.6g", k, st.min, st.max);
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "name", label);
	cJSON_AddStringToObject(e, "unit", orc_unit_name(f->unit));
	cJSON_AddNumberToObject(e, "value", st.median);
	cJSON_AddStringToObject(e, "extra", extra);
	cJSON_AddItemToArray(a, e);
}

int orc_export_github_benchmark(const char *dir, char *err, size_t errlen)
{
	size_t nm;
	const orc_headline *metrics = orc_result_headlines(&nm);
	char path[1024];
	orc_result *rows;
	size_t n;
	int rc = orc_runsfile_load_dir(dir, &rows, &n, err, errlen);
	if (rc != TB_OK)
		return rc;
	cJSON *a = cJSON_CreateArray();
	double *v = malloc((n ? n : 1) * sizeof(*v));
	for (size_t i = 0; a != NULL && v != NULL && i < n; i++) {
		bool first = true;
		for (size_t j = 0; j < i && first; j++)
			first = strcmp(rows[j].plan_run, rows[i].plan_run) != 0;
		for (size_t m = 0; first && m < nm; m++)
			if (!metrics[m].higher_is_better)
				bench_entry(a, rows, n, rows[i].plan_run,
					    orc_result_field_named(metrics[m].name,
								   strlen(metrics[m].name)), v);
	}
	char *text = a != NULL && v != NULL ? cJSON_Print(a) : NULL;
	FILE *f = NULL;
	rc = text == NULL ? TB_ENOMEM : open_out(dir, "github-benchmark.json", &f, path,
						  sizeof(path), err, errlen);
	if (rc == TB_OK) {
		fputs(text, f);
		fputc('\n', f);
		rc = close_out(f, path, err, errlen);
	} else if (rc == TB_ENOMEM) {
		snprintf(err, errlen, "out of memory");
	}
	cJSON_free(text);
	cJSON_Delete(a);
	free(v);
	orc_runsfile_free(rows, n);
	return rc;
}
