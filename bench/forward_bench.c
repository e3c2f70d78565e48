/* SPDX-License-Identifier: MIT */
/* forward_bench.c - what a forwarding satellite (satellite --forward) costs beside a
 * satellite that only takes reports: the same LightStep reports of 1000 and of 100 spans
 * posted one at a time on 1 and 4 kept-alive connections (bench/httpload.c) to each, the
 * forwarder sending on to a third satellite. For each it prints spans/s taken, spans
 * per CPU-second of the satellite under test (its CPU from the first report until the
 * upstream has every span), its peak RSS, and for the forwarder the batches it sent,
 * their mean size, its queue's peak and how long it took to deliver the rest once the
 * load stopped; then whether the upstream counted every copy sent (exactly).
 *
 *   forward_bench [--seconds S] [--satellite PATH] */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/httpload.h"
#include "bench/reportgen.h"
#include "common/child.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/host.h"
#include "common/rpc.h"

#define BODIES 32	/* distinct reports, cycled: the upstream counts repeats as copies */
#define MAX_CONNS 4

/* A satellite process and its control channel. */
typedef struct agent {
	tb_child child;
	tb_rpc_client *ctl;
	uint16_t port;
} agent;

static int agent_start(agent *a, const char *bin, const char *name, const char *forward_to)
{
	char err[256], url[128], fw[64];
	snprintf(url, sizeof(url), "ipc:///tmp/tb-fwd-bench-%d-%s.ipc", (int)getpid(), name);
	snprintf(fw, sizeof(fw), "http://127.0.0.1:%u", forward_to ? atoi(forward_to) : 0);
	char *argv[] = {(char *)bin, "--ports", "0", "--control", url, "--quiet", "--dup-slots",
			"0", forward_to ? "--forward" : NULL, fw, NULL};
	if (tb_child_spawn(&a->child, argv, NULL, err, sizeof(err)) != TB_OK ||
	    tb_rpc_client_alloc(&a->ctl, url, 5000, NULL, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "forward_bench: %s: %s\n", name, err);
		return TB_ESYS;
	}
	Tb__Envelope *rep;
	if (tb_rpc_hello(a->ctl, "bench", &rep, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "forward_bench: %s: %s\n", name, err);
		return TB_EPEER;
	}
	a->port = (uint16_t)rep->hello_reply->ports[0];
	tb_rpc_free(rep);
	return TB_OK;
}

static void agent_stop(agent *a)
{
	tb_rpc_shutdown(a->ctl);
	tb_child_wait(&a->child, 5000);
	tb_child_fini(&a->child);
	tb_rpc_client_free(a->ctl);
}

/* counters returns the satellite's SatCounters (free with tb_rpc_free), or exits. */
static Tb__Envelope *counters(agent *a)
{
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep = NULL;
	Tb__SatGetCounters g = TB__SAT_GET_COUNTERS__INIT;
	char err[256];
	req.body_case = TB__ENVELOPE__BODY_SAT_GET_COUNTERS;
	req.sat_get_counters = &g;
	if (tb_rpc_call(a->ctl, &req, &rep, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "forward_bench: counters: %s\n", err);
		exit(2);
	}
	return rep;
}

static void reset(agent *a, uint64_t run)
{
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep = NULL;
	Tb__SatReset r = TB__SAT_RESET__INIT;
	char err[256];
	r.run_id = run;
	req.body_case = TB__ENVELOPE__BODY_SAT_RESET;
	req.sat_reset = &r;
	if (tb_rpc_call(a->ctl, &req, &rep, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "forward_bench: reset: %s\n", err);
		exit(2);
	}
	tb_rpc_free(rep);
}

/* hwm_mib reads a process's peak resident memory. */
static double hwm_mib(pid_t pid)
{
	char path[64], line[256];
	long kib = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld", &kib) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return (double)kib / 1024;
}

typedef struct row {
	double spans_s, spans_per_cpu_s, hwm_mib, drain_s, batch_spans, peak_mib;
	uint64_t batches, copies, sent;
} row;

/* load posts the reports on conns connections for secs; returns the reports taken. */
static uint64_t load(uint16_t port, uint8_t **bodies, size_t *lens, int conns, double secs)
{
	tb_httpload l[MAX_CONNS];
	pthread_t t[MAX_CONNS];
	uint64_t end = tb_now_ns() + (uint64_t)(secs * 1e9), ok = 0;
	for (int i = 0; i < conns; i++) {
		l[i] = (tb_httpload){.port = port, .path = "/api/v2/reports",
				     .content_type = "application/octet-stream", .bodies = bodies,
				     .lens = lens, .nbodies = BODIES, .first_body = (size_t)i * 8,
				     .depth = 1, .deadline = end};
		pthread_create(&t[i], NULL, tb_httpload_run, &l[i]);
	}
	for (int i = 0; i < conns; i++) {
		pthread_join(t[i], NULL);
		if (l[i].err[0] != '\0')
			fprintf(stderr, "forward_bench: %s\n", l[i].err);
		ok += l[i].ok;
	}
	return ok;
}

/* copies_at reads how many span copies the upstream has taken: distinct + duplicates. */
static uint64_t copies_at(agent *up)
{
	Tb__Envelope *rep = counters(up);
	uint64_t n = rep->sat_counters->spans + rep->sat_counters->duplicates;
	tb_rpc_free(rep);
	return n;
}

