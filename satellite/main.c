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
#include "common/clock.h"
#include "common/error.h"
#include "common/host.h"
#include "common/log.h"
#include "common/ring.h"
#include "common/rpc.h"
#include "common/records.h"
#include "common/sig.h"
#include "common/units.h"
#include "satellite/control.h"
#include "satellite/forward.h"

#define DEFAULT_PORTS "8360-8367"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: satellite [options]\n"
		"\n"
		"A mock trace collector: real tracers report spans to it over HTTP/1.1 (LightStep\n"
		"protobuf and thrift-JSON, OTLP protobuf and JSON, Zipkin v2 JSON and protobuf\n"
		"at /api/v2/spans, the Datadog agent's msgpack at /v0.3, /v0.4 and /v0.5/traces)\n"
		"or gRPC (OTLP TraceService, LightStep CollectorService), and LightStep tracers\n"
		"post their runtime metrics (/metrics, MetricsService); it counts, validates, finds\n"
		"duplicates, and misbehaves on request.\n"
		"\n"
		"  --bind ADDR          IPv4 address for the HTTP ports (default 127.0.0.1)\n"
		"  --ports LIST         ports, as a range or a list: 8360-8367 (default), 8360,8361;\n"
		"                       0 picks a free port\n"
		"                       Each port serves HTTP/1.1 and gRPC (h2c), told apart by\n"
		"                       a connection's first bytes\n"
		"  --grpc-ports LIST    ports for gRPC only, as OTLP's 4317 (default none)\n"
		"  --fallback-ports     if a port is taken, serve as many free ports instead\n"
		"                       (the control channel's Hello tells which)\n"
		"  --mode MODE          typical (default), slow_succeed or slow_fail\n"
		"  --max-body SIZE      largest request body, before and after gzip (default 32M)\n"
		"  --threads N          HTTP worker threads (default: one per core)\n"
		"  --idle-timeout S     close connections idle for S seconds (default 30)\n"
		"  --dup-slots N        duplicate-set slots, a power of two (default 16777216:\n"
		"                       128 MiB, checks 12.5 M spans per run; 8 bytes a slot,\n"
		"                       3/4 of them used: 10.7 MiB per million spans); 0: no\n"
		"                       duplicate check\n"
		"\n"
		"As a local agent, forwarding what it takes (see satellite/README.md):\n"
		"  --forward URL        send every report taken on to URL (http://host:port), in\n"
		"                       batches, with retries; give it again, or a comma list, for\n"
		"                       several upstreams, used in turn\n"
		"  --forward-queue SIZE most report bytes held for upstream; beyond, reports are\n"
		"                       refused with 503 and Retry-After: 1 (default 64M)\n"
		"  --forward-batch SIZE a batch leaves at this size (default 1M)\n"
		"  --forward-delay DUR  or when its oldest report has waited this long (default\n"
		"                       50ms; 0 sends at once)\n"
		"  --forward-senders N  upstream requests at once (default 2)\n"
		"  --forward-timeout DUR  one upstream request's limit (default 10s)\n"
		"  --forward-max-age DUR  drop reports held this long (default 300s)\n"
		"  --forward-drain DUR  at exit, keep sending this long (default 2s)\n"
		"\n"
		"Faults from the start (the orchestrator changes them at run time):\n"
		"  --latency DUR        extra delay before every answer (100ms)\n"
		"  --per-span DUR       extra delay per span of a report (20us)\n"
		"  --errors P           answer an error with probability P (0 to 1)\n"
		"  --error-status N     429, 500 (default) or 503\n"
		"  --retry-after DUR    injected errors carry Retry-After (1s to 3600s)\n"
		"  --close P            close the connection without an answer, probability P\n"
		"  --bandwidth RATE     limit report bodies to RATE per second (512K, 50M; 50MB/s),\n"
		"                       shared by the ports\n"
		"  --bandwidth-per-connection  the limit applies to each connection instead\n"
		TB_AGENT_USAGE
		"  -h, --help           this help\n"
		"  -V, --version        print the version\n");
}

/* parse_ports reads a port list given as flag; returns the count or 0 with err set. */
static size_t parse_ports(const char *flag, const char *s, uint16_t *ports, char *err,
			  size_t errlen)
{
	size_t n = tb_parse_ports(s, ports, SAT_HTTP_MAX_PORTS);
	if (n == 0)
		snprintf(err, errlen, "%s %s: expected a range like 8360-8367 or port numbers "
				      "(0-65535, 0 for a free one) separated by commas, at most %d",
			 flag, s, SAT_HTTP_MAX_PORTS);
	return n;
}

