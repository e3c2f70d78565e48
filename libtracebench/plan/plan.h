/* SPDX-License-Identifier: MIT */
/* plan.h - the plan language: what a plan file says (clients, satellites, sampling,
 * calibration, runs with sweeps, repeats and timed events, and assertions over the
 * results), as plain structs. docs/plan-format.md is the reference for plan authors.
 *
 * A bad plan fails before anything starts: orc_plan_parse reports the first problem as
 * "file:line:col: expected ..., got ...". */
#ifndef ORC_PLAN_H
#define ORC_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/proxy.h"
#include "common/satmode.h"

#define ORC_PLAN_MAX_RUNS 128
#define ORC_PLAN_MAX_SWEEP 64
#define ORC_PLAN_MAX_EVENTS 32
#define ORC_PLAN_MAX_ASSERTS 64
#define ORC_PLAN_MAX_SATELLITES 8
#define ORC_PLAN_NAME 64
#define ORC_PLAN_MAX_GRAPHS 32
#define ORC_GRAPH_MAX_RUNS 12

/* A timed event changes one thing of the satellites it names (a group, or all) and
 * leaves the rest of their faults as they were. */
typedef enum orc_event_kind {
	ORC_EV_SATELLITES_DOWN,	/* stop listening: connections refused */
	ORC_EV_SATELLITES_UP,
	ORC_EV_MODE,		/* a satellite mode */
	ORC_EV_ERRORS,		/* error probability, status and Retry-After */
	ORC_EV_LATENCY,		/* extra latency, and per span */
	ORC_EV_BANDWIDTH,	/* a bandwidth limit on report bodies */
	ORC_EV_CLOSE,		/* abrupt closes without an answer, with a probability */
} orc_event_kind;

typedef struct orc_event {
	double at_s;
	orc_event_kind kind;
	int group;			/* index in the plan's satellites; -1 = every group */
	char group_name[ORC_PLAN_NAME];
	tb_sat_mode mode;
	double probability;		/* ERRORS, CLOSE */
	unsigned status;
	double retry_after_s;		/* ERRORS: 0 = no Retry-After */
	double latency_s;
	double per_span_s;		/* LATENCY */
	double bytes_per_s;		/* BANDWIDTH: 0 = unlimited */
	bool per_connection;		/* BANDWIDTH: else shared by the group */
	int line;
} orc_event;

/* A ramp's stop condition: its figure above limit. */
typedef enum orc_ramp_what {
	ORC_RAMP_DROPPED,	/* dropped spans, in percent of those sent */
	ORC_RAMP_CPU,		/* the client's CPU, as a share of one core */
	ORC_RAMP_TRACER_CPU,	/* the tracer's own CPU: the run's less an untraced twin's at
				 * the same rate, performed just before it */
} orc_ramp_what;

typedef struct orc_ramp_cond {
	orc_ramp_what what;
	double limit;
	int budget;		/* the limit is this budget's chosen value; -1: a number */
	char text[96];		/* "dropped > 1%", "tracer_cpu > 0.1 (max_tracer_cpu)" */
} orc_ramp_cond;

#define ORC_RAMP_MAX_CONDS 4
#define ORC_RAMP_MAX_REFINE 10
#define ORC_RAMP_MAX_STEPS 64	/* rising rates and refinements together */

/* `ramp NAME from A to B factor F until COND [or COND...] [refine N]`: rates from A,
 * each F times the last, up to B, until a condition holds; then N bisections between
 * the last rate that held and the first that broke. */
typedef struct orc_ramp {
	bool on;
	double from, to, factor;
	orc_ramp_cond conds[ORC_RAMP_MAX_CONDS];
	size_t nconds;
	unsigned refine;
} orc_ramp;

/* `clients N` or `clients NAME xN, NAME xM`: the run's clients, in launch order. */
#define ORC_PLAN_MAX_MIX 8
typedef struct orc_plan_mix {
	char client[ORC_PLAN_NAME];	/* "" = the run's client (or the plan's) */
	unsigned count;
	int sampler;			/* `on NAME`: index in the plan's samplers; -1: each
					 * client on the next sampler, round-robin */
} orc_plan_mix;

