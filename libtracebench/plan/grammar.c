/* SPDX-License-Identifier: MIT */
/* grammar.c - the plan's statements, one parser each in one table, and the plan read
 * from text or a file: graphs, satellite groups, samplers, calibration, budgets and the
 * plan-wide limits. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/command.h"
#include "common/error.h"
#include "common/units.h"
#include "libtracebench/plan/parse.h"
#include "libtracebench/results/result.h"

#define MAX_PLAN_BYTES (1u << 20)

static const char *const graph_kinds[ORC_GRAPH_KIND_COUNT + 1] = {
	[ORC_GRAPH_MEMORY] = "memory", [ORC_GRAPH_PANELS] = "memory_panels",
	[ORC_GRAPH_TRACER_CPU] = "tracer_cpu", [ORC_GRAPH_DROPPED] = "dropped",
	[ORC_GRAPH_RAMP] = "ramp", [ORC_GRAPH_COST] = "cost", [ORC_GRAPH_KIND_COUNT] = NULL,
};

const char *orc_graph_kind_name(orc_graph_kind k)
{
	return (unsigned)k < ORC_GRAPH_KIND_COUNT ? graph_kinds[k] : "?";
}

/* check_graph_runs holds a graph to what its kind can draw. */
static void check_graph_runs(parser *ps, const orc_graph *g, const token *at)
{
	const orc_plan *p = ps->plan;
	if (g->kind == ORC_GRAPH_RAMP && (g->nruns != 1 || !plan_find_run(p, g->runs[0])->ramp.on)) {
		plan_fail_at(ps, at, "expected one ramp for a ramp graph");
		return;
	}
	if (g->kind == ORC_GRAPH_TRACER_CPU) {
		const orc_plan_run *a = plan_find_run(p, g->runs[0]);
		const orc_plan_run *b = g->nruns == 2 ? plan_find_run(p, g->runs[1]) : NULL;
		if (b == NULL || !a->trace || b->trace)
			plan_fail_at(ps, at, "expected two runs for tracer_cpu: a traced one, then an "
					"untraced (notrace) one");
		else if (a->nsps != b->nsps || memcmp(a->sps, b->sps, a->nsps * sizeof(double)) != 0)
			plan_fail_at(ps, at, "expected '%s' and '%s' to sweep the same sps values", a->name,
				b->name);
	}
}

static void parse_graph(parser *ps)
{
	orc_plan *p = ps->plan;
	token at = ps->tok;
	if (p->ngraphs == ORC_PLAN_MAX_GRAPHS) {
		plan_fail_at(ps, &at, "expected at most %d graphs", ORC_PLAN_MAX_GRAPHS);
		return;
	}
	orc_graph *g = &p->graphs[p->ngraphs];
	memset(g, 0, sizeof(*g));
	g->line = at.line;
	if (!plan_take_name(ps, g->name, sizeof(g->name), "the graph's name"))
		return;
	for (size_t i = 0; i < p->ngraphs; i++)
		if (strcmp(p->graphs[i].name, g->name) == 0) {
			plan_fail_at(ps, &at, "expected a new graph name ('%s' is used above)", g->name);
			return;
		}
	token kind = ps->tok;
	size_t k = 0;
	while (graph_kinds[k] != NULL && !plan_is_word(&kind, graph_kinds[k]))
		k++;
	if (graph_kinds[k] == NULL) {
		char names[160];
		size_t off = 0;
		for (size_t i = 0; i < ORC_GRAPH_KIND_COUNT && off < sizeof(names); i++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						i == 0 ? "" : i + 1 == ORC_GRAPH_KIND_COUNT ? " or " : ", ",
						graph_kinds[i]);
		plan_fail_at(ps, &kind, "expected a graph kind: %s", names);
		return;
	}
	g->kind = (orc_graph_kind)k;
	plan_advance(ps);
	do {
		if (g->nruns > 0)
			plan_advance(ps); /* the ',' */
		token rt = ps->tok;
		if (g->nruns == ORC_GRAPH_MAX_RUNS) {
			plan_fail_at(ps, &rt, "expected at most %d runs in a graph", ORC_GRAPH_MAX_RUNS);
			return;
		}
		if (!plan_take_name(ps, g->runs[g->nruns], sizeof(g->runs[0]), "a run's name"))
			return;
		if (plan_find_run(p, g->runs[g->nruns]) == NULL) {
			plan_fail_at(ps, &rt, "expected the name of a run above, not '%s'",
				g->runs[g->nruns]);
			return;
		}
		g->nruns++;
	} while (plan_is_punct(&ps->tok, ","));
	if (plan_is_word(&ps->tok, "title")) {
		plan_advance(ps);
		if (!plan_take_string(ps, g->title, sizeof(g->title), "the graph's title"))
			return;
	}
	check_graph_runs(ps, g, &kind);
	if (ps->failed)
		return;
	if (g->title[0] == '\0')
		memcpy(g->title, g->name, strlen(g->name) + 1); /* names are shorter than titles */
	p->ngraphs++;
	plan_end_of_statement(ps);
}

