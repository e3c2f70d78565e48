/* SPDX-License-Identifier: MIT */
/* channel.c - GET /control, POST /result and GET /result?... on libmicrohttpd, with the
 * run's command and result behind one mutex. */
#include "orchestrator/channel.h"

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

/* A result is a few hundred bytes; anything much larger is not one. */
#define MAX_BODY (64u * 1024)
#define MAX_PAIRS 16

struct orc_channel {
	struct MHD_Daemon *d;
	uint16_t port;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *command_json;	/* NULL when disarmed */
	bool need_token;	/* listening beyond loopback */
	char token[TB_TOKEN_LEN + 1];	/* this run's secret; "" when not needed */
	uint64_t refused;	/* requests refused for their token, this run */
	bool have_result;
	int result_rc;		/* TB_OK or TB_EPROTO */
	tb_client_result result;
	char result_err[256];
};

/* A request body being read. */
typedef struct body {
	char *data;
	size_t len;
	bool too_large;
} body;

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

/* record stores a result (or why it was refused) for the waiting run. */
static void record(orc_channel *c, int rc, const tb_client_result *r, const char *err)
{
	pthread_mutex_lock(&c->mu);
	if (c->command_json != NULL && !c->have_result) {
		c->have_result = true;
		c->result_rc = rc;
		if (r != NULL)
			c->result = *r;
		snprintf(c->result_err, sizeof(c->result_err), "%s", err ? err : "");
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
}

static enum MHD_Result take_result(orc_channel *c, struct MHD_Connection *conn, int rc,
				   const tb_client_result *r, const char *err)
{
	pthread_mutex_lock(&c->mu);
	bool armed = c->command_json != NULL, dup = c->have_result;
	pthread_mutex_unlock(&c->mu);
	if (!armed)
		return send_error(conn, MHD_HTTP_CONFLICT, "no run is in progress");
	if (dup)
		return send_error(conn, MHD_HTTP_CONFLICT, "this run's result was already received");
	record(c, rc, r, err);
	if (rc != TB_OK) {
		tb_warn("control channel: malformed result: %s", err);
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

/* token_ok tells whether conn carries this run's token, when one is needed. The
 * comparison takes the same time wherever the first wrong digit is. */
static bool token_ok(orc_channel *c, struct MHD_Connection *conn)
{
	if (!c->need_token)
		return true;
	const char *got = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, TB_TOKEN_HEADER);
	pthread_mutex_lock(&c->mu);
	unsigned diff = c->token[0] == '\0' || got == NULL || strlen(got) != TB_TOKEN_LEN;
	for (size_t i = 0; !diff && i < TB_TOKEN_LEN; i++)
		diff |= (unsigned)(got[i] ^ c->token[i]);
	pthread_mutex_unlock(&c->mu);
	return diff == 0;
}

/* refuse answers 403 to a request without this run's token, counting it. */
static enum MHD_Result refuse(orc_channel *c, struct MHD_Connection *conn, const char *url)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char addr[INET6_ADDRSTRLEN] = "?";
	if (ci != NULL && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, addr,
			  sizeof(addr));
	bool given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, TB_TOKEN_HEADER) != NULL;
	pthread_mutex_lock(&c->mu);
	uint64_t n = ++c->refused;
	pthread_mutex_unlock(&c->mu);
	tb_warn("control channel: refused %s from %s: %s " TB_TOKEN_HEADER " (%" PRIu64
		" refused this run)", url, addr, given ? "wrong" : "no", n);
	return send_error(conn, MHD_HTTP_FORBIDDEN,
			  given ? "wrong " TB_TOKEN_HEADER : "missing " TB_TOKEN_HEADER
							     " (from $" TB_TOKEN_ENV ")");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	orc_channel *c = cls;
	bool is_get = strcmp(method, "GET") == 0, is_post = strcmp(method, "POST") == 0;
	/* Checked on the first call for a request, before any body is read. */
	if (*con_cls == NULL && (strcmp(url, "/control") == 0 || strcmp(url, "/result") == 0) &&
	    !token_ok(c, conn))
		return refuse(c, conn, url);

	if (strcmp(url, "/control") == 0) {
		if (!is_get)
			return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET /control");
		pthread_mutex_lock(&c->mu);
		char *json = c->command_json ? strdup(c->command_json) : NULL;
		pthread_mutex_unlock(&c->mu);
		if (json == NULL)
			return send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no run is in progress");
		enum MHD_Result ret = send_text(conn, MHD_HTTP_OK, "application/json", json);
		free(json);
		return ret;
	}
	if (strcmp(url, "/result") != 0)
		return send_error(conn, MHD_HTTP_NOT_FOUND, "unknown path (try /control or /result)");

	if (is_get) {
		pairs p = {0};
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_pair, &p);
		tb_client_result r;
		char err[256];
		int rc = p.overflow ? TB_EPROTO
				    : tb_client_result_from_pairs(p.n, p.names, p.values, &r, err, sizeof(err));
		if (p.overflow)
			snprintf(err, sizeof(err), "more than %d result fields", MAX_PAIRS);
		return take_result(c, conn, rc, rc == TB_OK ? &r : NULL, err);
	}
	if (!is_post)
		return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST /result");

	body *b = *con_cls;
	if (b == NULL) {
		b = calloc(1, sizeof(*b));
		if (b == NULL)
			return MHD_NO;
		*con_cls = b;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (b->len + *upload_size > MAX_BODY) {
			b->too_large = true;
		} else {
			char *nd = realloc(b->data, b->len + *upload_size + 1);
			if (nd == NULL)
				return MHD_NO;
			b->data = nd;
			memcpy(b->data + b->len, upload_data, *upload_size);
			b->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (b->too_large) {
		char err[64];
		snprintf(err, sizeof(err), "the result is over %u bytes", MAX_BODY);
		return take_result(c, conn, TB_EPROTO, NULL, err);
	}
	tb_client_result r;
	char err[256];
	int rc = tb_client_result_from_json(b->data ? b->data : "", b->len, &r, err, sizeof(err));
	return take_result(c, conn, rc, rc == TB_OK ? &r : NULL, err);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	body *b = *con_cls;
	if (b != NULL) {
		free(b->data);
		free(b);
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
	c->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, port, NULL,
				NULL, on_request, c, MHD_OPTION_SOCK_ADDR, &sa,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, c,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
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

void orc_channel_free(orc_channel *c)
{
	if (c == NULL)
		return;
	MHD_stop_daemon(c->d);
	free(c->command_json);
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

int orc_channel_arm(orc_channel *c, const tb_command *cmd, char *err, size_t errlen)
{
	char token[TB_TOKEN_LEN + 1] = "";
	if (c->need_token && new_token(token) != TB_OK) {
		snprintf(err, errlen, "no random bytes for the control channel's token");
		return TB_ESYS;
	}
	char *json = tb_command_to_json(cmd);
	pthread_mutex_lock(&c->mu);
	free(c->command_json);
	c->command_json = json;
	c->have_result = false;
	c->refused = 0;
	memcpy(c->token, token, sizeof(token));
	pthread_mutex_unlock(&c->mu);
	return TB_OK;
}

const char *orc_channel_token(orc_channel *c, char *buf, size_t len)
{
	pthread_mutex_lock(&c->mu);
	snprintf(buf, len, "%s", c->token);
	pthread_mutex_unlock(&c->mu);
	return buf;
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
	free(c->command_json);
	c->command_json = NULL;
	c->have_result = false;
	c->token[0] = '\0';
	pthread_mutex_unlock(&c->mu);
}

int orc_channel_wait_result(orc_channel *c, int timeout_ms, tb_client_result *r, char *err,
			    size_t errlen)
{
	uint64_t deadline = tb_now_ns() + (uint64_t)timeout_ms * TB_NS_PER_MS;
	struct timespec ts = {(time_t)(deadline / TB_NS_PER_S), (long)(deadline % TB_NS_PER_S)};
	int rc = TB_ETIMEDOUT;
	pthread_mutex_lock(&c->mu);
	while (!c->have_result)
		if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0)
			break;
	if (c->have_result) {
		rc = c->result_rc;
		*r = c->result;
		snprintf(err, errlen, "%s", c->result_err);
	} else {
		snprintf(err, errlen, "no result from the client within %d ms", timeout_ms);
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}
