/* SPDX-License-Identifier: MIT */
/* tracer_bench.c - what the reference C client's tracers cost per span on the client's
 * own thread: start, 10 tags, 15 logs, finish, for the NoOp tracer and the reporting
 * tracer (LightStep and OTLP protobuf), with the reporting tracer flushing to a real
 * satellite process meanwhile. Prints ns per span, the difference to NoOp, the flush
 * thread's CPU per span (packing and posting), and checks that the satellite received
 * every span.
 *
 *   tracer_bench [--spans N] [--satellite PATH] */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "client-shim/tracer.h"
#include "common/child.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/host.h"
#include "common/rpc.h"
#include "common/units.h"

static const char *keys[32];

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * TB_NS_PER_S + (uint64_t)ts.tv_nsec;
}

static uint64_t process_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * TB_NS_PER_S + (uint64_t)ts.tv_nsec;
}

typedef struct figures {
	double ns_per_span;	/* the calling thread's CPU */
	double flush_ns_per_span;	/* everything else in the process (the flush thread) */
	tb_tracer_stats st;
} figures;

static figures measure(tb_tracer *t, uint64_t spans)
{
	figures f;
	uint64_t p0 = process_cpu_ns(), c0 = thread_cpu_ns();
	/* The workload's shape without its work: client -> server -> db chains. */
	for (uint64_t i = 0; i < spans; i += 3) {
		tb_span *s[3];
		for (int d = 0; d < 3; d++) {
			s[d] = tb_tracer_start(t, d == 0 ? "client" : d == 1 ? "server" : "db",
					       d ? s[d - 1] : NULL);
			for (int k = 0; k < 10; k++)
				tb_span_set_tag(t, s[d], keys[k], "some-tag-value");
			for (int k = 0; k < 15; k++)
				tb_span_add_log(t, s[d], keys[16 + k], "a log message of moderate length");
		}
		for (int d = 2; d >= 0; d--)
			tb_tracer_finish(t, s[d]);
	}
	uint64_t c1 = thread_cpu_ns();
	tb_tracer_close(t, true);
	uint64_t p1 = process_cpu_ns();
	tb_tracer_get_stats(t, &f.st);
	uint64_t n = spans + (3 - spans % 3) % 3;
	f.ns_per_span = (double)(c1 - c0) / (double)n;
	f.flush_ns_per_span = (double)((p1 - p0) - (c1 - c0)) / (double)n;
	return f;
}

/* start_satellite starts the satellite the reporting tracers post to; its address in
 * addr. */
static int start_satellite(const char *sat_path, tb_child *sat, tb_rpc_client **cl,
			   char *addr, size_t len)
{
	char err[256], url[128];
	snprintf(url, sizeof(url), "ipc:///tmp/tb-tracer-bench-%d.ipc", (int)getpid());
	char *sargv[] = {(char *)sat_path, "--ports", "0", "--control", url, NULL};
	if (tb_child_spawn(sat, sargv, NULL, err, sizeof(err)) != TB_OK ||
	    tb_rpc_client_alloc(cl, url, 5000, NULL, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "tracer_bench: %s\n", err);
		return TB_ESYS;
	}
	Tb__Envelope *rep;
	if (tb_rpc_hello(*cl, "tracer_bench", &rep, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "tracer_bench: satellite: %s\n", err);
		return TB_EPEER;
	}
	snprintf(addr, len, "127.0.0.1:%u", rep->hello_reply->ports[0]);
	tb_rpc_free(rep);
	return TB_OK;
}

/* measure_tracers prints a row for NoOp, then for each reporting tracer. Returns 1 when
 * a reporting tracer dropped spans, else 0; 2 when one could not be made. */
static int measure_tracers(const char *sat_addr, uint64_t spans)
{
	char err[256];
	const char *sats[] = {sat_addr};
	tb_tracer *t;
	tb_tracer_noop_alloc(&t);
	figures noop = measure(t, spans);
	tb_tracer_free(t);
	printf("%-16s %12.0f %12s %14s %10s %10s\n", "noop", noop.ns_per_span, "-", "-", "-", "-");
	int status = 0;
	for (int p = 0; p < 2; p++) {
		/* A buffer as large as the run, so the figures are per span, not per drop. */
		tb_tracer_opts o = {.protocol = p ? TB_PROTO_OTLP : TB_PROTO_LIGHTSTEP,
				    .satellites = sats, .n_satellites = 1,
				    .max_buffered = (size_t)spans + 3};
		if (tb_tracer_report_alloc(&t, &o, err, sizeof(err)) != TB_OK) {
			fprintf(stderr, "tracer_bench: %s\n", err);
			return 2;
		}
		figures f = measure(t, spans);
		tb_tracer_free(t);
		printf("%-16s %12.0f %11.1fx %14.0f %10llu %10llu\n",
		       p ? "report/otlp" : "report/lightstep", f.ns_per_span,
		       f.ns_per_span / noop.ns_per_span, f.flush_ns_per_span,
		       (unsigned long long)f.st.sent, (unsigned long long)f.st.dropped);
		if (f.st.dropped != 0)
			status = 1;
	}
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"spans", required_argument, NULL, 'n'},
		{"satellite", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long spans = 300000;
	char sat_path[PATH_MAX], sat_addr[64];
	int opt;
	setvbuf(stdout, NULL, _IOLBF, 0);
	tb_program_path(sat_path, sizeof(sat_path), "satellite");
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (!tb_parse_uint(optarg, 100000000, &spans) || spans < 3) {
				fprintf(stderr, "tracer_bench: --spans %s: expected 3 to 100000000\n",
					optarg);
				return 2;
			}
			break;
		case 'S': snprintf(sat_path, sizeof(sat_path), "%s", optarg); break;
		case 'h': printf("usage: tracer_bench [--spans N (300000)] [--satellite PATH]\n"); return 0;
		default: return 2;
		}
	}
	for (int i = 0; i < 32; i++) {
		char *k = malloc(16);
		if (k == NULL)
			return 2;
		snprintf(k, 16, "key.%d", i);
		keys[i] = k;
	}
	tb_child sat;
	tb_rpc_client *cl = NULL;
	if (start_satellite(sat_path, &sat, &cl, sat_addr, sizeof(sat_addr)) != TB_OK)
		return 2;
	printf("tracer_bench: %llu spans per tracer, 10 tags and 15 logs each, satellite %s\n",
	       (unsigned long long)spans, sat_addr);
	printf("%-16s %12s %12s %14s %10s %10s\n", "tracer", "ns/span", "vs noop", "flush ns/span",
	       "sent", "dropped");
	int status = measure_tracers(sat_addr, spans);
	tb_rpc_shutdown(cl);
	tb_rpc_client_free(cl);
	tb_child_wait(&sat, 5000);
	tb_child_fini(&sat);
	return status;
}