void orc_plan_scale(orc_plan *p, double factor)
{
	for (size_t i = 0; i < p->nruns; i++) {
		p->runs[i].runtime_s *= factor;
		for (size_t e = 0; e < p->runs[i].nevents; e++)
			p->runs[i].events[e].at_s *= factor;
	}
}

/* group_name_ok: a group's name is new, and not a word an event uses. */
static bool group_name_ok(parser *ps, const char *name, const token *at)
{
	bool taken = strcmp(name, "satellites") == 0 || strcmp(name, "at") == 0;
	taken |= plan_is_event_word(name);
	if (taken) {
		plan_fail_at(ps, at, "expected a group name that is not an event's word");
		return false;
	}
	for (size_t i = 0; i < ps->plan->nsatellites; i++)
		if (strcmp(ps->plan->satellites[i].name, name) == 0) {
			plan_fail_at(ps, at, "expected a new group name: %s is on line %d", name,
				ps->plan->satellites[i].line);
			return false;
		}
	return true;
}

static void parse_satellites(parser *ps)
{
	orc_plan *p = ps->plan;
	if (p->nsatellites == ORC_PLAN_MAX_SATELLITES) {
		plan_fail_at(ps, &ps->tok, "expected at most %d satellite groups", ORC_PLAN_MAX_SATELLITES);
		return;
	}
	orc_plan_satellites *s = &p->satellites[p->nsatellites];
	memset(s, 0, sizeof(*s));
	s->line = ps->tok.line;
	s->mode = TB_SAT_TYPICAL;
	if (plan_is_word(&ps->tok, "local")) {
		plan_advance(ps);
	} else if (plan_is_word(&ps->tok, "remote")) {
		plan_advance(ps);
		s->remote = true;
		if (!plan_take_string(ps, s->url, sizeof(s->url), "the agent's URL (\"tcp://host:port\")"))
			return;
	} else {
		plan_fail_at(ps, &ps->tok, "expected local or remote");
		return;
	}
	while (!ps->failed && ps->tok.kind == T_WORD) {
		if (plan_is_word(&ps->tok, "name")) {
			plan_advance(ps);
			token at = ps->tok;
			if (!plan_take_name(ps, s->name, sizeof(s->name), "the group's name"))
				return;
			if (!group_name_ok(ps, s->name, &at))
				return;
		} else if (plan_is_word(&ps->tok, "ports") && !s->remote) {
			plan_advance(ps);
			token at = ps->tok;
			uint16_t ports[ORC_PLAN_MAX_PORTS];
			if (!plan_take_string(ps, s->ports, sizeof(s->ports), "a port list (\"8360-8367\")"))
				return;
			if (tb_parse_ports(s->ports, ports, ORC_PLAN_MAX_PORTS) == 0) {
				plan_fail_at(ps, &at, "expected a port list: a range (\"8360-8367\") or "
						 "ports separated by commas (\"8360,0\"), at most %d",
					ORC_PLAN_MAX_PORTS);
				return;
			}
		} else if (plan_is_word(&ps->tok, "mode")) {
			plan_advance(ps);
			if (!plan_take_mode(ps, &s->mode))
				return;
		} else {
			plan_fail_at(ps, &ps->tok, s->remote ? "expected name or mode"
						       : "expected name, ports or mode");
			return;
		}
	}
	if (!ps->failed) {
		p->nsatellites++;
		plan_end_of_statement(ps);
	}
}

/* ---- plan-level statements: one function each, one table ---- */

static void st_client(parser *ps)
{
	if (plan_take_name(ps, ps->plan->client, sizeof(ps->plan->client), "a client name"))
		plan_end_of_statement(ps);
}

