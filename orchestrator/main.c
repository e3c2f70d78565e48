/* SPDX-License-Identifier: MIT */
/* main.c - the orchestrator's command line: `--plan FILE`, `run`, `calibrate`, `report`
 * and `compare`, each a few calls of include/tracebench.h, and their outcomes mapped to
 * exit statuses. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/units.h"
#include "tracebench.h"

/* Exit statuses: the plan's assertions held / a regression (or a failed run) / an error. */
enum { EXIT_OK = 0, EXIT_REGRESSION = 1, EXIT_ERROR = 2 };

static void usage(FILE *out)
{
	fprintf(out,
		"usage: orchestrator --plan FILE [--results DIR] [--client NAME] [--clients FILE]\n"
		"                    [--scale F] [--control-port N] [--logs DIR] [--quiet|--verbose]\n"
		"                    [--export github-benchmark] [--check] [--budget NAME=VALUE]\n"
		"                    [--tls-cert FILE --tls-key FILE --tls-ca FILE]\n"
		"       orchestrator run --client NAME --sps N --runtime S [options]\n"
		"       orchestrator calibrate --client NAME [--target-cpu 0.7]\n"
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
		"report: draws the graphs of a results directory with gnuplot (DIR/graphs/) and\n"
		"writes DIR/report.html (graphs, runs, assertions, environment, raw data).\n"
		"\n"
		"run: one benchmark. Starts satellites and a sampler on this host, has the\n"
		"sampler launch the client NAME from the registry, serves its control channel,\n"
		"and prints the Result (exit 0; 1 if the run failed; 2 on an error). The client\n"
		"is calibrated first (cached per client and host): see `calibrate`.\n"
		"\n"
		"  --client NAME        a client in --clients\n"
		"  --trace, --no-trace  the reporting tracer (default) or NoOp\n"
		"  --sps N              spans per second to generate\n"
		"  --runtime S          seconds to generate them for\n"
		"  --satellites MODE    typical (default), slow_succeed, slow_fail, or none (the\n"
		"                       client reports to a port nothing listens on)\n"
		"  --ports LIST         the satellites' ports (8360-8363, or 0,0 for two free\n"
		"                       ones); default LightStep Benchmarks' 8360-8367, or free\n"
		"                       ports with a warning when one of those is taken\n"
		"  --sleep-interval DUR the client pays its sleep in chunks of DUR (default:\n"
		"                       100ms for argv clients, 1ms for the others)\n"
		"  --protocol P         lightstep (default) or otlp\n"
		"  --no-flush           the client exits without flushing its tracer\n"
		"  --no-timeout         never kill the client (default: after 2 x runtime + 5 s)\n"
		"  --json               print the Result as one JSON object\n"
		"  --clients FILE       the client registry (default ./clients.conf, else the\n"
		"                       installed PREFIX/share/tracebench/clients.conf)\n"
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

/* What `run` and `calibrate` are asked for. */
typedef struct run_args {
	const char *client, *clients, *mode;	/* mode NULL: no satellites */
	const char *ports;	/* NULL: LightStep Benchmarks' 8360-8367, if free */
	tb_benchmark_params p;
	bool json, uncalibrated, recalibrate;
	double wps, spw, target_cpu;
	uint64_t period_ns;
	unsigned long port;
} run_args;

enum { O_CLIENT = 256, O_TRACE, O_NOTRACE, O_SPS, O_RUNTIME, O_SATS, O_PROTO, O_NOFLUSH,
       O_NOTIMEOUT, O_JSON, O_CLIENTS, O_PERIOD, O_WPS, O_SPW, O_PORT, O_UNCAL, O_TARGET,
       O_RECAL, O_PORTS, O_INTERVAL, O_TLS_CERT, O_TLS_KEY, O_TLS_CA };

/* The numeric options of `run`, with their ranges: one row each. */
typedef struct real_option {
	int opt;
	const char *name;
	size_t offset;		/* of the double in run_args */
	double min, max;
	const char *expected;
} real_option;

static const real_option real_options[] = {
	{O_SPS, "--sps", offsetof(run_args, p.spans_per_second), 1e-9, 10e6, "0 < N <= 10000000"},
	{O_RUNTIME, "--runtime", offsetof(run_args, p.runtime_s), 1e-9, 86400,
	 "seconds, 0 < S <= 86400"},
	{O_WPS, "--work-per-second", offsetof(run_args, wps), 1e-9, 1e18, "a number > 0"},
	{O_SPW, "--sleep-per-work", offsetof(run_args, spw), 0, 1e18, "ns >= 0"},
	{O_TARGET, "--target-cpu", offsetof(run_args, target_cpu), 0.05, 0.95, "0.05 to 0.95"},
};

/* run_option takes one option of `run`; false (message printed) when its value is bad.
 * Modes and protocols are checked where they are used, with the same message. */
static bool run_option(run_args *a, int opt, const char *arg)
{
	for (size_t i = 0; i < sizeof(real_options) / sizeof(real_options[0]); i++) {
		const real_option *r = &real_options[i];
		if (r->opt != opt)
			continue;
		if (tb_parse_real(arg, r->min, r->max, (double *)((char *)a + r->offset)))
			return true;
		fprintf(stderr, "orchestrator: %s %s: expected %s\n", r->name, arg, r->expected);
		return false;
	}
	switch (opt) {
	case O_CLIENT: a->client = arg; return true;
	case O_TRACE: a->p.trace = true; return true;
	case O_NOTRACE: a->p.trace = false; return true;
	case O_SATS: a->mode = strcmp(arg, "none") != 0 ? arg : NULL; return true;
	case O_PORTS: a->ports = arg; return true;
	case O_INTERVAL:
		if (tb_parse_duration(arg, TB_NS_PER_MS, &a->p.sleep_interval_ns) &&
		    a->p.sleep_interval_ns >= TB_NS_PER_US && a->p.sleep_interval_ns <= 10 * TB_NS_PER_S)
			return true;
		fprintf(stderr, "orchestrator run: --sleep-interval %s: expected a duration from "
				"1us to 10s (100ms)\n", arg);
		return false;
	case O_PROTO: a->p.protocol = arg; return true;
	case O_NOFLUSH: a->p.no_flush = true; return true;
	case O_NOTIMEOUT: a->p.no_timeout = true; return true;
	case O_JSON: a->json = true; return true;
	case O_CLIENTS: a->clients = arg; return true;
	case O_PERIOD:
		if (tb_parse_duration(arg, 1000000, &a->period_ns) && a->period_ns >= 1000000 &&
		    a->period_ns <= 60000000000ull)
			return true;
		fprintf(stderr, "orchestrator: --period %s: expected 1ms to 60s\n", arg);
		return false;
	case O_PORT:
		if (tb_parse_uint(arg, 65535, &a->port))
			return true;
		fprintf(stderr, "orchestrator: --control-port %s: expected 0 to 65535\n", arg);
		return false;
	case O_UNCAL: a->uncalibrated = true; return true;
	case O_RECAL: a->recalibrate = true; return true;
	case 'q': tb_log_setup("orchestrator", TB_CONSOLE_QUIET); return true;
	case 'v': tb_log_setup("orchestrator", TB_CONSOLE_VERBOSE); return true;
	default: usage(stderr); return false;
	}
}

/* parse_run_args fills a. Returns -1 to go on, else the exit status. */
static int parse_run_args(int argc, char **argv, bool calibrate_only, run_args *a)
{
	static const struct option longopts[] = {
		{"client", required_argument, NULL, O_CLIENT},
		{"trace", no_argument, NULL, O_TRACE},
		{"no-trace", no_argument, NULL, O_NOTRACE},
		{"sps", required_argument, NULL, O_SPS},
		{"runtime", required_argument, NULL, O_RUNTIME},
		{"satellites", required_argument, NULL, O_SATS},
		{"ports", required_argument, NULL, O_PORTS},
		{"sleep-interval", required_argument, NULL, O_INTERVAL},
		{"protocol", required_argument, NULL, O_PROTO},
		{"no-flush", no_argument, NULL, O_NOFLUSH},
		{"no-timeout", no_argument, NULL, O_NOTIMEOUT},
		{"json", no_argument, NULL, O_JSON},
		{"clients", required_argument, NULL, O_CLIENTS},
		{"period", required_argument, NULL, O_PERIOD},
		{"work-per-second", required_argument, NULL, O_WPS},
		{"sleep-per-work", required_argument, NULL, O_SPW},
		{"control-port", required_argument, NULL, O_PORT},
		{"uncalibrated", no_argument, NULL, O_UNCAL},
		{"target-cpu", required_argument, NULL, O_TARGET},
		{"recalibrate", no_argument, NULL, O_RECAL},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	*a = (run_args){.p = {.trace = true}, .mode = "typical", .target_cpu = 0.7,
			.recalibrate = calibrate_only, .period_ns = 100000000,
			.port = TB_CONTROL_PORT_DEFAULT};
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		if (!run_option(a, opt, optarg))
			return EXIT_ERROR;
	}
	if (optind < argc) {
		fprintf(stderr, "orchestrator: unexpected argument \"%s\" (see run --help)\n",
			argv[optind]);
		return EXIT_ERROR;
	}
	if (calibrate_only && a->client == NULL) {
		fprintf(stderr, "orchestrator calibrate: --client is required\n");
		return EXIT_ERROR;
	}
	if (!calibrate_only && (a->client == NULL || a->p.spans_per_second == 0 ||
				a->p.runtime_s == 0)) {
		fprintf(stderr, "orchestrator run: --client, --sps and --runtime are required\n");
		return EXIT_ERROR;
	}
	return -1;
}

/* run_once performs a's benchmark and prints its Result. Returns the exit status. */
static int run_once(tb_controller *c, tb_satellites *sats, run_args *a)
{
	char err[512];
	tb_result *r;
	if (tb_benchmark(c, sats, &a->p, &r, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: run failed: %s\n", err);
		return EXIT_ERROR;
	}
	if (a->json) {
		char *text = tb_result_json(r);
		printf("%s\n", text ? text : "{}");
		free(text);
	} else {
		tb_result_print(r, stdout);
	}
	double failed = 0;
	tb_result_number(r, "failed", &failed);
	tb_result_free(r);
	return failed != 0 ? EXIT_REGRESSION : EXIT_OK;
}

/* pace gives the controller its calibration: from the command line, none (sleep alone),
 * or calibrated (from the cache unless --recalibrate). */
static int pace(tb_controller *c, run_args *a, bool calibrate_only)
{
	char err[512];
	tb_calibration cal = {.target_cpu = a->target_cpu, .work_per_second = a->wps,
			      .sleep_per_work_ns = a->spw};
	if (!calibrate_only && (a->uncalibrated || a->wps > 0)) {
		if (a->uncalibrated)
			cal.work_per_second = 0;
		tb_controller_set_calibration(c, &cal);
		return TB_OK;
	}
	int rc = tb_calibrate(c, a->recalibrate, &cal, err, sizeof(err));
	if (rc != TB_OK) {
		fprintf(stderr, "orchestrator: %s\n", err);
		return rc;
	}
	if (calibrate_only)
		printf("calibration of %s: target %.0f%% CPU, work_per_second %.0f, sleep_per_work "
		       "%.3f ns (measured %.1f%%)\n", a->client, 100 * cal.target_cpu,
		       cal.work_per_second, cal.sleep_per_work_ns, 100 * cal.measured_cpu);
	return TB_OK;
}

/* cmd_run runs `run`, or with calibrate_only, `calibrate`. */
static int cmd_run(int argc, char **argv, bool calibrate_only)
{
	run_args a;
	int status = parse_run_args(argc, argv, calibrate_only, &a);
	if (status >= 0)
		return status;
	char err[1024];
	if (tb_logs_open("logs", err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: %s\n", err);
		return EXIT_ERROR;
	}
	tb_stop_on_signals();
	tb_controller_opts co = {.clients_file = a.clients, .target_cpu = a.target_cpu,
				 .sample_period_ns = a.period_ns, .control_port = (unsigned)a.port,
				 .progress = isatty(STDERR_FILENO) && !a.json};
	tb_controller *c;
	tb_satellites *sats = NULL;
	if (tb_controller_open(&c, a.client, &co, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: %s\n", err);
		return EXIT_ERROR;
	}
	status = EXIT_ERROR;
	if (a.mode != NULL && !calibrate_only &&
	    tb_satellites_open_ports(&sats, c, a.mode, a.ports, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: --satellites %s: %s\n", a.mode, err);
		goto out;
	}
	if (pace(c, &a, calibrate_only) != TB_OK)
		goto out;
	status = calibrate_only ? EXIT_OK : run_once(c, sats, &a);
out:
	tb_satellites_close(sats);
	tb_controller_close(c);
	return status;
}

/* cmd_plan runs `orchestrator --plan FILE ...`. */
static int cmd_plan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"plan", required_argument, NULL, 'p'},
		{"results", required_argument, NULL, 'r'},
		{"client", required_argument, NULL, 'c'},
		{"clients", required_argument, NULL, 'C'},
		{"control-port", required_argument, NULL, 'P'},
		{"logs", required_argument, NULL, 'L'},
		{"scale", required_argument, NULL, 's'},
		{"export", required_argument, NULL, 'E'},
		{"tls-cert", required_argument, NULL, O_TLS_CERT},
		{"tls-key", required_argument, NULL, O_TLS_KEY},
		{"tls-ca", required_argument, NULL, O_TLS_CA},
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
				return EXIT_ERROR;
			}
			budgets[o.nbudgets++] = optarg;
			o.budgets = budgets;
			break;
		case 'E': o.export_format = optarg; break;
		case O_TLS_CERT: o.tls_cert = optarg; break;
		case O_TLS_KEY: o.tls_key = optarg; break;
		case O_TLS_CA: o.tls_ca = optarg; break;
		case 's':
			if (!tb_parse_real(optarg, 0.001, 1000, &o.scale)) {
				fprintf(stderr, "orchestrator: --scale %s: expected a factor from 0.001 "
						"to 1000\n", optarg);
				return EXIT_ERROR;
			}
			break;
		case 'P':
			if (!tb_parse_uint(optarg, 65535, &port)) {
				fprintf(stderr, "orchestrator: --control-port %s: expected 0 to 65535\n",
					optarg);
				return EXIT_ERROR;
			}
			o.control_port = (unsigned)port;
			break;
		case 'q': tb_log_setup("orchestrator", TB_CONSOLE_QUIET); o.progress = false; break;
		case 'v': tb_log_setup("orchestrator", TB_CONSOLE_VERBOSE); break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_ERROR;
		}
	}
	if (plan_path == NULL || optind < argc) {
		fprintf(stderr, "orchestrator: %s (see --help)\n",
			plan_path == NULL ? "--plan FILE is required" : "unexpected argument");
		return EXIT_ERROR;
	}
	char err[1024];
	/* A bad plan fails before the log files are made or anything starts. */
	if (tb_plan_check(plan_path, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: %s\n", err);
		return EXIT_ERROR;
	}
	if (check_only) {
		printf("%s: a valid plan\n", plan_path);
		return EXIT_OK;
	}
	if (tb_logs_open(logs, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: %s\n", err);
		return EXIT_ERROR;
	}
	tb_stop_on_signals();
	bool passed;
	if (tb_plan_run(plan_path, &o, &passed, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: %s\n", err);
		return EXIT_ERROR;
	}
	return passed ? EXIT_OK : EXIT_REGRESSION;
}

/* cmd_report runs `orchestrator report DIR [--export FORMAT]`. */
static int cmd_report(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return EXIT_OK;
	}
	bool export = argc == 4 && strcmp(argv[2], "--export") == 0;
	if ((argc != 2 && !export) || argv[1][0] == '-') {
		fprintf(stderr, "orchestrator: report takes one results directory, and optionally "
				"--export FORMAT (see --help)\n");
		return EXIT_ERROR;
	}
	char err[600];
	tb_report_info ro;
	if (export && tb_results_export(NULL, argv[3], err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: report: %s\n", err);
		return EXIT_ERROR;
	}
	if (tb_results_report(argv[1], &ro, err, sizeof(err)) != TB_OK ||
	    (export && tb_results_export(argv[1], argv[3], err, sizeof(err)) != TB_OK)) {
		fprintf(stderr, "orchestrator: report: %s\n", err);
		return EXIT_ERROR;
	}
	if (ro.problem[0] != '\0')
		fprintf(stderr, "orchestrator: report: %s\n", ro.problem);
	printf("report: %s (%zu of %zu graphs drawn)\n", ro.html, ro.drawn, ro.graphs);
	return ro.drawn == ro.graphs ? EXIT_OK : EXIT_ERROR;
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
				return EXIT_ERROR;
			}
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_ERROR;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "orchestrator: compare takes two results directories, BASE_DIR "
				"and NEW_DIR (see --help)\n");
		return EXIT_ERROR;
	}
	char err[1024];
	bool regressed;
	if (tb_compare(argv[optind], argv[optind + 1], &o, stdout, &regressed, err,
		       sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: compare: %s\n", err);
		return EXIT_ERROR;
	}
	return regressed ? EXIT_REGRESSION : EXIT_OK;
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
		return cmd_run(argc - 1, argv + 1, false);
	if (argc >= 2 && strcmp(argv[1], "calibrate") == 0)
		return cmd_run(argc - 1, argv + 1, true);
	if (help) {
		usage(stdout);
		return EXIT_OK;
	}
	usage(stderr);
	return EXIT_ERROR;
}
