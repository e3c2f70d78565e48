/* SPDX-License-Identifier: MIT */
/* compare_test.c - `orchestrator compare` and tb_compare over results directories written
 * here and measured by real plans: a directory against itself is never a regression, a
 * candidate 30% costlier is, too few repeats are inconclusive, and directories that
 * cannot be compared are refused with the reason. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "tracebench.h"

static char work[128];

static void setup(void)
{
	snprintf(work, sizeof(work), "/tmp/tb-compare-test-%d", (int)getpid());
	cr_assert_eq(mkdir(work, 0755), 0);
}

static void teardown(void)
{
	tu_remove_tree(work);
}

TestSuite(compare, .init = setup, .fini = teardown, .timeout = 60);

/* results writes work/name/runs.jsonl: n repeats of run "cpu" whose cpu_usage is base
 * times factor (with a little noise), and environment.json naming host. */
static const char *results(const char *name, size_t n, double factor, const char *host)
{
	static char dir[8][256];
	static int next;
	char *d = dir[next++ % 8], path[400];
	snprintf(d, 256, "%s/%s", work, name);
	cr_assert_eq(mkdir(d, 0755), 0);
	snprintf(path, sizeof(path), "%s/runs.jsonl", d);
	FILE *f = fopen(path, "w");
	static const double noise[] = {0.70, 0.71, 0.69, 0.705, 0.695, 0.70, 0.715, 0.685};
	for (size_t i = 0; i < n; i++)
		fprintf(f, "{\"plan_run\":\"cpu\",\"result\":{\"cpu_usage\":%.6f,\"peak_rss_bytes\":"
			   "10000000,\"dropped_spans\":0,\"spans_per_second\":500,\"spans_sent\":"
			   "5000}}\n", noise[i % 8] * factor);
	fclose(f);
	snprintf(path, sizeof(path), "%s/environment.json", d);
	f = fopen(path, "w");
	fprintf(f, "{\"host\":\"%s\",\"cpu_model\":\"x\",\"calibration\":{\"c\":{}}}\n", host);
	fclose(f);
	return d;
}

static bool compare(const char *a, const char *b, const tb_compare_opts *o, char *text,
		    size_t len, int *rc)
{
	char err[1024] = "";
	char *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);
	bool regressed = false;
	*rc = tb_compare(a, b, o, out, &regressed, err, sizeof(err));
	fclose(out);
	snprintf(text, len, "%s%s", buf ? buf : "", err);
	free(buf);
	return regressed;
}

Test(compare, a_directory_against_itself_is_unchanged)
{
	const char *a = results("a", 8, 1.0, "h");
	char text[4096];
	int rc;
	cr_assert(!compare(a, a, NULL, text, sizeof(text), &rc));
	cr_assert_eq(rc, TB_OK, "%s", text);
	cr_assert(strstr(text, "cpu.cpu_usage: base 0.7 (n 8), new 0.7 (n 8), change +0.0%") != NULL,
		  "%s", text);
	cr_assert(strstr(text, "regressed") == NULL, "%s", text);
	cr_assert(strstr(text, "cpu.dropped_spans: ") != NULL && strstr(text, "cpu.sps_achieved: ") != NULL, "%s",
		  text);
}

Test(compare, a_candidate_30_percent_costlier_regressed)
{
	const char *a = results("a", 8, 1.0, "h"), *b = results("b", 8, 1.3, "h");
	char text[4096];
	int rc;
	tb_compare_opts o = {.metric = "cpu_usage"};
	cr_assert(compare(a, b, &o, text, sizeof(text), &rc), "%s", text);
	cr_assert_eq(rc, TB_OK, "%s", text);
	cr_assert(strstr(text, "change +30.0%") != NULL, "%s", text);
	cr_assert(strstr(text, ": regressed") != NULL, "%s", text);
	/* The other way round it improved. */
	cr_assert(!compare(b, a, &o, text, sizeof(text), &rc));
	cr_assert(strstr(text, ": improved") != NULL, "%s", text);
	/* As Markdown and JSON. */
	o.format = "md";
	compare(a, b, &o, text, sizeof(text), &rc);
	cr_assert(strstr(text, "| run | metric | base | new | change | 95% CI | verdict |") != NULL,
		  "%s", text);
	cr_assert(strstr(text, "| cpu | cpu_usage | 0.7 | 0.91 | +30.0% |") != NULL, "%s", text);
	o.format = "json";
	compare(a, b, &o, text, sizeof(text), &rc);
	cJSON *j = cJSON_Parse(text);
	cr_assert(cJSON_IsArray(j) && cJSON_GetArraySize(j) == 1, "%s", text);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0),
								 "verdict")), "regressed");
	cJSON_Delete(j);
}

