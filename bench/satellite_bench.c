/* SPDX-License-Identifier: MIT */
/* satellite_bench.c - how much the satellite can take, and what it costs: LightStep
 * reports of 1, 100 and 1000 realistic spans posted over keep-alive HTTP on 1 and 4
 * connections to a real satellite process, by libcurl (one request at a time, one thread
 * per connection, as a tracer's HTTP client posts) and by the lean generator of
 * bench/httpload.c (one at a time or pipelined). For each case it prints reports/s,
 * spans/s, spans per satellite CPU-second (the satellite's utime+stime from /proc),
 * p50/p99 latency, and cross-checks the satellite's counters against what was sent
 * (exactly). OTLP reports over gRPC (h2c, bench/grpcclient.c) are set beside the same
 * reports over HTTP/1.1. A final soak run watches the satellite's RSS. Beside the targets it prints
 * this machine's floors (bench/tcpfloor.c): no HTTP server, however quick, can go past
 * what plain loopback TCP does.
 *
 *   satellite_bench [--seconds S] [--soak S] [--satellite PATH] [--only SPANS:CONNS:DEPTH]
 *                   [--grpc] [--protocols]
 * The protocol table sets 1000-span reports of LightStep, OTLP, Zipkin JSON and Datadog
 * msgpack side by side.
 * Targets (2-core machine): >= 2,000,000 spans per satellite CPU-second with 1000-span
 * reports, >= 50,000 reports/s with 1-span reports, OTLP/gRPC within 1.5x of OTLP/HTTP/1.1
 * in spans per satellite CPU-second, RSS flat over a 60 s soak. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/grpcclient.h"
#include "bench/httpload.h"
#include "bench/reportgen.h"
#include "bench/tcpfloor.h"
#include "common/child.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/host.h"
#include "common/rpc.h"
#include "common/units.h"

#define BODIES 32	/* distinct reports per case, cycled */
#define MAX_CONNS 4

typedef struct worker {
	pthread_t t;
	uint16_t port;
	uint8_t **bodies;
	size_t *lens;
	uint64_t deadline;
	uint64_t sent, failed, spans_per;
	uint64_t *lat;	/* latency samples, ns */
	size_t nlat, caplat;
	unsigned first_body;
	int depth;	/* 0: libcurl, one request at a time; n: httpload, n in flight */
	const char *path, *type;	/* the endpoint posted to */
} worker;

/* What a case sends: a protocol's reports over HTTP/1.1, or OTLP protobuf over gRPC. */
typedef enum wire {
	W_LS_HTTP = 0, W_OTLP_HTTP, W_OTLP_GRPC, W_ZIPKIN_HTTP, W_DD_HTTP, W_DD05_HTTP
} wire;

static uint8_t *zipkin_json(size_t n, uint64_t first, size_t *len)
{
	return (uint8_t *)tb_report_zipkin_json(n, first, len);
}

/* Each wire's name, endpoint, Content-Type and report maker. */
static const struct wire_kind {
	const char *name, *path, *type;
	uint8_t *(*make)(size_t spans, uint64_t first_id, size_t *len);
} wires[] = {
	[W_LS_HTTP] = {"lightstep", "/api/v2/reports", "application/octet-stream",
		       tb_report_lightstep},
	[W_OTLP_HTTP] = {"otlp", "/v1/traces", "application/x-protobuf", tb_report_otlp_proto},
	[W_OTLP_GRPC] = {"otlp grpc", NULL, NULL, tb_report_otlp_proto},
	[W_ZIPKIN_HTTP] = {"zipkin", "/api/v2/spans", "application/json", zipkin_json},
	[W_DD_HTTP] = {"datadog", "/v0.4/traces", "application/msgpack", tb_report_datadog},
	[W_DD05_HTTP] = {"datadog v0.5", "/v0.5/traces", "application/msgpack",
			 tb_report_datadog_v05},
};

static size_t sink(char *p, size_t sz, size_t n, void *arg)
{
	return sz * n;
}

