/* SPDX-License-Identifier: MIT */
/* forward.c - the forwarding satellite's queue and its sender threads (forward.h).
 *
 * The queue is a list of reports in the order they were taken, under one lock. A sender
 * takes the front report and every later one of the same protocol and client, up to a
 * batch's size, joins them into one body and posts it; a batch that fails goes back to
 * the front as one report, so a retry sends the same bytes. */
#include "satellite/forward.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/command.h"
#include "common/error.h"
#include "common/log.h"
#include "satellite/http.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 2000
#define RETRY_AFTER_MAX_S 30

/* One report, or a batch of them joined. */
typedef struct item {
	struct item *next;
	sat_proto proto;
	int client;
	uint8_t *body;
	size_t len;
	size_t held;		/* the bytes counted in held_bytes for it: its reports' */
	uint64_t spans;
	uint64_t taken_ns;	/* when taken; a batch's: its oldest report's */
} item;

struct sat_forward {
	sat_forward_opts o;
	char urls[SAT_FORWARD_MAX_URLS][256];
	sat_counters *counters;
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* a report was queued, or the forwarder is stopping */
	item *head, *tail;
	uint64_t held_spans, held_bytes;	/* queued and being sent */
	uint64_t sending_bytes;			/* of held_bytes, in batches being sent */
	unsigned next_url;
	bool stopping;
	uint64_t drain_end_ns;	/* once stopping: when the senders give up */
	pthread_t threads[64];
	unsigned nthreads;
};

int sat_forward_url_check(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *path = NULL, *query = NULL;
	int rc = TB_EINVAL;
	if (u == NULL)
		return TB_ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		snprintf(err, errlen, "--forward %s: not a URL (http://host:port)", url);
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		snprintf(err, errlen, "--forward %s: the scheme must be http or https", url);
		goto out;
	}
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
	    (path != NULL && strcmp(path, "/") != 0 && path[0] != '\0')) {
		snprintf(err, errlen, "--forward %s: give no path or query: each protocol's own "
				      "path is added", url);
		goto out;
	}
	if (strlen(url) >= sizeof(((sat_forward *)0)->urls[0])) {
		snprintf(err, errlen, "--forward %.64s...: longer than 255 bytes", url);
		goto out;
	}
	rc = TB_OK;
out:
	curl_free(scheme);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return rc;
}

static void item_free(item *it)
{
	if (it != NULL)
		free(it->body);
	free(it);
}

int sat_forward_put(sat_forward *f, sat_proto proto, int client, const uint8_t *body,
		    size_t len, uint64_t spans)
{
	item *it = calloc(1, sizeof(*it));
	if (it == NULL || (it->body = malloc(len ? len : 1)) == NULL) {
		free(it);
		return TB_ENOMEM;
	}
	memcpy(it->body, body, len);
	*it = (item){.proto = proto, .client = client, .body = it->body, .len = len,
		     .held = len, .spans = spans, .taken_ns = tb_now_ns()};
	pthread_mutex_lock(&f->mu);
	if (f->held_bytes + len > f->o.queue_bytes || f->stopping) {
		pthread_mutex_unlock(&f->mu);
		item_free(it);
		return TB_EAGAIN;
	}
	if (f->tail != NULL)
		f->tail->next = it;
	else
		f->head = it;
	f->tail = it;
	f->held_spans += spans;
	f->held_bytes += len;
	sat_counters_forward_held(f->counters, f->held_bytes);
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return TB_OK;
}

void sat_forward_held(sat_forward *f, uint64_t *spans, uint64_t *bytes)
{
	pthread_mutex_lock(&f->mu);
	*spans = f->held_spans;
	*bytes = f->held_bytes;
	pthread_mutex_unlock(&f->mu);
}

/* unlink_after takes it (which follows prev, NULL for the head) out of the list. */
static void unlink_after(sat_forward *f, item *prev, item *it)
{
	if (prev == NULL)
		f->head = it->next;
	else
		prev->next = it->next;
	if (f->tail == it)
		f->tail = prev;
	it->next = NULL;
}

