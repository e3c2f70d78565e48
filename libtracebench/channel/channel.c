/* SPDX-License-Identifier: MIT */
/* channel.c - GET /control, POST /result and GET /result?... on libmicrohttpd, with the
 * run's command and result behind one mutex. */
#include "libtracebench/channel/channel.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "libtracebench/run/sockowner.h"

/* A result is a few hundred bytes; anything much larger is not one. */
#define MAX_BODY (64u * 1024)
#define MAX_PAIRS 16

/* One client of the run. */
typedef struct slot {
	char *command_json;
	char token[TB_TOKEN_LEN + 1];
	pid_t pid;		/* its process, when launched on this host; 0: unknown */
	bool asked;		/* it asked for its command */
	uint64_t started_ns;	/* when its command was answered; 0: not yet */
	bool have_result, taken;
	int result_rc;		/* TB_OK or TB_EPROTO */
	tb_client_result result;
	char result_err[256];
} slot;

/* A GET /control held until the run's clients are released. */
typedef struct held {
	struct MHD_Connection *conn;
	struct held *next;
} held;

struct orc_channel {
	struct MHD_Daemon *d;
	uint16_t port;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool need_token;	/* listening beyond loopback */
	bool armed, holding;
	slot *slots;		/* the run's clients; nslots of them */
	size_t nslots;
	uint64_t refused;	/* requests refused for their token, this run */
	/* the last run's tokens: a late request from one of its clients is told so */
	char (*old_tokens)[TB_TOKEN_LEN + 1];
	size_t nold;
	uint64_t run_id, old_run_id;
	held *waiting;
};

/* A request being served: whose it is, and a body being read. */
typedef struct request {
	int who;		/* the client's slot; WHO_* below when not one */
	uint64_t run;		/* of the run armed when it came */
	bool suspended;
	char *data;
	size_t len;
	bool too_large;
} request;

enum { WHO_NONE = -1, WHO_UNKNOWN = -2, WHO_OLD = -3 };

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned status,
				 const char *type, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	char text[400];
	snprintf(text, sizeof(text), "%s\n", msg);
	return send_text(conn, status, "text/plain", text);
}

/* take_result stores client who's result (or why it was refused) for the run. */
static enum MHD_Result take_result(orc_channel *c, struct MHD_Connection *conn,
				   const request *rq, int rc, const tb_client_result *r,
				   const char *err)
{
	char msg[160] = "";
	int who = rq->who;
	pthread_mutex_lock(&c->mu);
	if (!c->armed || rq->run != c->run_id)
		snprintf(msg, sizeof(msg), "no run is in progress");
	else if (c->slots[who].have_result)
		snprintf(msg, sizeof(msg), "the result of client %d of run %" PRIu64
			 " was already received", who, c->run_id);
	if (msg[0] == '\0') {
		slot *s = &c->slots[who];
		s->have_result = true;
		s->result_rc = rc;
		if (r != NULL)
			s->result = *r;
		snprintf(s->result_err, sizeof(s->result_err), "%s", err ? err : "");
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	if (msg[0] != '\0') {
		tb_warn("control channel: refused a result: %s", msg);
		return send_error(conn, MHD_HTTP_CONFLICT, msg);
	}
	if (rc != TB_OK) {
		tb_warn("control channel: client %d sent a malformed result: %s", who, err);
		return send_error(conn, MHD_HTTP_BAD_REQUEST, err);
	}
	return send_text(conn, MHD_HTTP_OK, "application/json", "{}");
}

typedef struct pairs {
	size_t n;
	const char *names[MAX_PAIRS];
	const char *values[MAX_PAIRS];
	bool overflow;
} pairs;

static enum MHD_Result collect_pair(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	pairs *p = cls;
	if (p->n == MAX_PAIRS) {
		p->overflow = true;
		return MHD_NO;
	}
	p->names[p->n] = key;
	p->values[p->n++] = value;
	return MHD_YES;
}

/* same_token compares in the same time wherever the first wrong digit is. */
static bool same_token(const char *got, const char *want)
{
	unsigned diff = want[0] == '\0';
	for (size_t i = 0; i < TB_TOKEN_LEN; i++)
		diff |= (unsigned)(got[i] ^ want[i]);
	return diff == 0;
}

/* who_is finds the client a request comes from by the token it carries. Without one,
 * the only client of a run on loopback is assumed, as clients written for LightStep
 * Benchmarks send none. Called with mu held. */
static int who_is(orc_channel *c, struct MHD_Connection *conn)
{
	const char *got = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, TB_TOKEN_HEADER);
	if (got == NULL)
		return c->armed && c->nslots == 1 && !c->need_token ? 0 : WHO_NONE;
	if (strlen(got) != TB_TOKEN_LEN)
		return WHO_UNKNOWN;
	for (size_t i = 0; c->armed && i < c->nslots; i++)
		if (same_token(got, c->slots[i].token))
			return (int)i;
	for (size_t i = 0; i < c->nold; i++)
		if (same_token(got, c->old_tokens[i]))
			return WHO_OLD;
	return WHO_UNKNOWN;
}

