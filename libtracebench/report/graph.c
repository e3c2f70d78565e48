/* SPDX-License-Identifier: MIT */
/* graph.c - a plan's graph as a gnuplot data file and script, and gnuplot run on them.
 *
 * The data file holds one block per series (gnuplot's "index"), each headed by a comment
 * naming it; the script draws the same body twice, once per terminal (PNG, then SVG), so
 * both images always agree. */
#include "libtracebench/report/graph.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"
#include "libtracebench/report/labels.h"

#define GNUPLOT_TIME_LIMIT_NS (60 * TB_NS_PER_S)
#define MIB 1048576.0

extern char **environ;

typedef struct drawing {
	FILE *dat;		/* NAME.dat */
	FILE *body;		/* the plot commands, written twice into NAME.gp */
	int blocks;		/* blocks written to dat so far */
	const char *name;
} drawing;

static bool in_graph(const orc_graph *g, const char *run)
{
	for (size_t i = 0; i < g->nruns; i++)
		if (strcmp(g->runs[i], run) == 0)
			return true;
	return false;
}

/* gp_text makes s safe inside a gnuplot double-quoted string. */
static void gp_text(char *out, size_t len, const char *s)
{
	size_t j = 0;
	for (; *s != '\0' && j + 1 < len; s++)
		out[j++] = (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20) ? '\'' : *s;
	out[j] = '\0';
}

/* begin_block starts the next data block, headed by a comment; returns its index. */
static int begin_block(drawing *d, const char *title)
{
	if (d->blocks > 0)
		fputs("\n\n", d->dat);
	fprintf(d->dat, "# [%d] %s\n", d->blocks, title);
	return d->blocks++;
}

/* Repeats of the same run and rate are told apart by a trial number. */
static void series_title(const orc_result *rows, size_t n, size_t i, char *out, size_t len)
{
	unsigned trial = 1, count = 0;
	for (size_t k = 0; k < n; k++)
		if (strcmp(rows[k].plan_run, rows[i].plan_run) == 0 && rows[k].sps_asked == rows[i].sps_asked) {
			count++;
			if (k < i)
				trial++;
		}
	if (count > 1)
		snprintf(out, len, "%s, %g spans/s, trial %u", rows[i].plan_run, rows[i].sps_asked, trial);
	else
		snprintf(out, len, "%s, %g spans/s%s", rows[i].plan_run, rows[i].sps_asked,
			 rows[i].trace ? "" : " (NoOp)");
}

static void write_memory_block(drawing *d, const orc_result *r, const char *title)
{
	begin_block(d, title);
	fputs("# seconds\tRSS_MiB\n", d->dat);
	for (size_t i = 0; i < r->memory_list.n; i++)
		fprintf(d->dat, "%.3f\t%.3f\n", (double)i * r->period_s, r->memory_list.v[i] / MIB);
}

/* write_received_block writes spans received per second, counted over whole seconds
 * (half seconds for runs under 5 s): tracers flush every few hundred milliseconds, and
 * finer bins would show the flushes, not the rate. */
static void write_received_block(drawing *d, const orc_result *r, const char *title)
{
	begin_block(d, title);
	fputs("# seconds(bin centre)\tspans_received_per_second\n", d->dat);
	if (r->received_bucket_s <= 0 || r->received_list.n == 0) {
		fputs("0\t0\n", d->dat);
		return;
	}
	double want = r->runtime_s >= 5 ? 1.0 : 0.5;
	size_t per = (size_t)fmax(1, round(want / r->received_bucket_s));
	double width = (double)per * r->received_bucket_s;
	for (size_t b = 0; b < r->received_list.n; b += per) {
		double spans = 0;
		for (size_t k = b; k < b + per && k < r->received_list.n; k++)
			spans += r->received_list.v[k];
		fprintf(d->dat, "%.3f\t%.3f\n", ((double)b + (double)per / 2) * r->received_bucket_s,
			spans / width);
	}
}

/* run_seconds is how far a run's samples and arrivals reach. */
static double run_seconds(const orc_result *r)
{
	double t = (double)r->memory_list.n * r->period_s;
	return fmax(t, (double)r->received_list.n * r->received_bucket_s);
}

