/* result.h - what one benchmark run measured (the seed's Result, plus ours), and its two
 * forms: the seed's printout for people and one JSON object per run for runs.jsonl. */
#ifndef ORC_RESULT_H
#define ORC_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "orchestrator/plan.h"

typedef struct orc_result {
	/* what was asked */
	char client[64];
	bool trace;
	double sps;		/* spans per second asked */
	double runtime_s;
	char satellite_mode[16];
	uint64_t run_id;
	orc_event events[ORC_PLAN_MAX_EVENTS];	/* timed satellite events, as applied */
	size_t nevents;

	/* the client's own figures */
	bool have_client_result;
	double program_time;	/* client CPU seconds, by its own count */
	double clock_time;	/* wall seconds, by its own count */
	uint64_t spans_sent;
	bool has_client_dropped;
	uint64_t client_dropped;
	bool has_client_buffered;
	uint64_t client_buffered;
	char tracer[128];	/* what the client says traced it; "" if untold */

	/* the satellites' counts */
	uint64_t spans_received;
	uint64_t dropped_spans;	/* sent - received (0 if more arrived) */
	uint64_t duplicates;
	uint64_t rejected;
	uint64_t reports;
	uint64_t bytes_received;
	double received_bucket_s;	/* width of one received_list bucket */
	size_t nreceived;
	double *received_list;	/* spans received per bucket, all satellites, from the reset */

	/* the sampler's view */
	double spans_per_second;	/* spans sent / the client's wall time */
	double cpu_usage;		/* client CPU / wall time, 0..N cores */
	double host_cpu;		/* whole host busy share over the run, 0..1 */
	uint64_t peak_rss_bytes;
	double period_s;
	size_t nsamples;
	double *cpu_list;	/* CPU share per sampling period */
	double *memory_list;	/* RSS in bytes per sample */

	/* how it ended */
	int exit_code;		/* -1 when killed */
	int signal;
	bool timed_out;
	bool failed;
	char failure[256];	/* why, when failed */
	double elapsed_s;	/* the run's wall time as the orchestrator saw it */
} orc_result;

/* orc_event_describe writes an event as plan text ("satellites down", "errors 0.5
 * status 503", ...) into buf. */
void orc_event_describe(const orc_event *ev, char *buf, size_t len);

/* orc_result_free frees the lists. */
void orc_result_free(orc_result *r);

/* orc_result_print writes the seed's Result printout and our extra fields. */
void orc_result_print(const orc_result *r, FILE *out);

/* orc_result_to_json returns one JSON object (malloc'd text), lists included. */
char *orc_result_to_json(const orc_result *r);

#endif
