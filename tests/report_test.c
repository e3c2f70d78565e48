/* SPDX-License-Identifier: MIT */
/* report_test.c - graphs and the HTML report. plans/graphs.plan at small scale, run by a
 * real orchestrator, draws every graph as PNG and SVG, and its report.html opened in
 * headless Chromium shows every image and has no broken link (and the same check does
 * fail when an image is missing). Without gnuplot the data, scripts and page are still
 * written; a damaged runs.jsonl is named by line. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"
#include "common/error.h"
#include "testutil.h"

static char work[128], out_path[160], err_path[160], reg[160];

static void setup(void)
{
	cr_assert(tu_work_dir("report", CLIENT_BIN, work, sizeof(work), reg, sizeof(reg)));
	snprintf(out_path, sizeof(out_path), "%s/out", work);
	snprintf(err_path, sizeof(err_path), "%s/err", work);
}

static void teardown(void)
{
	tu_remove_tree(work);
}

TestSuite(report, .init = setup, .fini = teardown, .timeout = 120);

static int run(char *const argv[], char *const env[], int timeout_ms)
{
	tb_child c;
	tb_child_opts o = {.stdout_path = out_path, .stderr_path = err_path,
			   .extra_env = (char **)env};
	char err[256];
	cr_assert_eq(tb_child_spawn(&c, (char **)argv, &o, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_child_wait(&c, timeout_ms), TB_OK, "%s did not finish", argv[0]);
	int st = c.status;
	tb_child_fini(&c);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}


/* text_of_err is what the last program run wrote to stderr. */
static const char *text_of_err(void)
{
	static char buf[8192];
	tu_read_file(err_path, buf, sizeof(buf));
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/* is_png and is_svg check an image is what its name says, and not a stub. */
static void assert_png(const char *path)
{
	static char buf[1 << 20];
	size_t n = tu_read_file(path, buf, sizeof(buf));
	cr_assert_gt(n, 2000, "%s: %zu bytes", path, n);
	cr_assert(memcmp(buf, "\x89PNG\r\n\x1a\n", 8) == 0, "%s is not a PNG", path);
}

static void assert_svg(const char *path)
{
	static char buf[1 << 20];
	size_t n = tu_read_file(path, buf, sizeof(buf));
	cr_assert_gt(n, 2000, "%s: %zu bytes", path, n);
	cr_assert(strstr(buf, "<svg") != NULL && strstr(buf, "</svg>") != NULL,
		  "%s is not an SVG", path);
}

/* chromium_check opens dir/report.html in headless Chromium with report_check.js added
 * and returns the line it wrote ("TBCHECK images=..."). */
static void chromium_check(const char *dir, char *line, size_t len)
{
	char html[600], page[600], js[65536], body[1 << 18], url[700], profile[300];
	snprintf(html, sizeof(html), "%s/report.html", dir);
	snprintf(page, sizeof(page), "%s/check.html", dir);
	tu_read_file(html, body, sizeof(body));
	tu_read_file(SOURCE_DIR "/tests/report_check.js", js, sizeof(js));
	FILE *f = fopen(page, "w");
	cr_assert_not_null(f);
	fprintf(f, "%s<script>\n%s</script>\n", body, js);
	fclose(f);
	snprintf(url, sizeof(url), "file://%s", page);
	snprintf(profile, sizeof(profile), "--user-data-dir=%s/chromium", work);
	/* A laptop's screen: the page must fit its width. */
	char *argv[] = {"chromium", "--headless", "--no-sandbox", "--disable-gpu",
			"--allow-file-access-from-files", "--window-size=1366,768", profile,
			"--dump-dom", url, NULL};
	cr_assert_eq(run(argv, NULL, 90000), 0, "chromium failed");
	tu_read_file(out_path, body, sizeof(body));
	char *at = strstr(body, "TBCHECK ");
	cr_assert_not_null(at, "report_check.js wrote nothing: %.300s", body);
	snprintf(line, len, "%.*s", (int)strcspn(at, "<\n"), at);
}

/* results_dir takes "results: DIR" from the orchestrator's output. */
static void results_dir(char *dir, size_t len)
{
	char text[65536];
	tu_read_file(out_path, text, sizeof(text));
	char *at = strstr(text, "results: ");
	cr_assert_not_null(at, "%s", text);
	at += 9;
	snprintf(dir, len, "%.*s", (int)strcspn(at, "\n"), at);
}

Test(report, graphs_plan_at_small_scale_draws_every_graph_and_loads_in_chromium,
     .timeout = 400)
{
	char results[300], cache[300], logs[300];
	snprintf(results, sizeof(results), "%s/results", work);
	snprintf(logs, sizeof(logs), "%s/logs", work);
	snprintf(cache, sizeof(cache), "XDG_CACHE_HOME=%s/cache", work);
	char *env[] = {cache, NULL};
	char *argv[] = {ORCHESTRATOR_BIN, "--plan", SOURCE_DIR "/plans/graphs.plan", "--scale",
			"0.03", "--results", results, "--clients", reg, "--logs", logs,
			"--control-port", "0", NULL};
	int st = run(argv, env, 380000);
	char text[65536];
	tu_read_file(out_path, text, sizeof(text));
	cr_assert_eq(st, 0, "exit %d: %s", st, text);
	cr_assert(strstr(text, "(4 of 4 graphs drawn)") != NULL, "%s", text);
	char dir[400], path[600];
	results_dir(dir, sizeof(dir));

	static const char *const graphs[] = {"unreliable", "memory", "tracer_cpu", "dropped"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/graphs/%s.png", dir, graphs[i]);
		assert_png(path);
		snprintf(path, sizeof(path), "%s/graphs/%s.svg", dir, graphs[i]);
		assert_svg(path);
		static const char *const kept[] = {"dat", "gp"};
		for (size_t k = 0; k < 2; k++) {
			snprintf(path, sizeof(path), "%s/graphs/%s.%s", dir, graphs[i], kept[k]);
			cr_assert_eq(access(path, R_OK), 0, "%s is missing", path);
		}
	}
	/* The disconnect run's events reach its graph: the red line at 30 s x 0.03. */
	snprintf(path, sizeof(path), "%s/graphs/unreliable.gp", dir);
	tu_read_file(path, text, sizeof(text));
	cr_assert(strstr(text, "set arrow from 0.900,") != NULL, "no event line in %s", path);

	char line[4096];
	chromium_check(dir, line, sizeof(line));
	cr_assert(strstr(line, "images=4 broken=0 ") != NULL, "%s", line);
	cr_assert(strstr(line, "badlinks=0 ") != NULL, "%s", line);
	int links = 0;
	cr_assert_eq(sscanf(strstr(line, "links="), "links=%d", &links), 1);
	cr_assert_gt(links, 50, "%s", line); /* 4 graphs x 4, a link per run, the raw data */

	/* The same check notices a missing image. */
	snprintf(path, sizeof(path), "%s/graphs/memory.png", dir);
	cr_assert_eq(unlink(path), 0);
	chromium_check(dir, line, sizeof(line));
	cr_assert(strstr(line, "broken=1 ") != NULL && strstr(line, "graphs/memory.png") != NULL,
		  "%s", line);
}

/* write_storm writes dir/runs.jsonl and dir/plan.txt of one run of 16 clients through a
 * fault storm: five events at one instant, the satellites back a second later, and the
 * recovery times after it. */
static void write_storm(const char *dir)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/runs.jsonl", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("{\"plan_run\":\"storm\",\"result\":{\"client\":\"c x16\",\"trace\":true,"
	      "\"sps\":100,\"runtime\":4,\"spans_sent\":1600,\"spans_received\":1600,"
	      "\"client_count\":16,\"cpu_usage\":0.7,\"sample_period\":0.1,"
	      "\"received_bucket\":0.1,\"recovery_first_ack\":[0.05],"
	      "\"recovery_drained\":[0.3],\"events\":[", f);
	static const char *const storm[] = {"satellites down", "satellites errors 0.5 status 503",
					    "satellites latency 0.2s",
					    "satellites bandwidth 64KB/s per group",
					    "satellites close 0.5"};
	for (size_t i = 0; i < 5; i++)
		fprintf(f, "{\"at\":1,\"event\":\"%s\"},", storm[i]);
	fputs("{\"at\":2,\"event\":\"satellites up\"}],\"cpu_list\":[", f);
	for (int i = 0; i < 40; i++)
		fprintf(f, "%s0.7", i ? "," : "");
	fputs("],\"memory_list\":[", f);
	for (int i = 0; i < 40; i++)
		fprintf(f, "%s%d", i ? "," : "", 10000000 + 50000 * i);
	fputs("],\"received_list\":[", f);
	for (int i = 0; i < 40; i++)
		fprintf(f, "%s%d", i ? "," : "", i >= 10 && i < 20 ? 0 : 40);
	fputs("],\"per_client\":[", f);
	for (int c = 0; c < 16; c++)
		fprintf(f, "%s{\"client\":\"c\",\"spans_sent\":100,\"spans_received\":100,"
			   "\"cpu_usage\":0.04,\"peak_rss_bytes\":10000000,\"sampler\":\"local\","
			   "\"attributed\":true}", c ? "," : "");
	fputs("]}}\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/plan.txt", dir);
	write_file(path, "client c\nrun storm sps 100 runtime 4s clients 16\n"
			 "graph storm memory_panels storm\n");
}