/* array_inner finds the elements of a JSON array the decoder accepted: between its
 * first '[' and last ']'. Returns their length (0: an empty array). */
static size_t array_inner(const uint8_t *b, size_t len, const uint8_t **start)
{
	const uint8_t *open = memchr(b, '[', len), *close = b + len;
	while (close > b && close[-1] != ']')
		close--;
	if (open == NULL || close <= open + 1)
		return 0;
	const uint8_t *s = open + 1, *e = close - 1;
	while (s < e && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++;
	*start = s;
	return (size_t)(e - s);
}

/* join_into appends it's body to the batch's. The caller has checked the capacity. */
static void join_into(item *batch, const item *it, sat_join how)
{
	const uint8_t *inner = NULL;
	size_t n;
	switch (how) {
	case SAT_JOIN_ARRAY:
		n = array_inner(it->body, it->len, &inner);
		if (n == 0)
			break;
		if (batch->len > 1)
			batch->body[batch->len++] = ',';
		memcpy(batch->body + batch->len, inner, n);
		batch->len += n;
		break;
	default:
		memcpy(batch->body + batch->len, it->body, it->len);
		batch->len += it->len;
		break;
	}
	batch->spans += it->spans;
	batch->held += it->held;
	if (it->taken_ns < batch->taken_ns)
		batch->taken_ns = it->taken_ns;
}

/* take_batch takes the front report and the later ones it can join, as one batch. */
static item *take_batch(sat_forward *f)
{
	item *first = f->head;
	sat_join how = sat_decoder_get(first->proto)->join;
	size_t cap = first->len;
	for (item *it = first->next; how != SAT_JOIN_NONE && it != NULL; it = it->next)
		if (it->proto == first->proto && it->client == first->client &&
		    cap + it->len + 1 <= f->o.batch_bytes)
			cap += it->len + 1;
	unlink_after(f, NULL, first);
	if (cap == first->len)
		return first;
	item *batch = calloc(1, sizeof(*batch));
	if (batch == NULL || (batch->body = malloc(cap + 2)) == NULL) {
		free(batch);
		return first;	/* no memory to join: send it alone */
	}
	*batch = (item){.proto = first->proto, .client = first->client, .body = batch->body,
			.taken_ns = UINT64_MAX};
	if (how == SAT_JOIN_ARRAY)
		batch->body[batch->len++] = '[';
	size_t used = cap - first->len;
	join_into(batch, first, how);
	item_free(first);
	item *prev = NULL;
	for (item *it = f->head, *next; it != NULL && used > 0; it = next) {
		next = it->next;
		if (it->proto != batch->proto || it->client != batch->client || it->len + 1 > used) {
			prev = it;
			continue;
		}
		used -= it->len + 1;
		unlink_after(f, prev, it);
		join_into(batch, it, how);
		item_free(it);
	}
	if (how == SAT_JOIN_ARRAY)
		batch->body[batch->len++] = ']';
	return batch;
}

/* drop_expired drops the reports at the front held longer than the maximum age. */
static void drop_expired(sat_forward *f, uint64_t now)
{
	uint64_t max_age = (uint64_t)f->o.max_age_s * TB_NS_PER_S;
	while (f->head != NULL && now - f->head->taken_ns > max_age) {
		item *it = f->head;
		unlink_after(f, NULL, it);
		f->held_spans -= it->spans;
		f->held_bytes -= it->held;
		sat_counters_forward(f->counters, SAT_FWD_EXPIRED, it->spans);
		item_free(it);
	}
}

/* What one upstream request came to. */
typedef enum outcome { SENT, RETRY, REJECTED } outcome;

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p, (void)arg;
	return size * n;
}

/* post sends one batch to url with h (a sender's own handle, kept alive between
 * requests). *retry_after_s is what the upstream asked for, 0 if nothing. */
