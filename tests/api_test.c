/* SPDX-License-Identifier: MIT */
/* api_test.c - libtracebench through its public header alone: docs/api.md's example
 * builds and runs against the library and counts every span; a Result is read by field
 * name, with unknown names and wrong kinds refused; bad arguments are named. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"
#include "tracebench.h"
#include "testutil.h"

static char work[128], reg[192];

static void setup(void)
{
	cr_assert(tu_work_dir("api", CLIENT_BIN, work, sizeof(work), reg, sizeof(reg)));
}

static void teardown(void)
{
	tu_remove_tree(work);
}

TestSuite(api, .init = setup, .fini = teardown, .timeout = 120);

Test(api, docs_api_md_shows_the_example_the_tests_build)
{
	static char md[1 << 16], ex[1 << 15];
	tu_read_file(SOURCE_DIR "/docs/api.md", md, sizeof(md));
	size_t n = tu_read_file(SOURCE_DIR "/docs/api_example.c", ex, sizeof(ex));
	cr_assert_gt(n, 1000);
	cr_assert(strstr(md, ex) != NULL, "docs/api.md does not hold docs/api_example.c as it is");
}

Test(api, the_example_runs_and_counts_every_span, .timeout = 100)
{
	char cmd[1024], out[160];
	snprintf(out, sizeof(out), "%s/out", work);
	snprintf(cmd, sizeof(cmd), "cd %s && XDG_CACHE_HOME=%s/cache %s 1 > %s 2>&1", work, work,
		 API_EXAMPLE_BIN, out);
	int st = system(cmd);
	static char text[8192];
	tu_read_file(out, text, sizeof(text));
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", text);
	cr_assert(strstr(text, "100 spans were generated during the test.") != NULL, "%s", text);
	cr_assert(strstr(text, "100 spans were received by the mock satellites.") != NULL, "%s",
		  text);
	cr_assert(strstr(text, "0 spans were dropped.") != NULL, "%s", text);
}

/* open_paced opens a controller for c paced by sleep alone, so no calibration runs. */
static tb_controller *open_paced(void)
{
	char err[1024];
	tb_controller *c;
	tb_controller_opts o = {.clients_file = reg, .sample_period_ns = 50000000};
	cr_assert_eq(tb_controller_open(&c, "c", &o, err, sizeof(err)), TB_OK, "%s", err);
	tb_calibration none = {0};
	tb_controller_set_calibration(c, &none);
	return c;
}

Test(api, a_result_is_read_by_field_name)
{
	char err[1024];
	tb_controller *c = open_paced();
	tb_result *r;
	tb_benchmark_params p = {.trace = false, .spans_per_second = 200, .runtime_s = 0.5};
	cr_assert_eq(tb_benchmark(c, NULL, &p, &r, err, sizeof(err)), TB_OK, "%s", err);
	double v;
	cr_assert_eq(tb_result_number(r, "spans_sent", &v), TB_OK);
	cr_assert_float_eq(v, 100, 1e-9);
	cr_assert_eq(tb_result_number(r, "failed", &v), TB_OK);
	cr_assert_float_eq(v, 0, 1e-9);
	cr_assert_eq(tb_result_number(r, "no_such_field", &v), TB_ENOENT);
	cr_assert_eq(tb_result_number(r, "cpu_list", &v), TB_EINVAL);
	const double *l;
	size_t n;
	cr_assert_eq(tb_result_list(r, "memory_list", &l, &n), TB_OK);
	cr_assert_gt(n, 2);
	cr_assert_gt(l[n - 1], 100000);
	cr_assert_eq(tb_result_list(r, "spans_sent", &l, &n), TB_EINVAL);
	cr_assert_str_eq(tb_result_string(r, "client"), "c");
	cr_assert_str_eq(tb_result_string(r, "satellites"), "none");
	cr_assert_null(tb_result_string(r, "spans_sent"));
	char *json = tb_result_json(r);
	cr_assert(strstr(json, "\"spans_sent\":100") != NULL, "%s", json);
	free(json);
	bool saw_context_switches = false;
	for (size_t i = 0; i < tb_result_nfields(); i++)
		saw_context_switches |= strcmp(tb_result_field_name(i), "context_switches") == 0;
	cr_assert(saw_context_switches);
	cr_assert_null(tb_result_field_name(tb_result_nfields()));
	tb_result_free(r);
	tb_controller_close(c);
}

/* A satellite whose duplicate set is full says so, and the Result carries it: the set of
 * 1024 slots checks 768 spans, the rest of the 2000 are counted, not checked. */