typedef struct orc_plan_run {
	char name[ORC_PLAN_NAME];
	orc_ramp ramp;			/* on: a ramp, whose rates are its own (no sps) */
	char client[ORC_PLAN_NAME];	/* "" = the plan's client */
	orc_plan_mix mix[ORC_PLAN_MAX_MIX];	/* none: one client */
	size_t nmix;
	bool trace;
	double sps[ORC_PLAN_MAX_SWEEP];	/* one value, or a sweep: each client's */
	size_t nsps;
	bool total_sps;			/* sps is the run's, shared by its clients */
	double runtime_s;
	unsigned repeat;
	unsigned warmup;		/* the first rounds, performed but not judged */
	bool alternate;			/* interleaved with the alternating runs beside it */
	tb_sat_mode satellite_mode;	/* TB_SAT_DEFAULT: each group's own */
	tb_proxy_spec proxy;		/* what the clients report through; NONE: straight */
	char protocol[16];
	bool no_flush;
	bool no_timeout;
	uint64_t sleep_interval_ns;	/* 0: the client's own */
	orc_event events[ORC_PLAN_MAX_EVENTS];
	size_t nevents;
	int line;
} orc_plan_run;

typedef enum orc_expr_kind {
	ORC_EXPR_NUMBER,
	ORC_EXPR_FIELD,		/* run.field: a list of numbers */
	ORC_EXPR_CALL,		/* fn(expr) */
	ORC_EXPR_BINARY,	/* a op b, op one of + - * / */
	ORC_EXPR_NEGATE,
	ORC_EXPR_BUDGET,	/* a budget's name: its value for the plan's client (number,
				 * set by orc_budget_choose before judging) */
} orc_expr_kind;

/* The functions an assertion may call; orc_fn_name gives each one's name. */
typedef enum orc_fn {
	ORC_FN_LAST, ORC_FN_FIRST, ORC_FN_MEAN, ORC_FN_MIN, ORC_FN_MAX, ORC_FN_SUM,
	ORC_FN_COUNT, ORC_FN_ABS, ORC_FN_MEDIAN, ORC_FN_STDDEV, ORC_FN_CV,
	ORC_FN_P,		/* p(q, LIST): the q-th percentile, q in 0..100 (in number) */
} orc_fn;
#define ORC_FN_COUNT_ ((int)ORC_FN_P + 1)

struct orc_field;

typedef struct orc_expr {
	orc_expr_kind kind;
	double number;
	char run[ORC_PLAN_NAME];
	size_t run_index;		/* FIELD: the run's index in the plan; BUDGET: the
					 * budget's */
	char field[32];
	const struct orc_field *fieldp;	/* FIELD: its row in the Result's table */
	bool per_client;		/* FIELD: RUN.client.FIELD, every client's value */
	orc_fn fn;
	char op;
	struct orc_expr *a, *b;
	int line, col;
} orc_expr;

typedef enum orc_cmp { ORC_LT, ORC_LE, ORC_GT, ORC_GE, ORC_EQ, ORC_NE } orc_cmp;

/* The level significant() tests at. */
#define ORC_SIGNIFICANCE 0.05

typedef struct orc_assert {
	orc_expr *lhs;
	orc_cmp cmp;
	orc_expr *rhs;
	bool significant;	/* significant(lhs < rhs): a Mann-Whitney U test at 5%,
				 * one-sided; cmp is ORC_LT or ORC_GT */
	char text[256];		/* as written, for the summary */
	int line;
} orc_assert;

/* What a graph draws (docs/plan-format.md, "Graphs"). */
typedef enum orc_graph_kind {
	ORC_GRAPH_MEMORY,	/* RSS over time, one line per run, sweep value and repeat */
	ORC_GRAPH_PANELS,	/* one panel per run: RSS, spans received per second, events */
	ORC_GRAPH_TRACER_CPU,	/* traced - untraced CPU against spans/s; two runs */
	ORC_GRAPH_DROPPED,	/* % of spans dropped against spans/s */
	ORC_GRAPH_RAMP,		/* a ramp: dropped % and CPU against rate, breaking point marked */
	ORC_GRAPH_COST,		/* client CPU and peak RSS against spans/s, one line per run,
				 * with a run's proxy's own beside it */
	ORC_GRAPH_KIND_COUNT
} orc_graph_kind;