/* A storm's labels stack instead of printing over each other, and the report of 16
 * clients fits a laptop's screen: measured in headless Chromium, on the SVG the report
 * links and the page at 1366 px. */
Test(report, a_16_client_storm_report_has_no_overlapping_labels_and_fits_a_laptop,
     .timeout = 180)
{
	char dir[300], text[4096];
	snprintf(dir, sizeof(dir), "%s/results-storm", work);
	cr_assert_eq(mkdir(dir, 0755), 0);
	write_storm(dir);
	char *argv[] = {ORCHESTRATOR_BIN, "report", dir, NULL};
	int st = run(argv, NULL, 60000);
	tu_read_file(err_path, text, sizeof(text));
	cr_assert_eq(st, 0, "%s", text);
	char line[4096];
	chromium_check(dir, line, sizeof(line));
	cr_assert(strstr(line, "images=1 broken=0 ") != NULL, "%s", line);
	int labels = 0, overlaps = -1, overflow = -1;
	cr_assert_eq(sscanf(strstr(line, "labels="), "labels=%d overlaps=%d overflow=%d", &labels,
			    &overlaps, &overflow), 3, "%s", line);
	/* Six events and two recovery times, all measured. */
	cr_assert_eq(labels, 8, "%s", line);
	cr_assert_eq(overlaps, 0, "%s", line);
	cr_assert_leq(overflow, 0, "%s", line);
}

