/* SPDX-License-Identifier: MIT */
/* run_command_test.c - `orchestrator run` reaches what a plan's run does, as a user types
 * it: several clients counted apart, a mix by name, timed satellite events, and a series
 * of traced and untraced rounds summed up in medians. Real processes throughout: the
 * orchestrator, its satellites and sampler, and the reference C client. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"
#include "common/error.h"
#include "testutil.h"

static tu_orc_files files;

static void setup(void)
{
	tu_orc_files_init(&files, "run");
	FILE *f = fopen(files.reg, "w");
	cr_assert_not_null(f);
	fprintf(f, "[c]\ncommand = %s\n[c2]\ncommand = %s\n", CLIENT_BIN, CLIENT_BIN);
	fprintf(f, "[js-otel-grpc]\ncommand = node %s/js-otel.js --transport grpc\n", JS_DIR);
	fclose(f);
}

static void teardown(void)
{
	tu_orc_files_remove(&files);
}

TestSuite(run_command, .init = setup, .fini = teardown, .timeout = 120);

/* run performs `orchestrator run` with the options every test shares, then args; returns
 * its exit status. Paced by sleep alone: what these tests count does not need a
 * calibration. Free ports, so tests running beside it keep LightStep Benchmarks' own. */
static int run(const char *const *args)
{
	char *argv[48] = {ORCHESTRATOR_BIN, "run", "--registry", files.reg, "--control-port",
			  "0", "--uncalibrated", "--logs", files.logs, "--ports", "0,0"};
	size_t n = 11;
	for (size_t i = 0; args[i] != NULL && n < 47; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	int st = tu_orc_run(argv, &files, 100000);
	cr_assert_neq(st, -1, "orchestrator run did not start or finish");
	return st;
}

static const char *text_of(const char *path)
{
	static char buf[2][65536];
	static int next;
	char *b = buf[next];
	next = !next;
	tu_read_file(path, b, sizeof(buf[0]));
	return b;
}

static double number(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	cr_assert(cJSON_IsNumber(v), "no number %s", key);
	return v->valuedouble;
}

Test(run_command, clients_4_gives_four_clients_counted_apart)
{
	const char *args[] = {"--client", "c", "--clients", "4", "--sps", "200", "--runtime",
			      "3", "--json", NULL};
	int st = run(args);
	cr_assert_eq(st, 0, "exit %d: %s", st, text_of(files.err));
	cJSON *r = cJSON_Parse(text_of(files.out));
	cr_assert_not_null(r, "%s", text_of(files.out));
	cr_assert_eq(number(r, "client_count"), 4);
	cr_assert_eq(number(r, "spans_sent"), 2400);
	cr_assert_eq(number(r, "spans_received"), 2400);
	/* The sampler's own cost rides along with its samples. */
	cr_assert_gt(number(r, "sampler_cpu"), 0);
	const cJSON *per = cJSON_GetObjectItemCaseSensitive(r, "per_client"), *c;
	cr_assert_eq(cJSON_GetArraySize(per), 4);
	cJSON_ArrayForEach(c, per) {
		cr_expect_eq(number(c, "spans_sent"), 600);
		cr_expect_eq(number(c, "spans_received"), 600);
	}
	cJSON_Delete(r);
}

Test(run_command, a_mix_by_name_shares_a_total_rate)
{
	const char *args[] = {"--client", "c", "x3", "--client", "c2 x1", "--total-sps", "400",
			      "--runtime", "2", "--json", NULL};
	int st = run(args);
	cr_assert_eq(st, 0, "exit %d: %s", st, text_of(files.err));
	cJSON *r = cJSON_Parse(text_of(files.out));
	cr_assert_not_null(r, "%s", text_of(files.out));
	cr_assert_eq(number(r, "client_count"), 4);
	/* 400 spans/s shared by four clients for 2 s. */
	cr_assert_eq(number(r, "spans_sent"), 800);
	cr_assert_eq(number(r, "spans_received"), 800);
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(r, "client");
	cr_assert_str_eq(name->valuestring, "c x3, c2 x1");
	cJSON_Delete(r);
}

/* The satellites go down and come back as --at says; the Result lists the events and
 * accounts for every span the outage held back. */
Test(run_command, at_events_take_the_satellites_down_and_up)
{
	const char *args[] = {"--client", "c", "--sps", "300", "--runtime", "3", "--at",
			      "1s:down", "--at", "2s:up", "--json", NULL};
	int st = run(args);
	cr_assert_eq(st, 0, "exit %d: %s", st, text_of(files.err));
	cJSON *r = cJSON_Parse(text_of(files.out));
	cr_assert_not_null(r, "%s", text_of(files.out));
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(r, "events");
	cr_assert_eq(cJSON_GetArraySize(ev), 2);
	cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ev, 0), "event")
			 ->valuestring, "satellites down");
	cr_assert_float_eq(number(cJSON_GetArrayItem(ev, 1), "at"), 2, 1e-9);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "recovery_first_ack")),
		     1);
	cr_assert_eq(number(r, "unexplained"), 0);
	cr_assert_gt(number(r, "spans_received"), 0);
	cJSON_Delete(r);
}

