/* SPDX-License-Identifier: MIT */
/* main.c - the sampler program. Three ways to run:
 *   sampler --control URL ...   an agent the orchestrator drives over nng
 *   sampler --pid PID ...       sample a running process, CSV out, until it exits
 *   sampler ... -- CMD ARGS     run CMD, sample it from its first instruction, CSV out,
 *                               and exit with its exit status (like time(1)) */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/agent.h"
#include "common/error.h"
#include "common/host.h"
#include "common/log.h"
#include "common/registry.h"
#include "common/ring.h"
#include "common/rpc.h"
#include "common/sig.h"
#include "common/units.h"
#include "sampler/agent.h"
#include "sampler/csv.h"
#include "sampler/session.h"
#include "sampler/sink.h"

/* Exit status when the lease ran out (the orchestrator went silent). */
#define EXIT_LEASE 3

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sampler --control URL [--clients FILE] [--ring NAME|auto] [options]\n"
		"       sampler --pid PID [options]\n"
		"       sampler [options] -- COMMAND [ARGS...]\n"
		"\n"
		"Samples a process's CPU time, memory (RSS and peak), threads, context switches,\n"
		"page faults and I/O, plus the host's CPU use, at a fine period.\n"
		"\n"
		"Agent mode (driven by the orchestrator over nng; --ring carries samples):\n"
		"  --clients FILE       client registry: the only programs SmpLaunch may start\n"
		"  --lease DUR          once an orchestrator has said Hello, stop all clients and\n"
		"                       exit (status 3) if it is silent this long (default 10s;\n"
		"                       0 = never)\n"
		"  --grace DUR          SIGTERM to SIGKILL grace when stopping clients (default 2s)\n"
		"\n"
		"Standalone mode (CSV on stdout or --output):\n"
		"  --pid PID            sample a running process until it exits or SIGINT\n"
		"  -- COMMAND [ARGS]    run COMMAND and sample it; exit with its status\n"
		"  --output FILE        write the CSV to FILE\n"
		"\n"
		"Both:\n"
		"  --period DUR         sampling period, 1ms to 60s (default 100ms); a bare\n"
		"                       number is milliseconds\n"
		"  --children           include the process's descendants\n"
		TB_AGENT_USAGE
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n");
}

/* drain writes every queued sample as CSV and keeps the last one in *last. */
static void drain(smp_sink *sink, FILE *out, uint64_t *ack, tb_rec_sample *last)
{
	static tb_rec_sample buf[1024];
	uint64_t lost, left;
	do {
		size_t n = smp_sink_take(sink, *ack, buf, 1024, &lost, &left);
		for (size_t i = 0; i < n; i++)
			smp_csv_row(out, &buf[i]);
		if (n > 0) {
			*ack = buf[n - 1].seq;
			*last = buf[n - 1];
		}
	} while (left > 0);
	fflush(out);
}

/* run_standalone samples pid, or a command it launches, writing CSV until the stream
 * ends. Returns the exit status: the command's (128 + signal if killed), else 0. */
static int run_standalone(pid_t pid, char **cmd, uint64_t period_ns, bool children,
			  const char *output)
{
	char err[512];
	FILE *out = stdout;
	smp_sink *sink = NULL;
	smp_session *s = NULL;
	tb_child child;
	int status = 2;

	if (output != NULL && (out = fopen(output, "w")) == NULL) {
		fprintf(stderr, "sampler: --output %s: %m\n", output);
		return 2;
	}
	if (smp_sink_alloc(&sink, NULL, 0) != TB_OK)
		goto out;
	smp_session_cfg cfg = {.pid = pid, .period_ns = period_ns, .include_children = children};
	if (cmd != NULL) {
		tb_child_opts opts = {.hold = true};
		if (tb_child_spawn(&child, cmd, &opts, err, sizeof(err)) != TB_OK) {
			fprintf(stderr, "sampler: %s\n", err);
			status = 127;
			goto out;
		}
		cfg.child = &child;
	}
	if (smp_session_start(&s, &cfg, sink, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "sampler: %s\n", err);
		if (cmd != NULL) {
			tb_child_stop(&child, 0);
			tb_child_fini(&child);
		}
		goto out;
	}
	smp_csv_header(out);
	uint64_t ack = 0;
	tb_rec_sample last = {0};
	bool stopping = false;
	while (!smp_session_done(s)) {
		if (tb_sig_wait(100) && !stopping) {
			smp_session_stop(s, true, 2000);
			stopping = true;
		}
		drain(sink, out, &ack, &last);
	}
	drain(sink, out, &ack, &last);
	status = 0;
	if (last.status == TB_SAMPLE_EXITED)
		status = last.signal != 0 ? 128 + (int)last.signal : last.exit_code;
out:
	smp_session_free(s, 0);
	smp_sink_free(sink);
	if (out != stdout)
		fclose(out);
	return status;
}

