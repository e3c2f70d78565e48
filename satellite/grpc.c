/* SPDX-License-Identifier: MIT */
/* grpc.c - gRPC ingest over h2c (grpc.h): the loop thread, its connections, and the life
 * of one call's stream:
 *
 *   headers   note :method, :path, content-type and grpc-encoding
 *   data      append the body (over max_body: stop keeping it)
 *   end       unframe the message, take the report (report.h), and answer now or once
 *             its delay has passed (the stream waits in the loop's timers)
 *   sent      the trailers ending an OK answer reached the kernel: acknowledged; a
 *             stream closed before that leaves its spans unacknowledged
 */
#include "satellite/grpc.h"

#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/command.h"
#include "common/error.h"
#include "common/log.h"
#include "satellite/grpc_frame.h"
#include "satellite/listen.h"

enum { ST_RECV = 0, ST_HELD, ST_ANSWERED };

typedef struct gconn gconn;

typedef struct gstream {
	gconn *c;
	int32_t id;
	int state;
	int target;		/* sat_proto, SAT_GRPC_METRICS, or -1 */
	unsigned http_status;	/* set: answer this HTTP status, not gRPC (bad method/type) */
	sat_reject http_why;
	bool bad_encoding, too_large;
	sat_encoding enc;
	uint8_t *body;
	size_t len, cap;
	sat_report rep;
	sat_answer ans;
	sat_verdict v;
	uint64_t deadline;
	uint8_t reply[5 + 256];
	size_t reply_len, reply_off;
	struct gstream *next, *prev;
} gstream;

struct gconn {
	sat_grpc *g;
	int fd;
	nghttp2_session *s;
	sat_bucket bucket;
	uint64_t last_ns, paused_until;
	uint32_t events;	/* the epoll mask registered */
	bool dead, closing, served;
	gstream *streams;
	gconn *next, *prev;
};

