/* SPDX-License-Identifier: MIT */
/* runs.c - `run` and `ramp`: a run's settings, one function each in one table, its
 * clients, its events, and a ramp's rates and stop conditions. */
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

/* ---- run settings: one function each, one table ---- */

static bool take_rate(parser *ps, double *sps, const char *what)
{
	token v = ps->tok;
	if (!plan_take_number(ps, sps, what))
		return false;
	if (!(*sps > 0)) {
		plan_fail_at(ps, &v, "expected spans per second above 0");
		return false;
	}
	return true;
}

static bool set_sps(parser *ps, orc_plan_run *r)
{
	if (!plan_is_punct(&ps->tok, "[")) {
		r->nsps = 1;
		return take_rate(ps, &r->sps[0], "spans per second, or [a, b, ...]");
	}
	plan_advance(ps);
	do {
		if (r->nsps > 0)
			plan_advance(ps); /* the ',' */
		if (r->nsps == ORC_PLAN_MAX_SWEEP) {
			plan_fail_at(ps, &ps->tok, "expected at most %d sweep values", ORC_PLAN_MAX_SWEEP);
			return false;
		}
		if (!take_rate(ps, &r->sps[r->nsps], "spans per second"))
			return false;
		r->nsps++;
	} while (plan_is_punct(&ps->tok, ","));
	return plan_take_punct(ps, "]", "expected ',' or ']'");
}

static bool set_runtime(parser *ps, orc_plan_run *r)
{
	token v = ps->tok;
	if (!plan_take_duration(ps, &r->runtime_s, "the runtime"))
		return false;
	if (!(r->runtime_s > 0)) {
		plan_fail_at(ps, &v, "expected a runtime above 0");
		return false;
	}
	return true;
}

/* take_count reads a whole number from min to max; what names it in the error. */
static bool take_count(parser *ps, unsigned min, unsigned max, const char *what, unsigned *out)
{
	token v = ps->tok;
	double n;
	if (!plan_take_number(ps, &n, what))
		return false;
	if (n < min || n > max || n != floor(n)) {
		plan_fail_at(ps, &v, "expected %s from %u to %u", what, min, max);
		return false;
	}
	*out = (unsigned)n;
	return true;
}

static bool set_repeat(parser *ps, orc_plan_run *r)
{
	return take_count(ps, 1, 1000, "a repeat count", &r->repeat);
}

static bool set_warmup(parser *ps, orc_plan_run *r)
{
	return take_count(ps, 0, 999, "a warm-up count", &r->warmup);
}

static bool set_alternate(parser *ps, orc_plan_run *r) { r->alternate = true; return true; }
static bool set_trace(parser *ps, orc_plan_run *r) { r->trace = true; return true; }
static bool set_notrace(parser *ps, orc_plan_run *r) { r->trace = false; return true; }
static bool set_noflush(parser *ps, orc_plan_run *r) { r->no_flush = true; return true; }
static bool set_notimeout(parser *ps, orc_plan_run *r) { r->no_timeout = true; return true; }

static bool set_sleep_interval(parser *ps, orc_plan_run *r)
{
	token v = ps->tok;
	double s;
	if (!plan_take_duration(ps, &s, "the sleep interval"))
		return false;
	if (!(s >= 1e-6 && s <= 10)) {
		plan_fail_at(ps, &v, "expected a sleep interval from 1us to 10s");
		return false;
	}
	r->sleep_interval_ns = (uint64_t)llround(s * 1e9);
	return true;
}

static bool set_satellites(parser *ps, orc_plan_run *r)
{
	return plan_take_mode(ps, &r->satellite_mode);
}

/* set_proxy reads a kind, or `command "..."`, into the words every door gives
 * tb_proxy_spec_parse. */
