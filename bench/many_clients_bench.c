/* SPDX-License-Identifier: MIT */
/* many_clients_bench.c - how what a run costs the harness grows with its clients: for
 * each count of clients (default 1, 16, 64 and 128), two parts.
 *
 * 1. A real plan: the orchestrator, its sampler and satellite, and N trivial clients
 *    (tb-client with the NoOp tracer, no work, paced by sleep at 10 spans/s each:
 *    `calibrate off`) in one run, sampled every 10 ms. From the run's Result: the
 *    sampler's own CPU (sampler_cpu) and so its cost per client, the orchestrator's own
 *    CPU (orchestrator_cpu), and how long from the first launch until all had started
 *    (all_started).
 * 2. The control channel alone, with N clients at once (threads with libcurl, each with
 *    its own token): how long each GET /control takes, at p99. The clients ask in waves,
 *    all N at the same moment (a barrier), as a run's clients do when their benchmarks
 *    end together: a client asks once per benchmark, so a tight loop of GETs would
 *    measure the queue of N threads sharing the cores, not what a client waits.
 * 3. The floor: the same waves against a bare libmicrohttpd server with the channel's
 *    settings, so that what the channel adds is told apart from what N requests queued
 *    on this host's cores cost anyway.
 *
 * It prints one row per count and the slope: the sampler's cost per client against its
 * cost for one client.
 *
 *   many_clients_bench [--clients LIST] [--seconds S]
 * Targets: the sampler's cost per client at most 1.2x its cost for one; with 64
 * clients, GET /control p99 at most 5 ms, all started within 2 s and the orchestrator
 * under 2% of a core. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"
#include "common/clock.h"
#include "common/command.h"
#include "common/error.h"
#include "common/host.h"
#include "libtracebench/channel/channel.h"

#define GETS_PER_CLIENT 20

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* pct is the q-th percentile of v[0..n), sorted in place. */
static double pct(double *v, size_t n, double q)
{
	qsort(v, n, sizeof(*v), cmp_double);
	size_t i = (size_t)ceil(q / 100.0 * (double)n);
	return v[i > 0 ? i - 1 : 0];
}

/* ---- part 1: a real plan ---- */

/* last_result reads the first Result in the newest runs.jsonl under dir. */
static cJSON *read_result(const char *dir, cJSON **doc)
{
	char path[PATH_MAX] = "";
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			snprintf(path, sizeof(path), "%s/%s/runs.jsonl", dir, de->d_name);
	if (d != NULL)
		closedir(d);
	FILE *f = fopen(path, "r");
	static char line[1 << 22];
	if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	fclose(f);
	*doc = cJSON_Parse(line);
	return *doc ? cJSON_GetObjectItem(*doc, "result") : NULL;
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* What one plan of N clients measured. */
typedef struct figures {
	int clients;
	double sampler_cpu, orchestrator_cpu, all_started, get_p99_ms, floor_p99_ms;
} figures;

static int run_plan(int clients, int seconds, figures *fg)
{
	char orc[PATH_MAX], work[128], path[256], results[256], cache[256];
	const char *client = CLIENT_BIN;
	tb_program_path(orc, sizeof(orc), "orchestrator");
	snprintf(work, sizeof(work), "/tmp/tb-many-bench-%d", (int)getpid());
	char mk[200];
	snprintf(mk, sizeof(mk), "mkdir -p %s", work);
	if (system(mk) != 0)
		return 2;
	snprintf(path, sizeof(path), "%s/clients.conf", work);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return 2;
	fprintf(f, "[trivial]\ncommand = %s\n", client);
	fclose(f);
	snprintf(path, sizeof(path), "%s/many.plan", work);
	f = fopen(path, "w");
	if (f == NULL)
		return 2;
	fprintf(f, "client trivial\nsampling 10ms\ncalibrate off\n"
		   "run many sps 10 runtime %ds notrace clients %d\n", seconds, clients);
	fclose(f);
	char reg[256];
	snprintf(reg, sizeof(reg), "%s/clients.conf", work);
	snprintf(results, sizeof(results), "%s/results", work);
	snprintf(cache, sizeof(cache), "XDG_CACHE_HOME=%s/cache", work);
	char *argv[] = {orc, "--plan", path, "--clients", reg, "--results", results,
			"--control-port", "0", "-q", NULL};
	char *env[] = {cache, NULL};
	char out[256];
	snprintf(out, sizeof(out), "%s/out", work);
	tb_child c;
	tb_child_opts o = {.stdout_path = out, .stderr_path = out, .extra_env = env};
	char err[256];
	if (tb_child_spawn(&c, argv, &o, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "many_clients_bench: %s\n", err);
		return 2;
	}
	int rc = tb_child_wait(&c, (seconds * 3 + 60) * 1000);
	int st = c.status;
	tb_child_fini(&c);
	cJSON *doc = NULL, *r = rc == TB_OK ? read_result(results, &doc) : NULL;
	if (r == NULL || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "many_clients_bench: the plan failed (see %s)\n", out);
		cJSON_Delete(doc);
		return 1;
	}
	fg->all_started = num(r, "all_started");
	fg->orchestrator_cpu = num(r, "orchestrator_cpu");
	fg->sampler_cpu = num(r, "sampler_cpu");
	cJSON_Delete(doc);
	snprintf(mk, sizeof(mk), "rm -rf %s", work);
	if (system(mk) != 0)
		fprintf(stderr, "many_clients_bench: cannot remove %s\n", work);
	return 0;
}