static void draw_memory(drawing *d, const orc_graph *g, const orc_result *rows, size_t n)
{
	char title[160], text[160];
	gp_text(text, sizeof(text), g->title);
	fprintf(d->body, "set title \"%s\"\nset xlabel \"seconds\"\nset ylabel \"client RSS, MiB\"\n"
			 "set yrange [0:*]\nset key outside right top\nset grid\n", text);
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (!in_graph(g, rows[i].plan_run) || rows[i].memory_list.n == 0)
			continue;
		series_title(rows, n, i, title, sizeof(title));
		write_memory_block(d, &rows[i], title);
		gp_text(text, sizeof(text), title);
		fprintf(d->body, "%s '%s.dat' index %d using 1:2 with lines lw 2 title \"%s\"",
			first ? "plot" : ", \\\n    ", d->name, d->blocks - 1, text);
		first = false;
	}
	if (first)
		fputs("set label \"no data\" at graph 0.5, 0.5 center\nplot [0:1] [0:1] -1 notitle",
		      d->body);
	fputs("\n", d->body);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);
	return n >= k && strcmp(s + n - k, tail) == 0;
}

static const char *event_colour(const char *what)
{
	if (ends_with(what, " down"))
		return "red";
	if (ends_with(what, " up"))
		return "dark-green";
	return "gray40";
}

/* A line across a panel at x, and its label. */
typedef struct mark {
	double x;
	char text[160];
	const char *colour;
	bool dashed;		/* a recovery time, not an event */
} mark;

#define MAX_MARKS (2 * ORC_PLAN_MAX_EVENTS + ORC_PLAN_MAX_EVENTS)
/* A panel's plot area, as write_script sizes it: 1000 px wide less the margins, about
 * 200 px of each panel's 260 high; a label row 15 px at 10 pt. */
#define PANEL_PLOT_W_PX 650.0
#define PANEL_PLOT_H_PX 200.0
#define LABEL_ROW_PX 15.0
#define LABEL_CHAR_PX 7.0

/* event_marks lists r's events, and after each `up` that followed a `down` when the
 * first report was acknowledged and when the backlog had drained
 * (libtracebench/run/recovery.h), in time order. */