/* raw_loop is the lean generator: pre-built requests, depth of them in flight. */
static void *raw_loop(void *arg)
{
	worker *w = arg;
	tb_httpload l = {
		.port = w->port, .path = w->path, .content_type = w->type, .bodies = w->bodies,
		.lens = w->lens, .nbodies = BODIES, .first_body = w->first_body,
		.depth = w->depth, .deadline = w->deadline, .lat = w->lat, .caplat = w->caplat,
	};

	tb_httpload_run(&l);
	if (l.err[0] != '\0')
		fprintf(stderr, "satellite_bench: port %u: %s\n", w->port, l.err);
	w->sent = l.ok;
	w->failed = l.failed;
	w->nlat = l.nlat;
	return NULL;
}

/* tally counts one report sent at t0, answered ok or not; 1 to move to the next body. */
static unsigned tally(worker *w, bool ok, uint64_t t0)
{
	if (!ok) {
		w->failed++;
		return 0;
	}
	w->sent++;
	if (w->nlat < w->caplat)
		w->lat[w->nlat++] = tb_now_ns() - t0;
	return 1;
}

static void *post_loop(void *arg)
{
	worker *w = arg;
	CURL *c = curl_easy_init();
	struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/octet-stream");
	char url[128];
	unsigned k = w->first_body;

	hl = curl_slist_append(hl, "Expect:");
	if (strcmp(w->type, "application/octet-stream") != 0) {
		curl_slist_free_all(hl);
		char ct[96];
		snprintf(ct, sizeof(ct), "Content-Type: %s", w->type);
		hl = curl_slist_append(curl_slist_append(NULL, ct), "Expect:");
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", w->port, w->path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	while (tb_now_ns() < w->deadline) {
		uint64_t t0 = tb_now_ns();
		long status = 0;
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, w->bodies[k % BODIES]);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)w->lens[k % BODIES]);
		if (curl_easy_perform(c) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		k += tally(w, status == 200, t0);
	}
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return NULL;
}

/* grpc_loop makes unary OTLP/gRPC calls one at a time on one connection, as an
 * exporter does. */
static void *grpc_loop(void *arg)
{
	worker *w = arg;
	tg_conn *c = tg_open(w->port);
	unsigned k = w->first_body;
	static __thread tg_reply r;
	while (c != NULL && tb_now_ns() < w->deadline) {
		uint64_t t0 = tb_now_ns();
		bool ok = tg_call(c, "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
				  w->bodies[k % BODIES], w->lens[k % BODIES], false, NULL, 10000,
				  &r) && r.grpc_status == 0;
		k += tally(w, ok, t0);
	}
	tg_close(c);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* cpu_ticks returns utime+stime of pid in clock ticks, from /proc/pid/stat. */
static unsigned long long cpu_ticks(pid_t pid)
{
	char path[64], buf[2048];
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL || fgets(buf, sizeof(buf), f) == NULL) {
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	/* Fields after the command name (which may hold spaces) start after the last ')'. */
	char *p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				&ut, &st) != 2)
		return 0;
	return ut + st;
}

static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static tb_rpc_client *ctl;

static Tb__Envelope *control(Tb__Envelope *req)
{
	Tb__Envelope *rep = NULL;
	char err[256];

	if (tb_rpc_call(ctl, req, &rep, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "satellite_bench: control: %s\n", err);
		exit(2);
	}
	return rep;
}

static void reset(uint64_t run)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SatReset r = TB__SAT_RESET__INIT;

	r.run_id = run;
	req.body_case = TB__ENVELOPE__BODY_SAT_RESET;
	req.sat_reset = &r;
	tb_rpc_free(control(&req));
}

static Tb__Envelope *counters(void)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SatGetCounters g = TB__SAT_GET_COUNTERS__INIT;

	req.body_case = TB__ENVELOPE__BODY_SAT_GET_COUNTERS;
	req.sat_get_counters = &g;
	return control(&req);
}

typedef struct result {
	double reports_s, spans_s, spans_per_cpu_s, p50_us, p99_us, cpu_pct;
	int exact;
} result;

