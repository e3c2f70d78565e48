/* SPDX-License-Identifier: MIT */
/* check_client_test.c - `orchestrator check-client` passes a client that follows the
 * protocol and names each mistake of one that does not: it crashes, posts no result,
 * miscounts its spans, never reports, ignores the rate, reports when told not to trace.
 * The clients are badclient (one mistake each) launched from a registry by the real
 * orchestrator, against real satellites. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static tu_orc_files files;
static const char *const modes[] = {"good", "crash", "no-result", "miscount", "silent",
				    "no-sleep", "noisy-noop"};

static void setup(void)
{
	tu_orc_files_init(&files, "check");
	FILE *f = fopen(files.reg, "w");
	cr_assert_not_null(f);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		fprintf(f, "[%s]\ncommand = %s %s\n", modes[i], BADCLIENT_BIN, modes[i]);
	fclose(f);
}

static void teardown(void)
{
	tu_orc_files_remove(&files);
}

TestSuite(check_client, .init = setup, .fini = teardown, .timeout = 90);

/* check runs `orchestrator check-client name` at 200 spans/s for 2 s; returns its exit
 * status, its output in out. */
static int check(const char *name, char *out, size_t len)
{
	char *argv[] = {ORCHESTRATOR_BIN, "check-client", (char *)name, "--registry", files.reg,
			"--ports", "0,0", "--control-port", "0", "--logs", files.logs,
			"--runtime", "2", NULL};
	int st = tu_orc_run(argv, &files, 60000);
	cr_assert_neq(st, -1, "check-client did not start or finish");
	tu_read_file(files.out, out, len);
	cr_log_info("%s", out);
	return st;
}

/* expect_named checks that the check `what` failed with reason, and the exit was 1. */
static void expect_named(const char *name, const char *what, const char *reason)
{
	static char out[16384];
	int st = check(name, out, sizeof(out));
	cr_assert_eq(st, 1, "%s: exit %d: %s", name, st, out);
	char line[128];
	snprintf(line, sizeof(line), "FAIL  %s", what);
	const char *at = strstr(out, line);
	cr_assert_not_null(at, "%s: no failed check \"%s\": %s", name, what, out);
	const char *eol = strchr(at, '\n');
	const char *r = strstr(at, reason);
	cr_assert(r != NULL && (eol == NULL || r < eol), "%s: \"%s\" not named: %s", name, reason,
		  out);
	cr_assert_not_null(strstr(out, "the client does not follow the protocol"), "%s", out);
}

Test(check_client, a_client_that_follows_the_protocol_passes_every_check)
{
	static char out[16384];
	int st = check("good", out, sizeof(out));
	cr_assert_eq(st, 0, "exit %d: %s", st, out);
	cr_assert_null(strstr(out, "FAIL"), "%s", out);
	cr_assert_not_null(strstr(out, "ok    every span counted once    sent 400 = received 400"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "good: every check passed"), "%s", out);
}

Test(check_client, a_crash_is_named_with_its_signal)
{
	expect_named("crash", "exits cleanly", "crashes: killed by signal 6");
}

Test(check_client, no_result_is_named)
{
	expect_named("no-result", "posts its result", "no result: it exited without POST /result");
}

Test(check_client, a_wrong_spans_count_is_named)
{
	expect_named("miscount", "generates Repeat spans",
		     "wrong spans count: SpansSent is 407, the command's Repeat was 400");
}

Test(check_client, a_client_that_never_reports_is_named)
{
	expect_named("silent", "reports to the satellites", "never reports");
}

Test(check_client, a_client_that_ignores_the_rate_is_named)
{
	expect_named("no-sleep", "keeps the rate asked for", "ignores the rate");
}

Test(check_client, reporting_when_told_not_to_trace_is_named)
{
	expect_named("noisy-noop", "NoOp sends nothing", "reports without tracing");
}

Test(check_client, an_unknown_client_is_named_before_anything_starts)
{
	static char out[16384];
	char *argv[] = {ORCHESTRATOR_BIN, "check-client", "nosuch", "--registry", files.reg,
			"--logs", files.logs, NULL};
	cr_assert_eq(tu_orc_run(argv, &files, 30000), 2);
	tu_read_file(files.err, out, sizeof(out));
	cr_assert_not_null(strstr(out, "nosuch"), "%s", out);
}
