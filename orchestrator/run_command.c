/* SPDX-License-Identifier: MIT */
/* run_command.c - `orchestrator run` and `orchestrator calibrate`: options read into a
 * tb_controller's and a tb_benchmark's parameters, then one benchmark or a series of
 * them (repeats, warm-ups, traced and untraced alternating), each Result printed, and a
 * series summed up in medians. Every option reaches a field or call of
 * include/tracebench.h, as a plan's keyword does (docs/plan-format.md). */
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/units.h"
#include "orchestrator/commands.h"
#include "tracebench.h"

#define MAX_AT 32	/* a run's timed events, as in a plan */
#define MAX_ROUNDS 100

/* What `run` and `calibrate` are asked for. */
typedef struct run_args {
	const char *client, *registry, *mode;	/* mode NULL: no satellites */
	bool mode_given;
	const char *ports;	/* NULL: LightStep Benchmarks' 8360-8367, if free */
	const char *satellites_url, *sampler_url, *logs;
	const char *tls_cert, *tls_key, *tls_ca;
	tb_benchmark_params p;
	char mix[512];		/* --client NAME xN, ...: "" for one client */
	const char *at[MAX_AT];
	bool json, uncalibrated, recalibrate, alternate, stop_on_failure;
	double wps, spw, target_cpu, max_cv, quiet_host;
	double repeat, warmup;
	uint64_t period_ns;
	unsigned long port;
} run_args;

enum { O_CLIENT = 256, O_TRACE, O_NOTRACE, O_SPS, O_RUNTIME, O_SATS, O_PROTO, O_NOFLUSH,
       O_NOTIMEOUT, O_JSON, O_CLIENTS, O_REGISTRY, O_PERIOD, O_WPS, O_SPW, O_PORT, O_UNCAL,
       O_TARGET, O_RECAL, O_PORTS, O_INTERVAL, O_TLS_CERT, O_TLS_KEY, O_TLS_CA, O_AT,
       O_REPEAT, O_WARMUP, O_ALTERNATE, O_TOTAL, O_SAMPLER, O_SATS_URL, O_LOGS, O_STOP,
       O_MAX_CV, O_QUIET_HOST, O_PROXY };

/* The numeric options, with their ranges: one row each. */
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
	{O_REPEAT, "--repeat", offsetof(run_args, repeat), 1, MAX_ROUNDS, "1 to 100 rounds"},
	{O_WARMUP, "--warmup", offsetof(run_args, warmup), 0, MAX_ROUNDS - 1, "0 to 99 rounds"},
	{O_MAX_CV, "--max-cv", offsetof(run_args, max_cv), 1e-6, 10, "a ratio such as 0.05"},
	{O_QUIET_HOST, "--quiet-host", offsetof(run_args, quiet_host), 1e-6, 1024,
	 "cores of other work, such as 0.2"},
};

