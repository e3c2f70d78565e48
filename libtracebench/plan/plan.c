/* SPDX-License-Identifier: MIT */
/* plan.c - the plan language's lexer and recursive-descent parser. The lexer keeps line
 * and column for every token so each error points at the place; the parser checks names
 * and ranges as it goes, so a plan that parses can run. */
#include "libtracebench/plan/plan.h"

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
#include "libtracebench/results/result.h"

#define MAX_PLAN_BYTES (1u << 20)

typedef enum tok_kind {
	T_EOF, T_NEWLINE, T_WORD, T_NUMBER, T_STRING, T_PUNCT,
} tok_kind;

typedef struct token {
	tok_kind kind;
	const char *start;
	size_t len;
	int line, col;
} token;

typedef struct parser {
	const char *path;
	const char *p;		/* next character */
	int line, col;
	token tok;		/* current token */
	const char *prev_end;	/* just after the token before it */
	char *err;
	size_t errlen;
	bool failed;
	orc_plan *plan;
} parser;

static const char *const functions[ORC_FN_COUNT_] = {
	[ORC_FN_LAST] = "last", [ORC_FN_FIRST] = "first", [ORC_FN_MEAN] = "mean",
	[ORC_FN_MIN] = "min", [ORC_FN_MAX] = "max", [ORC_FN_SUM] = "sum",
	[ORC_FN_COUNT] = "count", [ORC_FN_ABS] = "abs", [ORC_FN_MEDIAN] = "median",
	[ORC_FN_STDDEV] = "stddev", [ORC_FN_CV] = "cv", [ORC_FN_P] = "p",
};

const char *orc_fn_name(orc_fn fn)
{
	return (unsigned)fn < ORC_FN_COUNT_ ? functions[fn] : "?";
}

/* find_fn is the function called name, or -1. */
static int find_fn(const char *name)
{
	for (int i = 0; i < ORC_FN_COUNT_; i++)
		if (strcmp(functions[i], name) == 0)
			return i;
	return -1;
}

void orc_event_describe(const orc_event *ev, char *buf, size_t len)
{
	const char *who = ev->group >= 0 ? ev->group_name : "satellites";
	switch (ev->kind) {
	case ORC_EV_SATELLITES_DOWN:
		snprintf(buf, len, "%s down", who);
		break;
	case ORC_EV_SATELLITES_UP:
		snprintf(buf, len, "%s up", who);
		break;
	case ORC_EV_MODE:
		snprintf(buf, len, "%s mode %s", who, tb_sat_mode_name(ev->mode));
		break;
	case ORC_EV_ERRORS:
		snprintf(buf, len, "%s errors %g status %u%s", who, ev->probability, ev->status,
			 ev->retry_after_s > 0 ? " retry_after" : "");
		if (ev->retry_after_s > 0) {
			size_t n = strlen(buf);
			snprintf(buf + n, len > n ? len - n : 0, " %gs", ev->retry_after_s);
		}
		break;
	case ORC_EV_LATENCY:
		snprintf(buf, len, "%s latency %gms per_span %gus", who, ev->latency_s * 1e3,
			 ev->per_span_s * 1e6);
		break;
	case ORC_EV_BANDWIDTH:
		if (ev->bytes_per_s > 0)
			snprintf(buf, len, "%s bandwidth %gKB/s per %s", who, ev->bytes_per_s / 1024,
				 ev->per_connection ? "connection" : "group");
		else
			snprintf(buf, len, "%s bandwidth unlimited", who);
		break;
	case ORC_EV_CLOSE:
		snprintf(buf, len, "%s close %g", who, ev->probability);
		break;
	default:
		snprintf(buf, len, "event %d", (int)ev->kind);
	}
}

/* fail_at records the first error, at the current token. */
static void fail_at(parser *ps, const token *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail_at(parser *ps, const token *t, const char *fmt, ...)
{
	if (ps->failed)
		return;
	ps->failed = true;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char got[48];
	if (t->kind == T_EOF)
		snprintf(got, sizeof(got), "the end of the file");
	else if (t->kind == T_NEWLINE)
		snprintf(got, sizeof(got), "the end of the line");
	else
		snprintf(got, sizeof(got), "'%.*s'", (int)(t->len > 40 ? 40 : t->len), t->start);
	snprintf(ps->err, ps->errlen, "%s:%d:%d: %s, got %s", ps->path, t->line, t->col, msg, got);
}

static void advance(parser *ps)
{
	ps->prev_end = ps->p;
	const char *p = ps->p;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
			ps->col++;
		}
		if (*p == '#')
			while (*p != '\n' && *p != '\0')
				p++;
		break;
	}
	token t = {.start = p, .line = ps->line, .col = ps->col};
	if (*p == '\0') {
		t.kind = T_EOF;
	} else if (*p == '\n') {
		t.kind = T_NEWLINE;
		t.len = 1;
	} else if (isalpha((unsigned char)*p) || *p == '_') {
		t.kind = T_WORD;
		while (isalnum((unsigned char)p[t.len]) || p[t.len] == '_' || p[t.len] == '-')
			t.len++;
	} else if (isdigit((unsigned char)*p) ||
		   (*p == '.' && isdigit((unsigned char)p[1]))) {
		/* A number, with any unit letters glued on ("30s", "100ms", "1e3"). */
		t.kind = T_NUMBER;
		while (isalnum((unsigned char)p[t.len]) || p[t.len] == '.' ||
		       ((p[t.len] == '+' || p[t.len] == '-') &&
			(p[t.len - 1] == 'e' || p[t.len - 1] == 'E')))
			t.len++;
	} else if (*p == '"') {
		t.kind = T_STRING;
		t.len = 1;
		while (p[t.len] != '"' && p[t.len] != '\n' && p[t.len] != '\0')
			t.len++;
		if (p[t.len] != '"') {
			t.len = 1;
			ps->tok = t;
			fail_at(ps, &t, "expected a closing '\"' on the same line");
			t.kind = T_EOF;
		} else {
			t.len++;
		}
	} else {
		t.kind = T_PUNCT;
		t.len = ((p[0] == '<' || p[0] == '>' || p[0] == '=' || p[0] == '!') && p[1] == '=') ? 2 : 1;
	}
	ps->p = p + t.len;
	ps->col += (int)t.len;
	if (t.kind == T_NEWLINE) {
		ps->line++;
		ps->col = 1;
	}
	ps->tok = t;
}

static bool is_word(const token *t, const char *w)
{
	return t->kind == T_WORD && t->len == strlen(w) && strncmp(t->start, w, t->len) == 0;
}

static bool is_punct(const token *t, const char *s)
{
	return t->kind == T_PUNCT && t->len == strlen(s) && strncmp(t->start, s, t->len) == 0;
}

