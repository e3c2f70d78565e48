/* SPDX-License-Identifier: MIT */
/* expr.c - assertions: expressions over run fields, budgets and functions, compared,
 * or tested with significant(). */
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

/* plan_find_fn is the function called name, or -1. */
int plan_find_fn(const char *name)
{
	for (int i = 0; i < ORC_FN_COUNT_; i++)
		if (strcmp(functions[i], name) == 0)
			return i;
	return -1;
}

/* ---- expressions ---- */

static orc_expr *new_expr(parser *ps, orc_expr_kind k, const token *at)
{
	orc_expr *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		plan_fail_at(ps, at, "out of memory");
		return NULL;
	}
	e->kind = k;
	e->line = at->line;
	e->col = at->col;
	return e;
}

void plan_free_expr(orc_expr *e)
{
	if (e == NULL)
		return;
	plan_free_expr(e->a);
	plan_free_expr(e->b);
	free(e);
}

const orc_plan_run *plan_find_run(const orc_plan *p, const char *name)
{
	for (size_t i = 0; i < p->nruns; i++)
		if (strcmp(p->runs[i].name, name) == 0)
			return &p->runs[i];
	return NULL;
}

static orc_expr *parse_expr(parser *ps);

const orc_budget *plan_find_budget(const orc_plan *p, const char *name)
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
	if (!plan_take_number(ps, q, "a percentile from 0 to 100"))
		return false;
	if (!(*q >= 0 && *q <= 100)) {
		plan_fail_at(ps, &v, "expected a percentile from 0 to 100");
		return false;
	}
	return plan_take_punct(ps, ",", "expected ',' and a list after p's percentile");
}

/* parse_call reads fn(EXPR), or p(Q, EXPR), after the name fn. */
static orc_expr *parse_call(parser *ps, const char *name, const token *at)
{
	int fn = plan_find_fn(name);
	if (fn < 0) {
		char names[128];
		size_t off = 0;
		for (int i = 0; i < ORC_FN_COUNT_; i++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						i == 0 ? "" : i + 1 == ORC_FN_COUNT_ ? " or " : ", ",
						functions[i]);
		plan_fail_at(ps, at, "expected a function: %s", names);
		return NULL;
	}
	plan_advance(ps);
	orc_expr *e = new_expr(ps, ORC_EXPR_CALL, at);
	if (e == NULL)
		return NULL;
	e->fn = (orc_fn)fn;
	if (e->fn == ORC_FN_P && !take_percentile(ps, &e->number)) {
		plan_free_expr(e);
		return NULL;
	}
	if ((e->a = parse_expr(ps)) == NULL || !plan_is_punct(&ps->tok, ")")) {
		if (e->a != NULL)
			plan_fail_at(ps, &ps->tok, "expected ')'");
		plan_free_expr(e);
		return NULL;
	}
	plan_advance(ps);
	return e;
}