static outcome post(sat_forward *f, CURL *h, const char *url, const item *b,
		    long *retry_after_s)
{
	const char *type, *path = sat_http_route(b->proto, &type);
	char full[512], ct[128], token[TB_ACCESS_TOKEN_LEN], tok[TB_ACCESS_TOKEN_LEN + 32];
	struct curl_slist *hdr = NULL;
	long status = 0;
	curl_off_t ra = 0;

	snprintf(full, sizeof(full), "%s%s", url, path);
	snprintf(ct, sizeof(ct), "Content-Type: %s", type);
	hdr = curl_slist_append(hdr, ct);
	hdr = curl_slist_append(hdr, "Expect:");
	if (b->client >= 0) {
		tb_access_token_for((uint32_t)b->client, token, sizeof(token));
		snprintf(tok, sizeof(tok), "%s: %s", TB_ACCESS_TOKEN_HEADER, token);
		hdr = curl_slist_append(hdr, tok);
	}
	curl_easy_setopt(h, CURLOPT_URL, full);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)b->body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)f->o.timeout_ms);
	CURLcode cc = curl_easy_perform(h);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);
	*retry_after_s = 0;
	if (cc != CURLE_OK)
		return RETRY;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		*retry_after_s = ra > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : (long)ra;
	if (status >= 200 && status < 300)
		return SENT;
	if (status == 408 || status == 429 || status >= 500)
		return RETRY;
	return REJECTED;
}

/* settle counts a batch's fate and frees it; a batch to retry goes back to the front. */
static void settle(sat_forward *f, item *b, outcome o)
{
	f->sending_bytes -= b->held;
	if (o == RETRY) {
		sat_counters_forward(f->counters, SAT_FWD_RETRIES, 1);
		b->next = f->head;
		f->head = b;
		if (f->tail == NULL)
			f->tail = b;
		return;
	}
	f->held_spans -= b->spans;
	f->held_bytes -= b->held;
	if (o == SENT) {
		sat_counters_forward(f->counters, SAT_FWD_BATCHES, 1);
		sat_counters_forward(f->counters, SAT_FWD_SPANS, b->spans);
		sat_counters_forward(f->counters, SAT_FWD_BYTES, b->len);
	} else {
		sat_counters_forward(f->counters, SAT_FWD_REJECTED, b->spans);
	}
	item_free(b);
}

/* wait_until waits on the forwarder's condition until deadline (ns, monotonic) or a
 * signal. Called locked. */
static void wait_until(sat_forward *f, uint64_t deadline)
{
	struct timespec ts;
	uint64_t now = tb_now_ns();
	if (deadline <= now)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t abs = (uint64_t)ts.tv_sec * TB_NS_PER_S + (uint64_t)ts.tv_nsec + (deadline - now);
	ts.tv_sec = (time_t)(abs / TB_NS_PER_S);
	ts.tv_nsec = (long)(abs % TB_NS_PER_S);
	pthread_cond_timedwait(&f->cv, &f->mu, &ts);
}

/* next_batch waits for a batch that is due: its front report is batch_delay old, or the
 * queue holds a batch's worth, or the forwarder is draining. NULL: time to stop. Called
 * locked. */
static item *next_batch(sat_forward *f)
{
	for (;;) {
		uint64_t now = tb_now_ns();
		if (f->stopping && (f->head == NULL || now >= f->drain_end_ns))
			return NULL;
		if (f->head == NULL) {
			pthread_cond_wait(&f->cv, &f->mu);
			continue;
		}
		drop_expired(f, now);
		if (f->head == NULL)
			continue;
		uint64_t due = f->head->taken_ns + (uint64_t)f->o.batch_delay_ms * TB_NS_PER_MS;
		if (now >= due || f->stopping ||
		    f->held_bytes - f->sending_bytes >= f->o.batch_bytes) {
			item *b = take_batch(f);
			f->sending_bytes += b->held;
			return b;
		}
		wait_until(f, due);
	}
}