static size_t event_marks(const orc_result *r, mark *m)
{
	size_t n = 0, k = 0;
	bool down = false;
	for (size_t e = 0; e < r->events.n && n + 3 <= MAX_MARKS; e++) {
		const char *what = r->events.v[e].what;
		m[n] = (mark){.x = r->events.v[e].at_s, .colour = event_colour(what)};
		gp_text(m[n++].text, sizeof(m[0].text), what);
		down |= ends_with(what, " down");
		if (!ends_with(what, " up") || !down)
			continue;
		down = false;
		double up = r->events.v[e].at_s;
		const double t[2] = {k < r->recovery_first_ack.n ? r->recovery_first_ack.v[k] : -1,
				     k < r->recovery_drained.n ? r->recovery_drained.v[k] : -1};
		static const char *const name[2] = {"first ack", "drained"};
		for (int i = 0; i < 2; i++) {
			if (t[i] < 0)
				continue;
			m[n] = (mark){.x = up + t[i], .colour = "dark-green", .dashed = true};
			snprintf(m[n++].text, sizeof(m[0].text), "%s +%.2f s", name[i], t[i]);
		}
		k++;
	}
	/* Insertion sort, stable: recovery times land after the events before them. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && m[j].x < m[j - 1].x; j--) {
			mark t = m[j];
			m[j] = m[j - 1];
			m[j - 1] = t;
		}
	return n;
}

/* draw_events draws r's event lines on a panel spanning xmax seconds, their labels laid
 * out in rows from the top so that none covers another. */
static void draw_events(drawing *d, const orc_result *r, double xmax)
{
	mark m[MAX_MARKS];
	orc_label l[MAX_MARKS];
	size_t n = event_marks(r, m);
	for (size_t i = 0; i < n; i++)
		l[i] = (orc_label){.x = m[i].x, .chars = strlen(m[i].text)};
	const double row = LABEL_ROW_PX / PANEL_PLOT_H_PX;
	orc_label_area area = {.x_per_px = (xmax > 0 ? xmax : 1) / PANEL_PLOT_W_PX,
			       .char_px = LABEL_CHAR_PX, .rows = (int)(0.9 / row)};
	orc_labels_place(l, n, &area);
	for (size_t i = 0; i < n; i++)
		fprintf(d->body,
			"set arrow from %.3f, graph 0 to %.3f, graph 1 nohead %s lc rgb \"%s\"\n"
			"set label \"%s\" at %.3f, graph %.3f offset 0.5, 0 textcolor rgb \"%s\"\n",
			m[i].x, m[i].x, m[i].dashed ? "dt 2 lw 1.5" : "lw 2", m[i].colour,
			m[i].text, m[i].x, 0.95 - row * l[i].row, m[i].colour);
}

static void draw_panels(drawing *d, const orc_graph *g, const orc_result *rows, size_t n)
{
	char title[160], text[160];
	gp_text(text, sizeof(text), g->title);
	/* Every panel spans the same seconds, so the events line up down the page. */
	double xmax = 0;
	for (size_t i = 0; i < n; i++) {
		if (in_graph(g, rows[i].plan_run))
			xmax = fmax(xmax, run_seconds(&rows[i]));
	}
	fprintf(d->body, "set multiplot layout %zu, 1 title \"%s\"\n", g->nruns, text);
	for (size_t p = 0; p < g->nruns; p++) {
		bool traced = false;
		for (size_t i = 0; i < n; i++)
			traced |= strcmp(rows[i].plan_run, g->runs[p]) == 0 && rows[i].trace;
		fprintf(d->body, "unset arrow\nunset label\nset grid\nset key outside right top\n"
				 "set lmargin at screen 0.07\nset rmargin at screen 0.72\n"
				 "set xlabel \"seconds\"\nset ylabel \"client RSS, MiB\"\n"
				 "set xrange [0:%.3f]\nset yrange [0:*]\nset ytics nomirror\n"
				 "set style fill transparent solid 0.25 noborder\nset title \"%s%s\"\n",
			xmax > 0 ? xmax : 1, g->runs[p], traced ? "" : " (NoOp tracer)");
		fputs(traced ? "set y2label \"spans received/s\"\nset y2tics\nset y2range [0:*]\n"
			     : "unset y2label\nunset y2tics\n", d->body);
		bool first = true, events_drawn = false;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(rows[i].plan_run, g->runs[p]) != 0 || rows[i].memory_list.n == 0)
				continue;
			const orc_result *r = &rows[i];
			if (!events_drawn) {
				draw_events(d, r, xmax > 0 ? xmax : 1);
				events_drawn = true;
			}
			series_title(rows, n, i, title, sizeof(title));
			int received = -1;
			if (r->trace) {
				char rt[200];
				snprintf(rt, sizeof(rt), "%s: spans received/s", title);
				write_received_block(d, r, rt);
				received = d->blocks - 1;
			}
			write_memory_block(d, r, title);
			gp_text(text, sizeof(text), title);
			if (received >= 0)
				fprintf(d->body, "%s '%s.dat' index %d using 1:2 axes x1y2 with boxes "
						 "lc rgb \"steelblue\" title \"spans received/s\"",
					first ? "plot" : ", \\\n    ", d->name, received);
			fprintf(d->body, "%s '%s.dat' index %d using 1:2 with lines lw 2 "
					 "lc rgb \"black\" title \"RSS\"",
				first && received < 0 ? "plot" : ", \\\n    ", d->name, d->blocks - 1);
			first = false;
		}
		if (first)
			fputs("set label \"no data\" at graph 0.5, 0.5 center\n"
			      "plot [0:1] [0:1] -1 notitle", d->body);
		fputs("\n", d->body);
	}
	fputs("unset multiplot\n", d->body);
}

/* A point of a sweep graph: one rate, every trial at it. */
typedef struct trials {
	double sum, sumsq, min, max;
	unsigned n;
} trials;

static void stat_add(trials *s, double v)
{
	if (s->n == 0 || v < s->min)
		s->min = v;
	if (s->n == 0 || v > s->max)
		s->max = v;
	s->sum += v;
	s->sumsq += v * v;
	s->n++;
}

static double stat_mean(const trials *s)
{
	return s->n ? s->sum / s->n : NAN;
}

/* stat_se is the standard error of the mean (0 with one trial). */
static double stat_se(const trials *s)
{
	if (s->n < 2)
		return 0;
	double m = stat_mean(s), var = (s->sumsq - s->n * m * m) / (s->n - 1);
	return var > 0 ? sqrt(var / s->n) : 0;
}

/* Which rows a line of a graph draws: one run's, or (run NULL) those of the graph's runs
 * that took one path: untraced (NoOp, nothing reported), or traced through one proxy
 * ("none": straight to the satellites). */
