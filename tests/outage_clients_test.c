/* SPDX-License-Identifier: MIT */
/* outage_clients_test.c - each client with a real tracer from Debian's packages
 * (aiozipkin, zipkin-go, dd-opentracing-cpp) runs through a 10 s outage of its
 * satellites under `orchestrator run`, and the summary reconciles every span: what
 * arrived, what the tracer says it let go, and, for a tracer that counts nothing, the
 * line says that its losses are in unexplained. Real processes throughout. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static tu_orc_files files;

static void setup(void)
{
	tu_orc_files_init(&files, "outage");
	FILE *f = fopen(files.reg, "w");
	cr_assert_not_null(f);
	fprintf(f, "[py-zipkin]\ncommand = /usr/bin/python3 %s/py-zipkin.py\n", PY_DIR);
	fprintf(f, "[go-zipkin]\ncommand = %s\n", GO_ZIPKIN_BIN);
	fprintf(f, "[cpp-datadog]\ncommand = %s\n", CPP_DATADOG_BIN);
	fclose(f);
}

static void teardown(void)
{
	tu_orc_files_remove(&files);
}

TestSuite(outage, .init = setup, .fini = teardown, .timeout = 120);

/* through_an_outage runs client at 300 spans/s for 14 s with the satellites down from
 * 2 s to 12 s, and checks the reconciliation; tells says whether the tracer counts what
 * it lets go. */
static void through_an_outage(const char *client, bool tells)
{
	char *argv[] = {ORCHESTRATOR_BIN, "run", "--registry", files.reg, "--control-port", "0",
			"--uncalibrated", "--logs", files.logs, "--ports", "0,0", "--client",
			(char *)client, "--sps", "300", "--runtime", "14", "--at", "2s:down",
			"--at", "12s:up", NULL};
	static char out[65536];
	int st = tu_orc_run(argv, &files, 100000);
	tu_read_file(files.out, out, sizeof(out));
	cr_assert_eq(st, 0, "exit %d: %s", st, out);
	cr_assert(strstr(out, "events: satellites down at 2.0 s, satellites up at 12.0 s"),
		  "%s", out);
	cr_assert(strstr(out, "after up 1: first acknowledged report after"),
		  "no report arrived after the satellites came back: %s", out);
	const char *line = strstr(out, "sent ");
	cr_assert_not_null(line, "no reconciliation line: %s", out);
	cr_log_info("%s: %.*s", client, (int)strcspn(line, "\n"), line);
	unsigned long long sent, received, dropped, unexplained;
	cr_assert_eq(sscanf(line, "sent %llu = received %llu", &sent, &received), 2, "%s", line);
	cr_assert_eq(sent, 4200);
	cr_assert_gt(received, 0);
	const char *u = strstr(line, "unexplained ");
	cr_assert(u && sscanf(u, "unexplained %llu", &unexplained) == 1, "%s", line);
	const char *d = strstr(line, "tracer-dropped ");
	cr_assert_not_null(d);
	if (tells) {
		cr_assert_eq(sscanf(d, "tracer-dropped %llu", &dropped), 1, "%s", line);
		cr_assert_eq(unexplained, 0, "%s", line);
		cr_assert_eq(received + dropped, sent, "%s", line);
	} else {
		cr_assert(strncmp(d, "tracer-dropped ? (the tracer does not tell: in unexplained)",
				  59) == 0, "%s", line);
		cr_assert_eq(received + unexplained, sent, "%s", line);
	}
}

Test(outage, py_zipkin_is_reconciled_through_a_10_s_outage)
{
	through_an_outage("py-zipkin", true);
}

Test(outage, go_zipkin_is_reconciled_through_a_10_s_outage)
{
	through_an_outage("go-zipkin", true);
}

Test(outage, cpp_datadog_says_its_losses_are_unexplained_through_a_10_s_outage)
{
	through_an_outage("cpp-datadog", false);
}
