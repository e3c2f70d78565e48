/* SPDX-License-Identifier: MIT */
/* result.h - what one benchmark run measured (LightStep Benchmarks' Result, plus ours),
 * defined once, as a table of fields.
 *
 * ORC_RESULT_FIELDS is that table. Each row is one field of the Result:
 *
 *   X(member, type, name, use, per, agg, unit, report column, doc)
 *
 * - member: the C member of orc_result;
 * - type: BOOL INT U64 F64 OPTU64 (a count the client may leave untold) STR16 STR64
 *   STR128 STR256 LIST (numbers, per sample or per bucket) EVENTS;
 * - name: the field's one name, in runs.jsonl, runs.csv, a plan's assertions
 *   (RUN.NAME), the C API (tb_result_number) and the docs; names it had before are in
 *   result.c's table of renames, read from old results and explained in plan errors;
 * - use: ASSERT when an assertion may name it, INFO when it only informs;
 * - per: RUN (one value per run), SAMPLE (a list per sampling period) or BUCKET (a list
 *   per received_bucket seconds);
 * - agg: how a run of several clients has it. RUN: the run's alone, measured once for
 *   all its clients. Any other: each client has its own too (in per_client), and the
 *   run's is TOTAL (measured for all at once: what the satellites counted, reports no
 *   client could be told from included), or made from the clients' by SUM (lists
 *   element by element), MAX, ANY / ALL (of booleans) or FIRST (the first client's
 *   that is not zero or empty);
 * - unit: how it is measured, which is also how the report shows it;
 * - report column: its heading in the report's table of runs, or NULL;
 * - doc: one line for people (docs/plan-format.md's field table is made from it).
 *
 * Everything else is derived from the rows: the struct below, the JSON writer and
 * reader, the plan's field names and its error message, the judge's lookup (resolved
 * when the plan is parsed), the report's table and the docs. Adding a field is adding a
 * row, and filling the member where the run measures it. */