static bool set_proxy(parser *ps, orc_plan_run *r)
{
	char text[TB_PROXY_COMMAND_MAX + 16], err[TB_PROXY_COMMAND_MAX + 200];
	token kind = ps->tok;
	tb_proxy_kind k;
	if (ps->tok.kind != T_WORD || tb_proxy_kind_parse(ps->tok.start, ps->tok.len, &k) != TB_OK) {
		char kinds[96];
		tb_proxy_kind_choices(kinds, sizeof(kinds));
		plan_fail_at(ps, &ps->tok, "expected a proxy: %s, or none", kinds);
		return false;
	}
	plan_advance(ps);
	size_t n = (size_t)snprintf(text, sizeof(text), "%.*s", (int)kind.len, kind.start);
	if (k == TB_PROXY_COMMAND) {
		kind = ps->tok;
		if (!plan_take_string(ps, text + n + 1, sizeof(text) - n - 1,
				      "the proxy's command line"))
			return false;
		text[n] = ' ';
	}
	if (tb_proxy_spec_parse(text, &r->proxy, err, sizeof(err)) != TB_OK) {
		plan_fail_at(ps, &kind, "%s", err);
		return false;
	}
	return true;
}

static bool set_protocol(parser *ps, orc_plan_run *r)
{
	if (!plan_is_word(&ps->tok, "lightstep") && !plan_is_word(&ps->tok, "otlp")) {
		plan_fail_at(ps, &ps->tok, "expected lightstep or otlp");
		return false;
	}
	return plan_take_name(ps, r->protocol, sizeof(r->protocol), "a protocol");
}

static bool set_client(parser *ps, orc_plan_run *r)
{
	return plan_take_name(ps, r->client, sizeof(r->client), "a client name");
}

static bool set_total_sps(parser *ps, orc_plan_run *r)
{
	r->total_sps = true;
	return set_sps(ps, r);
}

/* take_times reads a mix's xN. */
static bool take_times(parser *ps, unsigned *count)
{
	token at = ps->tok;
	char *end = NULL;
	unsigned long n = 0;
	if (at.kind == T_WORD && at.len > 1 && at.start[0] == 'x' && at.start[1] >= '0' &&
	    at.start[1] <= '9')
		n = strtoul(at.start + 1, &end, 10);
	if (n == 0 || n > TB_MAX_CLIENTS || end != at.start + at.len) {
		plan_fail_at(ps, &at, "expected how many of the client: x1 to x%d", TB_MAX_CLIENTS);
		return false;
	}
	*count = (unsigned)n;
	plan_advance(ps);
	return true;
}

/* plan_find_sampler is the plan's sampler named name, or -1. */
int plan_find_sampler(const orc_plan *p, const token *name)
{
	for (size_t i = 0; i < p->nsamplers; i++)
		if (p->samplers[i].name[0] != '\0' && plan_is_word(name, p->samplers[i].name))
			return (int)i;
	return -1;
}

/* take_on reads a mix's `on SAMPLER`, if any. */
static bool take_on(parser *ps, orc_plan_mix *m)
{
	m->sampler = -1;
	if (!plan_is_word(&ps->tok, "on"))
		return true;
	plan_advance(ps);
	if ((m->sampler = plan_find_sampler(ps->plan, &ps->tok)) < 0) {
		plan_fail_at(ps, &ps->tok, "expected the name of a sampler above");
		return false;
	}
	plan_advance(ps);
	return true;
}

/* set_clients reads `clients N` or `clients NAME xN, NAME xM, ...`. */
static bool set_clients(parser *ps, orc_plan_run *r)
{
	if (ps->tok.kind == T_NUMBER) {
		r->nmix = 1;
		return take_count(ps, 1, TB_MAX_CLIENTS, "a number of clients", &r->mix[0].count) &&
		       take_on(ps, &r->mix[0]);
	}
	for (;;) {
		if (r->nmix == ORC_PLAN_MAX_MIX) {
			plan_fail_at(ps, &ps->tok, "expected at most %d kinds of client", ORC_PLAN_MAX_MIX);
			return false;
		}
		orc_plan_mix *m = &r->mix[r->nmix++];
		if (!plan_take_name(ps, m->client, sizeof(m->client), "a number of clients, or a client "
				"name and xN") || !take_times(ps, &m->count) || !take_on(ps, m))
			return false;
		if (!plan_is_punct(&ps->tok, ","))
			return true;
		plan_advance(ps);
	}
}