/* A small results directory, as the orchestrator writes one: two runs of a plan with a
 * memory graph and a dropped graph. */
static void fake_results(char *dir, size_t len, const char *runs)
{
	snprintf(dir, len, "%s/results-x", work);
	cr_assert_eq(mkdir(dir, 0755), 0);
	char path[600];
	snprintf(path, sizeof(path), "%s/runs.jsonl", dir);
	write_file(path, runs);
	snprintf(path, sizeof(path), "%s/plan.txt", dir);
	write_file(path, "client c\nrun rates sps [100, 200] runtime 1s\n"
			 "graph mem memory rates\ngraph drops dropped rates title \"Drops\"\n");
}

static const char *const two_runs =
	"{\"plan_run\":\"rates\",\"result\":{\"client\":\"c\",\"trace\":true,\"sps\":100,"
	"\"runtime\":1,\"spans_sent\":100,\"spans_received\":100,\"dropped_spans\":0,"
	"\"cpu_usage\":0.7,\"sample_period\":0.1,\"cpu_list\":[0,0.7,0.7],"
	"\"memory_list\":[1e6,2e6,2e6],\"received_bucket\":0.1,\"received_list\":[0,50,50],"
	"\"events\":[],\"tracer\":\"x <1.0>\"}}\n"
	"{\"plan_run\":\"rates\",\"result\":{\"client\":\"c\",\"trace\":true,\"sps\":200,"
	"\"runtime\":1,\"spans_sent\":200,\"spans_received\":150,\"dropped_spans\":50,"
	"\"cpu_usage\":0.8,\"sample_period\":0.1,\"cpu_list\":[0,0.8],"
	"\"memory_list\":[1e6,3e6],\"received_bucket\":0.1,\"received_list\":[150],"
	"\"events\":[{\"at\":0.5,\"event\":\"satellites down\"}]}}\n";