/* take_name takes a name token into buf. */
static bool take_name(parser *ps, char *buf, size_t len, const char *what)
{
	if (ps->tok.kind != T_WORD || ps->tok.len >= len) {
		fail_at(ps, &ps->tok, "expected %s (letters, digits, '_' or '-', at most %zu)",
			what, len - 1);
		return false;
	}
	snprintf(buf, len, "%.*s", (int)ps->tok.len, ps->tok.start);
	advance(ps);
	return true;
}

/* take_punct requires the punctuation p next, else fails with why, what was expected. */
static bool take_punct(parser *ps, const char *p, const char *why)
{
	if (!is_punct(&ps->tok, p)) {
		fail_at(ps, &ps->tok, "%s", why);
		return false;
	}
	advance(ps);
	return true;
}

static bool take_number(parser *ps, double *out, const char *what)
{
	char buf[64];
	if (ps->tok.kind != T_NUMBER || ps->tok.len >= sizeof(buf)) {
		fail_at(ps, &ps->tok, "expected %s", what);
		return false;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)ps->tok.len, ps->tok.start);
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v)) {
		fail_at(ps, &ps->tok, "expected %s (a plain number)", what);
		return false;
	}
	*out = v;
	advance(ps);
	return true;
}

static bool take_duration(parser *ps, double *seconds, const char *what)
{
	char buf[64];
	uint64_t ns;
	if (ps->tok.kind != T_NUMBER || ps->tok.len >= sizeof(buf)) {
		fail_at(ps, &ps->tok, "expected %s, a duration such as 30s or 100ms", what);
		return false;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)ps->tok.len, ps->tok.start);
	if (!tb_parse_duration(buf, TB_NS_PER_S, &ns)) {
		fail_at(ps, &ps->tok, "expected %s, a duration such as 30s or 100ms", what);
		return false;
	}
	*seconds = (double)ns / 1e9;
	advance(ps);
	return true;
}

static bool take_string(parser *ps, char *buf, size_t len, const char *what)
{
	if (ps->tok.kind != T_STRING || ps->tok.len - 2 >= len) {
		fail_at(ps, &ps->tok, "expected %s in double quotes", what);
		return false;
	}
	snprintf(buf, len, "%.*s", (int)ps->tok.len - 2, ps->tok.start + 1);
	advance(ps);
	return true;
}

static bool take_mode(parser *ps, tb_sat_mode *mode)
{
	if (ps->tok.kind != T_WORD ||
	    tb_sat_mode_parse(ps->tok.start, ps->tok.len, mode) != TB_OK) {
		char modes[64];
		tb_sat_mode_choices(modes, sizeof(modes));
		fail_at(ps, &ps->tok, "expected a satellite mode: %s", modes);
		return false;
	}
	advance(ps);
	return true;
}

static bool end_of_statement(parser *ps)
{
	if (ps->tok.kind != T_NEWLINE && ps->tok.kind != T_EOF) {
		fail_at(ps, &ps->tok, "expected the end of the line");
		return false;
	}
	return true;
}

/* ---- expressions ---- */

static orc_expr *new_expr(parser *ps, orc_expr_kind k, const token *at)
{
	orc_expr *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		fail_at(ps, at, "out of memory");
		return NULL;
	}
	e->kind = k;
	e->line = at->line;
	e->col = at->col;
	return e;
}

static void free_expr(orc_expr *e)
{
	if (e == NULL)
		return;
	free_expr(e->a);
	free_expr(e->b);
	free(e);
}

static const orc_plan_run *find_run(const orc_plan *p, const char *name)
{
	for (size_t i = 0; i < p->nruns; i++)
		if (strcmp(p->runs[i].name, name) == 0)
			return &p->runs[i];
	return NULL;
}

static orc_expr *parse_expr(parser *ps);

static const orc_budget *find_budget(const orc_plan *p, const char *name)
{
	for (size_t i = 0; i < p->nbudgets; i++)
		if (strcmp(p->budgets[i].name, name) == 0)
			return &p->budgets[i];
	return NULL;
}

/* take_percentile reads p's first argument, "Q,", Q from 0 to 100. */
static bool take_percentile(parser *ps, double *q)
{
	token v = ps->tok;
	if (!take_number(ps, q, "a percentile from 0 to 100"))
		return false;
	if (!(*q >= 0 && *q <= 100)) {
		fail_at(ps, &v, "expected a percentile from 0 to 100");
		return false;
	}
	return take_punct(ps, ",", "expected ',' and a list after p's percentile");
}

/* parse_call reads fn(EXPR), or p(Q, EXPR), after the name fn. */
static orc_expr *parse_call(parser *ps, const char *name, const token *at)
{
	int fn = find_fn(name);
	if (fn < 0) {
		char names[128];
		size_t off = 0;
		for (int i = 0; i < ORC_FN_COUNT_; i++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						i == 0 ? "" : i + 1 == ORC_FN_COUNT_ ? " or " : ", ",
						functions[i]);
		fail_at(ps, at, "expected a function: %s", names);
		return NULL;
	}
	advance(ps);
	orc_expr *e = new_expr(ps, ORC_EXPR_CALL, at);
	if (e == NULL)
		return NULL;
	e->fn = (orc_fn)fn;
	if (e->fn == ORC_FN_P && !take_percentile(ps, &e->number)) {
		free_expr(e);
		return NULL;
	}
	if ((e->a = parse_expr(ps)) == NULL || !is_punct(&ps->tok, ")")) {
		if (e->a != NULL)
			fail_at(ps, &ps->tok, "expected ')'");
		free_expr(e);
		return NULL;
	}
	advance(ps);
	return e;
}

/* parse_field reads .FIELD after the name of a run, and resolves both. */
static orc_expr *parse_field(parser *ps, const char *name, const token *at)
{
	if (!is_punct(&ps->tok, ".")) {
		fail_at(ps, &ps->tok, "expected '.' and a field after the run name '%s'", name);
		return NULL;
	}
	const orc_plan_run *run = find_run(ps->plan, name);
	if (run == NULL) {
		fail_at(ps, at, "expected the name of a run defined above");
		return NULL;
	}
	advance(ps);
	bool per_client = is_word(&ps->tok, "client");
	if (per_client) {
		advance(ps);
		if (!take_punct(ps, ".", "expected '.' and a field after 'client'"))
			return NULL;
	}
	token ft = ps->tok;
	const orc_field *field = ft.kind == T_WORD ? orc_result_field_named(ft.start, ft.len)
						   : NULL;
	const orc_field *renamed = ft.kind == T_WORD ? orc_result_field_renamed(ft.start, ft.len,
										 ORC_OLD_IN_PLAN)
						     : NULL;
	if (field == NULL && renamed != NULL) {
		fail_at(ps, &ft, "expected a field ('%.*s' is now called '%s')", (int)ft.len,
			ft.start, renamed->name);
		return NULL;
	}
	if (field == NULL || !field->assertable) {
		char names[1024];
		orc_result_plan_names(names, sizeof(names));
		fail_at(ps, &ft, "expected a field%s: %s", per_client ? "" : " (or client.FIELD)",
			names);
		return NULL;
	}
	if (per_client && field->agg == ORC_AGG_RUN) {
		fail_at(ps, &ft, "expected a field each client has: %.*s is the run's", (int)ft.len,
			ft.start);
		return NULL;
	}
	orc_expr *e = new_expr(ps, ORC_EXPR_FIELD, at);
	if (e == NULL)
		return NULL;
	e->per_client = per_client;
	snprintf(e->run, sizeof(e->run), "%s", name);
	e->run_index = (size_t)(run - ps->plan->runs);
	e->fieldp = field;
	snprintf(e->field, sizeof(e->field), "%.*s", (int)ft.len, ft.start);
	advance(ps);
	return e;
}