static const struct option longopts[] = {
	{"client", required_argument, NULL, O_CLIENT},
	{"trace", no_argument, NULL, O_TRACE},
	{"no-trace", no_argument, NULL, O_NOTRACE},
	{"sps", required_argument, NULL, O_SPS},
	{"total-sps", required_argument, NULL, O_TOTAL},
	{"runtime", required_argument, NULL, O_RUNTIME},
	{"satellites", required_argument, NULL, O_SATS},
	{"satellites-url", required_argument, NULL, O_SATS_URL},
	{"ports", required_argument, NULL, O_PORTS},
	{"sleep-interval", required_argument, NULL, O_INTERVAL},
	{"protocol", required_argument, NULL, O_PROTO},
	{"proxy", required_argument, NULL, O_PROXY},
	{"no-flush", no_argument, NULL, O_NOFLUSH},
	{"no-timeout", no_argument, NULL, O_NOTIMEOUT},
	{"json", no_argument, NULL, O_JSON},
	{"clients", required_argument, NULL, O_CLIENTS},
	{"registry", required_argument, NULL, O_REGISTRY},
	{"at", required_argument, NULL, O_AT},
	{"repeat", required_argument, NULL, O_REPEAT},
	{"warmup", required_argument, NULL, O_WARMUP},
	{"alternate", no_argument, NULL, O_ALTERNATE},
	{"stop-on-failure", no_argument, NULL, O_STOP},
	{"max-cv", required_argument, NULL, O_MAX_CV},
	{"quiet-host", required_argument, NULL, O_QUIET_HOST},
	{"sampler", required_argument, NULL, O_SAMPLER},
	{"tls-cert", required_argument, NULL, O_TLS_CERT},
	{"tls-key", required_argument, NULL, O_TLS_KEY},
	{"tls-ca", required_argument, NULL, O_TLS_CA},
	{"logs", required_argument, NULL, O_LOGS},
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

static bool real_option_take(run_args *a, int opt, const char *arg, bool *taken)
{
	*taken = false;
	for (size_t i = 0; i < sizeof(real_options) / sizeof(real_options[0]); i++) {
		const real_option *r = &real_options[i];
		if (r->opt != opt)
			continue;
		*taken = true;
		double *v = (double *)((char *)a + r->offset);
		if (tb_parse_real(arg, r->min, r->max, v) &&
		    ((opt != O_REPEAT && opt != O_WARMUP) || *v == floor(*v)))
			return true;
		fprintf(stderr, "orchestrator: %s %s: expected %s\n", r->name, arg, r->expected);
		return false;
	}
	return true;
}

/* take_client reads --client NAME, the run's client (the last one given), or --client
 * "NAME xN": the run is then a mix of every client given with a count. */
static bool take_client(run_args *a, const char *arg)
{
	char name[128];
	unsigned count = 1;
	char x[2];
	int n = sscanf(arg, "%127s x%u%1s", name, &count, x);
	if (n < 1 || n > 2 || count < 1 || count > 128 || (n == 1 && strchr(arg, ' ') != NULL)) {
		fprintf(stderr, "orchestrator: --client %s: expected NAME or NAME xN (N from 1 to "
				"128)\n", arg);
		return false;
	}
	if (n == 1 || a->client == NULL)
		a->client = arg;
	if (n == 1)
		return true;
	size_t len = strlen(a->mix);
	snprintf(a->mix + len, sizeof(a->mix) - len, "%s%s x%u", len ? ", " : "", name, count);
	a->p.mix = a->mix;
	return true;
}

/* take_clients reads --clients N, or a registry file (the older spelling of --registry). */
static bool take_clients(run_args *a, const char *arg)
{
	unsigned long n;
	if (strspn(arg, "0123456789") != strlen(arg)) {
		a->registry = arg;
		return true;
	}
	if (tb_parse_uint(arg, 128, &n) && n >= 1) {
		a->p.clients = (unsigned)n;
		return true;
	}
	fprintf(stderr, "orchestrator: --clients %s: expected 1 to 128 clients\n", arg);
	return false;
}

static bool take_duration(const char *name, const char *arg, uint64_t unit, uint64_t lo,
			  uint64_t hi, const char *expected, uint64_t *out)
{
	if (tb_parse_duration(arg, unit, out) && *out >= lo && *out <= hi)
		return true;
	fprintf(stderr, "orchestrator: %s %s: expected %s\n", name, arg, expected);
	return false;
}

/* run_option takes one option; false (message printed) when its value is bad. Modes,
 * protocols and events are checked where they are used, with the same message. */
static bool run_option(run_args *a, int opt, const char *arg)
{
	bool taken, ok = real_option_take(a, opt, arg, &taken);
	if (taken)
		return ok;
	switch (opt) {
	case O_CLIENT: return take_client(a, arg);
	case O_CLIENTS: return take_clients(a, arg);
	case O_REGISTRY: a->registry = arg; return true;
	case O_TOTAL:
		a->p.total_sps = true;
		return real_option_take(a, O_SPS, arg, &taken);
	case O_TRACE: a->p.trace = true; return true;
	case O_NOTRACE: a->p.trace = false; return true;
	case O_SATS:
		a->mode = strcmp(arg, "none") != 0 ? arg : NULL;
		a->mode_given = true;
		return true;
	case O_SATS_URL: a->satellites_url = arg; return true;
	case O_PORTS: a->ports = arg; return true;
	case O_INTERVAL:
		return take_duration("--sleep-interval", arg, TB_NS_PER_MS, TB_NS_PER_US,
				     10 * TB_NS_PER_S, "a duration from 1us to 10s (100ms)",
				     &a->p.sleep_interval_ns);
	case O_PERIOD:
		return take_duration("--period", arg, TB_NS_PER_MS, TB_NS_PER_MS, 60 * TB_NS_PER_S,
				     "1ms to 60s", &a->period_ns);
	case O_AT:
		if (a->p.nevents == MAX_AT) {
			fprintf(stderr, "orchestrator: --at %s: at most %d events\n", arg, MAX_AT);
			return false;
		}
		a->at[a->p.nevents++] = arg;
		a->p.events = a->at;
		return true;
	case O_PROTO: a->p.protocol = arg; return true;
	case O_PROXY: a->p.proxy = arg; return true;
	case O_NOFLUSH: a->p.no_flush = true; return true;
	case O_NOTIMEOUT: a->p.no_timeout = true; return true;
	case O_JSON: a->json = true; return true;
	case O_ALTERNATE: a->alternate = true; return true;
	case O_STOP: a->stop_on_failure = true; return true;
	case O_SAMPLER: a->sampler_url = arg; return true;
	case O_TLS_CERT: a->tls_cert = arg; return true;
	case O_TLS_KEY: a->tls_key = arg; return true;
	case O_TLS_CA: a->tls_ca = arg; return true;
	case O_LOGS: a->logs = arg; return true;
	case O_PORT:
		if (tb_parse_uint(arg, 65535, &a->port))
			return true;
		fprintf(stderr, "orchestrator: --control-port %s: expected 0 to 65535\n", arg);
		return false;
	case O_UNCAL: a->uncalibrated = true; return true;
	case O_RECAL: a->recalibrate = true; return true;
	case 'q': tb_log_setup("orchestrator", TB_CONSOLE_QUIET); return true;
	case 'v': tb_log_setup("orchestrator", TB_CONSOLE_VERBOSE); return true;
	default: orc_usage(stderr); return false;
	}
}

/* check_args: what the options say together. Returns -1 to go on, else the exit status. */
static int check_args(const run_args *a, bool calibrate_only)
{
	if (calibrate_only && a->client == NULL) {
		fprintf(stderr, "orchestrator calibrate: --client is required\n");
		return ORC_EXIT_ERROR;
	}
	if (!calibrate_only && (a->client == NULL || a->p.spans_per_second == 0 ||
				a->p.runtime_s == 0)) {
		fprintf(stderr, "orchestrator run: --client, --sps (or --total-sps) and --runtime "
				"are required\n");
		return ORC_EXIT_ERROR;
	}
	if (a->p.mix != NULL && a->p.clients > 1) {
		fprintf(stderr, "orchestrator run: --clients N copies one client; with --client "
				"NAME xN, give each client's count there\n");
		return ORC_EXIT_ERROR;
	}
	if (a->warmup >= fmax(a->repeat, 1)) {
		fprintf(stderr, "orchestrator run: --warmup %.0f leaves no round of --repeat %.0f "
				"to count\n", a->warmup, fmax(a->repeat, 1));
		return ORC_EXIT_ERROR;
	}
	return -1;
}

/* parse_run_args fills a. Returns -1 to go on, else the exit status. */
static int parse_run_args(int argc, char **argv, bool calibrate_only, run_args *a)
{
	*a = (run_args){.p = {.trace = true}, .mode = "typical", .target_cpu = 0.7,
			.recalibrate = calibrate_only, .period_ns = 100 * TB_NS_PER_MS,
			.port = TB_CONTROL_PORT_DEFAULT, .repeat = 1, .logs = "logs"};
	argc = orc_join_counts(argc, argv);
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
		if (opt == 'h') {
			orc_usage(stdout);
			return ORC_EXIT_OK;
		}
		if (!run_option(a, opt, optarg))
			return ORC_EXIT_ERROR;
	}
	if (optind < argc) {
		fprintf(stderr, "orchestrator: unexpected argument \"%s\" (see run --help)\n",
			argv[optind]);
		return ORC_EXIT_ERROR;
	}
	return check_args(a, calibrate_only);
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

/* open_satellites starts the group --satellites asks for, or reaches the agent of
 * --satellites-url (in --satellites' mode when given, else its own). */
static int open_satellites(tb_controller *c, const run_args *a, tb_satellites **sats)
{
	char err[512];
	*sats = NULL;
	if (a->satellites_url != NULL) {
		const char *mode = a->mode_given ? a->mode : NULL;
		if (tb_satellites_attach(sats, c, a->satellites_url, mode, err, sizeof(err)) ==
		    TB_OK)
			return TB_OK;
		fprintf(stderr, "orchestrator: --satellites-url %s: %s\n", a->satellites_url, err);
		return TB_EINVAL;
	}
	if (a->mode == NULL ||
	    tb_satellites_open_ports(sats, c, a->mode, a->ports, err, sizeof(err)) == TB_OK)
		return TB_OK;
	fprintf(stderr, "orchestrator: --satellites %s: %s\n", a->mode, err);
	return TB_EINVAL;
}

/* cmd_run runs `run`, or with calibrate_only, `calibrate`. */
int orc_cmd_run(int argc, char **argv, bool calibrate_only)
{
	run_args a;
	int status = parse_run_args(argc, argv, calibrate_only, &a);
	if (status >= 0)
		return status;
	char err[1024];
	if (tb_logs_open(a.logs, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: %s\n", err);
		return ORC_EXIT_ERROR;
	}
	tb_stop_on_signals();
	tb_controller_opts co = {.clients_file = a.registry, .target_cpu = a.target_cpu,
				 .sample_period_ns = a.period_ns, .control_port = (unsigned)a.port,
				 .progress = isatty(STDERR_FILENO) && !a.json,
				 .sampler_url = a.sampler_url, .tls_cert = a.tls_cert,
				 .tls_key = a.tls_key, .tls_ca = a.tls_ca};
	char name[128];
	sscanf(a.client, "%127s", name);
	tb_controller *c;
	tb_satellites *sats = NULL;
	if (tb_controller_open(&c, name, &co, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: %s\n", err);
		return ORC_EXIT_ERROR;
	}
	status = ORC_EXIT_ERROR;
	if ((!calibrate_only && open_satellites(c, &a, &sats) != TB_OK) ||
	    pace(c, &a, calibrate_only) != TB_OK)
		goto out;
	orc_series s = {.p = a.p, .json = a.json, .repeat = (unsigned)a.repeat,
			.warmup = (unsigned)a.warmup, .alternate = a.alternate,
			.stop_on_failure = a.stop_on_failure, .max_cv = a.max_cv,
			.quiet_host = a.quiet_host};
	status = calibrate_only ? ORC_EXIT_OK : orc_series_run(c, sats, &s);
out:
	tb_satellites_close(sats);
	tb_controller_close(c);
	return status;
}