Test(report, without_gnuplot_the_data_scripts_and_page_are_still_written)
{
	char dir[300], path[600], text[65536];
	fake_results(dir, sizeof(dir), two_runs);
	char *env[] = {"TB_GNUPLOT=/nonexistent/gnuplot", NULL};
	char *argv[] = {ORCHESTRATOR_BIN, "report", dir, NULL};
	cr_assert_eq(run(argv, env, 30000), 2);
	tu_read_file(err_path, text, sizeof(text));
	cr_assert(strstr(text, "install gnuplot-nox") != NULL, "%s", text);
	tu_read_file(out_path, text, sizeof(text));
	cr_assert(strstr(text, "(0 of 2 graphs drawn)") != NULL, "%s", text);
	static const char *const kept[] = {"graphs/mem.dat", "graphs/mem.gp", "graphs/drops.dat",
					   "graphs/drops.gp", "report.html"};
	for (size_t i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, kept[i]);
		cr_assert_eq(access(path, R_OK), 0, "%s is missing", path);
	}
	snprintf(path, sizeof(path), "%s/report.html", dir);
	tu_read_file(path, text, sizeof(text));
	cr_assert(strstr(text, "Not drawn") != NULL);
	cr_assert(strstr(text, "x &lt;1.0&gt;") != NULL, "the tracer's name is not escaped");
	cr_assert(strstr(text, "<img") == NULL, "an image that was not drawn is shown");
	/* The dropped graph holds the mean % dropped at each rate. */
	snprintf(path, sizeof(path), "%s/graphs/drops.dat", dir);
	tu_read_file(path, text, sizeof(text));
	cr_assert(strstr(text, "\n200\t25.0000\t") != NULL, "%s", text);
}

Test(report, with_gnuplot_a_report_is_drawn_from_files_alone)
{
	char dir[300], path[600];
	fake_results(dir, sizeof(dir), two_runs);
	char *argv[] = {ORCHESTRATOR_BIN, "report", dir, NULL};
	char text[4096];
	int st = run(argv, NULL, 60000);
	tu_read_file(err_path, text, sizeof(text));
	cr_assert_eq(st, 0, "%s", text);
	snprintf(path, sizeof(path), "%s/graphs/mem.png", dir);
	assert_png(path);
	snprintf(path, sizeof(path), "%s/graphs/drops.svg", dir);
	assert_svg(path);
}

Test(report, a_damaged_runs_file_is_named_by_line)
{
	char dir[300], text[4096];
	fake_results(dir, sizeof(dir), "{\"plan_run\":\"rates\",\"result\":{}}\n[1, 2]\n");
	char *argv[] = {ORCHESTRATOR_BIN, "report", dir, NULL};
	cr_assert_eq(run(argv, NULL, 30000), 2);
	tu_read_file(err_path, text, sizeof(text));
	cr_assert(strstr(text, "runs.jsonl:2: not a run") != NULL, "%s", text);
	char *none[] = {ORCHESTRATOR_BIN, "report", "/nonexistent/dir", NULL};
	cr_assert_eq(run(none, NULL, 30000), 2);
	tu_read_file(err_path, text, sizeof(text));
	cr_assert(strstr(text, "/nonexistent/dir/runs.jsonl") != NULL, "%s", text);
}

/* A field added to the Result's table (context_switches) reaches runs.jsonl, the plan's
 * assertions and the report's table of runs with no other change. */
