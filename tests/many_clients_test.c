/* SPDX-License-Identifier: MIT */
/* many_clients_test.c - runs of several clients, through the real orchestrator, sampler,
 * satellite and clients: each client's spans are counted apart and exactly, the run's
 * figures are theirs summed, they start together, and a client that cannot be told
 * apart or that fails is named for it. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"
#include "common/command.h"
#include "common/error.h"
#include "testutil.h"

static char work[160], reg[200], out_path[220], err_path[220];

static void setup(void)
{
	cr_assert(tu_work_dir("many", CLIENT_BIN, work, sizeof(work), reg, sizeof(reg)));
	FILE *f = fopen(reg, "a");
	cr_assert_not_null(f);
	fprintf(f, "[c-argv]\ncommand = %s\nmode = argv\n"
		   "[lsb-c]\ncommand = %s\nmode = argv\n"
		   /* a client that sends no token, as LightStep Benchmarks' do, under a shell
		    * that stays its parent */
		   "[anon]\ncommand = /bin/sh -c 'unset " TB_TOKEN_ENV "; %s; exit $?' anon\n"
		   /* the third client of a run exits 3 at once; calibration's only one works */
		   "[crash]\ncommand = /bin/sh -c '[ \"$" TB_ACCESS_TOKEN_ENV "\" = "
		   "tracebench-client-2 ] && exit 3; exec %s' crash\n",
		CLIENT_BIN, LSB_CLIENT_BIN, CLIENT_BIN, CLIENT_BIN);
	fclose(f);
	snprintf(out_path, sizeof(out_path), "%s/out", work);
	snprintf(err_path, sizeof(err_path), "%s/err", work);
}

static void teardown(void)
{
	tu_remove_tree(work);
}

TestSuite(many_clients, .init = setup, .fini = teardown, .timeout = 120);

/* run_plan writes text as a plan, runs it, and returns the orchestrator's exit status. */
static int run_plan(const char *text)
{
	char plan[260], results[260], cache[300];
	snprintf(plan, sizeof(plan), "%s/test.plan", work);
	snprintf(results, sizeof(results), "%s/results", work);
	snprintf(cache, sizeof(cache), "XDG_CACHE_HOME=%s/cache", work);
	cr_assert(tu_write_file(plan, text), "cannot write %s", plan);
	char *argv[] = {ORCHESTRATOR_BIN, "--plan", plan, "--clients", reg, "--results", results,
			"--control-port", "0", NULL};
	char *env[] = {cache, NULL};
	tb_child c;
	tb_child_opts o = {.stdout_path = out_path, .stderr_path = err_path, .extra_env = env};
	char err[256];
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_child_wait(&c, 100000), TB_OK, "the orchestrator did not finish");
	int st = c.status;
	tb_child_fini(&c);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static const char *text_of(const char *path)
{
	static char buf[2][16384];
	static int next;
	char *b = buf[next];
	next = !next;
	tu_read_file(path, b, sizeof(buf[0]));
	return b;
}

/* results_dir writes the plan's results directory into dir. */
static void results_dir(char *dir, size_t len)
{
	char results[260];
	snprintf(results, sizeof(results), "%s/results", work);
	DIR *d = opendir(results);
	cr_assert_not_null(d);
	struct dirent *de;
	dir[0] = '\0';
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			snprintf(dir, len, "%s/%s", results, de->d_name);
	closedir(d);
}

/* first_result reads the first run's Result from the plan's runs.jsonl (cJSON_Delete it). */
static cJSON *first_result(cJSON **doc)
{
	char dir[600], path[700];
	results_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/runs.jsonl", dir);
	static char line[1 << 20];
	tu_read_file(path, line, sizeof(line));
	char *nl = strchr(line, '\n');
	if (nl != NULL)
		*nl = '\0';
	*doc = cJSON_Parse(line);
	cr_assert_not_null(*doc, "runs.jsonl: %s", line);
	cJSON *r = cJSON_GetObjectItem(*doc, "result");
	cr_assert_not_null(r);
	return r;
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);
	cr_assert(cJSON_IsNumber(v), "no number %s", key);
	return v->valuedouble;
}

