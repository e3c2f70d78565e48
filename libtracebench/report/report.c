/* SPDX-License-Identifier: MIT */
/* report.c - DIR/graphs/ and DIR/report.html from the files of a results directory.
 * The HTML is one static page with no script: it opens from disk, from a CI artifact
 * store or from a web server alike. Every link it holds points at a file it checked. */
#include "libtracebench/report/report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/host.h"
#include "libtracebench/results/export.h"
#include "libtracebench/report/graph.h"
#include "libtracebench/report/markup.h"
#include "libtracebench/run/noise.h"
#include "libtracebench/plan/plan.h"
#include "libtracebench/results/runsfile.h"
#include "libtracebench/stats/client_table.h"
#include "libtracebench/stats/stats.h"

#define MAX_JSON_FILE (4u << 20)

static bool exists(const char *dir, const char *rel)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return access(path, R_OK) == 0;
}

/* html writes s escaped for the page. */
static void html(FILE *f, const char *s)
{
	orc_markup(f, s);
}

/* html_link writes <a href="rel">text</a> when dir/rel exists, else text alone. */
static void html_link(FILE *f, const char *dir, const char *rel, const char *text)
{
	if (!exists(dir, rel)) {
		html(f, text);
		return;
	}
	fputs("<a href=\"", f);
	html(f, rel);
	fputs("\">", f);
	html(f, text);
	fputs("</a>", f);
}

/* read_json parses dir/name, or returns NULL if it is missing or not JSON. */
static cJSON *read_json(const char *dir, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char *text = malloc(MAX_JSON_FILE + 1);
	size_t n = text ? fread(text, 1, MAX_JSON_FILE, f) : 0;
	fclose(f);
	cJSON *o = text ? cJSON_ParseWithLength(text, n) : NULL;
	free(text);
	return o;
}

/* memory_graph fills g with one memory graph of every run in rows. */
static void memory_graph(orc_graph *g, const orc_result *rows, size_t n)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "memory");
	snprintf(g->title, sizeof(g->title), "Client memory over time");
	g->kind = ORC_GRAPH_MEMORY;
	for (size_t i = 0; i < n && g->nruns < ORC_GRAPH_MAX_RUNS; i++) {
		bool seen = false;
		for (size_t j = 0; j < g->nruns; j++)
			seen |= strcmp(g->runs[j], rows[i].plan_run) == 0;
		if (!seen)
			snprintf(g->runs[g->nruns++], sizeof(g->runs[0]), "%s", rows[i].plan_run);
	}
}

/* ramp_graphs adds a graph of every ramp of plan that out[0..k) does not draw yet. */
static size_t ramp_graphs(const orc_plan *plan, orc_graph *out, size_t k, size_t max)
{
	for (size_t i = 0; i < plan->nruns && k < max; i++) {
		const orc_plan_run *pr = &plan->runs[i];
		bool drawn = false;
		for (size_t j = 0; j < k; j++)
			drawn |= out[j].kind == ORC_GRAPH_RAMP && strcmp(out[j].runs[0], pr->name) == 0;
		if (!pr->ramp.on || drawn)
			continue;
		orc_graph *g = &out[k++];
		memset(g, 0, sizeof(*g));
		snprintf(g->name, sizeof(g->name), "ramp-%.48s", pr->name);
		int used = snprintf(g->title, sizeof(g->title), "ramp %.32s: until", pr->name);
		for (size_t c = 0; c < pr->ramp.nconds && used > 0 && (size_t)used < sizeof(g->title);
		     c++)
			used += snprintf(g->title + used, sizeof(g->title) - (size_t)used, "%s %s",
					 c ? " or" : "", pr->ramp.conds[c].text);
		g->kind = ORC_GRAPH_RAMP;
		g->nruns = 1;
		snprintf(g->runs[0], sizeof(g->runs[0]), "%s", pr->name);
	}
	return k;
}

/* The graphs to draw: the plan's, or one memory graph of every run when it has none;
 * and every ramp's, whether or not the plan asks. */
static size_t plan_graphs(const char *dir, const orc_result *rows, size_t n, orc_graph *out,
			  size_t max, char *problem, size_t plen)
{
	char path[1024], err[512];
	snprintf(path, sizeof(path), "%s/plan.txt", dir);
	orc_plan *plan = NULL;
	size_t k = 0;
	if (access(path, R_OK) == 0 && orc_plan_load(path, &plan, err, sizeof(err)) != TB_OK)
		snprintf(problem, plen, "plan.txt does not parse (%.400s); drawing memory only", err);
	for (size_t i = 0; plan != NULL && i < plan->ngraphs && k < max; i++)
		out[k++] = plan->graphs[i];
	if (k == 0 && max > 0)
		memory_graph(&out[k++], rows, n);
	if (plan != NULL)
		k = ramp_graphs(plan, out, k, max);
	orc_plan_free(plan);
	return k;
}

