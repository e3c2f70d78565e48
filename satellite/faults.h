/* SPDX-License-Identifier: MIT */
/* faults.h - how the satellite misbehaves on request: a mode preset for its delay model
 * (base latency + per-span cost, then success or an error status), and faults layered on
 * top (extra latency, random error statuses, dropped connections, a bandwidth limit).
 * Everything can change while requests are in flight; each request decides on a
 * consistent copy of the settings.
 *
 * Mode presets (what `--mode` and SatFaults.mode select):
 *   typical       answer at once with 200
 *   slow_succeed  wait 100 ms + 20 us per span, then 200
 *   slow_fail     wait 100 ms + 20 us per span, then error_status (default 500)
 * SatFaults.override_delays replaces the preset's base and per-span figures. */
#ifndef SAT_FAULTS_H
#define SAT_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/satmode.h"
#include "proto/bench.pb-c.h"


#define SAT_SLOW_BASE_US 100000u
#define SAT_SLOW_PER_SPAN_NS 20000u

/* The settings, as plain data. */
typedef struct sat_fault_config {
	tb_sat_mode mode;
	uint32_t base_latency_us;
	uint32_t per_span_ns;
	uint32_t extra_latency_us;
	double error_probability;	/* 0..1: answer error_status instead of 200 */
	uint32_t error_status;		/* 429, 500 or 503 */
	uint32_t bandwidth_kbps;	/* KiB/s of request body; 0 = unlimited */
	bool bandwidth_per_connection;	/* else one budget for the whole port group */
	double drop_probability;	/* 0..1: close the connection instead of answering */
	uint32_t extra_per_span_ns;	/* added per span to any mode's delay */
	uint32_t retry_after_s;		/* Retry-After on injected errors; 0 = none */
} sat_fault_config;

/* What to do with one report. */
typedef struct sat_verdict {
	unsigned status;	/* 200 or an error status */
	uint64_t delay_ns;	/* wait before answering */
	bool drop;		/* close the connection without answering */
	uint32_t retry_after_s;	/* an error status: the Retry-After to send, 0 = none */
} sat_verdict;

/* A token bucket: one per connection, or the group's inside sat_faults. */
typedef struct sat_bucket {
	double tokens;
	uint64_t last_ns;
} sat_bucket;

typedef struct sat_faults sat_faults;

/* sat_faults_alloc starts in mode with no faults. Returns TB_OK or TB_ENOMEM. */
int sat_faults_alloc(sat_faults **fp, tb_sat_mode mode);

/* sat_faults_free releases f. NULL is fine. */
void sat_faults_free(sat_faults *f);

/* sat_fault_config_preset fills *c with mode's preset and no faults. */
void sat_fault_config_preset(tb_sat_mode mode, sat_fault_config *c);

/* sat_fault_config_from_proto validates a SatFaults message and builds the settings it
 * asks for (an empty mode keeps `current`'s). Returns TB_OK, or TB_EINVAL with the bad
 * field named in err. */
int sat_fault_config_from_proto(const Tb__SatFaults *m, const sat_fault_config *current,
				sat_fault_config *out, char *err, size_t errlen);

/* sat_faults_set / sat_faults_get replace or copy the settings. */
void sat_faults_set(sat_faults *f, const sat_fault_config *c);
void sat_faults_get(sat_faults *f, sat_fault_config *c);

/* sat_faults_decide draws the verdict for one valid report of `spans` spans. */
void sat_faults_decide(sat_faults *f, uint64_t spans, sat_verdict *v);

/* sat_faults_take asks the bandwidth limit for `want` body bytes at now_ns, from conn (the
 * connection's bucket) or the group's, per the settings. Sets *granted (possibly 0) and
 * returns 0 when all was granted, else how long to wait before asking again. */
uint64_t sat_faults_take(sat_faults *f, sat_bucket *conn, size_t want, size_t *granted,
			 uint64_t now_ns);

/* sat_mode_name / sat_mode_parse convert "typical", "slow_succeed", "slow_fail". */
const char *tb_sat_mode_name(tb_sat_mode m);
int sat_mode_parse(const char *s, tb_sat_mode *out);

#endif
