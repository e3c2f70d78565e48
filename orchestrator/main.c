/* SPDX-License-Identifier: MIT */
/* main.c - the orchestrator's command line: `--plan FILE`, `run`, `calibrate`,
 * `check-client`, `report` and `compare`, each a few calls of include/tracebench.h, and
 * their outcomes mapped to exit statuses. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/units.h"
#include "orchestrator/commands.h"
#include "tracebench.h"


void orc_usage(FILE *out)
{
	fprintf(out,
		"usage: orchestrator --plan FILE [--results DIR] [--client NAME] [--registry FILE]\n"
		"                    [--scale F] [--control-port N] [--logs DIR] [--quiet|--verbose]\n"
		"                    [--export github-benchmark] [--check] [--budget NAME=VALUE]\n"
		"                    [--tls-cert FILE --tls-key FILE --tls-ca FILE]\n"
		"       orchestrator run --client NAME --sps N --runtime S [options]\n"
		"       orchestrator calibrate --client NAME [--target-cpu 0.7]\n"
		"       orchestrator check-client NAME [--registry FILE] [--sps N] [--runtime S]\n"
		"       orchestrator report DIR [--export github-benchmark]\n"
		"       orchestrator compare BASE_DIR NEW_DIR [--metric FIELD] [--threshold F]\n"
		"                    [--format text|md|json] [--allow-different-hosts]\n"
		"\n"
		"--plan runs a plan (docs/plan-format.md): every run, then its assertions;\n"
		"results in DIR/<plan>-<time>/ (runs.jsonl, summary.txt, ...). Exit 0: all held;\n"
		"1: a regression or a failed run; 2: an error (a bad plan fails before starting).\n"
		"--scale F multiplies every runtime and event time of the plan by F (0.001 to\n"
		"1000): the same shapes, shorter. A plan with graphs ends with its report.\n"
		"--check only checks the plan: exit 0 and \"FILE: a valid plan\", or 2 and the\n"
		"first mistake, as file:line:col; nothing starts.\n"
		"--budget NAME=VALUE (repeatable) gives the plan's budget NAME this value, over\n"
		"the plan's own for the client: gate your tracer on its own budget.\n"
		"--registry FILE: the client registry (default ./clients.conf, else the installed\n"
		"PREFIX/share/tracebench/clients.conf); --clients FILE is the same.\n"
		"Every results directory also gets runs.csv, summary.md and junit.xml for CI\n"
		"systems; --export github-benchmark adds github-benchmark.json, the\n"
		"customSmallerIsBetter file github-action-benchmark reads.\n"
		"--tls-cert, --tls-key, --tls-ca: this orchestrator's PEM certificate, its\n"
		"unencrypted key, and the CA agents' certificates must come from, for\n"
		"tls+tcp:// agents (docs/multi-host.md); each overrides the plan's tls statement.\n"
		"Logs: DIR/benchmark.log (info) and DIR/benchmark_verbose.log (debug), DIR being\n"
		"./logs unless --logs; the console shows warnings and errors.\n"
		"\n"
		"compare: for each run name of BASE_DIR and NEW_DIR and each metric (cpu_usage,\n"
		"peak_rss_bytes, dropped_spans, sps_achieved; or --metric), the medians, the\n"
		"change, its 95%% bootstrap interval and a verdict: improved, regressed,\n"
		"unchanged (within --threshold, default 0.05) or inconclusive. Exit 1 on a regression, 0 otherwise,\n"
		"2 on an error (a run missing from NEW_DIR, results from another host).\n"
		"\n"
		"check-client: a short traced run and a NoOp run of a registered client, and a\n"
		"verdict on each thing a client must do (docs/clients.md), every mistake named:\n"
		"crashes, hangs, no result, wrong spans count, never reports, ignores the rate.\n"
		"Exit 1 when a check fails. check-client --help lists its options.\n"
		"\n"
		"report: draws the graphs of a results directory with gnuplot (DIR/graphs/) and\n"
		"writes DIR/report.html (graphs, runs, assertions, environment, raw data).\n"
		"\n"
		"run: one benchmark, or a series. Starts satellites and a sampler on this host (or\n"
		"reaches agents by URL), has the sampler launch the clients from its registry,\n"
		"serves their control channel, and prints each Result (exit 0; 1 if a run failed;\n"
		"2 on an error). Each client is calibrated first (cached per client and host): see\n"
		"`calibrate`. Every plan keyword has its option here (docs/plan-format.md).\n"
		"\n"
		"  --client NAME        a client in the registry; --client NAME xN (repeatable)\n"
		"                       runs N of it beside the others named: a mix\n"
		"  --clients N          N copies of the client, launched together, counted apart\n"
		"  --trace, --no-trace  the reporting tracer (default) or NoOp\n"
		"  --sps N              spans per second each client generates\n"
		"  --total-sps N        spans per second of the whole run, shared by its clients\n"
		"  --runtime S          seconds to generate them for\n"
		"  --at TIME:EVENT      a timed satellite event (repeatable): 5s:down, 10s:up,\n"
		"                       3s:errors 0.3 retry_after 2s, 0s:latency 200ms,\n"
		"                       2s:bandwidth 64KB/s, 4s:close 0.5, 6s:mode slow_fail\n"
		"  --repeat N           N rounds (1 to 100), then the medians of the headline figures\n"
		"  --warmup W           the first W rounds are performed, not counted\n"
		"  --alternate          each round a traced run then an untraced one, and the median\n"
		"                       of their differences\n"
		"  --stop-on-failure    a failed run ends the series\n"
		"  --max-cv F           exit 2 when the counted runs' cpu_usage varies more (CV)\n"
		"  --quiet-host CORES   exit 2 when other work used more cores of the client's host\n"
		"  --satellites MODE    typical (default), slow_succeed, slow_fail, or none (the\n"
		"                       client reports to a port nothing listens on)\n"
		"  --satellites-url URL a satellite agent already serving (tcp://HOST:PORT), in\n"
		"                       --satellites' mode when given, else its own\n"
		"  --ports LIST         the satellites' ports (8360-8363, or 0,0 for two free\n"
		"                       ones); default LightStep Benchmarks' 8360-8367, or free\n"
		"                       ports with a warning when one of those is taken\n"
		"  --sampler URL        a sampler agent on the host the clients run on\n"
		"                       (tcp:// or tls+tcp://, docs/multi-host.md)\n"
		"  --tls-cert FILE, --tls-key FILE, --tls-ca FILE  credentials for tls+tcp:// agents\n"
		"  --sleep-interval DUR the client pays its sleep in chunks of DUR (default:\n"
		"                       100ms for argv clients, 1ms for the others)\n"
		"  --protocol P         lightstep (default) or otlp\n"
		"  --proxy KIND         report through a proxy on this host: nginx, haproxy,\n"
		"                       satellite (a forwarding satellite), or 'command CMDLINE'\n"
		"                       with {listen} and {upstream} in it (default: none)\n"
		"  --no-flush           the client exits without flushing its tracer\n"
		"  --no-timeout         never kill the client (default: after 2 x runtime + 5 s)\n"
		"  --json               print each Result as one JSON object (a line each)\n"
		"  --registry FILE      the client registry (as above)\n"
		"  --logs DIR           the log files' directory (default ./logs)\n"
		"  --period DUR         sampling period (default 100ms)\n"
		"  --target-cpu F       the NoOp client's CPU share calibration aims for (0.7)\n"
		"  --recalibrate        calibrate even if a cached calibration exists\n"
		"  --uncalibrated       no work per span: pace the client by sleep alone\n"
		"  --work-per-second W  use this calibration instead (with --sleep-per-work NS)\n"
		"  --sleep-per-work NS\n"
		"  --control-port N     the clients' HTTP control channel (default 8023; 0: any)\n"
		"  -q, --quiet          only errors      -v, --verbose  info on stderr too\n"
		"  -h, --help\n");
}

int orc_join_counts(int argc, char **argv)
{
	for (int i = 1; i + 2 < argc; i++) {
		const char *x = argv[i + 2];
		if (strcmp(argv[i], "--client") != 0 || x[0] != 'x' || x[1] < '0' || x[1] > '9' ||
		    strspn(x + 1, "0123456789") != strlen(x + 1))
			continue;
		/* Both stay in argv's own storage: the joined value is kept in a static slot. */
		static char joined[16][160];
		static int used;
		if (used == 16)
			break;
		snprintf(joined[used], sizeof(joined[used]), "%.140s %.16s", argv[i + 1], x);
		argv[i + 1] = joined[used++];
		memmove(&argv[i + 2], &argv[i + 3], (size_t)(argc - i - 3) * sizeof(*argv));
		argv[--argc] = NULL;
	}
	return argc;
}