static bool yes(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItem(o, key));
}

/* Four clients at 200 spans/s each: every client's spans are exact and its own, the
 * run's counts are their sums, each was sampled, and they started together. */
Test(many_clients, four_clients_are_each_counted_exactly_and_the_run_is_their_sum)
{
	int rc = run_plan("client c\nsampling 50ms\ncalibrate off\n"
			  "run four sps 200 runtime 2s clients 4\n"
			  "assert sum(four.client.spans_received) == four.spans_received\n"
			  "assert max(four.client.unexplained) == 0\n"
			  "assert count(four.client.spans_sent) == 4\n"
			  "assert four.start_spread < 0.5\n");
	cr_assert_eq(rc, 0, "%s\n%s", text_of(out_path), text_of(err_path));
	cJSON *doc, *r = first_result(&doc);
	cr_assert_eq(num(r, "client_count"), 4);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(r, "client")), "c x4");
	cr_assert_eq(num(r, "spans_sent"), 1600);
	cr_assert_eq(num(r, "spans_received"), 1600);
	cr_assert_eq(num(r, "sps_asked"), 800, "the run's rate is its clients' summed");
	cr_assert(yes(r, "attributed"));
	const cJSON *pc = cJSON_GetObjectItem(r, "per_client");
	cr_assert_eq(cJSON_GetArraySize(pc), 4);
	double cpu = 0, received = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, pc) {
		cr_assert(yes(c, "attributed"));
		cr_assert_eq(num(c, "spans_sent"), 400);
		cr_assert_eq(num(c, "spans_received"), 400);
		cr_assert_eq(num(c, "unexplained"), 0);
		cr_assert_eq(num(c, "dup_after_ack"), 0);
		cr_assert_gt(cJSON_GetArraySize(cJSON_GetObjectItem(c, "memory_list")), 10,
			     "each client has its own samples");
		cr_assert_gt(num(c, "peak_rss_bytes"), 0);
		cr_assert_null(cJSON_GetObjectItem(c, "host_cpu"), "a run's field, not a client's");
		cpu += num(c, "cpu_usage");
		received += num(c, "spans_received");
	}
	cr_assert_float_eq(num(r, "cpu_usage"), cpu, 1e-9);
	cr_assert_eq(received, num(r, "spans_received"));
	cr_assert_lt(num(r, "start_spread"), 0.5);
	cr_assert_lt(num(r, "all_started"), 5);
	cr_assert(strstr(text_of(out_path), "4 of 4 counted apart, 4 of them with every span "
					    "accounted for") != NULL, "%s", text_of(out_path));
	cJSON_Delete(doc);

	/* summary.txt and the report name the run's clients. */
	char dir[600], path[700];
	results_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/summary.txt", dir);
	cr_assert(strstr(text_of(path), "CLIENTS  four run 1 of 1: 4 clients (c x4), 4 counted "
					"apart, 4 of them with every span accounted for") != NULL,
		  "%s", text_of(path));
	char *argv[] = {ORCHESTRATOR_BIN, "report", dir, NULL};
	tb_child rep;
	tb_child_opts o = {.stdout_path = out_path, .stderr_path = err_path};
	char err[256];
	cr_assert_eq(tb_child_spawn(&rep, argv, &o, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_child_wait(&rep, 60000), TB_OK);
	tb_child_fini(&rep);
	snprintf(path, sizeof(path), "%s/report.html", dir);
	static char page[1 << 18];
	tu_read_file(path, page, sizeof(page));
	const char *at = strstr(page, "<h3>Run 1, four: 4 clients");
	cr_assert_not_null(at, "no table of the run's clients");
	size_t rows = 0;
	for (const char *p = at; (p = strstr(p, "<td>ok</td>")) != NULL; p++)
		rows++;
	cr_assert_geq(rows, 4, "a row per client");
}

