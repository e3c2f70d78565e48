/* SPDX-License-Identifier: MIT */
/* events.c - a run's timed satellite events (`at 5s satellites down`), one parser each
 * in one table, and their description as plan text. */
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


/* take_probability reads a probability from 0 to 1. */
static bool take_probability(parser *ps, double *p, const char *what)
{
	token at = ps->tok;
	if (!plan_take_number(ps, p, what))
		return false;
	if (*p < 0 || *p > 1) {
		plan_fail_at(ps, &at, "expected %s", what);
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
		if (plan_is_word(&ps->tok, "status")) {
			plan_advance(ps);
			double st;
			token at = ps->tok;
			if (!plan_take_number(ps, &st, "an HTTP status: 429, 500 or 503"))
				return false;
			if (st != 429 && st != 500 && st != 503) {
				plan_fail_at(ps, &at, "expected an HTTP status: 429, 500 or 503");
				return false;
			}
			e->status = (unsigned)st;
		} else if (plan_is_word(&ps->tok, "retry_after")) {
			plan_advance(ps);
			token at = ps->tok;
			if (!plan_take_duration(ps, &e->retry_after_s, "the Retry-After time"))
				return false;
			if (e->retry_after_s < 1 || e->retry_after_s > 3600) {
				plan_fail_at(ps, &at, "expected a Retry-After of 1s to 3600s");
				return false;
			}
		} else {
			plan_fail_at(ps, &ps->tok, "expected status or retry_after");
			return false;
		}
	}
	return true;
}

/* ev_latency: latency DURATION [per_span DURATION] */
static bool ev_latency(parser *ps, orc_event *e)
{
	if (!plan_take_duration(ps, &e->latency_s, "the extra latency"))
		return false;
	if (plan_is_word(&ps->tok, "per_span")) {
		plan_advance(ps);
		token at = ps->tok;
		if (!plan_take_duration(ps, &e->per_span_s, "the extra latency per span"))
			return false;
		if (e->per_span_s > 0.004) {
			plan_fail_at(ps, &at, "expected at most 4ms per span");
			return false;
		}
	}
	return true;
}

/* ev_bandwidth: bandwidth SIZE/s [per connection | per group], or bandwidth unlimited */
static bool ev_bandwidth(parser *ps, orc_event *e)
{
	if (plan_is_word(&ps->tok, "unlimited")) {
		plan_advance(ps);
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
		plan_fail_at(ps, &at, "expected a rate such as 50MB/s or 512KB/s, or unlimited");
		return false;
	}
	plan_advance(ps);
	if (!plan_take_punct(ps, "/", "expected /s after the size"))
		return false;
	if (!plan_is_word(&ps->tok, "s")) {
		plan_fail_at(ps, &ps->tok, "expected /s after the size");
		return false;
	}
	plan_advance(ps);
	e->bytes_per_s = (double)bytes;
	if (plan_is_word(&ps->tok, "per")) {
		plan_advance(ps);
		if (!plan_is_word(&ps->tok, "connection") && !plan_is_word(&ps->tok, "group")) {
			plan_fail_at(ps, &ps->tok, "expected per connection or per group");
			return false;
		}
		e->per_connection = plan_is_word(&ps->tok, "connection");
		plan_advance(ps);
	}
	return true;
}

static bool ev_close(parser *ps, orc_event *e)
{
	return take_probability(ps, &e->probability, "a probability of closing from 0 to 1");
}

static bool ev_mode(parser *ps, orc_event *e)
{
	return plan_take_mode(ps, &e->mode);
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

/* Every event is reached by `orchestrator run --at TIME:EVENT` and by the events of
 * tb_benchmark_params, both read by orc_event_parse. */
size_t plan_event_doors(orc_plan_door *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < NEVENT_SYNTAX && n < max; i++)
		out[n++] = (orc_plan_door){"event", event_syntax[i].word, "--at",
					   "tb_benchmark_params.events"};
	return n;
}

bool plan_is_event_word(const char *w)
{
	for (size_t i = 0; i < NEVENT_SYNTAX; i++)
		if (strcmp(w, event_syntax[i].word) == 0)
			return true;
	return false;
}

/* event_target reads what an event names: `satellites` or a group's name (or nothing:
 * every group). */
static bool event_target(parser *ps, orc_event *e)
{
	e->group = -1;
	if (plan_is_word(&ps->tok, "satellites")) {
		plan_advance(ps);
		return true;
	}
	for (size_t i = 0; i < ps->plan->nsatellites; i++) {
		const char *name = ps->plan->satellites[i].name;
		if (name[0] != '\0' && plan_is_word(&ps->tok, name)) {
			e->group = (int)i;
			snprintf(e->group_name, sizeof(e->group_name), "%s", name);
			plan_advance(ps);
			return true;
		}
	}
	return true;
}

void plan_parse_event(parser *ps, orc_plan_run *r)
{
	if (r->nevents == ORC_PLAN_MAX_EVENTS) {
		plan_fail_at(ps, &ps->tok, "expected at most %d events in a run", ORC_PLAN_MAX_EVENTS);
		return;
	}
	orc_event *e = &r->events[r->nevents];
	memset(e, 0, sizeof(*e));
	e->line = ps->tok.line;
	if (!plan_is_word(&ps->tok, "at")) {
		plan_fail_at(ps, &ps->tok, "expected an event: at TIME [GROUP] down|up|mode|errors|"
				      "latency|bandwidth|close ...");
		return;
	}
	plan_advance(ps);
	if (!plan_take_duration(ps, &e->at_s, "the event's time") || !event_target(ps, e))
		return;
	const struct event_syntax *es = NULL;
	for (size_t i = 0; i < NEVENT_SYNTAX && es == NULL; i++)
		if (plan_is_word(&ps->tok, event_syntax[i].word))
			es = &event_syntax[i];
	if (es == NULL) {
		plan_fail_at(ps, &ps->tok, "expected down, up, mode, errors, latency, bandwidth or close%s",
			ps->plan->nsatellites ? ", after satellites or a group's name" : "");
		return;
	}
	plan_advance(ps);
	e->kind = es->kind;
	if (!es->parse(ps, e))
		return;
	r->nevents++;
	plan_end_of_statement(ps);
}

int orc_event_parse(const char *text, orc_event *out, char *err, size_t errlen)
{
	const char *colon = strchr(text, ':');
	if (colon == NULL || strchr(text, '\n') != NULL || strlen(text) > 200) {
		snprintf(err, errlen, "event \"%.200s\": expected TIME:EVENT, such as 5s:down or "
			 "10s:errors 0.3 retry_after 2s", text);
		return TB_EINVAL;
	}
	/* The plan's own form, read by the plan's own parser: `at TIME EVENT`. */
	char line[256];
	snprintf(line, sizeof(line), "at %.*s %s\n", (int)(colon - text), text, colon + 1);
	orc_plan_run *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return TB_ENOMEM;
	int rc = plan_parse_line("event", text, line, plan_parse_event, r, err, errlen);
	if (rc == TB_OK)
		*out = r->events[0];
	free(r);
	return rc;
}
