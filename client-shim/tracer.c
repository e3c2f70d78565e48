/* SPDX-License-Identifier: MIT */
/* tracer.c - the NoOp and reporting tracers. The reporting tracer's hot path (finish)
 * takes one mutex to append a pointer; packing and posting happen on the flush thread. */
#include "client-shim/tracer.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client-shim/encode.h"
#include "common/clock.h"
#include "common/error.h"

#define DEFAULT_MAX_BUFFERED 10000
#define DEFAULT_FLUSH_NS (200ull * TB_NS_PER_MS)
#define MAX_PER_REPORT 4096
#define FINAL_FLUSH_NS (2ull * TB_NS_PER_S)
#define FINAL_RETRY_NS (50ull * TB_NS_PER_MS)

struct tb_tracer {
	bool noop;
	tb_span noop_span;	/* what the NoOp tracer hands out, never written */
	tb_tracer_opts o;
	char (*sats)[64];
	size_t next_sat;
	CURL **curl;		/* one keep-alive handle per satellite */
	uint64_t reporter_id;
	char access_token[TB_ACCESS_TOKEN_LEN];
	char token_header[TB_ACCESS_TOKEN_LEN + 32];
	uint64_t rng;		/* xorshift state for ids */

	pthread_mutex_t mu;
	pthread_cond_t cv;
	tb_span **buf;
	size_t nbuf;
	bool stop, flush_on_stop, running;
	pthread_t thread;
	tb_tracer_stats st;
};

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * TB_NS_PER_S + (uint64_t)ts.tv_nsec;
}

static uint64_t next_id(tb_tracer *t)
{
	uint64_t x;
	pthread_mutex_lock(&t->mu);
	do {
		x = t->rng;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t->rng = x;
	} while (x == 0);
	pthread_mutex_unlock(&t->mu);
	return x;
}

static void span_free(tb_span *s)
{
	free(s->tags);
	free(s->logs);
	free(s);
}

int tb_tracer_noop_alloc(tb_tracer **tp)
{
	tb_tracer *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return TB_ENOMEM;
	t->noop = true;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	*tp = t;
	return TB_OK;
}

tb_span *tb_tracer_start(tb_tracer *t, const char *operation, const tb_span *parent)
{
	if (t->noop)
		return &t->noop_span;
	tb_span *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return &t->noop_span; /* out of memory: the span is lost, like a noop */
	if (parent != NULL && parent != &t->noop_span) {
		s->trace_id_hi = parent->trace_id_hi;
		s->trace_id = parent->trace_id;
		s->parent_id = parent->span_id;
	} else {
		s->trace_id_hi = next_id(t);
		s->trace_id = next_id(t);
	}
	s->span_id = next_id(t);
	s->operation = operation;
	s->start_ns = wall_ns();
	return s;
}

void tb_span_set_tag(tb_tracer *t, tb_span *s, const char *key, const char *value)
{
	if (t->noop || s == &t->noop_span)
		return;
	if (s->ntags == s->tags_cap) {
		size_t cap = s->tags_cap ? s->tags_cap * 2 : 16;
		tb_kv *n = realloc(s->tags, cap * sizeof(*n));
		if (n == NULL)
			return;
		s->tags = n;
		s->tags_cap = cap;
	}
	s->tags[s->ntags++] = (tb_kv){key, value};
}

void tb_span_add_log(tb_tracer *t, tb_span *s, const char *key, const char *value)
{
	if (t->noop || s == &t->noop_span)
		return;
	if (s->nlogs == s->logs_cap) {
		size_t cap = s->logs_cap ? s->logs_cap * 2 : 16;
		tb_span_log *n = realloc(s->logs, cap * sizeof(*n));
		if (n == NULL)
			return;
		s->logs = n;
		s->logs_cap = cap;
	}
	s->logs[s->nlogs++] = (tb_span_log){wall_ns(), {key, value}};
}

void tb_tracer_finish(tb_tracer *t, tb_span *s)
{
	if (t->noop || s == &t->noop_span) {
		if (t->noop) {
			pthread_mutex_lock(&t->mu);
			t->st.finished++;
			pthread_mutex_unlock(&t->mu);
		}
		return;
	}
	s->end_ns = wall_ns();
	pthread_mutex_lock(&t->mu);
	t->st.finished++;
	if (t->nbuf < t->o.max_buffered && t->running) {
		t->buf[t->nbuf++] = s;
		s = NULL;
	} else {
		t->st.dropped++;
	}
	pthread_mutex_unlock(&t->mu);
	if (s != NULL)
		span_free(s);
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
	return size * n;
}