/* ---- part 2: the control channel alone ---- */

typedef struct player {
	const char *base;
	pthread_barrier_t *wave;			/* all players ask at once */
	char token[TB_TOKEN_LEN + 1];
	uint64_t held_answered_ns;		/* when its held GET /control was answered */
	double get_s[GETS_PER_CLIENT];		/* each later GET /control */
	double post_s;				/* its POST /result */
	bool ok;
} player;

static size_t sink(char *p, size_t size, size_t n, void *u)
{
	return size * n;
}

/* request does one exchange on h; true on a 2xx. */
static bool request(CURL *h, const char *url, const char *token_hdr, const char *body)
{
	struct curl_slist *hdr = curl_slist_append(NULL, token_hdr);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
	if (body != NULL)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	else
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	long status = 0;
	CURLcode cc = curl_easy_perform(h);
	bool ok = cc == CURLE_OK &&
		  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
		  status >= 200 && status < 300;
	if (!ok)
		fprintf(stderr, "many_clients_bench: %s %s: %s (HTTP %ld)\n",
			body ? "POST" : "GET", url, curl_easy_strerror(cc), status);
	curl_slist_free_all(hdr);
	return ok;
}

static void *play(void *arg)
{
	player *pl = arg;
	char control[128], result[128], hdr[96];
	snprintf(control, sizeof(control), "%s/control", pl->base);
	snprintf(result, sizeof(result), "%s/result", pl->base);
	snprintf(hdr, sizeof(hdr), TB_TOKEN_HEADER ": %s", pl->token);
	CURL *h = curl_easy_init();
	pl->ok = request(h, control, hdr, NULL);
	pl->held_answered_ns = tb_now_ns();
	for (int i = 0; i < GETS_PER_CLIENT; i++) {
		pthread_barrier_wait(pl->wave);	/* every player waits, even a failed one */
		if (!pl->ok)
			continue;
		uint64_t t = tb_now_ns();
		pl->ok = request(h, control, hdr, NULL);
		pl->get_s[i] = (double)(tb_now_ns() - t) / 1e9;
	}
	uint64_t t = tb_now_ns();
	pl->ok = pl->ok && request(h, result, hdr,
				   "{\"SpansSent\":10,\"ProgramTime\":0.01,\"ClockTime\":1}");
	pl->post_s = (double)(tb_now_ns() - t) / 1e9;
	curl_easy_cleanup(h);
	return NULL;
}

/* arm_channel arms c with n commands, holding them. */
static int arm_channel(orc_channel *c, int n)
{
	tb_command *cmds = calloc((size_t)n, sizeof(*cmds));
	char err[256];
	if (cmds == NULL)
		return TB_ENOMEM;
	for (int k = 0; k < n; k++) {
		tb_command_init(&cmds[k]);
		cmds[k].repeat = 10;
		cmds[k].run_id = 1;
		cmds[k].client_index = (uint32_t)k;
		cmds[k].clients = (uint32_t)n;
	}
	int rc = orc_channel_arm(c, cmds, (size_t)n, true, err, sizeof(err));
	if (rc != TB_OK)
		fprintf(stderr, "many_clients_bench: %s\n", err);
	free(cmds);
	return rc;
}

/* get_p99_ms is the players' GET /control answer time at p99, in milliseconds. */
static double get_p99_ms(const player *pl, int n)
{
	double *gets = malloc(sizeof(double) * (size_t)n * GETS_PER_CLIENT);
	if (gets == NULL)
		return NAN;
	for (int k = 0; k < n; k++)
		memcpy(gets + (size_t)k * GETS_PER_CLIENT, pl[k].get_s, sizeof(pl[k].get_s));
	double p99 = 1e3 * pct(gets, (size_t)n * GETS_PER_CLIENT, 99);
	free(gets);
	return p99;
}

