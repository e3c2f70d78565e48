/* SPDX-License-Identifier: MIT */
/* tb_client.c - the reference C client (`tb-client`): LightStep Benchmarks' workload,
 * traced by the NoOp or the reporting tracer, driven either by the HTTP control channel
 * or by LightStep Benchmarks' argv flags.
 *
 * The workload: spans come 6 per loop, as two client -> server -> db chains. Each span
 * gets NumTags tags, does Work units of floating-point work, gets NumLogs logs, and owes
 * Sleep ns of sleep, paid in SleepInterval chunks once enough is owed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "client-shim/shim.h"
#include "client-shim/tracer.h"
#include "client-shim/workload.h"
#include "common/clock.h"
#include "common/command.h"
#include "common/error.h"
#include "common/host.h"
#include "common/units.h"

#define MAX_KEYS TB_WORKLOAD_MAX_KEYS

static uint64_t steps_per_unit = 1;	/* --work-cost */
static uint64_t extra_ns_per_span;	/* --extra-ns-per-span */
static uint64_t startup_cost_ns;	/* --startup-cost */

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* run does the workload and fills r. Returns 0, or 1 when the tracer cannot start. */
static bool no_retry;	/* --no-retry */

static int run(const tb_command *cmd, size_t max_buffered, uint64_t flush_ns,
	       tb_client_result *r)
{
	char err[256];
	tb_tracer *t;
	int rc;
	if (cmd->trace) {
		const char *sats[TB_CMD_MAX_SATELLITES];
		for (size_t i = 0; i < cmd->n_satellites; i++)
			sats[i] = cmd->satellites[i];
		tb_tracer_opts o = {.protocol = cmd->protocol, .satellites = sats,
				    .n_satellites = cmd->n_satellites, .max_buffered = max_buffered,
				    .no_retry = no_retry, .access_token = cmd->access_token,
				    .flush_ns = flush_ns};
		rc = tb_tracer_report_alloc(&t, &o, err, sizeof(err));
	} else {
		rc = tb_tracer_noop_alloc(&t);
		snprintf(err, sizeof(err), "%s", tb_strerror(rc));
	}
	if (rc != TB_OK) {
		fprintf(stderr, "tb-client: %s\n", err);
		return 1;
	}
	tb_workload w = {.cmd = cmd, .tracer = t, .pay = TB_PAY_ALL,
			 .steps_per_unit = steps_per_unit, .extra_ns_per_span = extra_ns_per_span};
	double cpu0 = cpu_seconds();
	uint64_t t0 = tb_now_ns();
	tb_workload_run(&w);
	tb_tracer_close(t, !cmd->no_flush);
	tb_tracer_stats st;
	tb_tracer_get_stats(t, &st);
	memset(r, 0, sizeof(*r));
	r->spans_sent = w.made;
	r->clock_time = (double)(tb_now_ns() - t0) / 1e9;
	r->program_time = cpu_seconds() - cpu0;
	r->has_dropped = r->has_buffered = r->has_resent = true;
	r->spans_resent = st.resent;
	r->spans_dropped = st.dropped;
	r->spans_buffered = st.buffered;
	if (cmd->trace)
		snprintf(r->tracer, sizeof(r->tracer), "%s reporting tracer (%s protobuf)",
			 TB_SOFTWARE, tb_protocol_name(cmd->protocol));
	else
		snprintf(r->tracer, sizeof(r->tracer), "%s NoOp tracer", TB_SOFTWARE);
	tb_tracer_free(t);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tb-client [--control URL] [options]          (HTTP control channel)\n"
		"       tb-client --repeat N [--trace 0|1] [...]      (LightStep Benchmarks' argv form)\n"
		"\n"
		"The reference C benchmark client: LightStep Benchmarks' workload traced by a NoOp or a\n"
		"reporting tracer (LightStep or OTLP protobuf over HTTP).\n"
		"\n"
		TB_SHIM_MODES_HELP
		"  --protocol lightstep|otlp (default $TB_PROTOCOL or lightstep)\n"
		"  the access token reports carry is $TB_ACCESS_TOKEN (default tracebench)\n"
		"\n"
		"Tracer settings (both modes):\n"
		"  --max-buffered N     spans the tracer buffers before dropping (10000)\n"
		"  --flush-ms MS        flush period (200)\n"
		"  --no-retry           count a failed report's spans as dropped instead of sending\n"
		"                       them again with the next flush\n"
		"\n"
		"  --work-cost N        steps per work unit (1): the same workload N times heavier,\n"
		"                       as a slower program or host would run it\n"
		"  --startup-cost D     a test aid: D of CPU (10ms, 1s) spent at start, before the\n"
		"                       command is fetched, as a runtime's start-up costs (0)\n"
		"  --extra-ns-per-span N  a test aid: N ns more CPU per span in traced runs, as a\n"
		"                       costlier tracer would take (0)\n"
		"  -h, --help\n",
		TB_SHIM_DEFAULT_URL);
}

/* What the command line asks for. */
typedef struct args {
	tb_command cmd;
	const char *control;
	bool argv_mode, has_repeat;
	unsigned long max_buffered, flush_ms;
} args;

