/* SPDX-License-Identifier: MIT */
/* client_table.c - clients compared, traced against NoOp (client_table.h). */
#include "libtracebench/stats/client_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "libtracebench/stats/stats.h"

/* of_row: r ran row's client at row's rate. */
static bool of_row(const orc_result *r, const orc_client_row *row)
{
	return strcmp(r->client, row->client) == 0 && fabs(r->sps_asked - row->sps) < 1e-6;
}

/* find_row gives the row of r's client and rate, added when new; NULL when full. */
static orc_client_row *find_row(orc_client_row *rows, size_t *n, size_t max,
				const orc_result *r)
{
	for (size_t i = 0; i < *n; i++)
		if (of_row(r, &rows[i]))
			return &rows[i];
	if (*n == max)
		return NULL;
	orc_client_row *row = &rows[(*n)++];
	memset(row, 0, sizeof(*row));
	snprintf(row->client, sizeof(row->client), "%s", r->client);
	row->sps = r->sps_asked;
	return row;
}

/* median_cpu is the median cpu_usage of the runs of row's client and rate, traced or not. */
static double median_cpu(const orc_result *results, size_t n, const orc_client_row *row,
			 bool trace)
{
	double *v = malloc((n ? n : 1) * sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; v != NULL && i < n; i++) {
		const orc_result *r = &results[i];
		if (!r->warmup && !r->failed && r->trace == trace && of_row(r, row))
			v[k++] = r->cpu_usage;
	}
	orc_stats s = {.median = NAN};
	if (k > 0)
		orc_stats_of(v, k, &s);
	free(v);
	return s.median;
}

size_t orc_client_table(const orc_result *results, size_t n, orc_client_row *out, size_t max)
{
	orc_client_row *all = calloc(ORC_CLIENT_TABLE_MAX, sizeof(*all));
	size_t nall = 0, kept = 0;
	for (size_t i = 0; all != NULL && i < n; i++) {
		const orc_result *r = &results[i];
		if (r->warmup || r->failed)
			continue;
		orc_client_row *row = find_row(all, &nall, ORC_CLIENT_TABLE_MAX, r);
		if (row == NULL)
			continue;
		if (!r->trace) {
			row->noop++;
			continue;
		}
		row->traced++;
		row->peak_rss_bytes = fmax(row->peak_rss_bytes, (double)r->peak_rss_bytes);
		row->sent += r->spans_sent;
		row->dropped += r->dropped_spans;
		row->unexplained += r->unexplained;
		if (row->tracer[0] == '\0')
			snprintf(row->tracer, sizeof(row->tracer), "%s", r->tracer);
	}
	for (size_t i = 0; i < nall && kept < max; i++) {
		if (all[i].traced == 0 || all[i].noop == 0)
			continue;
		all[i].cpu_traced = median_cpu(results, n, &all[i], true);
		all[i].cpu_noop = median_cpu(results, n, &all[i], false);
		out[kept++] = all[i];
	}
	free(all);
	return kept;
}

void orc_client_table_text(FILE *f, const orc_client_row *rows, size_t n)
{
	if (n == 0)
		return;
	fprintf(f, "CLIENTS compared, traced against NoOp at the same rate (medians):\n");
	fprintf(f, "  %-14s %7s %8s %8s %9s %9s %9s  %s\n", "client", "spans/s", "CPU", "NoOp",
		"tracer", "peak RSS", "dropped", "tracer");
	for (size_t i = 0; i < n; i++) {
		const orc_client_row *r = &rows[i];
		double pct = r->sent ? 100.0 * (double)r->dropped / (double)r->sent : 0;
		fprintf(f, "  %-14s %7.0f %7.1f%% %7.1f%% %+8.1f%% %5.1f MiB %8.2f%%  %s\n",
			r->client, r->sps, 100 * r->cpu_traced, 100 * r->cpu_noop,
			100 * (r->cpu_traced - r->cpu_noop), r->peak_rss_bytes / 1048576.0, pct,
			r->tracer[0] ? r->tracer : "(untold)");
	}
}
