/* SPDX-License-Identifier: MIT */
/* satellite_client.h - the orchestrator's calls to a satellite (a peer of role
 * "satellite"), one typed function each. Only this file and peer.c build bench.proto
 * Envelopes for the satellite; callers deal in plain structs. Every call waits for the
 * satellite's answer and returns TB_OK or the call's error with err naming the peer. */
#ifndef ORC_SATELLITE_CLIENT_H
#define ORC_SATELLITE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/client_counts.h"
#include "common/command.h"
#include "common/satmode.h"
#include "libtracebench/agents/peer.h"

/* The faults a run sets. SatSetFaults replaces all of them at once, so a run keeps each
 * group's and changes only what an event names. */
typedef struct orc_sat_faults {
	tb_sat_mode mode;
	double error_probability;	/* 0..1 */
	unsigned error_status;		/* 429, 500 or 503; 0 is the satellite's default */
	uint32_t retry_after_s;		/* Retry-After on errors; 0 = none */
	uint32_t extra_latency_us;
	uint32_t extra_per_span_ns;
	uint32_t bandwidth_kbps;	/* KiB/s; 0 = unlimited */
	bool bandwidth_per_connection;
	double close_probability;	/* 0..1: close without an answer */
} orc_sat_faults;

/* The counts a satellite keeps since its last reset that add up across satellites, each
 * named as in bench.proto's SatCounters (whose comments say what each counts). */
#define ORC_SAT_COUNTS(X)                                                                 \
	X(reports) X(spans) X(duplicates) X(dup_unchecked) X(rejected) X(bytes_wire)     \
	X(resent) X(dup_after_ack) X(unacked) X(refused_spans) X(in_flight)              \
	X(never_acked) X(cpu_ns) X(metrics_reports)

/* What a satellite counted of one client's reports (common/client_counts.h). */
typedef struct orc_sat_client_counts {
#define ORC_SAT_CLIENT_MEMBER(m) uint64_t m;
	TB_CLIENT_COUNTS(ORC_SAT_CLIENT_MEMBER)
#undef ORC_SAT_CLIENT_MEMBER
} orc_sat_client_counts;

/* What a satellite counted since its last reset. */
typedef struct orc_sat_counts {
	uint64_t run_id;
#define ORC_SAT_COUNT_MEMBER(m) uint64_t m;
	ORC_SAT_COUNTS(ORC_SAT_COUNT_MEMBER)
#undef ORC_SAT_COUNT_MEMBER
	uint64_t last_report_ns;
	uint64_t rss_bytes;		/* its resident memory when read: not summed */
	double cpu_limit_cores;		/* its cgroup's CPU quota; 0: none */
	uint64_t throttled;		/* periods its cgroup was throttled since the reset */
	uint32_t bucket_ms;		/* width of a bucket; 0: no buckets */
	uint32_t *spans_per_bucket;	/* nbuckets, malloc'd: orc_sat_counts_fini */
	size_t nbuckets;
	uint32_t *resend_delays_ms;	/* ndelays, malloc'd: refused report to its resend */
	size_t ndelays;
	orc_sat_client_counts by_client[TB_MAX_CLIENTS];	/* zero: nothing from it */
	/* A forwarding satellite's (bench.proto's ForwardCounts): */
	bool forwarding;
	uint64_t fwd_held_spans;	/* taken, not yet delivered upstream */
	uint64_t fwd_dropped;		/* rejected upstream or expired */
	uint64_t fwd_queue_peak;	/* bytes */
} orc_sat_counts;

/* orc_sat_reset zeroes the satellite's counters and starts counting for run_id. */
int orc_sat_reset(orc_peer *s, uint64_t run_id, char *err, size_t errlen);

/* orc_sat_set_faults replaces the satellite's mode and faults with f. */
int orc_sat_set_faults(orc_peer *s, const orc_sat_faults *f, char *err, size_t errlen);

/* orc_sat_set_listening takes the satellite down (connections refused, held reports
 * dropped) or brings it up again on the same ports. */
int orc_sat_set_listening(orc_peer *s, bool listening, char *err, size_t errlen);

/* orc_sat_get_counters reads the satellite's counters into c (free with
 * orc_sat_counts_fini). A reply of the wrong kind is TB_EPROTO. */
int orc_sat_get_counters(orc_peer *s, orc_sat_counts *c, char *err, size_t errlen);

/* orc_sat_counts_fini frees c's buckets. */
void orc_sat_counts_fini(orc_sat_counts *c);

#endif
