/* SPDX-License-Identifier: MIT */
/* counters.c - per-run counters as relaxed atomics: the HTTP threads only add, readers
 * take a snapshot that may be a few reports behind, which the orchestrator tolerates by
 * reading again after spans stop arriving. */
#include "satellite/counters.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "common/client_counts.h"
#include "common/clock.h"
#include "common/command.h"
#include "common/cpulimit.h"
#include "common/error.h"

typedef struct proto_counts {
	_Atomic uint64_t reports, spans, bytes_wire;
} proto_counts;

/* One client's counts; never_acked is fresh - acked_fresh when read, as for the totals. */
typedef struct client_counts {
	_Atomic uint64_t reports, spans, resent, dup_after_ack, refused_spans, unacked;
	_Atomic uint64_t fresh, acked_fresh;
	_Atomic int64_t in_flight;
} client_counts;

struct sat_counters {
	_Atomic uint64_t run_id;
	_Atomic uint64_t generation;	/* resets so far */
	_Atomic uint64_t start_ns;
	_Atomic uint64_t cpu_at_reset;	/* the process's CPU time then */
	_Atomic uint64_t throttled_at_reset;	/* its cgroup's throttled periods then */
	_Atomic uint64_t reports, spans, bytes_wire, bytes_decoded, duplicates, unchecked;
	_Atomic uint64_t fresh, acked_fresh, resent, after_ack, unacked, refused_spans;
	_Atomic int64_t in_flight;
	_Atomic uint64_t metrics_reports, metric_points, grpc_reports;
	_Atomic uint64_t first_ns, last_ns;
	_Atomic uint64_t fwd[SAT_FWD_COUNT], fwd_peak_bytes;
	_Atomic uint64_t rejected[SAT_REJ_COUNT];
	proto_counts by_proto[SAT_PROTO_COUNT];
	client_counts by_client[TB_MAX_CLIENTS];
	_Atomic uint32_t used_clients;	/* 1 + highest client index counted */
	_Atomic uint32_t buckets[SAT_BUCKETS];
	_Atomic uint32_t used_buckets;	/* 1 + highest bucket written */
	sat_resend *resend;		/* refused reports, to time their resends */
	pthread_mutex_t delay_mu;
	uint32_t delays_ms[SAT_RESEND_DELAYS];	/* the first ones of the run */
	size_t ndelays;
};

static const char *reject_names[SAT_REJ_COUNT] = {
	[SAT_REJ_BAD_BODY] = "bad_body",
	[SAT_REJ_BAD_ENCODING] = "bad_encoding",
	[SAT_REJ_BAD_FRAMING] = "bad_framing",
	[SAT_REJ_TOO_LARGE] = "too_large",
	[SAT_REJ_BAD_TYPE] = "bad_content_type",
	[SAT_REJ_NOT_FOUND] = "not_found",
	[SAT_REJ_BAD_METHOD] = "bad_method",
	[SAT_REJ_TIMEOUT] = "timeout",
	[SAT_REJ_ABORTED] = "aborted",
	[SAT_REJ_INJECTED_ERROR] = "injected_error",
	[SAT_REJ_INJECTED_DROP] = "injected_drop",
	[SAT_REJ_QUEUE_FULL] = "queue_full",
};

#define ADD(field, v) atomic_fetch_add_explicit(&(field), (v), memory_order_relaxed)
#define GET(field) atomic_load_explicit(&(field), memory_order_relaxed)
#define SET(field, v) atomic_store_explicit(&(field), (v), memory_order_relaxed)

int sat_counters_alloc(sat_counters **cp)
{
	*cp = calloc(1, sizeof(**cp));
	if (*cp == NULL)
		return TB_ENOMEM;
	if (sat_resend_alloc(&(*cp)->resend) != TB_OK) {
		free(*cp);
		*cp = NULL;
		return TB_ENOMEM;
	}
	pthread_mutex_init(&(*cp)->delay_mu, NULL);
	atomic_store(&(*cp)->start_ns, tb_now_ns());	/* run 0 starts now */
	return TB_OK;
}

void sat_counters_free(sat_counters *c)
{
	if (c == NULL)
		return;
	sat_resend_free(c->resend);
	pthread_mutex_destroy(&c->delay_mu);
	free(c);
}