/* parse_field reads .FIELD after the name of a run, and resolves both. */
static orc_expr *parse_field(parser *ps, const char *name, const token *at)
{
	if (!plan_is_punct(&ps->tok, ".")) {
		plan_fail_at(ps, &ps->tok, "expected '.' and a field after the run name '%s'", name);
		return NULL;
	}
	const orc_plan_run *run = plan_find_run(ps->plan, name);
	if (run == NULL) {
		plan_fail_at(ps, at, "expected the name of a run defined above");
		return NULL;
	}
	plan_advance(ps);
	bool per_client = plan_is_word(&ps->tok, "client");
	if (per_client) {
		plan_advance(ps);
		if (!plan_take_punct(ps, ".", "expected '.' and a field after 'client'"))
			return NULL;
	}
	token ft = ps->tok;
	const orc_field *field = ft.kind == T_WORD ? orc_result_field_named(ft.start, ft.len)
						   : NULL;
	const orc_field *renamed = ft.kind == T_WORD ? orc_result_field_renamed(ft.start, ft.len,
										 ORC_OLD_IN_PLAN)
						     : NULL;
	if (field == NULL && renamed != NULL) {
		plan_fail_at(ps, &ft, "expected a field ('%.*s' is now called '%s')", (int)ft.len,
			ft.start, renamed->name);
		return NULL;
	}
	if (field == NULL || !field->assertable) {
		char names[1024];
		orc_result_plan_names(names, sizeof(names));
		plan_fail_at(ps, &ft, "expected a field%s: %s", per_client ? "" : " (or client.FIELD)",
			names);
		return NULL;
	}
	if (per_client && field->agg == ORC_AGG_RUN) {
		plan_fail_at(ps, &ft, "expected a field each client has: %.*s is the run's", (int)ft.len,
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
	plan_advance(ps);
	return e;
}

static orc_expr *parse_factor(parser *ps)
{
	token at = ps->tok;
	if (ps->tok.kind == T_NUMBER) {
		orc_expr *e = new_expr(ps, ORC_EXPR_NUMBER, &at);
		if (e != NULL && !plan_take_number(ps, &e->number, "a number")) {
			free(e);
			return NULL;
		}
		return e;
	}
	if (plan_is_punct(&ps->tok, "-")) {
		plan_advance(ps);
		orc_expr *e = new_expr(ps, ORC_EXPR_NEGATE, &at);
		if (e != NULL && (e->a = parse_factor(ps)) == NULL) {
			free(e);
			return NULL;
		}
		return e;
	}
	if (plan_is_punct(&ps->tok, "(")) {
		plan_advance(ps);
		orc_expr *e = parse_expr(ps);
		if (e != NULL && !plan_is_punct(&ps->tok, ")")) {
			plan_fail_at(ps, &ps->tok, "expected ')'");
			plan_free_expr(e);
			return NULL;
		}
		plan_advance(ps);
		return e;
	}
	if (ps->tok.kind != T_WORD) {
		plan_fail_at(ps, &ps->tok, "expected a number, a run's field (run.field), a function "
				      "such as mean(...), or '('");
		return NULL;
	}
	char name[ORC_PLAN_NAME];
	if (!plan_take_name(ps, name, sizeof(name), "a run, function or budget name"))
		return NULL;
	if (plan_is_punct(&ps->tok, "("))
		return parse_call(ps, name, &at);
	const orc_budget *b = plan_find_budget(ps->plan, name);
	if (b == NULL || plan_is_punct(&ps->tok, "."))
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
	       (plan_is_punct(&ps->tok, ops[level][0]) || plan_is_punct(&ps->tok, ops[level][1]))) {
		token at = ps->tok;
		plan_advance(ps);
		orc_expr *e = new_expr(ps, ORC_EXPR_BINARY, &at);
		orc_expr *rhs = e ? parse_binary(ps, level + 1) : NULL;
		if (rhs == NULL) {
			free(e);
			plan_free_expr(lhs);
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
	} else if (!plan_is_punct(&ps->tok, ")")) {
		why = "expected ) to end significant(";
		at = &ps->tok;
	}
	if (why != NULL) {
		plan_fail_at(ps, at, "%s", why);
		plan_free_expr(a->lhs);
		plan_free_expr(a->rhs);
		return false;
	}
	plan_advance(ps);
	return true;
}

void plan_parse_assert(parser *ps)
{
	orc_plan *p = ps->plan;
	if (p->nasserts == ORC_PLAN_MAX_ASSERTS) {
		plan_fail_at(ps, &ps->tok, "expected at most %d assertions", ORC_PLAN_MAX_ASSERTS);
		return;
	}
	orc_assert *a = &p->asserts[p->nasserts];
	a->line = ps->tok.line;
	const char *start = ps->tok.start;
	if (plan_is_word(&ps->tok, "significant")) {
		a->significant = true;
		plan_advance(ps);
		if (!plan_take_punct(ps, "(", "expected ( after significant"))
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
		if (plan_is_punct(&ps->tok, cmps[i].s)) {
			a->cmp = cmps[i].c;
			found = true;
		}
	if (!found) {
		plan_fail_at(ps, &ps->tok, "expected a comparison: < <= > >= == !=");
		plan_free_expr(a->lhs);
		return;
	}
	token op = ps->tok;
	plan_advance(ps);
	if ((a->rhs = parse_expr(ps)) == NULL) {
		plan_free_expr(a->lhs);
		return;
	}
	if (a->significant && !end_significant(ps, a, &op))
		return;
	const char *end = ps->prev_end;
	snprintf(a->text, sizeof(a->text), "%.*s", (int)(end - start), start);
	p->nasserts++;
	plan_end_of_statement(ps);
}