static orc_expr *parse_factor(parser *ps)
{
	token at = ps->tok;
	if (ps->tok.kind == T_NUMBER) {
		orc_expr *e = new_expr(ps, ORC_EXPR_NUMBER, &at);
		if (e != NULL && !take_number(ps, &e->number, "a number")) {
			free(e);
			return NULL;
		}
		return e;
	}
	if (is_punct(&ps->tok, "-")) {
		advance(ps);
		orc_expr *e = new_expr(ps, ORC_EXPR_NEGATE, &at);
		if (e != NULL && (e->a = parse_factor(ps)) == NULL) {
			free(e);
			return NULL;
		}
		return e;
	}
	if (is_punct(&ps->tok, "(")) {
		advance(ps);
		orc_expr *e = parse_expr(ps);
		if (e != NULL && !is_punct(&ps->tok, ")")) {
			fail_at(ps, &ps->tok, "expected ')'");
			free_expr(e);
			return NULL;
		}
		advance(ps);
		return e;
	}
	if (ps->tok.kind != T_WORD) {
		fail_at(ps, &ps->tok, "expected a number, a run's field (run.field), a function "
				      "such as mean(...), or '('");
		return NULL;
	}
	char name[ORC_PLAN_NAME];
	if (!take_name(ps, name, sizeof(name), "a run, function or budget name"))
		return NULL;
	if (is_punct(&ps->tok, "("))
		return parse_call(ps, name, &at);
	const orc_budget *b = find_budget(ps->plan, name);
	if (b == NULL || is_punct(&ps->tok, "."))
		return parse_field(ps, name, &at);
	orc_expr *e = new_expr(ps, ORC_EXPR_BUDGET, &at);
	if (e != NULL) {
		e->run_index = (size_t)(b - ps->plan->budgets);
		e->number = b->value;
	}
	return e;
}

static orc_expr *parse_binary(parser *ps, int level)
{
	static const char *const ops[2][2] = {{"+", "-"}, {"*", "/"}};
	orc_expr *lhs = level == 2 ? parse_factor(ps) : parse_binary(ps, level + 1);
	while (lhs != NULL && level < 2 &&
	       (is_punct(&ps->tok, ops[level][0]) || is_punct(&ps->tok, ops[level][1]))) {
		token at = ps->tok;
		advance(ps);
		orc_expr *e = new_expr(ps, ORC_EXPR_BINARY, &at);
		orc_expr *rhs = e ? parse_binary(ps, level + 1) : NULL;
		if (rhs == NULL) {
			free(e);
			free_expr(lhs);
			return NULL;
		}
		e->op = at.start[0];
		e->a = lhs;
		e->b = rhs;
		lhs = e;
	}
	return lhs;
}

static orc_expr *parse_expr(parser *ps)
{
	return parse_binary(ps, 0);
}

/* ---- statements ---- */

/* end_significant checks that significant() compares with < or > and takes its ). */
static bool end_significant(parser *ps, orc_assert *a, const token *op)
{
	const char *why = NULL;
	const token *at = op;
	if (a->cmp != ORC_LT && a->cmp != ORC_GT) {
		why = "expected < or > in significant(A < B)";
	} else if (!is_punct(&ps->tok, ")")) {
		why = "expected ) to end significant(";
		at = &ps->tok;
	}
	if (why != NULL) {
		fail_at(ps, at, "%s", why);
		free_expr(a->lhs);
		free_expr(a->rhs);
		return false;
	}
	advance(ps);
	return true;
}

static void parse_assert(parser *ps)
{
	orc_plan *p = ps->plan;
	if (p->nasserts == ORC_PLAN_MAX_ASSERTS) {
		fail_at(ps, &ps->tok, "expected at most %d assertions", ORC_PLAN_MAX_ASSERTS);
		return;
	}
	orc_assert *a = &p->asserts[p->nasserts];
	a->line = ps->tok.line;
	const char *start = ps->tok.start;
	if (is_word(&ps->tok, "significant")) {
		a->significant = true;
		advance(ps);
		if (!take_punct(ps, "(", "expected ( after significant"))
			return;
	}
	if ((a->lhs = parse_expr(ps)) == NULL)
		return;
	static const struct {
		const char *s;
		orc_cmp c;
	} cmps[] = {{"<=", ORC_LE}, {">=", ORC_GE}, {"==", ORC_EQ}, {"!=", ORC_NE},
		    {"<", ORC_LT}, {">", ORC_GT}};
	bool found = false;
	for (size_t i = 0; i < sizeof(cmps) / sizeof(cmps[0]) && !found; i++)
		if (is_punct(&ps->tok, cmps[i].s)) {
			a->cmp = cmps[i].c;
			found = true;
		}
	if (!found) {
		fail_at(ps, &ps->tok, "expected a comparison: < <= > >= == !=");
		free_expr(a->lhs);
		return;
	}
	token op = ps->tok;
	advance(ps);
	if ((a->rhs = parse_expr(ps)) == NULL) {
		free_expr(a->lhs);
		return;
	}
	if (a->significant && !end_significant(ps, a, &op))
		return;
	const char *end = ps->prev_end;
	snprintf(a->text, sizeof(a->text), "%.*s", (int)(end - start), start);
	p->nasserts++;
	end_of_statement(ps);
}

/* take_probability reads a probability from 0 to 1. */
static bool take_probability(parser *ps, double *p, const char *what)
{
	token at = ps->tok;
	if (!take_number(ps, p, what))
		return false;
	if (*p < 0 || *p > 1) {
		fail_at(ps, &at, "expected %s", what);
		return false;
	}
	return true;
}