/* refuse answers a request that names no client of this run, counting it: 403 without
 * the right token, 409 from a client of the run before. */
static enum MHD_Result refuse(orc_channel *c, struct MHD_Connection *conn, const char *url,
			      int who)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char addr[INET6_ADDRSTRLEN] = "?", why[200];
	if (ci != NULL && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, addr,
			  sizeof(addr));
	pthread_mutex_lock(&c->mu);
	uint64_t n = ++c->refused;
	if (who == WHO_OLD)
		snprintf(why, sizeof(why), "this " TB_TOKEN_HEADER " is a client's of run %" PRIu64
			 ", which is over", c->old_run_id);
	else if (who == WHO_UNKNOWN)
		snprintf(why, sizeof(why), "wrong " TB_TOKEN_HEADER);
	else if (c->armed && c->nslots > 1)
		snprintf(why, sizeof(why), "missing " TB_TOKEN_HEADER " (from $" TB_TOKEN_ENV
			 "), and the connection is no client's of this run: its %zu clients are "
			 "told apart by it", c->nslots);
	else
		snprintf(why, sizeof(why), "missing " TB_TOKEN_HEADER " (from $" TB_TOKEN_ENV ")");
	pthread_mutex_unlock(&c->mu);
	tb_warn("control channel: refused %s from %s: %s (%" PRIu64 " refused this run)", url,
		addr, why, n);
	return send_error(conn, who == WHO_OLD ? MHD_HTTP_CONFLICT : MHD_HTTP_FORBIDDEN, why);
}

/* serve_control answers GET /control with client who's command; while the run holds
 * its clients, the request waits (suspended) until they are released. */
static enum MHD_Result serve_control(orc_channel *c, struct MHD_Connection *conn,
				     request *rq)
{
	pthread_mutex_lock(&c->mu);
	bool mine = c->armed && rq->run == c->run_id;
	if (mine && c->holding) {
		held *h = malloc(sizeof(*h));
		if (h == NULL) {
			pthread_mutex_unlock(&c->mu);
			return MHD_NO;
		}
		c->slots[rq->who].asked = true;
		*h = (held){conn, c->waiting};
		c->waiting = h;
		rq->suspended = true;
		MHD_suspend_connection(conn);
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		return MHD_YES;
	}
	char *json = NULL;
	if (mine) {
		slot *s = &c->slots[rq->who];
		s->asked = true;
		if (s->started_ns == 0)
			s->started_ns = tb_now_ns();
		json = strdup(s->command_json);
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	if (json == NULL)
		return send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no run is in progress");
	enum MHD_Result ret = send_text(conn, MHD_HTTP_OK, "application/json", json);
	free(json);
	return ret;
}

/* read_body gathers a POST body into rq; true once it is all in. */
static bool read_body(request *rq, const char *upload_data, size_t *upload_size, bool *nomem)
{
	*nomem = false;
	if (*upload_size == 0)
		return true;
	if (rq->len + *upload_size > MAX_BODY) {
		rq->too_large = true;
	} else {
		char *nd = realloc(rq->data, rq->len + *upload_size + 1);
		if (nd == NULL) {
			*nomem = true;
			return false;
		}
		rq->data = nd;
		memcpy(rq->data + rq->len, upload_data, *upload_size);
		rq->len += *upload_size;
	}
	*upload_size = 0;
	return false;
}

/* result_by_query takes the older GET /result?SpansSent=...&... form. */
static enum MHD_Result result_by_query(orc_channel *c, struct MHD_Connection *conn,
				       const request *rq)
{
	pairs p = {0};
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_pair, &p);
	tb_client_result r;
	char err[256];
	int rc = p.overflow ? TB_EPROTO
			    : tb_client_result_from_pairs(p.n, p.names, p.values, &r, err, sizeof(err));
	if (p.overflow)
		snprintf(err, sizeof(err), "more than %d result fields", MAX_PAIRS);
	return take_result(c, conn, rq, rc, rc == TB_OK ? &r : NULL, err);
}