typedef struct selection {
	const char *run;
	const orc_graph *g;
	const char *path;	/* path_of's name */
} selection;

/* path_of names the path a run's spans took. */
static const char *path_of(const orc_result *r)
{
	return !r->trace ? "untraced" : r->proxy[0] == '\0' ? "none" : r->proxy;
}

static bool selected(const selection *sel, const orc_result *r)
{
	if (sel->run != NULL)
		return strcmp(r->plan_run, sel->run) == 0;
	if (strcmp(path_of(r), sel->path) != 0)
		return false;
	for (size_t i = 0; i < sel->g->nruns; i++)
		if (strcmp(r->plan_run, sel->g->runs[i]) == 0)
			return true;
	return false;
}

/* rates_of lists the distinct sps values of the selected rows, in the order they ran. */
static size_t rates_of(const orc_result *rows, size_t n, const selection *sel, double *out,
		       size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!selected(sel, &rows[i]))
			continue;
		bool seen = false;
		for (size_t j = 0; j < k; j++)
			seen |= out[j] == rows[i].sps_asked;
		if (!seen && k < max)
			out[k++] = rows[i].sps_asked;
	}
	return k;
}

/* collect_of gathers value over the selected trials at sps; a trial that reported
 * nothing (killed before its result) has no value to give. */
static trials collect_of(const orc_result *rows, size_t n, const selection *sel, double sps,
			 double (*value)(const orc_result *))
{
	trials s = {0};
	for (size_t i = 0; i < n; i++)
		if (selected(sel, &rows[i]) && rows[i].sps_asked == sps && rows[i].spans_sent > 0)
			stat_add(&s, value(&rows[i]));
	return s;
}

/* rates lists the distinct sps values of run, in the order they ran. */
static size_t rates(const orc_result *rows, size_t n, const char *run, double *out,
		    size_t max)
{
	selection sel = {.run = run};
	return rates_of(rows, n, &sel, out, max);
}

/* collect gathers value over the trials of run at sps. */
static trials collect(const orc_result *rows, size_t n, const char *run, double sps,
		      double (*value)(const orc_result *))
{
	selection sel = {.run = run};
	return collect_of(rows, n, &sel, sps, value);
}

static double cpu_points(const orc_result *r)
{
	return 100 * r->cpu_usage;
}

static double achieved_sps(const orc_result *r)
{
	return r->sps_achieved;
}

static double dropped_pct(const orc_result *r)
{
	return r->spans_sent > 0 ? 100 * (double)r->dropped_spans / (double)r->spans_sent : 0;
}

static void log_x_if_wide(drawing *d, const double *x, size_t k)
{
	double lo = INFINITY, hi = 0;
	for (size_t i = 0; i < k; i++) {
		lo = fmin(lo, x[i]);
		hi = fmax(hi, x[i]);
	}
	fputs(k > 0 && lo > 0 && hi / lo >= 20 ? "set logscale x\n" : "unset logscale x\n",
	      d->body);
}

static void draw_tracer_cpu(drawing *d, const orc_graph *g, const orc_result *rows, size_t n)
{
	double x[ORC_PLAN_MAX_SWEEP];
	size_t k = rates(rows, n, g->runs[0], x, ORC_PLAN_MAX_SWEEP);
	begin_block(d, "tracer CPU: traced - untraced, with each");
	fputs("# spans/s\ttracer_pts\tstd_error\ttraced_pct\ttraced_se\tuntraced_pct\t"
	      "untraced_se\ttrials\n", d->dat);
	size_t points = 0;
	for (size_t i = 0; i < k; i++) {
		trials t = collect(rows, n, g->runs[0], x[i], cpu_points);
		trials u = collect(rows, n, g->runs[1], x[i], cpu_points);
		if (t.n == 0 || u.n == 0)
			continue;
		points++;
		double se = sqrt(stat_se(&t) * stat_se(&t) + stat_se(&u) * stat_se(&u));
		fprintf(d->dat, "%g\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%u\n", x[i],
			stat_mean(&t) - stat_mean(&u), se, stat_mean(&t), stat_se(&t),
			stat_mean(&u), stat_se(&u), t.n < u.n ? t.n : u.n);
	}
	char text[160];
	gp_text(text, sizeof(text), g->title);
	if (points == 0) {
		fprintf(d->body, "set title \"%s\"\nset label \"no data\" at graph 0.5, 0.5 "
				 "center\nplot [0:1] [0:1] -1 notitle\n", text);
		return;
	}
	log_x_if_wide(d, x, k);
	fprintf(d->body,
		"set title \"%s\"\nset xlabel \"spans per second\"\n"
		"set ylabel \"tracer CPU (traced - NoOp), %% of a core\"\n"
		"set y2label \"client CPU, %% of a core\"\nset ytics nomirror\nset y2tics\n"
		"set key outside right top\nset grid\nset bars small\n"
		"plot '%s.dat' index 0 using 1:2:3 with yerrorlines lw 2 pt 7 "
		"title \"tracer (traced - NoOp), +/- 1 s.e.\", \\\n"
		"    '' index 0 using 1:4:5 axes x1y2 with yerrorlines dt 2 title \"%s (traced)\", \\\n"
		"    '' index 0 using 1:6:7 axes x1y2 with yerrorlines dt 3 title \"%s (NoOp)\"\n",
		text, d->name, g->runs[0], g->runs[1]);
}

