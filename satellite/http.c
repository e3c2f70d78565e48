/* SPDX-License-Identifier: MIT */
/* http.c - the satellite's HTTP server: the libmicrohttpd daemon, the hand-over of each
 * connection the port group's listeners accept (listen.h: HTTP/1.1 here, HTTP/2 to
 * grpc.h), routing, and the life of one report request:
 *
 *   headers   route by path and method, check Content-Type, Content-Encoding and a
 *             declared Content-Length against max_body; answer errors at once
 *   body      append chunks (throttled by the bandwidth limit: the connection is
 *             suspended until tokens refill); past max_body, discard and answer 413
 *   complete  inflate, decode, draw the fault verdict, offer the spans to the duplicate
 *             set, and answer now or after the delay (suspended in the delay queue, no
 *             thread held)
 *   delivered libmicrohttpd says the answer was fully sent: only then are the spans of
 *             a 2xx report acknowledged and received. An answer cut off (the group went
 *             down, the client gave up) leaves them unacknowledged, so their resends
 *             are counted as resends, not as spans received twice.
 */
#include "satellite/http.h"

#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/command.h"
#include "common/error.h"
#include "common/log.h"
#include "common/records.h"
#include "satellite/decode.h"
#include "satellite/delayq.h"
#include "satellite/forward.h"
#include "satellite/inflate.h"
#include "satellite/grpc.h"
#include "satellite/listen.h"
#include "satellite/metrics.h"
#include "satellite/report.h"

struct sat_http {
	sat_http_opts o;
	sat_listen *listen;	/* the ports, and which connections speak HTTP/2 */
	sat_grpc *grpc;		/* HTTP/2 connections: gRPC calls */

	/* The daemon is replaced when the group goes down, so readers lock. */
	pthread_mutex_t daemon_mu;
	struct MHD_Daemon *daemon;
	/* Set while the group goes down: held answers resumed for the old daemon's stop are
	 * dropped, not sent. */
	_Atomic bool going_down;
	sat_delayq *delayq;

	pthread_mutex_t ring_mu;	/* the ring has one producer: serialise the threads */
	sat_report_env env;		/* what reports write to (report.h) */
	sat_report_env grpc_env;	/* the same, for reports that come over gRPC */
};

/* The life of one request on a report endpoint. */
typedef enum stage {
	ST_BODY = 0,	/* receiving the body */
	ST_DISCARD,	/* over max_body: reading and dropping the rest */
	ST_HELD,	/* answered, waiting out a delay before the answer is sent */
} stage;

/* Per connection: its bandwidth bucket, and the body buffer its requests reuse (a fresh
 * megabyte buffer per report cost more in page faults than decoding it). */
typedef struct conn_ctx {
	sat_bucket bucket;
	uint8_t *buf;
	size_t cap;
} conn_ctx;

/* Bodies up to this size keep their buffer for the connection's next request. */
#define KEEP_BUFFER (4u << 20)

typedef struct request {
	stage stage;
	sat_report rep;		/* what it carries, decoded and counted by report.c */
	conn_ctx *conn;
	uint8_t *body;		/* conn->buf while receiving */
	size_t len, cap;
	struct MHD_Response *held;	/* the answer waiting in ST_HELD */
	unsigned held_status;
	bool answered;		/* a response was queued or the request counted */
} request;

/* ---- answering ---- */

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *type,
				const void *body, size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rv;

	if (r == NULL)
		return MHD_NO;
	if (type != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	rv = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rv;
}

/* reject answers an error with a one-line reason and counts it. */
static enum MHD_Result reject(sat_http *h, struct MHD_Connection *c, request *rq,
			      unsigned status, sat_reject why, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static enum MHD_Result reject(sat_http *h, struct MHD_Connection *c, request *rq,
			      unsigned status, sat_reject why, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = '\0';
	sat_counters_reject(h->o.counters, why);
	if (rq != NULL)
		rq->answered = true;
	tb_debug("satellite: %u %s: %s", status, sat_reject_name(why), line);
	return send_buf(c, status, "text/plain", line, (size_t)n);
}

/* hold suspends c until deadline; false if the delay queue refuses (group going down). */
static bool hold(sat_http *h, struct MHD_Connection *c, uint64_t deadline)
{
	MHD_suspend_connection(c);
	if (sat_delayq_add(h->delayq, c, deadline) != TB_OK) {
		MHD_resume_connection(c);
		return false;
	}
	return true;
}

/* peer_closed tells whether the client has closed its end of c. */
static bool peer_closed(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci != NULL && sat_peer_closed(ci->connect_fd);
}

/* ---- routing (first call: headers only) ---- */

static conn_ctx *ctx_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}


