/* SPDX-License-Identifier: MIT */
/* report.h - the life of one report, whatever carried it (HTTP/1.1 or gRPC): inflate and
 * decode its body, draw the fault verdict, offer its spans to the duplicate set, count
 * it, write its ring record, and later acknowledge its spans once the transport says
 * the 2xx answer was delivered, or count them unacknowledged when it was not.
 *
 * A transport calls sat_report_take once the whole body is in, answers as the verdict
 * says, and calls sat_report_done exactly once when the answer's fate is known. */
#ifndef SAT_REPORT_H
#define SAT_REPORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ring.h"
#include "satellite/counters.h"
#include "satellite/decode.h"
#include "satellite/dupset.h"
#include "satellite/faults.h"
#include "satellite/inflate.h"

enum { SAT_TRANSPORT_HTTP1 = 0, SAT_TRANSPORT_GRPC = 1 };

/* What every report of a port group writes to. */
typedef struct sat_report_env {
	sat_counters *counters;
	sat_faults *faults;
	sat_dupset *dups;		/* NULL: no duplicate check */
	tb_ring *ring;			/* NULL: no records */
	pthread_mutex_t *ring_mu;	/* the ring has one producer: its writers lock */
	size_t max_body;
	uint8_t transport;		/* SAT_TRANSPORT_*, also in TB_REC_REPORT */
	struct sat_forward *forward;	/* NULL: reports stop here; else queued for upstream */
} sat_report_env;

/* One report. The transport sets dec (NULL with metrics set: a runtime-metrics report),
 * enc, wire_len and client (sat_report_set_client); the rest is sat_report_take's. */
typedef struct sat_report {
	const sat_decoder *dec;
	int client;			/* the run's client that sent it; -1: unknown */
	bool metrics;
	sat_encoding enc;
	size_t wire_len;		/* bytes received, as sent */
	/* a 2xx report's spans, acknowledged on delivery */
	bool acking;
	uint64_t generation;		/* of the counters when it was taken */
	sat_dup_ref *refs;
	size_t nspans;
	sat_span_id first;
} sat_report;

/* What to answer. */
typedef enum sat_answer {
	SAT_ANSWER_OK = 0,	/* 2xx: reply with the protocol's body (sat_report_reply) */
	SAT_ANSWER_ERROR,	/* an injected error: v.status, v.retry_after_s */
	SAT_ANSWER_DROP,	/* an injected close: no answer at all */
	SAT_ANSWER_REJECT,	/* the body is bad: *status (400, 413) with err, counted */
	SAT_ANSWER_NOMEM,
} sat_answer;

/* sat_report_set_client notes which client of the run sent r, from the access token
 * its request carried (NULL: none). */
void sat_report_set_client(sat_report *r, const char *access_token);

/* sat_report_take decodes body[0..len) (len+1 bytes writable: JSON decoders want a NUL)
 * and decides its answer, counting everything but the acknowledgement. *v gets the
 * verdict (its delay applies to OK and ERROR answers); for a rejection *status and err
 * say why. */
sat_answer sat_report_take(const sat_report_env *e, sat_report *r, uint8_t *body, size_t len,
			   sat_verdict *v, unsigned *status, char *err, size_t errlen);

/* sat_report_reply writes an OK answer's body (at least 256 bytes of buf); metrics
 * reports have an empty one. Returns its length. */
size_t sat_report_reply(const sat_report *r, uint8_t *buf, size_t cap);

/* sat_report_done settles an OK report: its spans are received when delivered, else
 * unacknowledged. Safe on any report, any number of times after the first. */
void sat_report_done(const sat_report_env *e, sat_report *r, bool delivered);

#endif
