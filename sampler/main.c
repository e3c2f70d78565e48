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
		"Agent mode (driven by the orchestrator over nng):\n"
		"  --control URL        serve the control channel (ipc:///path or\n"
		"                       tcp://127.0.0.1:PORT)\n"
		"  --allow-remote       let --control listen on a non-loopback address\n"
		"  --clients FILE       client registry: the only programs SmpLaunch may start\n"
		"  --ring NAME|auto     shared-memory ring for samples to a same-host orchestrator\n"
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
		"  --log FILE           also log to FILE\n"
		"  --log-level LEVEL    FILE's level: debug, info (default), warn, error\n"
		"  -v, --verbose        log info to stderr      -q, --quiet  only errors\n"
		"  -h, --help           this text               -V, --version\n");
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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"control", required_argument, NULL, 'c'},
		{"allow-remote", no_argument, NULL, 'R'},
		{"clients", required_argument, NULL, 'C'},
		{"ring", required_argument, NULL, 'r'},
		{"lease", required_argument, NULL, 'e'},
		{"grace", required_argument, NULL, 'g'},
		{"pid", required_argument, NULL, 'p'},
		{"output", required_argument, NULL, 'o'},
		{"period", required_argument, NULL, 'P'},
		{"children", no_argument, NULL, 'k'},
		{"log", required_argument, NULL, 'l'},
		{"log-level", required_argument, NULL, 'L'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *control = NULL, *clients = NULL, *ring_arg = NULL, *output = NULL;
	const char *log_path = NULL;
	bool allow_remote = false, children = false;
	uint64_t lease_ns = 10 * TB_NS_PER_S, grace_ns = 2 * TB_NS_PER_S;
	uint64_t period_ns = 100 * TB_NS_PER_MS;
	unsigned long pid = 0;
	tb_log_level file_level = TB_LOG_INFO;
	char err[512], ring_name[128] = "";
	int opt, rv, status = 2;

	tb_log_init("sampler");
	/* "+": stop at the first non-option, so "-- CMD -x" and "CMD -x" keep CMD's flags. */
	while ((opt = getopt_long(argc, argv, "+vqhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': control = optarg; break;
		case 'R': allow_remote = true; break;
		case 'C': clients = optarg; break;
		case 'r': ring_arg = optarg; break;
		case 'e':
			if (!tb_parse_duration(optarg, TB_NS_PER_S, &lease_ns)) {
				fprintf(stderr, "sampler: --lease %s: expected a duration such as 10s "
						"(0 = no lease)\n", optarg);
				return 2;
			}
			break;
		case 'g':
			if (!tb_parse_duration(optarg, TB_NS_PER_S, &grace_ns) ||
			    grace_ns > 600 * TB_NS_PER_S) {
				fprintf(stderr, "sampler: --grace %s: expected a duration up to 600s\n",
					optarg);
				return 2;
			}
			break;
		case 'p':
			if (!tb_parse_uint(optarg, 0x7fffffff, &pid) || pid == 0) {
				fprintf(stderr, "sampler: --pid %s: expected a process id\n", optarg);
				return 2;
			}
			break;
		case 'o': output = optarg; break;
		case 'P':
			if (!tb_parse_duration(optarg, TB_NS_PER_MS, &period_ns) ||
			    period_ns < SMP_PERIOD_MIN_NS || period_ns > SMP_PERIOD_MAX_NS) {
				fprintf(stderr, "sampler: --period %s: expected 1ms to 60s (e.g. 10ms)\n",
					optarg);
				return 2;
			}
			break;
		case 'k': children = true; break;
		case 'l': log_path = optarg; break;
		case 'L':
			if (tb_log_parse_level(optarg, &file_level) != TB_OK) {
				fprintf(stderr, "sampler: --log-level %s: expected debug, info, warn "
						"or error\n", optarg);
				return 2;
			}
			break;
		case 'v': tb_log_set_stderr(TB_LOG_INFO); break;
		case 'q': tb_log_set_stderr(TB_LOG_ERROR); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sampler (%s)\n", TB_SOFTWARE); return 0;
		default: usage(stderr); return 2;
		}
	}
	char **cmd = optind < argc ? &argv[optind] : NULL;
	int modes = (control != NULL) + (pid != 0) + (cmd != NULL);
	if (modes != 1) {
		fprintf(stderr, "sampler: give exactly one of --control URL, --pid PID or -- COMMAND "
				"(see --help)\n");
		return 2;
	}
	if (control == NULL && (clients != NULL || ring_arg != NULL || allow_remote)) {
		fprintf(stderr, "sampler: --clients, --ring and --allow-remote need --control\n");
		return 2;
	}
	if (control != NULL && output != NULL) {
		fprintf(stderr, "sampler: --output is for --pid and COMMAND modes\n");
		return 2;
	}
	if (log_path != NULL && tb_log_add_file(log_path, file_level, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "sampler: %s\n", err);
		return 2;
	}
	if (control != NULL && tb_url_check(control, allow_remote, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "sampler: --control %s: %s\n", control, err);
		return 2;
	}
	tb_sig_init();

	if (control == NULL) {
		status = run_standalone((pid_t)pid, cmd, period_ns, children, output);
		tb_log_close();
		return status;
	}

	tb_registry *reg = NULL;
	tb_ring *ring = NULL;
	smp_sink *sink = NULL;
	smp_agent *agent = NULL;
	tb_rpc_server *srv = NULL;
	if (clients != NULL && tb_registry_load(&reg, clients, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "sampler: --clients: %s\n", err);
		goto out;
	}
	if (ring_arg != NULL) {
		tb_ring_name_from_arg(ring_name, sizeof(ring_name), ring_arg, "sampler");
		if (tb_ring_create(&ring, ring_name, 4u << 20, sizeof(tb_rec_sample), err,
				   sizeof(err)) != TB_OK) {
			tb_error("sampler: --ring %s: %s", ring_arg, err);
			goto out;
		}
	}
	if ((rv = smp_sink_alloc(&sink, ring, 0)) != TB_OK) {
		tb_error("sampler: %s", tb_strerror(rv));
		goto out;
	}
	smp_agent_cfg acfg = {
		.registry = reg,
		.sink = sink,
		.ring_name = ring_name,
		.lease_ns = lease_ns,
		.grace_ms = (int)(grace_ns / TB_NS_PER_MS),
	};
	if ((rv = smp_agent_alloc(&agent, &acfg)) != TB_OK) {
		tb_error("sampler: %s", tb_strerror(rv));
		goto out;
	}
	if (tb_rpc_server_alloc(&srv, control, allow_remote, err, sizeof(err)) != TB_OK) {
		tb_error("sampler: --control %s: %s", control, err);
		goto out;
	}
	tb_rpc_server_set_wake_fd(srv, tb_sig_fd());
	tb_info("sampler: control on %s%s%s, %zu registered clients", tb_rpc_server_url(srv),
		ring ? ", ring " : "", ring ? ring_name : "", reg ? tb_registry_count(reg) : 0);

	status = 0;
	while (!tb_sig_stop_requested()) {
		Tb__Envelope *req;
		if (smp_agent_tick(agent, tb_now_ns())) {
			tb_error("sampler: the orchestrator has been silent for over %llu ms: "
				 "stopping %d sessions and exiting",
				 (unsigned long long)(lease_ns / TB_NS_PER_MS),
				 smp_agent_sessions(agent));
			status = EXIT_LEASE;
			break;
		}
		rv = tb_rpc_server_recv(srv, smp_agent_wait_ms(agent, tb_now_ns()), &req);
		if (rv == TB_ETIMEDOUT)
			continue;
		if (rv != TB_OK) {
			tb_error("sampler: control channel failed: %s", tb_strerror(rv));
			status = 1;
			break;
		}
		bool stop = smp_agent_handle(agent, srv, req);
		tb_rpc_free(req);
		if (stop) {
			tb_info("sampler: shut down by the control channel");
			break;
		}
	}
	if (tb_sig_stop_requested())
		tb_info("sampler: stopping on signal %d", tb_sig_last());
out:
	/* Sessions first (they stop the clients and write to the sink), then the rest. */
	smp_agent_free(agent);
	tb_rpc_server_free(srv);
	smp_sink_free(sink);
	tb_ring_free(ring);
	tb_registry_free(reg);
	tb_log_close();
	return status;
}
