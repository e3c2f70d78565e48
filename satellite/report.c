/* SPDX-License-Identifier: MIT */
/* report.c - one report's decoding, verdict, counting and acknowledgement (report.h). */
#include "satellite/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/command.h"
#include "common/error.h"
#include "common/records.h"
#include "satellite/forward.h"
#include "satellite/metrics.h"

static void write_record(const sat_report_env *e, const sat_report *r, unsigned status,
			 uint64_t spans, uint64_t dups, uint64_t now)
{
	tb_rec_report rec = {
		.type = TB_REC_REPORT,
		.size = sizeof(rec),
		.status = (uint16_t)status,
		.protocol = (uint8_t)r->dec->proto,
		.transport = e->transport,
		.t_ns = now,
		.run_id = sat_counters_run_id(e->counters),
		.spans = (uint32_t)spans,
		.duplicates = (uint32_t)dups,
		.bytes_wire = r->wire_len,
	};

	if (e->ring == NULL)
		return;
	pthread_mutex_lock(e->ring_mu);
	tb_ring_write(e->ring, &rec, sizeof(rec));
	pthread_mutex_unlock(e->ring_mu);
}

/* A report's body as decoded: the body itself, or its inflated copy (owned). */
typedef struct plain_body {
	const uint8_t *body;
	size_t len;
	uint8_t *inflated;
} plain_body;

/* decode inflates and decodes the body into ids (or counts a metrics report's points).
 * SAT_ANSWER_OK to go on, else the rejection, counted, with *status and err. */
static sat_answer decode(const sat_report_env *e, sat_report *r, uint8_t *body, size_t len,
			 sat_ids *ids, plain_body *pb, uint64_t *points, unsigned *status,
			 char *err, size_t errlen)
{
	uint8_t *plain = body, *inflated = NULL;
	int rv;
	size_t *plain_len = &pb->len;
	*plain_len = len;
	if (r->enc != SAT_ENC_IDENTITY) {
		rv = sat_inflate(r->enc, body, len, e->max_body, &inflated, plain_len, err, errlen);
		if (rv == TB_ENOMEM)
			return SAT_ANSWER_NOMEM;
		if (rv != TB_OK) {
			*status = rv == TB_EMSGSIZE ? 413 : 400;
			sat_counters_reject(e->counters, rv == TB_EMSGSIZE ? SAT_REJ_TOO_LARGE
									  : SAT_REJ_BAD_ENCODING);
			return SAT_ANSWER_REJECT;
		}
		plain = inflated;
	} else {
		body[len] = '\0';	/* the JSON decoders read a C string */
	}
	if (r->metrics)
		rv = sat_metrics_decode(plain, *plain_len, points, err, errlen);
	else
		rv = r->dec->decode(plain, *plain_len, ids, err, errlen);
	pb->body = plain;
	pb->inflated = inflated;
	if (rv == TB_OK)
		return SAT_ANSWER_OK;
	free(inflated);
	pb->inflated = NULL;
	sat_ids_fini(ids);
	if (rv == TB_ENOMEM)
		return SAT_ANSWER_NOMEM;
	*status = 400;
	sat_counters_reject(e->counters, SAT_REJ_BAD_BODY);
	return SAT_ANSWER_REJECT;
}

/* offer counts a decoded report's spans against the duplicate set, whatever its answer:
 * a copy refused now and sent again later is then known as a resend. *refs (malloc'd,
 * NULL without a set) says where each span is, for acknowledging it. */
static bool offer(const sat_report_env *e, const sat_report *r, const sat_ids *ids,
		  size_t plain_len, sat_dup_counts *dc, sat_dup_ref **refs)
{
	*dc = (sat_dup_counts){0};
	*refs = NULL;
	if (e->dups != NULL) {
		if (ids->n > 0 && (*refs = malloc(ids->n * sizeof(**refs))) == NULL)
			return false;
		sat_dupset_insert_many(e->dups, ids->v, ids->n, sizeof(ids->v[0]), dc, *refs);
	} else {
		dc->fresh = ids->n;
	}
	sat_counters_offered(e->counters, r->dec->proto, r->client, dc, r->wire_len, plain_len);
	return true;
}

/* settle counts a decoded report as its verdict says; an OK report keeps its spans
 * (refs taken) for sat_report_done. */