/* What the command line asks for. */
typedef struct options {
	tb_agent_opts agent;
	const char *bind_addr;
	uint16_t ports[SAT_HTTP_MAX_PORTS];
	size_t nports;
	bool fallback_ports;
	uint16_t grpc_ports[SAT_HTTP_MAX_PORTS];
	size_t ngrpc_ports;
	tb_sat_mode mode;
	size_t max_body, dup_slots;
	unsigned long threads, idle;
	Tb__SatFaults faults;	/* the fault flags, checked as a SatSetFaults would be */
	sat_forward_opts fwd;	/* nurls 0: not forwarding */
} options;

enum { O_LATENCY = 256, O_PER_SPAN, O_ERRORS, O_STATUS, O_RETRY, O_CLOSE, O_BW, O_BW_CONN,
       O_FWD, O_FWD_QUEUE, O_FWD_BATCH, O_FWD_DELAY, O_FWD_SENDERS, O_FWD_TIMEOUT,
       O_FWD_MAX_AGE, O_FWD_DRAIN };

/* parse_rate reads a bandwidth: a size (512K, 50M) per second, "/s" and a B optional. */
static bool parse_rate(const char *arg, uint32_t *kbps)
{
	char buf[32];
	size_t n = strlen(arg);
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, arg, n + 1);
	if (n > 2 && strcmp(buf + n - 2, "/s") == 0)
		buf[n -= 2] = '\0';
	if (n > 1 && (buf[n - 1] == 'B' || buf[n - 1] == 'b'))
		buf[--n] = '\0';
	size_t bytes;
	if (!tb_parse_size(buf, &bytes) || bytes / 1024 > UINT32_MAX)
		return false;
	*kbps = (uint32_t)((bytes + 1023) / 1024);
	return true;
}

/* The fault flags, in one table: getopt's entries and the names errors quote. */
#define FAULT_LONGOPTS                                                                    \
	{"latency", required_argument, NULL, O_LATENCY},                                  \
	{"per-span", required_argument, NULL, O_PER_SPAN},                                \
	{"errors", required_argument, NULL, O_ERRORS},                                    \
	{"error-status", required_argument, NULL, O_STATUS},                              \
	{"retry-after", required_argument, NULL, O_RETRY},                                \
	{"close", required_argument, NULL, O_CLOSE},                                      \
	{"bandwidth", required_argument, NULL, O_BW},                                     \
	{"bandwidth-per-connection", no_argument, NULL, O_BW_CONN}

/* The forwarding flags, likewise. */
#define FORWARD_LONGOPTS                                                                  \
	{"forward", required_argument, NULL, O_FWD},                                      \
	{"forward-queue", required_argument, NULL, O_FWD_QUEUE},                          \
	{"forward-batch", required_argument, NULL, O_FWD_BATCH},                          \
	{"forward-delay", required_argument, NULL, O_FWD_DELAY},                          \
	{"forward-senders", required_argument, NULL, O_FWD_SENDERS},                      \
	{"forward-timeout", required_argument, NULL, O_FWD_TIMEOUT},                      \
	{"forward-max-age", required_argument, NULL, O_FWD_MAX_AGE},                      \
	{"forward-drain", required_argument, NULL, O_FWD_DRAIN}

static const char *fault_flag_name(int opt)
{
	static const struct option flags[] = {FAULT_LONGOPTS, FORWARD_LONGOPTS};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (flags[i].val == opt)
			return flags[i].name;
	return "?";
}

/* fault_option takes one of the fault flags into o->faults; false when its value is bad. */
static bool fault_option(options *o, int opt, const char *arg)
{
	Tb__SatFaults *f = &o->faults;
	uint64_t ns;
	double p;
	unsigned long v;
	switch (opt) {
	case O_LATENCY:
		if (!tb_parse_duration(arg, TB_NS_PER_MS, &ns) || ns / 1000 > UINT32_MAX)
			break;
		f->extra_latency_us = (uint32_t)(ns / 1000);
		return true;
	case O_PER_SPAN:
		if (!tb_parse_duration(arg, TB_NS_PER_US, &ns) || ns > 4 * TB_NS_PER_MS)
			break;
		f->extra_per_span_ns = (uint32_t)ns;
		return true;
	case O_ERRORS:
	case O_CLOSE:
		if (!tb_parse_real(arg, 0, 1, &p))
			break;
		*(opt == O_ERRORS ? &f->error_probability : &f->drop_probability) = p;
		return true;
	case O_STATUS:
		if (!tb_parse_uint(arg, 599, &v) || (v != 429 && v != 500 && v != 503))
			break;
		f->error_status = (uint32_t)v;
		return true;
	case O_RETRY:
		if (!tb_parse_duration(arg, TB_NS_PER_S, &ns) || ns < TB_NS_PER_S ||
		    ns > 3600 * TB_NS_PER_S)
			break;
		f->retry_after_s = (uint32_t)(ns / TB_NS_PER_S);
		return true;
	case O_BW:
		if (!parse_rate(arg, &f->bandwidth_kbps))
			break;
		return true;
	case O_BW_CONN:
		f->bandwidth_per_connection = true;
		return true;
	}
	return false;
}