enum { O_FLAG0 = 256, O_SATS = O_FLAG0 + TB_ARGV_FLAGS, O_PROTO, O_CONTROL, O_MAXBUF,
       O_FLUSH, O_COST, O_EXTRA, O_NORETRY, O_STARTUP };

/* LightStep Benchmarks' flags (common/command.h), then ours, in O_ order. */
static const struct option own_options[] = {
	{"satellites", required_argument, NULL, O_SATS},
	{"protocol", required_argument, NULL, O_PROTO},
	{"control", required_argument, NULL, O_CONTROL},
	{"max-buffered", required_argument, NULL, O_MAXBUF},
	{"flush-ms", required_argument, NULL, O_FLUSH},
	{"work-cost", required_argument, NULL, O_COST},
	{"extra-ns-per-span", required_argument, NULL, O_EXTRA},
	{"no-retry", no_argument, NULL, O_NORETRY},
	{"startup-cost", required_argument, NULL, O_STARTUP},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};
static struct option longopts[TB_ARGV_FLAGS + sizeof(own_options) / sizeof(own_options[0])];

static void build_longopts(void)
{
	tb_argv_flag_options(longopts, O_FLAG0);
	memcpy(longopts + TB_ARGV_FLAGS, own_options, sizeof(own_options));
}

/* take_option takes one option's value; false when it is not valid. */
static bool take_option(args *a, int opt, const char *arg)
{
	tb_command *cmd = &a->cmd;
	unsigned long v = 0;
	bool ok = true;
	if (opt <= O_PROTO)
		a->argv_mode = true;
	if (opt < O_SATS) {
		a->has_repeat |= strcmp(tb_argv_flag_names[opt - O_FLAG0], "repeat") == 0;
		return tb_argv_flag_set(cmd, (size_t)(opt - O_FLAG0), arg);
	}
	switch (opt) {
	case O_SATS: ok = tb_shim_set_satellites(cmd, arg); break;
	case O_PROTO: ok = tb_protocol_parse(arg, &cmd->protocol) == TB_OK; break;
	case O_CONTROL: a->control = arg; break;
	case O_MAXBUF: ok = tb_parse_uint(arg, 100000000, &a->max_buffered) && a->max_buffered > 0; break;
	case O_FLUSH: ok = tb_parse_uint(arg, 3600000, &a->flush_ms) && a->flush_ms > 0; break;
	case O_COST:
		ok = tb_parse_uint(arg, 1000000, &v) && v > 0;
		steps_per_unit = v;
		break;
	case O_NORETRY: no_retry = true; break;
	case O_STARTUP:
		ok = tb_parse_duration(arg, TB_NS_PER_S, &startup_cost_ns) &&
		     startup_cost_ns <= 600 * TB_NS_PER_S;
		break;
	case O_EXTRA:
		ok = tb_parse_uint(arg, 1000000000, &v);
		extra_ns_per_span = v;
		break;
	}
	return ok;
}

/* parse_args fills a. Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, args *a)
{
	char err[256];
	if (tb_shim_argv_defaults(&a->cmd, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "tb-client: %s\n", err);
		return 2;
	}
	a->max_buffered = 10000;
	a->flush_ms = 200;
	a->control = tb_shim_control_url();
	build_longopts();
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		if (opt < O_FLAG0 || opt > O_STARTUP) {
			usage(stderr);
			return 2;
		}
		if (!take_option(a, opt, optarg)) {
			fprintf(stderr, "tb-client: --%s %s: not a valid value (see --help)\n",
				longopts[opt - O_FLAG0].name, optarg);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tb-client: unexpected argument \"%s\" (see --help)\n", argv[optind]);
		return 2;
	}
	if (a->argv_mode && !a->has_repeat) {
		fprintf(stderr, "tb-client: argv mode needs --repeat N\n");
		return 2;
	}
	if (a->cmd.sleep_ns > 0 && a->cmd.sleep_interval_ns == 0) {
		fprintf(stderr, "tb-client: --sleep needs --sleep_interval above 0\n");
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	static args a;
	int status = parse_args(argc, argv, &a);
	if (status >= 0)
		return status;
	tb_workload_burn_cpu(startup_cost_ns);
	char err[512];
	if (!a.argv_mode && tb_shim_fetch_command(a.control, &a.cmd, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "tb-client: %s\n", err);
		return 1;
	}
	if (a.cmd.num_tags > MAX_KEYS || a.cmd.num_logs > MAX_KEYS) {
		fprintf(stderr, "tb-client: NumTags and NumLogs must be at most %d\n", MAX_KEYS);
		return 2;
	}
	tb_workload_keys();
	tb_client_result r;
	if (run(&a.cmd, a.max_buffered, (uint64_t)a.flush_ms * TB_NS_PER_MS, &r) != 0)
		return 1;
	if (a.argv_mode) {
		char *json = tb_client_result_to_json(&r);
		printf("%s\n", json ? json : "{}");
		free(json);
		return 0;
	}
	if (tb_shim_report_result(a.control, &r, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "tb-client: %s\n", err);
		return 1;
	}
	return 0;
}