/* by_process finds, for a request without a token in a run of several clients on
 * loopback, the client whose process holds the connection's other end. A client may
 * ask before its launch has told the channel its pid: then it waits for the pids to
 * come, a second at most. */
static int by_process(orc_channel *c, struct MHD_Connection *conn, uint64_t run)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr->sa_family != AF_INET)
		return WHO_NONE;
	for (int tries = 0; tries < 50; tries++) {
		pid_t pids[TB_MAX_CLIENTS];
		size_t n = 0, which, unknown = 0;
		pthread_mutex_lock(&c->mu);
		for (; c->armed && c->run_id == run && n < c->nslots; n++) {
			pids[n] = c->slots[n].pid;
			unknown += pids[n] == 0;
		}
		pthread_mutex_unlock(&c->mu);
		/* The /proc walk runs unlocked: only such requests pay for it. */
		if (orc_sock_owner((const struct sockaddr_in *)ci->client_addr, pids, n,
				   &which) == TB_OK)
			return (int)which;
		if (unknown == 0)
			break;
		tb_sleep_ns(20 * TB_NS_PER_MS);
	}
	return WHO_NONE;
}

/* start_request is the first call for a request: whose it is, before any body is read.
 * *refused tells whether it was answered already, refused. */
static enum MHD_Result start_request(orc_channel *c, struct MHD_Connection *conn,
				     const char *url, void **con_cls, bool *refused)
{
	bool ours = strcmp(url, "/control") == 0 || strcmp(url, "/result") == 0;
	request *rq = calloc(1, sizeof(*rq));
	*refused = false;
	if (rq == NULL)
		return MHD_NO;
	*con_cls = rq;
	pthread_mutex_lock(&c->mu);
	rq->who = ours ? who_is(c, conn) : WHO_NONE;
	rq->run = c->run_id;
	bool armed = c->armed, several = c->nslots > 1;
	pthread_mutex_unlock(&c->mu);
	if (ours && rq->who == WHO_NONE && armed && several && !c->need_token)
		rq->who = by_process(c, conn, rq->run);
	/* Without a run on loopback, a request without a token is only told there is none. */
	if (ours && rq->who < 0 && (armed || rq->who != WHO_NONE || c->need_token)) {
		*refused = true;
		return refuse(c, conn, url, rq->who);
	}
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	orc_channel *c = cls;
	bool is_get = strcmp(method, "GET") == 0, is_post = strcmp(method, "POST") == 0;
	if (*con_cls == NULL) {
		bool refused;
		/* Answered only from the next call on: libmicrohttpd closes the connection
		 * after an answer queued on the first call, before it knows the request has
		 * no body, and a client then pays a new connection for every request. */
		return start_request(c, conn, url, con_cls, &refused);
	}
	request *rq = *con_cls;
	if (strcmp(url, "/control") == 0) {
		if (!is_get)
			return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET /control");
		if (rq->who < 0)
			return send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no run is in progress");
		return serve_control(c, conn, rq);
	}
	if (strcmp(url, "/result") != 0)
		return send_error(conn, MHD_HTTP_NOT_FOUND, "unknown path (try /control or /result)");
	if (!is_get && !is_post)
		return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST /result");
	bool nomem;
	if (is_post && !read_body(rq, upload_data, upload_size, &nomem))
		return nomem ? MHD_NO : MHD_YES;
	if (rq->who < 0)
		return send_error(conn, MHD_HTTP_CONFLICT, "no run is in progress");
	if (is_get)
		return result_by_query(c, conn, rq);
	if (rq->too_large) {
		char err[64];
		snprintf(err, sizeof(err), "the result is over %u bytes", MAX_BODY);
		return take_result(c, conn, rq, TB_EPROTO, NULL, err);
	}
	tb_client_result r;
	char err[256];
	int rc = tb_client_result_from_json(rq->data ? rq->data : "", rq->len, &r, err, sizeof(err));
	return take_result(c, conn, rq, rc, rc == TB_OK ? &r : NULL, err);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	request *rq = *con_cls;
	if (rq != NULL) {
		free(rq->data);
		free(rq);
		*con_cls = NULL;
	}
}