/* What the command line asks for. */
typedef struct options {
	tb_agent_opts agent;
	const char *clients, *output;
	bool children;
	uint64_t lease_ns, grace_ns, period_ns;
	unsigned long pid;
	char **cmd;		/* -- COMMAND ARGS, or NULL */
} options;

/* own_option takes one of the sampler's own options; false (message printed) when its
 * value is bad. */
static bool own_option(void *ctx, int opt, const char *arg)
{
	options *o = ctx;
	switch (opt) {
	case 'C': o->clients = arg; return true;
	case 'o': o->output = arg; return true;
	case 'k': o->children = true; return true;
	case 'e':
		if (tb_parse_duration(arg, TB_NS_PER_S, &o->lease_ns))
			return true;
		fprintf(stderr, "sampler: --lease %s: expected a duration such as 10s (0 = no "
				"lease)\n", arg);
		return false;
	case 'g':
		if (tb_parse_duration(arg, TB_NS_PER_S, &o->grace_ns) &&
		    o->grace_ns <= 600 * TB_NS_PER_S)
			return true;
		fprintf(stderr, "sampler: --grace %s: expected a duration up to 600s\n", arg);
		return false;
	case 'p':
		if (tb_parse_uint(arg, 0x7fffffff, &o->pid) && o->pid != 0)
			return true;
		fprintf(stderr, "sampler: --pid %s: expected a process id\n", arg);
		return false;
	case 'P':
		if (tb_parse_duration(arg, TB_NS_PER_MS, &o->period_ns) &&
		    o->period_ns >= SMP_PERIOD_MIN_NS && o->period_ns <= SMP_PERIOD_MAX_NS)
			return true;
		fprintf(stderr, "sampler: --period %s: expected 1ms to 60s (e.g. 10ms)\n", arg);
		return false;
	default:
		usage(stderr);
		return false;
	}
}

/* check_modes refuses a command line that mixes the three ways to run. */
static bool check_modes(const options *o)
{
	const tb_agent_opts *a = &o->agent;
	if ((a->control != NULL) + (o->pid != 0) + (o->cmd != NULL) != 1) {
		fprintf(stderr, "sampler: give exactly one of --control URL, --pid PID or -- COMMAND "
				"(see --help)\n");
		return false;
	}
	if (a->control == NULL && (o->clients != NULL || a->ring_arg != NULL || a->allow_remote ||
				   a->insecure || tb_tls_opts_given(&a->tls_opts))) {
		fprintf(stderr, "sampler: --clients, --ring, --allow-remote, --insecure and --tls-* "
				"need --control\n");
		return false;
	}
	if (a->control != NULL && o->output != NULL) {
		fprintf(stderr, "sampler: --output is for --pid and COMMAND modes\n");
		return false;
	}
	return true;
}

/* parse_args fills o from the command line. Returns -1 to go on, else the status to exit
 * with (0 after --help or --version). */