static void draw_dropped(drawing *d, const orc_graph *g, const orc_result *rows, size_t n)
{
	double all[ORC_PLAN_MAX_SWEEP * ORC_GRAPH_MAX_RUNS];
	size_t nall = 0;
	char text[160];
	gp_text(text, sizeof(text), g->title);
	fprintf(d->body, "set title \"%s\"\nset xlabel \"spans per second (asked)\"\n"
			 "set ylabel \"spans dropped, %% of sent\"\nset yrange [0:*]\n"
			 "set key outside right top\nset grid\nset bars small\n", text);
	char plot[4096] = "";
	size_t used = 0;
	for (size_t r = 0; r < g->nruns; r++) {
		double x[ORC_PLAN_MAX_SWEEP];
		size_t k = rates(rows, n, g->runs[r], x, ORC_PLAN_MAX_SWEEP);
		bool begun = false;
		for (size_t i = 0; i < k; i++) {
			trials s = collect(rows, n, g->runs[r], x[i], dropped_pct);
			if (s.n == 0)
				continue;
			if (!begun) {
				char title[160];
				snprintf(title, sizeof(title), "%s: %% dropped (mean, min-max of trials)",
					 g->runs[r]);
				begin_block(d, title);
				fputs("# spans/s\tdropped_pct\tmin\tmax\tsps_achieved\t"
				      "trials\n", d->dat);
				begun = true;
			}
			trials a = collect(rows, n, g->runs[r], x[i], achieved_sps);
			fprintf(d->dat, "%g\t%.4f\t%.4f\t%.4f\t%.1f\t%u\n", x[i], stat_mean(&s), s.min,
				s.max, stat_mean(&a), s.n);
			if (nall < sizeof(all) / sizeof(all[0]))
				all[nall++] = x[i];
		}
		if (!begun)
			continue;
		int w = snprintf(plot + used, sizeof(plot) - used,
				 "%s '%s.dat' index %d using 1:2:3:4 with yerrorlines lw 2 pt 7 "
				 "title \"%s\"", used ? ", \\\n    " : "plot", d->name,
				 d->blocks - 1, g->runs[r]);
		if (w > 0 && (size_t)w < sizeof(plot) - used)
			used += (size_t)w;
	}
	if (used == 0) {
		fputs("set label \"no data\" at graph 0.5, 0.5 center\nplot [0:1] [0:1] -1 notitle\n",
		      d->body);
		return;
	}
	log_x_if_wide(d, all, nall);
	fprintf(d->body, "%s\n", plot);
}

static double cpu_pct(const orc_result *r)
{
	return 100 * r->cpu_usage;
}

static double rss_mib(const orc_result *r)
{
	return (double)r->peak_rss_bytes / (1024.0 * 1024.0);
}

static double proxy_cpu_pct(const orc_result *r)
{
	return 100 * r->proxy_cpu;
}

static double proxy_rss_mib(const orc_result *r)
{
	return (double)r->proxy_peak_rss / (1024.0 * 1024.0);
}

static int cmp_double(const void *a, const void *b);

/* cost_block writes one path's block: per rate, the client's CPU and peak RSS (mean,
 * min, max of its trials) and its proxy's. Returns whether anything was written. */