int orc_channel_alloc(orc_channel **cp, const char *bind, uint16_t port, char *err,
		      size_t errlen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	if (inet_pton(AF_INET, bind, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "control channel address '%s' is not an IPv4 address", bind);
		return TB_EADDR;
	}
	orc_channel *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return TB_ENOMEM;
	c->need_token = strncmp(bind, "127.", 4) != 0;
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* poll, not epoll: libmicrohttpd 0.9.75's epoll loop leaves requests unread for as
	 * long as the connection timeout when 128 kept-alive connections become readable at
	 * once (a run's 128 clients asking together), and a run has few connections. */
	c->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
					MHD_ALLOW_SUSPEND_RESUME, port, NULL,
				NULL, on_request, c, MHD_OPTION_SOCK_ADDR, &sa,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, c,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	if (c->d == NULL) {
		snprintf(err, errlen, "cannot serve the control channel on %s:%u (port in use?)",
			 bind, port);
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		free(c);
		return TB_EADDR;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(c->d, MHD_DAEMON_INFO_BIND_PORT);
	c->port = info != NULL ? info->port : port;
	*cp = c;
	return TB_OK;
}

/* drop_slots forgets the run's clients, keeping their tokens to recognise latecomers.
 * Called with mu held. */
static void drop_slots(orc_channel *c)
{
	free(c->old_tokens);
	c->old_tokens = NULL;
	c->nold = 0;
	if (c->nslots > 0 && (c->old_tokens = calloc(c->nslots, sizeof(*c->old_tokens))) != NULL) {
		for (size_t i = 0; i < c->nslots; i++)
			memcpy(c->old_tokens[i], c->slots[i].token, sizeof(c->old_tokens[0]));
		c->nold = c->nslots;
		c->old_run_id = c->run_id;
	}
	for (size_t i = 0; i < c->nslots; i++)
		free(c->slots[i].command_json);
	free(c->slots);
	c->slots = NULL;
	c->nslots = 0;
}

/* resume_waiting lets every held GET /control be answered. Called with mu held. */
static void resume_waiting(orc_channel *c)
{
	while (c->waiting != NULL) {
		held *h = c->waiting;
		c->waiting = h->next;
		MHD_resume_connection(h->conn);
		free(h);
	}
}

void orc_channel_free(orc_channel *c)
{
	if (c == NULL)
		return;
	orc_channel_disarm(c);
	MHD_stop_daemon(c->d);
	free(c->old_tokens);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

uint16_t orc_channel_port(const orc_channel *c)
{
	return c->port;
}

/* new_token writes TB_TOKEN_LEN random hex digits. */
static int new_token(char *out)
{
	unsigned char raw[TB_TOKEN_LEN / 2];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return TB_ESYS;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return TB_OK;
}

/* new_slots makes a slot per command, each with its command's text and a token. */
static int new_slots(const tb_command *cmds, size_t n, slot **out, char *err, size_t errlen)
{
	slot *slots = calloc(n, sizeof(*slots));
	int rc = slots != NULL ? TB_OK : TB_ENOMEM;
	for (size_t i = 0; rc == TB_OK && i < n; i++) {
		if (new_token(slots[i].token) != TB_OK) {
			snprintf(err, errlen, "no random bytes for the control channel's tokens");
			rc = TB_ESYS;
		} else if ((slots[i].command_json = tb_command_to_json(&cmds[i])) == NULL) {
			rc = TB_ENOMEM;
		}
	}
	if (rc == TB_ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc != TB_OK && slots != NULL) {
		for (size_t i = 0; i < n; i++)
			free(slots[i].command_json);
		free(slots);
		slots = NULL;
	}
	*out = slots;
	return rc;
}

int orc_channel_arm(orc_channel *c, const tb_command *cmds, size_t n, bool hold, char *err,
		    size_t errlen)
{
	slot *slots;
	if (n == 0 || n > TB_MAX_CLIENTS) {
		snprintf(err, errlen, "a run has 1 to %d clients, not %zu", TB_MAX_CLIENTS, n);
		return TB_EINVAL;
	}
	int rc = new_slots(cmds, n, &slots, err, errlen);
	if (rc != TB_OK)
		return rc;
	pthread_mutex_lock(&c->mu);
	resume_waiting(c);
	drop_slots(c);
	c->slots = slots;
	c->nslots = n;
	c->armed = true;
	c->holding = hold;
	c->refused = 0;
	c->run_id = cmds[0].run_id;
	pthread_mutex_unlock(&c->mu);
	return TB_OK;
}

const char *orc_channel_token(orc_channel *c, size_t client, char *buf, size_t len)
{
	pthread_mutex_lock(&c->mu);
	snprintf(buf, len, "%s", client < c->nslots ? c->slots[client].token : "");
	pthread_mutex_unlock(&c->mu);
	return buf;
}

size_t orc_channel_asked(orc_channel *c)
{
	size_t n = 0;
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->nslots; i++)
		n += c->slots[i].asked;
	pthread_mutex_unlock(&c->mu);
	return n;
}

int orc_channel_wait_asked(orc_channel *c, size_t n, int timeout_ms)
{
	uint64_t deadline = tb_now_ns() + (uint64_t)timeout_ms * TB_NS_PER_MS;
	struct timespec ts = {(time_t)(deadline / TB_NS_PER_S), (long)(deadline % TB_NS_PER_S)};
	for (;;) {
		if (orc_channel_asked(c) >= n)
			return TB_OK;
		pthread_mutex_lock(&c->mu);
		int w = pthread_cond_timedwait(&c->cv, &c->mu, &ts);
		pthread_mutex_unlock(&c->mu);
		if (w != 0)
			return orc_channel_asked(c) >= n ? TB_OK : TB_ETIMEDOUT;
	}
}

void orc_channel_release(orc_channel *c)
{
	pthread_mutex_lock(&c->mu);
	c->holding = false;
	resume_waiting(c);
	pthread_mutex_unlock(&c->mu);
}

void orc_channel_set_pid(orc_channel *c, size_t client, pid_t pid)
{
	pthread_mutex_lock(&c->mu);
	if (client < c->nslots)
		c->slots[client].pid = pid;
	pthread_mutex_unlock(&c->mu);
}

uint64_t orc_channel_started_ns(orc_channel *c, size_t client)
{
	pthread_mutex_lock(&c->mu);
	uint64_t t = client < c->nslots ? c->slots[client].started_ns : 0;
	pthread_mutex_unlock(&c->mu);
	return t;
}

uint64_t orc_channel_refused(orc_channel *c)
{
	pthread_mutex_lock(&c->mu);
	uint64_t n = c->refused;
	pthread_mutex_unlock(&c->mu);
	return n;
}

void orc_channel_disarm(orc_channel *c)
{
	pthread_mutex_lock(&c->mu);
	c->armed = false;
	c->holding = false;
	resume_waiting(c);
	drop_slots(c);
	pthread_mutex_unlock(&c->mu);
}

/* next_result takes a result not yet taken, if any. Called with mu held. */
static bool next_result(orc_channel *c, size_t *client, tb_client_result *r, int *rc,
			char *err, size_t errlen)
{
	for (size_t i = 0; i < c->nslots; i++) {
		slot *s = &c->slots[i];
		if (s->have_result && !s->taken) {
			s->taken = true;
			*client = i;
			*r = s->result;
			*rc = s->result_rc;
			snprintf(err, errlen, "%s", s->result_err);
			return true;
		}
	}
	return false;
}

int orc_channel_wait_result(orc_channel *c, int timeout_ms, size_t *client,
			    tb_client_result *r, char *err, size_t errlen)
{
	uint64_t deadline = tb_now_ns() + (uint64_t)timeout_ms * TB_NS_PER_MS;
	struct timespec ts = {(time_t)(deadline / TB_NS_PER_S), (long)(deadline % TB_NS_PER_S)};
	int rc = TB_ETIMEDOUT;
	pthread_mutex_lock(&c->mu);
	while (!next_result(c, client, r, &rc, err, errlen))
		if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0) {
			if (!next_result(c, client, r, &rc, err, errlen)) {
				rc = TB_ETIMEDOUT;
				snprintf(err, errlen, "no result from a client within %d ms",
					 timeout_ms);
			}
			break;
		}
	pthread_mutex_unlock(&c->mu);
	return rc;
}