static result run_case(pid_t sat, const uint16_t *ports, wire wi, size_t spans, int conns,
		       int depth, double secs, uint64_t run)
{
	static uint8_t *bodies[BODIES];
	static size_t lens[BODIES];
	worker w[MAX_CONNS];
	unsigned long long t0, t1;
	uint64_t wall0, wall1, sent = 0, failed = 0, nlat = 0;
	uint64_t *all;
	result r = {0};

	for (int i = 0; i < BODIES; i++)
		bodies[i] = wires[wi].make(spans, 1 + (uint64_t)i * spans, &lens[i]);
	reset(run);
	memset(w, 0, sizeof(w));
	t0 = cpu_ticks(sat);
	wall0 = tb_now_ns();
	for (int i = 0; i < conns; i++) {
		w[i].port = ports[i];
		w[i].bodies = bodies;
		w[i].lens = lens;
		w[i].deadline = wall0 + (uint64_t)(secs * 1e9);
		w[i].caplat = 4u << 20;
		w[i].lat = malloc(w[i].caplat * sizeof(uint64_t));
		w[i].first_body = (unsigned)i * 7;
		w[i].depth = depth;
		w[i].path = wires[wi].path;
		w[i].type = wires[wi].type;
		pthread_create(&w[i].t, NULL,
			       wi == W_OTLP_GRPC ? grpc_loop : depth > 0 ? raw_loop : post_loop,
			       &w[i]);
	}
	for (int i = 0; i < conns; i++) {
		pthread_join(w[i].t, NULL);
		sent += w[i].sent;
		failed += w[i].failed;
		nlat += w[i].nlat;
	}
	wall1 = tb_now_ns();
	t1 = cpu_ticks(sat);

	all = malloc((nlat ? nlat : 1) * sizeof(uint64_t));
	nlat = 0;
	for (int i = 0; i < conns; i++) {
		memcpy(all + nlat, w[i].lat, w[i].nlat * sizeof(uint64_t));
		nlat += w[i].nlat;
		free(w[i].lat);
	}
	qsort(all, nlat, sizeof(uint64_t), cmp_u64);
	double wall = (double)(wall1 - wall0) / 1e9;
	double cpu = (double)(t1 - t0) / (double)sysconf(_SC_CLK_TCK);
	r.reports_s = (double)sent / wall;
	r.spans_s = (double)(sent * spans) / wall;
	r.spans_per_cpu_s = cpu > 0 ? (double)(sent * spans) / cpu : 0;
	r.cpu_pct = 100 * cpu / wall;
	r.p50_us = nlat ? (double)all[nlat / 2] / 1e3 : 0;
	r.p99_us = nlat ? (double)all[nlat * 99 / 100] / 1e3 : 0;
	free(all);

	/* Cross-check: every report sent was counted, each distinct span received once, and
	 * the duplicates are exactly the spans sent beyond the distinct ones. */
	Tb__Envelope *c = counters();
	uint64_t distinct = sent < BODIES ? sent * spans : (uint64_t)BODIES * spans;
	uint64_t want_dups = sent * spans - distinct;
	r.exact = failed == 0 && c->sat_counters->reports == sent &&
		  c->sat_counters->spans == distinct &&
		  c->sat_counters->duplicates == want_dups;
	if (!r.exact)
		fprintf(stderr, "satellite_bench: MISMATCH: sent %llu reports (%llu failed), %llu "
				"distinct spans, %llu dups expected; satellite counted %llu "
				"reports, %llu spans, %llu dups\n",
			(unsigned long long)sent, (unsigned long long)failed,
			(unsigned long long)distinct, (unsigned long long)want_dups,
			(unsigned long long)c->sat_counters->reports,
			(unsigned long long)c->sat_counters->spans,
			(unsigned long long)c->sat_counters->duplicates);
	tb_rpc_free(c);
	for (int i = 0; i < BODIES; i++)
		free(bodies[i]);
	return r;
}

/* print_row prints one case as a line of the table; label names the client, or NULL
 * for curl or the lean generator by depth. */
