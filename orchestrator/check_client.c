/* SPDX-License-Identifier: MIT */
/* check_client.c - `orchestrator check-client NAME`: two short benchmarks of a
 * registered client against real satellites (a traced run, then a NoOp one), and a
 * verdict on each thing a client must do to take part in a benchmark, every mistake
 * named. The verdicts read the same Result fields a plan's assertions do. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/units.h"
#include "orchestrator/commands.h"
#include "tracebench.h"

/* What the two runs showed, read once from their Results. */
typedef struct observed {
	const char *mode;		/* "http", "argv", or NULL: unknown */
	double sps, runtime_s;		/* asked */
	/* the traced run */
	bool failed, timed_out, told_result;
	double exit_code, signal, sent, received, duplicates, unexplained, clock, elapsed;
	double dropped;			/* NAN: the tracer does not tell */
	char failure[256];
	/* the NoOp run */
	bool noop_failed;
	double noop_received;
	char noop_failure[256];
} observed;

typedef enum verdict { V_OK, V_WARN, V_FAIL, V_SKIP } verdict;
static const char *const verdict_names[] = {"ok", "warn", "FAIL", "skip"};

/* A check: what the client must do, and the judge that says whether it did. why gets
 * the named mistake (or, for ok, what was seen). A check of what the traced run sent
 * (of_spans) is skipped when that run failed without a result: there is nothing to judge. */
typedef struct check {
	const char *what;
	verdict (*judge)(const observed *o, char *why, size_t len);
	bool of_spans;
} check;

static verdict exits_cleanly(const observed *o, char *why, size_t len)
{
	if (o->timed_out) {
		snprintf(why, len, "hangs: still running %.0f s after it started, so it was killed",
			 o->elapsed);
		return V_FAIL;
	}
	if (o->signal > 0) {
		snprintf(why, len, "crashes: killed by signal %.0f (%s)", o->signal,
			 strsignal((int)o->signal));
		return V_FAIL;
	}
	if (o->exit_code != 0) {
		snprintf(why, len, "crashes: exited with status %.0f", o->exit_code);
		return V_FAIL;
	}
	snprintf(why, len, "exit status 0 after %.1f s", o->elapsed);
	return V_OK;
}

static verdict posts_result(const observed *o, char *why, size_t len)
{
	if (o->told_result) {
		snprintf(why, len, "SpansSent %.0f, ProgramTime and ClockTime %.2f s", o->sent,
			 o->clock);
		return V_OK;
	}
	if (o->mode != NULL && strcmp(o->mode, "argv") == 0) {
		snprintf(why, len, "no result printed: the harness's own figures stand in, as "
				   "for LightStep Benchmarks' clients");
		return V_WARN;
	}
	snprintf(why, len, "no result: it exited without POST /result");
	return V_FAIL;
}

static verdict counts_spans(const observed *o, char *why, size_t len)
{
	double asked = round(o->sps * o->runtime_s);
	if (!o->told_result) {
		snprintf(why, len, "no result to check");
		return V_SKIP;
	}
	if (o->sent != asked) {
		snprintf(why, len, "wrong spans count: SpansSent is %.0f, the command's Repeat "
				   "was %.0f", o->sent, asked);
		return V_FAIL;
	}
	snprintf(why, len, "SpansSent %.0f = Repeat", o->sent);
	return V_OK;
}

static verdict reports(const observed *o, char *why, size_t len)
{
	if (o->received == 0) {
		bool argv = o->mode != NULL && strcmp(o->mode, "argv") == 0;
		snprintf(why, len, "never reports: the satellites received no span of its %.0f "
				   "in %.1f s%s", o->sent, o->elapsed,
			 argv ? " (an argv client reports where TB_SATELLITES says, or to "
				"127.0.0.1:8360 when fixed there: check without --ports)" : "");
		return V_FAIL;
	}
	snprintf(why, len, "the satellites received %.0f spans", o->received);
	return V_OK;
}

static verdict keeps_rate(const observed *o, char *why, size_t len)
{
	/* Sleep is owed per span, so a client that sleeps cannot finish much sooner than
	 * asked on any machine; one that is slow may only be on a slow machine. */
	double took = o->told_result ? o->clock : o->elapsed;
	if (took < 0.7 * o->runtime_s) {
		snprintf(why, len, "ignores the rate: its spans took %.2f s, %.1f s were asked "
				   "for (%.0f spans/s): it does not sleep the Sleep owed per span",
			 took, o->runtime_s, o->sps);
		return V_FAIL;
	}
	if (took > 2 * o->runtime_s + 1) {
		snprintf(why, len, "falls behind: its spans took %.2f s, %.1f s were asked for",
			 took, o->runtime_s);
		return V_WARN;
	}
	snprintf(why, len, "%.2f s for %.1f s asked", took, o->runtime_s);
	return V_OK;
}