/* forward_urls adds a comma list of upstream URLs (kept in argv, not copied). */
static bool forward_urls(sat_forward_opts *f, char *arg)
{
	char *save = NULL, err[300];
	for (char *u = strtok_r(arg, ",", &save); u != NULL; u = strtok_r(NULL, ",", &save)) {
		if (f->nurls == SAT_FORWARD_MAX_URLS) {
			fprintf(stderr, "satellite: --forward: at most %d upstreams\n",
				SAT_FORWARD_MAX_URLS);
			return false;
		}
		if (sat_forward_url_check(u, err, sizeof(err)) != TB_OK) {
			fprintf(stderr, "satellite: %s\n", err);
			return false;
		}
		f->urls[f->nurls++] = u;
	}
	return f->nurls > 0;
}

/* forward_option takes one of the forwarding flags; false when its value is bad. */
static bool forward_option(sat_forward_opts *f, int opt, const char *arg)
{
	uint64_t ns;
	unsigned long v;
	size_t sz;
	switch (opt) {
	case O_FWD_QUEUE:
	case O_FWD_BATCH:
		if (!tb_parse_size(arg, &sz) || sz < 1024)
			return false;
		*(opt == O_FWD_QUEUE ? &f->queue_bytes : &f->batch_bytes) = sz;
		return true;
	case O_FWD_SENDERS:
		if (!tb_parse_uint(arg, 64, &v) || v == 0)
			return false;
		f->senders = (unsigned)v;
		return true;
	case O_FWD_DELAY:
	case O_FWD_TIMEOUT:
	case O_FWD_DRAIN:
		if (!tb_parse_duration(arg, TB_NS_PER_MS, &ns) || ns > 3600 * TB_NS_PER_S ||
		    (ns < TB_NS_PER_MS && opt != O_FWD_DELAY))
			return false;
		*(opt == O_FWD_DELAY ? &f->batch_delay_ms : opt == O_FWD_TIMEOUT ? &f->timeout_ms
			: &f->drain_ms) = (unsigned)(ns / TB_NS_PER_MS);
		return true;
	case O_FWD_MAX_AGE:
		if (!tb_parse_duration(arg, TB_NS_PER_S, &ns) || ns < TB_NS_PER_S ||
		    ns > 86400 * TB_NS_PER_S)
			return false;
		f->max_age_s = (unsigned)(ns / TB_NS_PER_S);
		return true;
	}
	return false;
}

/* own_option takes one of the satellite's own options; false (message printed) when its
 * value is bad. */