struct sat_grpc {
	const sat_report_env *env;
	uint64_t idle_ns;
	int ep, wake;
	pthread_t thread;
	nghttp2_session_callbacks *cbs;
	gconn *conns;
	/* shared with other threads, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int *incoming;
	size_t nincoming, capincoming;
	uint64_t close_asked, close_done;
	bool stop;
};

#define NV(n, v) {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE}

static void wake(sat_grpc *g)
{
	uint64_t one = 1;
	(void)!write(g->wake, &one, sizeof(one));
}

/* ---- streams ---- */

static gstream *stream_new(gconn *c, int32_t id)
{
	gstream *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return NULL;
	st->c = c;
	st->id = id;
	st->target = -1;
	st->rep.client = -1;
	st->next = c->streams;
	if (c->streams != NULL)
		c->streams->prev = st;
	c->streams = st;
	return st;
}

/* stream_free settles the stream's report (unacknowledged unless it was delivered) and
 * frees it. */
static void stream_free(gstream *st)
{
	gconn *c = st->c;
	sat_report_done(c->g->env, &st->rep, false);
	if (st->prev != NULL)
		st->prev->next = st->next;
	else
		c->streams = st->next;
	if (st->next != NULL)
		st->next->prev = st->prev;
	free(st->body);
	free(st);
}

static ssize_t read_reply(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length,
			  uint32_t *flags, nghttp2_data_source *src, void *user)
{
	gstream *st = src->ptr;
	size_t n = st->reply_len - st->reply_off;
	if (n > length)
		n = length;
	memcpy(buf, st->reply + st->reply_off, n);
	st->reply_off += n;
	if (st->reply_off == st->reply_len) {
		static const nghttp2_nv ok[] = {NV("grpc-status", "0")};
		*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
		if (nghttp2_submit_trailer(s, id, ok, 1) != 0)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	return (ssize_t)n;
}

/* answer_status ends the call at once with a gRPC status and message (trailers only). */
static void answer_status(gstream *st, int code, const char *message, bool accept_encoding)
{
	char num[8], msg[400];
	snprintf(num, sizeof(num), "%d", code);
	sat_grpc_message_encode(message, msg, sizeof(msg));
	nghttp2_nv nv[] = {NV(":status", "200"), NV("content-type", "application/grpc"),
			   NV("grpc-status", num), NV("grpc-message", msg),
			   NV("grpc-accept-encoding", "identity,gzip,deflate")};
	st->state = ST_ANSWERED;
	nghttp2_submit_response(st->c->s, st->id, nv, accept_encoding ? 5 : 4, NULL);
}

/* answer_report sends what sat_report_take decided. */
static void answer_report(gstream *st)
{
	st->state = ST_ANSWERED;
	if (st->ans == SAT_ANSWER_ERROR) {
		char msg[64];
		snprintf(msg, sizeof(msg), "injected error %u", st->v.status);
		answer_status(st, sat_grpc_status_of(st->v.status), msg, false);
		return;
	}
	size_t n = sat_report_reply(&st->rep, st->reply + 5, sizeof(st->reply) - 5);
	sat_grpc_frame(st->reply, n);
	st->reply_len = 5 + n;
	nghttp2_nv nv[] = {NV(":status", "200"), NV("content-type", "application/grpc")};
	nghttp2_data_provider dp = {.source.ptr = st, .read_callback = read_reply};
	if (nghttp2_submit_response(st->c->s, st->id, nv, 2, &dp) != 0)
		nghttp2_submit_rst_stream(st->c->s, NGHTTP2_FLAG_NONE, st->id,
					  NGHTTP2_INTERNAL_ERROR);
}

/* reject_call answers a call refused before its report was taken, and counts it. */
static void reject_call(gstream *st, sat_reject why, int code, const char *msg)
{
	sat_counters_reject(st->c->g->env->counters, why);
	tb_debug("satellite: gRPC %d %s: %s", code, sat_reject_name(why), msg);
	answer_status(st, code, msg, why == SAT_REJ_BAD_ENCODING);
}

/* take_call takes a whole request: the report it carries, or the reason it is refused. */
static void take_call(gstream *st)
{
	const sat_report_env *e = st->c->g->env;
	char err[300];
	size_t off, mlen;
	bool compressed;
	if (st->http_status != 0) {
		sat_counters_reject(e->counters, st->http_why);
		nghttp2_nv nv[] = {NV(":status", st->http_status == 405 ? "405" : "415")};
		st->state = ST_ANSWERED;
		nghttp2_submit_response(st->c->s, st->id, nv, 1, NULL);
		return;
	}
	if (st->target == -1)
		return reject_call(st, SAT_REJ_NOT_FOUND, SAT_GRPC_UNIMPLEMENTED,
				   "no such method on this collector");
	if (st->bad_encoding)
		return reject_call(st, SAT_REJ_BAD_ENCODING, SAT_GRPC_UNIMPLEMENTED,
				   "grpc-encoding not supported (identity, gzip, deflate)");
	if (st->too_large) {
		snprintf(err, sizeof(err), "request of %zu bytes is over the limit of %zu",
			 st->rep.wire_len, e->max_body);
		return reject_call(st, SAT_REJ_TOO_LARGE, SAT_GRPC_RESOURCE_EXHAUSTED, err);
	}
	if (sat_grpc_unframe(st->body ? st->body : (const uint8_t *)"", st->len, st->enc, &off,
			     &mlen, &compressed, err, sizeof(err)) != TB_OK)
		return reject_call(st, SAT_REJ_BAD_FRAMING, SAT_GRPC_INTERNAL, err);
	st->rep.metrics = st->target == SAT_GRPC_METRICS;
	st->rep.dec = st->rep.metrics ? NULL : sat_decoder_get((sat_proto)st->target);
	st->rep.enc = compressed ? st->enc : SAT_ENC_IDENTITY;
	unsigned status = 0;
	st->ans = sat_report_take(e, &st->rep, st->body + off, mlen, &st->v, &status, err,
				  sizeof(err));
	st->c->served = true;
	if (st->ans == SAT_ANSWER_REJECT) {
		st->state = ST_ANSWERED;
		answer_status(st, sat_grpc_status_of(status), err, false);
	} else if (st->ans == SAT_ANSWER_DROP || st->ans == SAT_ANSWER_NOMEM) {
		st->state = ST_ANSWERED;
		nghttp2_submit_rst_stream(st->c->s, NGHTTP2_FLAG_NONE, st->id,
					  NGHTTP2_INTERNAL_ERROR);
	} else if (st->v.delay_ns > 0) {
		st->state = ST_HELD;
		st->deadline = tb_now_ns() + st->v.delay_ns;
	} else {
		answer_report(st);
	}
}

/* ---- nghttp2's callbacks ---- */

static ssize_t on_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags,
		       void *user)
{
	gconn *c = user;
	ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return NGHTTP2_ERR_WOULDBLOCK;
	return NGHTTP2_ERR_CALLBACK_FAILURE;
}

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *user)
{
	if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	gstream *st = stream_new(user, f->hd.stream_id);
	if (st == NULL)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	nghttp2_session_set_stream_user_data(s, f->hd.stream_id, st);
	return 0;
}