/* Each setting with its doors besides a plan (orc_plan_door). */
static const struct run_setting {
	const char *name;
	bool (*take)(parser *ps, orc_plan_run *r);
	const char *flag, *api;
} run_settings[] = {
	{"sps", set_sps, "--sps", "tb_benchmark_params.spans_per_second"},
	{"runtime", set_runtime, "--runtime", "tb_benchmark_params.runtime_s"},
	{"repeat", set_repeat, "--repeat", NULL},
	{"alternate", set_alternate, "--alternate", NULL},
	{"warmup", set_warmup, "--warmup", NULL},
	{"trace", set_trace, "--trace", "tb_benchmark_params.trace"},
	{"notrace", set_notrace, "--no-trace", "tb_benchmark_params.trace"},
	{"satellites", set_satellites, "--satellites", "tb_satellites_open"},
	{"protocol", set_protocol, "--protocol", "tb_benchmark_params.protocol"},
	{"client", set_client, "--client", "tb_controller_open"},
	{"noflush", set_noflush, "--no-flush", "tb_benchmark_params.no_flush"},
	{"notimeout", set_notimeout, "--no-timeout", "tb_benchmark_params.no_timeout"},
	{"sleep_interval", set_sleep_interval, "--sleep-interval",
	 "tb_benchmark_params.sleep_interval_ns"},
	{"clients", set_clients, "--clients --client", "tb_benchmark_params.clients "
	 "tb_benchmark_params.mix"},
	{"total_sps", set_total_sps, "--total-sps", "tb_benchmark_params.total_sps"},
	{"proxy", set_proxy, "--proxy", "tb_benchmark_params.proxy"},
};
#define NSETTINGS (sizeof(run_settings) / sizeof(run_settings[0]))

/* parse_settings reads a run's settings up to the end of its line or its '{'. */
static void parse_settings(parser *ps, orc_plan_run *r)
{
	while (!ps->failed && ps->tok.kind == T_WORD) {
		token key = ps->tok;
		const struct run_setting *st = NULL;
		for (size_t i = 0; i < NSETTINGS && st == NULL; i++)
			if (plan_is_word(&key, run_settings[i].name))
				st = &run_settings[i];
		if (st == NULL) {
			char names[256];
			size_t off = 0;
			for (size_t i = 0; i < NSETTINGS; i++)
				off += (size_t)snprintf(names + off, sizeof(names) - off, "%s, ",
							run_settings[i].name);
			plan_fail_at(ps, &key, "expected a run setting: %sor '{'", names);
			return;
		}
		plan_advance(ps);
		if (!st->take(ps, r))
			return;
	}
}

/* parse_events reads a run's { ... } block of timed events. */
static void parse_events(parser *ps, orc_plan_run *r)
{
	plan_advance(ps);
	for (;;) {
		while (ps->tok.kind == T_NEWLINE)
			plan_advance(ps);
		if (plan_is_punct(&ps->tok, "}") || ps->tok.kind == T_EOF || ps->failed)
			break;
		token ev = ps->tok;
		plan_parse_event(ps, r);
		if (!ps->failed && r->events[r->nevents - 1].at_s >= r->runtime_s) {
			plan_fail_at(ps, &ev, "expected an event before the run ends (%.0f s)",
				r->runtime_s);
			return;
		}
	}
	if (!ps->failed && !plan_is_punct(&ps->tok, "}")) {
		plan_fail_at(ps, &ps->tok, "expected '}' to close the events of run '%s'", r->name);
		return;
	}
	plan_advance(ps);
}

/* check_rounds: warm-up rounds leave at least one to judge, and runs that alternate
 * with the one before them repeat as often, warm-up included. */
static bool check_rounds(parser *ps, const orc_plan_run *r, const token *at)
{
	const orc_plan *p = ps->plan;
	if (r->warmup >= r->repeat) {
		plan_fail_at(ps, at, "expected fewer warm-up rounds (%u) than repeats (%u) in run '%s'",
			r->warmup, r->repeat, r->name);
		return false;
	}
	const orc_plan_run *prev = p->nruns > 0 ? &p->runs[p->nruns - 1] : NULL;
	if (r->alternate && prev != NULL && prev->alternate &&
	    (prev->repeat != r->repeat || prev->warmup != r->warmup)) {
		plan_fail_at(ps, at, "expected '%s' to repeat and warm up as often as '%s', which it "
				"alternates with", r->name, prev->name);
		return false;
	}
	return true;
}