#ifndef ORC_RESULT_H
#define ORC_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ORC_RESULT_FIELDS(X)                                                                  \
	/* what was asked */                                                                  \
	X(client, STR64, "client", INFO, RUN, FIRST, NONE, "client",                                 \
	  "the client's name in the registry")                                                \
	X(trace, BOOL, "trace", INFO, RUN, RUN, NONE, NULL,                                        \
	  "true for the reporting tracer, false for NoOp")                                    \
	X(sps_asked, F64, "sps_asked", ASSERT, RUN, SUM, SPANS_PER_S, "spans/s asked",                   \
	  "spans per second asked for")                                                       \
	X(runtime_s, F64, "runtime", ASSERT, RUN, RUN, SECONDS, NULL,                           \
	  "seconds of span generation asked for")                                             \
	X(satellite_mode, STR16, "satellites", INFO, RUN, RUN, NONE, NULL,                         \
	  "the satellites' mode at the start")                                                \
	X(run_id, U64, "run_id", INFO, RUN, RUN, NONE, NULL, "the run's id, as the satellites saw it") \
	X(breaking_point, F64, "breaking_point", ASSERT, RUN, RUN, SPANS_PER_S, NULL,     \
	  "a ramp's highest rate that held, on each of its runs (0: its first rate broke)")  \
	X(broken_by, STR64, "broken_by", INFO, RUN, RUN, NONE, NULL,                               \
	  "the ramp's condition that held at the first rate that broke (\"\": none did)")    \
	X(warmup, BOOL, "warmup", INFO, RUN, RUN, NONE, "warm-up",                               \
	  "a warm-up round: performed, recorded, not judged")                                 \
	X(events, EVENTS, "events", INFO, RUN, RUN, NONE, NULL,                                    \
	  "timed satellite events, as applied")                                               \
	X(client_count, INT, "client_count", ASSERT, RUN, RUN, COUNT, "clients",           \
	  "client processes in the run")                                                      \
	X(all_started, F64, "all_started", ASSERT, RUN, RUN, SECONDS, NULL,            \
	  "from the first client's launch until every client had started")                    \
	X(start_spread, F64, "start_spread", ASSERT, RUN, RUN, SECONDS, NULL,         \
	  "from the first client's start to the last's (start: given its command; an argv "   \
	  "client: launched)")                                                                \
	/* the client's own figures */                                                        \
	X(client_result, BOOL, "client_result", INFO, RUN, ALL, NONE, NULL,                        \
	  "the client posted its result")                                                     \
	X(program_time, F64, "program_time", ASSERT, RUN, SUM, SECONDS, NULL,              \
	  "the client's own count of its CPU seconds")                                        \
	X(clock_time, F64, "clock_time", ASSERT, RUN, MAX, SECONDS, NULL,                    \
	  "the client's own count of its wall seconds")                                       \
	X(spans_sent, U64, "spans_sent", ASSERT, RUN, SUM, SPANS, "sent",                          \
	  "spans the client generated")                                                       \
	X(client_dropped, OPTU64, "client_dropped", ASSERT, RUN, SUM, SPANS, NULL,       \
	  "spans the tracer itself says it dropped")                                          \
	X(client_buffered, OPTU64, "client_buffered", ASSERT, RUN, SUM, SPANS, NULL,    \
	  "spans the tracer says were still buffered at exit")                                \
	X(client_resent, OPTU64, "client_resent", ASSERT, RUN, SUM, SPANS, NULL,          \
	  "copies the tracer says it sent again after a report failed")                       \
	X(tracer, STR128, "tracer", INFO, RUN, FIRST, NONE, NULL, "what the client says traced it")  \
	X(sampler, STR256, "sampler", INFO, RUN, FIRST, NONE, NULL,                           \
	  "the control URL of the sampler that launched the client (a run's: its first "      \
	  "client's)")                                                                        \
	/* the satellites' counts */                                                          \
	X(attributed, BOOL, "attributed", INFO, RUN, ALL, NONE, NULL,                          \
	  "the satellites counted the client's spans apart from the others' (its reports "    \
	  "carried its access token; always true of a run's only client)")                     \
	X(spans_received, U64, "spans_received", ASSERT, RUN, TOTAL, SPANS, "received",          \
	  "distinct spans received: each once, at its first copy whose 2xx answer was delivered") \
	X(dropped_spans, U64, "dropped_spans", ASSERT, RUN, TOTAL, SPANS, "dropped",              \
	  "spans sent that never arrived: sent - received (0 when untraced)")                 \
	X(lost_by_tracer, U64, "lost_by_tracer", ASSERT, RUN, TOTAL, SPANS, NULL,          \
	  "of the dropped: what the tracer says it dropped or still held at exit")            \
	X(lost_held_by_proxy, U64, "lost_held_by_proxy", ASSERT, RUN, TOTAL, SPANS, NULL,  \
	  "of the dropped: what the proxy says it still held or dropped (proxy_held + "       \
	  "proxy_dropped)")                                                                   \
	X(lost_refused, U64, "lost_refused", ASSERT, RUN, TOTAL, SPANS, NULL,                \
	  "of the dropped: refused or left unacknowledged, and never accepted later")         \
	X(lost_in_flight, U64, "lost_in_flight", ASSERT, RUN, TOTAL, SPANS, NULL,          \
	  "of the dropped: in answers still being delivered when the run was settled")        \
	X(unexplained, U64, "unexplained", ASSERT, RUN, TOTAL, SPANS, "unexplained",          \
	  "of the dropped: what none of the causes above accounts for")                       \
	X(duplicates, U64, "duplicates", ASSERT, RUN, TOTAL, SPANS, "duplicates",              \
	  "copies of spans beyond the first: resent + dup_after_ack")                         \
	X(resent, U64, "resent", ASSERT, RUN, TOTAL, SPANS, NULL,                                  \
	  "copies of spans no answer had acknowledged yet: the tracer's retries")             \
	X(dup_after_ack, U64, "dup_after_ack", ASSERT, RUN, TOTAL, SPANS, "dup after ack",  \
	  "copies of spans already acknowledged: sent again after a delivered 2xx")           \
	X(unacked, U64, "unacked", ASSERT, RUN, TOTAL, SPANS, NULL,                               \
	  "copies in reports answered 2xx whose answer was never delivered")                  \
	X(refused_spans, U64, "refused_spans", ASSERT, RUN, TOTAL, SPANS, NULL,             \
	  "copies in reports the satellites answered with an error or closed")                \
	X(dup_unchecked, U64, "dup_unchecked", ASSERT, RUN, RUN, SPANS, NULL,            \
	  "spans not checked for duplicates: the satellites' duplicate sets were full")       \
	X(rejected, U64, "rejected_reports", ASSERT, RUN, RUN, REPORTS, "rejected",            \
	  "reports the satellites refused")                                                   \
	X(reports, U64, "reports", ASSERT, RUN, TOTAL, REPORTS, NULL, "reports the satellites answered") \
	X(bytes_received, U64, "bytes_received", ASSERT, RUN, RUN, BYTES, NULL,          \
	  "report bytes as sent on the wire")                                                 \
	X(metrics_reports, U64, "metrics_reports", ASSERT, RUN, RUN, REPORTS, NULL,     \
	  "runtime-metrics reports (LightStep's /metrics) the satellites accepted")           \
	X(received_bucket_s, F64, "received_bucket", INFO, RUN, RUN, SECONDS, NULL,                \
	  "the width of one received_list bucket")                                            \
	X(received_list, LIST, "received_list", INFO, BUCKET, RUN, SPANS, NULL,                    \
	  "spans received per bucket, all satellites, from the run's start")                  \
	X(resend_delays, LIST, "resend_delays", ASSERT, RESEND, RUN, SECONDS, NULL,        \
	  "from a refused report to its resend, per resend the satellites timed (up to 256 each)") \
	X(recovery_first_ack, LIST, "recovery_first_ack", ASSERT, UP, RUN, SECONDS,  \
	  NULL, "after each up event: until the first acknowledged report (-1: none came)")    \
	X(recovery_drained, LIST, "recovery_drained", ASSERT, UP, RUN, SECONDS, NULL,  \
	  "after each up event: until the backlog drained (-1: it did not)")                  \
	/* the sampler's view */                                                              \
	X(sps_achieved, F64, "sps_achieved", ASSERT, RUN, SUM, SPANS_PER_S, "spans/s",      \
	  "spans sent per second of the client's wall time")                                  \
	X(cpu_usage, F64, "cpu_usage", ASSERT, RUN, SUM, SHARE, "CPU %",                      \
	  "client CPU seconds / wall seconds, from when it took its command to its exit")     \
	X(tracer_cpu, F64, "tracer_cpu", ASSERT, RUN, RUN, SHARE, NULL,                        \
	  "the tracer's own CPU, on a ramp that stops on it: this run's cpu_usage less its "  \
	  "untraced twin's, at the same rate just before (0 on any other run)")              \
	X(startup_cpu, F64, "startup_cpu", ASSERT, RUN, MAX, SECONDS, NULL,                 \
	  "client CPU seconds before it took its command (its start-up), which cpu_usage "    \
	  "leaves out; 0 for argv clients, whose command is their start")                    \
	X(host_cpu, F64, "host_cpu", ASSERT, RUN, RUN, HOST_SHARE, "host CPU %",                    \
	  "the whole host's busy share during the run")                                       \
	X(host_other_cpu, F64, "host_other_cpu", ASSERT, RUN, RUN, SHARE, "other CPU %",  \
	  "CPU that work other than the benchmark's used on the client's host, in cores")     \
	X(steal, F64, "steal", ASSERT, RUN, RUN, SHARE, NULL,                                     \
	  "CPU time the hypervisor gave to other guests during the run, in cores")            \
	X(host_cpu_limit, F64, "host_cpu_limit", ASSERT, RUN, RUN, SHARE, NULL,          \
	  "the CPU quota of the first client's cgroup, in cores (0: none, or on another host)") \
	X(host_throttled, F64, "host_throttled", ASSERT, RUN, RUN, NONE, NULL,           \
	  "the share of the run's quota periods in which that cgroup was held back for its "  \
	  "quota")                                                                            \
	X(orchestrator_cpu, F64, "orchestrator_cpu", ASSERT, RUN, RUN, SHARE, NULL, \
	  "the orchestrator's own CPU while the clients ran, as a share of one core")         \
	X(sampler_cpu, F64, "sampler_cpu", ASSERT, RUN, RUN, SHARE, NULL,                \
	  "the client's sampler's own CPU while it sampled them, as a share of one core")     \
	X(satellite_cpu, F64, "satellite_cpu", ASSERT, RUN, RUN, SHARE, "satellite CPU %",  \
	  "the busiest satellite's own CPU over the run, as a share of one core (busiest: "   \
	  "nearest the CPU it may use, a core or its cgroup's quota)")                        \
	X(satellite_cpu_limit, F64, "satellite_cpu_limit", ASSERT, RUN, RUN, SHARE,  \
	  NULL, "the CPU quota of that satellite's cgroup, in cores (0: none)")              \
	X(satellite_throttled, U64, "satellite_throttled", ASSERT, RUN, RUN, COUNT,  \
	  NULL, "periods the satellites' cgroups held them back for their quota")            \
	X(satellite_rss_bytes, U64, "satellite_rss_bytes", ASSERT, RUN, RUN, BYTES, NULL,  \
	  "the largest satellite's resident memory at the end of the run")                   \
	X(proxy, STR16, "proxy", INFO, RUN, RUN, NONE, NULL,                                   \
	  "the proxy the clients reported through (nginx, haproxy, satellite, command), or "  \
	  "none")                                                                             \
	X(proxy_cpu, F64, "proxy_cpu", ASSERT, RUN, RUN, SHARE, "proxy CPU %",              \
	  "the proxy's own CPU (all its processes) while the clients ran, as a share of one "  \
	  "core (0 without a proxy)")                                                         \
	X(proxy_peak_rss, U64, "proxy_peak_rss", ASSERT, RUN, RUN, BYTES, NULL,             \
	  "the proxy's peak resident memory, summed over its processes (0 without a proxy)")  \
	X(proxy_held, OPTU64, "proxy_held", ASSERT, RUN, RUN, SPANS, NULL,                 \
	  "spans the proxy had taken and not delivered when the run settled (told by a "      \
	  "forwarding satellite; nginx, HAProxy and commands cannot tell)")                   \
	X(proxy_dropped, U64, "proxy_dropped", ASSERT, RUN, RUN, SPANS, NULL,              \
	  "spans the proxy dropped: refused by the satellites with a 4xx, or held past its "  \
	  "age limit (a forwarding satellite)")                                              \
	X(proxy_queue_peak, U64, "proxy_queue_peak", ASSERT, RUN, RUN, BYTES, NULL,        \
	  "the most report bytes the proxy held at once (a forwarding satellite)")           \
	X(harness_bound, BOOL, "harness_bound", ASSERT, RUN, RUN, NONE, NULL,             \
	  "the result may measure the harness, not the tracer: a satellite used more than "   \
	  "80% of a core (or of its cgroup's quota), the client's host was more than 90% "    \
	  "busy, or the client's cgroup was held back for its quota in more than 20% of "     \
	  "the run's periods")                                                                \
	X(harness_note, STR256, "harness_note", INFO, RUN, RUN, NONE, NULL,                        \
	  "why harness_bound is set, with the figures")                                       \
	X(peak_rss_bytes, U64, "peak_rss_bytes", ASSERT, RUN, MAX, BYTES, "peak RSS MiB",      \
	  "client peak RSS")                                                                  \
	X(context_switches, U64, "context_switches", ASSERT, RUN, SUM, COUNT,          \
	  "context switches", "the client's voluntary + involuntary context switches")        \
	X(period_s, F64, "sample_period", INFO, RUN, RUN, SECONDS, NULL, "the sampling period")    \
	X(cpu_list, LIST, "cpu_list", ASSERT, SAMPLE, SUM, SHARE, NULL,                             \
	  "client CPU share over each sampling period")                                       \
	X(memory_list, LIST, "memory_list", ASSERT, SAMPLE, SUM, BYTES, NULL,                    \
	  "client RSS at each sample")                                                        \
	/* how it ended */                                                                    \
	X(exit_code, INT, "exit_code", ASSERT, RUN, FIRST, NONE, NULL,                          \
	  "the client's exit status (-1 when killed)")                                        \
	X(signal, INT, "signal", INFO, RUN, FIRST, NONE, NULL, "the signal that killed the client, or 0") \
	X(timed_out, BOOL, "timed_out", INFO, RUN, ANY, NONE, NULL,                                \
	  "the client outlived its timeout and was killed")                                   \
	X(failed, BOOL, "failed", ASSERT, RUN, ANY, NONE, NULL,                                  \
	  "the run failed (1) or completed (0)")                                              \
	X(failure, STR256, "failure", INFO, RUN, FIRST, NONE, NULL, "why the run failed")            \
	X(elapsed_s, F64, "elapsed", ASSERT, RUN, RUN, SECONDS, NULL,                           \
	  "the run's wall seconds as the orchestrator saw it")