static void clear_client(client_counts *cc)
{
	SET(cc->reports, 0);
	SET(cc->spans, 0);
	SET(cc->resent, 0);
	SET(cc->dup_after_ack, 0);
	SET(cc->refused_spans, 0);
	SET(cc->unacked, 0);
	SET(cc->fresh, 0);
	SET(cc->acked_fresh, 0);
	SET(cc->in_flight, 0);
}

void sat_counters_reset(sat_counters *c, uint64_t run_id, uint64_t now_ns)
{
	uint32_t used = GET(c->used_buckets);

	/* First: a report settling from now on sees that it belongs to the run before. */
	atomic_fetch_add(&c->generation, 1);

	SET(c->reports, 0);
	SET(c->spans, 0);
	SET(c->bytes_wire, 0);
	SET(c->bytes_decoded, 0);
	SET(c->duplicates, 0);
	SET(c->unchecked, 0);
	SET(c->fresh, 0);
	SET(c->acked_fresh, 0);
	SET(c->resent, 0);
	SET(c->after_ack, 0);
	SET(c->unacked, 0);
	SET(c->refused_spans, 0);
	SET(c->in_flight, 0);
	SET(c->metrics_reports, 0);
	SET(c->metric_points, 0);
	SET(c->grpc_reports, 0);
	SET(c->first_ns, 0);
	SET(c->last_ns, 0);
	for (int i = 0; i < SAT_FWD_COUNT; i++)
		SET(c->fwd[i], 0);
	SET(c->fwd_peak_bytes, 0);
	for (int i = 0; i < SAT_REJ_COUNT; i++)
		SET(c->rejected[i], 0);
	for (int i = 0; i < SAT_PROTO_COUNT; i++) {
		SET(c->by_proto[i].reports, 0);
		SET(c->by_proto[i].spans, 0);
		SET(c->by_proto[i].bytes_wire, 0);
	}
	for (uint32_t i = 0; i < used && i < SAT_BUCKETS; i++)
		SET(c->buckets[i], 0);
	for (uint32_t i = 0; i < GET(c->used_clients) && i < TB_MAX_CLIENTS; i++)
		clear_client(&c->by_client[i]);
	SET(c->used_clients, 0);
	SET(c->used_buckets, 0);
	sat_resend_reset(c->resend);
	pthread_mutex_lock(&c->delay_mu);
	c->ndelays = 0;
	pthread_mutex_unlock(&c->delay_mu);
	SET(c->start_ns, now_ns);
	SET(c->cpu_at_reset, tb_process_cpu_ns(0));
	tb_cpu_limit lim;
	tb_cpu_limit_self(&lim);
	SET(c->throttled_at_reset, lim.throttled);
	SET(c->run_id, run_id);
}

uint64_t sat_counters_generation(const sat_counters *c)
{
	return GET(c->generation);
}

uint64_t sat_counters_run_id(const sat_counters *c)
{
	return GET(((sat_counters *)c)->run_id);
}

/* client_of is the counts of client (NULL for -1, a report that named none), noting
 * how many clients there are to report. */
static client_counts *client_of(sat_counters *c, int client)
{
	if (client < 0 || client >= TB_MAX_CLIENTS)
		return NULL;
	uint32_t used = GET(c->used_clients);
	while (used < (uint32_t)client + 1 &&
	       !atomic_compare_exchange_weak(&c->used_clients, &used, (uint32_t)client + 1))
		;
	return &c->by_client[client];
}

void sat_counters_offered(sat_counters *c, sat_proto proto, int client,
			  const sat_dup_counts *d, uint64_t bytes_wire, uint64_t bytes_decoded)
{
	client_counts *cc = client_of(c, client);
	if (cc != NULL) {
		ADD(cc->fresh, d->fresh);
		ADD(cc->resent, d->resent);
		ADD(cc->dup_after_ack, d->after_ack);
	}
	ADD(c->fresh, d->fresh);
	ADD(c->resent, d->resent);
	ADD(c->after_ack, d->after_ack);
	ADD(c->duplicates, d->resent + d->after_ack);
	ADD(c->unchecked, d->unchecked);
	ADD(c->bytes_wire, bytes_wire);
	ADD(c->bytes_decoded, bytes_decoded);
	ADD(c->by_proto[proto].bytes_wire, bytes_wire);
}

