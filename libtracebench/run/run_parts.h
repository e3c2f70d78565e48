/* SPDX-License-Identifier: MIT */
/* run_parts.h - what the files of one run share, and nothing outside libtracebench/run/
 * uses: the run's clients (members), their samples (trace), the satellites' own load,
 * and the steps each file owns: run.c drives the run, run_satellites.c resets, faults
 * and counts the satellites, run_samples.c reads and keeps the samples, run_progress.c
 * draws the live line. */
#ifndef ORC_RUN_PARTS_H
#define ORC_RUN_PARTS_H

#include "libtracebench/run/run.h"
#include "libtracebench/agents/satellite_client.h"
#include "libtracebench/run/noise.h"
#include "sampler/source.h"
#include "common/records.h"

/* What the watch loop collects. */
typedef struct trace {
	size_t n, cap;
	uint64_t *t_ns, *cpu_ns, *rss;
	orc_noise noise;
	uint64_t t0_ns;		/* when the run's clock started: events are timed from it */
	uint64_t peak_rss;
	uint64_t ctxsw;		/* voluntary + involuntary, the highest seen */
	bool exited;
	tb_rec_sample exit;
} trace;

/* What the satellites themselves used since their reset, beside what they counted. */
typedef struct sat_load {
	uint64_t cpu_here_ns;		/* those on the client's host (the sampler's), summed */
	uint64_t cpu_ns[ORC_PLAN_MAX_SATELLITES];	/* each one's */
	double limit[ORC_PLAN_MAX_SATELLITES];		/* each one's cgroup quota; 0: none */
	uint64_t throttled;		/* periods their cgroups were throttled, summed */
	uint64_t max_rss_bytes;
	uint64_t never_acked;		/* spans seen but never acknowledged */
	uint64_t in_flight;		/* spans in answers still being delivered */
	orc_sat_client_counts by_client[TB_MAX_CLIENTS];	/* summed over the satellites */
} sat_load;

/* One client of the run: its command, its process and what it measured. */
typedef struct member {
	const char *name;
	size_t smp;		/* its sampler: env->samplers[smp] */
	orc_peer *sampler;
	tb_command cmd;
	pid_t pid;
	bool launched;
	bool from_sampler;	/* an argv client: the sampler has its result */
	uint64_t launched_ns;
	uint64_t origin;	/* its samples' time origin (tb_now_ns); 0: another host's */
	trace t;
	orc_result *r;		/* its own figures, in one array for all the clients */
} member;

/* What the progress line shows of the satellites, read once a second. */
typedef struct live {
	uint64_t at_ns;			/* when last read; 0: never */
	uint64_t spans, refused;	/* received and refused since the run's reset */
	uint64_t cpu_ns[ORC_PLAN_MAX_SATELLITES];
	double received_per_s, busiest_cpu;
} live;

/* Where samples come from: a source per sampler, the ring for one on this host. */
typedef struct feeds {
	smp_source *src[ORC_PLAN_MAX_SAMPLERS];
	bool ring[ORC_PLAN_MAX_SAMPLERS];
	uint64_t origin[ORC_PLAN_MAX_SAMPLERS];	/* samples' time origin; 0: the sampler's */
	size_t n;
} feeds;

/* Every sample of the run's clients, kept as it came for the raw-samples file: written
 * out after the run, as formatting them while it goes would be most of the
 * orchestrator's CPU at a fine sampling period. */
typedef struct sample_log {
	tb_rec_sample *v;
	size_t n, cap;
} sample_log;

/* The run's proxy, when it has one (run_proxy.c). */
typedef struct run_proxy {
	bool running;			/* the clients report to it, on port */
	bool tells_held;		/* a forwarding satellite: it says what it holds */
	uint16_t port;			/* on the clients' host's 127.0.0.1 */
	orc_peer *remote;		/* started by this sampler, on its host; NULL: by us */
	tb_proxy proxy;			/* started by us: running */
	char dir[PATH_MAX];
	bool own_dir;			/* made for the run: removed with the proxy */
	tb_command up;			/* the satellites, as the clients' host reaches them */
	const char *ups[TB_CMD_MAX_SATELLITES];
	uint64_t cpu0_ns, t0_ns;	/* its CPU when the clients were launched, and when */
} run_proxy;