#define ORC_RESULT_MAX_EVENTS 32

typedef char orc_str16[16];
typedef char orc_str64[64];
typedef char orc_str128[128];
typedef char orc_str256[256];

/* A count a client may leave untold: has says whether it told. */
typedef struct orc_optu64 {
	bool has;
	uint64_t v;
} orc_optu64;

/* A list of numbers (samples, buckets). */
typedef struct orc_list {
	double *v;
	size_t n;
} orc_list;

/* A timed satellite event as applied, in plan text ("satellites down"). */
typedef struct orc_result_event {
	double at_s;
	char what[64];
} orc_result_event;

typedef struct orc_events {
	orc_result_event v[ORC_RESULT_MAX_EVENTS];
	size_t n;
} orc_events;

#define ORC_CTYPE_BOOL bool
#define ORC_CTYPE_INT int
#define ORC_CTYPE_U64 uint64_t
#define ORC_CTYPE_F64 double
#define ORC_CTYPE_OPTU64 orc_optu64
#define ORC_CTYPE_STR16 orc_str16
#define ORC_CTYPE_STR64 orc_str64
#define ORC_CTYPE_STR128 orc_str128
#define ORC_CTYPE_STR256 orc_str256
#define ORC_CTYPE_LIST orc_list
#define ORC_CTYPE_EVENTS orc_events