typedef struct orc_graph {
	char name[ORC_PLAN_NAME];	/* also the image's file name */
	orc_graph_kind kind;
	char title[128];
	char runs[ORC_GRAPH_MAX_RUNS][ORC_PLAN_NAME];
	size_t nruns;
	int line;
} orc_graph;

/* `budget NAME VALUE [for CLIENT]`: a threshold an assertion names, with its own value
 * for some clients, so one plan gates each tracer on its own budget. */
#define ORC_PLAN_MAX_BUDGETS 16
#define ORC_BUDGET_MAX_CLIENTS 16

typedef struct orc_budget_for {
	char client[ORC_PLAN_NAME];
	double value;
	int line;
} orc_budget_for;

/* Where a budget's chosen value came from. */
typedef enum orc_budget_source {
	ORC_BUDGET_PLAN,	/* the plan's for every client */
	ORC_BUDGET_CLIENT,	/* the plan's for this client */
	ORC_BUDGET_COMMAND,	/* --budget NAME=VALUE */
} orc_budget_source;

typedef struct orc_budget {
	char name[ORC_PLAN_NAME];
	double value;			/* for a client not listed in per */
	orc_budget_for per[ORC_BUDGET_MAX_CLIENTS];
	size_t nper;
	int line;
	double chosen;			/* for the client the plan runs (orc_budget_choose) */
	orc_budget_source chosen_from;
} orc_budget;

/* LightStep Benchmarks' satellite ports, fixed in its clients' code: a local group
 * given no ports takes them (the first such group; free ports when one is taken). */
#define ORC_LSB_PORTS "8360-8367"
#define ORC_LSB_FIRST_PORT 8360
#define ORC_LSB_NPORTS 8
#define ORC_PLAN_MAX_PORTS 64	/* per local group, as a satellite serves */

typedef struct orc_plan_satellites {
	char name[ORC_PLAN_NAME];	/* "" = unnamed; events may name a group */
	bool remote;
	char url[160];		/* remote: the satellite agent's control URL */
	char ports[64];		/* local: a list or range; "" = ORC_LSB_PORTS if free */
	tb_sat_mode mode;
	int line;
} orc_plan_satellites;

/* `sampler "URL" [name NAME]` or `sampler local [name NAME]`: a host the clients run on. */
#define ORC_PLAN_MAX_SAMPLERS 8
typedef struct orc_plan_sampler {
	char name[ORC_PLAN_NAME];	/* "" = unnamed */
	char url[160];			/* the agent's control URL; "" = one started here */
	int line;
} orc_plan_sampler;

typedef struct orc_plan {
	char path[256];
	char client[ORC_PLAN_NAME];
	uint64_t period_ns;		/* sampling, default 100 ms */
	double target_cpu;		/* calibration, default 0.70; 0: off (no work per span,
					 * paced by sleep alone) */
	orc_plan_sampler samplers[ORC_PLAN_MAX_SAMPLERS];	/* none: one started here */
	size_t nsamplers;
	/* tls: this orchestrator's credentials for tls+tcp:// agents, as written (relative
	 * to the plan's directory); "" = none */
	char tls_cert[256], tls_key[256], tls_ca[256];
	orc_plan_satellites satellites[ORC_PLAN_MAX_SATELLITES];
	size_t nsatellites;
	orc_plan_run runs[ORC_PLAN_MAX_RUNS];
	size_t nruns;
	orc_budget budgets[ORC_PLAN_MAX_BUDGETS];
	size_t nbudgets;
	orc_assert asserts[ORC_PLAN_MAX_ASSERTS];
	size_t nasserts;
	orc_graph graphs[ORC_PLAN_MAX_GRAPHS];
	size_t ngraphs;
	bool stop_on_failure;		/* on_failure stop: a failed run ends the plan */
	double max_cv;			/* max_cv: noisier repeats make an assertion ERROR;
					 * 0 = no limit */
	double quiet_host;		/* quiet_host: cores of other work on the client's
					 * host that make an assertion ERROR; 0 = no limit */
} orc_plan;