/* media_type_is compares a Content-Type's media type, ignoring parameters and case. */
static bool media_type_is(const char *value, const char *want)
{
	size_t n = strlen(want);

	if (value == NULL)
		return false;
	while (*value == ' ')
		value++;
	return strncasecmp(value, want, n) == 0 && (value[n] == '\0' || value[n] == ';' ||
						    value[n] == ' ');
}

/* What a POST is for: the spans of one protocol, or a runtime-metrics report. */
enum { TARGET_METRICS = SAT_PROTO_COUNT };

/* Every endpoint that takes a POST, with each Content-Type it accepts (NULL: none sent),
 * and whether it takes a PUT too (Datadog's tracers PUT). */
static const struct route {
	const char *path, *type;
	int target;
	bool put;
} routes[] = {
	{"/api/v2/reports", NULL, SAT_PROTO_LIGHTSTEP, false},
	{"/api/v2/reports", "application/octet-stream", SAT_PROTO_LIGHTSTEP, false},
	{"/api/v2/reports", "application/x-protobuf", SAT_PROTO_LIGHTSTEP, false},
	{"/api/v2/reports", "application/protobuf", SAT_PROTO_LIGHTSTEP, false},
	{"/v1/traces", "application/x-protobuf", SAT_PROTO_OTLP_PROTO, false},
	{"/v1/traces", "application/protobuf", SAT_PROTO_OTLP_PROTO, false},
	{"/v1/traces", "application/json", SAT_PROTO_OTLP_JSON, false},
	{"/api/v0/reports", NULL, SAT_PROTO_LIGHTSTEP_JSON, false},
	{"/api/v0/reports", "application/json", SAT_PROTO_LIGHTSTEP_JSON, false},
	{"/api/v2/spans", "application/json", SAT_PROTO_ZIPKIN_JSON, false},
	{"/api/v2/spans", "application/x-protobuf", SAT_PROTO_ZIPKIN_PROTO, false},
	{"/v0.4/traces", "application/msgpack", SAT_PROTO_DATADOG_V04, true},
	{"/v0.3/traces", "application/msgpack", SAT_PROTO_DATADOG_V03, true},
	{"/v0.5/traces", "application/msgpack", SAT_PROTO_DATADOG_V05, true},
	{"/metrics", NULL, TARGET_METRICS, false},
	{"/metrics", "application/octet-stream", TARGET_METRICS, false},
	{"/metrics", "application/x-protobuf", TARGET_METRICS, false},
	{"/metrics", "application/protobuf", TARGET_METRICS, false},
};

const char *sat_http_route(sat_proto proto, const char **content_type)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (routes[i].target == (int)proto && routes[i].type != NULL) {
			*content_type = routes[i].type;
			return routes[i].path;
		}
	}
	*content_type = NULL;
	return NULL;
}

/* route_of finds what a POST to url with Content-Type type is for: a target, or -1 with
 * *known_path telling a known path (a bad type) from an unknown one; *put says whether
 * the path takes a PUT too. */
static int route_of(const char *url, const char *type, bool *known_path, bool *put)
{
	*known_path = *put = false;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];
		if (strcmp(url, r->path) != 0)
			continue;
		*known_path = true;
		*put = r->put;
		if (r->type == NULL ? type == NULL : media_type_is(type, r->type))
			return r->target;
	}
	return -1;
}

static enum MHD_Result serve_get(sat_http *h, struct MHD_Connection *c, const char *url)
{
	if (strcmp(url, "/spans_received") == 0) {
		char num[32];
		int n = snprintf(num, sizeof(num), "%llu",
				 (unsigned long long)sat_counters_spans(h->o.counters));
		return send_buf(c, 200, "text/plain", num, (size_t)n);
	}
	/* /stats */
	sat_status st;
	sat_http_status(h, &st);
	char *json = sat_counters_to_json(h->o.counters, &st);
	enum MHD_Result rv;
	if (json == NULL)
		return MHD_NO;
	rv = send_buf(c, 200, "application/json", json, strlen(json));
	free(json);
	return rv;
}