typedef struct orc_result {
#define ORC_RESULT_MEMBER(m, type, name, use, per, agg, unit, column, doc) ORC_CTYPE_##type m;
	ORC_RESULT_FIELDS(ORC_RESULT_MEMBER)
#undef ORC_RESULT_MEMBER
	char plan_run[64];	/* the plan's name for the run: beside the Result in runs.jsonl */
	/* A run of several clients: each one's own figures (the fields whose agg is not
	 * RUN), in client order; NULL and 0 for a run of one client, whose figures are the
	 * run's. */
	struct orc_result *per_client;
	size_t nper_client;
} orc_result;

typedef enum orc_field_type {
	ORC_FT_BOOL, ORC_FT_INT, ORC_FT_U64, ORC_FT_F64, ORC_FT_OPTU64, ORC_FT_STR16,
	ORC_FT_STR64, ORC_FT_STR128, ORC_FT_STR256, ORC_FT_LIST, ORC_FT_EVENTS,
} orc_field_type;

typedef enum orc_field_per {
	ORC_PER_RUN, ORC_PER_SAMPLE, ORC_PER_BUCKET,
	ORC_PER_UP,	/* one value per `up` event of the run */
	ORC_PER_RESEND,	/* one value per resent report the satellites timed */
} orc_field_per;

