/* SPDX-License-Identifier: MIT */
/* badclient.c - a client that makes one mistake on purpose, for checking that
 * `orchestrator check-client` names it. It joins over the HTTP control channel and runs
 * the reference C client's workload and tracer, except as MODE says:
 *   badclient good        no mistake
 *   badclient crash       aborts halfway through its spans
 *   badclient no-result   exits 0 without posting its result
 *   badclient miscount    says it sent 7 spans more than it did
 *   badclient silent      traces with the NoOp tracer: never reports
 *   badclient no-sleep    ignores Sleep: runs as fast as it can
 *   badclient noisy-noop  reports even when told not to trace
 * (common to all: --control URL, as the harness passes TB_CONTROL_URL) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client-shim/shim.h"
#include "client-shim/tracer.h"
#include "client-shim/workload.h"
#include "common/clock.h"
#include "common/error.h"

static const char *const modes[] = {"good", "crash", "no-result", "miscount", "silent",
				    "no-sleep", "noisy-noop"};

static bool is(const char *mode, const char *name)
{
	return strcmp(mode, name) == 0;
}

static int start_tracer(const char *mode, const tb_command *cmd, tb_tracer **t)
{
	char err[256];
	if ((!cmd->trace && !is(mode, "noisy-noop")) || is(mode, "silent"))
		return tb_tracer_noop_alloc(t);
	const char *sats[TB_CMD_MAX_SATELLITES];
	for (size_t i = 0; i < cmd->n_satellites; i++)
		sats[i] = cmd->satellites[i];
	tb_tracer_opts o = {.protocol = cmd->protocol, .satellites = sats,
			    .n_satellites = cmd->n_satellites, .access_token = cmd->access_token};
	int rc = tb_tracer_report_alloc(t, &o, err, sizeof(err));
	if (rc != TB_OK)
		fprintf(stderr, "badclient: %s\n", err);
	return rc;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	bool known = false;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		known |= is(mode, modes[i]);
	if (!known) {
		fprintf(stderr, "usage: badclient MODE (good, crash, no-result, miscount, silent, "
				"no-sleep, noisy-noop)\n");
		return 2;
	}
	const char *control = argc > 3 && strcmp(argv[2], "--control") == 0 ? argv[3]
									      : tb_shim_control_url();
	char err[512];
	tb_command cmd;
	if (tb_shim_fetch_command(control, &cmd, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "badclient: %s\n", err);
		return 1;
	}
	if (is(mode, "no-sleep"))
		cmd.sleep_ns = 0;
	if (is(mode, "crash"))
		cmd.repeat /= 2;
	tb_tracer *t;
	if (start_tracer(mode, &cmd, &t) != TB_OK)
		return 1;
	tb_workload_keys();
	tb_workload w = {.cmd = &cmd, .tracer = t, .pay = TB_PAY_ALL};
	uint64_t t0 = tb_now_ns();
	tb_workload_run(&w);
	if (is(mode, "crash"))
		abort();
	tb_tracer_close(t, true);
	tb_tracer_free(t);
	if (is(mode, "no-result"))
		return 0;
	tb_client_result r = {.spans_sent = w.made + (is(mode, "miscount") ? 7 : 0),
			      .clock_time = (double)(tb_now_ns() - t0) / 1e9};
	if (tb_shim_report_result(control, &r, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "badclient: %s\n", err);
		return 1;
	}
	return 0;
}