/* run_case loads under (a forwarder when fwd, else a satellite alone) and measures it
 * until the upstream has everything. */
static row run_case(agent *under, agent *up, bool fwd, uint8_t **bodies, size_t *lens,
		    size_t spans, int conns, double secs, uint64_t run)
{
	row r = {0};
	reset(under, run);
	reset(up, run);
	uint64_t t0 = tb_now_ns();
	r.sent = load(under->port, bodies, lens, conns, secs) * spans;
	uint64_t t1 = tb_now_ns(), t2 = t1;
	r.copies = r.sent;
	if (fwd) {
		for (uint64_t end = t1 + 30 * TB_NS_PER_S; tb_now_ns() < end;
		     tb_sleep_ns(10 * TB_NS_PER_MS))
			if ((r.copies = copies_at(up)) >= r.sent)
				break;
		t2 = tb_now_ns();
	}
	Tb__Envelope *rep = counters(under);
	const Tb__SatCounters *c = rep->sat_counters;
	r.spans_s = (double)r.sent / ((double)(t1 - t0) / 1e9);
	r.spans_per_cpu_s = c->cpu_ns > 0 ? (double)r.sent / ((double)c->cpu_ns / 1e9) : 0;
	r.hwm_mib = hwm_mib(under->child.pid);
	r.drain_s = (double)(t2 - t1) / 1e9;
	if (fwd && c->forward != NULL) {
		r.batches = c->forward->batches;
		r.batch_spans = r.batches ? (double)c->forward->spans / (double)r.batches : 0;
		r.peak_mib = (double)c->forward->queue_peak_bytes / 1048576.0;
	}
	tb_rpc_free(rep);
	return r;
}

static void print_row(const char *what, size_t spans, int conns, const row *r, bool fwd)
{
	char batches[64] = "-", drain[32] = "-", peak[32] = "-";
	if (fwd) {
		snprintf(batches, sizeof(batches), "%llu x %.0f", (unsigned long long)r->batches,
			 r->batch_spans);
		snprintf(drain, sizeof(drain), "%.3f", r->drain_s);
		snprintf(peak, sizeof(peak), "%.1f", r->peak_mib);
	}
	printf("%-12s %5zu %5d %12.0f %16.0f %9.1f %16s %9s %8s %6s\n", what, spans, conns,
	       r->spans_s,
	       r->spans_per_cpu_s, r->hwm_mib, batches, peak, drain,
	       r->copies == r->sent ? "yes" : "NO");
}

int main(int argc, char **argv)
{
	double secs = 5;
	char bin[4096];
	tb_program_path(bin, sizeof(bin), "satellite");
	static const struct option longopts[] = {
		{"seconds", required_argument, NULL, 's'}, {"satellite", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 's' && (secs = atof(optarg)) > 0)
			continue;
		if (c == 'S') {
			snprintf(bin, sizeof(bin), "%s", optarg);
			continue;
		}
		fprintf(c == 'h' ? stdout : stderr,
			"usage: forward_bench [--seconds S] [--satellite PATH]\n");
		return c == 'h' ? 0 : 2;
	}
	agent up, alone, fwd;
	char upport[8];
	if (agent_start(&up, bin, "up", NULL) != TB_OK)
		return 2;
	snprintf(upport, sizeof(upport), "%u", up.port);
	if (agent_start(&alone, bin, "alone", NULL) != TB_OK ||
	    agent_start(&fwd, bin, "fwd", upport) != TB_OK)
		return 2;
	printf("forward_bench: LightStep reports of ~930-byte spans, %.0f s per case, one "
	       "request at a time per connection, %ld cores; forwarding with its defaults\n",
	       secs, sysconf(_SC_NPROCESSORS_ONLN));
	printf("%-12s %5s %5s %12s %16s %9s %16s %9s %8s %6s\n", "satellite", "spans", "conns",
	       "spans/s", "spans/CPU-s", "HWM MiB", "batches x spans", "queue MiB", "drain s",
	       "exact");
	bool ok = true;
	uint64_t run = 1;
	const size_t sizes[] = {1000, 100};
	const int conns[] = {1, MAX_CONNS};
	for (size_t s = 0; s < 2; s++) {
		uint8_t *bodies[BODIES];
		size_t lens[BODIES];
		for (size_t i = 0; i < BODIES; i++)
			bodies[i] = tb_report_lightstep(sizes[s], 1 + i * sizes[s], &lens[i]);
		for (size_t i = 0; i < 2; i++) {
			row a = run_case(&alone, &up, false, bodies, lens, sizes[s], conns[i], secs,
					 run++);
			print_row("takes only", sizes[s], conns[i], &a, false);
			row f = run_case(&fwd, &up, true, bodies, lens, sizes[s], conns[i], secs,
					 run++);
			print_row("forwards", sizes[s], conns[i], &f, true);
			ok &= f.copies == f.sent;
		}
		for (size_t i = 0; i < BODIES; i++)
			free(bodies[i]);
	}
	agent_stop(&fwd);
	agent_stop(&alone);
	agent_stop(&up);
	if (!ok)
		fprintf(stderr, "forward_bench: the upstream did not count every span sent\n");
	return ok ? 0 : 1;
}