typedef enum orc_field_agg {
	ORC_AGG_RUN, ORC_AGG_TOTAL, ORC_AGG_SUM, ORC_AGG_MAX, ORC_AGG_ANY, ORC_AGG_ALL,
	ORC_AGG_FIRST,
} orc_field_agg;

typedef enum orc_unit {
	ORC_UNIT_NONE,
	ORC_UNIT_COUNT,
	ORC_UNIT_SPANS,
	ORC_UNIT_REPORTS,
	ORC_UNIT_SPANS_PER_S,
	ORC_UNIT_SECONDS,
	ORC_UNIT_SHARE,		/* of one core: 1 = 100% */
	ORC_UNIT_HOST_SHARE,	/* of the whole host: 1 = every core busy */
	ORC_UNIT_BYTES,
} orc_unit;

/* One row of ORC_RESULT_FIELDS, as data. */
typedef struct orc_field {
	const char *member;
	orc_field_type type;
	size_t offset;		/* of the member in orc_result */
	const char *name;
	bool assertable;	/* an assertion may name it (use ASSERT) */
	orc_field_per per;
	orc_field_agg agg;
	orc_unit unit;
	const char *column;	/* NULL: not in the report's table of runs */
	const char *doc;
} orc_field;

/* orc_result_fields returns the table's rows; *n gets their count. */
const orc_field *orc_result_fields(size_t *n);

