/* SPDX-License-Identifier: MIT */
/* tracebench.h - tracebench as a library: benchmark a tracer from a C or C++ program.
 *
 * The objects are LightStep Benchmarks' own. A controller runs one registered client
 * (its sampler and HTTP control channel are started for it). A satellite group is the
 * mock collector its tracer reports to, and can be reused across benchmarks. A benchmark
 * run gives a Result, read by field name. Plans and reports, as `orchestrator --plan`
 * runs them, are here too.
 *
 *	tb_controller *c;
 *	tb_satellites *sats;
 *	tb_result *r;
 *	tb_controller_open(&c, "c", NULL, err, sizeof(err));
 *	tb_satellites_open(&sats, c, "typical", err, sizeof(err));
 *	tb_benchmark_params p = {.trace = true, .spans_per_second = 100, .runtime_s = 10};
 *	tb_benchmark(c, sats, &p, &r, err, sizeof(err));
 *	tb_result_number(r, "spans_received", &received);
 *	tb_result_free(r);
 *	tb_satellites_close(sats);
 *	tb_controller_close(c);
 *
 * Every function that can fail returns a tb_err (TB_OK = 0) and fills err with a line a
 * person can act on. Objects are closed in reverse order of opening. None of them may be
 * used from two threads at once. docs/api.md has the whole example. */
#ifndef TRACEBENCH_H
#define TRACEBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library exports these functions and nothing else. */
#define TB_EXTERN __attribute__((visibility("default")))

/* The port `orchestrator` serves the clients' control channel on unless told otherwise
 * (LightStep Benchmarks' clients expect it there). */
#define TB_CONTROL_PORT_DEFAULT 8023

/* ---- errors: tracebench's one error space ---- */

typedef enum tb_err {
	TB_OK = 0,
	TB_ENOMEM,	/* out of memory */
	TB_EINVAL,	/* an argument or input is out of range */
	TB_EAGAIN,	/* nothing now; try again (empty ring, full ring) */
	TB_ETIMEDOUT,	/* a deadline passed */
	TB_ECLOSED,	/* the object or peer is closed */
	TB_EPROTO,	/* a message did not decode or broke the protocol */
	TB_EVERSION,	/* the peer speaks another protocol or layout version */
	TB_EPEER,	/* the peer answered with an error */
	TB_ENOENT,	/* no such object (segment, process, file, field) */
	TB_EEXIST,	/* the object already exists */
	TB_EBADHDR,	/* a shared-memory header failed validation */
	TB_ECORRUPT,	/* data that validated before is now inconsistent */
	TB_EMSGSIZE,	/* a record or message is too large */
	TB_ESYS,	/* a system call failed; errno tells more */
	TB_EADDR,	/* a bad or refused address (URL, port) */
	TB_ESTATE,	/* not possible in the current state */
	TB_EINTR,	/* stopped by a signal (SIGINT, SIGTERM, SIGHUP) */
	TB_ERR_COUNT
} tb_err;

/* tb_strerror returns a static, human-readable name for err; never NULL. Unknown values
 * give "unknown error". */
TB_EXTERN const char *tb_strerror(int err);

/* ---- the process ---- */

typedef enum tb_console {
	TB_CONSOLE_QUIET,	/* errors only */
	TB_CONSOLE_NORMAL,	/* warnings and errors (the default) */
	TB_CONSOLE_VERBOSE,	/* info too */
} tb_console;

/* tb_log_setup names the program in log lines and sets what stderr shows. */
TB_EXTERN void tb_log_setup(const char *program, tb_console console);

/* tb_logs_open adds LightStep Benchmarks' two log files under dir, creating it:
 * benchmark.log (info and above) and benchmark_verbose.log (everything). */
TB_EXTERN int tb_logs_open(const char *dir, char *err, size_t errlen);

/* tb_stop_on_signals makes SIGINT, SIGTERM and SIGHUP stop whatever runs cleanly: the
 * client is killed, its Result marked failed, a plan returns TB_EINTR, and closing the
 * objects leaves nothing behind. */