static void st_sampling(parser *ps)
{
	token v = ps->tok;
	double s;
	if (!plan_take_duration(ps, &s, "the sampling period"))
		return;
	if (s < 0.001 || s > 60) {
		plan_fail_at(ps, &v, "expected a sampling period from 1ms to 60s");
		return;
	}
	ps->plan->period_ns = (uint64_t)llround(s * 1e9);
	plan_end_of_statement(ps);
}

static void st_calibrate(parser *ps)
{
	token v = ps->tok;
	double *t = &ps->plan->target_cpu;
	if (plan_is_word(&v, "off")) {
		*t = 0;
		plan_advance(ps);
		plan_end_of_statement(ps);
		return;
	}
	if (!plan_take_number(ps, t, "a target CPU share such as 0.7, or off"))
		return;
	if (*t < 0.05 || *t > 0.95) {
		plan_fail_at(ps, &v, "expected a target CPU share from 0.05 to 0.95");
		return;
	}
	plan_end_of_statement(ps);
}

/* st_sampler reads `sampler "URL" [name NAME]` or `sampler local [name NAME]`. */
static void st_sampler(parser *ps)
{
	orc_plan *p = ps->plan;
	if (p->nsamplers == ORC_PLAN_MAX_SAMPLERS) {
		plan_fail_at(ps, &ps->tok, "expected at most %d samplers", ORC_PLAN_MAX_SAMPLERS);
		return;
	}
	orc_plan_sampler *s = &p->samplers[p->nsamplers];
	memset(s, 0, sizeof(*s));
	s->line = ps->tok.line;
	if (plan_is_word(&ps->tok, "local"))
		plan_advance(ps);
	else if (!plan_take_string(ps, s->url, sizeof(s->url),
			      "local, or the sampler agent's URL (\"tls+tcp://host:port\")"))
		return;
	if (plan_is_word(&ps->tok, "name")) {
		plan_advance(ps);
		token at = ps->tok;
		if (plan_find_sampler(p, &at) >= 0) {
			plan_fail_at(ps, &at, "expected a new sampler name");
			return;
		}
		if (!plan_take_name(ps, s->name, sizeof(s->name), "the sampler's name"))
			return;
	}
	p->nsamplers++;
	plan_end_of_statement(ps);
}

/* st_tls reads `tls cert "FILE" key "FILE" ca "FILE"`, each key once, all three. */
static void st_tls(parser *ps)
{
	static const char *keys[] = {"cert", "key", "ca"};
	char *vals[] = {ps->plan->tls_cert, ps->plan->tls_key, ps->plan->tls_ca};
	token first = ps->tok;
	while (!ps->failed && ps->tok.kind == T_WORD) {
		size_t k = 0;
		while (k < 3 && !plan_is_word(&ps->tok, keys[k]))
			k++;
		if (k == 3 || vals[k][0] != '\0') {
			plan_fail_at(ps, &ps->tok, k == 3 ? "expected cert, key or ca"
						     : "given twice in one tls statement");
			return;
		}
		plan_advance(ps);
		if (!plan_take_string(ps, vals[k], sizeof(ps->plan->tls_cert), "a PEM file's path"))
			return;
	}
	for (size_t k = 0; !ps->failed && k < 3; k++)
		if (vals[k][0] == '\0') {
			plan_fail_at(ps, &first, "tls needs cert, key and ca; %s is missing", keys[k]);
			return;
		}
	plan_end_of_statement(ps);
}

static void st_on_failure(parser *ps)
{
	if (!plan_is_word(&ps->tok, "continue") && !plan_is_word(&ps->tok, "stop")) {
		plan_fail_at(ps, &ps->tok, "expected continue or stop");
		return;
	}
	ps->plan->stop_on_failure = plan_is_word(&ps->tok, "stop");
	plan_advance(ps);
	plan_end_of_statement(ps);
}

/* take_limit reads a plan-level limit above 0 and at most max, then the line's end. */
static void take_limit(parser *ps, double *out, double max, const char *what,
		       const char *range)
{
	token v = ps->tok;
	if (!plan_take_number(ps, out, what))
		return;
	if (!(*out > 0 && *out <= max)) {
		plan_fail_at(ps, &v, "expected %s", range);
		return;
	}
	plan_end_of_statement(ps);
}

static void st_max_cv(parser *ps)
{
	take_limit(ps, &ps->plan->max_cv, 10, "the largest coefficient of variation, such as 0.05",
		   "a coefficient of variation above 0, such as 0.05");
}

