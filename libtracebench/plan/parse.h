/* SPDX-License-Identifier: MIT */
/* parse.h - what the plan parser's files share, and nothing outside libtracebench/plan/
 * uses: the token, the parser's state, and the helpers every statement is read with. The
 * lexer (lexer.c) keeps line and column for each token so every error points at its
 * place; the parsers (expr.c, events.c, runs.c, grammar.c) check names and ranges as
 * they go, so a plan that parses can run. */
#ifndef ORC_PLAN_PARSE_H
#define ORC_PLAN_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "libtracebench/plan/plan.h"

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

/* plan_take_number takes a number. */
bool plan_take_number(parser *ps, double *out, const char *what);
/* plan_end_of_statement takes the end of the line, else fails. */
bool plan_end_of_statement(parser *ps);
/* plan_advance moves to the next token. */
void plan_advance(parser *ps);
/* plan_fail_at records the first error of the plan, at token t: "path:line:col: MSG, got T". */
void plan_fail_at(parser *ps, const token *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* plan_take_punct takes the punctuation p, else fails with why. */
bool plan_take_punct(parser *ps, const char *p, const char *why);
/* plan_is_punct tells whether t is the punctuation s. */
bool plan_is_punct(const token *t, const char *s);
/* plan_take_duration takes a duration ("5s", "100ms"), in seconds. */
bool plan_take_duration(parser *ps, double *seconds, const char *what);
/* plan_take_mode takes a satellite mode. */
bool plan_take_mode(parser *ps, tb_sat_mode *mode);
/* plan_take_string takes a quoted string into buf. */
bool plan_take_string(parser *ps, char *buf, size_t len, const char *what);
/* plan_take_name takes a name into buf, else fails saying what was expected. */
bool plan_take_name(parser *ps, char *buf, size_t len, const char *what);
/* plan_is_word tells whether t is the word w. */
bool plan_is_word(const token *t, const char *w);
/* plan_find_fn is the index of the assertion function called name, or -1. */
int plan_find_fn(const char *name);
/* plan_is_event_word tells whether w begins an event ("down", "errors", ...). */
bool plan_is_event_word(const char *w);
/* plan_find_budget is the plan's budget called name, or NULL. */
const orc_budget *plan_find_budget(const orc_plan *p, const char *name);
/* plan_free_expr frees an expression tree. */
void plan_free_expr(orc_expr *e);
/* plan_parse_assert parses `assert ...` (expr.c). */
void plan_parse_assert(parser *ps);
/* plan_find_run is the plan's run called name, or NULL. */
const orc_plan_run *plan_find_run(const orc_plan *p, const char *name);
/* plan_parse_event parses one `at TIME EVENT` line of a run (events.c). */
void plan_parse_event(parser *ps, orc_plan_run *r);
/* plan_find_sampler is the index of the plan's sampler called name, or -1 (error recorded). */
int plan_find_sampler(const orc_plan *p, const token *name);
/* plan_parse_run parses `run NAME` and its settings and events (runs.c). */
void plan_parse_run(parser *ps);
/* plan_parse_ramp parses `ramp NAME ...` (runs.c). */
void plan_parse_ramp(parser *ps);

/* plan_run_setting_doors and plan_event_doors fill out with their table's doors (at most
 * max) and tell how many; orc_plan_doors gathers them. */
size_t plan_run_setting_doors(orc_plan_door *out, size_t max);
size_t plan_event_doors(orc_plan_door *out, size_t max);

/* plan_parse_line reads line (text, one value given outside a plan, made into plan text)
 * with take into r, as a plan would, with no plan around it: orc_event_parse and
 * orc_mix_parse. TB_OK, TB_EINVAL with err "WHAT \"TEXT\": expected ..., got ...", or
 * TB_ENOMEM. */
int plan_parse_line(const char *what, const char *text, const char *line,
		    void (*take)(parser *ps, orc_plan_run *r), orc_plan_run *r, char *err,
		    size_t errlen);

#endif
