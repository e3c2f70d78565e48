/* SPDX-License-Identifier: MIT */
/* lexer.c - the plan language's tokens (words, numbers, strings, punctuation, ends of
 * lines), each with its line and column, and the helpers statements are read with. */
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

/* plan_fail_at records the first error, at the current token. */
void plan_fail_at(parser *ps, const token *t, const char *fmt, ...)
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

void plan_advance(parser *ps)
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
			plan_fail_at(ps, &t, "expected a closing '\"' on the same line");
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

bool plan_is_word(const token *t, const char *w)
{
	return t->kind == T_WORD && t->len == strlen(w) && strncmp(t->start, w, t->len) == 0;
}

bool plan_is_punct(const token *t, const char *s)
{
	return t->kind == T_PUNCT && t->len == strlen(s) && strncmp(t->start, s, t->len) == 0;
}

/* plan_take_name takes a name token into buf. */
bool plan_take_name(parser *ps, char *buf, size_t len, const char *what)
{
	if (ps->tok.kind != T_WORD || ps->tok.len >= len) {
		plan_fail_at(ps, &ps->tok, "expected %s (letters, digits, '_' or '-', at most %zu)",
			what, len - 1);
		return false;
	}
	snprintf(buf, len, "%.*s", (int)ps->tok.len, ps->tok.start);
	plan_advance(ps);
	return true;
}

/* plan_take_punct requires the punctuation p next, else fails with why, what was expected. */
bool plan_take_punct(parser *ps, const char *p, const char *why)
{
	if (!plan_is_punct(&ps->tok, p)) {
		plan_fail_at(ps, &ps->tok, "%s", why);
		return false;
	}
	plan_advance(ps);
	return true;
}

bool plan_take_number(parser *ps, double *out, const char *what)
{
	char buf[64];
	if (ps->tok.kind != T_NUMBER || ps->tok.len >= sizeof(buf)) {
		plan_fail_at(ps, &ps->tok, "expected %s", what);
		return false;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)ps->tok.len, ps->tok.start);
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v)) {
		plan_fail_at(ps, &ps->tok, "expected %s (a plain number)", what);
		return false;
	}
	*out = v;
	plan_advance(ps);
	return true;
}

bool plan_take_duration(parser *ps, double *seconds, const char *what)
{
	char buf[64];
	uint64_t ns;
	if (ps->tok.kind != T_NUMBER || ps->tok.len >= sizeof(buf)) {
		plan_fail_at(ps, &ps->tok, "expected %s, a duration such as 30s or 100ms", what);
		return false;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)ps->tok.len, ps->tok.start);
	if (!tb_parse_duration(buf, TB_NS_PER_S, &ns)) {
		plan_fail_at(ps, &ps->tok, "expected %s, a duration such as 30s or 100ms", what);
		return false;
	}
	*seconds = (double)ns / 1e9;
	plan_advance(ps);
	return true;
}

bool plan_take_string(parser *ps, char *buf, size_t len, const char *what)
{
	if (ps->tok.kind != T_STRING || ps->tok.len - 2 >= len) {
		plan_fail_at(ps, &ps->tok, "expected %s in double quotes", what);
		return false;
	}
	snprintf(buf, len, "%.*s", (int)ps->tok.len - 2, ps->tok.start + 1);
	plan_advance(ps);
	return true;
}

bool plan_take_mode(parser *ps, tb_sat_mode *mode)
{
	if (ps->tok.kind != T_WORD ||
	    tb_sat_mode_parse(ps->tok.start, ps->tok.len, mode) != TB_OK) {
		char modes[64];
		tb_sat_mode_choices(modes, sizeof(modes));
		plan_fail_at(ps, &ps->tok, "expected a satellite mode: %s", modes);
		return false;
	}
	plan_advance(ps);
	return true;
}

bool plan_end_of_statement(parser *ps)
{
	if (ps->tok.kind != T_NEWLINE && ps->tok.kind != T_EOF) {
		plan_fail_at(ps, &ps->tok, "expected the end of the line");
		return false;
	}
	return true;
}

int plan_parse_line(const char *what, const char *text, const char *line,
		    void (*take)(parser *ps, orc_plan_run *r), orc_plan_run *r, char *err,
		    size_t errlen)
{
	if (strchr(text, '\n') != NULL) {
		snprintf(err, errlen, "%s \"%.100s\": expected one line", what, text);
		return TB_EINVAL;
	}
	orc_plan *plan = calloc(1, sizeof(*plan));
	if (plan == NULL)
		return TB_ENOMEM;
	char why[512];
	parser ps = {.path = "", .p = line, .line = 1, .col = 1, .err = why,
		     .errlen = sizeof(why), .plan = plan};
	plan_advance(&ps);
	take(&ps, r);
	if (ps.failed) {
		/* "::1:COL: MSG": the position means nothing in a one-line value. */
		const char *msg = why;
		for (int colons = 0; *msg != '\0' && colons < 3; msg++)
			colons += *msg == ':';
		snprintf(err, errlen, "%s \"%s\":%s", what, text, msg);
	}
	free(plan);
	return ps.failed ? TB_EINVAL : TB_OK;
}