static int parse_args(int argc, char **argv, options *o)
{
	static const struct option longopts[] = {
		{"clients", required_argument, NULL, 'C'},
		{"lease", required_argument, NULL, 'e'},
		{"grace", required_argument, NULL, 'g'},
		{"pid", required_argument, NULL, 'p'},
		{"output", required_argument, NULL, 'o'},
		{"period", required_argument, NULL, 'P'},
		{"children", no_argument, NULL, 'k'},
		TB_AGENT_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	tb_agent_opts_init(&o->agent, "sampler");
	o->lease_ns = 10 * TB_NS_PER_S;
	o->grace_ns = 2 * TB_NS_PER_S;
	o->period_ns = 100 * TB_NS_PER_MS;
	/* "+": stop at the first non-option, so "-- CMD -x" and "CMD -x" keep CMD's flags. */
	int status = tb_agent_getopt(&o->agent, argc, argv, "+vqhV", longopts, usage, own_option, o);
	if (status >= 0)
		return status;
	o->cmd = optind < argc ? &argv[optind] : NULL;
	if (!check_modes(o))
		return 2;
	return tb_agent_opts_check(&o->agent) == TB_OK ? -1 : 2;
}

/* The running agent, in the order it is torn down: sessions first (they stop the
 * clients and write to the sink), then the rest. */
typedef struct agent {
	smp_agent *agent;
	tb_rpc_server *srv;
	smp_sink *sink;
	tb_ring *ring;
	tb_registry *reg;
	char ring_name[128];
	uint64_t lease_ns;
} agent;

static int agent_start(agent *a, const options *o)
{
	char err[512];
	int rv;
	a->lease_ns = o->lease_ns;
	if (o->clients != NULL && tb_registry_load(&a->reg, o->clients, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "sampler: --clients: %s\n", err);
		return TB_EINVAL;
	}
	if ((rv = tb_agent_ring_create(&o->agent, sizeof(tb_rec_sample), &a->ring, a->ring_name,
				       sizeof(a->ring_name))) != TB_OK)
		return rv;
	if ((rv = smp_sink_alloc(&a->sink, a->ring, 0)) != TB_OK) {
		tb_error("sampler: %s", tb_strerror(rv));
		return rv;
	}
	smp_agent_cfg acfg = {.registry = a->reg, .sink = a->sink, .ring_name = a->ring_name,
			      .lease_ns = o->lease_ns,
			      .grace_ms = (int)(o->grace_ns / TB_NS_PER_MS)};
	if ((rv = smp_agent_alloc(&a->agent, &acfg)) != TB_OK) {
		tb_error("sampler: %s", tb_strerror(rv));
		return rv;
	}
	if ((rv = tb_agent_server_alloc(&o->agent, &a->srv)) != TB_OK)
		return rv;
	tb_info("sampler: control on %s%s%s, %zu registered clients", tb_rpc_server_url(a->srv),
		a->ring ? ", ring " : "", a->ring ? a->ring_name : "",
		a->reg ? tb_registry_count(a->reg) : 0);
	return TB_OK;
}

static void agent_stop(agent *a)
{
	smp_agent_free(a->agent);
	tb_rpc_server_free(a->srv);
	smp_sink_free(a->sink);
	tb_ring_free(a->ring);
	tb_registry_free(a->reg);
}

static bool handle(void *ctx, tb_rpc_server *srv, Tb__Envelope *req)
{
	agent *a = ctx;
	return smp_agent_handle(a->agent, srv, req);
}

/* tick ends the agent when its lease ran out, else says how long it may wait. */
static int tick(void *ctx, int *status)
{
	agent *a = ctx;
	if (smp_agent_tick(a->agent, tb_now_ns())) {
		tb_error("sampler: the orchestrator has been silent for over %llu ms: stopping %d "
			 "sessions and exiting", (unsigned long long)(a->lease_ns / TB_NS_PER_MS),
			 smp_agent_sessions(a->agent));
		*status = EXIT_LEASE;
		return -2;
	}
	return smp_agent_wait_ms(a->agent, tb_now_ns());
}

int main(int argc, char **argv)
{
	static options o;
	tb_log_init("sampler");
	int status = parse_args(argc, argv, &o);
	if (status >= 0)
		return status;
	tb_sig_init();
	if (o.agent.control == NULL) {
		status = run_standalone((pid_t)o.pid, o.cmd, o.period_ns, o.children, o.output);
		tb_log_close();
		return status;
	}
	agent a = {0};
	status = 2;
	if (agent_start(&a, &o) == TB_OK) {
		tb_agent_calls calls = {.handle = handle, .tick = tick, .ctx = &a};
		status = tb_agent_serve(&o.agent, a.srv, &calls);
	}
	agent_stop(&a);
	tb_agent_opts_fini(&o.agent);
	tb_log_close();
	return status;
}
