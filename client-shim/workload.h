/* SPDX-License-Identifier: MIT */
/* workload.h - LightStep Benchmarks' workload, as the C clients generate it: spans come
 * 6 per loop, as two client -> server -> db chains. Each span gets NumTags tags, does
 * Work units of floating-point work, gets NumLogs logs, and owes Sleep ns of sleep.
 *
 * How the sleep owed is paid is the one thing the two C clients do differently:
 *
 *   TB_PAY_ALL      (tb-client) after each span, once SleepInterval is owed, sleep all
 *                   that is owed; what is paid off is the time actually slept, so an
 *                   overrun is credited and the rate asked for is kept.
 *   TB_PAY_ONE_PER_LOOP  (tb-lsb-client) after each 6-span loop, if SleepInterval is
 *                   owed, sleep exactly one SleepInterval, as LightStep Benchmarks'
 *                   own clients do: a loop that owes more than one interval falls
 *                   behind, and an overrun is never credited. */
#ifndef TB_WORKLOAD_H
#define TB_WORKLOAD_H

#include <stdint.h>

#include "client-shim/tracer.h"
#include "client-shim/work.h"
#include "common/command.h"

typedef enum tb_pay_policy { TB_PAY_ALL = 0, TB_PAY_ONE_PER_LOOP } tb_pay_policy;

typedef struct tb_workload {
	const tb_command *cmd;
	tb_tracer *tracer;
	tb_pay_policy pay;
	uint64_t steps_per_unit;	/* 0 is 1: a work unit's steps (a heavier program) */
	uint64_t extra_ns_per_span;	/* CPU burnt per span in traced runs (a test aid) */
	/* Work done, in units, for a helper thread that mirrors it (tb_workload_done). */
	_Atomic uint64_t units_done;
	/* state */
	uint64_t made;
	int64_t owed_ns;		/* below 0 when an overrun was credited */
} tb_workload;

/* tb_workload_keys builds the tag and log key names once; spans borrow them. */
void tb_workload_keys(void);

/* tb_workload_burn_cpu spins until the calling thread has used ns more CPU time: a cost
 * counted in CPU, so preemption on a busy host does not shorten it. */
void tb_workload_burn_cpu(uint64_t ns);

/* tb_workload_run generates the command's Repeat spans, then sleeps what is still owed
 * under TB_PAY_ALL (TB_PAY_ONE_PER_LOOP leaves it, as LightStep Benchmarks did). */
void tb_workload_run(tb_workload *w);

#endif
