/* SPDX-License-Identifier: MIT */
/* main.c - the satellite program: its own options, the HTTP port group, and the shared
 * agent loop (common/agent.h) until Shutdown, SIGINT or SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/agent.h"
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
		"  --max-body SIZE      largest request body, before and after gzip (default 32M)\n"
		"  --threads N          HTTP worker threads (default: one per core)\n"
		"  --idle-timeout S     close connections idle for S seconds (default 30)\n"
		"  --dup-slots N        duplicate-set slots, a power of two (default 16777216:\n"
		"                       128 MiB, checks 12.5 M spans per run)\n"
		TB_AGENT_USAGE
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

/* What the command line asks for. */
typedef struct options {
	tb_agent_opts agent;
	const char *bind_addr;
	uint16_t ports[SAT_HTTP_MAX_PORTS];
	size_t nports;
	tb_sat_mode mode;
	size_t max_body, dup_slots;
	unsigned long threads, idle;
} options;

/* own_option takes one of the satellite's own options; false (message printed) when its
 * value is bad. */
static bool own_option(void *ctx, int opt, const char *arg)
{
	options *o = ctx;
	char err[512];
	unsigned long v;
	switch (opt) {
	case 'b': o->bind_addr = arg; return true;
	case 'p':
		if ((o->nports = parse_ports(arg, o->ports, err, sizeof(err))) == 0) {
			fprintf(stderr, "satellite: %s\n", err);
			return false;
		}
		return true;
	case 'm':
		if (tb_sat_mode_parse(arg, strlen(arg), &o->mode) != TB_OK) {
			char modes[64];
			tb_sat_mode_choices(modes, sizeof(modes));
			fprintf(stderr, "satellite: --mode %s: expected %s\n", arg, modes);
			return false;
		}
		return true;
	case 'B':
		if (tb_parse_size(arg, &o->max_body))
			return true;
		fprintf(stderr, "satellite: --max-body %s: expected a size such as 33554432 or 32M\n",
			arg);
		return false;
	case 't':
		if (tb_parse_uint(arg, 256, &o->threads) && o->threads > 0)
			return true;
		fprintf(stderr, "satellite: --threads %s: expected 1 to 256\n", arg);
		return false;
	case 'i':
		if (tb_parse_uint(arg, 86400, &o->idle) && o->idle > 0)
			return true;
		fprintf(stderr, "satellite: --idle-timeout %s: expected 1 to 86400 seconds\n", arg);
		return false;
	case 'd':
		if (tb_parse_uint(arg, 1ul << 31, &v) && v >= 1024 && (v & (v - 1)) == 0) {
			o->dup_slots = v;
			return true;
		}
		fprintf(stderr, "satellite: --dup-slots %s: expected a power of two from 1024 to "
				"2^31\n", arg);
		return false;
	default:
		usage(stderr);
		return false;
	}
}

/* parse_args fills o from the command line. Returns -1 to go on, else the status to exit
 * with (0 after --help or --version). */
static int parse_args(int argc, char **argv, options *o)
{
	static const struct option longopts[] = {
		{"bind", required_argument, NULL, 'b'},
		{"ports", required_argument, NULL, 'p'},
		{"mode", required_argument, NULL, 'm'},
		{"max-body", required_argument, NULL, 'B'},
		{"threads", required_argument, NULL, 't'},
		{"idle-timeout", required_argument, NULL, 'i'},
		{"dup-slots", required_argument, NULL, 'd'},
		TB_AGENT_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	char err[512];
	tb_agent_opts_init(&o->agent, "satellite");
	o->bind_addr = "127.0.0.1";
	o->nports = parse_ports(DEFAULT_PORTS, o->ports, err, sizeof(err));
	o->mode = TB_SAT_TYPICAL;
	o->max_body = 32u << 20;
	o->dup_slots = SAT_DUPSET_DEFAULT_SLOTS;
	o->threads = (unsigned long)sysconf(_SC_NPROCESSORS_ONLN);
	o->idle = 30;
	int status = tb_agent_getopt(&o->agent, argc, argv, "vqhV", longopts, usage, own_option, o);
	if (status >= 0)
		return status;
	if (optind < argc) {
		fprintf(stderr, "satellite: unexpected argument \"%s\" (see --help)\n", argv[optind]);
		return 2;
	}
	return tb_agent_opts_check(&o->agent) == TB_OK ? -1 : 2;
}

/* The running satellite: its state, and what reports write to. */
typedef struct satellite {
	sat_service svc;
	tb_rpc_server *srv;
	tb_ring *ring;
	char ring_name[128];
} satellite;

static int satellite_start(satellite *s, options *o)
{
	char err[512];
	int rv;
	if ((rv = sat_counters_alloc(&s->svc.counters)) != TB_OK ||
	    (rv = sat_faults_alloc(&s->svc.faults, o->mode)) != TB_OK ||
	    (rv = sat_dupset_alloc(&s->svc.dups, o->dup_slots)) != TB_OK) {
		tb_error("satellite: cannot allocate its state: %s", tb_strerror(rv));
		return rv;
	}
	if ((rv = tb_agent_ring_create(&o->agent, sizeof(tb_rec_report), &s->ring, s->ring_name,
				       sizeof(s->ring_name))) != TB_OK)
		return rv;
	s->svc.ring_name = s->ring_name;
	s->svc.http_host = o->bind_addr;
	sat_http_opts ho = {
		.bind = o->bind_addr, .ports = o->ports, .nports = o->nports,
		.max_body = o->max_body, .threads = (unsigned)o->threads,
		.idle_timeout_s = (unsigned)o->idle, .counters = s->svc.counters,
		.faults = s->svc.faults, .dups = s->svc.dups, .ring = s->ring,
	};
	if ((rv = sat_http_alloc(&s->svc.http, &ho, err, sizeof(err))) != TB_OK) {
		tb_error("satellite: %s", err);
		return rv;
	}
	if ((rv = tb_agent_server_alloc(&o->agent, &s->srv)) != TB_OK)
		return rv;
	size_t n;
	const uint16_t *p = sat_http_ports(s->svc.http, &n);
	char list[SAT_HTTP_MAX_PORTS * 7] = "";
	size_t off = 0;
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%u", i ? "," : "", p[i]);
	tb_info("satellite: serving %s ports %s in mode %s%s%s", o->bind_addr, list,
		tb_sat_mode_name(o->mode), s->srv ? ", control on " : "",
		s->srv ? tb_rpc_server_url(s->srv) : "");
	return TB_OK;
}

/* satellite_stop stops taking reports first, then frees the things they write to. */
static void satellite_stop(satellite *s)
{
	sat_http_free(s->svc.http);
	tb_rpc_server_free(s->srv);
	tb_ring_free(s->ring);
	sat_dupset_free(s->svc.dups);
	sat_faults_free(s->svc.faults);
	sat_counters_free(s->svc.counters);
}

static bool handle(void *ctx, tb_rpc_server *srv, Tb__Envelope *req)
{
	return sat_control_handle(ctx, srv, req);
}

int main(int argc, char **argv)
{
	static options o;
	satellite s = {0};
	tb_log_init("satellite");
	int status = parse_args(argc, argv, &o);
	if (status >= 0)
		return status;
	tb_sig_init();
	status = 1;
	if (satellite_start(&s, &o) == TB_OK) {
		tb_agent_calls calls = {.handle = handle, .ctx = &s.svc};
		status = tb_agent_serve(&o.agent, s.srv, &calls);
	}
	satellite_stop(&s);
	tb_log_close();
	return status;
}