TB_EXTERN void tb_stop_on_signals(void);

/* tb_stop_requested tells whether such a signal arrived since; the runs of this process
 * then stop at once. tb_stop_on_signals installs the handlers again on every call, so a
 * host language may put its own back between calls. */
TB_EXTERN bool tb_stop_requested(void);

/* ---- a controller: one client, its sampler and its control channel ---- */

typedef struct tb_controller tb_controller;

typedef struct tb_controller_opts {
	const char *clients_file;	/* the registry; NULL: ./clients.conf, else the
					 * installed PREFIX/share/tracebench/clients.conf */
	const char *sampler_url;	/* NULL: a sampler on this host; else a sampler
					 * agent's tls+tcp:// (or tcp://) URL, and the
					 * client runs there */
	double target_cpu;		/* calibration's target CPU share; 0: 0.70 */
	uint64_t sample_period_ns;	/* 0: 100 ms */
	unsigned control_port;		/* the clients' HTTP channel; 0: any free port */
	bool progress;			/* a live progress line on stderr */
	/* PEM files for tls+tcp:// agents (docs/multi-host.md); NULL: no TLS */
	const char *tls_cert, *tls_key, *tls_ca;
} tb_controller_opts;

/* tb_controller_open checks that client is in the registry and starts its sampler and
 * control channel. o may be NULL for the defaults. On error nothing is left running. */
TB_EXTERN int tb_controller_open(tb_controller **cp, const char *client, const tb_controller_opts *o,
		       char *err, size_t errlen);

/* tb_controller_client_mode says how c's client takes its command, as its registry entry
 * says: "http" (the control channel) or "argv" (LightStep Benchmarks' flags). NULL when
 * the client runs on a remote sampler's host, whose registry only that sampler reads. */
TB_EXTERN const char *tb_controller_client_mode(const tb_controller *c);

/* tb_controller_close stops what tb_controller_open started, and every client. NULL is
 * fine. */
TB_EXTERN void tb_controller_close(tb_controller *c);

/* What calibration found: Work and Sleep per span follow from it for any rate. */
typedef struct tb_calibration {
	double target_cpu;
	double work_per_second;
	double sleep_per_work_ns;
	double measured_cpu;	/* the last check's CPU share */
	double fixed_cpu_s;	/* CPU a process of the client costs doing nothing: start-up
				 * and exit, taken off every check */
	int checks;		/* paced checks calibration took */
	bool settled;		/* within 2 points of target_cpu; an unsettled
				 * calibration is used but never cached */
} tb_calibration;

/* tb_calibrate calibrates the controller's client now (fresh), or takes the cached
 * calibration for this host when there is one. tb_benchmark calls it on first use;
 * out may be NULL. */
TB_EXTERN int tb_calibrate(tb_controller *c, bool fresh, tb_calibration *out, char *err, size_t errlen);

/* tb_controller_set_calibration paces later benchmarks with cal instead. A
 * work_per_second of 0 paces the client by sleep alone (no work per span). */
TB_EXTERN void tb_controller_set_calibration(tb_controller *c, const tb_calibration *cal);

/* ---- satellites: the mock collector ---- */

typedef struct tb_satellites tb_satellites;

/* tb_satellites_open starts a satellite group in mode ("typical", "slow_succeed" or
 * "slow_fail"), where c's clients can reach it, on LightStep Benchmarks' ports
 * 8360-8367: when one is taken, on eight free ports instead, with a warning, as clients
 * with those ports fixed in their code will miss the group. */
TB_EXTERN int tb_satellites_open(tb_satellites **sp, tb_controller *c, const char *mode, char *err,
		       size_t errlen);

/* tb_satellites_open_ports is tb_satellites_open on the ports of a list ("8360-8363",
 * "0,0": 0 is a free port); a port taken is an error. ports NULL is tb_satellites_open. */
TB_EXTERN int tb_satellites_open_ports(tb_satellites **sp, tb_controller *c, const char *mode,
				       const char *ports, char *err, size_t errlen);