static bool cost_block(drawing *d, const selection *sel, const orc_result *rows, size_t n,
		       double *all, size_t *nall, size_t cap)
{
	double x[ORC_PLAN_MAX_SWEEP * ORC_GRAPH_MAX_RUNS];
	size_t k = rates_of(rows, n, sel, x, sizeof(x) / sizeof(x[0]));
	qsort(x, k, sizeof(x[0]), cmp_double);
	bool begun = false;
	for (size_t i = 0; i < k; i++) {
		trials c = collect_of(rows, n, sel, x[i], cpu_pct);
		if (c.n == 0)
			continue;
		trials m = collect_of(rows, n, sel, x[i], rss_mib);
		trials pc = collect_of(rows, n, sel, x[i], proxy_cpu_pct);
		trials pm = collect_of(rows, n, sel, x[i], proxy_rss_mib);
		if (!begun) {
			char title[160];
			snprintf(title, sizeof(title), "path %s: client and proxy CPU and peak RSS",
				 sel->path);
			begin_block(d, title);
			fputs("# spans/s\tcpu_pct\tmin\tmax\trss_mib\tmin\tmax\tproxy_cpu_pct\t"
			      "proxy_rss_mib\ttrials\n", d->dat);
			begun = true;
		}
		fprintf(d->dat, "%g\t%.4f\t%.4f\t%.4f\t%.3f\t%.3f\t%.3f\t%.4f\t%.3f\t%u\n", x[i],
			stat_mean(&c), c.min, c.max, stat_mean(&m), m.min, m.max, stat_mean(&pc),
			stat_mean(&pm), c.n);
		if (*nall < cap)
			all[(*nall)++] = x[i];
	}
	return begun;
}

/* paths lists the paths the graph's runs took, in the order they ran. */
static size_t paths(const orc_graph *g, const orc_result *rows, size_t n,
		    const char **out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *path = path_of(&rows[i]);
		selection any = {.run = NULL, .g = g, .path = path};
		if (!selected(&any, &rows[i]))
			continue;
		bool seen = false;
		for (size_t j = 0; j < k; j++)
			seen |= strcmp(out[j], path) == 0;
		if (!seen && k < max)
			out[k++] = path;
	}
	return k;
}

/* add_line appends one line of a plot command to buf: "plot ..." first, ", ..." after. */
static void add_line(char *buf, size_t cap, size_t *used, const char *name, int block,
		     const char *cols, const char *style, int lc, const char *title)
{
	int w = snprintf(buf + *used, cap - *used, "%s '%s.dat' index %d using %s with %s lc %d "
			 "title \"%s\"", *used ? ", \\\n    " : "plot", name, block, cols, style,
			 lc, title);
	if (w > 0 && (size_t)w < cap - *used)
		*used += (size_t)w;
}

/* draw_cost draws what each path from the tracer to the satellites costs: the client's
 * CPU (top) and peak RSS (bottom) against spans/s, one line per path the graph's runs
 * took (runs are grouped by path, so a path may be several runs, one per rate), and a
 * proxy's own as a dashed line of the same colour. */
