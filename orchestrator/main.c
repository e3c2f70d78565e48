/* main.c - the orchestrator program. This stage has `orchestrator run`: one benchmark
 * with local satellites and a local sampler, its Result printed. Plans and calibration
 * come next (the Orchestrator issue). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/host.h"
#include "common/log.h"
#include "common/ring.h"
#include "common/sig.h"
#include "common/units.h"
#include "orchestrator/channel.h"
#include "orchestrator/peer.h"
#include "orchestrator/run.h"

/* Exit statuses: the plan's assertions held / a regression (or a failed run) / an error. */
enum { EXIT_OK = 0, EXIT_REGRESSION = 1, EXIT_ERROR = 2 };

static void usage(FILE *out)
{
	fprintf(out,
		"usage: orchestrator run --client NAME --sps N --runtime S [options]\n"
		"\n"
		"Runs one benchmark: starts satellites and a sampler on this host, has the\n"
		"sampler launch the client NAME from the registry, serves its control channel,\n"
		"and prints the Result (exit 0; 1 if the run failed; 2 on an error).\n"
		"\n"
		"  --client NAME        a client in --clients (default ./clients.conf)\n"
		"  --trace, --no-trace  the reporting tracer (default) or NoOp\n"
		"  --sps N              spans per second to generate\n"
		"  --runtime S          seconds to generate them for\n"
		"  --satellites MODE    typical (default), slow_succeed, slow_fail, or none (the\n"
		"                       client reports to a port nothing listens on)\n"
		"  --protocol P         lightstep (default) or otlp\n"
		"  --no-flush           the client exits without flushing its tracer\n"
		"  --no-timeout         never kill the client (default: after 2 x runtime + 5 s)\n"
		"  --json               print the Result as one JSON object\n"
		"  --clients FILE       the client registry (default ./clients.conf)\n"
		"  --period DUR         sampling period (default 100ms)\n"
		"  --work-per-second W  calibration: work units per CPU second of the client\n"
		"  --sleep-per-work NS  calibration: ns of sleep per work unit (without these two,\n"
		"                       the client is paced by sleep alone)\n"
		"  --control-port N     the clients' HTTP control channel (default 8023; 0: any)\n"
		"  -q, --quiet          only errors      -v, --verbose  info on stderr too\n"
		"  -h, --help\n");
}

/* sibling writes "<this program's directory>/<rel>" into buf. */
static void sibling(char *buf, size_t len, const char *rel)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	char *slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	int w = snprintf(buf, len, "%s/%s", slash ? self : ".", rel);
	if (w < 0 || (size_t)w >= len)
		buf[0] = '\0';
}