Test(api, spans_a_full_duplicate_set_could_not_check_reach_the_result, .timeout = 60)
{
	char err[1024], url[192];
	snprintf(url, sizeof(url), "ipc://%s/sat.ipc", work);
	char *argv[] = {SATELLITE_BIN, "--ports", "0", "--control", url, "--dup-slots", "1024",
			"-q", NULL};
	tb_child sat;
	cr_assert_eq(tb_child_spawn(&sat, argv, NULL, err, sizeof(err)), TB_OK, "%s", err);
	tb_controller *c = open_paced();
	tb_satellites *s = NULL;
	for (int i = 0; i < 50 && s == NULL; i++)
		if (tb_satellites_attach(&s, c, url, "typical", err, sizeof(err)) != TB_OK)
			usleep(100000);
	cr_assert_not_null(s, "%s", err);
	tb_result *r;
	tb_benchmark_params p = {.trace = true, .spans_per_second = 2000, .runtime_s = 1};
	cr_assert_eq(tb_benchmark(c, s, &p, &r, err, sizeof(err)), TB_OK, "%s", err);
	double received, unchecked, dups;
	cr_assert_eq(tb_result_number(r, "spans_received", &received), TB_OK);
	cr_assert_eq(tb_result_number(r, "dup_unchecked", &unchecked), TB_OK);
	cr_assert_eq(tb_result_number(r, "duplicates", &dups), TB_OK);
	cr_assert_float_eq(received, 2000, 1e-9);
	cr_assert_float_eq(unchecked, 2000 - 768, 1e-9);
	cr_assert_float_eq(dups, 0, 1e-9);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	tb_result_print(r, f);
	fclose(f);
	cr_assert(strstr(text, "1232 spans were not checked for duplicates") != NULL, "%s", text);
	free(text);
	tb_result_free(r);
	tb_satellites_close(s);
	tb_controller_close(c);
	tb_child_stop(&sat, 1000);
	tb_child_fini(&sat);
}

/* Copies of the client in one benchmark run together and are counted apart, as a plan's
 * `clients N` runs them. */
Test(api, copies_of_the_client_run_together_and_are_counted_apart, .timeout = 90)
{
	char err[1024];
	tb_controller *c = open_paced();
	tb_satellites *s;
	cr_assert_eq(tb_satellites_open_ports(&s, c, "typical", "0,0", err, sizeof(err)), TB_OK,
		     "%s", err);
	tb_result *r;
	tb_benchmark_params p = {.trace = true, .spans_per_second = 200, .runtime_s = 1,
				 .clients = 3};
	cr_assert_eq(tb_benchmark(c, s, &p, &r, err, sizeof(err)), TB_OK, "%s", err);
	double count, sent, received, attributed;
	cr_assert_eq(tb_result_number(r, "client_count", &count), TB_OK);
	cr_assert_eq(tb_result_number(r, "spans_sent", &sent), TB_OK);
	cr_assert_eq(tb_result_number(r, "spans_received", &received), TB_OK);
	cr_assert_eq(tb_result_number(r, "attributed", &attributed), TB_OK);
	cr_assert(count == 3 && sent == 600 && received == 600 && attributed == 1,
		  "%g clients, %g sent, %g received, attributed %g", count, sent, received,
		  attributed);
	char *json = tb_result_json(r);
	const char *pc = strstr(json, "\"per_client\":[");
	cr_assert_not_null(pc, "%.2000s", json);
	size_t each = 0;
	for (const char *q = pc; (q = strstr(q, "\"spans_sent\":200,")) != NULL; q++)
		each++;
	cr_assert_eq(each, 3, "%.3000s", pc);
	free(json);
	tb_result_free(r);
	p.clients = 129;
	cr_assert_eq(tb_benchmark(c, s, &p, &r, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "clients 129: expected at most 128") != NULL, "%s", err);
	tb_satellites_close(s);
	tb_controller_close(c);
}

Test(api, bad_arguments_are_named)
{
	char err[1024];
	tb_controller *c;
	tb_controller_opts o = {.clients_file = reg};
	cr_assert_eq(tb_controller_open(&c, "nope", &o, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "client 'nope' is not in") != NULL, "%s", err);
	c = open_paced();
	tb_satellites *s;
	cr_assert_eq(tb_satellites_open(&s, c, "sideways", err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "\"sideways\": expected typical, slow_succeed or slow_fail") != NULL,
		  "%s", err);
	tb_result *r;
	tb_benchmark_params p = {.spans_per_second = 0, .runtime_s = 1};
	cr_assert_eq(tb_benchmark(c, NULL, &p, &r, err, sizeof(err)), TB_EINVAL);
	p = (tb_benchmark_params){.spans_per_second = 10, .runtime_s = 1, .protocol = "zipkin"};
	cr_assert_eq(tb_benchmark(c, NULL, &p, &r, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "\"zipkin\"") != NULL, "%s", err);
	cr_assert_str_eq(tb_strerror(TB_EINTR), "interrupted by a signal");
	tb_controller_close(c);
}