static void draw_cost(drawing *d, const orc_graph *g, const orc_result *rows, size_t n)
{
	double all[ORC_PLAN_MAX_SWEEP * ORC_GRAPH_MAX_RUNS];
	const char *via[ORC_GRAPH_MAX_RUNS];
	size_t nall = 0, cu = 0, ru = 0, np = paths(g, rows, n, via, ORC_GRAPH_MAX_RUNS);
	char text[160], cpu[4096] = "", rss[4096] = "";
	gp_text(text, sizeof(text), g->title);
	for (size_t p = 0; p < np; p++) {
		selection sel = {.run = NULL, .g = g, .path = via[p]};
		if (!cost_block(d, &sel, rows, n, all, &nall, sizeof(all) / sizeof(all[0])))
			continue;
		int b = d->blocks - 1, lc = (int)p + 1;
		bool proxy = strcmp(via[p], "none") != 0 && strcmp(via[p], "untraced") != 0;
		char client[96], own[96];
		snprintf(client, sizeof(client), "%s: client", strcmp(via[p], "none") == 0 ?
			 "direct" : via[p]);
		snprintf(own, sizeof(own), "%s itself", via[p]);
		const char *solid = "yerrorlines lw 2 pt 7", *dashed = "linespoints dt 2 pt 6";
		add_line(cpu, sizeof(cpu), &cu, d->name, b, "1:2:3:4", solid, lc, client);
		add_line(rss, sizeof(rss), &ru, d->name, b, "1:5:6:7", solid, lc, client);
		if (proxy) {
			add_line(cpu, sizeof(cpu), &cu, d->name, b, "1:8", dashed, lc, own);
			add_line(rss, sizeof(rss), &ru, d->name, b, "1:9", dashed, lc, own);
		}
	}
	if (cu == 0) {
		fprintf(d->body, "set title \"%s\"\nset label \"no data\" at graph 0.5, 0.5 "
				 "center\nplot [0:1] [0:1] -1 notitle\n", text);
		return;
	}
	fprintf(d->body, "set multiplot layout 2, 1 title \"%s\"\nset key outside right top\n"
			 "set grid\nset bars small\nset yrange [0:*]\n", text);
	log_x_if_wide(d, all, nall);
	fprintf(d->body, "set xlabel \"spans per second\"\nset ylabel \"CPU, %% of a core\"\n"
			 "%s\nset ylabel \"peak RSS, MiB\"\n%s\nunset multiplot\n", cpu, rss);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* draw_ramp draws a ramp's rates: % dropped and the client's CPU against spans/s asked,
 * the breaking point a vertical line. */
static void draw_ramp(drawing *d, const orc_graph *g, const orc_result *rows, size_t n)
{
	const char *run = g->runs[0];
	double x[ORC_RAMP_MAX_STEPS];
	size_t k = rates(rows, n, run, x, ORC_RAMP_MAX_STEPS);
	qsort(x, k, sizeof(x[0]), cmp_double); /* refinements come after the rates they split */
	double bp = 0;
	char broke[80] = "", text[160];
	begin_block(d, "ramp: spans/s asked, dropped %, client CPU %");
	fputs("# spans/s\tdropped_pct\tcpu_pct\n", d->dat);
	for (size_t i = 0; i < k; i++) {
		trials s = collect(rows, n, run, x[i], dropped_pct);
		trials c = collect(rows, n, run, x[i], cpu_points);
		if (s.n > 0)
			fprintf(d->dat, "%g\t%.4f\t%.2f\n", x[i], stat_mean(&s), stat_mean(&c));
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].plan_run, run) == 0) {
			bp = rows[i].breaking_point;
			snprintf(broke, sizeof(broke), "%s", rows[i].broken_by);
		}
	gp_text(text, sizeof(text), g->title[0] ? g->title : run);
	fprintf(d->body, "set title \"%s\"\nset xlabel \"spans per second (asked)\"\n"
			 "set ylabel \"spans dropped, %% of sent\"\nset y2label \"client CPU, %% "
			 "of a core\"\nset yrange [0:*]\nset y2range [0:*]\nset ytics nomirror\n"
			 "set y2tics\nset key outside right top\nset grid\n", text);
	if (k == 0) {
		fputs("set label \"no data\" at graph 0.5, 0.5 center\nplot [0:1] [0:1] -1 "
		      "notitle\n", d->body);
		return;
	}
	if (bp > 0) {
		gp_text(text, sizeof(text), broke);
		fprintf(d->body, "set arrow from %g, graph 0 to %g, graph 1 nohead lw 2 dt 2 lc "
				 "rgb \"#cc0000\"\nset label \"breaking point %.0f spans/s%s%s\" at "
				 "%g, graph 0.95 right offset -0.5, 0 tc rgb \"#cc0000\"\n", bp, bp, bp,
			broke[0] ? ": " : "", text, bp);
	}
	log_x_if_wide(d, x, k);
	fprintf(d->body, "plot '%s.dat' index 0 using 1:2 with linespoints lw 2 pt 7 title "
			 "\"dropped %%\", \\\n    '' index 0 using 1:3 axes x1y2 with linespoints lw 2 "
			 "pt 5 title \"client CPU %%\"\n", d->name);
}

static int write_script(const char *path, const char *name, const char *body, size_t nruns,
			orc_graph_kind kind)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return TB_ESYS;
	int height = kind == ORC_GRAPH_PANELS ? 60 + 260 * (int)nruns :
		     kind == ORC_GRAPH_COST ? 800 : 560;
	static const char *const terms[][2] = {
		{"pngcairo", "png"},
		{"svg dynamic", "svg"},
	};
	fprintf(f, "# %s.gp - written by tracebench: run `gnuplot %s.gp` in this directory to\n"
		   "# redraw %s.png and %s.svg from %s.dat.\n", name, name, name, name, name);
	for (size_t t = 0; t < 2; t++) {
		fprintf(f, "\nreset\nset terminal %s size 1000, %d font \"DejaVu Sans,10\" "
			   "noenhanced\nset output '%s.%s'\n%sunset output\n",
			terms[t][0], height, name, terms[t][1], body);
	}
	return fclose(f) == 0 ? TB_OK : TB_ESYS;
}