static enum MHD_Result on_headers(sat_http *h, struct MHD_Connection *c, const char *url,
				  const char *method, void **con_cls)
{
	bool is_get = strcmp(method, "GET") == 0, is_post = strcmp(method, "POST") == 0;
	const char *type, *encoding, *length;
	bool known, put;
	int target;
	request *rq;

	if (strcmp(url, "/spans_received") == 0 || strcmp(url, "/stats") == 0) {
		if (!is_get)
			return reject(h, c, NULL, 405, SAT_REJ_BAD_METHOD, "%s needs GET, not %s",
				      url, method);
		return serve_get(h, c, url);
	}
	type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	target = route_of(url, type, &known, &put);
	if (!known)
		return reject(h, c, NULL, 404, SAT_REJ_NOT_FOUND, "no endpoint %s", url);
	if (!is_post && !(put && strcmp(method, "PUT") == 0))
		return reject(h, c, NULL, 405, SAT_REJ_BAD_METHOD, "%s needs %s, not %s", url,
			      put ? "PUT or POST" : "POST", method);
	if (target < 0)
		return reject(h, c, NULL, 415, SAT_REJ_BAD_TYPE,
			      "%s does not take Content-Type %s", url, type ? type : "(none)");
	if ((rq = calloc(1, sizeof(*rq))) == NULL)
		return MHD_NO;
	rq->rep.metrics = target == TARGET_METRICS;
	rq->rep.dec = rq->rep.metrics ? NULL : sat_decoder_get((sat_proto)target);
	sat_report_set_client(&rq->rep, MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								    TB_ACCESS_TOKEN_HEADER));
	rq->conn = ctx_of(c);
	encoding = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					       MHD_HTTP_HEADER_CONTENT_ENCODING);
	if (!sat_encoding_parse(encoding, &rq->rep.enc)) {
		free(rq);
		return reject(h, c, NULL, 415, SAT_REJ_BAD_ENCODING,
			      "Content-Encoding %s is not supported (gzip, deflate)", encoding);
	}
	length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (length != NULL) {
		unsigned long long n = strtoull(length, NULL, 10);
		if (n > h->o.max_body) {
			free(rq);
			return reject(h, c, NULL, 413, SAT_REJ_TOO_LARGE,
				      "body of %llu bytes is over the limit of %zu", n,
				      h->o.max_body);
		}
	}
	if (rq->conn != NULL && rq->conn->buf != NULL) {
		rq->body = rq->conn->buf;	/* borrowed until the request completes */
		rq->conn->buf = NULL;
		rq->cap = rq->conn->cap;	/* grown in on_body if the body is larger */
	} else {
		rq->cap = 0;
	}
	*con_cls = rq;
	return MHD_YES;
}

/* ---- body ---- */

static enum MHD_Result on_body(sat_http *h, struct MHD_Connection *c, request *rq,
			       const char *data, size_t *size)
{
	size_t want = *size, granted = want;
	conn_ctx *cc = rq->conn;
	sat_bucket scratch = {0};
	uint64_t wait;

	if (rq->stage == ST_DISCARD) {
		rq->rep.wire_len += want;
		*size = 0;
		return MHD_YES;
	}
	wait = sat_faults_take(h->o.faults, cc ? &cc->bucket : &scratch, want, &granted,
			       tb_now_ns());
	if (rq->len + granted > h->o.max_body) {
		/* Over the limit (a chunked body declares no length): stop keeping it. */
		free(rq->body);
		rq->body = NULL;
		rq->len = rq->cap = 0;
		rq->stage = ST_DISCARD;
		rq->rep.wire_len += want;
		*size = 0;
		return MHD_YES;
	}
	if (rq->len + granted > rq->cap || rq->body == NULL) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		size_t declared = cl ? (size_t)strtoull(cl, NULL, 10) : 0;
		size_t ncap = declared >= rq->len + granted ? declared : (rq->len + granted) * 2;
		uint8_t *b;
		if (ncap < 4096)
			ncap = 4096;
		if (ncap > h->o.max_body + 1)
			ncap = h->o.max_body + 1;
		if ((b = realloc(rq->body, ncap + 1)) == NULL)
			return MHD_NO;
		rq->body = b;
		rq->cap = ncap;
	}
	memcpy(rq->body + rq->len, data, granted);
	rq->len += granted;
	rq->rep.wire_len += granted;
	*size = want - granted;
	if (wait > 0 && !hold(h, c, tb_now_ns() + wait))
		return MHD_NO;
	return MHD_YES;
}

