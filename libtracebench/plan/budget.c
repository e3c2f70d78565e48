/* SPDX-License-Identifier: MIT */
/* budget.c - a plan's budgets, chosen for the client it runs. */
#include "libtracebench/plan/budget.h"

#include <stdbool.h>
#include <string.h>

#include "common/error.h"
#include "common/units.h"

/* split reads "NAME=VALUE"; false when o is not that. */
static bool split(const char *o, size_t *name_len, double *value)
{
	const char *eq = strchr(o, '=');
	if (eq == NULL || eq == o)
		return false;
	*name_len = (size_t)(eq - o);
	return tb_parse_real(eq + 1, -1e12, 1e12, value);
}

static bool named(const char *name, const char *o, size_t len)
{
	return strlen(name) == len && memcmp(name, o, len) == 0;
}

/* override_of finds the value the overrides give name (the last, when several do). */
static bool override_of(const char *name, const char *const *overrides, size_t n,
			double *value)
{
	bool found = false;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		double v;
		if (split(overrides[i], &len, &v) && named(name, overrides[i], len)) {
			*value = v;
			found = true;
		}
	}
	return found;
}

/* choose gives budget b's value for client, and where it came from. */
static double choose(const orc_budget *b, const char *client, const char *const *overrides,
		     size_t n, orc_budget_source *src)
{
	double v;
	if (override_of(b->name, overrides, n, &v)) {
		*src = ORC_BUDGET_COMMAND;
		return v;
	}
	for (size_t i = 0; i < b->nper; i++)
		if (strcmp(b->per[i].client, client) == 0) {
			*src = ORC_BUDGET_CLIENT;
			return b->per[i].value;
		}
	*src = ORC_BUDGET_PLAN;
	return b->value;
}

static void set_in(orc_expr *e, const double *values)
{
	if (e == NULL)
		return;
	if (e->kind == ORC_EXPR_BUDGET)
		e->number = values[e->run_index];
	set_in(e->a, values);
	set_in(e->b, values);
}

/* check_overrides names an override that is malformed or names no budget of p. */
static int check_overrides(const orc_plan *p, const char *const *overrides, size_t n,
			   char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		size_t len;
		double v;
		if (!split(overrides[i], &len, &v)) {
			snprintf(err, errlen, "--budget %s: expected NAME=VALUE, VALUE a number",
				 overrides[i]);
			return TB_EINVAL;
		}
		bool known = false;
		for (size_t k = 0; k < p->nbudgets && !known; k++)
			known = named(p->budgets[k].name, overrides[i], len);
		if (!known) {
			snprintf(err, errlen, "--budget %s: %s has no budget %.*s", overrides[i],
				 p->path, (int)len, overrides[i]);
			return TB_EINVAL;
		}
	}
	return TB_OK;
}

int orc_budget_choose(orc_plan *p, const char *client, const char *const *overrides,
		      size_t n, char *err, size_t errlen)
{
	int rc = check_overrides(p, overrides, n, err, errlen);
	if (rc != TB_OK)
		return rc;
	double values[ORC_PLAN_MAX_BUDGETS];
	for (size_t k = 0; k < p->nbudgets; k++) {
		orc_budget *b = &p->budgets[k];
		b->chosen = values[k] = choose(b, client, overrides, n, &b->chosen_from);
	}
	for (size_t i = 0; i < p->nasserts; i++) {
		set_in(p->asserts[i].lhs, values);
		set_in(p->asserts[i].rhs, values);
	}
	for (size_t i = 0; i < p->nruns; i++)
		for (size_t c = 0; c < p->runs[i].ramp.nconds; c++) {
			orc_ramp_cond *cond = &p->runs[i].ramp.conds[c];
			if (cond->budget >= 0) {
				cond->limit = values[cond->budget];
				orc_ramp_cond_describe(cond, p);
			}
		}
	return TB_OK;
}

void orc_budget_describe(const orc_budget *b, const char *client, char *buf, size_t len)
{
	switch (b->chosen_from) {
	case ORC_BUDGET_COMMAND: snprintf(buf, len, "%s = %g (--budget)", b->name, b->chosen); break;
	case ORC_BUDGET_CLIENT:
		snprintf(buf, len, "%s = %g (the plan's for %s)", b->name, b->chosen, client);
		break;
	default: snprintf(buf, len, "%s = %g (the plan's for every client)", b->name, b->chosen);
	}
}