size_t orc_plan_run_clients(const orc_plan_run *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nmix; i++)
		n += r->mix[i].count;
	return n > 0 ? n : 1;
}

/* check_clients: a run's clients are named once (client or clients) and fit in a run,
 * and a total rate needs a run's clients to share it. */
static bool check_clients(parser *ps, const orc_plan_run *r, const token *at)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nmix; i++)
		n += r->mix[i].count;
	if (n > TB_MAX_CLIENTS) {
		plan_fail_at(ps, at, "expected at most %d clients in run '%s', not %zu", TB_MAX_CLIENTS,
			r->name, n);
		return false;
	}
	if (r->client[0] != '\0' && r->nmix > 0 && r->mix[0].client[0] != '\0') {
		plan_fail_at(ps, at, "expected run '%s' to name its clients once: 'client NAME clients "
				"N', or 'clients NAME xN, ...'", r->name);
		return false;
	}
	return true;
}

/* new_run starts the plan's next run at its name; NULL (failed) when there is no room
 * or the name is taken. */
static orc_plan_run *new_run(parser *ps, const token *at)
{
	orc_plan *p = ps->plan;
	if (p->nruns == ORC_PLAN_MAX_RUNS) {
		plan_fail_at(ps, at, "expected at most %d runs", ORC_PLAN_MAX_RUNS);
		return NULL;
	}
	orc_plan_run *r = &p->runs[p->nruns];
	memset(r, 0, sizeof(*r));
	r->line = at->line;
	r->trace = true;
	r->repeat = 1;
	r->satellite_mode = TB_SAT_DEFAULT;
	if (!plan_take_name(ps, r->name, sizeof(r->name), "the run's name"))
		return NULL;
	if (plan_find_run(p, r->name) != NULL || plan_find_budget(p, r->name) != NULL) {
		plan_fail_at(ps, at, "expected a new run name ('%s' is a %s above)", r->name,
			plan_find_run(p, r->name) != NULL ? "run" : "budget");
		return NULL;
	}
	return r;
}

/* end_run reads the run's events, if any, and counts it in the plan. */
static void end_run(parser *ps, orc_plan_run *r)
{
	if (plan_is_punct(&ps->tok, "{"))
		parse_events(ps, r);
	if (ps->failed)
		return;
	ps->plan->nruns++;
	plan_end_of_statement(ps);
}

void plan_parse_run(parser *ps)
{
	token at = ps->tok;
	orc_plan_run *r = new_run(ps, &at);
	if (r == NULL)
		return;
	parse_settings(ps, r);
	if (ps->failed)
		return;
	if (r->nsps == 0 || r->runtime_s == 0) {
		plan_fail_at(ps, &ps->tok, "expected the run '%s' to give both sps and runtime", r->name);
		return;
	}
	if (!check_rounds(ps, r, &at) || !check_clients(ps, r, &at))
		return;
	end_run(ps, r);
}

/* take_word_then requires the word w, then reads a number above lo into *out. */
static bool take_word_then(parser *ps, const char *w, double lo, double *out, const char *what)
{
	if (!plan_is_word(&ps->tok, w)) {
		plan_fail_at(ps, &ps->tok, "expected '%s' and %s", w, what);
		return false;
	}
	plan_advance(ps);
	token v = ps->tok;
	if (!plan_take_number(ps, out, what))
		return false;
	if (!(*out > lo)) {
		plan_fail_at(ps, &v, "expected %s above %g", what, lo);
		return false;
	}
	return true;
}