static void print_row(size_t spans, int conns, int depth, const char *label, const result *r)
{
	char client[16];

	if (label != NULL)
		snprintf(client, sizeof(client), "%s", label);
	else if (depth == 0)
		snprintf(client, sizeof(client), "curl");
	else
		snprintf(client, sizeof(client), "raw x%d", depth);
	printf("%6zu %5d %-9s %11.0f %12.0f %16.0f %7.0f%% %9.0f %9.0f %6s\n", spans, conns,
	       client, r->reports_s, r->spans_s, r->spans_per_cpu_s, r->cpu_pct, r->p50_us,
	       r->p99_us, r->exact ? "yes" : "NO");
	fflush(stdout);
}

/* run_grpc_table sets OTLP over gRPC beside OTLP over HTTP/1.1: 1000-span reports, one
 * call at a time per connection, as exporters send. Returns whether counts were exact. */
static bool run_grpc_table(pid_t sat, const uint16_t *ports, double secs, uint64_t *run)
{
	double best[2] = {0, 0};
	bool ok = true;
	for (int g = 0; g < 2; g++)
		for (int conns = 1; conns <= 4; conns += 3) {
			result r = run_case(sat, ports, g ? W_OTLP_GRPC : W_OTLP_HTTP, 1000, conns, 0,
					    secs, (*run)++);
			print_row(1000, conns, 0, g ? "otlp grpc" : "otlp curl", &r);
			ok &= r.exact;
			if (r.spans_per_cpu_s > best[g])
				best[g] = r.spans_per_cpu_s;
		}
	double ratio = best[1] > 0 ? best[0] / best[1] : 0;
	printf("target: OTLP/gRPC within 1.5x of OTLP/HTTP/1.1 in spans per satellite "
	       "CPU-second at 1000 spans/report: gRPC %.0f, HTTP/1.1 %.0f, HTTP/1.1 does %.2fx "
	       "(%s)\n",
	       best[1], best[0], ratio, ratio > 0 && ratio <= 1.5 ? "met" : "NOT met");
	return ok;
}

/* run_protocol_table posts each protocol's 1000-span reports by the lean generator, one
 * at a time on 1 and 4 connections. Returns whether counts were exact. */
static bool run_protocol_table(pid_t sat, const uint16_t *ports, double secs, uint64_t *run)
{
	static const wire each[] = {W_LS_HTTP, W_OTLP_HTTP, W_ZIPKIN_HTTP, W_DD_HTTP,
				    W_DD05_HTTP};
	bool ok = true;
	for (size_t i = 0; i < sizeof(each) / sizeof(each[0]); i++)
		for (int conns = 1; conns <= 4; conns += 3) {
			result r = run_case(sat, ports, each[i], 1000, conns, 1, secs, (*run)++);
			print_row(1000, conns, 1, wires[each[i]].name, &r);
			ok &= r.exact;
		}
	return ok;
}

/* What the command line asks for. */
typedef struct options {
	double secs, soak;
	char sat_path[PATH_MAX];
	size_t only_spans;	/* 0: every case */
	int only_conns, only_depth;
	bool only_grpc;		/* --grpc: the gRPC comparison alone */
	bool only_protocols;	/* --protocols: the table by protocol alone */
} options;