void sat_counters_refused(sat_counters *c, sat_reject why, int client, uint64_t spans)
{
	client_counts *cc = client_of(c, client);
	if (cc != NULL)
		ADD(cc->refused_spans, spans);
	sat_counters_reject(c, why);
	ADD(c->refused_spans, spans);
}

void sat_counters_refused_report(sat_counters *c, const sat_ids *ids, uint64_t now_ns)
{
	if (ids->n > 0)
		sat_resend_refused(c->resend, &ids->v[0], now_ns);
}

void sat_counters_arrived_report(sat_counters *c, const sat_ids *ids, uint64_t now_ns)
{
	uint64_t delay;
	if (ids->n == 0 || !sat_resend_arrived(c->resend, &ids->v[0], now_ns, &delay))
		return;
	uint64_t ms = delay / 1000000;
	pthread_mutex_lock(&c->delay_mu);
	if (c->ndelays < SAT_RESEND_DELAYS)
		c->delays_ms[c->ndelays++] = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
	pthread_mutex_unlock(&c->delay_mu);
}

void sat_counters_in_flight(sat_counters *c, int client, int64_t spans)
{
	client_counts *cc = client_of(c, client);
	if (cc != NULL)
		ADD(cc->in_flight, spans);
	ADD(c->in_flight, spans);
}

void sat_counters_unacked(sat_counters *c, int client, uint64_t spans)
{
	client_counts *cc = client_of(c, client);
	if (cc != NULL)
		ADD(cc->unacked, spans);
	ADD(c->unacked, spans);
}

void sat_counters_add_report(sat_counters *c, sat_proto proto, int client,
			     uint64_t first_acks, uint64_t unknown, uint64_t now_ns)
{
	client_counts *cc = client_of(c, client);
	if (cc != NULL) {
		ADD(cc->reports, 1);
		ADD(cc->spans, first_acks + unknown);
		ADD(cc->acked_fresh, first_acks);
	}
	uint64_t spans = first_acks + unknown;
	uint64_t start = GET(c->start_ns);
	uint64_t bucket = now_ns > start ? (now_ns - start) / (SAT_BUCKET_MS * 1000000ull) : 0;
	uint64_t zero = 0, last;
	uint32_t used;

	if (bucket >= SAT_BUCKETS)
		bucket = SAT_BUCKETS - 1;
	ADD(c->reports, 1);
	ADD(c->spans, spans);
	ADD(c->acked_fresh, first_acks);
	ADD(c->by_proto[proto].reports, 1);
	ADD(c->by_proto[proto].spans, spans);
	ADD(c->buckets[bucket], (uint32_t)spans);
	used = GET(c->used_buckets);
	while (used < bucket + 1 &&
	       !atomic_compare_exchange_weak(&c->used_buckets, &used, (uint32_t)bucket + 1))
		;
	atomic_compare_exchange_strong(&c->first_ns, &zero, now_ns);
	last = GET(c->last_ns);
	while (last < now_ns && !atomic_compare_exchange_weak(&c->last_ns, &last, now_ns))
		;
}

void sat_counters_grpc_report(sat_counters *c)
{
	ADD(c->grpc_reports, 1);
}

void sat_counters_metrics(sat_counters *c, uint64_t points)
{
	ADD(c->metrics_reports, 1);
	ADD(c->metric_points, points);
}

void sat_counters_reject(sat_counters *c, sat_reject why)
{
	if ((unsigned)why < SAT_REJ_COUNT)
		ADD(c->rejected[why], 1);
}

void sat_counters_forward(sat_counters *c, sat_fwd_count which, uint64_t n)
{
	if ((unsigned)which < SAT_FWD_COUNT)
		ADD(c->fwd[which], n);
}

void sat_counters_forward_held(sat_counters *c, uint64_t bytes)
{
	uint64_t peak = GET(c->fwd_peak_bytes);
	while (bytes > peak &&
	       !atomic_compare_exchange_weak_explicit(&c->fwd_peak_bytes, &peak, bytes,
						      memory_order_relaxed, memory_order_relaxed))
		;
}