/* The figures a ramp can stop on. */
static const struct ramp_figure {
	const char *word;
	orc_ramp_what what;
	bool percent;		/* written N%, from 0 to 100 */
	const char *example;
} ramp_figures[] = {
	{"dropped", ORC_RAMP_DROPPED, true, "a percentage such as 1%"},
	{"cpu", ORC_RAMP_CPU, false, "a CPU share such as 0.9"},
	{"tracer_cpu", ORC_RAMP_TRACER_CPU, false, "a CPU share such as 0.10"},
};
#define NRAMP_FIGURES (sizeof(ramp_figures) / sizeof(ramp_figures[0]))

/* take_ramp_cond reads `dropped > N%`, `cpu > X` or `tracer_cpu > X`. */
static bool take_ramp_cond(parser *ps, orc_ramp_cond *c)
{
	token at = ps->tok;
	const struct ramp_figure *f = NULL;
	for (size_t i = 0; i < NRAMP_FIGURES && f == NULL; i++)
		f = plan_is_word(&at, ramp_figures[i].word) ? &ramp_figures[i] : NULL;
	if (f == NULL) {
		plan_fail_at(ps, &at, "expected a ramp condition: dropped > N%%, cpu > X or "
				 "tracer_cpu > X");
		return false;
	}
	plan_advance(ps);
	if (!plan_take_punct(ps, ">", "expected '>' (a ramp stops when its figure rises above)"))
		return false;
	token v = ps->tok;
	c->what = f->what;
	c->budget = -1;
	if (v.kind == T_WORD && !f->percent) {
		char name[ORC_PLAN_NAME];
		const orc_budget *b = plan_take_name(ps, name, sizeof(name), "a budget")
					      ? plan_find_budget(ps->plan, name) : NULL;
		if (b == NULL) {
			plan_fail_at(ps, &v, "expected %s, or a budget defined above", f->example);
			return false;
		}
		c->budget = (int)(b - ps->plan->budgets);
		c->limit = b->value;
		orc_ramp_cond_describe(c, ps->plan);
		return true;
	}
	if (!plan_take_number(ps, &c->limit, f->example))
		return false;
	if (f->percent && !plan_is_punct(&ps->tok, "%")) {
		plan_fail_at(ps, &ps->tok, "expected '%%' after the %s percentage", f->word);
		return false;
	}
	if (f->percent)
		plan_advance(ps);
	if (c->limit < 0 || c->limit > (f->percent ? 100 : 64)) {
		plan_fail_at(ps, &v, f->percent ? "expected a percentage from 0 to 100"
					   : "expected a CPU share from 0 to 64 cores");
		return false;
	}
	c->what = f->what;
	orc_ramp_cond_describe(c, ps->plan);
	return true;
}

void orc_ramp_cond_describe(orc_ramp_cond *c, const orc_plan *p)
{
	const struct ramp_figure *f = &ramp_figures[0];
	for (size_t i = 0; i < NRAMP_FIGURES; i++)
		if (ramp_figures[i].what == c->what)
			f = &ramp_figures[i];
	if (c->budget >= 0)
		snprintf(c->text, sizeof(c->text), "%s > %g (%s)", f->word, c->limit,
			 p->budgets[c->budget].name);
	else
		snprintf(c->text, sizeof(c->text), "%s > %g%s", f->word, c->limit,
			 f->percent ? "%" : "");
}

/* parse_ramp_head reads `from A to B factor F until COND [or COND...] [refine N]`. */
static bool parse_ramp_head(parser *ps, orc_ramp *rp)
{
	if (!take_word_then(ps, "from", 0, &rp->from, "the first rate in spans/s") ||
	    !take_word_then(ps, "to", rp->from * (1 - 1e-9), &rp->to, "the highest rate") ||
	    !take_word_then(ps, "factor", 1, &rp->factor, "the factor from one rate to the next"))
		return false;
	if (!plan_is_word(&ps->tok, "until")) {
		plan_fail_at(ps, &ps->tok, "expected 'until' and the condition that stops the ramp");
		return false;
	}
	do {
		plan_advance(ps);
		if (rp->nconds == ORC_RAMP_MAX_CONDS) {
			plan_fail_at(ps, &ps->tok, "expected at most %d conditions", ORC_RAMP_MAX_CONDS);
			return false;
		}
		if (!take_ramp_cond(ps, &rp->conds[rp->nconds++]))
			return false;
	} while (plan_is_word(&ps->tok, "or"));
	if (plan_is_word(&ps->tok, "refine")) {
		plan_advance(ps);
		token v = ps->tok;
		double n;
		if (!plan_take_number(ps, &n, "the number of bisections"))
			return false;
		if (n < 0 || n > ORC_RAMP_MAX_REFINE || n != floor(n)) {
			plan_fail_at(ps, &v, "expected 0 to %d bisections", ORC_RAMP_MAX_REFINE);
			return false;
		}
		rp->refine = (unsigned)n;
	}
	rp->on = true;
	return true;
}