/* ---- complete ---- */

/* respond builds the answer to a report sat_report_take accepted or refused with an
 * injected error. NULL when out of memory. */
static struct MHD_Response *respond(request *rq, sat_answer a, const sat_verdict *v)
{
	uint8_t reply[256];
	struct MHD_Response *resp;
	if (a == SAT_ANSWER_OK) {
		size_t n = sat_report_reply(&rq->rep, reply, sizeof(reply));
		resp = MHD_create_response_from_buffer(n, reply, MHD_RESPMEM_MUST_COPY);
		if (resp != NULL)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
						rq->rep.metrics ? SAT_METRICS_REPLY_TYPE
								: rq->rep.dec->reply_type);
		return resp;
	}
	int n = snprintf((char *)reply, sizeof(reply), "injected error %u\n", v->status);
	resp = MHD_create_response_from_buffer((size_t)n, reply, MHD_RESPMEM_MUST_COPY);
	if (resp != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	if (resp != NULL && v->retry_after_s > 0) {
		char secs[16];
		snprintf(secs, sizeof(secs), "%u", v->retry_after_s);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs);
	}
	return resp;
}

/* ok_status is the status an accepted report is answered with: its protocol's own. */
static unsigned ok_status(const request *rq)
{
	return rq->rep.metrics || rq->rep.dec->ok_status == 0 ? 200 : rq->rep.dec->ok_status;
}

static enum MHD_Result answer(sat_http *h, struct MHD_Connection *c, request *rq)
{
	sat_verdict v;
	unsigned status = 0;
	char err[300];

