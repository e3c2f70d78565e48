/* SPDX-License-Identifier: MIT */
/* lsb_client.c - `tb-lsb-client`: a client that behaves as LightStep Benchmarks' own
 * clients do, so the harness can be checked against them without them:
 *
 *   - it takes the run only as LightStep Benchmarks' argv flags;
 *   - it reports to localhost:8360, fixed, whatever the harness says (LightStep
 *     protobuf, through the reference C tracer);
 *   - it pays at most one SleepInterval of sleep per 6-span loop, never crediting an
 *     overrun (client-shim/workload.h, TB_PAY_ONE_PER_LOOP);
 *   - its tracer posts runtime metrics to /metrics, at start and before it exits;
 *   - it prints nothing and reports no result: the harness measures it from outside.
 *
 * --runtime-threads F adds a helper thread doing F units of work for each unit the
 * span loop does, as a garbage collector or JIT thread of a managed runtime (Go's, the
 * JVM's) adds CPU that runs beside the program and scales with it. */
#include <curl/curl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "client-shim/tracer.h"
#include "client-shim/workload.h"
#include "common/clock.h"
#include "common/command.h"
#include "common/error.h"
#include "common/units.h"
#include "proto/metrics.pb-c.h"

#define SATELLITE "localhost:8360"
#define METRICS_URL "http://" SATELLITE "/metrics"

/* ---- runtime metrics ---- */

static double seconds_of(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* post_metrics posts one IngestRequest of the process's CPU and peak RSS, as LightStep
 * tracers report theirs; a failure is the tracer's own business, not the benchmark's. */
static void post_metrics(uint64_t reporter_id)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	Lightstep__Metrics__MetricPoint user = LIGHTSTEP__METRICS__METRIC_POINT__INIT,
					sys = LIGHTSTEP__METRICS__METRIC_POINT__INIT,
					mem = LIGHTSTEP__METRICS__METRIC_POINT__INIT;
	user.kind = sys.kind = LIGHTSTEP__METRICS__METRIC_KIND__COUNTER;
	mem.kind = LIGHTSTEP__METRICS__METRIC_KIND__GAUGE;
	user.metric_name = "cpu.user";
	sys.metric_name = "cpu.sys";
	mem.metric_name = "mem.total";
	user.value_case = sys.value_case = LIGHTSTEP__METRICS__METRIC_POINT__VALUE_DOUBLE_VALUE;
	user.double_value = seconds_of(ru.ru_utime);
	sys.double_value = seconds_of(ru.ru_stime);
	mem.value_case = LIGHTSTEP__METRICS__METRIC_POINT__VALUE_UINT64_VALUE;
	mem.uint64_value = (uint64_t)ru.ru_maxrss * 1024;
	Lightstep__Metrics__MetricPoint *points[] = {&user, &sys, &mem};
	Lightstep__Collector__Reporter rep = LIGHTSTEP__COLLECTOR__REPORTER__INIT;
	rep.reporter_id = reporter_id;
	char key[40];
	snprintf(key, sizeof(key), "%016llx-%llu", (unsigned long long)reporter_id,
		 (unsigned long long)tb_now_ns());
	Lightstep__Metrics__IngestRequest req = LIGHTSTEP__METRICS__INGEST_REQUEST__INIT;
	req.idempotency_key = key;
	req.reporter = &rep;
	req.n_points = 3;
	req.points = points;
	uint8_t body[512];
	size_t len = lightstep__metrics__ingest_request__pack(&req, body);

	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/octet-stream");
	if (c == NULL || h == NULL)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, METRICS_URL);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, (char *)body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, NULL);
	FILE *devnull = fopen("/dev/null", "w");
	if (devnull != NULL)
		curl_easy_setopt(c, CURLOPT_WRITEDATA, devnull);
	curl_easy_perform(c);
	if (devnull != NULL)
		fclose(devnull);
out:
	curl_slist_free_all(h);
	if (c != NULL)
		curl_easy_cleanup(c);
}

/* ---- a runtime's own threads ---- */

typedef struct helper {
	tb_workload *w;
	double share;		/* units of work per unit the span loop does */
	_Atomic bool stop;
} helper;