/* parse_args fills o. Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, options *o)
{
	static const struct option longopts[] = {
		{"seconds", required_argument, NULL, 's'},
		{"soak", required_argument, NULL, 'k'},
		{"satellite", required_argument, NULL, 'S'},
		{"only", required_argument, NULL, 'o'},
		{"grpc", no_argument, NULL, 'g'},
		{"protocols", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt, used = 0;
	*o = (options){.secs = 3, .soak = 60};
	tb_program_path(o->sat_path, sizeof(o->sat_path), "satellite");
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (!tb_parse_real(optarg, 0.01, 3600, &o->secs)) {
				fprintf(stderr, "satellite_bench: --seconds %s: expected 0.01 to 3600\n",
					optarg);
				return 2;
			}
			break;
		case 'k':
			if (!tb_parse_real(optarg, 0, 86400, &o->soak)) {
				fprintf(stderr, "satellite_bench: --soak %s: expected 0 to 86400\n", optarg);
				return 2;
			}
			break;
		case 'S': snprintf(o->sat_path, sizeof(o->sat_path), "%s", optarg); break;
		case 'g': o->only_grpc = true; break;
		case 'P': o->only_protocols = true; break;
		case 'o':
			if (sscanf(optarg, "%zu:%d:%d%n", &o->only_spans, &o->only_conns,
				   &o->only_depth, &used) != 3 || optarg[used] != '\0' ||
			    o->only_spans < 1 || o->only_spans > 4096 || o->only_conns < 1 ||
			    o->only_conns > MAX_CONNS || o->only_depth < 0 || o->only_depth > 64) {
				fprintf(stderr, "satellite_bench: --only wants SPANS:CONNS:DEPTH "
						"(1-4096, 1-%d, 0-64), not '%s'\n", MAX_CONNS, optarg);
				return 2;
			}
			break;
		case 'h':
			printf("usage: satellite_bench [--seconds S (3)] [--soak S (60, 0 = skip)] "
			       "[--satellite PATH] [--only SPANS:CONNS:DEPTH] [--grpc] [--protocols]\n"
			       "  --grpc runs only OTLP over gRPC beside OTLP over HTTP/1.1\n"
			       "  --protocols runs only 1000-span reports of each protocol\n"
			       "  --only runs that one case and nothing else (DEPTH 0: libcurl; "
			       "n: the lean generator, n requests in flight)\n");
			return 0;
		default: return 2;
		}
	}
	return -1;
}

/* run_table runs every case, prints its row, then the targets and the machine's floors.
 * Returns whether every count was exact. */
static bool run_table(pid_t sat, const uint16_t *ports, double secs, uint64_t *run)
{
	/* depth 0: libcurl, one request at a time, as a tracer's HTTP client posts; depth n:
	 * the lean generator (bench/httpload.c) with n requests in flight per connection. */
	static const struct {
		size_t spans;
		int conns, depth;
	} cases[] = {
		{1, 1, 0}, {1, 4, 0}, {1, 4, 1}, {1, 4, 16}, {100, 1, 0}, {100, 4, 0},
		{1000, 1, 0}, {1000, 4, 0}, {1000, 4, 1},
	};
	double best_1000 = 0, best_1 = 0, best_1_piped = 0;
	bool ok = true;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t spans = cases[i].spans;
		int depth = cases[i].depth;
		result r = run_case(sat, ports, W_LS_HTTP, spans, cases[i].conns, depth, secs,
				    (*run)++);
		print_row(spans, cases[i].conns, depth, NULL, &r);
		ok &= r.exact;
		if (spans == 1000 && r.spans_per_cpu_s > best_1000)
			best_1000 = r.spans_per_cpu_s;
		if (spans == 1 && depth <= 1 && r.reports_s > best_1)
			best_1 = r.reports_s;
		if (spans == 1 && depth > 1 && r.reports_s > best_1_piped)
			best_1_piped = r.reports_s;
	}
	printf("target: >= 2,000,000 spans per satellite CPU-second at 1000 spans/report: "
	       "%.0f (%s)\n", best_1000, best_1000 >= 2e6 ? "met" : "NOT met");
	printf("floor: a bare loopback TCP receiver (recv 256 KiB at a time and discard, no "
	       "HTTP) takes %.0f spans per CPU-second of the same 1000-span reports here\n",
	       tb_tcpfloor_receive(secs));
	printf("target: >= 50,000 reports/s at 1 span/report: %.0f one at a time (%s), %.0f "
	       "pipelined (%s)\n", best_1, best_1 >= 50000 ? "met" : "NOT met", best_1_piped,
	       best_1_piped >= 50000 ? "met" : "NOT met");
	printf("floor: bare loopback TCP, 4 connections each sending a request of the same "
	       "size and waiting for a 100-byte answer from one epoll thread (no HTTP): "
	       "%.0f requests/s\n", tb_tcpfloor_pingpong(secs, 4));
	return ok;
}

/* run_soak posts 1000-span reports for soak seconds and prints the satellite's RSS
 * along the way. Returns whether every count was exact. */
