/* SPDX-License-Identifier: MIT */
/* workload.c - the C clients' span loop (workload.h). */
#include "client-shim/workload.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/clock.h"

static const char *tag_keys[TB_WORKLOAD_MAX_KEYS], *log_keys[TB_WORKLOAD_MAX_KEYS];
static volatile double work_sink;

void tb_workload_work(uint64_t units, uint64_t steps_per_unit)
{
	double x = work_sink + 1.0;
	uint64_t steps = units * (steps_per_unit ? steps_per_unit : 1);
	for (uint64_t i = 0; i < steps; i++)
		x = x * 1.0000001 + 0.0000001;
	work_sink = x;
}

void tb_workload_burn_cpu(uint64_t ns)
{
	struct timespec ts;
	if (ns == 0 || clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return;
	uint64_t end = (uint64_t)ts.tv_sec * TB_NS_PER_S + (uint64_t)ts.tv_nsec + ns;
	do {
		if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
			return;
	} while ((uint64_t)ts.tv_sec * TB_NS_PER_S + (uint64_t)ts.tv_nsec < end);
}

void tb_workload_keys(void)
{
	for (int i = 0; i < TB_WORKLOAD_MAX_KEYS; i++) {
		char *k = malloc(16), *l = malloc(16);
		if (k == NULL || l == NULL)
			abort();
		snprintf(k, 16, "tag.%d", i);
		snprintf(l, 16, "event.%d", i);
		tag_keys[i] = k;
		log_keys[i] = l;
	}
}

/* pay_all pays everything owed once a SleepInterval of it is due, crediting overruns
 * (50-100 us at a time on a VM), so the client keeps the rate asked for instead of
 * falling 5-15% behind it. */
static void pay_all(tb_workload *w)
{
	int64_t interval = (int64_t)w->cmd->sleep_interval_ns;
	while (interval > 0 && w->owed_ns >= interval) {
		uint64_t t0 = tb_now_ns();
		tb_sleep_ns((uint64_t)w->owed_ns);
		w->owed_ns -= (int64_t)(tb_now_ns() - t0);
	}
}

/* pay_one pays one SleepInterval if that much is owed, the interval as asked. */
static void pay_one(tb_workload *w)
{
	int64_t interval = (int64_t)w->cmd->sleep_interval_ns;
	if (interval > 0 && w->owed_ns >= interval) {
		tb_sleep_ns((uint64_t)interval);
		w->owed_ns -= interval;
	}
}

static void chain(tb_workload *w, const tb_span *parent, int depth)
{
	static const char *const ops[] = {"client", "server", "db"};
	const tb_command *cmd = w->cmd;
	if (w->made == cmd->repeat)
		return;
	w->made++;
	tb_span *s = tb_tracer_start(w->tracer, ops[depth], parent);
	for (uint32_t i = 0; i < cmd->num_tags; i++)
		tb_span_set_tag(w->tracer, s, tag_keys[i], "some-tag-value");
	tb_workload_work(cmd->work, w->steps_per_unit);
	atomic_fetch_add_explicit(&w->units_done, cmd->work, memory_order_relaxed);
	if (cmd->trace)
		tb_workload_burn_cpu(w->extra_ns_per_span);
	for (uint32_t i = 0; i < cmd->num_logs; i++)
		tb_span_add_log(w->tracer, s, log_keys[i], "a log message of moderate length");
	w->owed_ns += (int64_t)cmd->sleep_ns;
	if (w->pay == TB_PAY_ALL)
		pay_all(w);
	if (depth < 2)
		chain(w, s, depth + 1);
	tb_tracer_finish(w->tracer, s);
}

void tb_workload_run(tb_workload *w)
{
	while (w->made < w->cmd->repeat) {
		chain(w, NULL, 0);
		chain(w, NULL, 0);
		if (w->pay == TB_PAY_ONE_PER_LOOP)
			pay_one(w);
	}
	if (w->pay == TB_PAY_ALL && w->owed_ns > 0)
		tb_sleep_ns((uint64_t)w->owed_ns);
}