static sat_answer settle(const sat_report_env *e, sat_report *r, const sat_ids *ids,
			 const sat_verdict *v, sat_reject refusal, sat_dup_ref **refs, uint64_t now)
{
	if (v->drop) {
		sat_counters_refused(e->counters, SAT_REJ_INJECTED_DROP, r->client, ids->n);
		sat_counters_refused_report(e->counters, ids, now);
		return SAT_ANSWER_DROP;
	}
	if (v->status != 200) {
		sat_counters_refused(e->counters, refusal, r->client, ids->n);
		sat_counters_refused_report(e->counters, ids, now);
		return SAT_ANSWER_ERROR;
	}
	r->acking = true;
	r->generation = sat_counters_generation(e->counters);
	r->refs = *refs;
	*refs = NULL;
	r->nspans = ids->n;
	if (ids->n > 0)
		r->first = ids->v[0];
	sat_counters_in_flight(e->counters, r->client, (int64_t)r->nspans);
	return SAT_ANSWER_OK;
}

/* forward queues an accepted report for the upstreams. A full queue turns the answer
 * into 503 with Retry-After: 1, so the tracer keeps the spans and sends them again.
 * SAT_REJ_QUEUE_FULL then, SAT_REJ_COUNT when queued. */
static sat_reject forward(const sat_report_env *e, const sat_report *r, const plain_body *pb,
			  uint64_t spans, sat_verdict *v)
{
	if (e->forward == NULL || v->drop || v->status != 200)
		return SAT_REJ_INJECTED_ERROR;
	if (sat_forward_put(e->forward, r->dec->proto, r->client, pb->body, pb->len, spans) ==
	    TB_OK)
		return SAT_REJ_COUNT;
	v->status = 503;
	v->retry_after_s = 1;
	v->delay_ns = 0;
	return SAT_REJ_QUEUE_FULL;
}

void sat_report_set_client(sat_report *r, const char *access_token)
{
	uint32_t i;
	r->client = tb_access_token_client(access_token, &i) ? (int)i : -1;
}

sat_answer sat_report_take(const sat_report_env *e, sat_report *r, uint8_t *body, size_t len,
			   sat_verdict *v, unsigned *status, char *err, size_t errlen)
{
	sat_ids ids = {0};
	plain_body pb = {0};
	uint64_t points = 0;
	sat_dup_counts dc;
	sat_dup_ref *refs = NULL;

	*v = (sat_verdict){.status = 200};
	sat_answer a = decode(e, r, body, len, &ids, &pb, &points, status, err, errlen);
	if (a != SAT_ANSWER_OK)
		return a;
	if (r->metrics) {
		/* Faults are for span reports: a tracer's metrics are simply taken. */
		sat_counters_metrics(e->counters, points);
		free(pb.inflated);
		return SAT_ANSWER_OK;
	}
	sat_faults_decide(e->faults, ids.n, v);
	sat_reject refusal = forward(e, r, &pb, ids.n, v);
	free(pb.inflated);
	uint64_t now = tb_now_ns();
	if (!offer(e, r, &ids, pb.len, &dc, &refs)) {
		sat_ids_fini(&ids);
		return SAT_ANSWER_NOMEM;
	}
	/* Only a report holding spans seen before can be a resend: the others skip the
	 * resend table's lock. */
	if (dc.resent > 0 || e->dups == NULL)
		sat_counters_arrived_report(e->counters, &ids, now);
	a = settle(e, r, &ids, v, refusal, &refs, now);
	write_record(e, r, a == SAT_ANSWER_DROP ? 0 : v->status, ids.n, dc.resent + dc.after_ack,
		     now);
	free(refs);
	sat_ids_fini(&ids);
	return a;
}

size_t sat_report_reply(const sat_report *r, uint8_t *buf, size_t cap)
{
	if (r->metrics)
		return 0;
	return r->dec->reply(buf, cap, tb_wall_ns() / 1000);
}

void sat_report_done(const sat_report_env *e, sat_report *r, bool delivered)
{
	if (!r->acking)
		return;
	bool current = r->generation == sat_counters_generation(e->counters);
	if (!current) {
		/* Answered after a reset: the run it belongs to is over, and its ids are gone
		 * from the duplicate set. */
	} else if (!delivered) {
		sat_counters_unacked(e->counters, r->client, r->nspans);
		sat_ids first = {.v = &r->first, .n = r->nspans > 0};
		sat_counters_refused_report(e->counters, &first, tb_now_ns());
	} else if (e->dups == NULL) {
		sat_counters_add_report(e->counters, r->dec->proto, r->client, r->nspans, 0,
					tb_now_ns());
	} else {
		uint64_t absent = 0;
		uint64_t first = sat_dupset_ack_refs(e->dups, r->refs, r->nspans, &absent);
		sat_counters_add_report(e->counters, r->dec->proto, r->client, first, absent,
					tb_now_ns());
	}
	if (current) {
		if (delivered && e->transport == SAT_TRANSPORT_GRPC)
			sat_counters_grpc_report(e->counters);
		/* Out of flight last: a reader that sees none in flight sees them counted. */
		sat_counters_in_flight(e->counters, r->client, -(int64_t)r->nspans);
	}
	free(r->refs);
	r->refs = NULL;
	r->acking = false;
}
