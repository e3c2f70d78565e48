/* main.c - the satellite program: parse the command line, start the HTTP port group,
 * and serve the control channel until told to stop (Shutdown, SIGINT or SIGTERM). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/host.h"
#include "common/log.h"
#include "common/ring.h"
#include "common/rpc.h"
#include "common/records.h"
#include "common/sig.h"
#include "common/units.h"
#include "satellite/control.h"

#define DEFAULT_PORTS "8360-8367"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: satellite [options]\n"
		"\n"
		"A mock trace collector: real tracers report spans to it over HTTP (LightStep\n"
		"protobuf and thrift-JSON, OTLP protobuf and JSON); it counts, validates, finds\n"
		"duplicates, and misbehaves on request.\n"
		"\n"
		"  --bind ADDR          IPv4 address for the HTTP ports (default 127.0.0.1)\n"
		"  --ports LIST         ports, as a range or a list: 8360-8367 (default), 8360,8361;\n"
		"                       0 picks a free port\n"
		"  --mode MODE          typical (default), slow_succeed or slow_fail\n"
		"  --control URL        serve the orchestrator's control channel on an nng URL\n"
		"                       (ipc:///path or tcp://127.0.0.1:PORT)\n"
		"  --allow-remote       let --control listen on a non-loopback address\n"
		"  --ring NAME|auto     write per-report records to a shared-memory ring\n"
		"  --max-body SIZE      largest request body, before and after gzip (default 32M)\n"
		"  --threads N          HTTP worker threads (default: one per core)\n"
		"  --idle-timeout S     close connections idle for S seconds (default 30)\n"
		"  --dup-slots N        duplicate-set slots, a power of two (default 16777216:\n"
		"                       128 MiB, checks 12.5 M spans per run)\n"
		"  --log FILE           also log to FILE (at --log-level, default info)\n"
		"  --log-level LEVEL    debug, info, warn or error\n"
		"  -v, --verbose        log info to stderr too\n"
		"  -q, --quiet          log only errors to stderr\n"
		"  -h, --help           this help\n"
		"  -V, --version        print the version\n");
}

/* parse_ports reads "A-B" or "A,B,C" into ports; returns the count or 0 with err set. */
static size_t parse_ports(const char *s, uint16_t *ports, char *err, size_t errlen)
{
	size_t n = 0;
	char *end;
	unsigned long a, b;

	a = strtoul(s, &end, 10);
	if (end != s && *end == '-') {
		const char *s2 = end + 1;
		b = strtoul(s2, &end, 10);
		if (end == s2 || *end != '\0' || a == 0 || a > 65535 || b < a || b > 65535 ||
		    b - a + 1 > SAT_HTTP_MAX_PORTS) {
			snprintf(err, errlen, "--ports %s: expected a range like 8360-8367 of at "
					      "most %d ports", s, SAT_HTTP_MAX_PORTS);
			return 0;
		}
		for (unsigned long p = a; p <= b; p++)
			ports[n++] = (uint16_t)p;
		return n;
	}
	for (const char *p = s;; p = end + 1) {
		errno = 0;
		a = strtoul(p, &end, 10);
		if (end == p || errno != 0 || a > 65535 || (*end != ',' && *end != '\0') ||
		    n == SAT_HTTP_MAX_PORTS) {
			snprintf(err, errlen, "--ports %s: expected port numbers (0-65535) separated "
					      "by commas, at most %d", s, SAT_HTTP_MAX_PORTS);
			return 0;
		}
		ports[n++] = (uint16_t)a;
		if (*end == '\0')
			return n;
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"bind", required_argument, NULL, 'b'},
		{"ports", required_argument, NULL, 'p'},
		{"mode", required_argument, NULL, 'm'},
		{"control", required_argument, NULL, 'c'},
		{"allow-remote", no_argument, NULL, 'R'},
		{"ring", required_argument, NULL, 'r'},
		{"max-body", required_argument, NULL, 'B'},
		{"threads", required_argument, NULL, 't'},
		{"idle-timeout", required_argument, NULL, 'i'},
		{"dup-slots", required_argument, NULL, 'd'},
		{"log", required_argument, NULL, 'l'},
		{"log-level", required_argument, NULL, 'L'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	uint16_t ports[SAT_HTTP_MAX_PORTS];
	size_t nports;
	const char *bind_addr = "127.0.0.1", *control = NULL, *ring_arg = NULL, *log_path = NULL;
	bool allow_remote = false;
	tb_sat_mode mode = TB_SAT_TYPICAL;
	size_t max_body = 32u << 20, dup_slots = SAT_DUPSET_DEFAULT_SLOTS;
	unsigned long threads = (unsigned long)sysconf(_SC_NPROCESSORS_ONLN), idle = 30, v;
	tb_log_level file_level = TB_LOG_INFO;
	char err[512], ring_name[128] = "";
	int opt, rv, status = 1;
	sat_service svc = {0};
	tb_rpc_server *srv = NULL;
	tb_ring *ring = NULL;

	tb_log_init("satellite");
	nports = parse_ports(DEFAULT_PORTS, ports, err, sizeof(err));
	while ((opt = getopt_long(argc, argv, "vqhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b': bind_addr = optarg; break;
		case 'p':
			if ((nports = parse_ports(optarg, ports, err, sizeof(err))) == 0) {
				fprintf(stderr, "satellite: %s\n", err);
				return 2;
			}
			break;
		case 'm':
			if (tb_sat_mode_parse(optarg, strlen(optarg), &mode) != TB_OK) {
				char modes[64];
				tb_sat_mode_choices(modes, sizeof(modes));
				fprintf(stderr, "satellite: --mode %s: expected %s\n", optarg, modes);
				return 2;
			}
			break;
		case 'c': control = optarg; break;
		case 'R': allow_remote = true; break;
		case 'r': ring_arg = optarg; break;
		case 'B':
			if (!tb_parse_size(optarg, &max_body)) {
				fprintf(stderr, "satellite: --max-body %s: expected a size such as "
						"33554432 or 32M\n", optarg);
				return 2;
			}
			break;
		case 't':
			if (!tb_parse_uint(optarg, 256, &threads) || threads == 0) {
				fprintf(stderr, "satellite: --threads %s: expected 1 to 256\n", optarg);
				return 2;
			}
			break;
		case 'i':
			if (!tb_parse_uint(optarg, 86400, &idle) || idle == 0) {
				fprintf(stderr, "satellite: --idle-timeout %s: expected 1 to 86400 "
						"seconds\n", optarg);
				return 2;
			}
			break;
		case 'd':
			if (!tb_parse_uint(optarg, 1ul << 31, &v) || v < 1024 || (v & (v - 1))) {
				fprintf(stderr, "satellite: --dup-slots %s: expected a power of two from "
						"1024 to 2^31\n", optarg);
				return 2;
			}
			dup_slots = v;
			break;
		case 'l': log_path = optarg; break;
		case 'L':
			if (tb_log_parse_level(optarg, &file_level) != TB_OK) {
				fprintf(stderr, "satellite: --log-level %s: expected debug, info, warn "
						"or error\n", optarg);
				return 2;
			}
			break;
		case 'v': tb_log_set_stderr(TB_LOG_INFO); break;
		case 'q': tb_log_set_stderr(TB_LOG_ERROR); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("satellite (%s)\n", TB_SOFTWARE); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "satellite: unexpected argument \"%s\" (see --help)\n", argv[optind]);
		return 2;
	}
	if (log_path != NULL && tb_log_add_file(log_path, file_level, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "satellite: %s\n", err);
		return 2;
	}
	if (control != NULL && tb_url_check(control, allow_remote, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "satellite: --control %s: %s\n", control, err);
		return 2;
	}
	tb_sig_init();

	if ((rv = sat_counters_alloc(&svc.counters)) != TB_OK ||
	    (rv = sat_faults_alloc(&svc.faults, mode)) != TB_OK ||
	    (rv = sat_dupset_alloc(&svc.dups, dup_slots)) != TB_OK) {
		tb_error("satellite: cannot allocate its state: %s", tb_strerror(rv));
		goto out;
	}
	if (ring_arg != NULL) {
		tb_ring_name_from_arg(ring_name, sizeof(ring_name), ring_arg, "satellite");
		if (tb_ring_create(&ring, ring_name, 4u << 20, sizeof(tb_rec_report), err,
				   sizeof(err)) != TB_OK) {
			tb_error("satellite: --ring %s: %s", ring_arg, err);
			goto out;
		}
	}
	svc.ring_name = ring_name;
	svc.http_host = bind_addr;
	sat_http_opts ho = {
		.bind = bind_addr,
		.ports = ports,
		.nports = nports,
		.max_body = max_body,
		.threads = (unsigned)threads,
		.idle_timeout_s = (unsigned)idle,
		.counters = svc.counters,
		.faults = svc.faults,
		.dups = svc.dups,
		.ring = ring,
	};
	if (sat_http_alloc(&svc.http, &ho, err, sizeof(err)) != TB_OK) {
		tb_error("satellite: %s", err);
		goto out;
	}
	if (control != NULL &&
	    tb_rpc_server_alloc(&srv, control, allow_remote, err, sizeof(err)) != TB_OK) {
		tb_error("satellite: --control %s: %s", control, err);
		goto out;
	}
	if (srv != NULL)
		tb_rpc_server_set_wake_fd(srv, tb_sig_fd());
	{
		const uint16_t *p = sat_http_ports(svc.http, &nports);
		char list[SAT_HTTP_MAX_PORTS * 7] = "";
		size_t off = 0;
		for (size_t i = 0; i < nports; i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%u", i ? "," : "",
						p[i]);
		tb_info("satellite: serving %s ports %s in mode %s%s%s", bind_addr, list,
			tb_sat_mode_name(mode), control ? ", control on " : "",
			control ? tb_rpc_server_url(srv) : "");
	}

	status = 0;
	while (!tb_sig_stop_requested()) {
		Tb__Envelope *req;
		if (srv == NULL) {
			tb_sig_wait(-1);
			continue;
		}
		rv = tb_rpc_server_recv(srv, -1, &req);
		if (rv == TB_ETIMEDOUT)
			continue;
		if (rv != TB_OK) {
			tb_error("satellite: control channel failed: %s", tb_strerror(rv));
			status = 1;
			break;
		}
		bool stop = sat_control_handle(&svc, srv, req);
		tb_rpc_free(req);
		if (stop) {
			tb_info("satellite: shut down by the control channel");
			break;
		}
	}
	if (tb_sig_stop_requested())
		tb_info("satellite: stopping on signal %d", tb_sig_last());
out:
	/* Stop taking reports first, then the things they write to. */
	sat_http_free(svc.http);
	tb_rpc_server_free(srv);
	tb_ring_free(ring);
	sat_dupset_free(svc.dups);
	sat_faults_free(svc.faults);
	sat_counters_free(svc.counters);
	tb_log_close();
	return status;
}