static void *helper_main(void *arg)
{
	helper *hp = arg;
	uint64_t mirrored = 0;
	while (!atomic_load(&hp->stop)) {
		uint64_t done = atomic_load_explicit(&hp->w->units_done, memory_order_relaxed);
		uint64_t owed = (uint64_t)((double)done * hp->share) - mirrored;
		if (owed == 0) {
			tb_sleep_ns(TB_NS_PER_MS);
			continue;
		}
		tb_workload_work(owed, 1);
		mirrored += owed;
	}
	return NULL;
}

/* ---- the command line ---- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tb-lsb-client --repeat N [--trace 0|1] [--sleep NS] [--sleep_interval NS]\n"
		"                     [--work N] [--no_flush 0|1] [--num_tags N] [--num_logs N]\n"
		"                     [--runtime-threads F]\n"
		"\n"
		"A client that behaves as LightStep Benchmarks' own clients do: it reports to\n"
		SATELLITE " (LightStep protobuf), pays at most one SleepInterval of sleep\n"
		"per loop of 6 spans, posts runtime metrics to /metrics, and prints nothing.\n"
		"Register it with mode = argv.\n"
		"\n"
		"  --runtime-threads F  a helper thread does F units of work per unit of the\n"
		"                       spans' work, as a managed runtime's GC threads do (0)\n"
		"  -h, --help\n");
}

enum { O_FLAG0 = 256, O_THREADS = O_FLAG0 + TB_ARGV_FLAGS };

/* LightStep Benchmarks' flags (common/command.h), then ours. */
static struct option longopts[TB_ARGV_FLAGS + 3];

static void build_longopts(void)
{
	tb_argv_flag_options(longopts, O_FLAG0);
	longopts[TB_ARGV_FLAGS] = (struct option){"runtime-threads", required_argument, NULL,
						  O_THREADS};
	longopts[TB_ARGV_FLAGS + 1] = (struct option){"help", no_argument, NULL, 'h'};
}

static bool take_option(tb_command *cmd, double *share, int opt, const char *arg)
{
	if (opt == O_THREADS)
		return tb_parse_real(arg, 0, 10, share);
	return tb_argv_flag_set(cmd, (size_t)(opt - O_FLAG0), arg);
}

/* parse_args fills cmd and share. Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, tb_command *cmd, double *share)
{
	tb_command_init(cmd);
	cmd->repeat = 0;
	build_longopts();
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		if (opt < O_FLAG0 || opt > O_THREADS) {
			usage(stderr);
			return 2;
		}
		if (!take_option(cmd, share, opt, optarg)) {
			fprintf(stderr, "tb-lsb-client: --%s %s: not a valid value (see --help)\n",
				longopts[opt - O_FLAG0].name, optarg);
			return 2;
		}
	}
	if (optind < argc || cmd->repeat == 0) {
		fprintf(stderr, "tb-lsb-client: %s (see --help)\n",
			optind < argc ? "unexpected argument" : "--repeat N is required");
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	static tb_command cmd;
	double share = 0;
	int status = parse_args(argc, argv, &cmd, &share);
	if (status >= 0)
		return status;
	tb_workload_keys();
	char err[256];
	tb_tracer *t;
	static const char *const sats[] = {SATELLITE};
	tb_tracer_opts o = {.protocol = TB_PROTO_LIGHTSTEP, .satellites = sats, .n_satellites = 1,
			    .service = "tb-lsb-client"};
	int rc = cmd.trace ? tb_tracer_report_alloc(&t, &o, err, sizeof(err))
			   : tb_tracer_noop_alloc(&t);
	if (rc != TB_OK) {
		fprintf(stderr, "tb-lsb-client: %s\n", cmd.trace ? err : tb_strerror(rc));
		return 1;
	}
	uint64_t reporter_id = ((uint64_t)getpid() << 32) ^ tb_now_ns();
	if (cmd.trace)
		post_metrics(reporter_id);
	tb_workload w = {.cmd = &cmd, .tracer = t, .pay = TB_PAY_ONE_PER_LOOP};
	helper hp = {.w = &w, .share = share};
	pthread_t th;
	bool threaded = share > 0 && pthread_create(&th, NULL, helper_main, &hp) == 0;
	tb_workload_run(&w);
	if (threaded) {
		atomic_store(&hp.stop, true);
		pthread_join(th, NULL);
	}
	tb_tracer_close(t, !cmd.no_flush);
	if (cmd.trace)
		post_metrics(reporter_id);
	tb_tracer_free(t);
	return 0;
}