static bool header_is(const uint8_t *name, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(name, want, len) == 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
		     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
		     void *user)
{
	gstream *st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	char v[160];
	if (st == NULL || f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	snprintf(v, sizeof(v), "%.*s", (int)(valuelen < sizeof(v) ? valuelen : sizeof(v) - 1),
		 (const char *)value);
	if (header_is(name, namelen, ":path")) {
		st->target = valuelen < sizeof(v) ? sat_grpc_route(v) : -1;
	} else if (header_is(name, namelen, ":method") && strcmp(v, "POST") != 0) {
		st->http_status = 405;
		st->http_why = SAT_REJ_BAD_METHOD;
	} else if (header_is(name, namelen, "content-type") &&
		   strncmp(v, "application/grpc", 16) != 0 && st->http_status == 0) {
		st->http_status = 415;
		st->http_why = SAT_REJ_BAD_TYPE;
	} else if (header_is(name, namelen, "grpc-encoding")) {
		st->bad_encoding = !sat_grpc_encoding(v, &st->enc);
	} else if (namelen == strlen(TB_ACCESS_TOKEN_HEADER) && valuelen < sizeof(v) &&
		   strncasecmp((const char *)name, TB_ACCESS_TOKEN_HEADER, namelen) == 0) {
		sat_report_set_client(&st->rep, v);
	}
	return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
		   size_t len, void *user)
{
	gstream *st = nghttp2_session_get_stream_user_data(s, id);
	size_t max = user ? ((gconn *)user)->g->env->max_body + 5 : 0;
	if (st == NULL || st->state != ST_RECV)
		return 0;
	st->rep.wire_len += len;
	if (st->too_large || st->http_status != 0 || st->target == -1)
		return 0;
	if (st->len + len > max) {
		free(st->body);
		st->body = NULL;
		st->len = st->cap = 0;
		st->too_large = true;
		return 0;
	}
	if (st->len + len + 1 > st->cap) {
		size_t ncap = (st->len + len + 1) * 2;
		if (ncap > max + 1)
			ncap = max + 1;
		uint8_t *b = realloc(st->body, ncap);
		if (b == NULL)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		st->body = b;
		st->cap = ncap;
	}
	memcpy(st->body + st->len, data, len);
	st->len += len;
	return 0;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *user)
{
	if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) ||
	    !(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	gstream *st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (st != NULL && st->state == ST_RECV) {
		if (st->body == NULL && (st->body = malloc(1)) == NULL)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		take_call(st);
	}
	return 0;
}

static int on_frame_send(nghttp2_session *s, const nghttp2_frame *f, void *user)
{
	gconn *c = user;
	/* nghttp2 ends a connection that broke HTTP/2's rules with a GOAWAY saying so. */
	if (f->hd.type == NGHTTP2_GOAWAY && f->goaway.error_code != NGHTTP2_NO_ERROR)
		sat_counters_reject(c->g->env->counters, SAT_REJ_BAD_FRAMING);
	if (f->hd.type != NGHTTP2_HEADERS || !(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	gstream *st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (st != NULL)
		sat_report_done(c->g->env, &st->rep, true);
	return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t id, uint32_t code, void *user)
{
	gconn *c = user;
	gstream *st = nghttp2_session_get_stream_user_data(s, id);
	if (st == NULL || c->closing)
		return 0;
	if (st->state == ST_RECV)
		sat_counters_reject(c->g->env->counters, SAT_REJ_ABORTED);
	stream_free(st);
	return 0;
}

static int make_callbacks(nghttp2_session_callbacks **cbs)
{
	if (nghttp2_session_callbacks_new(cbs) != 0)
		return TB_ENOMEM;
	nghttp2_session_callbacks_set_send_callback(*cbs, on_send);
	nghttp2_session_callbacks_set_on_begin_headers_callback(*cbs, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(*cbs, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(*cbs, on_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(*cbs, on_frame_recv);
	nghttp2_session_callbacks_set_on_frame_send_callback(*cbs, on_frame_send);
	nghttp2_session_callbacks_set_on_stream_close_callback(*cbs, on_stream_close);
	return TB_OK;
}

/* ---- connections ---- */

static void conn_watch(gconn *c)
{
	uint32_t ev = 0;
	if (c->paused_until == 0 && nghttp2_session_want_read(c->s))
		ev |= EPOLLIN;
	if (nghttp2_session_want_write(c->s))
		ev |= EPOLLOUT;
	if (ev == c->events)
		return;
	struct epoll_event e = {.events = ev, .data.ptr = c};
	epoll_ctl(c->g->ep, EPOLL_CTL_MOD, c->fd, &e);
	c->events = ev;
}

static void conn_open(sat_grpc *g, int fd)
{
	gconn *c = calloc(1, sizeof(*c));
	nghttp2_settings_entry iv[] = {
		{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 256},
		{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1u << 20},
	};
	if (c == NULL || nghttp2_session_server_new(&c->s, g->cbs, c) != 0) {
		free(c);
		close(fd);
		return;
	}
	c->g = g;
	c->fd = fd;
	c->last_ns = tb_now_ns();
	/* An answer is a few small frames: Nagle would hold them for the client's ACK. */
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	nghttp2_submit_settings(c->s, NGHTTP2_FLAG_NONE, iv, 2);
	nghttp2_session_set_local_window_size(c->s, NGHTTP2_FLAG_NONE, 0, 1 << 24);
	struct epoll_event e = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
	c->events = e.events;
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &e) != 0) {
		nghttp2_session_del(c->s);
		free(c);
		close(fd);
		return;
	}
	c->next = g->conns;
	if (g->conns != NULL)
		g->conns->prev = c;
	g->conns = c;
}

/* conn_close settles every stream of c unacknowledged and frees it. */
static void conn_close(gconn *c)
{
	sat_grpc *g = c->g;
	c->closing = true;
	while (c->streams != NULL)
		stream_free(c->streams);
	nghttp2_session_del(c->s);
	epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		g->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c);
}

/* conn_read reads what the bandwidth limit grants and feeds it to nghttp2. */
static void conn_read(gconn *c)
{
	static uint8_t buf[65536];
	for (int round = 0; round < 16 && !c->dead && c->paused_until == 0; round++) {
		size_t granted = sizeof(buf);
		uint64_t now = tb_now_ns();
		uint64_t wait = sat_faults_take(c->g->env->faults, &c->bucket, sizeof(buf),
						&granted, now);
		if (granted == 0) {
			c->paused_until = now + (wait ? wait : TB_NS_PER_MS);
			return;
		}
		ssize_t n = recv(c->fd, buf, granted, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			c->dead = true;
			return;
		}
		if (n < 0)
			return;
		c->last_ns = now;
		if (nghttp2_session_mem_recv(c->s, buf, (size_t)n) < 0) {
			sat_counters_reject(c->g->env->counters, SAT_REJ_BAD_FRAMING);
			c->dead = true;
			return;
		}
		if (wait > 0)
			c->paused_until = now + wait;
		if ((size_t)n < granted)
			return;
	}
}

static void conn_io(gconn *c, uint32_t events)
{
	if (events & EPOLLIN)
		conn_read(c);
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN))
		c->dead = true;
	if (!c->dead && nghttp2_session_send(c->s) != 0)
		c->dead = true;
	if (!c->dead && !nghttp2_session_want_read(c->s) && !nghttp2_session_want_write(c->s))
		c->dead = true;
	if (!c->dead)
		conn_watch(c);
}

/* ---- the loop ---- */

/* timers answers held streams that are due, resumes throttled connections, and closes
 * idle ones; it returns the milliseconds until the next thing due (at most 1000). */
static int timers(sat_grpc *g, uint64_t now)
{
	uint64_t next = now + TB_NS_PER_S;
	for (gconn *c = g->conns; c != NULL; c = c->next) {
		bool held = false, changed = false;
		for (gstream *st = c->streams; st != NULL && !c->dead; st = st->next) {
			if (st->state != ST_HELD)
				continue;
			held = true;
			if (st->deadline > now) {
				next = st->deadline < next ? st->deadline : next;
				continue;
			}
			if (sat_peer_closed(c->fd))
				c->dead = true;
			else
				answer_report(st);
			changed = true;
		}
		if (c->paused_until != 0 && c->paused_until <= now) {
			c->paused_until = 0;
			changed = true;
		} else if (c->paused_until != 0 && c->paused_until < next)
			next = c->paused_until;
		if (!held && !c->dead && now - c->last_ns > g->idle_ns) {
			if (!c->served || c->streams != NULL)
				sat_counters_reject(g->env->counters, SAT_REJ_TIMEOUT);
			c->dead = true;
		}
		if (changed && !c->dead)
			conn_io(c, EPOLLIN);
		if (c->paused_until != 0 && c->paused_until < next)
			next = c->paused_until;
	}
	return (int)((next - now + TB_NS_PER_MS - 1) / TB_NS_PER_MS);
}

static void reap(sat_grpc *g)
{
	for (gconn *c = g->conns, *n; c != NULL; c = n) {
		n = c->next;
		if (c->dead)
			conn_close(c);
	}
}

/* take_requests takes new connections, and a close-all or stop; false to stop. */
static bool take_requests(sat_grpc *g)
{
	uint64_t v;
	(void)!read(g->wake, &v, sizeof(v));
	pthread_mutex_lock(&g->mu);
	for (size_t i = 0; i < g->nincoming; i++)
		conn_open(g, g->incoming[i]);
	g->nincoming = 0;
	bool stop = g->stop, close_all = g->close_asked != g->close_done || stop;
	uint64_t asked = g->close_asked;
	pthread_mutex_unlock(&g->mu);
	if (close_all) {
		while (g->conns != NULL)
			conn_close(g->conns);
		pthread_mutex_lock(&g->mu);
		g->close_done = asked;
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
	}
	return !stop;
}

static void *loop_main(void *arg)
{
	sat_grpc *g = arg;
	struct epoll_event ev[64];
	int timeout = 1000;
	for (;;) {
		int n = epoll_wait(g->ep, ev, 64, timeout);
		bool go_on = true;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == NULL)
				go_on = take_requests(g);
			else
				conn_io(ev[i].data.ptr, ev[i].events);
		}
		if (!go_on)
			break;
		reap(g);
		timeout = timers(g, tb_now_ns());
		reap(g);
	}
	return NULL;
}