/* tb_satellites_attach reaches a satellite agent already serving url; mode as above, or
 * NULL to keep its own. Closing it leaves the agent running. */
TB_EXTERN int tb_satellites_attach(tb_satellites **sp, tb_controller *c, const char *url,
			 const char *mode, char *err, size_t errlen);

/* tb_satellites_close stops a group this process started. NULL is fine. */
TB_EXTERN void tb_satellites_close(tb_satellites *s);

/* ---- a benchmark ---- */

typedef struct tb_result tb_result;

/* LightStep Benchmarks' parameters, then ours. */
typedef struct tb_benchmark_params {
	bool trace;			/* the reporting tracer, or NoOp */
	double spans_per_second;
	double runtime_s;
	bool no_timeout;		/* never kill the client (else after 2 x runtime + 5 s) */
	const char *protocol;		/* "lightstep" (NULL) or "otlp" */
	bool no_flush;			/* the client exits without flushing its tracer */
	const char *samples_path;	/* keep every sample here as LZ4-framed CSV, or NULL */
	uint64_t sleep_interval_ns;	/* SleepInterval; 0: the client's own (100 ms for
					 * argv clients, 1 ms for the others, or its
					 * registry entry's sleep_interval) */
	unsigned clients;		/* copies of the client in one run (up to 128), each
					 * at spans_per_second and counted apart: the Result
					 * has each one's in "per_client"; 0 or 1: one */
	const char *mix;		/* instead, several clients by name, as a plan's
					 * `clients` setting writes them: "c x2, js-otel x2";
					 * each calibrated as the controller's own client is
					 * (cached per client and host). NULL: see clients */
	bool total_sps;			/* spans_per_second is the run's, shared by its
					 * clients, not each one's */
	const char *const *events;	/* nevents timed satellite events, each "TIME:EVENT"
					 * as `orchestrator run --at` takes it: "5s:down",
					 * "10s:up", "3s:errors 0.3 retry_after 2s", "0s:latency
					 * 200ms", ...; applied to sats during the run */
	size_t nevents;
	const char *proxy;		/* the clients report through "nginx", "haproxy",
					 * "satellite" (satellite --forward) or "command
					 * CMDLINE" ({listen}, {upstream}, ... replaced: see
					 * docs/proxy.md), started on this host in front of
					 * the satellites; NULL or "none": straight to them */
} tb_benchmark_params;

/* tb_benchmark runs one benchmark of c's client reporting to sats (NULL: to a port
 * nothing listens on, so received and dropped mean nothing) and gives its Result. A run
 * that went wrong (the client crashed or timed out, a satellite died) still gives a
 * Result, whose "failed" field is 1 and "failure" says why; an error means the harness
 * itself could not go on. */
TB_EXTERN int tb_benchmark(tb_controller *c, tb_satellites *sats, const tb_benchmark_params *p,
		 tb_result **rp, char *err, size_t errlen);

/* ---- a Result, read through its field table ---- */

/* tb_result_nfields and tb_result_field_name list every field by its name, the same in
 * plans and runs.jsonl ("spans_sent", "cpu_list", "sps_achieved", ...); NULL past the
 * end. The calls below that take a name also take the two older runs.jsonl names,
 * "sps" (now "sps_asked") and "spans_per_second" (now "sps_achieved"). */
TB_EXTERN size_t tb_result_nfields(void);
TB_EXTERN const char *tb_result_field_name(size_t i);

/* tb_result_headline names the i-th headline figure (cpu_usage, peak_rss_bytes,
 * dropped_spans, sps_achieved): those a summary or a comparison shows first. NULL past
 * the last. */
TB_EXTERN const char *tb_result_headline(size_t i);

/* tb_result_number reads a number (a count, a time, a share; a bool as 0 or 1).
 * TB_ENOENT for an unknown name, TB_EINVAL for a field that is not a number. */
TB_EXTERN int tb_result_number(const tb_result *r, const char *name, double *v);

/* tb_result_list reads a list (cpu_list, memory_list, received_list): *v stays valid
 * until tb_result_free. TB_ENOENT or TB_EINVAL as above. */
