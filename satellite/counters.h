/* SPDX-License-Identifier: MIT */
/* counters.h - the satellite's per-run counters: reports, spans, bytes, duplicates,
 * rejections by reason, first/last report times, spans per time bucket and a split by
 * protocol. Updated lock-free by the HTTP threads; reset with a run id by the
 * orchestrator at the start of each run. */
#ifndef SAT_COUNTERS_H
#define SAT_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/bench.pb-c.h"
#include "satellite/decode.h"
#include "satellite/dupset.h"
#include "satellite/resend.h"

/* Resend delays kept per run: the first ones. */
#define SAT_RESEND_DELAYS 256

/* Spans are bucketed by arrival time since the reset, 100 ms a bucket, for an hour; later
 * arrivals fall in the last bucket. */
#define SAT_BUCKET_MS 100
#define SAT_BUCKETS 36000

/* Why a request was not counted. Names (sat_reject_name) are what /stats and SatCounters
 * report. */
typedef enum sat_reject {
	SAT_REJ_BAD_BODY = 0,	/* protobuf or JSON that does not decode (400) */
	SAT_REJ_BAD_ENCODING,	/* corrupt gzip/deflate, or an unknown Content-Encoding */
	SAT_REJ_BAD_FRAMING,	/* malformed HTTP or chunked framing (MHD answered 400) */
	SAT_REJ_TOO_LARGE,	/* body over --max-body (413) */
	SAT_REJ_BAD_TYPE,	/* unsupported Content-Type (415) */
	SAT_REJ_NOT_FOUND,	/* unknown path (404) */
	SAT_REJ_BAD_METHOD,	/* wrong method for the path (405) */
	SAT_REJ_TIMEOUT,	/* the client stalled past the idle timeout */
	SAT_REJ_ABORTED,	/* the client closed mid-request */
	SAT_REJ_INJECTED_ERROR,	/* a fault answered an error status */
	SAT_REJ_INJECTED_DROP,	/* a fault closed the connection mid-request */
	SAT_REJ_QUEUE_FULL,	/* a forwarding satellite's queue was full (503) */
	SAT_REJ_COUNT
} sat_reject;

typedef struct sat_counters sat_counters;

/* sat_counters_alloc makes a zeroed set (run id 0). Returns TB_OK or TB_ENOMEM. */
int sat_counters_alloc(sat_counters **cp);

/* sat_counters_free releases c. NULL is fine. */
void sat_counters_free(sat_counters *c);

/* sat_counters_reset zeroes everything for run run_id starting at now_ns, and notes the
 * process's CPU time, so that the counters tell what the run cost the satellite. Not atomic
 * with respect to reports being counted at that instant: reset between runs. Each reset
 * starts a new generation (sat_counters_generation). */
void sat_counters_reset(sat_counters *c, uint64_t run_id, uint64_t now_ns);

/* sat_counters_generation tells the resets so far. A report taken in one generation and
 * settled in another (its answer was delivered after a reset) belongs to the run before
 * and is not counted in the new one. */
uint64_t sat_counters_generation(const sat_counters *c);

/* sat_counters_run_id returns the current run id. */
uint64_t sat_counters_run_id(const sat_counters *c);

/* In the calls below, client is the index of the run's client the report came from
 * (its access token), or -1 for none: such reports count in the totals only. */

/* sat_counters_offered counts a decoded report's bytes and what the duplicate set found
 * of its spans, whatever its answer will be. */
void sat_counters_offered(sat_counters *c, sat_proto proto, int client,
			  const sat_dup_counts *d, uint64_t bytes_wire, uint64_t bytes_decoded);

/* sat_counters_refused counts a decoded report of spans answered with an injected error
 * or closed without an answer. */
void sat_counters_refused(sat_counters *c, sat_reject why, int client, uint64_t spans);

/* sat_counters_refused_report remembers a decoded report that was refused or whose
 * answer was not delivered, so that its resend can be timed (satellite/resend.h). */
void sat_counters_refused_report(sat_counters *c, const sat_ids *ids, uint64_t now_ns);

/* sat_counters_arrived_report times a report that resends a refused one. */
void sat_counters_arrived_report(sat_counters *c, const sat_ids *ids, uint64_t now_ns);

/* sat_counters_in_flight adds spans (or, negative, takes them away) to the spans of
 * reports answered 2xx whose answer is not yet delivered. */
void sat_counters_in_flight(sat_counters *c, int client, int64_t spans);

/* sat_counters_unacked counts spans of a report answered 2xx whose answer was never
 * delivered (the connection closed, the group went down, the client gave up). */
void sat_counters_unacked(sat_counters *c, int client, uint64_t spans);

/* sat_counters_add_report counts one report acknowledged: its 2xx answer was fully sent.
 * first_acks of its spans were acknowledged for the first time, and unknown more could
 * not be checked (the duplicate set was full): both are received now. */
void sat_counters_add_report(sat_counters *c, sat_proto proto, int client,
			     uint64_t first_acks, uint64_t unknown, uint64_t now_ns);

/* sat_counters_grpc_report counts one report acknowledged over gRPC (also counted by
 * sat_counters_add_report). */
void sat_counters_grpc_report(sat_counters *c);

/* sat_counters_metrics counts one runtime-metrics report accepted, of points points. */
void sat_counters_metrics(sat_counters *c, uint64_t points);

/* sat_counters_reject counts one request not counted, by reason. */
void sat_counters_reject(sat_counters *c, sat_reject why);

/* What a forwarding satellite (forward.h) did, each named as in bench.proto's
 * ForwardCounts. */
#define SAT_FWD_COUNTS(X)                                                                  \
	X(BATCHES, batches) X(SPANS, spans) X(BYTES, bytes) X(RETRIES, retries)            \
	X(REJECTED, rejected) X(EXPIRED, expired)

typedef enum sat_fwd_count {
#define SAT_FWD_ENUM(E, m) SAT_FWD_##E,
	SAT_FWD_COUNTS(SAT_FWD_ENUM)
#undef SAT_FWD_ENUM
	SAT_FWD_COUNT
} sat_fwd_count;

/* sat_counters_forward adds n to one of the forwarder's counts. */
void sat_counters_forward(sat_counters *c, sat_fwd_count which, uint64_t n);

/* sat_counters_forward_held notes the bytes the forwarder holds now, for the peak. */
void sat_counters_forward_held(sat_counters *c, uint64_t bytes);

/* sat_counters_spans returns the spans counted this run (for GET /spans_received). */
uint64_t sat_counters_spans(const sat_counters *c);

/* sat_reject_name names a reason ("bad_body"). */
const char *sat_reject_name(sat_reject why);

/* The satellite's state that /stats and SatCounters report beside the counters. */
typedef struct sat_status {
	bool listening;
	const char *mode;
	uint64_t dup_capacity;
	bool forwarding;		/* a forwarding satellite: the three below and the
					 * forwarder's counts are reported */
	uint64_t held_spans, held_bytes;
} sat_status;

/* sat_counters_to_proto fills *out (initialised here) with a snapshot; free it with
 * sat_counters_proto_fini. Returns TB_OK or TB_ENOMEM. */
int sat_counters_to_proto(const sat_counters *c, const sat_status *st, Tb__SatCounters *out);

/* sat_counters_proto_fini frees what sat_counters_to_proto allocated. */
void sat_counters_proto_fini(Tb__SatCounters *out);

/* sat_counters_to_json returns a malloc'd JSON object with the same snapshot, or NULL. */
char *sat_counters_to_json(const sat_counters *c, const sat_status *st);

#endif