static void write_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	html(f, title);
	fputs("</title>\n<style>\n"
	      "body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }\n"
	      "table { border-collapse: collapse; margin: 1em 0; font-size: 90%; }\n"
	      "th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }\n"
	      "td.num { text-align: right; font-variant-numeric: tabular-nums; }\n"
	      ".PASS { color: #070; font-weight: bold; } .FAIL, .ERROR, .failed { color: #b00; "
	      "font-weight: bold; }\n"
	      "figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }\n"
	      "code { background: #f4f4f4; padding: 0 0.2em; }\n"
	      "details summary { cursor: pointer; color: #145; white-space: nowrap; }\n"
	      "details table { margin: 0.3em 0; font-size: 95%; }\n"
	      "details th { font-weight: normal; color: #555; white-space: nowrap; }\n"
	      "</style>\n</head>\n<body>\n", f);
}

static void write_graphs(FILE *f, const char *dir, const orc_graph *graphs, size_t ngraphs,
			 const bool *drawn)
{
	fputs("<h2 id=\"graphs\">Graphs</h2>\n", f);
	for (size_t i = 0; i < ngraphs; i++) {
		const orc_graph *g = &graphs[i];
		char rel[160], svg[160], dat[160], gp[160];
		snprintf(rel, sizeof(rel), "graphs/%.63s.png", g->name);
		snprintf(svg, sizeof(svg), "graphs/%.63s.svg", g->name);
		snprintf(dat, sizeof(dat), "graphs/%.63s.dat", g->name);
		snprintf(gp, sizeof(gp), "graphs/%.63s.gp", g->name);
		fputs("<figure id=\"graph-", f);
		html(f, g->name);
		fputs("\">\n", f);
		if (drawn[i]) {
			fputs("<a href=\"", f);
			html(f, svg);
			fputs("\"><img src=\"", f);
			html(f, rel);
			fputs("\" alt=\"", f);
			html(f, g->title);
			fputs("\"></a>\n", f);
		} else {
			fputs("<p class=\"failed\">Not drawn (see the note at the top).</p>\n", f);
		}
		fputs("<figcaption>", f);
		html(f, g->title);
		fprintf(f, " (%s of ", orc_graph_kind_name(g->kind));
		for (size_t r = 0; r < g->nruns; r++) {
			fputs(r ? ", " : "", f);
			html(f, g->runs[r]);
		}
		fputs("): ", f);
		html_link(f, dir, svg, "SVG");
		fputs(" &middot; ", f);
		html_link(f, dir, dat, "data");
		fputs(" &middot; ", f);
		html_link(f, dir, gp, "gnuplot script");
		fputs("</figcaption>\n</figure>\n", f);
	}
}