/* ev_errors: errors P [status 429|500|503] [retry_after DURATION] */
static bool ev_errors(parser *ps, orc_event *e)
{
	e->status = 500;
	if (!take_probability(ps, &e->probability, "an error probability from 0 to 1"))
		return false;
	while (ps->tok.kind == T_WORD) {
		if (is_word(&ps->tok, "status")) {
			advance(ps);
			double st;
			token at = ps->tok;
			if (!take_number(ps, &st, "an HTTP status: 429, 500 or 503"))
				return false;
			if (st != 429 && st != 500 && st != 503) {
				fail_at(ps, &at, "expected an HTTP status: 429, 500 or 503");
				return false;
			}
			e->status = (unsigned)st;
		} else if (is_word(&ps->tok, "retry_after")) {
			advance(ps);
			token at = ps->tok;
			if (!take_duration(ps, &e->retry_after_s, "the Retry-After time"))
				return false;
			if (e->retry_after_s < 1 || e->retry_after_s > 3600) {
				fail_at(ps, &at, "expected a Retry-After of 1s to 3600s");
				return false;
			}
		} else {
			fail_at(ps, &ps->tok, "expected status or retry_after");
			return false;
		}
	}
	return true;
}

/* ev_latency: latency DURATION [per_span DURATION] */
static bool ev_latency(parser *ps, orc_event *e)
{
	if (!take_duration(ps, &e->latency_s, "the extra latency"))
		return false;
	if (is_word(&ps->tok, "per_span")) {
		advance(ps);
		token at = ps->tok;
		if (!take_duration(ps, &e->per_span_s, "the extra latency per span"))
			return false;
		if (e->per_span_s > 0.004) {
			fail_at(ps, &at, "expected at most 4ms per span");
			return false;
		}
	}
	return true;
}

/* ev_bandwidth: bandwidth SIZE/s [per connection | per group], or bandwidth unlimited */
static bool ev_bandwidth(parser *ps, orc_event *e)
{
	if (is_word(&ps->tok, "unlimited")) {
		advance(ps);
		return true;
	}
	char buf[32];
	token at = ps->tok;
	size_t bytes = 0;
	size_t len = at.len;
	if (at.kind == T_NUMBER && len > 1 && len < sizeof(buf) &&
	    (at.start[len - 1] == 'B' || at.start[len - 1] == 'b'))
		len--;	/* 50MB: the B is the unit tb_parse_size leaves out */
	if (at.kind == T_NUMBER && len < sizeof(buf))
		snprintf(buf, sizeof(buf), "%.*s", (int)len, at.start);
	if (at.kind != T_NUMBER || len >= sizeof(buf) || !tb_parse_size(buf, &bytes)) {
		fail_at(ps, &at, "expected a rate such as 50MB/s or 512KB/s, or unlimited");
		return false;
	}
	advance(ps);
	if (!take_punct(ps, "/", "expected /s after the size"))
		return false;
	if (!is_word(&ps->tok, "s")) {
		fail_at(ps, &ps->tok, "expected /s after the size");
		return false;
	}
	advance(ps);
	e->bytes_per_s = (double)bytes;
	if (is_word(&ps->tok, "per")) {
		advance(ps);
		if (!is_word(&ps->tok, "connection") && !is_word(&ps->tok, "group")) {
			fail_at(ps, &ps->tok, "expected per connection or per group");
			return false;
		}
		e->per_connection = is_word(&ps->tok, "connection");
		advance(ps);
	}
	return true;
}

static bool ev_close(parser *ps, orc_event *e)
{
	return take_probability(ps, &e->probability, "a probability of closing from 0 to 1");
}

static bool ev_mode(parser *ps, orc_event *e)
{
	return take_mode(ps, &e->mode);
}

static bool ev_nothing(parser *ps, orc_event *e)
{
	return true;
}

/* What an event may do, after its time and the group it names. */
static const struct event_syntax {
	const char *word;
	orc_event_kind kind;
	bool (*parse)(parser *ps, orc_event *e);
} event_syntax[] = {
	{"down", ORC_EV_SATELLITES_DOWN, ev_nothing},
	{"up", ORC_EV_SATELLITES_UP, ev_nothing},
	{"mode", ORC_EV_MODE, ev_mode},
	{"errors", ORC_EV_ERRORS, ev_errors},
	{"latency", ORC_EV_LATENCY, ev_latency},
	{"bandwidth", ORC_EV_BANDWIDTH, ev_bandwidth},
	{"close", ORC_EV_CLOSE, ev_close},
};
#define NEVENT_SYNTAX (sizeof(event_syntax) / sizeof(event_syntax[0]))

/* event_target reads what an event names: `satellites` or a group's name (or nothing:
 * every group). */
static bool event_target(parser *ps, orc_event *e)
{
	e->group = -1;
	if (is_word(&ps->tok, "satellites")) {
		advance(ps);
		return true;
	}
	for (size_t i = 0; i < ps->plan->nsatellites; i++) {
		const char *name = ps->plan->satellites[i].name;
		if (name[0] != '\0' && is_word(&ps->tok, name)) {
			e->group = (int)i;
			snprintf(e->group_name, sizeof(e->group_name), "%s", name);
			advance(ps);
			return true;
		}
	}
	return true;
}

static void parse_event(parser *ps, orc_plan_run *r)
{
	if (r->nevents == ORC_PLAN_MAX_EVENTS) {
		fail_at(ps, &ps->tok, "expected at most %d events in a run", ORC_PLAN_MAX_EVENTS);
		return;
	}
	orc_event *e = &r->events[r->nevents];
	memset(e, 0, sizeof(*e));
	e->line = ps->tok.line;
	if (!is_word(&ps->tok, "at")) {
		fail_at(ps, &ps->tok, "expected an event: at TIME [GROUP] down|up|mode|errors|"
				      "latency|bandwidth|close ...");
		return;
	}
	advance(ps);
	if (!take_duration(ps, &e->at_s, "the event's time") || !event_target(ps, e))
		return;
	const struct event_syntax *es = NULL;
	for (size_t i = 0; i < NEVENT_SYNTAX && es == NULL; i++)
		if (is_word(&ps->tok, event_syntax[i].word))
			es = &event_syntax[i];
	if (es == NULL) {
		fail_at(ps, &ps->tok, "expected down, up, mode, errors, latency, bandwidth or close%s",
			ps->plan->nsatellites ? ", after satellites or a group's name" : "");
		return;
	}
	advance(ps);
	e->kind = es->kind;
	if (!es->parse(ps, e))
		return;
	r->nevents++;
	end_of_statement(ps);
}

/* ---- run settings: one function each, one table ---- */

static bool take_rate(parser *ps, double *sps, const char *what)
{
	token v = ps->tok;
	if (!take_number(ps, sps, what))
		return false;
	if (!(*sps > 0)) {
		fail_at(ps, &v, "expected spans per second above 0");
		return false;
	}
	return true;
}