/* The bootstrap interval, pinned to the same resampling (splitmix64 from the same seed,
 * 2000 draws of each side's median, linear percentiles) written again in Python 3.11:
 * base the 8 noisy values, new them times 1.1. */
Test(compare, the_bootstrap_interval_matches_an_independent_computation)
{
	const char *a = results("a", 8, 1.0, "h"), *b = results("b", 8, 1.1, "h");
	char text[4096];
	int rc;
	tb_compare_opts o = {.metric = "cpu_usage", .format = "json"};
	compare(a, b, &o, text, sizeof(text), &rc);
	cr_assert_eq(rc, TB_OK, "%s", text);
	cJSON *j = cJSON_Parse(text);
	cJSON *row = cJSON_GetArrayItem(j, 0);
	cr_assert_not_null(row, "%s", text);
	cr_assert_float_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(row, "ci_low")),
			   0.080633802817, 1e-9, "%s", text);
	cr_assert_float_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(row, "ci_high")),
			   0.119784172662, 1e-9, "%s", text);
	cJSON_Delete(j);
}

Test(compare, too_few_repeats_are_inconclusive_and_say_how_many_would_do)
{
	const char *a = results("a", 2, 1.0, "h"), *b = results("b", 2, 1.3, "h");
	char text[4096];
	int rc;
	tb_compare_opts o = {.metric = "cpu_usage"};
	cr_assert(!compare(a, b, &o, text, sizeof(text), &rc));
	cr_assert(strstr(text, "inconclusive (about 3 repeats a side would settle it)") != NULL, "%s",
		  text);
}

Test(compare, results_that_cannot_be_compared_are_refused_with_the_reason)
{
	const char *a = results("a", 4, 1.0, "h"), *b = results("b", 4, 1.0, "other");
	char text[4096];
	int rc;
	compare(a, b, NULL, text, sizeof(text), &rc);
	cr_assert_eq(rc, TB_EINVAL);
	cr_assert(strstr(text, "were measured with another host (give --allow-different-hosts")
		  != NULL, "%s", text);
	tb_compare_opts o = {.allow_different_hosts = true};
	compare(a, b, &o, text, sizeof(text), &rc);
	cr_assert_eq(rc, TB_OK, "%s", text);
	char path[400];
	snprintf(path, sizeof(path), "%s/runs.jsonl", b);
	FILE *f = fopen(path, "w");
	fputs("{\"plan_run\":\"other\",\"result\":{\"cpu_usage\":0.7}}\n", f);
	fclose(f);
	compare(a, b, &o, text, sizeof(text), &rc);
	cr_assert_eq(rc, TB_EINVAL);
	cr_assert(strstr(text, "run 'cpu' is in the base results but not in the new ones") != NULL,
		  "%s", text);
	o = (tb_compare_opts){.metric = "memory_list"};
	compare(a, a, &o, text, sizeof(text), &rc);
	cr_assert(rc == TB_EINVAL && strstr(text, "--metric memory_list: not a per-run field") != NULL,
		  "%s", text);
	o = (tb_compare_opts){.format = "yaml"};
	compare(a, a, &o, text, sizeof(text), &rc);
	cr_assert(rc == TB_EINVAL && strstr(text, "--format yaml: expected text, md or json") != NULL,
		  "%s", text);
}

/* The command's exit status is what a CI gates on: 1 on a regression, 0 otherwise, 2 on
 * an error. */
Test(compare, the_command_exits_1_on_a_regression)
{
	const char *a = results("a", 8, 1.0, "h"), *b = results("b", 8, 1.3, "h");
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "%s compare %s %s --metric cpu_usage > %s/out 2>&1",
		 ORCHESTRATOR_BIN, a, b, work);
	int st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	snprintf(cmd, sizeof(cmd), "%s compare %s %s > %s/out 2>&1", ORCHESTRATOR_BIN, a, a, work);
	st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(cmd, sizeof(cmd), "%s compare %s > %s/out 2>&1", ORCHESTRATOR_BIN, a, work);
	st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
}

/* measure runs a one-run plan with the C client, whose tracer costs extra_ns more CPU
 * per span than it does by itself, and returns its results directory. */