static void write_assertions(FILE *f, const char *dir, size_t *held, size_t *total)
{
	*held = *total = 0;
	fputs("<h2 id=\"assertions\">Assertions</h2>\n", f);
	orc_verdict *v;
	size_t n;
	if (orc_verdicts_load(dir, &v, &n) != TB_OK || n == 0) {
		fputs("<p>No assertions were judged.</p>\n", f);
		free(v);
		return;
	}
	fputs("<table>\n<tr><th>verdict</th><th>line</th><th>assertion</th><th>values</th></tr>\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		(*total)++;
		*held += strcmp(v[i].verdict, "PASS") == 0;
		fputs("<tr><td class=\"", f);
		html(f, v[i].verdict);
		fputs("\">", f);
		html(f, v[i].verdict);
		fprintf(f, "</td><td class=\"num\">%d</td><td><code>", v[i].line);
		html(f, v[i].text);
		fputs("</code></td><td>", f);
		html(f, v[i].values);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	free(v);
}

/* The runs table shows a run's headline figures and its span counts as columns; every
 * other field with a report column is folded into the row's details, so the table fits
 * a laptop's screen however many fields the Result grows. */
static bool main_column(const orc_field *f)
{
	static const char *const counts[] = {"client", "sps_asked", "client_count", "spans_sent",
					     "spans_received", "unexplained"};
	size_t nh;
	const orc_headline *h = orc_result_headlines(&nh);
	for (size_t i = 0; i < nh; i++)
		if (strcmp(f->name, h[i].name) == 0)
			return true;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		if (strcmp(f->name, counts[i]) == 0)
			return true;
	return false;
}

/* in_table tells whether field f is a column of the runs table (of a client's table,
 * with clients: the fields each client has); main, whether it is a main column. */
static bool in_table(const orc_field *f, bool clients, bool main)
{
	return f->column != NULL && (!clients || f->agg != ORC_AGG_RUN) && main_column(f) == main;
}

static void write_headings(FILE *f, const orc_field *fields, size_t nfields, bool clients)
{
	for (size_t k = 0; k < nfields; k++) {
		if (!in_table(&fields[k], clients, true))
			continue;
		fputs("<th>", f);
		html(f, fields[k].column);
		fputs("</th>", f);
	}
}

/* write_cells writes r's cells under write_headings' columns. */
static void write_cells(FILE *f, const orc_result *r, const orc_field *fields, size_t nfields,
			bool clients)
{
	for (size_t k = 0; k < nfields; k++) {
		if (!in_table(&fields[k], clients, true))
			continue;
		char cell[300];
		orc_field_format(&fields[k], r, cell, sizeof(cell));
		fputs(fields[k].unit == ORC_UNIT_NONE ? "<td>" : "<td class=\"num\">", f);
		html(f, cell);
		fputs("</td>", f);
	}
}

/* write_details writes r's other fields as one folded cell. */
static void write_details(FILE *f, const orc_result *r, const orc_field *fields,
			  size_t nfields, bool clients)
{
	size_t n = 0;
	for (size_t k = 0; k < nfields; k++)
		n += in_table(&fields[k], clients, false);
	fprintf(f, "<td><details><summary>%zu more</summary><table>", n);
	for (size_t k = 0; k < nfields; k++) {
		if (!in_table(&fields[k], clients, false))
			continue;
		char cell[300];
		orc_field_format(&fields[k], r, cell, sizeof(cell));
		fputs("<tr><th>", f);
		html(f, fields[k].column);
		fputs(fields[k].unit == ORC_UNIT_NONE ? "</th><td>" : "</th><td class=\"num\">", f);
		html(f, cell);
		fputs("</td></tr>", f);
	}
	fputs("</table></details></td>", f);
}

static void write_runs(FILE *f, const char *dir, const orc_result *rows, size_t n)
{
	size_t nfields;
	const orc_field *fields = orc_result_fields(&nfields);
	fputs("<h2 id=\"runs\">Runs</h2>\n<table>\n<tr><th>#</th><th>run</th><th>tracer</th>", f);
	write_headings(f, fields, nfields, false);
	fputs("<th>outcome</th><th>details</th><th>samples</th></tr>\n", f);
	for (size_t i = 0; i < n; i++) {
		const orc_result *r = &rows[i];
		fprintf(f, "<tr><td class=\"num\">%zu</td><td>", i + 1);
		html(f, r->plan_run);
		fputs("</td><td>", f);
		html(f, r->trace ? (r->tracer[0] ? r->tracer : "reporting") : "NoOp");
		fputs("</td>", f);
		write_cells(f, r, fields, nfields, false);
		if (r->failed) {
			fputs("<td class=\"failed\">failed: ", f);
			html(f, r->failure);
			fputs("</td>", f);
		} else if (r->unexplained > 0 || r->dup_after_ack > 0) {
			fprintf(f, "<td class=\"failed\">%llu spans unexplained, %llu sent again "
				   "after acknowledgment</td>",
				(unsigned long long)r->unexplained,
				(unsigned long long)r->dup_after_ack);
		} else if (r->harness_bound) {
			fputs("<td class=\"failed\">may measure the harness, not the tracer: ", f);
			html(f, r->harness_note);
			fputs("</td>", f);
		} else {
			fputs("<td>ok</td>", f);
		}
		write_details(f, r, fields, nfields, false);
		char rel[160];
		snprintf(rel, sizeof(rel), "run-%03zu-%.63s.csv.lz4", i + 1, r->plan_run);
		fputs("<td>", f);
		html_link(f, dir, rel, exists(dir, rel) ? "CSV (lz4)" : "none");
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* client_row writes one client of a run as a row of the runs table's client columns. */
static void client_row(FILE *f, size_t c, const orc_result *cr, const orc_field *fields,
		       size_t nfields)
{
	fprintf(f, "<tr><td class=\"num\">%zu</td>", c);
	write_cells(f, cr, fields, nfields, true);
	fputs("<td>", f);
	html(f, cr->sampler);
	fputs("</td>", f);
	if (cr->failed) {
		fputs("<td class=\"failed\">failed: ", f);
		html(f, cr->failure);
		fputs("</td>", f);
	} else if (!cr->attributed) {
		fputs("<td>not counted apart: its reports carry no access token of its own</td>", f);
	} else if (cr->unexplained > 0 || cr->dup_after_ack > 0) {
		fprintf(f, "<td class=\"failed\">%llu spans unexplained, %llu sent again after "
			   "acknowledgment</td>", (unsigned long long)cr->unexplained,
			(unsigned long long)cr->dup_after_ack);
	} else {
		fputs("<td>ok</td>", f);
	}
	write_details(f, cr, fields, nfields, true);
	fputs("</tr>\n", f);
}

/* write_clients gives every run of several clients a table of its clients. */
static void write_clients(FILE *f, const orc_result *rows, size_t n)
{
	size_t nfields;
	const orc_field *fields = orc_result_fields(&nfields);
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		const orc_result *r = &rows[i];
		if (r->nper_client == 0)
			continue;
		if (!any)
			fputs("<h2 id=\"clients\">Clients</h2>\n", f);
		any = true;
		fprintf(f, "<h3>Run %zu, ", i + 1);
		html(f, r->plan_run);
		fprintf(f, ": %zu clients, started within %.3f s of each other</h3>\n<table>\n"
			   "<tr><th>#</th>", r->nper_client, r->start_spread);
		write_headings(f, fields, nfields, true);
		fputs("<th>sampler</th><th>outcome</th><th>details</th></tr>\n", f);
		for (size_t c = 0; c < r->nper_client; c++)
			client_row(f, c, &r->per_client[c], fields, nfields);
		fputs("</table>\n", f);
	}
}

static void env_row(FILE *f, const char *key, const cJSON *v)
{
	fputs("<tr><th>", f);
	html(f, key);
	fputs("</th><td>", f);
	if (cJSON_IsString(v)) {
		html(f, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		fprintf(f, "%g", v->valuedouble);
	} else {
		char *text = cJSON_PrintUnformatted(v);
		html(f, text ? text : "");
		cJSON_free(text);
	}
	fputs("</td></tr>\n", f);
}

static void write_environment(FILE *f, const char *dir, const orc_result *rows, size_t n)
{
	fputs("<h2 id=\"environment\">Environment</h2>\n<table>\n", f);
	cJSON *env = read_json(dir, "environment.json");
	const cJSON *v;
	cJSON_ArrayForEach(v, env) {
		if (!cJSON_IsObject(v)) {
			env_row(f, v->string, v);
			continue;
		}
		const cJSON *sub;
		cJSON_ArrayForEach(sub, v) {
			char key[128];
			snprintf(key, sizeof(key), "%s %s", v->string, sub->string);
			env_row(f, key, sub);
		}
	}
	cJSON_Delete(env);
	/* The tracers, as the clients named them. */
	for (size_t i = 0; i < n; i++) {
		bool seen = rows[i].tracer[0] == '\0';
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(rows[j].tracer, rows[i].tracer) == 0 &&
			       strcmp(rows[j].client, rows[i].client) == 0;
		if (seen)
			continue;
		fputs("<tr><th>tracer of ", f);
		html(f, rows[i].client);
		fputs("</th><td>", f);
		html(f, rows[i].tracer);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void write_raw(FILE *f, const char *dir)
{
	static const char *const files[][2] = {
		{"runs.jsonl", "every run's parameters and Result, one JSON object per line"},
		{"summary.txt", "the assertions as the orchestrator printed them"},
		{"assertions.jsonl", "the assertions as JSON"},
		{"plan.txt", "the plan that ran"},
		{"environment.json", "the environment above"},
	};
	fputs("<h2 id=\"raw\">Raw data</h2>\n<ul>\n", f);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!exists(dir, files[i][0]))
			continue;
		fputs("<li>", f);
		html_link(f, dir, files[i][0], files[i][0]);
		fputs(": ", f);
		html(f, files[i][1]);
		fputs("</li>\n", f);
	}
	fputs("<li>run-NNN-NAME.csv.lz4: every sample of each run (<code>lz4 -dc FILE</code>), "
	      "linked from the table of runs</li>\n</ul>\n", f);
}

/* draw_graphs writes every graph's data and script into dir/graphs and has gnuplot draw
 * them; drawn[i] tells which it could. A graph gnuplot could not draw is a problem told
 * in out, not an error. */
static int draw_graphs(const char *dir, const orc_result *rows, size_t n, orc_graph *graphs,
		       size_t ngraphs, const char *gnuplot, bool *drawn, orc_report_outcome *out,
		       char *err, size_t errlen)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/graphs", dir);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return TB_ESYS;
	}
	bool no_gnuplot = false;
	for (size_t i = 0; i < ngraphs; i++) {
		char why[512];
		if (orc_graph_write(&graphs[i], rows, n, path, err, errlen) != TB_OK)
			return TB_ESYS;
		if (no_gnuplot)
			continue;
		int rc = orc_graph_render(gnuplot, path, graphs[i].name, why, sizeof(why));
		drawn[i] = rc == TB_OK;
		out->drawn += drawn[i];
		no_gnuplot = rc == TB_ENOENT;
		if (rc != TB_OK && out->problem[0] == '\0')
			snprintf(out->problem, sizeof(out->problem), "%s", why);
	}
	return TB_OK;
}

/* write_spread writes the statistics of every run name performed more than once (the
 * rows given are the judged ones, warm-ups left out). */
static void write_spread(FILE *f, const orc_result *rows, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	orc_result *same = malloc((n ? n : 1) * sizeof(*same));
	for (size_t i = 0; m != NULL && same != NULL && i < n; i++) {
		bool first = true;
		for (size_t j = 0; j < i && first; j++)
			first = strcmp(rows[j].plan_run, rows[i].plan_run) != 0;
		if (!first)
			continue;
		size_t k = 0;
		for (size_t j = i; j < n; j++)
			if (strcmp(rows[j].plan_run, rows[i].plan_run) == 0)
				same[k++] = rows[j];
		orc_stats_write(m, rows[i].plan_run, same, k);
	}
	free(same);
	if (m != NULL)
		fclose(m);
	if (text != NULL && len > 0) {
		fputs("<h2 id=\"spread\">Spread</h2>\n<p>Runs performed more than once: median, "
		      "min&ndash;max, coefficient of variation, and the mean with its 95% "
		      "confidence interval.</p>\n<pre>", f);
		html(f, text);
		fputs("</pre>\n", f);
	}
	free(text);
}

/* write_client_table writes the clients compared, traced against NoOp, when any client
 * ran both ways at one rate. */
static void write_client_table(FILE *f, const orc_result *rows, size_t n)
{
	orc_client_row t[ORC_CLIENT_TABLE_MAX];
	size_t k = orc_client_table(rows, n, t, ORC_CLIENT_TABLE_MAX);
	if (k == 0)
		return;
	fputs("<h2 id=\"clients-compared\">Clients compared</h2>\n<p>Each client traced against "
	      "its NoOp runs at the same rate: the medians of the client's CPU share, what the "
	      "tracer added, the largest peak RSS of the traced runs, and the spans that did not "
	      "arrive.</p>\n<table>\n<tr><th>client</th><th>spans/s</th><th>CPU traced</th>"
	      "<th>CPU NoOp</th><th>tracer CPU</th><th>peak RSS MiB</th><th>dropped</th>"
	      "<th>runs</th><th>tracer</th></tr>\n", f);
	for (size_t i = 0; i < k; i++) {
		const orc_client_row *r = &t[i];
		double pct = r->sent ? 100.0 * (double)r->dropped / (double)r->sent : 0;
		fputs("<tr><td>", f);
		html(f, r->client);
		fprintf(f, "</td><td>%.0f</td><td>%.1f%%</td><td>%.1f%%</td><td>%+.1f%%</td>"
			   "<td>%.1f</td><td>%.2f%%</td><td>%zu + %zu</td><td>", r->sps,
			100 * r->cpu_traced, 100 * r->cpu_noop, 100 * (r->cpu_traced - r->cpu_noop),
			r->peak_rss_bytes / 1048576.0, pct, r->traced, r->noop);
		html(f, r->tracer[0] ? r->tracer : "(untold)");
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* write_page writes report.html: the verdict first, then graphs, assertions, runs,
 * environment and raw data. */
static void write_page(FILE *f, const char *dir, const orc_result *rows, size_t n,
		       const orc_result *judged, size_t nj, const orc_graph *graphs,
		       size_t ngraphs, const bool *drawn, const orc_report_outcome *out)
{
	char copy[600], title[700];
	snprintf(copy, sizeof(copy), "%s", dir);
	snprintf(title, sizeof(title), "tracebench report: %s", basename(copy));
	write_head(f, title);
	fputs("<h1>", f);
	html(f, title);
	fputs("</h1>\n", f);
	size_t failed = 0, unexplained = 0, bound = 0;
	for (size_t i = 0; i < n; i++) {
		failed += rows[i].failed;
		unexplained += !rows[i].failed && rows[i].unexplained > 0;
		bound += !rows[i].failed && rows[i].harness_bound;
	}
	/* The assertions are written into a buffer first so their tally can lead the page. */
	char *asserts = NULL;
	size_t asserts_len = 0, held = 0, total = 0;
	FILE *af = open_memstream(&asserts, &asserts_len);
	if (af != NULL) {
		write_assertions(af, dir, &held, &total);
		fclose(af);
	}
	bool ok = held == total && failed == 0;
	fprintf(f, "<p class=\"%s\">%s: %zu of %zu assertions held; %zu of %zu runs failed.</p>\n",
		ok ? "PASS" : "FAIL", ok ? "PASS" : "FAIL", held, total, failed, n);
	if (unexplained > 0)
		fprintf(f, "<p class=\"failed\">%zu of %zu runs lost spans that nothing accounts "
			   "for (the runs table's unexplained column).</p>\n", unexplained, n);
	if (bound > 0)
		fprintf(f, "<p class=\"failed\">%zu of %zu runs may measure the harness, not the "
			   "tracer: a satellite used more than %.0f%% of a core or the client's host "
			   "was more than %.0f%% busy (the runs table's outcome column).</p>\n", bound,
			n, 100 * ORC_HARNESS_SATELLITE_CPU, 100 * ORC_HARNESS_HOST_CPU);
	if (out->problem[0] != '\0') {
		fputs("<p class=\"failed\">", f);
		html(f, out->problem);
		fputs("</p>\n", f);
	}
	fputs("<p><a href=\"#graphs\">Graphs</a> &middot; <a href=\"#assertions\">Assertions</a> "
	      "&middot; <a href=\"#runs\">Runs</a> &middot; <a href=\"#environment\">"
	      "Environment</a> &middot; <a href=\"#raw\">Raw data</a></p>\n", f);
	write_graphs(f, dir, graphs, ngraphs, drawn);
	if (asserts != NULL)
		fputs(asserts, f);
	free(asserts);
	write_client_table(f, judged, nj);
	write_runs(f, dir, rows, n);
	write_clients(f, rows, n);
	write_spread(f, judged, nj);
	write_environment(f, dir, rows, n);
	write_raw(f, dir);
	fprintf(f, "<p><small>Written by %s.</small></p>\n</body>\n</html>\n", TB_SOFTWARE);
}

int orc_report_write(const char *dir, const char *gnuplot, orc_report_outcome *out, char *err,
		     size_t errlen)
{
	memset(out, 0, sizeof(*out));
	orc_result *rows;
	size_t n;
	int rc = orc_runsfile_load_dir(dir, &rows, &n, err, errlen);
	if (rc != TB_OK)
		return rc;
	/* Warm-up rounds are in the table of runs, not in the graphs. */
	orc_result *judged = malloc((n ? n : 1) * sizeof(*judged));
	size_t nj = 0;
	if (judged == NULL) {
		rc = TB_ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (!rows[i].warmup)
			judged[nj++] = rows[i];	/* shallow: the lists stay rows' */
	orc_graph graphs[ORC_PLAN_MAX_GRAPHS];
	bool drawn[ORC_PLAN_MAX_GRAPHS] = {false};
	size_t ngraphs = plan_graphs(dir, judged, nj, graphs, ORC_PLAN_MAX_GRAPHS, out->problem,
				     sizeof(out->problem));
	out->graphs = ngraphs;
	rc = draw_graphs(dir, judged, nj, graphs, ngraphs, gnuplot, drawn, out, err, errlen);
	if (rc != TB_OK)
		goto out;
	snprintf(out->html, sizeof(out->html), "%s/report.html", dir);
	FILE *f = fopen(out->html, "w");
	if (f == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", out->html, strerror(errno));
		rc = TB_ESYS;
		goto out;
	}
	write_page(f, dir, rows, n, judged, nj, graphs, ngraphs, drawn, out);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", out->html, strerror(errno));
		rc = TB_ESYS;
	}
	/* The files for CI systems are made from the same files as the page. */
	if (rc == TB_OK)
		rc = orc_export_write(dir, err, errlen);
out:
	free(judged);
	orc_runsfile_free(rows, n);
	return rc;
}