static bool set_sps(parser *ps, orc_plan_run *r)
{
	if (!is_punct(&ps->tok, "[")) {
		r->nsps = 1;
		return take_rate(ps, &r->sps[0], "spans per second, or [a, b, ...]");
	}
	advance(ps);
	do {
		if (r->nsps > 0)
			advance(ps); /* the ',' */
		if (r->nsps == ORC_PLAN_MAX_SWEEP) {
			fail_at(ps, &ps->tok, "expected at most %d sweep values", ORC_PLAN_MAX_SWEEP);
			return false;
		}
		if (!take_rate(ps, &r->sps[r->nsps], "spans per second"))
			return false;
		r->nsps++;
	} while (is_punct(&ps->tok, ","));
	return take_punct(ps, "]", "expected ',' or ']'");
}

static bool set_runtime(parser *ps, orc_plan_run *r)
{
	token v = ps->tok;
	if (!take_duration(ps, &r->runtime_s, "the runtime"))
		return false;
	if (!(r->runtime_s > 0)) {
		fail_at(ps, &v, "expected a runtime above 0");
		return false;
	}
	return true;
}

/* take_count reads a whole number from min to max; what names it in the error. */
static bool take_count(parser *ps, unsigned min, unsigned max, const char *what, unsigned *out)
{
	token v = ps->tok;
	double n;
	if (!take_number(ps, &n, what))
		return false;
	if (n < min || n > max || n != floor(n)) {
		fail_at(ps, &v, "expected %s from %u to %u", what, min, max);
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
	if (!take_duration(ps, &s, "the sleep interval"))
		return false;
	if (!(s >= 1e-6 && s <= 10)) {
		fail_at(ps, &v, "expected a sleep interval from 1us to 10s");
		return false;
	}
	r->sleep_interval_ns = (uint64_t)llround(s * 1e9);
	return true;
}

static bool set_satellites(parser *ps, orc_plan_run *r)
{
	return take_mode(ps, &r->satellite_mode);
}

static bool set_protocol(parser *ps, orc_plan_run *r)
{
	if (!is_word(&ps->tok, "lightstep") && !is_word(&ps->tok, "otlp")) {
		fail_at(ps, &ps->tok, "expected lightstep or otlp");
		return false;
	}
	return take_name(ps, r->protocol, sizeof(r->protocol), "a protocol");
}

static bool set_client(parser *ps, orc_plan_run *r)
{
	return take_name(ps, r->client, sizeof(r->client), "a client name");
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
		fail_at(ps, &at, "expected how many of the client: x1 to x%d", TB_MAX_CLIENTS);
		return false;
	}
	*count = (unsigned)n;
	advance(ps);
	return true;
}

/* find_sampler is the plan's sampler named name, or -1. */
static int find_sampler(const orc_plan *p, const token *name)
{
	for (size_t i = 0; i < p->nsamplers; i++)
		if (p->samplers[i].name[0] != '\0' && is_word(name, p->samplers[i].name))
			return (int)i;
	return -1;
}

/* take_on reads a mix's `on SAMPLER`, if any. */
static bool take_on(parser *ps, orc_plan_mix *m)
{
	m->sampler = -1;
	if (!is_word(&ps->tok, "on"))
		return true;
	advance(ps);
	if ((m->sampler = find_sampler(ps->plan, &ps->tok)) < 0) {
		fail_at(ps, &ps->tok, "expected the name of a sampler above");
		return false;
	}
	advance(ps);
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
			fail_at(ps, &ps->tok, "expected at most %d kinds of client", ORC_PLAN_MAX_MIX);
			return false;
		}
		orc_plan_mix *m = &r->mix[r->nmix++];
		if (!take_name(ps, m->client, sizeof(m->client), "a number of clients, or a client "
				"name and xN") || !take_times(ps, &m->count) || !take_on(ps, m))
			return false;
		if (!is_punct(&ps->tok, ","))
			return true;
		advance(ps);
	}
}

static const struct run_setting {
	const char *name;
	bool (*take)(parser *ps, orc_plan_run *r);
} run_settings[] = {
	{"sps", set_sps}, {"runtime", set_runtime}, {"repeat", set_repeat},
	{"alternate", set_alternate}, {"warmup", set_warmup},
	{"trace", set_trace}, {"notrace", set_notrace}, {"satellites", set_satellites},
	{"protocol", set_protocol}, {"client", set_client}, {"noflush", set_noflush},
	{"notimeout", set_notimeout}, {"sleep_interval", set_sleep_interval},
	{"clients", set_clients}, {"total_sps", set_total_sps},
};
#define NSETTINGS (sizeof(run_settings) / sizeof(run_settings[0]))

/* parse_settings reads a run's settings up to the end of its line or its '{'. */
static void parse_settings(parser *ps, orc_plan_run *r)
{
	while (!ps->failed && ps->tok.kind == T_WORD) {
		token key = ps->tok;
		const struct run_setting *st = NULL;
		for (size_t i = 0; i < NSETTINGS && st == NULL; i++)
			if (is_word(&key, run_settings[i].name))
				st = &run_settings[i];
		if (st == NULL) {
			char names[256];
			size_t off = 0;
			for (size_t i = 0; i < NSETTINGS; i++)
				off += (size_t)snprintf(names + off, sizeof(names) - off, "%s, ",
							run_settings[i].name);
			fail_at(ps, &key, "expected a run setting: %sor '{'", names);
			return;
		}
		advance(ps);
		if (!st->take(ps, r))
			return;
	}
}

/* parse_events reads a run's { ... } block of timed events. */
static void parse_events(parser *ps, orc_plan_run *r)
{
	advance(ps);
	for (;;) {
		while (ps->tok.kind == T_NEWLINE)
			advance(ps);
		if (is_punct(&ps->tok, "}") || ps->tok.kind == T_EOF || ps->failed)
			break;
		token ev = ps->tok;
		parse_event(ps, r);
		if (!ps->failed && r->events[r->nevents - 1].at_s >= r->runtime_s) {
			fail_at(ps, &ev, "expected an event before the run ends (%.0f s)",
				r->runtime_s);
			return;
		}
	}
	if (!ps->failed && !is_punct(&ps->tok, "}")) {
		fail_at(ps, &ps->tok, "expected '}' to close the events of run '%s'", r->name);
		return;
	}
	advance(ps);
}

/* check_rounds: warm-up rounds leave at least one to judge, and runs that alternate
 * with the one before them repeat as often, warm-up included. */