static void *sender(void *arg)
{
	sat_forward *f = arg;
	CURL *h = curl_easy_init();
	unsigned failures = 0;
	if (h == NULL) {
		tb_error("satellite: a forwarding thread cannot start libcurl");
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	pthread_mutex_lock(&f->mu);
	item *b;
	while ((b = next_batch(f)) != NULL) {
		const char *url = f->urls[f->next_url++ % f->o.nurls];
		pthread_mutex_unlock(&f->mu);
		long retry_after;
		outcome o = post(f, h, url, b, &retry_after);
		pthread_mutex_lock(&f->mu);
		settle(f, b, o);
		if (o != RETRY) {
			failures = 0;
			continue;
		}
		/* Back off, waking early only to stop. */
		uint64_t ms = (uint64_t)BACKOFF_FIRST_MS << (failures < 5 ? failures : 5);
		ms = ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms;
		if ((uint64_t)retry_after * 1000 > ms)
			ms = (uint64_t)retry_after * 1000;
		failures++;
		uint64_t until = tb_now_ns() + ms * TB_NS_PER_MS;
		while (tb_now_ns() < until && !(f->stopping && tb_now_ns() >= f->drain_end_ns))
			wait_until(f, f->stopping && f->drain_end_ns < until ? f->drain_end_ns : until);
	}
	pthread_mutex_unlock(&f->mu);
	curl_easy_cleanup(h);
	return NULL;
}

static void defaults(sat_forward_opts *o)
{
	if (o->queue_bytes == 0)
		o->queue_bytes = 64u << 20;
	if (o->batch_bytes == 0)
		o->batch_bytes = 1u << 20;
	if (o->senders == 0)
		o->senders = 2;
	if (o->senders > 64)
		o->senders = 64;
	if (o->timeout_ms == 0)
		o->timeout_ms = 10000;
	if (o->max_age_s == 0)
		o->max_age_s = 300;
	if (o->drain_ms == 0)
		o->drain_ms = 2000;
}

int sat_forward_alloc(sat_forward **fp, const sat_forward_opts *o, sat_counters *c, char *err,
		      size_t errlen)
{
	*fp = NULL;
	if (o->nurls == 0 || o->nurls > SAT_FORWARD_MAX_URLS) {
		snprintf(err, errlen, "--forward: give 1 to %d upstream URLs", SAT_FORWARD_MAX_URLS);
		return TB_EINVAL;
	}
	for (size_t i = 0; i < o->nurls; i++) {
		int rc = sat_forward_url_check(o->urls[i], err, errlen);
		if (rc != TB_OK)
			return rc;
	}
	sat_forward *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return TB_ENOMEM;
	f->o = *o;
	defaults(&f->o);
	for (size_t i = 0; i < o->nurls; i++) {
		/* The protocol's path is appended: no slash at the end. */
		snprintf(f->urls[i], sizeof(f->urls[i]), "%s", o->urls[i]);
		size_t n = strlen(f->urls[i]);
		if (n > 0 && f->urls[i][n - 1] == '/')
			f->urls[i][n - 1] = '\0';
	}
	f->counters = c;
	pthread_mutex_init(&f->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cv, &ca);
	pthread_condattr_destroy(&ca);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (; f->nthreads < f->o.senders; f->nthreads++) {
		if (pthread_create(&f->threads[f->nthreads], NULL, sender, f) != 0) {
			snprintf(err, errlen, "cannot start a forwarding thread");
			sat_forward_free(f);
			return TB_ESYS;
		}
	}
	*fp = f;
	return TB_OK;
}

void sat_forward_free(sat_forward *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->mu);
	f->stopping = true;
	f->drain_end_ns = tb_now_ns() + (uint64_t)f->o.drain_ms * TB_NS_PER_MS;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	for (unsigned i = 0; i < f->nthreads; i++)
		pthread_join(f->threads[i], NULL);
	if (f->held_spans > 0)
		tb_warn("satellite: %llu spans (%llu bytes) still queued at exit were not forwarded",
			(unsigned long long)f->held_spans, (unsigned long long)f->held_bytes);
	for (item *it = f->head, *next; it != NULL; it = next) {
		next = it->next;
		item_free(it);
	}
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	curl_global_cleanup();
	free(f);
}