TB_EXTERN int tb_result_list(const tb_result *r, const char *name, const double **v, size_t *n);

/* tb_result_string reads a text field (client, tracer, failure); NULL if name is not
 * one. */
TB_EXTERN const char *tb_result_string(const tb_result *r, const char *name);

/* tb_result_print writes LightStep Benchmarks' Result printout to out. */
TB_EXTERN void tb_result_print(const tb_result *r, FILE *out);

/* tb_result_json returns the Result as one JSON object (free() it), NULL when out of
 * memory. */
TB_EXTERN char *tb_result_json(const tb_result *r);

/* tb_result_free frees r. NULL is fine. */
TB_EXTERN void tb_result_free(tb_result *r);

/* ---- plans and reports ---- */

typedef struct tb_plan_opts {
	const char *client;		/* NULL: the plan's own */
	const char *clients_file;	/* NULL: as tb_controller_opts */
	const char *results_root;	/* NULL: "results" */
	unsigned control_port;		/* 0: any free port */
	bool progress;
	double scale;			/* every duration times this; 0 or 1: as written */
	const char *export_format;	/* also write this export (tb_results_export), or NULL */
	/* PEM files for tls+tcp:// agents; each NULL: the plan's tls statement's */
	const char *tls_cert, *tls_key, *tls_ca;
	/* "NAME=VALUE" each: a value for the plan's budget NAME that wins over the plan's */
	const char *const *budgets;
	size_t nbudgets;
} tb_plan_opts;

/* tb_plan_run reads, checks and runs the plan at path (docs/plan-format.md), writes its
 * results directory and, for a plan with graphs, its report. *passed tells whether every
 * run completed and every assertion held. A plan that does not parse fails before
 * anything starts, with "file:line:col: expected ..." in err. */
TB_EXTERN int tb_plan_run(const char *path, const tb_plan_opts *o, bool *passed, char *err,
		size_t errlen);

/* tb_plan_check parses the plan at path and reports its first problem, running nothing. */
TB_EXTERN int tb_plan_check(const char *path, char *err, size_t errlen);

/* What a report drew. */
typedef struct tb_report_info {
	size_t graphs, drawn;	/* graphs asked for, and drawn */
	char problem[512];	/* why some were not drawn, "" if all were */
	char html[600];		/* the report's path */
} tb_report_info;

/* tb_results_report draws a results directory's graphs with gnuplot and writes its
 * report.html. Graphs gnuplot could not draw do not make it fail (see info->problem). */
TB_EXTERN int tb_results_report(const char *dir, tb_report_info *info, char *err, size_t errlen);

/* tb_results_export writes one more file for a CI system into a results directory;
 * format "github-benchmark" is github-benchmark.json, github-action-benchmark's
 * customSmallerIsBetter array (one entry per run name and metric, its median).
 * runs.csv, summary.md and junit.xml are written with every results directory. A dir of
 * NULL only checks the format's name. */
TB_EXTERN int tb_results_export(const char *dir, const char *format, char *err, size_t errlen);

/* ---- comparing two results directories ---- */

typedef struct tb_compare_opts {
	const char *metric;		/* a per-run field, or NULL for cpu_usage,
					 * peak_rss_bytes, dropped_spans and sps_achieved */
	double threshold;		/* the relative change that matters; 0: 0.05 */
	const char *format;		/* "text" (NULL), "md" or "json" */
	bool allow_different_hosts;	/* compare results from another host or calibration */
} tb_compare_opts;

/* tb_compare compares the runs of new_dir with those of base, run name by run name, and
 * writes a line per run and metric to out: the medians, the relative change, its 95%
 * bootstrap interval and a verdict (improved, regressed, unchanged within the threshold,
 * or inconclusive, with the repeats that would settle it). *regressed tells whether any
 * metric regressed. TB_EINVAL when they cannot be compared, with err saying why. */
TB_EXTERN int tb_compare(const char *base, const char *new_dir, const tb_compare_opts *o,
			 FILE *out, bool *regressed, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
