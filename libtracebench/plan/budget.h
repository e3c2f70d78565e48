/* SPDX-License-Identifier: MIT */
/* budget.h - choosing each of a plan's budgets for the client it runs: the value given on
 * the command line (--budget NAME=VALUE), else the plan's for that client
 * (`budget NAME VALUE for CLIENT`), else the plan's for every client. A team gates its
 * own tracer on its own budget with the plan everyone shares. */
#ifndef ORC_BUDGET_H
#define ORC_BUDGET_H

#include <stddef.h>
#include <stdio.h>

#include "libtracebench/plan/plan.h"

/* orc_budget_choose sets each budget's chosen value (and every assertion and ramp
 * condition that names it)
 * for client, given n overrides "NAME=VALUE". TB_OK, or TB_EINVAL with err naming an
 * override that is malformed or names no budget of the plan. */
int orc_budget_choose(orc_plan *p, const char *client, const char *const *overrides,
		      size_t n, char *err, size_t errlen);

/* orc_budget_describe writes budget b as chosen for client: "tracer_cpu = 0.25 (the
 * plan's for js-lightstep)". */
void orc_budget_describe(const orc_budget *b, const char *client, char *buf, size_t len);

#endif