/* forward_to_proto fills out->forward for a forwarding satellite. */
static int forward_to_proto(sat_counters *c, const sat_status *st, Tb__SatCounters *out)
{
	if (!st->forwarding)
		return TB_OK;
	Tb__ForwardCounts *fw = malloc(sizeof(*fw));
	if (fw == NULL)
		return TB_ENOMEM;
	tb__forward_counts__init(fw);
	fw->held_spans = st->held_spans;
	fw->held_bytes = st->held_bytes;
	fw->queue_peak_bytes = GET(c->fwd_peak_bytes);
#define FWD_TO_PROTO(E, m) fw->m = GET(c->fwd[SAT_FWD_##E]);
	SAT_FWD_COUNTS(FWD_TO_PROTO)
#undef FWD_TO_PROTO
	out->forward = fw;
	return TB_OK;
}

uint64_t sat_counters_spans(const sat_counters *c)
{
	return GET(((sat_counters *)c)->spans);
}

const char *sat_reject_name(sat_reject why)
{
	return (unsigned)why < SAT_REJ_COUNT ? reject_names[why] : "unknown";
}

/* self_rss_bytes is this process's resident memory, from /proc/self/statm. */
static uint64_t self_rss_bytes(void)
{
	unsigned long long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f != NULL) {
		if (fscanf(f, "%llu %llu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* rejects_to_proto lists the rejections by reason, and their sum. */
static int rejects_to_proto(sat_counters *c, Tb__SatCounters *out)
{
	out->rejected = 0;
	for (int i = 0; i < SAT_REJ_COUNT; i++) {
		uint64_t n = GET(c->rejected[i]);
		Tb__RejectCount *rc;
		out->rejected += n;
		if (n == 0)
			continue;
		if ((rc = malloc(sizeof(*rc))) == NULL)
			return TB_ENOMEM;
		tb__reject_count__init(rc);
		rc->reason = (char *)reject_names[i];
		rc->count = n;
		out->rejected_by_reason[out->n_rejected_by_reason++] = rc;
	}
	return TB_OK;
}

/* protocols_to_proto lists every protocol that has a report counted. */
static int protocols_to_proto(sat_counters *c, Tb__SatCounters *out)
{
	for (int i = 0; i < SAT_PROTO_COUNT; i++) {
		Tb__ProtocolCount *pc;
		if (GET(c->by_proto[i].reports) == 0)
			continue;
		if ((pc = malloc(sizeof(*pc))) == NULL)
			return TB_ENOMEM;
		tb__protocol_count__init(pc);
		pc->protocol = (char *)sat_decoder_get((sat_proto)i)->name;
		pc->reports = GET(c->by_proto[i].reports);
		pc->spans = GET(c->by_proto[i].spans);
		pc->bytes_wire = GET(c->by_proto[i].bytes_wire);
		out->by_protocol[out->n_by_protocol++] = pc;
	}
	return TB_OK;
}

/* clients_to_proto lists every client that has a report counted. */
static int clients_to_proto(sat_counters *c, Tb__SatCounters *out)
{
	uint32_t used = GET(c->used_clients);
	for (uint32_t i = 0; i < used && i < TB_MAX_CLIENTS; i++) {
		client_counts *cc = &c->by_client[i];
		if (GET(cc->fresh) == 0 && GET(cc->reports) == 0 && GET(cc->refused_spans) == 0)
			continue;
		Tb__ClientCount *m = malloc(sizeof(*m));
		if (m == NULL)
			return TB_ENOMEM;
		tb__client_count__init(m);
		m->client = i;
		m->reports = GET(cc->reports);
		m->spans = GET(cc->spans);
		m->resent = GET(cc->resent);
		m->dup_after_ack = GET(cc->dup_after_ack);
		m->refused_spans = GET(cc->refused_spans);
		m->unacked = GET(cc->unacked);
		int64_t fl = GET(cc->in_flight);
		m->in_flight = fl > 0 ? (uint64_t)fl : 0;
		uint64_t fresh = GET(cc->fresh), acked = GET(cc->acked_fresh);
		m->never_acked = fresh > acked ? fresh - acked : 0;
		out->by_client[out->n_by_client++] = m;
	}
	return TB_OK;
}

int sat_counters_to_proto(const sat_counters *cc, const sat_status *st, Tb__SatCounters *out)
{
	sat_counters *c = (sat_counters *)cc;
	uint32_t used = GET(c->used_buckets);

	tb__sat_counters__init(out);
	out->run_id = GET(c->run_id);
	out->reports = GET(c->reports);
	out->spans = GET(c->spans);
	out->bytes_wire = GET(c->bytes_wire);
	out->bytes_decoded = GET(c->bytes_decoded);
	out->duplicates = GET(c->duplicates);
	out->first_report_ns = GET(c->first_ns);
	out->last_report_ns = GET(c->last_ns);
	out->bucket_ms = SAT_BUCKET_MS;
	out->listening = st->listening;
	out->mode = (char *)st->mode;
	out->dup_capacity = st->dup_capacity;
	out->dup_unchecked = GET(c->unchecked);
	out->resent = GET(c->resent);
	out->dup_after_ack = GET(c->after_ack);
	out->unacked = GET(c->unacked);
	out->refused_spans = GET(c->refused_spans);
	int64_t fl = GET(c->in_flight);
	out->in_flight = fl > 0 ? (uint64_t)fl : 0;
	uint64_t fresh = GET(c->fresh), acked = GET(c->acked_fresh);
	out->never_acked = fresh > acked ? fresh - acked : 0;
	out->metrics_reports = GET(c->metrics_reports);
	out->metric_points = GET(c->metric_points);
	out->grpc_reports = GET(c->grpc_reports);
	uint64_t cpu = tb_process_cpu_ns(0), cpu0 = GET(c->cpu_at_reset);
	out->cpu_ns = cpu > cpu0 ? cpu - cpu0 : 0;
	out->rss_bytes = self_rss_bytes();
	tb_cpu_limit lim;
	tb_cpu_limit_self(&lim);
	uint64_t thr0 = GET(c->throttled_at_reset);
	out->cpu_limit_cores = lim.cores;
	out->throttled = lim.throttled > thr0 ? lim.throttled - thr0 : 0;

	out->rejected_by_reason = calloc(SAT_REJ_COUNT, sizeof(*out->rejected_by_reason));
	out->by_protocol = calloc(SAT_PROTO_COUNT, sizeof(*out->by_protocol));
	out->spans_per_bucket = calloc(used ? used : 1, sizeof(uint32_t));
	out->by_client = calloc(TB_MAX_CLIENTS, sizeof(*out->by_client));
	out->resend_delays_ms = calloc(SAT_RESEND_DELAYS, sizeof(uint32_t));
	if (!out->rejected_by_reason || !out->by_protocol || !out->spans_per_bucket ||
	    !out->resend_delays_ms || !out->by_client) {
		sat_counters_proto_fini(out);
		return TB_ENOMEM;
	}
	if (rejects_to_proto(c, out) != TB_OK || protocols_to_proto(c, out) != TB_OK ||
	    clients_to_proto(c, out) != TB_OK || forward_to_proto(c, st, out) != TB_OK) {
		sat_counters_proto_fini(out);
		return TB_ENOMEM;
	}
	for (uint32_t i = 0; i < used; i++)
		out->spans_per_bucket[i] = GET(c->buckets[i]);
	out->n_spans_per_bucket = used;
	pthread_mutex_lock(&c->delay_mu);
	memcpy(out->resend_delays_ms, c->delays_ms, c->ndelays * sizeof(uint32_t));
	out->n_resend_delays_ms = c->ndelays;
	pthread_mutex_unlock(&c->delay_mu);
	return TB_OK;
}

void sat_counters_proto_fini(Tb__SatCounters *out)
{
	for (size_t i = 0; i < out->n_rejected_by_reason; i++)
		free(out->rejected_by_reason[i]);
	for (size_t i = 0; i < out->n_by_protocol; i++)
		free(out->by_protocol[i]);
	for (size_t i = 0; i < out->n_by_client; i++)
		free(out->by_client[i]);
	free(out->by_client);
	free(out->rejected_by_reason);
	free(out->by_protocol);
	free(out->spans_per_bucket);
	free(out->resend_delays_ms);
	free(out->forward);
	tb__sat_counters__init(out);
}

/* 64-bit counts and clock readings go out as exact integer literals, not doubles. */
static void add_u64(cJSON *o, const char *name, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	cJSON_AddRawToObject(o, name, num);
}

char *sat_counters_to_json(const sat_counters *c, const sat_status *st)
{
	Tb__SatCounters snap;
	cJSON *o, *rej, *protos, *buckets, *fo;
	char *text = NULL;

	if (sat_counters_to_proto(c, st, &snap) != TB_OK)
		return NULL;
	if ((o = cJSON_CreateObject()) == NULL)
		goto out;
	add_u64(o, "run_id", snap.run_id);
	add_u64(o, "reports", snap.reports);
	add_u64(o, "spans", snap.spans);
	add_u64(o, "bytes_wire", snap.bytes_wire);
	add_u64(o, "bytes_decoded", snap.bytes_decoded);
	add_u64(o, "duplicates", snap.duplicates);
	add_u64(o, "dup_capacity", snap.dup_capacity);
	add_u64(o, "dup_unchecked", snap.dup_unchecked);
	add_u64(o, "cpu_ns", snap.cpu_ns);
	add_u64(o, "rss_bytes", snap.rss_bytes);
	cJSON_AddNumberToObject(o, "cpu_limit_cores", snap.cpu_limit_cores);
	add_u64(o, "throttled", snap.throttled);
	add_u64(o, "resent", snap.resent);
	add_u64(o, "dup_after_ack", snap.dup_after_ack);
	add_u64(o, "unacked", snap.unacked);
	add_u64(o, "refused_spans", snap.refused_spans);
	add_u64(o, "in_flight", snap.in_flight);
	add_u64(o, "never_acked", snap.never_acked);
	add_u64(o, "metrics_reports", snap.metrics_reports);
	add_u64(o, "metric_points", snap.metric_points);
	add_u64(o, "grpc_reports", snap.grpc_reports);
	add_u64(o, "rejected", snap.rejected);
	rej = cJSON_AddObjectToObject(o, "rejected_by_reason");
	for (size_t i = 0; rej && i < snap.n_rejected_by_reason; i++)
		add_u64(rej, snap.rejected_by_reason[i]->reason, snap.rejected_by_reason[i]->count);
	protos = cJSON_AddObjectToObject(o, "by_protocol");
	for (size_t i = 0; protos && i < snap.n_by_protocol; i++) {
		cJSON *p = cJSON_AddObjectToObject(protos, snap.by_protocol[i]->protocol);
		if (p == NULL)
			break;
		add_u64(p, "reports", snap.by_protocol[i]->reports);
		add_u64(p, "spans", snap.by_protocol[i]->spans);
		add_u64(p, "bytes_wire", snap.by_protocol[i]->bytes_wire);
	}
	cJSON *clients = cJSON_AddObjectToObject(o, "by_client");
	for (size_t i = 0; clients && i < snap.n_by_client; i++) {
		const Tb__ClientCount *m = snap.by_client[i];
		char key[16];
		snprintf(key, sizeof(key), "%u", m->client);
		cJSON *p = cJSON_AddObjectToObject(clients, key);
		if (p == NULL)
			break;
#define CLIENT_JSON(f) add_u64(p, #f, m->f);
		TB_CLIENT_COUNTS(CLIENT_JSON)
#undef CLIENT_JSON
	}
	if (snap.forward != NULL && (fo = cJSON_AddObjectToObject(o, "forward")) != NULL) {
		add_u64(fo, "held_spans", snap.forward->held_spans);
		add_u64(fo, "held_bytes", snap.forward->held_bytes);
		add_u64(fo, "queue_peak_bytes", snap.forward->queue_peak_bytes);
#define FWD_JSON(E, m) add_u64(fo, #m, snap.forward->m);
		SAT_FWD_COUNTS(FWD_JSON)
#undef FWD_JSON
	}
	add_u64(o, "first_report_ns", snap.first_report_ns);
	add_u64(o, "last_report_ns", snap.last_report_ns);
	cJSON_AddNumberToObject(o, "bucket_ms", snap.bucket_ms);
	buckets = cJSON_AddArrayToObject(o, "spans_per_bucket");
	for (size_t i = 0; buckets && i < snap.n_spans_per_bucket; i++)
		cJSON_AddItemToArray(buckets, cJSON_CreateNumber(snap.spans_per_bucket[i]));
	cJSON_AddBoolToObject(o, "listening", snap.listening);
	cJSON_AddStringToObject(o, "mode", snap.mode ? snap.mode : "");
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
out:
	sat_counters_proto_fini(&snap);
	return text;
}