/* run_proxy_start starts p's proxy (nothing without one) on the host of the clients m,
 * in front of the satellites. A proxy that does not start is an error naming its log. */
int run_proxy_start(orc_env *env, const orc_run_params *p, const member *m, size_t n,
		    run_proxy *px, char *err, size_t errlen);
/* run_proxy_point makes each client report to the proxy. */
void run_proxy_point(const run_proxy *px, member *m, size_t n);
/* run_proxy_mark notes the proxy's CPU as the clients are launched. */
void run_proxy_mark(run_proxy *px);
/* run_proxy_holds tells whether the proxy says it still holds spans (only a forwarding
 * satellite can say): the run is not settled while it does. */
bool run_proxy_holds(run_proxy *px);
/* run_proxy_figures puts the proxy's CPU and memory, and what it says it held and
 * dropped, into r, before r's spans are accounted for. */
void run_proxy_figures(run_proxy *px, orc_result *r);
/* run_proxy_finish stops the proxy and removes a directory made for it. */
void run_proxy_finish(run_proxy *px);

/* run_fail marks the run failed with the first reason given. */
void run_fail(orc_result *r, const char *fmt, const char *what);
/* run_apply_event applies a timed event to the satellite groups it names. Each group's
 * faults are kept in fs[group], since SatSetFaults replaces all of them at once. */
void run_apply_event(orc_env *env, const orc_event *ev, orc_sat_faults *fs, orc_result *r);
/* run_busiest_satellite puts into r the satellite nearest the CPU it may use (a core, or
 * its cgroup's quota when less): its share of a core and its quota; and the largest
 * RSS and the throttling of them all. */
void run_busiest_satellite(const orc_env *env, const sat_load *load, double wall_s, orc_result *r);
/* run_initial_faults: each group's faults at a run's start, which its events change. */
void run_initial_faults(const orc_env *env, const orc_run_params *p, orc_sat_faults *fs);
/* run_prepare_satellites resets every satellite for the run, with its mode and listening. */
int run_prepare_satellites(orc_env *env, const orc_run_params *p, char *err, size_t errlen);
/* run_mode names the satellites' mode for the record: the run's, else the first group's. */
const char *run_mode(const orc_env *env, const orc_run_params *p);
/* run_satellite_counts sums the satellites' counters into r, and what they used into *load
 * (cpu_here: those on here's host). */
int run_satellite_counts(orc_env *env, const orc_peer *here, orc_result *r, sat_load *load, char *err, size_t errlen);
/* run_satellite_list puts into cmd every satellite port, as clients of sampler smp reach
 * them; with no satellites, a port nothing listens on. */
int run_satellite_list(const orc_env *env, size_t smp, tb_command *cmd, char *err, size_t errlen);
/* run_progress rewrites the terminal's live line: where the plan is, the clients' rate and
 * figures (CPU and RSS summed over them), and what the satellites took in. */
void run_progress(orc_env *env, const orc_run_params *p, const member *m, size_t n, live *lv, uint64_t elapsed_ns);
double run_cpu_at(const trace *t, uint64_t at_ns);
void run_feeds_close(feeds *f);
int run_feeds_open(orc_env *env, feeds *f, char *err, size_t errlen);
/* run_read_samples takes what the sources have, for the run's clients. */
int run_read_samples(feeds *f, member *m, size_t n, uint64_t run_id, sample_log *log, char *err, size_t errlen);
void run_summarise(orc_env *env, const trace *t, uint64_t work_ns, orc_result *r);
void run_trace_free(trace *t);
/* run_write_samples writes the log as LZ4-framed CSV at path. */
void run_write_samples(const sample_log *l, const char *path);

#endif