Test(report, a_result_field_reaches_runs_jsonl_assertions_and_the_report, .timeout = 120)
{
	char results[300], cache[300], logs[300], plan[300];
	snprintf(results, sizeof(results), "%s/results", work);
	snprintf(logs, sizeof(logs), "%s/logs", work);
	snprintf(plan, sizeof(plan), "%s/ctx.plan", work);
	snprintf(cache, sizeof(cache), "XDG_CACHE_HOME=%s/cache", work);
	write_file(plan, "client c\nsampling 50ms\nrun busy sps 300 runtime 1s\n"
			 "assert busy.context_switches > 0\n"
			 "assert busy.context_switches < 0\n");
	char *env[] = {cache, NULL};
	char *argv[] = {ORCHESTRATOR_BIN, "--plan", plan, "--results", results, "--clients", reg,
			"--logs", logs, "--control-port", "0", NULL};
	int st = run(argv, env, 110000);
	char text[65536];
	tu_read_file(out_path, text, sizeof(text));
	cr_assert_eq(st, 1, "the second assertion must fail: exit %d: %s", st, text);
	cr_assert(strstr(text, "PASS  ") != NULL && strstr(text, "busy.context_switches > 0")
		  != NULL, "%s", text);
	cr_assert(strstr(text, "FAIL  ") != NULL, "%s", text);
	char dir[400], path[600];
	results_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/runs.jsonl", dir);
	tu_read_file(path, text, sizeof(text));
	char *at = strstr(text, "\"context_switches\":");
	cr_assert_not_null(at, "%s", text);
	cr_assert_gt(atof(at + strlen("\"context_switches\":")), 0, "%.80s", at);

	char *bad[] = {ORCHESTRATOR_BIN, "report", dir, "--export", "nope", NULL};
	cr_assert_eq(run(bad, NULL, 60000), 2);
	cr_assert(strstr(text_of_err(), "export \"nope\": expected github-benchmark") != NULL,
		  "%s", text_of_err());
	char *rep[] = {ORCHESTRATOR_BIN, "report", dir, "--export", "github-benchmark", NULL};
	cr_assert_eq(run(rep, NULL, 60000), 0, "%s", text_of_err());
	snprintf(path, sizeof(path), "%s/report.html", dir);
	static char html[1 << 18];
	tu_read_file(path, html, sizeof(html));
	cr_assert(strstr(html, "<th>context switches</th>") != NULL, "no column in the report");

	/* The files for CI systems: a CSV row per run, Markdown, and JUnit XML that the
	 * schema of the format accepts, with the failed assertion failed. */
	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	tu_read_file(path, text, sizeof(text));
	cr_assert(strncmp(text, "plan_run,client,trace,", 22) == 0, "%.200s", text);
	cr_assert(strstr(text, ",context_switches,") != NULL, "%.400s", text);
	cr_assert(strstr(text, "\nbusy,c,1,") != NULL, "%s", text);
	snprintf(path, sizeof(path), "%s/summary.md", dir);
	tu_read_file(path, text, sizeof(text));
	cr_assert(strstr(text, "**FAIL**: 1 of 2 assertions held; 0 of 1 runs failed.") != NULL,
		  "%s", text);
	cr_assert(strstr(text, "| FAIL | 5 | busy.context\\_switches < 0 |") != NULL, "%s", text);
	snprintf(path, sizeof(path), "%s/junit.xml", dir);
	tu_read_file(path, text, sizeof(text));
	cr_assert(strstr(text, "tests=\"3\" failures=\"1\" errors=\"0\"") != NULL, "%s", text);
	cr_assert(strstr(text, "<failure message=\"left = ") != NULL, "%s", text);
	char *lint[] = {"xmllint", "--noout", "--schema", SOURCE_DIR "/tests/junit.xsd", path,
			NULL};
	cr_assert_eq(run(lint, NULL, 30000), 0, "junit.xml does not validate: %s",
		     text_of_err());

	/* github-action-benchmark's customSmallerIsBetter: an array of {name, unit, value}. */
	snprintf(path, sizeof(path), "%s/github-benchmark.json", dir);
	tu_read_file(path, text, sizeof(text));
	cr_assert(text[0] == '[', "%s", text);
	static const char *const want[] = {"\"name\":\t\"busy cpu_usage\"",
					   "\"name\":\t\"busy peak_rss_bytes\"",
					   "\"name\":\t\"busy dropped_spans\"",
					   "\"unit\":\t\"bytes\"", "\"value\":\t"};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert(strstr(text, want[i]) != NULL, "no %s in %s", want[i], text);
}