static bool check_rounds(parser *ps, const orc_plan_run *r, const token *at)
{
	const orc_plan *p = ps->plan;
	if (r->warmup >= r->repeat) {
		fail_at(ps, at, "expected fewer warm-up rounds (%u) than repeats (%u) in run '%s'",
			r->warmup, r->repeat, r->name);
		return false;
	}
	const orc_plan_run *prev = p->nruns > 0 ? &p->runs[p->nruns - 1] : NULL;
	if (r->alternate && prev != NULL && prev->alternate &&
	    (prev->repeat != r->repeat || prev->warmup != r->warmup)) {
		fail_at(ps, at, "expected '%s' to repeat and warm up as often as '%s', which it "
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
		fail_at(ps, at, "expected at most %d clients in run '%s', not %zu", TB_MAX_CLIENTS,
			r->name, n);
		return false;
	}
	if (r->client[0] != '\0' && r->nmix > 0 && r->mix[0].client[0] != '\0') {
		fail_at(ps, at, "expected run '%s' to name its clients once: 'client NAME clients "
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
		fail_at(ps, at, "expected at most %d runs", ORC_PLAN_MAX_RUNS);
		return NULL;
	}
	orc_plan_run *r = &p->runs[p->nruns];
	memset(r, 0, sizeof(*r));
	r->line = at->line;
	r->trace = true;
	r->repeat = 1;
	r->satellite_mode = TB_SAT_DEFAULT;
	if (!take_name(ps, r->name, sizeof(r->name), "the run's name"))
		return NULL;
	if (find_run(p, r->name) != NULL || find_budget(p, r->name) != NULL) {
		fail_at(ps, at, "expected a new run name ('%s' is a %s above)", r->name,
			find_run(p, r->name) != NULL ? "run" : "budget");
		return NULL;
	}
	return r;
}

/* end_run reads the run's events, if any, and counts it in the plan. */
static void end_run(parser *ps, orc_plan_run *r)
{
	if (is_punct(&ps->tok, "{"))
		parse_events(ps, r);
	if (ps->failed)
		return;
	ps->plan->nruns++;
	end_of_statement(ps);
}

static void parse_run(parser *ps)
{
	token at = ps->tok;
	orc_plan_run *r = new_run(ps, &at);
	if (r == NULL)
		return;
	parse_settings(ps, r);
	if (ps->failed)
		return;
	if (r->nsps == 0 || r->runtime_s == 0) {
		fail_at(ps, &ps->tok, "expected the run '%s' to give both sps and runtime", r->name);
		return;
	}
	if (!check_rounds(ps, r, &at) || !check_clients(ps, r, &at))
		return;
	end_run(ps, r);
}

/* take_word_then requires the word w, then reads a number above lo into *out. */
static bool take_word_then(parser *ps, const char *w, double lo, double *out, const char *what)
{
	if (!is_word(&ps->tok, w)) {
		fail_at(ps, &ps->tok, "expected '%s' and %s", w, what);
		return false;
	}
	advance(ps);
	token v = ps->tok;
	if (!take_number(ps, out, what))
		return false;
	if (!(*out > lo)) {
		fail_at(ps, &v, "expected %s above %g", what, lo);
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
		f = is_word(&at, ramp_figures[i].word) ? &ramp_figures[i] : NULL;
	if (f == NULL) {
		fail_at(ps, &at, "expected a ramp condition: dropped > N%%, cpu > X or "
				 "tracer_cpu > X");
		return false;
	}
	advance(ps);
	if (!take_punct(ps, ">", "expected '>' (a ramp stops when its figure rises above)"))
		return false;
	token v = ps->tok;
	c->what = f->what;
	c->budget = -1;
	if (v.kind == T_WORD && !f->percent) {
		char name[ORC_PLAN_NAME];
		const orc_budget *b = take_name(ps, name, sizeof(name), "a budget")
					      ? find_budget(ps->plan, name) : NULL;
		if (b == NULL) {
			fail_at(ps, &v, "expected %s, or a budget defined above", f->example);
			return false;
		}
		c->budget = (int)(b - ps->plan->budgets);
		c->limit = b->value;
		orc_ramp_cond_describe(c, ps->plan);
		return true;
	}
	if (!take_number(ps, &c->limit, f->example))
		return false;
	if (f->percent && !is_punct(&ps->tok, "%")) {
		fail_at(ps, &ps->tok, "expected '%%' after the %s percentage", f->word);
		return false;
	}
	if (f->percent)
		advance(ps);
	if (c->limit < 0 || c->limit > (f->percent ? 100 : 64)) {
		fail_at(ps, &v, f->percent ? "expected a percentage from 0 to 100"
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
	if (!is_word(&ps->tok, "until")) {
		fail_at(ps, &ps->tok, "expected 'until' and the condition that stops the ramp");
		return false;
	}
	do {
		advance(ps);
		if (rp->nconds == ORC_RAMP_MAX_CONDS) {
			fail_at(ps, &ps->tok, "expected at most %d conditions", ORC_RAMP_MAX_CONDS);
			return false;
		}
		if (!take_ramp_cond(ps, &rp->conds[rp->nconds++]))
			return false;
	} while (is_word(&ps->tok, "or"));
	if (is_word(&ps->tok, "refine")) {
		advance(ps);
		token v = ps->tok;
		double n;
		if (!take_number(ps, &n, "the number of bisections"))
			return false;
		if (n < 0 || n > ORC_RAMP_MAX_REFINE || n != floor(n)) {
			fail_at(ps, &v, "expected 0 to %d bisections", ORC_RAMP_MAX_REFINE);
			return false;
		}
		rp->refine = (unsigned)n;
	}
	rp->on = true;
	return true;
}

/* parse_ramp reads `ramp NAME HEAD SETTINGS [{ EVENTS }]`: a run whose rates rise. */
static void parse_ramp(parser *ps)
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
		fail_at(ps, &settings, "expected a ramp without sps, warmup or alternate: it "
				       "chooses its own rates");
		return;
	}
	if (orc_plan_run_steps(r) > ORC_RAMP_MAX_STEPS) {
		fail_at(ps, &at, "expected at most %d runs: raise the factor, narrow from..to or "
			"repeat less", ORC_RAMP_MAX_STEPS);
		return;
	}
	if (r->runtime_s == 0) {
		fail_at(ps, &ps->tok, "expected the ramp '%s' to give a runtime", r->name);
		return;
	}
	if (orc_ramp_paired(&r->ramp) && !r->trace) {
		fail_at(ps, &settings, "expected a traced ramp: tracer_cpu compares it with an "
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

static const char *const graph_kinds[] = {"memory", "memory_panels", "tracer_cpu", "dropped",
					  "ramp", NULL};

const char *orc_graph_kind_name(orc_graph_kind k)
{
	return (unsigned)k <= ORC_GRAPH_RAMP ? graph_kinds[k] : "?";
}

/* check_graph_runs holds a graph to what its kind can draw. */
static void check_graph_runs(parser *ps, const orc_graph *g, const token *at)
{
	const orc_plan *p = ps->plan;
	if (g->kind == ORC_GRAPH_RAMP && (g->nruns != 1 || !find_run(p, g->runs[0])->ramp.on)) {
		fail_at(ps, at, "expected one ramp for a ramp graph");
		return;
	}
	if (g->kind == ORC_GRAPH_TRACER_CPU) {
		const orc_plan_run *a = find_run(p, g->runs[0]);
		const orc_plan_run *b = g->nruns == 2 ? find_run(p, g->runs[1]) : NULL;
		if (b == NULL || !a->trace || b->trace)
			fail_at(ps, at, "expected two runs for tracer_cpu: a traced one, then an "
					"untraced (notrace) one");
		else if (a->nsps != b->nsps || memcmp(a->sps, b->sps, a->nsps * sizeof(double)) != 0)
			fail_at(ps, at, "expected '%s' and '%s' to sweep the same sps values", a->name,
				b->name);
	}
}

static void parse_graph(parser *ps)
{
	orc_plan *p = ps->plan;
	token at = ps->tok;
	if (p->ngraphs == ORC_PLAN_MAX_GRAPHS) {
		fail_at(ps, &at, "expected at most %d graphs", ORC_PLAN_MAX_GRAPHS);
		return;
	}
	orc_graph *g = &p->graphs[p->ngraphs];
	memset(g, 0, sizeof(*g));
	g->line = at.line;
	if (!take_name(ps, g->name, sizeof(g->name), "the graph's name"))
		return;
	for (size_t i = 0; i < p->ngraphs; i++)
		if (strcmp(p->graphs[i].name, g->name) == 0) {
			fail_at(ps, &at, "expected a new graph name ('%s' is used above)", g->name);
			return;
		}
	token kind = ps->tok;
	size_t k = 0;
	while (graph_kinds[k] != NULL && !is_word(&kind, graph_kinds[k]))
		k++;
	if (graph_kinds[k] == NULL) {
		fail_at(ps, &kind, "expected a graph kind: memory, memory_panels, tracer_cpu or "
				   "dropped");
		return;
	}
	g->kind = (orc_graph_kind)k;
	advance(ps);
	do {
		if (g->nruns > 0)
			advance(ps); /* the ',' */
		token rt = ps->tok;
		if (g->nruns == ORC_GRAPH_MAX_RUNS) {
			fail_at(ps, &rt, "expected at most %d runs in a graph", ORC_GRAPH_MAX_RUNS);
			return;
		}
		if (!take_name(ps, g->runs[g->nruns], sizeof(g->runs[0]), "a run's name"))
			return;
		if (find_run(p, g->runs[g->nruns]) == NULL) {
			fail_at(ps, &rt, "expected the name of a run above, not '%s'",
				g->runs[g->nruns]);
			return;
		}
		g->nruns++;
	} while (is_punct(&ps->tok, ","));
	if (is_word(&ps->tok, "title")) {
		advance(ps);
		if (!take_string(ps, g->title, sizeof(g->title), "the graph's title"))
			return;
	}
	check_graph_runs(ps, g, &kind);
	if (ps->failed)
		return;
	if (g->title[0] == '\0')
		memcpy(g->title, g->name, strlen(g->name) + 1); /* names are shorter than titles */
	p->ngraphs++;
	end_of_statement(ps);
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
	for (size_t i = 0; i < NEVENT_SYNTAX; i++)
		taken |= strcmp(name, event_syntax[i].word) == 0;
	if (taken) {
		fail_at(ps, at, "expected a group name that is not an event's word");
		return false;
	}
	for (size_t i = 0; i < ps->plan->nsatellites; i++)
		if (strcmp(ps->plan->satellites[i].name, name) == 0) {
			fail_at(ps, at, "expected a new group name: %s is on line %d", name,
				ps->plan->satellites[i].line);
			return false;
		}
	return true;
}

static void parse_satellites(parser *ps)
{
	orc_plan *p = ps->plan;
	if (p->nsatellites == ORC_PLAN_MAX_SATELLITES) {
		fail_at(ps, &ps->tok, "expected at most %d satellite groups", ORC_PLAN_MAX_SATELLITES);
		return;
	}
	orc_plan_satellites *s = &p->satellites[p->nsatellites];
	memset(s, 0, sizeof(*s));
	s->line = ps->tok.line;
	s->mode = TB_SAT_TYPICAL;
	if (is_word(&ps->tok, "local")) {
		advance(ps);
	} else if (is_word(&ps->tok, "remote")) {
		advance(ps);
		s->remote = true;
		if (!take_string(ps, s->url, sizeof(s->url), "the agent's URL (\"tcp://host:port\")"))
			return;
	} else {
		fail_at(ps, &ps->tok, "expected local or remote");
		return;
	}
	while (!ps->failed && ps->tok.kind == T_WORD) {
		if (is_word(&ps->tok, "name")) {
			advance(ps);
			token at = ps->tok;
			if (!take_name(ps, s->name, sizeof(s->name), "the group's name"))
				return;
			if (!group_name_ok(ps, s->name, &at))
				return;
		} else if (is_word(&ps->tok, "ports") && !s->remote) {
			advance(ps);
			token at = ps->tok;
			uint16_t ports[ORC_PLAN_MAX_PORTS];
			if (!take_string(ps, s->ports, sizeof(s->ports), "a port list (\"8360-8367\")"))
				return;
			if (tb_parse_ports(s->ports, ports, ORC_PLAN_MAX_PORTS) == 0) {
				fail_at(ps, &at, "expected a port list: a range (\"8360-8367\") or "
						 "ports separated by commas (\"8360,0\"), at most %d",
					ORC_PLAN_MAX_PORTS);
				return;
			}
		} else if (is_word(&ps->tok, "mode")) {
			advance(ps);
			if (!take_mode(ps, &s->mode))
				return;
		} else {
			fail_at(ps, &ps->tok, s->remote ? "expected name or mode"
						       : "expected name, ports or mode");
			return;
		}
	}
	if (!ps->failed) {
		p->nsatellites++;
		end_of_statement(ps);
	}
}

/* ---- plan-level statements: one function each, one table ---- */

static void st_client(parser *ps)
{
	if (take_name(ps, ps->plan->client, sizeof(ps->plan->client), "a client name"))
		end_of_statement(ps);
}

static void st_sampling(parser *ps)
{
	token v = ps->tok;
	double s;
	if (!take_duration(ps, &s, "the sampling period"))
		return;
	if (s < 0.001 || s > 60) {
		fail_at(ps, &v, "expected a sampling period from 1ms to 60s");
		return;
	}
	ps->plan->period_ns = (uint64_t)llround(s * 1e9);
	end_of_statement(ps);
}

static void st_calibrate(parser *ps)
{
	token v = ps->tok;
	double *t = &ps->plan->target_cpu;
	if (is_word(&v, "off")) {
		*t = 0;
		advance(ps);
		end_of_statement(ps);
		return;
	}
	if (!take_number(ps, t, "a target CPU share such as 0.7, or off"))
		return;
	if (*t < 0.05 || *t > 0.95) {
		fail_at(ps, &v, "expected a target CPU share from 0.05 to 0.95");
		return;
	}
	end_of_statement(ps);
}

/* st_sampler reads `sampler "URL" [name NAME]` or `sampler local [name NAME]`. */
static void st_sampler(parser *ps)
{
	orc_plan *p = ps->plan;
	if (p->nsamplers == ORC_PLAN_MAX_SAMPLERS) {
		fail_at(ps, &ps->tok, "expected at most %d samplers", ORC_PLAN_MAX_SAMPLERS);
		return;
	}
	orc_plan_sampler *s = &p->samplers[p->nsamplers];
	memset(s, 0, sizeof(*s));
	s->line = ps->tok.line;
	if (is_word(&ps->tok, "local"))
		advance(ps);
	else if (!take_string(ps, s->url, sizeof(s->url),
			      "local, or the sampler agent's URL (\"tls+tcp://host:port\")"))
		return;
	if (is_word(&ps->tok, "name")) {
		advance(ps);
		token at = ps->tok;
		if (find_sampler(p, &at) >= 0) {
			fail_at(ps, &at, "expected a new sampler name");
			return;
		}
		if (!take_name(ps, s->name, sizeof(s->name), "the sampler's name"))
			return;
	}
	p->nsamplers++;
	end_of_statement(ps);
}

/* st_tls reads `tls cert "FILE" key "FILE" ca "FILE"`, each key once, all three. */
static void st_tls(parser *ps)
{
	static const char *keys[] = {"cert", "key", "ca"};
	char *vals[] = {ps->plan->tls_cert, ps->plan->tls_key, ps->plan->tls_ca};
	token first = ps->tok;
	while (!ps->failed && ps->tok.kind == T_WORD) {
		size_t k = 0;
		while (k < 3 && !is_word(&ps->tok, keys[k]))
			k++;
		if (k == 3 || vals[k][0] != '\0') {
			fail_at(ps, &ps->tok, k == 3 ? "expected cert, key or ca"
						     : "given twice in one tls statement");
			return;
		}
		advance(ps);
		if (!take_string(ps, vals[k], sizeof(ps->plan->tls_cert), "a PEM file's path"))
			return;
	}
	for (size_t k = 0; !ps->failed && k < 3; k++)
		if (vals[k][0] == '\0') {
			fail_at(ps, &first, "tls needs cert, key and ca; %s is missing", keys[k]);
			return;
		}
	end_of_statement(ps);
}

static void st_on_failure(parser *ps)
{
	if (!is_word(&ps->tok, "continue") && !is_word(&ps->tok, "stop")) {
		fail_at(ps, &ps->tok, "expected continue or stop");
		return;
	}
	ps->plan->stop_on_failure = is_word(&ps->tok, "stop");
	advance(ps);
	end_of_statement(ps);
}

/* take_limit reads a plan-level limit above 0 and at most max, then the line's end. */
static void take_limit(parser *ps, double *out, double max, const char *what,
		       const char *range)
{
	token v = ps->tok;
	if (!take_number(ps, out, what))
		return;
	if (!(*out > 0 && *out <= max)) {
		fail_at(ps, &v, "expected %s", range);
		return;
	}
	end_of_statement(ps);
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
	if (!take_name(ps, client, sizeof(client), "a client name"))
		return;
	for (size_t i = 0; i < b->nper; i++)
		if (strcmp(b->per[i].client, client) == 0) {
			fail_at(ps, &ct, "expected a client without a budget %s yet: %s has one on "
				"line %d", b->name, client, b->per[i].line);
			return;
		}
	if (b->nper == ORC_BUDGET_MAX_CLIENTS) {
		fail_at(ps, at, "expected at most %d clients with their own budget %s",
			ORC_BUDGET_MAX_CLIENTS, b->name);
		return;
	}
	orc_budget_for *f = &b->per[b->nper++];
	snprintf(f->client, sizeof(f->client), "%s", client);
	f->value = value;
	f->line = at->line;
	end_of_statement(ps);
}

/* st_budget reads `budget NAME VALUE` (every client's) or `budget NAME VALUE for CLIENT`
 * (one client's, after every client's). */
static void st_budget(parser *ps)
{
	token at = ps->tok;
	char name[ORC_PLAN_NAME];
	double value;
	if (!take_name(ps, name, sizeof(name), "a budget name"))
		return;
	if (find_run(ps->plan, name) != NULL || find_fn(name) >= 0) {
		fail_at(ps, &at, "expected a budget name that is not a run's or a function's");
		return;
	}
	if (!take_number(ps, &value, "the budget's value, such as 0.10"))
		return;
	orc_budget *b = (orc_budget *)find_budget(ps->plan, name);
	if (is_word(&ps->tok, "for")) {
		advance(ps);
		if (b == NULL)
			fail_at(ps, &at, "expected `budget %s VALUE` for every client before a "
				"client's own", name);
		else
			add_budget_for(ps, b, value, &at);
		return;
	}
	if (b != NULL) {
		fail_at(ps, &at, "expected a new budget name: %s is on line %d", name, b->line);
		return;
	}
	if (ps->plan->nbudgets == ORC_PLAN_MAX_BUDGETS) {
		fail_at(ps, &at, "expected at most %d budgets", ORC_PLAN_MAX_BUDGETS);
		return;
	}
	b = &ps->plan->budgets[ps->plan->nbudgets++];
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->value = b->chosen = value;
	b->line = at.line;
	end_of_statement(ps);
}

static const struct statement {
	const char *name;
	void (*parse)(parser *ps);
} statements[] = {
	{"client", st_client}, {"sampling", st_sampling}, {"calibrate", st_calibrate},
	{"sampler", st_sampler}, {"satellites", parse_satellites}, {"run", parse_run},
	{"assert", parse_assert}, {"graph", parse_graph}, {"on_failure", st_on_failure},
	{"max_cv", st_max_cv}, {"quiet_host", st_quiet_host}, {"tls", st_tls},
	{"ramp", parse_ramp}, {"budget", st_budget},
};
#define NSTATEMENTS (sizeof(statements) / sizeof(statements[0]))

static void parse_statement(parser *ps)
{
	token kw = ps->tok;
	for (size_t i = 0; kw.kind == T_WORD && i < NSTATEMENTS; i++) {
		if (is_word(&kw, statements[i].name)) {
			advance(ps);
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
	fail_at(ps, &kw, "expected a statement: %s", names);
}

void orc_plan_free(orc_plan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nasserts; i++) {
		free_expr(p->asserts[i].lhs);
		free_expr(p->asserts[i].rhs);
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
	advance(&ps);
	while (!ps.failed && ps.tok.kind != T_EOF) {
		if (ps.tok.kind == T_NEWLINE) {
			advance(&ps);
			continue;
		}
		parse_statement(&ps);
	}
	if (!ps.failed && p->nruns == 0) {
		ps.tok.kind = T_EOF;
		fail_at(&ps, &ps.tok, "expected at least one run");
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