static int cmd_run(int argc, char **argv)
{
	enum { O_CLIENT = 256, O_TRACE, O_NOTRACE, O_SPS, O_RUNTIME, O_SATS, O_PROTO, O_NOFLUSH,
	       O_NOTIMEOUT, O_JSON, O_CLIENTS, O_PERIOD, O_WPS, O_SPW, O_PORT };
	static const struct option longopts[] = {
		{"client", required_argument, NULL, O_CLIENT},
		{"trace", no_argument, NULL, O_TRACE},
		{"no-trace", no_argument, NULL, O_NOTRACE},
		{"sps", required_argument, NULL, O_SPS},
		{"runtime", required_argument, NULL, O_RUNTIME},
		{"satellites", required_argument, NULL, O_SATS},
		{"protocol", required_argument, NULL, O_PROTO},
		{"no-flush", no_argument, NULL, O_NOFLUSH},
		{"no-timeout", no_argument, NULL, O_NOTIMEOUT},
		{"json", no_argument, NULL, O_JSON},
		{"clients", required_argument, NULL, O_CLIENTS},
		{"period", required_argument, NULL, O_PERIOD},
		{"work-per-second", required_argument, NULL, O_WPS},
		{"sleep-per-work", required_argument, NULL, O_SPW},
		{"control-port", required_argument, NULL, O_PORT},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	orc_run_params p = {.trace = true, .satellite_mode = "typical", .run_id = 1};
	const char *clients = "clients.conf";
	bool json = false;
	double wps = 0, spw = 0;
	uint64_t period_ns = 100 * TB_NS_PER_MS;
	unsigned long port = ORC_CHANNEL_DEFAULT_PORT;
	char *end;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
		switch (opt) {
		case O_CLIENT: p.client = optarg; break;
		case O_TRACE: p.trace = true; break;
		case O_NOTRACE: p.trace = false; break;
		case O_SPS:
			p.sps = strtod(optarg, &end);
			if (*end != '\0' || !(p.sps > 0 && p.sps <= 10e6)) {
				fprintf(stderr, "orchestrator: --sps %s: expected 0 < N <= 10000000\n", optarg);
				return EXIT_ERROR;
			}
			break;
		case O_RUNTIME:
			p.runtime_s = strtod(optarg, &end);
			if (*end != '\0' || !(p.runtime_s > 0 && p.runtime_s <= 86400)) {
				fprintf(stderr, "orchestrator: --runtime %s: expected seconds, 0 < S <= 86400\n",
					optarg);
				return EXIT_ERROR;
			}
			break;
		case O_SATS:
			if (strcmp(optarg, "typical") && strcmp(optarg, "slow_succeed") &&
			    strcmp(optarg, "slow_fail") && strcmp(optarg, "none")) {
				fprintf(stderr, "orchestrator: --satellites %s: expected typical, "
						"slow_succeed, slow_fail or none\n", optarg);
				return EXIT_ERROR;
			}
			p.satellite_mode = optarg;
			break;
		case O_PROTO:
			if (tb_protocol_parse(optarg, &p.protocol) != TB_OK) {
				fprintf(stderr, "orchestrator: --protocol %s: expected lightstep or otlp\n",
					optarg);
				return EXIT_ERROR;
			}
			break;
		case O_NOFLUSH: p.no_flush = true; break;
		case O_NOTIMEOUT: p.no_timeout = true; break;
		case O_JSON: json = true; break;
		case O_CLIENTS: clients = optarg; break;
		case O_PERIOD:
			if (!tb_parse_duration(optarg, TB_NS_PER_MS, &period_ns) ||
			    period_ns < TB_NS_PER_MS || period_ns > 60 * TB_NS_PER_S) {
				fprintf(stderr, "orchestrator: --period %s: expected 1ms to 60s\n", optarg);
				return EXIT_ERROR;
			}
			break;
		case O_WPS:
			wps = strtod(optarg, &end);
			if (*end != '\0' || !(wps > 0)) {
				fprintf(stderr, "orchestrator: --work-per-second %s: expected a number > 0\n",
					optarg);
				return EXIT_ERROR;
			}
			break;
		case O_SPW:
			spw = strtod(optarg, &end);
			if (*end != '\0' || !(spw >= 0)) {
				fprintf(stderr, "orchestrator: --sleep-per-work %s: expected ns >= 0\n",
					optarg);
				return EXIT_ERROR;
			}
			break;
		case O_PORT:
			if (!tb_parse_uint(optarg, 65535, &port)) {
				fprintf(stderr, "orchestrator: --control-port %s: expected 0 to 65535\n",
					optarg);
				return EXIT_ERROR;
			}
			break;
		case 'q': tb_log_set_stderr(TB_LOG_ERROR); break;
		case 'v': tb_log_set_stderr(TB_LOG_INFO); break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "orchestrator: unexpected argument \"%s\" (see run --help)\n",
			argv[optind]);
		return EXIT_ERROR;
	}
	if (p.client == NULL || p.sps == 0 || p.runtime_s == 0) {
		fprintf(stderr, "orchestrator run: --client, --sps and --runtime are required\n");
		return EXIT_ERROR;
	}
	if (access(clients, R_OK) != 0) {
		fprintf(stderr, "orchestrator: --clients %s: %m\n", clients);
		return EXIT_ERROR;
	}
	if (wps > 0)
		orc_run_derive(&p, wps, spw);
	else
		p.sleep_ns = (uint64_t)(1e9 / p.sps); /* uncalibrated: paced by sleep alone */

	tb_sig_init();
	int removed = 0;
	tb_ring_reap_stale(&removed);
	if (removed > 0)
		tb_info("orchestrator: removed %d stale shared-memory segments", removed);

	char err[512], sat_bin[PATH_MAX], smp_bin[PATH_MAX], sat_url[128], smp_url[128];
	sibling(sat_bin, sizeof(sat_bin), "../satellite/satellite");
	sibling(smp_bin, sizeof(smp_bin), "../sampler/sampler");
	snprintf(sat_url, sizeof(sat_url), "ipc:///tmp/tracebench-orc-%d-sat.ipc", (int)getpid());
	snprintf(smp_url, sizeof(smp_url), "ipc:///tmp/tracebench-orc-%d-smp.ipc", (int)getpid());
	orc_peer sat = {0}, smp = {0};
	orc_channel *chan = NULL;
	orc_result r = {0};
	int status = EXIT_ERROR;
	bool with_sats = strcmp(p.satellite_mode, "none") != 0;
	char mode_arg[32];
	snprintf(mode_arg, sizeof(mode_arg), "%s", with_sats ? p.satellite_mode : "typical");
	char *sargv[] = {sat_bin, "--ports", "0,0", "--control", sat_url, "--mode", mode_arg, "-q",
			 NULL};
	char *margv[] = {smp_bin, "--control", smp_url, "--ring", "auto", "--clients",
			 (char *)clients, "--lease", "30s", "-q", NULL};
	if (with_sats && orc_peer_spawn(&sat, "satellite", sargv, sat_url, err, sizeof(err)) != TB_OK) {
		tb_error("orchestrator: %s", err);
		goto out;
	}
	if (orc_peer_spawn(&smp, "sampler", margv, smp_url, err, sizeof(err)) != TB_OK) {
		tb_error("orchestrator: %s", err);
		goto out;
	}
	if (orc_channel_alloc(&chan, "127.0.0.1", (uint16_t)port, err, sizeof(err)) != TB_OK) {
		tb_error("orchestrator: %s", err);
		goto out;
	}
	orc_env env = {.channel = chan, .satellites = with_sats ? &sat : NULL,
		       .nsatellites = with_sats ? 1 : 0, .sampler = &smp, .period_ns = period_ns,
		       .progress = isatty(STDERR_FILENO) && !json};
	if (!with_sats)
		p.satellite_mode = "none";
	if (orc_run(&env, &p, &r, err, sizeof(err)) != TB_OK) {
		tb_error("orchestrator: run failed: %s", err);
		goto out;
	}
	if (json) {
		char *text = orc_result_to_json(&r);
		printf("%s\n", text ? text : "{}");
		free(text);
	} else {
		orc_result_print(&r, stdout);
	}
	status = r.failed ? EXIT_REGRESSION : EXIT_OK;
out:
	orc_result_free(&r);
	orc_channel_free(chan);
	orc_peer_stop(&smp);
	orc_peer_stop(&sat);
	return status;
}

int main(int argc, char **argv)
{
	tb_log_init("orchestrator");
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return EXIT_OK;
	}
	fprintf(stderr, "orchestrator: only \"run\" exists so far; plans (--plan) and calibrate "
			"are being built (see orchestrator/README.md)\n");
	usage(stderr);
	return EXIT_ERROR;
}