int sat_grpc_alloc(sat_grpc **gp, const sat_grpc_opts *o, char *err, size_t errlen)
{
	sat_grpc *g = calloc(1, sizeof(*g));
	*gp = NULL;
	if (g == NULL)
		return TB_ENOMEM;
	g->env = o->env;
	g->idle_ns = (uint64_t)(o->idle_timeout_s ? o->idle_timeout_s : 30) * TB_NS_PER_S;
	g->ep = epoll_create1(EPOLL_CLOEXEC);
	g->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
	int rv = TB_ESYS;
	if (g->ep < 0 || g->wake < 0 || epoll_ctl(g->ep, EPOLL_CTL_ADD, g->wake, &e) != 0) {
		snprintf(err, errlen, "gRPC loop: %s", strerror(errno));
		goto fail;
	}
	if ((rv = make_callbacks(&g->cbs)) != TB_OK) {
		snprintf(err, errlen, "gRPC loop: out of memory");
		goto fail;
	}
	if (pthread_create(&g->thread, NULL, loop_main, g) != 0) {
		snprintf(err, errlen, "cannot start the gRPC thread");
		rv = TB_ESYS;
		goto fail;
	}
	*gp = g;
	return TB_OK;
fail:
	if (g->cbs != NULL)
		nghttp2_session_callbacks_del(g->cbs);
	if (g->ep >= 0)
		close(g->ep);
	if (g->wake >= 0)
		close(g->wake);
	free(g);
	return rv;
}

void sat_grpc_add(sat_grpc *g, int fd)
{
	pthread_mutex_lock(&g->mu);
	if (g->nincoming == g->capincoming) {
		size_t ncap = g->capincoming ? g->capincoming * 2 : 64;
		int *v = realloc(g->incoming, ncap * sizeof(*v));
		if (v == NULL) {
			pthread_mutex_unlock(&g->mu);
			close(fd);
			return;
		}
		g->incoming = v;
		g->capincoming = ncap;
	}
	g->incoming[g->nincoming++] = fd;
	pthread_mutex_unlock(&g->mu);
	wake(g);
}

void sat_grpc_close_all(sat_grpc *g)
{
	pthread_mutex_lock(&g->mu);
	uint64_t want = ++g->close_asked;
	wake(g);
	while (g->close_done < want && !g->stop)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
}

void sat_grpc_free(sat_grpc *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = true;
	pthread_mutex_unlock(&g->mu);
	wake(g);
	pthread_join(g->thread, NULL);
	for (size_t i = 0; i < g->nincoming; i++)
		close(g->incoming[i]);
	free(g->incoming);
	nghttp2_session_callbacks_del(g->cbs);
	close(g->ep);
	close(g->wake);
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
}