static verdict counted_once(const observed *o, char *why, size_t len)
{
	if (o->duplicates > 0) {
		snprintf(why, len, "sends duplicates: %.0f spans arrived more than once",
			 o->duplicates);
		return V_FAIL;
	}
	if (o->unexplained > 0 && isnan(o->dropped)) {
		snprintf(why, len, "%.0f of %.0f spans did not arrive, and the tracer does not say "
				   "what it dropped (SpansDropped)", o->unexplained, o->sent);
		return V_WARN;
	}
	if (o->unexplained > 0) {
		snprintf(why, len, "loses spans: %.0f of %.0f neither arrived nor were counted "
				   "dropped by the tracer", o->unexplained, o->sent);
		return V_FAIL;
	}
	snprintf(why, len, "sent %.0f = received %.0f + dropped %.0f", o->sent, o->received,
		 isnan(o->dropped) ? 0 : o->dropped);
	return V_OK;
}

static verdict noop_is_silent(const observed *o, char *why, size_t len)
{
	if (o->noop_failed) {
		snprintf(why, len, "the NoOp run failed: %s", o->noop_failure);
		return V_FAIL;
	}
	if (o->noop_received > 0) {
		snprintf(why, len, "reports without tracing: its NoOp run (Trace false) sent %.0f "
				   "spans", o->noop_received);
		return V_FAIL;
	}
	snprintf(why, len, "its NoOp run sent nothing");
	return V_OK;
}

/* The checks, in the order a client meets them. */
static const check checks[] = {
	{"exits cleanly", exits_cleanly, false},
	{"posts its result", posts_result, false},
	{"generates Repeat spans", counts_spans, true},
	{"reports to the satellites", reports, true},
	{"keeps the rate asked for", keeps_rate, true},
	{"every span counted once", counted_once, true},
	{"NoOp sends nothing", noop_is_silent, false},
};
#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

static double number(const tb_result *r, const char *name)
{
	double v;
	return tb_result_number(r, name, &v) == TB_OK ? v : NAN;
}

static void observe_traced(const tb_result *r, observed *o)
{
	o->failed = number(r, "failed") == 1;
	o->timed_out = number(r, "timed_out") == 1;
	o->told_result = number(r, "client_result") == 1;
	o->exit_code = number(r, "exit_code");
	o->signal = number(r, "signal");
	o->sent = number(r, "spans_sent");
	o->received = number(r, "spans_received");
	o->duplicates = number(r, "duplicates");
	o->unexplained = number(r, "unexplained");
	o->clock = number(r, "clock_time");
	o->elapsed = number(r, "elapsed");
	o->dropped = number(r, "client_dropped");
	const char *f = tb_result_string(r, "failure");
	snprintf(o->failure, sizeof(o->failure), "%s", f ? f : "");
}

/* What `check-client` is asked for. */
typedef struct check_args {
	const char *client, *registry, *ports, *logs, *protocol;
	double sps, runtime_s;
	unsigned long port;
} check_args;

static void check_usage(FILE *out)
{
	fprintf(out,
		"usage: orchestrator check-client NAME [--registry FILE] [--sps N] [--runtime S]\n"
		"                    [--protocol P] [--ports LIST] [--control-port N] [--logs DIR]\n"
		"\n"
		"Checks that a registered client takes part in a benchmark as it must\n"
		"(docs/clients.md): a traced run of --runtime S (3) at --sps N (200) against real\n"
		"satellites, then a NoOp run, and a verdict on each check: it exits cleanly, posts\n"
		"its result, generates Repeat spans, reports to the satellites, keeps the rate,\n"
		"every span is counted once, and its NoOp run sends nothing. Each mistake is named:\n"
		"crashes, hangs, no result, wrong spans count, never reports, ignores the rate,\n"
		"loses spans, sends duplicates, reports without tracing.\n"
		"Exit 0: every check passed (warnings allowed); 1: a check failed; 2: an error.\n");
}