static const char *measure(const char *name, unsigned extra_ns)
{
	static char d[400];
	char reg[300], plan[300], out[300], cmd[1600], line[512];
	snprintf(reg, sizeof(reg), "%s/%s.conf", work, name);
	snprintf(plan, sizeof(plan), "%s/gate.plan", work);
	snprintf(out, sizeof(out), "%s/%s.out", work, name);
	FILE *f = fopen(reg, "w");
	cr_assert_not_null(f);
	fprintf(f, "[c]\ncommand = %s --extra-ns-per-span %u\n", CLIENT_BIN, extra_ns);
	fclose(f);
	f = fopen(plan, "w");
	cr_assert_not_null(f);
	fputs("client c\nsampling 50ms\ncalibrate 0.10\nsatellites local\n"
	      "run cost sps 2000 runtime 1s trace\n", f);
	fclose(f);
	/* One calibration cache for all: the untraced client is the same in every one. */
	snprintf(cmd, sizeof(cmd), "XDG_CACHE_HOME=%s/cache %s --plan %s --results %s/raw "
		 "--clients %s --control-port 0 > %s 2>&1", work, ORCHESTRATOR_BIN, plan, work,
		 reg, out);
	int st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the plan failed: %s", cmd);
	d[0] = '\0';
	f = fopen(out, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "results: ", 9) == 0)
			snprintf(d, sizeof(d), "%.*s", (int)strcspn(line + 9, "\n"), line + 9);
	fclose(f);
	cr_assert(d[0] != '\0', "no results directory in %s", out);
	return d;
}

/* pool adds the runs of results directory from to work/side, which then reads as one
 * results directory of all the repeats pooled there. */
static const char *pool(const char *side, const char *from)
{
	static char dirs[4][300];
	static int next;
	char *d = dirs[next++ % 4], cmd[1200];
	snprintf(d, 300, "%s/%s", work, side);
	mkdir(d, 0755);
	snprintf(cmd, sizeof(cmd), "cat %s/runs.jsonl >> %s/runs.jsonl && "
		 "cp -n %s/environment.json %s/", from, d, from, d);
	int st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", cmd);
	return d;
}

/* median reads metric's median on each side from a JSON comparison. */
static void medians(const char *base, const char *new_dir, const char *metric, double *b,
		    double *n)
{
	tb_compare_opts o = {.metric = metric, .format = "json"};
	char text[4096];
	int rc;
	compare(base, new_dir, &o, text, sizeof(text), &rc);
	cr_assert_eq(rc, TB_OK, "%s", text);
	cJSON *j = cJSON_Parse(text), *row = cJSON_GetArrayItem(j, 0);
	cr_assert_not_null(row, "%s", text);
	*b = cJSON_GetNumberValue(cJSON_GetObjectItem(row, "base_median"));
	*n = cJSON_GetNumberValue(cJSON_GetObjectItem(row, "new_median"));
	cJSON_Delete(j);
}

/* The gate on real runs: a tracer 30 us costlier per span is a regression, and the same
 * tracer measured again never is. The three are measured in alternation, one run of
 * each a round, so a drift of the host falls on all alike. The gate reads program_time,
 * the client's CPU for a fixed number of spans, where 30 us a span adds the same CPU on
 * any machine; the expected change is that over the base runs' own CPU, and the gate's
 * threshold 40% of it, which leaves room for a sanitized build's wider spread. (A CPU
 * share also moves with the wall time the extra CPU adds, which differs from machine to
 * machine; it is logged beside.) */
Test(compare, on_real_runs_a_costlier_tracer_regressed_and_the_same_one_never_did,
     .timeout = 240)
{
	const char *base = NULL, *costlier = NULL, *again = NULL;
	for (int round = 0; round < 7; round++) {
		base = pool("base", measure("base", 100000));
		costlier = pool("costlier", measure("costlier", 130000));
		again = pool("again", measure("again", 100000));
	}
	double cpu, cpu_new, u, u_new, sent, sent_new;
	medians(base, costlier, "program_time", &cpu, &cpu_new);
	medians(base, costlier, "cpu_usage", &u, &u_new);
	medians(base, costlier, "spans_sent", &sent, &sent_new);
	double expected = sent * 30e-6 / cpu;
	cr_log_info("base %.3f s CPU for %.0f spans (%.3f of a core): 30 us more a span should "
		    "add %+.1f%%, measured %+.1f%% (the share %+.1f%%)", cpu, sent, u,
		    100 * expected, 100 * (cpu_new / cpu - 1), 100 * (u_new / u - 1));
	cr_assert_gt(expected, 0.08, "the base runs leave 30 us too little room to show: %+.1f%%",
		     100 * expected);
	tb_compare_opts o = {.metric = "program_time", .threshold = 0.4 * expected,
			     .format = "text"};
	char text[4096];
	int rc;
	cr_assert(compare(base, costlier, &o, text, sizeof(text), &rc), "%s", text);
	cr_assert_eq(rc, TB_OK, "%s", text);
	cr_assert(strstr(text, "regressed") != NULL, "%s", text);
	cr_log_info("costlier: %s", text);
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "%s compare %s %s --metric program_time --threshold %.4f > "
		 "%s/out 2>&1", ORCHESTRATOR_BIN, base, costlier, 0.4 * expected, work);
	int st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	cr_assert(!compare(base, again, &o, text, sizeof(text), &rc), "A/A: %s", text);
	cr_assert_eq(rc, TB_OK, "%s", text);
	cr_log_info("again: %s", text);
}