/* A cost graph groups runs by the path their spans took, whatever the runs are called:
 * one line for the untraced program, one straight to the satellites, one per proxy, each
 * across the rates of all its runs, with the proxy's own figures beside the client's. */
Test(report, a_cost_graph_draws_one_line_per_path_across_its_runs)
{
	char dir[300], path[600], text[65536];
	static const char *const rows[][4] = {
		/* plan_run, trace, sps, proxy fields */
		{"u100", "false", "100", ""},
		{"u200", "false", "200", ""},
		{"d100", "true", "100", ",\"proxy\":\"none\""},
		{"d200", "true", "200", ",\"proxy\":\"none\""},
		{"n100", "true", "100", ",\"proxy\":\"nginx\",\"proxy_cpu\":0.01,"
					"\"proxy_peak_rss\":10485760"},
		{"n200", "true", "200", ",\"proxy\":\"nginx\",\"proxy_cpu\":0.02,"
					"\"proxy_peak_rss\":12582912"},
	};
	char runs[8192] = "";
	size_t off = 0;
	for (size_t i = 0; i < 6; i++)
		off += (size_t)snprintf(runs + off, sizeof(runs) - off,
			"{\"plan_run\":\"%s\",\"result\":{\"client\":\"c\",\"trace\":%s,\"sps\":%s,"
			"\"runtime\":1,\"spans_sent\":%s,\"spans_received\":%s,\"cpu_usage\":0.5,"
			"\"peak_rss_bytes\":2097152,\"sample_period\":0.1,\"events\":[]%s}}\n",
			rows[i][0], rows[i][1], rows[i][2], rows[i][2], rows[i][2], rows[i][3]);
	fake_results(dir, sizeof(dir), runs);
	snprintf(path, sizeof(path), "%s/plan.txt", dir);
	write_file(path, "client c\nrun u100 sps 100 runtime 1s notrace\n"
			 "run u200 sps 200 runtime 1s notrace\nrun d100 sps 100 runtime 1s\n"
			 "run d200 sps 200 runtime 1s\nrun n100 sps 100 runtime 1s proxy nginx\n"
			 "run n200 sps 200 runtime 1s proxy nginx\n"
			 "graph paths cost u100, u200, d100, d200, n100, n200\n");
	char *argv[] = {ORCHESTRATOR_BIN, "report", dir, NULL};
	int st = run(argv, NULL, 60000);
	tu_read_file(err_path, text, sizeof(text));
	cr_assert_eq(st, 0, "%s", text);
	snprintf(path, sizeof(path), "%s/graphs/paths.png", dir);
	assert_png(path);
	snprintf(path, sizeof(path), "%s/graphs/paths.dat", dir);
	tu_read_file(path, text, sizeof(text));
	const char *u = strstr(text, "path untraced"), *d = strstr(text, "path none"),
		   *n = strstr(text, "path nginx");
	cr_assert(u != NULL && d != NULL && n != NULL && u < d && d < n, "%s", text);
	/* Both rates of a path in its one block; the proxy's CPU % and RSS MiB beside. */
	cr_assert(strstr(n, "\n100\t50.0000\t50.0000\t50.0000\t2.000\t2.000\t2.000\t1.0000\t"
			    "10.000\t1\n200\t50.0000\t50.0000\t50.0000\t2.000\t2.000\t2.000\t"
			    "2.0000\t12.000\t1\n") != NULL, "%s", n);
	cr_assert(strstr(d, "\n200\t50.0000\t50.0000\t50.0000\t2.000\t2.000\t2.000\t0.0000\t"
			    "0.000\t1\n") != NULL, "%s", d);
	snprintf(path, sizeof(path), "%s/graphs/paths.gp", dir);
	tu_read_file(path, text, sizeof(text));
	cr_assert(strstr(text, "title \"nginx itself\"") != NULL, "%s", text);
	cr_assert(strstr(text, "title \"direct: client\"") != NULL, "%s", text);
	cr_assert(strstr(text, "title \"none itself\"") == NULL, "%s", text);
}