/* A client whose reports carry no access token of its own (as LightStep Benchmarks'
 * clients') counts in the run's totals, which stay exact, but not apart; clients of
 * both forms (channel and argv) mix in one run. */
Test(many_clients, a_client_that_cannot_be_told_apart_counts_in_the_totals_only)
{
	int rc = run_plan("client c\nsampling 50ms\ncalibrate off\n"
			  "run mix sps 150 runtime 2s clients c x1, c-argv x1, lsb-c x1\n");
	cr_assert_eq(rc, 0, "%s\n%s", text_of(out_path), text_of(err_path));
	cJSON *doc, *r = first_result(&doc);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(r, "client")),
			 "c x1, c-argv x1, lsb-c x1");
	cr_assert_eq(num(r, "spans_sent"), 900);
	cr_assert_eq(num(r, "spans_received"), 900);
	cr_assert_eq(num(r, "unexplained"), 0);
	cr_assert(!yes(r, "attributed"));
	const cJSON *pc = cJSON_GetObjectItem(r, "per_client");
	cr_assert(yes(cJSON_GetArrayItem(pc, 0), "attributed"));
	cr_assert(yes(cJSON_GetArrayItem(pc, 1), "attributed"), "argv clients get theirs too");
	cr_assert(!yes(cJSON_GetArrayItem(pc, 2), "attributed"));
	cr_assert_eq(num(cJSON_GetArrayItem(pc, 1), "spans_received"), 300);
	cr_assert_eq(num(cJSON_GetArrayItem(pc, 2), "spans_received"), 0);
	cr_assert(strstr(text_of(out_path), "2 of 3 counted apart") != NULL, "%s",
		  text_of(out_path));
	cJSON_Delete(doc);
}

/* One client of three crashing fails the run, naming the client; the others' figures
 * are kept. */
Test(many_clients, a_crashing_client_fails_the_run_and_is_named)
{
	int rc = run_plan("client c\nsampling 50ms\ncalibrate off\n"
			  "run some sps 100 runtime 1s clients crash x3\n");
	cr_assert_eq(rc, 1, "%s\n%s", text_of(out_path), text_of(err_path));
	cJSON *doc, *r = first_result(&doc);
	cr_assert(yes(r, "failed"));
	const char *why = cJSON_GetStringValue(cJSON_GetObjectItem(r, "failure"));
	cr_assert(strstr(why, "client 2: the client exited with status 3") != NULL, "%s", why);
	const cJSON *pc = cJSON_GetObjectItem(r, "per_client");
	cr_assert(!yes(cJSON_GetArrayItem(pc, 0), "failed"));
	cr_assert(yes(cJSON_GetArrayItem(pc, 2), "failed"));
	cr_assert_eq(num(cJSON_GetArrayItem(pc, 0), "spans_received"), 100);
	cJSON_Delete(doc);
}

/* Clients that send no token (as LightStep Benchmarks' do) still join a run of several
 * on this host: the channel knows each by the process holding its connection, so each
 * gets its own command and its result is its own. */
Test(many_clients, clients_without_a_token_are_known_by_their_process)
{
	int rc = run_plan("client c\nsampling 50ms\ncalibrate off\n"
			  "run quiet sps 100 runtime 1s clients anon x3, c x1\n");
	cr_assert_eq(rc, 0, "%s\n%s", text_of(out_path), text_of(err_path));
	cJSON *doc, *r = first_result(&doc);
	cr_assert_eq(num(r, "spans_sent"), 400);
	cr_assert_eq(num(r, "spans_received"), 400);
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(r, "per_client")) {
		cr_assert(yes(c, "client_result"));
		cr_assert_eq(num(c, "spans_sent"), 100);
		cr_assert_eq(num(c, "spans_received"), 100, "its command's AccessToken was its own");
	}
	cr_assert(strstr(text_of(err_path), "refused") == NULL, "%s", text_of(err_path));
	cJSON_Delete(doc);
}