/* post_report sends one report to the next satellite. True on a 2xx answer. */
static bool post_report(tb_tracer *t, const uint8_t *body, size_t len)
{
	size_t i = t->next_sat++ % t->o.n_satellites;
	CURL *h = t->curl[i];
	char url[128];
	bool otlp = t->o.protocol == TB_PROTO_OTLP;
	snprintf(url, sizeof(url), "http://%s%s", t->sats[i], otlp ? "/v1/traces" : "/api/v2/reports");
	struct curl_slist *hdr = curl_slist_append(
		NULL, otlp ? "Content-Type: application/x-protobuf"
			   : "Content-Type: application/octet-stream");
	struct curl_slist *both = hdr ? curl_slist_append(hdr, t->token_header) : NULL;
	if (both != NULL)
		hdr = both;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	CURLcode cc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	return cc == CURLE_OK && status >= 200 && status <= 299;
}

/* requeue puts the spans of a failed report back at the head of the buffer, oldest
 * first, so that the next flush sends them again; those that no longer fit are dropped.
 * Called with mu held. */
static void requeue(tb_tracer *t, tb_span **spans, size_t k)
{
	size_t room = t->o.max_buffered - t->nbuf, keep = k < room ? k : room;
	memmove(t->buf + keep, t->buf, t->nbuf * sizeof(*t->buf));
	for (size_t i = 0; i < keep; i++) {
		spans[i]->attempts++;
		t->buf[i] = spans[i];
	}
	t->nbuf += keep;
	for (size_t i = keep; i < k; i++)
		span_free(spans[i]);
	t->st.dropped += k - keep;
}

/* flush_once takes what is buffered and reports it; true when every report was
 * answered 2xx. */
static bool flush_once(tb_tracer *t)
{
	pthread_mutex_lock(&t->mu);
	size_t n = t->nbuf;
	tb_span **batch = NULL;
	if (n > 0) {
		batch = t->buf;
		t->buf = malloc(t->o.max_buffered * sizeof(*t->buf));
		if (t->buf == NULL) { /* keep the old buffer; try again next time */
			t->buf = batch;
			pthread_mutex_unlock(&t->mu);
			return false;
		}
		t->nbuf = 0;
	}
	pthread_mutex_unlock(&t->mu);
	if (n == 0)
		return true;
	bool all_ok = true;

	/* Reports of at most MAX_PER_REPORT spans, as real tracers cap theirs. */
	for (size_t off = 0; off < n; off += MAX_PER_REPORT) {
		size_t k = n - off < MAX_PER_REPORT ? n - off : MAX_PER_REPORT;
		uint8_t *body = NULL;
		size_t len = 0;
		int rc = t->o.protocol == TB_PROTO_OTLP
				 ? tb_encode_otlp(batch + off, k, t->o.service, &body, &len)
				 : tb_encode_lightstep(batch + off, k, t->reporter_id,
								      t->access_token, &body, &len);
		uint64_t again = 0;
		for (size_t i = 0; i < k; i++)
			again += batch[off + i]->attempts > 0;
		bool ok = rc == TB_OK && post_report(t, body, len);
		free(body);
		pthread_mutex_lock(&t->mu);
		t->st.resent += rc == TB_OK ? again : 0;
		if (ok) {
			t->st.sent += k;
			t->st.reports_ok++;
			for (size_t i = 0; i < k; i++)
				span_free(batch[off + i]);
		} else if (t->o.no_retry) {
			t->st.dropped += k;
			t->st.reports_failed++;
			for (size_t i = 0; i < k; i++)
				span_free(batch[off + i]);
		} else {
			t->st.reports_failed++;
			requeue(t, batch + off, k);
		}
		all_ok &= ok;
		pthread_mutex_unlock(&t->mu);
	}
	free(batch);
	return all_ok;
}