/* cmd_plan runs `orchestrator --plan FILE ...`. */
static int cmd_plan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"plan", required_argument, NULL, 'p'},
		{"results", required_argument, NULL, 'r'},
		{"client", required_argument, NULL, 'c'},
		{"clients", required_argument, NULL, 'C'},
		{"registry", required_argument, NULL, 'C'},
		{"control-port", required_argument, NULL, 'P'},
		{"logs", required_argument, NULL, 'L'},
		{"scale", required_argument, NULL, 's'},
		{"export", required_argument, NULL, 'E'},
		{"tls-cert", required_argument, NULL, 'T'},
		{"tls-key", required_argument, NULL, 'K'},
		{"tls-ca", required_argument, NULL, 'A'},
		{"check", no_argument, NULL, 'k'},
		{"budget", required_argument, NULL, 'b'},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *plan_path = NULL, *logs = "logs";
	const char *budgets[64];	/* more than a plan has: each must name one */
	bool check_only = false;
	tb_plan_opts o = {.control_port = TB_CONTROL_PORT_DEFAULT,
			  .progress = isatty(STDERR_FILENO), .scale = 1};
	unsigned long port;
	int opt;
	while ((opt = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p': plan_path = optarg; break;
		case 'r': o.results_root = optarg; break;
		case 'c': o.client = optarg; break;
		case 'C': o.clients_file = optarg; break;
		case 'L': logs = optarg; break;
		case 'k': check_only = true; break;
		case 'b':
			if (o.nbudgets == sizeof(budgets) / sizeof(budgets[0])) {
				fprintf(stderr, "orchestrator: --budget %s: too many --budget\n",
					optarg);
				return ORC_EXIT_ERROR;
			}
			budgets[o.nbudgets++] = optarg;
			o.budgets = budgets;
			break;
		case 'E': o.export_format = optarg; break;
		case 'T': o.tls_cert = optarg; break;
		case 'K': o.tls_key = optarg; break;
		case 'A': o.tls_ca = optarg; break;
		case 's':
			if (!tb_parse_real(optarg, 0.001, 1000, &o.scale)) {
				fprintf(stderr, "orchestrator: --scale %s: expected a factor from 0.001 "
						"to 1000\n", optarg);
				return ORC_EXIT_ERROR;
			}
			break;
		case 'P':
			if (!tb_parse_uint(optarg, 65535, &port)) {
				fprintf(stderr, "orchestrator: --control-port %s: expected 0 to 65535\n",
					optarg);
				return ORC_EXIT_ERROR;
			}
			o.control_port = (unsigned)port;
			break;
		case 'q': tb_log_setup("orchestrator", TB_CONSOLE_QUIET); o.progress = false; break;
		case 'v': tb_log_setup("orchestrator", TB_CONSOLE_VERBOSE); break;
		case 'h': orc_usage(stdout); return ORC_EXIT_OK;
		default: orc_usage(stderr); return ORC_EXIT_ERROR;
		}
	}
	if (plan_path == NULL || optind < argc) {
		fprintf(stderr, "orchestrator: %s (see --help)\n",
			plan_path == NULL ? "--plan FILE is required" : "unexpected argument");
		return ORC_EXIT_ERROR;
	}
	char err[1024];
	/* A bad plan fails before the log files are made or anything starts. */
	if (tb_plan_check(plan_path, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: %s\n", err);
		return ORC_EXIT_ERROR;
	}
	if (check_only) {
		printf("%s: a valid plan\n", plan_path);
		return ORC_EXIT_OK;
	}
	if (tb_logs_open(logs, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: %s\n", err);
		return ORC_EXIT_ERROR;
	}
	tb_stop_on_signals();
	bool passed;
	if (tb_plan_run(plan_path, &o, &passed, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: %s\n", err);
		return ORC_EXIT_ERROR;
	}
	return passed ? ORC_EXIT_OK : ORC_EXIT_REGRESSION;
}

/* cmd_report runs `orchestrator report DIR [--export FORMAT]`. */
static int cmd_report(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		orc_usage(stdout);
		return ORC_EXIT_OK;
	}
	bool export = argc == 4 && strcmp(argv[2], "--export") == 0;
	if ((argc != 2 && !export) || argv[1][0] == '-') {
		fprintf(stderr, "orchestrator: report takes one results directory, and optionally "
				"--export FORMAT (see --help)\n");
		return ORC_EXIT_ERROR;
	}
	char err[600];
	tb_report_info ro;
	if (export && tb_results_export(NULL, argv[3], err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: report: %s\n", err);
		return ORC_EXIT_ERROR;
	}
	if (tb_results_report(argv[1], &ro, err, sizeof(err)) != TB_OK ||
	    (export && tb_results_export(argv[1], argv[3], err, sizeof(err)) != TB_OK)) {
		fprintf(stderr, "orchestrator: report: %s\n", err);
		return ORC_EXIT_ERROR;
	}
	if (ro.problem[0] != '\0')
		fprintf(stderr, "orchestrator: report: %s\n", ro.problem);
	printf("report: %s (%zu of %zu graphs drawn)\n", ro.html, ro.drawn, ro.graphs);
	return ro.drawn == ro.graphs ? ORC_EXIT_OK : ORC_EXIT_ERROR;
}

/* cmd_compare runs `orchestrator compare BASE NEW [options]`. */
static int cmd_compare(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"metric", required_argument, NULL, 'm'},
		{"threshold", required_argument, NULL, 't'},
		{"format", required_argument, NULL, 'f'},
		{"allow-different-hosts", no_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	tb_compare_opts o = {.threshold = 0.05};
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm': o.metric = optarg; break;
		case 'f': o.format = optarg; break;
		case 'A': o.allow_different_hosts = true; break;
		case 't':
			if (!tb_parse_real(optarg, 0.0001, 10, &o.threshold)) {
				fprintf(stderr, "orchestrator: --threshold %s: expected a relative "
						"change such as 0.05\n", optarg);
				return ORC_EXIT_ERROR;
			}
			break;
		case 'h': orc_usage(stdout); return ORC_EXIT_OK;
		default: orc_usage(stderr); return ORC_EXIT_ERROR;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "orchestrator: compare takes two results directories, BASE_DIR "
				"and NEW_DIR (see --help)\n");
		return ORC_EXIT_ERROR;
	}
	char err[1024];
	bool regressed;
	if (tb_compare(argv[optind], argv[optind + 1], &o, stdout, &regressed, err,
		       sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: compare: %s\n", err);
		return ORC_EXIT_ERROR;
	}
	return regressed ? ORC_EXIT_REGRESSION : ORC_EXIT_OK;
}

int main(int argc, char **argv)
{
	tb_log_setup("orchestrator", TB_CONSOLE_NORMAL);
	bool help = argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0);
	/* Plan mode has no subcommand: any option list that is not a lone --help. */
	if (argc >= 2 && argv[1][0] == '-' && !help)
		return cmd_plan(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "compare") == 0)
		return cmd_compare(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return orc_cmd_run(argc - 1, argv + 1, false);
	if (argc >= 2 && strcmp(argv[1], "calibrate") == 0)
		return orc_cmd_run(argc - 1, argv + 1, true);
	if (argc >= 2 && strcmp(argv[1], "check-client") == 0)
		return orc_cmd_check_client(argc - 1, argv + 1);
	if (help) {
		orc_usage(stdout);
		return ORC_EXIT_OK;
	}
	orc_usage(stderr);
	return ORC_EXIT_ERROR;
}