static bool own_option(void *ctx, int opt, const char *arg)
{
	options *o = ctx;
	char err[512];
	unsigned long v;
	if (opt >= O_LATENCY && opt <= O_BW_CONN) {
		if (fault_option(o, opt, arg))
			return true;
		fprintf(stderr, "satellite: --%s %s: not a valid value (see --help)\n",
			fault_flag_name(opt), arg);
		return false;
	}
	if (opt == O_FWD)
		return forward_urls(&o->fwd, (char *)arg);
	if (opt > O_FWD && opt <= O_FWD_DRAIN) {
		if (forward_option(&o->fwd, opt, arg))
			return true;
		fprintf(stderr, "satellite: --%s %s: not a valid value (see --help)\n",
			fault_flag_name(opt), arg);
		return false;
	}
	switch (opt) {
	case 'b': o->bind_addr = arg; return true;
	case 'F': o->fallback_ports = true; return true;
	case 'G':
		if ((o->ngrpc_ports = parse_ports("--grpc-ports", arg, o->grpc_ports, err,
						  sizeof(err))) == 0) {
			fprintf(stderr, "satellite: %s\n", err);
			return false;
		}
		return true;
	case 'p':
		if ((o->nports = parse_ports("--ports", arg, o->ports, err, sizeof(err))) == 0) {
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
		if (tb_parse_uint(arg, 1ul << 31, &v) && (v == 0 || (v >= 1024 && (v & (v - 1)) == 0))) {
			o->dup_slots = v;
			return true;
		}
		fprintf(stderr, "satellite: --dup-slots %s: expected 0 or a power of two from 1024 "
				"to 2^31\n", arg);
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
		{"fallback-ports", no_argument, NULL, 'F'},
		{"grpc-ports", required_argument, NULL, 'G'},
		FAULT_LONGOPTS,
		FORWARD_LONGOPTS,
		TB_AGENT_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	char err[512];
	tb_agent_opts_init(&o->agent, "satellite");
	o->bind_addr = "127.0.0.1";
	o->nports = parse_ports("--ports", DEFAULT_PORTS, o->ports, err, sizeof(err));
	o->mode = TB_SAT_TYPICAL;
	o->max_body = 32u << 20;
	o->dup_slots = SAT_DUPSET_DEFAULT_SLOTS;
	o->threads = (unsigned long)sysconf(_SC_NPROCESSORS_ONLN);
	o->idle = 30;
	tb__sat_faults__init(&o->faults);
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
	sat_forward *forward;
	char ring_name[128];
} satellite;

static int satellite_start(satellite *s, options *o)
{
	char err[512];
	int rv;
	if ((rv = sat_counters_alloc(&s->svc.counters)) != TB_OK ||
	    (rv = sat_faults_alloc(&s->svc.faults, o->mode)) != TB_OK ||
	    (o->dup_slots > 0 && (rv = sat_dupset_alloc(&s->svc.dups, o->dup_slots)) != TB_OK)) {
		tb_error("satellite: cannot allocate its state: %s", tb_strerror(rv));
		return rv;
	}
	/* The fault flags go through the same checks as a SatSetFaults. */
	sat_fault_config cur, cfg;
	sat_faults_get(s->svc.faults, &cur);
	if (sat_fault_config_from_proto(&o->faults, &cur, &cfg, err, sizeof(err)) != TB_OK) {
		tb_error("satellite: the fault flags: %s", err);
		return TB_EINVAL;
	}
	sat_faults_set(s->svc.faults, &cfg);
	if ((rv = tb_agent_ring_create(&o->agent, sizeof(tb_rec_report), &s->ring, s->ring_name,
				       sizeof(s->ring_name))) != TB_OK)
		return rv;
	s->svc.ring_name = s->ring_name;
	s->svc.http_host = o->bind_addr;
	if (o->fwd.nurls > 0 &&
	    (rv = sat_forward_alloc(&s->forward, &o->fwd, s->svc.counters, err, sizeof(err))) != TB_OK) {
		tb_error("satellite: %s", err);
		return rv;
	}
	sat_http_opts ho = {
		.bind = o->bind_addr, .ports = o->ports, .nports = o->nports,
		.grpc_ports = o->grpc_ports, .ngrpc_ports = o->ngrpc_ports,
		.fallback_free = o->fallback_ports,
		.max_body = o->max_body, .threads = (unsigned)o->threads,
		.idle_timeout_s = (unsigned)o->idle, .counters = s->svc.counters,
		.faults = s->svc.faults, .dups = s->svc.dups, .ring = s->ring,
		.forward = s->forward,
	};
	if ((rv = sat_http_alloc(&s->svc.http, &ho, err, sizeof(err))) != TB_OK) {
		tb_error("satellite: %s", err);
		return rv;
	}
	if ((rv = tb_agent_server_alloc(&o->agent, &s->srv)) != TB_OK)
		return rv;
	size_t n, ng;
	const uint16_t *p = sat_http_ports(s->svc.http, &n);
	const uint16_t *g = sat_http_grpc_ports(s->svc.http, &ng);
	char list[SAT_HTTP_MAX_PORTS * 7 + 32] = "";
	size_t off = 0;
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%u", i ? "," : "", p[i]);
	for (size_t i = 0; i < ng; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%u", i ? "," : " (HTTP/1.1 "
					"and gRPC), gRPC only ", g[i]);
	tb_info("satellite: serving %s ports %s in mode %s%s%s%s%s", o->bind_addr, list,
		tb_sat_mode_name(o->mode), s->srv ? ", control on " : "",
		s->srv ? tb_rpc_server_url(s->srv) : "", o->fwd.nurls ? ", forwarding to " : "",
		o->fwd.nurls ? o->fwd.urls[0] : "");
	return TB_OK;
}

/* satellite_stop stops taking reports first, then frees the things they write to. */
static void satellite_stop(satellite *s)
{
	sat_http_free(s->svc.http);
	sat_forward_free(s->forward);
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
	tb_agent_opts_fini(&o.agent);
	tb_log_close();
	return status;
}