static bool run_soak(pid_t sat, const uint16_t *ports, double soak, uint64_t *run)
{
	long rss0 = rss_kib(sat), rss_max = rss0;
	double step = soak / 12;
	uint64_t spans_sent = 0;
	bool ok = true;
	printf("soak: 1000-span reports on 4 connections for %.0f s; satellite RSS:", soak);
	for (int i = 0; i < 12; i++) {
		result r = run_case(sat, ports, W_LS_HTTP, 1000, 4, 0, step, (*run)++);
		long rss = rss_kib(sat);
		ok &= r.exact;
		spans_sent += (uint64_t)(r.spans_s * step);
		if (rss > rss_max)
			rss_max = rss;
		printf(" %ld", rss / 1024);
		fflush(stdout);
	}
	printf(" MiB\nsoak: RSS %ld MiB before, %ld MiB after, %ld MiB peak, ~%.1f M spans\n",
	       rss0 / 1024, rss_kib(sat) / 1024, rss_max / 1024, (double)spans_sent / 1e6);
	return ok;
}

/* start_satellite starts the satellite under test and learns its ports. */
static int start_satellite(const options *o, tb_child *sat, uint16_t *ports)
{
	char err[256], url[128];
	snprintf(url, sizeof(url), "ipc:///tmp/tb-sat-bench-%d.ipc", (int)getpid());
	char *sargv[] = {(char *)o->sat_path, "--ports", "0,0,0,0", "--control", url, "--quiet",
			 NULL};
	if (tb_child_spawn(sat, sargv, NULL, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "satellite_bench: cannot start %s: %s\n", o->sat_path, err);
		return TB_ESYS;
	}
	if (tb_rpc_client_alloc(&ctl, url, 5000, NULL, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "satellite_bench: %s\n", err);
		tb_child_stop(sat, 0);
		tb_child_fini(sat);
		return TB_ESYS;
	}
	Tb__Envelope *rep;
	if (tb_rpc_hello(ctl, "bench", &rep, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "satellite_bench: %s\n", err);
		return TB_EPEER;
	}
	for (int i = 0; i < MAX_CONNS; i++)
		ports[i] = (uint16_t)rep->hello_reply->ports[i];
	tb_rpc_free(rep);
	return TB_OK;
}

int main(int argc, char **argv)
{
	static options o;
	int status = parse_args(argc, argv, &o);
	if (status >= 0)
		return status;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tb_child sat;
	uint16_t ports[MAX_CONNS];
	if (start_satellite(&o, &sat, ports) != TB_OK)
		return 2;
	printf("satellite_bench: LightStep reports of ~930-byte spans, %.0f s per case, "
	       "satellite pid %d on %ld cores\n", o.secs, (int)sat.pid, sysconf(_SC_NPROCESSORS_ONLN));
	printf("%6s %5s %-9s %11s %12s %16s %8s %9s %9s %6s\n", "spans", "conns", "client",
	       "reports/s", "spans/s", "spans/sat-CPU-s", "sat CPU", "p50 us", "p99 us", "exact");
	bool ok = true;
	uint64_t run = 1;
	if (o.only_spans > 0) {
		result r = run_case(sat.pid, ports, W_LS_HTTP, o.only_spans, o.only_conns,
				    o.only_depth, o.secs, run++);
		print_row(o.only_spans, o.only_conns, o.only_depth, NULL, &r);
		ok = r.exact;
	} else if (o.only_grpc) {
		ok = run_grpc_table(sat.pid, ports, o.secs, &run);
	} else if (o.only_protocols) {
		ok = run_protocol_table(sat.pid, ports, o.secs, &run);
	} else {
		ok = run_table(sat.pid, ports, o.secs, &run);
		ok &= run_grpc_table(sat.pid, ports, o.secs, &run);
		ok &= run_protocol_table(sat.pid, ports, o.secs, &run);
		if (o.soak > 0)
			ok &= run_soak(sat.pid, ports, o.soak, &run);
	}
	tb_rpc_shutdown(ctl);
	tb_child_wait(&sat, 5000);
	tb_child_fini(&sat);
	tb_rpc_client_free(ctl);
	curl_global_cleanup();
	if (!ok)
		fprintf(stderr, "satellite_bench: counters did not match what was sent\n");
	return ok ? 0 : 1;
}