/* orc_graph_kind_name: "memory", "memory_panels", "tracer_cpu" or "dropped". */
const char *orc_graph_kind_name(orc_graph_kind k);

/* orc_fn_name: "last", "first", ... */
const char *orc_fn_name(orc_fn fn);

/* orc_event_describe writes an event as plan text ("satellites down", "errors 0.5
 * status 503", ...) into buf. */
void orc_event_describe(const orc_event *ev, char *buf, size_t len);

/* orc_plan_run_clients tells how many clients each of r's runs has. */
size_t orc_plan_run_clients(const orc_plan_run *r);

/* orc_ramp_cond_describe writes c's text from its figure and limit (and budget). */
struct orc_plan;
void orc_ramp_cond_describe(orc_ramp_cond *c, const struct orc_plan *p);

/* orc_ramp_paired tells whether a ramp stops on tracer_cpu, and so performs an untraced
 * twin before each of its rates. */
bool orc_ramp_paired(const orc_ramp *rp);

/* orc_plan_run_steps tells how many runs r makes at most: each sweep value times its
 * repeats, or a ramp's rising rates and refinements. */
size_t orc_plan_run_steps(const orc_plan_run *r);

/* A plan keyword's doors besides a plan: the `orchestrator run` options and the
 * include/tracebench.h fields or calls that reach the same capability, each list
 * space-separated, NULL for none. Every keyword has at least one door; the grammar's
 * tables hold them beside each keyword's parser and tests/doors_test.c checks them. */
typedef struct orc_plan_door {
	const char *table;	/* "statement", "run setting" or "event" */
	const char *keyword;
	const char *flags;	/* "--tls-cert --tls-key --tls-ca" */
	const char *api;	/* "tb_benchmark_params.events" */
} orc_plan_door;

/* orc_plan_doors fills out with every keyword's doors (at most max) and tells how many. */
size_t orc_plan_doors(orc_plan_door *out, size_t max);

/* orc_plan_doors_markdown writes every keyword's doors as the Markdown table
 * docs/plan-format.md holds (docs/doc_tables.c puts it there). */
void orc_plan_doors_markdown(FILE *out);

/* orc_event_parse reads one event as `orchestrator run --at` and tb_benchmark_params
 * take it, "TIME:EVENT" ("5s:down", "12s:errors 0.3 retry_after 2s"): a run's
 * `at TIME EVENT` for every satellite group. TB_OK, or TB_EINVAL with the reason. */
int orc_event_parse(const char *text, orc_event *out, char *err, size_t errlen);

/* orc_mix_parse reads a run's clients as the plan's `clients` setting writes them
 * ("4", "c x2, js-otel x2") into mix (ORC_PLAN_MAX_MIX of them) and *n. TB_OK, or
 * TB_EINVAL with the reason. */
int orc_mix_parse(const char *text, orc_plan_mix *mix, size_t *n, char *err, size_t errlen);

/* orc_plan_parse parses text (named path in errors) into a new plan. TB_OK, or
 * TB_EINVAL with "path:line:col: ..." in err, or TB_ENOMEM. */
int orc_plan_parse(const char *path, const char *text, orc_plan **out, char *err,
		   size_t errlen);

/* orc_plan_load reads and parses a file. TB_ENOENT if it cannot be read. */
int orc_plan_load(const char *path, orc_plan **out, char *err, size_t errlen);

/* orc_plan_scale multiplies every duration of a run (runtimes, event times) by factor,
 * keeping the plan's shape: a plan for CI at 0.05 of its real length. */
void orc_plan_scale(orc_plan *p, double factor);

/* orc_plan_free frees a plan. NULL is fine. */
void orc_plan_free(orc_plan *p);

#endif