/* run_wave runs n players against base (tokens from c, or none), each asking in waves;
 * their GET /control p99 goes to *p99_ms. With c it first holds every player's first
 * GET, as a run does, and releases them together. */
static int run_wave(orc_channel *c, const char *base, int n, double *p99_ms)
{
	player *pl = calloc((size_t)n, sizeof(*pl));
	pthread_t *th = calloc((size_t)n, sizeof(*th));
	pthread_barrier_t wave;
	int rc = pl && th ? TB_OK : TB_ENOMEM, started = 0;
	if (rc == TB_OK && c != NULL)
		rc = arm_channel(c, n);
	if (rc == TB_OK && pthread_barrier_init(&wave, NULL, (unsigned)n) != 0)
		rc = TB_ENOMEM;
	for (int k = 0; rc == TB_OK && k < n; k++) {
		pl[k].base = base;
		pl[k].wave = &wave;
		if (c != NULL)
			orc_channel_token(c, (size_t)k, pl[k].token, sizeof(pl[k].token));
		if (pthread_create(&th[k], NULL, play, &pl[k]) != 0) {
			fprintf(stderr, "many_clients_bench: cannot start %d threads\n", n);
			exit(2);	/* the started ones wait at the barrier for ever */
		}
		started++;
	}
	if (rc == TB_OK && c != NULL && orc_channel_wait_asked(c, (size_t)n, 10000) != TB_OK)
		fprintf(stderr, "many_clients_bench: not every client asked within 10 s\n");
	if (c != NULL)
		orc_channel_release(c);
	bool ok = rc == TB_OK;
	for (int k = 0; k < started; k++) {
		pthread_join(th[k], NULL);
		ok &= pl[k].ok;
	}
	if (rc == TB_OK)
		pthread_barrier_destroy(&wave);
	if (ok)
		*p99_ms = get_p99_ms(pl, n);
	else
		fprintf(stderr, "many_clients_bench: a client's request failed\n");
	free(pl);
	free(th);
	return ok ? 0 : 1;
}

static int measure_channel(int n, double *p99_ms)
{
	orc_channel *c;
	char err[256], base[64];
	if (orc_channel_alloc(&c, "127.0.0.1", 0, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "many_clients_bench: %s\n", err);
		return 2;
	}
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", orc_channel_port(c));
	int rc = run_wave(c, base, n, p99_ms);
	orc_channel_free(c);
	return rc;
}

/* floor_answer answers every request 200 with a small JSON body and nothing else: the
 * same HTTP server as the channel's, with no channel behind it. */