static void st_quiet_host(parser *ps)
{
	take_limit(ps, &ps->plan->quiet_host, 1024, "the cores other work may use, such as 0.10",
		   "a number of cores above 0, such as 0.10");
}

/* add_budget_for gives budget b its own value for a client. */
static void add_budget_for(parser *ps, orc_budget *b, double value, const token *at)
{
	token ct = ps->tok;
	char client[ORC_PLAN_NAME];
	if (!plan_take_name(ps, client, sizeof(client), "a client name"))
		return;
	for (size_t i = 0; i < b->nper; i++)
		if (strcmp(b->per[i].client, client) == 0) {
			plan_fail_at(ps, &ct, "expected a client without a budget %s yet: %s has one on "
				"line %d", b->name, client, b->per[i].line);
			return;
		}
	if (b->nper == ORC_BUDGET_MAX_CLIENTS) {
		plan_fail_at(ps, at, "expected at most %d clients with their own budget %s",
			ORC_BUDGET_MAX_CLIENTS, b->name);
		return;
	}
	orc_budget_for *f = &b->per[b->nper++];
	snprintf(f->client, sizeof(f->client), "%s", client);
	f->value = value;
	f->line = at->line;
	plan_end_of_statement(ps);
}

/* st_budget reads `budget NAME VALUE` (every client's) or `budget NAME VALUE for CLIENT`
 * (one client's, after every client's). */
static void st_budget(parser *ps)
{
	token at = ps->tok;
	char name[ORC_PLAN_NAME];
	double value;
	if (!plan_take_name(ps, name, sizeof(name), "a budget name"))
		return;
	if (plan_find_run(ps->plan, name) != NULL || plan_find_fn(name) >= 0) {
		plan_fail_at(ps, &at, "expected a budget name that is not a run's or a function's");
		return;
	}
	if (!plan_take_number(ps, &value, "the budget's value, such as 0.10"))
		return;
	orc_budget *b = (orc_budget *)plan_find_budget(ps->plan, name);
	if (plan_is_word(&ps->tok, "for")) {
		plan_advance(ps);
		if (b == NULL)
			plan_fail_at(ps, &at, "expected `budget %s VALUE` for every client before a "
				"client's own", name);
		else
			add_budget_for(ps, b, value, &at);
		return;
	}
	if (b != NULL) {
		plan_fail_at(ps, &at, "expected a new budget name: %s is on line %d", name, b->line);
		return;
	}
	if (ps->plan->nbudgets == ORC_PLAN_MAX_BUDGETS) {
		plan_fail_at(ps, &at, "expected at most %d budgets", ORC_PLAN_MAX_BUDGETS);
		return;
	}
	b = &ps->plan->budgets[ps->plan->nbudgets++];
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->value = b->chosen = value;
	b->line = at.line;
	plan_end_of_statement(ps);
}

/* Each statement with its doors besides a plan (orc_plan_door): the `orchestrator run`
 * options and the include/tracebench.h fields or calls that reach the same thing. */
static const struct statement {
	const char *name;
	void (*parse)(parser *ps);
	const char *flag, *api;
} statements[] = {
	{"client", st_client, "--client", "tb_controller_open"},
	{"sampling", st_sampling, "--period", "tb_controller_opts.sample_period_ns"},
	{"calibrate", st_calibrate, "--target-cpu --uncalibrated",
	 "tb_controller_opts.target_cpu tb_controller_set_calibration"},
	{"sampler", st_sampler, "--sampler", "tb_controller_opts.sampler_url"},
	{"satellites", parse_satellites, "--satellites --ports --satellites-url",
	 "tb_satellites_open_ports tb_satellites_attach"},
	{"run", plan_parse_run, NULL, "tb_benchmark"},
	/* An API caller judges a Result's fields in its own code. */
	{"assert", plan_parse_assert, NULL, "tb_result_number tb_result_list"},
	{"graph", parse_graph, NULL, "tb_results_report"},
	{"on_failure", st_on_failure, "--stop-on-failure", NULL},
	{"max_cv", st_max_cv, "--max-cv", NULL},
	{"quiet_host", st_quiet_host, "--quiet-host", NULL},
	{"tls", st_tls, "--tls-cert --tls-key --tls-ca",
	 "tb_controller_opts.tls_cert tb_controller_opts.tls_key tb_controller_opts.tls_ca"},
	/* A ramp decides its next rate from the last one's Result: a plan's to run. */
	{"ramp", plan_parse_ramp, NULL, "tb_plan_run"},
	{"budget", st_budget, "--budget", "tb_plan_opts.budgets"},
};
#define NSTATEMENTS (sizeof(statements) / sizeof(statements[0]))

