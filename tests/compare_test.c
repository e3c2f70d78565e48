/* SPDX-License-Identifier: MIT */
/* compare_test.c - `orchestrator compare` and tb_compare over results directories written
 * here: a directory against itself is never a regression, a candidate 30% costlier is,
 * too few repeats are inconclusive, and directories that cannot be compared are refused
 * with the reason. */
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
	cr_assert(strstr(text, "cpu.dropped: ") != NULL && strstr(text, "cpu.sps: ") != NULL, "%s",
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

Test(compare, too_few_repeats_are_inconclusive_and_say_how_many_would_do)
{
	const char *a = results("a", 2, 1.0, "h"), *b = results("b", 2, 1.3, "h");
	char text[4096];
	int rc;
	tb_compare_opts o = {.metric = "cpu_usage"};
	cr_assert(!compare(a, b, &o, text, sizeof(text), &rc));
	cr_assert(strstr(text, "inconclusive (about 3 repeats would settle it)") != NULL, "%s",
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
	o = (tb_compare_opts){.metric = "memory"};
	compare(a, a, &o, text, sizeof(text), &rc);
	cr_assert(rc == TB_EINVAL && strstr(text, "--metric memory: not a per-run field") != NULL,
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