/* orc_result_field_named finds the field called name (len bytes, not necessarily
 * NUL-terminated), assertable or not, or NULL. */
const orc_field *orc_result_field_named(const char *name, size_t len);

/* Where a field's old name was used: a plan's assertions, or runs.jsonl's keys. The two
 * differ ("sps" was the rate achieved in plans, the rate asked in runs.jsonl). */
typedef enum orc_old_name_in { ORC_OLD_IN_PLAN, ORC_OLD_IN_JSONL } orc_old_name_in;

/* orc_result_field_renamed finds the field that an older tracebench called name (len
 * bytes) in `in`, or NULL. */
const orc_field *orc_result_field_renamed(const char *name, size_t len, orc_old_name_in in);

/* The headline figures: what a tracer costs the program and whether it kept up. The
 * STATS lines, `orchestrator compare` and the github-benchmark export show these;
 * higher_is_better says which way a change is a regression. */
typedef struct orc_headline {
	const char *name;
	bool higher_is_better;
} orc_headline;

/* orc_result_headlines returns the headline figures; *n gets their count. */
const orc_headline *orc_result_headlines(size_t *n);

/* orc_result_plan_names writes the assertable fields' names as "a, b, ... or z" into
 * buf. */
void orc_result_plan_names(char *buf, size_t len);

/* orc_unit_name is the unit as the docs say it ("bytes", "share of a core", ""). */
const char *orc_unit_name(orc_unit u);

/* orc_field_number is a per-run field of r as a number (an untold OPTU64 is 0, a bool
 * 0 or 1). NAN for a list, string or events field. */
double orc_field_number(const orc_field *f, const orc_result *r);

/* orc_field_string is a text field of r, or NULL for any other type. */
const char *orc_field_string(const orc_field *f, const orc_result *r);

/* orc_field_list is a list field of r, or NULL for any other type. */
const orc_list *orc_field_list(const orc_field *f, const orc_result *r);

/* orc_field_format writes a per-run field as the report's table shows it (a share as a
 * percentage, bytes as MiB, a count whole) into buf. */
void orc_field_format(const orc_field *f, const orc_result *r, char *buf, size_t len);

/* orc_result_fields_markdown writes the table of fields that
 * docs/plan-format.md holds: "| `name` | per | unit | doc |" rows under a heading. */
void orc_result_fields_markdown(FILE *out);

/* orc_result_aggregate fills r's fields of agg SUM, MAX, ANY, ALL and FIRST from the n
 * clients' (lists element by element, as long as the longest). TB_OK or TB_ENOMEM. */
int orc_result_aggregate(orc_result *r, const orc_result *clients, size_t n);

/* orc_result_free frees the lists (and the clients' results) and zeroes them. */
void orc_result_free(orc_result *r);

/* orc_result_print writes LightStep Benchmarks' Result printout and our extra fields. */
void orc_result_print(const orc_result *r, FILE *out);

struct cJSON;

/* orc_result_to_json returns the Result as one JSON object (malloc'd text, NULL when out
 * of memory), every field of the table under its key. */
char *orc_result_to_json(const orc_result *r);

/* orc_result_from_json fills r (zeroed first) from a "result" object, each field by its
 * name or its old name in runs.jsonl. A missing key leaves its field zero, as does a
 * value of the wrong JSON type. TB_OK or TB_ENOMEM. */
int orc_result_from_json(const struct cJSON *o, orc_result *r);

#endif