/* parse_check_args fills a. Returns -1 to go on, else the exit status. */
static int parse_check_args(int argc, char **argv, check_args *a)
{
	static const struct option longopts[] = {
		{"registry", required_argument, NULL, 'r'}, {"clients", required_argument, NULL, 'r'},
		{"sps", required_argument, NULL, 's'},	    {"runtime", required_argument, NULL, 't'},
		{"protocol", required_argument, NULL, 'P'}, {"ports", required_argument, NULL, 'p'},
		{"control-port", required_argument, NULL, 'c'},
		{"logs", required_argument, NULL, 'l'},	    {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	*a = (check_args){.sps = 200, .runtime_s = 3, .logs = "logs",
			  .port = TB_CONTROL_PORT_DEFAULT};
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		bool ok = true;
		switch (opt) {
		case 'r': a->registry = optarg; break;
		case 'P': a->protocol = optarg; break;
		case 'p': a->ports = optarg; break;
		case 'l': a->logs = optarg; break;
		case 's': ok = tb_parse_real(optarg, 1, 100000, &a->sps); break;
		case 't': ok = tb_parse_real(optarg, 0.5, 600, &a->runtime_s); break;
		case 'c': ok = tb_parse_uint(optarg, 65535, &a->port); break;
		case 'h': check_usage(stdout); return ORC_EXIT_OK;
		default: check_usage(stderr); return ORC_EXIT_ERROR;
		}
		if (!ok) {
			fprintf(stderr, "orchestrator check-client: %s %s: out of range (see "
					"--help)\n", argv[optind - 2], optarg);
			return ORC_EXIT_ERROR;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "orchestrator check-client: name one client of the registry (see "
				"--help)\n");
		return ORC_EXIT_ERROR;
	}
	a->client = argv[optind];
	return -1;
}

/* run_both performs the traced and the NoOp run and fills o. */
static int run_both(tb_controller *c, tb_satellites *sats, const check_args *a, observed *o,
		    char *err, size_t errlen)
{
	tb_benchmark_params p = {.trace = true, .spans_per_second = a->sps,
				 .runtime_s = a->runtime_s, .protocol = a->protocol};
	tb_result *r;
	int rc = tb_benchmark(c, sats, &p, &r, err, errlen);
	if (rc != TB_OK)
		return rc;
	observe_traced(r, o);
	tb_result_free(r);
	p.trace = false;
	p.runtime_s = fmin(a->runtime_s, 1);
	if ((rc = tb_benchmark(c, sats, &p, &r, err, errlen)) != TB_OK)
		return rc;
	o->noop_failed = number(r, "failed") == 1;
	o->noop_received = number(r, "spans_received");
	const char *f = tb_result_string(r, "failure");
	snprintf(o->noop_failure, sizeof(o->noop_failure), "%s", f ? f : "");
	tb_result_free(r);
	return TB_OK;
}

/* judge prints each check's verdict; returns how many failed. */
static int judge(const observed *o, FILE *out)
{
	int failed = 0;
	for (size_t i = 0; i < NCHECKS; i++) {
		char why[400];
		verdict v;
		if (checks[i].of_spans && o->failed && !o->told_result) {
			v = V_SKIP;
			snprintf(why, sizeof(why), "the traced run failed: %s", o->failure);
		} else {
			v = checks[i].judge(o, why, sizeof(why));
		}
		failed += v == V_FAIL;
		fprintf(out, "  %-5s %-26s %s\n", verdict_names[v], checks[i].what, why);
	}
	return failed;
}

int orc_cmd_check_client(int argc, char **argv)
{
	check_args a;
	int status = parse_check_args(argc, argv, &a);
	if (status >= 0)
		return status;
	char err[1024];
	if (tb_logs_open(a.logs, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "orchestrator: %s\n", err);
		return ORC_EXIT_ERROR;
	}
	tb_stop_on_signals();
	tb_controller_opts co = {.clients_file = a.registry, .control_port = (unsigned)a.port};
	tb_controller *c = NULL;
	tb_satellites *sats = NULL;
	status = ORC_EXIT_ERROR;
	if (tb_controller_open(&c, a.client, &co, err, sizeof(err)) != TB_OK ||
	    tb_satellites_open_ports(&sats, c, "typical", a.ports, err, sizeof(err)) != TB_OK)
		goto out;
	/* Paced by sleep alone: what is checked does not need a calibration. */
	tb_controller_set_calibration(c, &(tb_calibration){.target_cpu = 0.7});
	observed o = {.mode = tb_controller_client_mode(c), .sps = a.sps,
		      .runtime_s = a.runtime_s};
	printf("check-client %s (%s mode): %.0f spans at %.0f spans/s, then a NoOp run\n",
	       a.client, o.mode ? o.mode : "remote", round(a.sps * a.runtime_s), a.sps);
	fflush(stdout);
	if (run_both(c, sats, &a, &o, err, sizeof(err)) != TB_OK)
		goto out;
	int failed = judge(&o, stdout);
	printf("%s: %s\n", a.client, failed ? "the client does not follow the protocol"
					    : "every check passed");
	status = failed ? ORC_EXIT_REGRESSION : ORC_EXIT_OK;
out:
	if (status == ORC_EXIT_ERROR)
		fprintf(stderr, "orchestrator check-client: %s\n", err);
	tb_satellites_close(sats);
	tb_controller_close(c);
	return status;
}