static void parse_statement(parser *ps)
{
	token kw = ps->tok;
	for (size_t i = 0; kw.kind == T_WORD && i < NSTATEMENTS; i++) {
		if (plan_is_word(&kw, statements[i].name)) {
			plan_advance(ps);
			statements[i].parse(ps);
			return;
		}
	}
	char names[256];
	size_t off = 0;
	for (size_t i = 0; i < NSTATEMENTS; i++)
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
					i == 0 ? "" : i + 1 == NSTATEMENTS ? " or " : ", ",
					statements[i].name);
	plan_fail_at(ps, &kw, "expected a statement: %s", names);
}

size_t orc_plan_doors(orc_plan_door *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < NSTATEMENTS && n < max; i++)
		out[n++] = (orc_plan_door){"statement", statements[i].name, statements[i].flag,
					   statements[i].api};
	n += plan_run_setting_doors(out + n, max - n);
	n += plan_event_doors(out + n, max - n);
	return n;
}

/* door_cell writes a space-separated list as code spans, or "-" for none. */
static void door_cell(FILE *out, const char *list)
{
	if (list == NULL) {
		fputs(" - |", out);
		return;
	}
	while (*list != '\0') {
		size_t len = strcspn(list, " ");
		fprintf(out, " `%.*s`", (int)len, list);
		list += len + (list[len] == ' ');
		fputs(*list != '\0' ? "," : "", out);
	}
	fputs(" |", out);
}

void orc_plan_doors_markdown(FILE *out)
{
	orc_plan_door d[128];
	size_t n = orc_plan_doors(d, sizeof(d) / sizeof(d[0]));
	fputs("| keyword | a plan's | `orchestrator run` | include/tracebench.h |\n"
	      "| --- | --- | --- | --- |\n", out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "| `%s` | %s |", d[i].keyword, d[i].table);
		door_cell(out, d[i].flags);
		door_cell(out, d[i].api);
		fputs("\n", out);
	}
}

void orc_plan_free(orc_plan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nasserts; i++) {
		plan_free_expr(p->asserts[i].lhs);
		plan_free_expr(p->asserts[i].rhs);
	}
	free(p);
}

int orc_plan_parse(const char *path, const char *text, orc_plan **out, char *err,
		   size_t errlen)
{
	*out = NULL;
	orc_plan *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return TB_ENOMEM;
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->period_ns = 100 * TB_NS_PER_MS;
	p->target_cpu = 0.70;
	parser ps = {.path = path, .p = text, .line = 1, .col = 1, .err = err, .errlen = errlen,
		     .plan = p};
	plan_advance(&ps);
	while (!ps.failed && ps.tok.kind != T_EOF) {
		if (ps.tok.kind == T_NEWLINE) {
			plan_advance(&ps);
			continue;
		}
		parse_statement(&ps);
	}
	if (!ps.failed && p->nruns == 0) {
		ps.tok.kind = T_EOF;
		plan_fail_at(&ps, &ps.tok, "expected at least one run");
	}
	if (ps.failed) {
		orc_plan_free(p);
		return TB_EINVAL;
	}
	*out = p;
	return TB_OK;
}

int orc_plan_load(const char *path, orc_plan **out, char *err, size_t errlen)
{
	*out = NULL;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return TB_ENOENT;
	}
	char *text = malloc(MAX_PLAN_BYTES + 1);
	size_t n = text ? fread(text, 1, MAX_PLAN_BYTES + 1, f) : 0;
	fclose(f);
	if (text == NULL)
		return TB_ENOMEM;
	if (n > MAX_PLAN_BYTES) {
		free(text);
		snprintf(err, errlen, "%s: larger than %u bytes; not a plan", path, MAX_PLAN_BYTES);
		return TB_EINVAL;
	}
	text[n] = '\0';
	if (strlen(text) != n) {
		free(text);
		snprintf(err, errlen, "%s: contains a NUL byte; not a plan", path);
		return TB_EINVAL;
	}
	int rc = orc_plan_parse(path, text, out, err, errlen);
	free(text);
	return rc;
}