/* plan_parse_ramp reads `ramp NAME HEAD SETTINGS [{ EVENTS }]`: a run whose rates rise. */
void plan_parse_ramp(parser *ps)
{
	token at = ps->tok;
	orc_plan_run *r = new_run(ps, &at);
	if (r == NULL || !parse_ramp_head(ps, &r->ramp))
		return;
	token settings = ps->tok;
	parse_settings(ps, r);
	if (ps->failed)
		return;
	if (r->nsps > 0 || r->warmup > 0 || r->alternate) {
		plan_fail_at(ps, &settings, "expected a ramp without sps, warmup or alternate: it "
				       "chooses its own rates");
		return;
	}
	if (orc_plan_run_steps(r) > ORC_RAMP_MAX_STEPS) {
		plan_fail_at(ps, &at, "expected at most %d runs: raise the factor, narrow from..to or "
			"repeat less", ORC_RAMP_MAX_STEPS);
		return;
	}
	if (r->runtime_s == 0) {
		plan_fail_at(ps, &ps->tok, "expected the ramp '%s' to give a runtime", r->name);
		return;
	}
	if (orc_ramp_paired(&r->ramp) && !r->trace) {
		plan_fail_at(ps, &settings, "expected a traced ramp: tracer_cpu compares it with an "
				       "untraced twin at each rate");
		return;
	}
	if (!check_clients(ps, r, &at))
		return;
	end_run(ps, r);
}

bool orc_ramp_paired(const orc_ramp *rp)
{
	for (size_t c = 0; rp->on && c < rp->nconds; c++)
		if (rp->conds[c].what == ORC_RAMP_TRACER_CPU)
			return true;
	return false;
}

size_t orc_plan_run_steps(const orc_plan_run *r)
{
	if (!r->ramp.on)
		return r->nsps * r->repeat;
	size_t n = 0;
	for (double v = r->ramp.from; v <= r->ramp.to * (1 + 1e-9) && n <= ORC_RAMP_MAX_STEPS;
	     v *= r->ramp.factor)
		n++;
	return (n + r->ramp.refine) * r->repeat * (orc_ramp_paired(&r->ramp) ? 2 : 1);
}

size_t plan_run_setting_doors(orc_plan_door *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < NSETTINGS && n < max; i++)
		out[n++] = (orc_plan_door){"run setting", run_settings[i].name, run_settings[i].flag,
					   run_settings[i].api};
	return n;
}

/* take_mix reads a `clients` setting's value to the end of its line. */
static void take_mix(parser *ps, orc_plan_run *r)
{
	if (set_clients(ps, r))
		plan_end_of_statement(ps);
}

int orc_mix_parse(const char *text, orc_plan_mix *mix, size_t *n, char *err, size_t errlen)
{
	char line[512];
	if (strlen(text) >= sizeof(line) - 2) {
		snprintf(err, errlen, "clients \"%.100s...\": longer than %zu characters", text,
			 sizeof(line) - 2);
		return TB_EINVAL;
	}
	snprintf(line, sizeof(line), "%s\n", text);
	orc_plan_run *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return TB_ENOMEM;
	int rc = plan_parse_line("clients", text, line, take_mix, r, err, errlen);
	if (rc == TB_OK) {
		memcpy(mix, r->mix, r->nmix * sizeof(*mix));
		*n = r->nmix;
	}
	free(r);
	return rc;
}