static void *flush_main(void *arg)
{
	tb_tracer *t = arg;
	uint64_t next = tb_now_ns() + t->o.flush_ns;
	pthread_mutex_lock(&t->mu);
	for (;;) {
		struct timespec ts = {(time_t)(next / TB_NS_PER_S), (long)(next % TB_NS_PER_S)};
		while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &ts) == 0)
			;
		if (t->stop)
			break;
		pthread_mutex_unlock(&t->mu);
		flush_once(t);
		next += t->o.flush_ns;
		uint64_t now = tb_now_ns();
		if (next < now)
			next = now + t->o.flush_ns;
		pthread_mutex_lock(&t->mu);
	}
	bool final = t->flush_on_stop;
	pthread_mutex_unlock(&t->mu);
	/* The last flush keeps retrying, 50 ms apart, for up to FINAL_FLUSH_NS: a
	 * collector refusing half its reports still gets every span, and one that is down
	 * holds the client up no longer than that. What still fails stays buffered and is
	 * told as such. */
	uint64_t give_up = tb_now_ns() + FINAL_FLUSH_NS;
	for (int attempt = 0; final; attempt++) {
		if (attempt > 0) {
			if (tb_now_ns() + FINAL_RETRY_NS > give_up)
				break;
			tb_sleep_ns(FINAL_RETRY_NS);
		}
		if (flush_once(t))
			break;
	}
	return NULL;
}

int tb_tracer_report_alloc(tb_tracer **tp, const tb_tracer_opts *o, char *err, size_t errlen)
{
	if (o->n_satellites == 0) {
		snprintf(err, errlen, "the reporting tracer needs at least one satellite");
		return TB_EINVAL;
	}
	tb_tracer *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return TB_ENOMEM;
	t->o = *o;
	if (t->o.max_buffered == 0)
		t->o.max_buffered = DEFAULT_MAX_BUFFERED;
	if (t->o.flush_ns == 0)
		t->o.flush_ns = DEFAULT_FLUSH_NS;
	if (t->o.service == NULL)
		t->o.service = "tracebench-c-client";
	snprintf(t->access_token, sizeof(t->access_token), "%s",
		 o->access_token ? o->access_token : TB_ACCESS_TOKEN_DEFAULT);
	t->o.access_token = NULL; /* copied: the caller's may go */
	snprintf(t->token_header, sizeof(t->token_header), TB_ACCESS_TOKEN_HEADER ": %s",
		 t->access_token);
	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	t->rng = wall_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
	t->reporter_id = next_id(t);
	t->sats = calloc(o->n_satellites, sizeof(*t->sats));
	t->curl = calloc(o->n_satellites, sizeof(*t->curl));
	t->buf = malloc(t->o.max_buffered * sizeof(*t->buf));
	if (t->sats == NULL || t->curl == NULL || t->buf == NULL) {
		tb_tracer_free(t);
		return TB_ENOMEM;
	}
	t->o.satellites = NULL; /* copied below; the caller's array may go */
	for (size_t i = 0; i < o->n_satellites; i++) {
		snprintf(t->sats[i], sizeof(t->sats[i]), "%s", o->satellites[i]);
		t->curl[i] = curl_easy_init();
		if (t->curl[i] == NULL) {
			tb_tracer_free(t);
			return TB_ENOMEM;
		}
		curl_easy_setopt(t->curl[i], CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(t->curl[i], CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(t->curl[i], CURLOPT_TIMEOUT_MS, 10000L);
		curl_easy_setopt(t->curl[i], CURLOPT_CONNECTTIMEOUT_MS, 2000L);
		curl_easy_setopt(t->curl[i], CURLOPT_TCP_NODELAY, 1L);
	}
	t->running = true;
	int rc = pthread_create(&t->thread, NULL, flush_main, t);
	if (rc != 0) {
		t->running = false;
		snprintf(err, errlen, "cannot start the flush thread: %s", strerror(rc));
		tb_tracer_free(t);
		return TB_ESYS;
	}
	*tp = t;
	return TB_OK;
}

void tb_tracer_get_stats(tb_tracer *t, tb_tracer_stats *st)
{
	pthread_mutex_lock(&t->mu);
	*st = t->st;
	st->buffered = t->nbuf;
	pthread_mutex_unlock(&t->mu);
}

void tb_tracer_close(tb_tracer *t, bool flush)
{
	pthread_mutex_lock(&t->mu);
	bool running = t->running;
	t->stop = true;
	t->flush_on_stop = flush;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	if (running) {
		pthread_join(t->thread, NULL);
		pthread_mutex_lock(&t->mu);
		t->running = false;
		pthread_mutex_unlock(&t->mu);
	}
}

void tb_tracer_free(tb_tracer *t)
{
	if (t == NULL)
		return;
	if (!t->noop) {
		tb_tracer_close(t, false);
		for (size_t i = 0; i < t->nbuf; i++)
			span_free(t->buf[i]);
		for (size_t i = 0; t->curl != NULL && i < t->o.n_satellites; i++)
			if (t->curl[i] != NULL)
				curl_easy_cleanup(t->curl[i]);
	}
	free(t->buf);
	free(t->curl);
	free(t->sats);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