static enum MHD_Result floor_answer(void *cls, struct MHD_Connection *con, const char *url,
				    const char *method, const char *version,
				    const char *upload, size_t *upload_size, void **state)
{
	static int started;
	(void)cls, (void)url, (void)method, (void)version, (void)upload;
	if (*state == NULL) {
		*state = &started;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		*upload_size = 0;
		return MHD_YES;
	}
	static const char body[] = "{\"Exit\":false,\"Repeat\":10}";
	struct MHD_Response *r = MHD_create_response_from_buffer(
		sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret = MHD_queue_response(con, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* measure_floor is the same waves against floor_answer on the channel's HTTP server
 * settings: what n threads asking at once wait on this host with no channel at all. */
static int measure_floor(int n, double *p99_ms)
{
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME, 0,
		NULL, NULL, floor_answer, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		MHD_OPTION_END);
	const union MHD_DaemonInfo *info = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)
					     : NULL;
	if (info == NULL) {
		fprintf(stderr, "many_clients_bench: cannot start the floor's HTTP server\n");
		if (d != NULL)
			MHD_stop_daemon(d);
		return 2;
	}
	char base[64];
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", (unsigned)info->port);
	int rc = run_wave(NULL, base, n, p99_ms);
	MHD_stop_daemon(d);
	return rc;
}

/* How many times the channel and the floor are each measured, alternated so that
 * neither always follows the plan's processes exiting. */
#define WAVE_PAIRS 3

/* measure_waves measures the channel and the floor WAVE_PAIRS times each, alternated,
 * and keeps the median of each. */
static int measure_waves(int n, figures *fg)
{
	double chan[WAVE_PAIRS], flo[WAVE_PAIRS];
	for (int k = 0; k < WAVE_PAIRS; k++) {
		int rc = k % 2 ? measure_floor(n, &flo[k]) : measure_channel(n, &chan[k]);
		if (rc == 0)
			rc = k % 2 ? measure_channel(n, &chan[k]) : measure_floor(n, &flo[k]);
		if (rc != 0)
			return rc;
	}
	qsort(chan, WAVE_PAIRS, sizeof(double), cmp_double);
	qsort(flo, WAVE_PAIRS, sizeof(double), cmp_double);
	fg->get_p99_ms = chan[WAVE_PAIRS / 2];
	fg->floor_p99_ms = flo[WAVE_PAIRS / 2];
	return 0;
}

/* print_table prints a row per count of clients, the slope, and the targets. */
static void print_table(const figures *f, size_t n)
{
	printf("| clients | sampler CPU %% | per client %% | x one client's | orchestrator "
	       "CPU %% | all started s | GET /control p99 ms | floor p99 ms |\n"
	       "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	double one = f[0].sampler_cpu / f[0].clients, worst_slope = 0, p99_64 = NAN;
	double started_64 = NAN, orc_64 = NAN, floor_64 = NAN;
	for (size_t i = 0; i < n; i++) {
		double per = f[i].sampler_cpu / f[i].clients, slope = one > 0 ? per / one : NAN;
		worst_slope = slope > worst_slope ? slope : worst_slope;
		if (f[i].clients == 64) {
			p99_64 = f[i].get_p99_ms;
			started_64 = f[i].all_started;
			orc_64 = f[i].orchestrator_cpu;
			floor_64 = f[i].floor_p99_ms;
		}
		printf("| %d | %.3f | %.4f | %.2f | %.3f | %.3f | %.2f | %.2f |\n", f[i].clients,
		       100 * f[i].sampler_cpu, 100 * per, slope, 100 * f[i].orchestrator_cpu,
		       f[i].all_started, f[i].get_p99_ms, f[i].floor_p99_ms);
	}
	printf("target: sampler cost per client <= 1.2x one client's: %s (at most %.2fx)\n",
	       worst_slope <= 1.2 ? "met" : "not met", worst_slope);
	if (isnan(p99_64))
		return;
	printf("target: GET /control p99 <= 5 ms at 64 clients: %s (%.2f ms; the floor, the "
	       "same waves against a bare HTTP server, %.2f ms: the channel adds %.2f ms)\n",
	       p99_64 <= 5 ? "met" : "not met", p99_64, floor_64, p99_64 - floor_64);
	printf("target: 64 clients all started within 2 s: %s (%.3f s)\n",
	       started_64 <= 2 ? "met" : "not met", started_64);
	printf("target: orchestrator under 2%% of a core at 64 clients: %s (%.2f%%)\n",
	       orc_64 < 0.02 ? "met" : "not met", 100 * orc_64);
}

/* parse_counts reads "1,16,64,128" into counts; how many, or 0 when bad. */
static size_t parse_counts(const char *list, int *counts, size_t max)
{
	size_t n = 0;
	for (const char *p = list; *p != '\0' && n < max;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 1 || v > TB_MAX_CLIENTS || (*end != ',' && *end != '\0'))
			return 0;
		counts[n++] = (int)v;
		p = *end == ',' ? end + 1 : end;
	}
	return n;
}

int main(int argc, char **argv)
{
	int counts[8], seconds = 10, opt;
	size_t ncounts = parse_counts("1,16,64,128", counts, 8);
	static const struct option longopts[] = {{"clients", required_argument, NULL, 'c'},
						 {"seconds", required_argument, NULL, 's'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'c')
			ncounts = parse_counts(optarg, counts, 8);
		else if (opt == 's')
			seconds = atoi(optarg);
		else {
			printf("usage: many_clients_bench [--clients LIST (1,16,64,128)] "
			       "[--seconds S (10)]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (ncounts == 0 || seconds < 3 || seconds > 600) {
		fprintf(stderr, "many_clients_bench: --clients a list of 1 to %d (at most 8), "
				"--seconds 3 to 600\n", TB_MAX_CLIENTS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	figures f[8];
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < ncounts; i++) {
		f[i] = (figures){.clients = counts[i]};
		printf("%d clients: a plan of %d s, then the channel...\n", counts[i], seconds);
		rc = run_plan(counts[i], seconds, &f[i]);
		if (rc == 0)
			rc = measure_waves(counts[i], &f[i]);
	}
	if (rc == 0)
		print_table(f, ncounts);
	curl_global_cleanup();
	return rc;
}