Test(run_command, a_bad_event_is_named_before_the_run)
{
	const char *args[] = {"--client", "c", "--sps", "100", "--runtime", "2", "--at",
			      "1s:dwn", NULL};
	cr_assert_eq(run(args), 2);
	const char *text = text_of(files.err);
	cr_assert(strstr(text, "event \"1s:dwn\"") != NULL && strstr(text, "got 'dwn'") != NULL,
		  "%s", text);
	cr_assert(strstr(text_of(files.out), "Result") == NULL, "%s", text_of(files.out));

	const char *late[] = {"--client", "c", "--sps", "100", "--runtime", "2", "--at",
			      "2s:down", NULL};
	cr_assert_eq(run(late), 2);
	cr_assert(strstr(text_of(files.err), "before the run ends") != NULL, "%s",
		  text_of(files.err));
}

/* Alternating rounds: warm-ups performed and marked, then medians of what was counted. */
Test(run_command, a_series_alternates_and_sums_up_the_counted_rounds)
{
	const char *args[] = {"--client", "c", "--sps", "100", "--runtime", "1", "--repeat",
			      "3", "--warmup", "1", "--alternate", NULL};
	int st = run(args);
	const char *out = text_of(files.out);
	cr_assert_eq(st, 0, "exit %d: %s", st, text_of(files.err));
	size_t results = 0;
	for (const char *p = strstr(out, "Result: "); p != NULL; p = strstr(p + 1, "Result: "))
		results++;
	cr_assert_eq(results, 6, "%s", out);
	cr_assert(strstr(out, "== round 1 of 3, untraced (warm-up, not counted)") != NULL, "%s",
		  out);
	cr_assert(strstr(out, "median of 2 traced runs: cpu_usage ") != NULL, "%s", out);
	cr_assert(strstr(out, "median of 2 untraced runs: cpu_usage ") != NULL, "%s", out);
	cr_assert(strstr(out, "traced - untraced, median of 2 pairs: cpu_usage ") != NULL, "%s",
		  out);
}

Test(run_command, bad_counts_are_named)
{
	static const char *const cases[][3] = {
		{"--clients", "0", "--clients 0: expected 1 to 128 clients"},
		{"--repeat", "0", "--repeat 0: expected 1 to 100 rounds"},
		{"--repeat", "2.5", "--repeat 2.5"},
		{"--client", "c x0", "--client c x0: expected NAME or NAME xN"},
		{"--max-cv", "-1", "--max-cv -1"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[] = {"--client", "c", "--sps", "10", "--runtime", "1", cases[i][0],
				      cases[i][1], NULL};
		cr_assert_eq(run(args), 2, "%s %s", cases[i][0], cases[i][1]);
		cr_expect(strstr(text_of(files.err), cases[i][2]) != NULL, "%s",
			  text_of(files.err));
	}
	const char *warm[] = {"--client", "c", "--sps", "10", "--runtime", "1", "--repeat", "2",
			      "--warmup", "2", NULL};
	cr_assert_eq(run(warm), 2);
	cr_assert(strstr(text_of(files.err), "--warmup 2 leaves no round") != NULL, "%s",
		  text_of(files.err));
}

/* --proxy puts nginx or HAProxy between the clients and the satellites: every span still
 * arrives once, the Result names the proxy and has its own CPU and memory, and nothing of
 * it is left behind. */
/* proxy_dirs counts the directories runs make for their proxies. */
static int proxy_dirs(void)
{
	int n = 0;
	DIR *d = opendir("/tmp");
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL)
		n += strncmp(de->d_name, "tb-proxy-", 9) == 0;
	if (d != NULL)
		closedir(d);
	return n;
}

static void check_proxy(const char *kind)
{
	int dirs = proxy_dirs();
	const char *args[] = {"--client", "c", "--clients", "2", "--sps", "500", "--runtime", "2",
			      "--proxy", kind, "--json", NULL};
	int st = run(args);
	if (st != 0 && strstr(text_of(files.err), "is not installed") != NULL)
		tu_skip("%s", text_of(files.err));
	cr_assert_eq(st, 0, "exit %d: %s", st, text_of(files.err));
	cJSON *r = cJSON_Parse(text_of(files.out));
	cr_assert_not_null(r, "%s", text_of(files.out));
	cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(r, "proxy")->valuestring, kind);
	cr_assert_eq(number(r, "spans_sent"), 2000);
	cr_assert_eq(number(r, "spans_received"), 2000);
	cr_assert_eq(number(r, "duplicates"), 0);
	cr_assert_gt(number(r, "proxy_cpu"), 0);
	cr_assert_gt(number(r, "proxy_peak_rss"), 1 << 20);
	cJSON_Delete(r);
	cr_assert_eq(proxy_dirs(), dirs, "the run left its proxy's directory behind");
}