	if (rq->stage == ST_DISCARD)
		return reject(h, c, rq, 413, SAT_REJ_TOO_LARGE,
			      "body of %zu bytes is over the limit of %zu", rq->rep.wire_len,
			      h->o.max_body);
	if (rq->body == NULL && (rq->body = malloc(1)) == NULL)
		return MHD_NO;
	sat_answer a = sat_report_take(&h->env, &rq->rep, rq->body, rq->len, &v, &status, err,
				       sizeof(err));
	rq->answered = true;
	if (a == SAT_ANSWER_REJECT) {
		char line[320];
		int n = snprintf(line, sizeof(line), "%s\n", err);
		tb_debug("satellite: %u: %s", status, err);
		return send_buf(c, status, "text/plain", line, (size_t)n);
	}
	if (a == SAT_ANSWER_DROP || a == SAT_ANSWER_NOMEM)
		return MHD_NO;	/* libmicrohttpd closes the connection without an answer */
	struct MHD_Response *resp = respond(rq, a, &v);
	if (resp == NULL)
		return MHD_NO;
	unsigned code = a == SAT_ANSWER_OK ? ok_status(rq) : v.status;
	if (v.delay_ns > 0) {
		rq->held = resp;
		rq->held_status = code;
		rq->stage = ST_HELD;
		if (hold(h, c, tb_now_ns() + v.delay_ns))
			return MHD_YES;
		rq->held = NULL;	/* the group is going down: no answer */
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	enum MHD_Result qr = MHD_queue_response(c, code, resp);
	MHD_destroy_response(resp);
	return qr;
}

/* A request without a body is answered on the handler's second call, not its first:
 * libmicrohttpd 0.9.75 stalls every request pipelined behind one answered on the first
 * call (tests/satellite_test.c: pipelined_requests_are_all_answered). no_body marks a
 * request waiting for that second call. Requests with a body are answered after it. */
static request no_body;

static bool has_body(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_TRANSFER_ENCODING);
	return te != NULL || (cl != NULL && strcmp(cl, "0") != 0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	sat_http *h = cls;
	request *rq = *con_cls;

	if (rq == NULL) {
		if (!has_body(c)) {
			*con_cls = &no_body;
			return MHD_YES;
		}
		return on_headers(h, c, url, method, con_cls);
	}
	if (rq == &no_body) {
		enum MHD_Result rv;
		*con_cls = NULL;
		rv = on_headers(h, c, url, method, con_cls);
		if (rv == MHD_YES && *con_cls != NULL)
			return answer(h, c, *con_cls);	/* a report with an empty body */
		return rv;
	}
	if (rq->stage == ST_HELD) {
		struct MHD_Response *resp = rq->held;
		enum MHD_Result qr;
		rq->held = NULL;
		/* A client that gave up while the answer was held has closed its end; the
		 * kernel would still take the answer, and it would count as delivered. */
		if (resp == NULL || atomic_load(&h->going_down) || peer_closed(c)) {
			if (resp != NULL)
				MHD_destroy_response(resp);
			return MHD_NO;
		}
		qr = MHD_queue_response(c, rq->held_status, resp);
		MHD_destroy_response(resp);
		return qr;
	}
	if (*upload_data_size > 0)
		return on_body(h, c, rq, upload_data, upload_data_size);
	return answer(h, c, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	sat_http *h = cls;
	request *rq = *con_cls;

	if (rq == &no_body) {
		rq = NULL;
		*con_cls = NULL;
	}
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK &&
	    toe != MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN && (rq == NULL || !rq->answered)) {
		if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
			sat_counters_reject(h->o.counters, SAT_REJ_TIMEOUT);
		else if (toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT ||
			 toe == MHD_REQUEST_TERMINATED_READ_ERROR)
			sat_counters_reject(h->o.counters, SAT_REJ_ABORTED);
		else if (toe == MHD_REQUEST_TERMINATED_WITH_ERROR)
			sat_counters_reject(h->o.counters, SAT_REJ_BAD_FRAMING);
	}
	if (rq != NULL) {
		sat_report_done(&h->env, &rq->rep, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
		if (rq->held != NULL)
			MHD_destroy_response(rq->held);
		/* Hand the buffer back to the connection for its next report. */
		if (rq->conn != NULL && rq->conn->buf == NULL && rq->cap <= KEEP_BUFFER) {
			rq->conn->buf = rq->body;
			rq->conn->cap = rq->body ? rq->cap : 0;
		} else {
			free(rq->body);
		}
		free(rq);
		*con_cls = NULL;
	}
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	conn_ctx *cc = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = calloc(1, sizeof(conn_ctx));
	} else if (cc != NULL) {
		free(cc->buf);
		free(cc);
		*socket_context = NULL;
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	tb_debug("libmicrohttpd: %s", line);
}

static struct MHD_Daemon *start_daemon(sat_http *h)
{
	return MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			MHD_ALLOW_SUSPEND_RESUME | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG |
			MHD_USE_TURBO,
		0, NULL, NULL, on_request, h,
		MHD_OPTION_THREAD_POOL_SIZE, h->o.threads,
		MHD_OPTION_CONNECTION_TIMEOUT, h->o.idle_timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_CONNECTION_LIMIT, 4096u,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
		MHD_OPTION_END);
}

/* ---- connections from the accept thread ---- */

static void take_connection(void *arg, int fd, const struct sockaddr *sa, socklen_t sl,
			    sat_wire wire)
{
	sat_http *h = arg;
	if (wire == SAT_WIRE_H2) {
		sat_grpc_add(h->grpc, fd);
		return;
	}
	pthread_mutex_lock(&h->daemon_mu);
	/* MHD_add_connection closes fd itself when it fails. */
	if (h->daemon == NULL || MHD_add_connection(h->daemon, fd, sa, sl) != MHD_YES) {
		if (h->daemon == NULL)
			close(fd);
		tb_warn("satellite: could not take a connection: %s", strerror(errno));
	}
	pthread_mutex_unlock(&h->daemon_mu);
}

/* start_serving starts what takes connections, then the listeners that hand them over. */
static int start_serving(sat_http *h, char *err, size_t errlen)
{
	int rv;
	h->grpc_env = h->env;
	h->grpc_env.transport = SAT_TRANSPORT_GRPC;
	sat_grpc_opts go = {.env = &h->grpc_env, .idle_timeout_s = h->o.idle_timeout_s};
	if ((rv = sat_delayq_alloc(&h->delayq)) != TB_OK) {
		snprintf(err, errlen, "cannot start the delay queue: %s", tb_strerror(rv));
		return rv;
	}
	if ((h->daemon = start_daemon(h)) == NULL) {
		snprintf(err, errlen, "libmicrohttpd would not start");
		return TB_ESYS;
	}
	if ((rv = sat_grpc_alloc(&h->grpc, &go, err, errlen)) != TB_OK)
		return rv;
	sat_listen_opts lo = {
		.bind = h->o.bind, .ports = h->o.ports, .nports = h->o.nports,
		.grpc_ports = h->o.grpc_ports, .ngrpc_ports = h->o.ngrpc_ports,
		.fallback_free = h->o.fallback_free,
		.sniff_timeout_s = h->o.idle_timeout_s ? h->o.idle_timeout_s : 30,
		.counters = h->o.counters, .take = take_connection, .take_arg = h,
	};
	return sat_listen_alloc(&h->listen, &lo, err, errlen);
}

int sat_http_alloc(sat_http **hp, const sat_http_opts *o, char *err, size_t errlen)
{
	sat_http *h;
	int rv;

	*hp = NULL;
	if ((rv = sat_decode_init()) != TB_OK) {
		snprintf(err, errlen, "cannot build the decoders' tables: %s", tb_strerror(rv));
		return rv;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return TB_ENOMEM;
	h->o = *o;
	if (h->o.threads == 0)
		h->o.threads = 1;
	pthread_mutex_init(&h->daemon_mu, NULL);
	pthread_mutex_init(&h->ring_mu, NULL);
	h->env = (sat_report_env){.counters = o->counters, .faults = o->faults, .dups = o->dups,
				  .ring = o->ring, .ring_mu = &h->ring_mu, .max_body = o->max_body,
				  .forward = o->forward};
	if ((rv = start_serving(h, err, errlen)) != TB_OK) {
		sat_http_free(h);
		return rv;
	}
	*hp = h;
	return TB_OK;
}

/* restart_daemon closes every open connection by replacing the daemon. */
static int restart_daemon(sat_http *h)
{
	struct MHD_Daemon *old;

	atomic_store(&h->going_down, true);
	sat_delayq_hold(h->delayq, true);
	pthread_mutex_lock(&h->daemon_mu);
	old = h->daemon;
	h->daemon = NULL;
	pthread_mutex_unlock(&h->daemon_mu);
	if (old != NULL)
		MHD_stop_daemon(old);
	pthread_mutex_lock(&h->daemon_mu);
	h->daemon = start_daemon(h);
	pthread_mutex_unlock(&h->daemon_mu);
	sat_delayq_hold(h->delayq, false);
	atomic_store(&h->going_down, false);
	sat_grpc_close_all(h->grpc);
	return h->daemon ? TB_OK : TB_ESYS;
}

int sat_http_set_listening(sat_http *h, bool on, char *err, size_t errlen)
{
	int rv = sat_listen_set(h->listen, on, err, errlen);

	if (rv == TB_OK && !on && restart_daemon(h) != TB_OK) {
		snprintf(err, errlen, "libmicrohttpd would not restart");
		return TB_ESYS;
	}
	return rv;
}

void sat_http_status(sat_http *h, sat_status *st)
{
	sat_fault_config fc;

	sat_faults_get(h->o.faults, &fc);
	st->listening = sat_http_listening(h);
	st->mode = tb_sat_mode_name(fc.mode);
	st->dup_capacity = h->o.dups ? sat_dupset_capacity(h->o.dups) : 0;
	st->forwarding = h->o.forward != NULL;
	st->held_spans = st->held_bytes = 0;
	if (st->forwarding)
		sat_forward_held(h->o.forward, &st->held_spans, &st->held_bytes);
}

bool sat_http_listening(sat_http *h)
{
	return sat_listen_up(h->listen);
}

const uint16_t *sat_http_ports(const sat_http *h, size_t *n)
{
	return sat_listen_ports(h->listen, n);
}

const uint16_t *sat_http_grpc_ports(const sat_http *h, size_t *n)
{
	return sat_listen_grpc_ports(h->listen, n);
}

void sat_http_free(sat_http *h)
{
	if (h == NULL)
		return;
	/* Listeners first, so nothing new arrives; then what serves connections. */
	sat_listen_free(h->listen);
	if (h->delayq != NULL)
		sat_delayq_hold(h->delayq, true);
	if (h->daemon != NULL)
		MHD_stop_daemon(h->daemon);
	sat_delayq_free(h->delayq);
	sat_grpc_free(h->grpc);
	pthread_mutex_destroy(&h->daemon_mu);
	pthread_mutex_destroy(&h->ring_mu);
	free(h);
}