int orc_graph_write(const orc_graph *g, const orc_result *rows, size_t n, const char *dir,
		    char *err, size_t errlen)
{
	char path[768];
	snprintf(path, sizeof(path), "%s/%s.dat", dir, g->name);
	char *body = NULL;
	size_t body_len = 0;
	drawing d = {.dat = fopen(path, "w"), .body = open_memstream(&body, &body_len),
		     .name = g->name};
	if (d.dat == NULL || d.body == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		if (d.dat != NULL)
			fclose(d.dat);
		if (d.body != NULL)
			fclose(d.body);
		free(body);
		return TB_ESYS;
	}
	fprintf(d.dat, "# %s.dat - %s graph '%s' (tracebench); blocks are gnuplot indexes\n",
		g->name, orc_graph_kind_name(g->kind), g->title);
	switch (g->kind) {
	case ORC_GRAPH_MEMORY: draw_memory(&d, g, rows, n); break;
	case ORC_GRAPH_PANELS: draw_panels(&d, g, rows, n); break;
	case ORC_GRAPH_TRACER_CPU: draw_tracer_cpu(&d, g, rows, n); break;
	case ORC_GRAPH_DROPPED: draw_dropped(&d, g, rows, n); break;
	case ORC_GRAPH_RAMP: draw_ramp(&d, g, rows, n); break;
	case ORC_GRAPH_COST: draw_cost(&d, g, rows, n); break;
	case ORC_GRAPH_KIND_COUNT: break;
	}
	int rc = fclose(d.dat) == 0 ? TB_OK : TB_ESYS;
	fclose(d.body);
	if (rc == TB_OK) {
		snprintf(path, sizeof(path), "%s/%s.gp", dir, g->name);
		rc = write_script(path, g->name, body ? body : "", g->nruns, g->kind);
	}
	if (rc != TB_OK)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	free(body);
	return rc;
}

static bool non_empty(const char *dir, const char *name, const char *ext)
{
	char path[768];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

int orc_graph_render(const char *gnuplot, const char *dir, const char *name, char *err,
		     size_t errlen)
{
	if (gnuplot == NULL)
		gnuplot = getenv("TB_GNUPLOT") ? getenv("TB_GNUPLOT") : "gnuplot";
	char script[128], log[128];
	snprintf(script, sizeof(script), "%.63s.gp", name);
	snprintf(log, sizeof(log), "%.63s.log", name);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addchdir_np(&fa, dir);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC,
					 0644);
	posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
	char *argv[] = {(char *)gnuplot, script, NULL};
	pid_t pid;
	int e = posix_spawnp(&pid, gnuplot, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0) {
		snprintf(err, errlen, "cannot run %s: %s (install gnuplot-nox; the data and "
				      "scripts are in %s)", gnuplot, strerror(e), dir);
		return e == ENOENT || e == EACCES ? TB_ENOENT : TB_ESYS;
	}
	uint64_t deadline = tb_now_ns() + GNUPLOT_TIME_LIMIT_NS;
	int status = 0;
	pid_t got;
	while ((got = waitpid(pid, &status, WNOHANG)) == 0 && tb_now_ns() < deadline)
		tb_sleep_ns(10 * TB_NS_PER_MS);
	if (got == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(err, errlen, "%s %s took over %llu s and was killed", gnuplot, script,
			 (unsigned long long)(GNUPLOT_TIME_LIMIT_NS / TB_NS_PER_S));
		return TB_ETIMEDOUT;
	}
	/* posix_spawnp reports a missing program only through the child's exit (127). */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(err, errlen, "cannot run %s (install gnuplot-nox; the data and scripts "
				      "are in %s)", gnuplot, dir);
		return TB_ENOENT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !non_empty(dir, name, "png") ||
	    !non_empty(dir, name, "svg")) {
		snprintf(err, errlen, "gnuplot failed on %s/%s (see %s/%s)", dir, script, dir, log);
		return TB_EPROTO;
	}
	return TB_OK;
}