Test(run_command, proxy_nginx_forwards_every_span_and_is_measured)
{
	check_proxy("nginx");
}

Test(run_command, proxy_haproxy_forwards_every_span_and_is_measured)
{
	check_proxy("haproxy");
}

Test(run_command, a_bad_proxy_is_named_before_the_run)
{
	const char *args[] = {"--client", "c", "--sps", "100", "--runtime", "1", "--proxy",
			      "envoy", NULL};
	int st = run(args);
	cr_assert_neq(st, 0);
	cr_assert(strstr(text_of(files.err), "proxy \"envoy\": expected nginx, haproxy, satellite "
				 "or command \"...\", or none") != NULL, "%s", text_of(files.err));
}

Test(run_command, proxy_satellite_forwards_every_span_and_tells_what_it_holds)
{
	check_proxy("satellite");
	cJSON *r = cJSON_Parse(text_of(files.out));
	cr_assert_eq(number(r, "proxy_held"), 0);
	cr_assert_eq(number(r, "proxy_dropped"), 0);
	cr_assert_gt(number(r, "proxy_queue_peak"), 0);
	cJSON_Delete(r);
}

/* The OpenTelemetry JS SDK's OTLP/gRPC exporter through a forwarding satellite, which
 * takes gRPC on its one port and forwards over HTTP/1.1: every span arrives once. */
Test(run_command, a_real_grpc_exporter_reports_through_a_forwarding_satellite)
{
	char mods[300];
	snprintf(mods, sizeof(mods), "%s/node_modules", JS_DIR);
	if (access(mods, F_OK) != 0)
		tu_skip("the JS clients' packages are not installed (npm ci in %s)", JS_DIR);
	const char *args[] = {"--client", "js-otel-grpc", "--sps", "300", "--runtime", "2",
			      "--proxy", "satellite", "--json", NULL};
	int st = run(args);
	cr_assert_eq(st, 0, "exit %d: %s", st, text_of(files.err));
	cJSON *r = cJSON_Parse(text_of(files.out));
	cr_assert_not_null(r, "%s", text_of(files.out));
	cr_assert_eq(number(r, "spans_sent"), 600);
	cr_assert_eq(number(r, "spans_received"), 600);
	cr_assert_eq(number(r, "duplicates"), 0);
	cr_assert_eq(number(r, "proxy_held"), 0);
	cJSON_Delete(r);
}

/* The satellites are down for 5 s of an 8 s run behind a forwarding satellite: it keeps
 * acknowledging the tracer, whose reports it holds (the tracer resends nothing), and
 * delivers them all once the satellites are back; the Result times the recovery. */
Test(run_command, a_forwarding_satellite_holds_reports_through_an_outage_and_drains_them)
{
	const char *args[] = {"--client", "c", "--sps", "500", "--runtime", "8", "--proxy",
			      "satellite", "--at", "1s:down", "--at", "6s:up", "--json", NULL};
	int st = run(args);
	cr_assert_eq(st, 0, "exit %d: %s", st, text_of(files.err));
	cJSON *r = cJSON_Parse(text_of(files.out));
	cr_assert_not_null(r, "%s", text_of(files.out));
	cr_assert_eq(number(r, "spans_sent"), 4000);
	cr_assert_eq(number(r, "spans_received"), 4000);
	cr_assert_eq(number(r, "unexplained"), 0);
	cr_assert_eq(number(r, "proxy_held"), 0);
	cr_assert_eq(number(r, "client_resent"), 0, "the tracer saw the outage");
	cr_assert_eq(number(r, "refused_spans"), 0);
	/* 5 s of reports at 500 spans/s were held at once: well over 100 KiB. */
	cr_assert_gt(number(r, "proxy_queue_peak"), 100 * 1024);
	const cJSON *first = cJSON_GetObjectItemCaseSensitive(r, "recovery_first_ack");
	const cJSON *drained = cJSON_GetObjectItemCaseSensitive(r, "recovery_drained");
	cr_assert_eq(cJSON_GetArraySize(first), 1);
	cr_assert_eq(cJSON_GetArraySize(drained), 1);
	cr_assert_gt(cJSON_GetArrayItem(first, 0)->valuedouble, 0);
	cr_assert_geq(cJSON_GetArrayItem(drained, 0)->valuedouble, 0, "the backlog never drained");
	cJSON_Delete(r);
}
