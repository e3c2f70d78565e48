/* SPDX-License-Identifier: MIT */
/* rpc.c - bench.proto Envelopes over nng REQ/REP, with versions checked at the edge. */
#include "common/rpc.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/host.h"
#include "common/log.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

struct tb_rpc_client {
	nng_socket sock;
	char url[256];
	int timeout_ms;
	char local_addr[64];	/* this side's address on the last reply's connection */
};

#define REPLY_LINGER_NS (50 * TB_NS_PER_MS)

struct tb_rpc_server {
	nng_socket sock;
	nng_listener listener;
	int recv_fd;	/* nng's "a message is waiting" descriptor */
	uint64_t replied_ns;	/* when the last reply was queued */
	int wake_fd;	/* -1, or a descriptor that ends a wait early */
	char url[256];
};

int tb_url_check(const char *url, bool allow_remote, char *err, size_t errlen)
{
	nng_url *u;
	if (url == NULL || nng_url_parse(&u, url) != 0) {
		snprintf(err, errlen, "'%s' is not a URL (expected ipc:///path or tcp://host:port)",
			 url ? url : "(null)");
		return TB_EADDR;
	}
	int rv = TB_OK;
	const char *scheme = u->u_scheme;
	if (strcmp(scheme, "ipc") == 0 || strcmp(scheme, "inproc") == 0) {
		rv = TB_OK;
	} else if (strncmp(scheme, "tcp", 3) == 0) {
		const char *h = u->u_hostname ? u->u_hostname : "";
		bool loopback = strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0 ||
				strcmp(h, "[::1]") == 0 || strcmp(h, "localhost") == 0;
		if (!loopback && !allow_remote) {
			snprintf(err, errlen,
				 "'%s' is not a loopback address; pass --allow-remote to expose it",
				 url);
			rv = TB_EADDR;
		}
	} else {
		snprintf(err, errlen, "'%s': unsupported transport '%s' (use ipc:// or tcp://)",
			 url, scheme);
		rv = TB_EADDR;
	}
	nng_url_free(u);
	return rv;
}

const char *tb_rpc_body_name(Tb__Envelope__BodyCase c)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(&tb__envelope__descriptor, (unsigned)c);
	return f ? f->name : "empty";
}

void tb_rpc_free(Tb__Envelope *e)
{
	if (e)
		tb__envelope__free_unpacked(e, NULL);
}

static int pack_msg(Tb__Envelope *e, nng_msg **mp)
{
	e->version = TB_PROTO_VERSION;
	size_t len = tb__envelope__get_packed_size(e);
	if (len > TB_RPC_MAX_MSG)
		return TB_EMSGSIZE;
	if (nng_msg_alloc(mp, len) != 0)
		return TB_ENOMEM;
	tb__envelope__pack(e, nng_msg_body(*mp));
	return TB_OK;
}

/* Decodes and version-checks msg; on failure err says why and *code what to answer. */
static Tb__Envelope *unpack_msg(nng_msg *m, Tb__ErrorCode *code, char *err, size_t errlen)
{
	Tb__Envelope *e = tb__envelope__unpack(NULL, nng_msg_len(m), nng_msg_body(m));
	if (e == NULL) {
		*code = TB__ERROR_CODE__ERR_MALFORMED;
		snprintf(err, errlen, "message of %zu bytes is not a bench.proto Envelope",
			 nng_msg_len(m));
		return NULL;
	}
	if (e->version != TB_PROTO_VERSION) {
		*code = TB__ERROR_CODE__ERR_VERSION;
		snprintf(err, errlen, "bench protocol version %u, expected %u", e->version,
			 TB_PROTO_VERSION);
		tb__envelope__free_unpacked(e, NULL);
		return NULL;
	}
	return e;
}

int tb_rpc_client_alloc(tb_rpc_client **cp, const char *url, int timeout_ms, char *err,
			size_t errlen)
{
	int rv = tb_url_check(url, true, err, errlen);
	if (rv != TB_OK)
		return rv;
	tb_rpc_client *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return TB_ENOMEM;
	snprintf(c->url, sizeof(c->url), "%s", url);
	c->timeout_ms = timeout_ms;
	if ((rv = nng_req0_open(&c->sock)) != 0) {
		snprintf(err, errlen, "nng req socket: %s", nng_strerror(rv));
		free(c);
		return tb_err_from_nng(rv);
	}
	/* A resend could repeat a command that is not idempotent (launch a client). */
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, TB_RPC_MAX_MSG);
	nng_socket_set_ms(c->sock, NNG_OPT_RECONNMINT, 10);
	nng_socket_set_ms(c->sock, NNG_OPT_RECONNMAXT, 200);
	if ((rv = nng_dial(c->sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		snprintf(err, errlen, "cannot dial %s: %s", url, nng_strerror(rv));
		nng_close(c->sock);
		free(c);
		return tb_err_from_nng(rv);
	}
	*cp = c;
	return TB_OK;
}

void tb_rpc_client_free(tb_rpc_client *c)
{
	if (c == NULL)
		return;
	nng_close(c->sock);
	free(c);
}

void tb_rpc_client_set_timeout(tb_rpc_client *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms;
}

/* note_local_addr keeps the local end of the connection m came over. */
static void note_local_addr(tb_rpc_client *c, nng_msg *m)
{
	nng_sockaddr sa;
	c->local_addr[0] = '\0';
	if (nng_pipe_get_addr(nng_msg_get_pipe(m), NNG_OPT_LOCADDR, &sa) != 0)
		return;
	if (sa.s_family == NNG_AF_INET)
		inet_ntop(AF_INET, &sa.s_in.sa_addr, c->local_addr, sizeof(c->local_addr));
	else if (sa.s_family == NNG_AF_INET6)
		inet_ntop(AF_INET6, sa.s_in6.sa_addr, c->local_addr, sizeof(c->local_addr));
}

const char *tb_rpc_client_local_addr(const tb_rpc_client *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s", c->local_addr);
	return buf;
}

int tb_rpc_call(tb_rpc_client *c, Tb__Envelope *req, Tb__Envelope **repp, char *err,
		size_t errlen)
{
	*repp = NULL;
	nng_msg *m;
	int rv = pack_msg(req, &m);
	if (rv != TB_OK) {
		snprintf(err, errlen, "%s: cannot pack %s: %s", c->url,
			 tb_rpc_body_name(req->body_case), tb_strerror(rv));
		return rv;
	}
	nng_duration t = c->timeout_ms < 0 ? NNG_DURATION_INFINITE : c->timeout_ms;
	nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO, t);
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO, t);
	uint64_t start = tb_now_ns();
	if ((rv = nng_sendmsg(c->sock, m, 0)) != 0) {
		nng_msg_free(m);
		snprintf(err, errlen, "%s: cannot send %s: %s", c->url,
			 tb_rpc_body_name(req->body_case), nng_strerror(rv));
		return tb_err_from_nng(rv);
	}
	if ((rv = nng_recvmsg(c->sock, &m, 0)) != 0) {
		if (rv == NNG_ETIMEDOUT)
			snprintf(err, errlen, "%s: no reply to %s within %.1f s", c->url,
				 tb_rpc_body_name(req->body_case),
				 (double)(tb_now_ns() - start) / 1e9);
		else
			snprintf(err, errlen, "%s: %s", c->url, nng_strerror(rv));
		return tb_err_from_nng(rv);
	}
	note_local_addr(c, m);
	Tb__ErrorCode code;
	char why[200];
	Tb__Envelope *rep = unpack_msg(m, &code, why, sizeof(why));
	nng_msg_free(m);
	if (rep == NULL) {
		snprintf(err, errlen, "%s: bad reply to %s: %s", c->url,
			 tb_rpc_body_name(req->body_case), why);
		return code == TB__ERROR_CODE__ERR_VERSION ? TB_EVERSION : TB_EPROTO;
	}
	if (rep->body_case == TB__ENVELOPE__BODY_ERROR) {
		Tb__Error *e = rep->error;
		snprintf(err, errlen, "%s refused %s: %s", c->url, tb_rpc_body_name(req->body_case),
			 e->message);
		rv = e->code == TB__ERROR_CODE__ERR_VERSION ? TB_EVERSION : TB_EPEER;
		tb_rpc_free(rep);
		return rv;
	}
	*repp = rep;
	return TB_OK;
}

int tb_rpc_server_alloc(tb_rpc_server **sp, const char *url, bool allow_remote, char *err,
			size_t errlen)
{
	int rv = tb_url_check(url, allow_remote, err, errlen);
	if (rv != TB_OK)
		return rv;
	tb_rpc_server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return TB_ENOMEM;
	if ((rv = nng_rep0_open(&s->sock)) != 0) {
		snprintf(err, errlen, "nng rep socket: %s", nng_strerror(rv));
		free(s);
		return tb_err_from_nng(rv);
	}
	nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ, TB_RPC_MAX_MSG);
	s->wake_fd = -1;
	if ((rv = nng_socket_get_int(s->sock, NNG_OPT_RECVFD, &s->recv_fd)) != 0)
		goto fail;
	if ((rv = nng_listener_create(&s->listener, s->sock, url)) != 0)
		goto fail;
	if (strncmp(url, "ipc://", 6) == 0)
		nng_listener_set_int(s->listener, NNG_OPT_IPC_PERMISSIONS, 0600);
	if ((rv = nng_listener_start(s->listener, 0)) != 0)
		goto fail;

	snprintf(s->url, sizeof(s->url), "%s", url);
	int port;
	if (strncmp(url, "tcp", 3) == 0 &&
	    nng_listener_get_int(s->listener, NNG_OPT_TCP_BOUND_PORT, &port) == 0) {
		/* Replace the port given (maybe 0) with the one bound. */
		char *colon = strrchr(s->url, ':');
		if (colon)
			snprintf(colon + 1, sizeof(s->url) - (size_t)(colon + 1 - s->url), "%d",
				 port);
	}
	*sp = s;
	return TB_OK;
fail:
	snprintf(err, errlen, "cannot listen on %s: %s", url, nng_strerror(rv));
	nng_close(s->sock);
	free(s);
	return tb_err_from_nng(rv) == TB_ESYS ? TB_EADDR : tb_err_from_nng(rv);
}

void tb_rpc_server_free(tb_rpc_server *s)
{
	if (s == NULL)
		return;
	/* nng_sendmsg only queues a reply, and closing drops what is queued: the Ok to a
	 * Shutdown would be lost, and its sender would see the connection reset. */
	uint64_t since = tb_now_ns() - s->replied_ns;
	if (s->replied_ns != 0 && since < REPLY_LINGER_NS)
		tb_sleep_ns(REPLY_LINGER_NS - since);
	nng_close(s->sock);
	free(s);
}

const char *tb_rpc_server_url(const tb_rpc_server *s)
{
	return s->url;
}

void tb_rpc_server_set_wake_fd(tb_rpc_server *s, int fd)
{
	s->wake_fd = fd;
}

/* Waiting is a poll() on nng's receive descriptor rather than a blocking receive with a
 * timeout: an nng timeout wakes nng's expiry threads, and on a VM every wake-up costs
 * tens of microseconds, which an idle sampler or satellite would pay several times a
 * second for nothing. */
int tb_rpc_server_recv(tb_rpc_server *s, int timeout_ms, Tb__Envelope **reqp)
{
	*reqp = NULL;
	uint64_t deadline = timeout_ms < 0 ? 0 : tb_now_ns() + (uint64_t)timeout_ms * TB_NS_PER_MS;
	for (;;) {
		nng_msg *m;
		int rv = nng_recvmsg(s->sock, &m, NNG_FLAG_NONBLOCK);
		if (rv == NNG_EAGAIN) {
			struct pollfd fds[2] = {{.fd = s->recv_fd, .events = POLLIN},
						{.fd = s->wake_fd, .events = POLLIN}};
			int t = timeout_ms < 0 ? -1 : tb_ms_left(deadline);
			if (timeout_ms >= 0 && t == 0)
				return TB_ETIMEDOUT;
			int n = poll(fds, 2, t);
			if (n < 0 && errno != EINTR)
				return TB_ESYS;
			if (n > 0 && (fds[1].revents & POLLIN) && !(fds[0].revents & POLLIN))
				return TB_ETIMEDOUT;
			continue;
		}
		if (rv != 0)
			return tb_err_from_nng(rv);

		Tb__ErrorCode code;
		char why[200];
		Tb__Envelope *req = unpack_msg(m, &code, why, sizeof(why));
		nng_msg_free(m);
		if (req != NULL) {
			*reqp = req;
			return TB_OK;
		}
		tb_warn("%s: rejected a request: %s", s->url, why);
		tb_rpc_server_reply_error(s, code, "%s", why);
	}
}

int tb_rpc_server_reply(tb_rpc_server *s, Tb__Envelope *rep)
{
	nng_msg *m;
	int rv = pack_msg(rep, &m);
	if (rv != TB_OK)
		return tb_rpc_server_reply_error(s, TB__ERROR_CODE__ERR_INTERNAL,
						 "reply too large (%s)", tb_strerror(rv));
	nng_socket_set_ms(s->sock, NNG_OPT_SENDTIMEO, 1000);
	if ((rv = nng_sendmsg(s->sock, m, 0)) != 0) {
		nng_msg_free(m);
		return tb_err_from_nng(rv);
	}
	s->replied_ns = tb_now_ns();
	return TB_OK;
}

int tb_rpc_server_reply_hello(tb_rpc_server *s, const char *role, const char *ring_name,
			      const uint16_t *ports, size_t nports, const char *http_host)
{
	tb_host_id id;
	tb_host_identity(&id);
	uint32_t p32[64];
	if (nports > 64)
		nports = 64;
	for (size_t i = 0; i < nports; i++)
		p32[i] = ports[i];
	Tb__HelloReply hr = TB__HELLO_REPLY__INIT;
	hr.role = (char *)role;
	hr.pid = (uint32_t)getpid();
	hr.hostname = id.hostname;
	hr.boot_id = id.boot_id;
	hr.ring_name = (char *)(ring_name ? ring_name : "");
	hr.software = TB_SOFTWARE;
	hr.n_ports = nports;
	hr.ports = p32;
	hr.http_host = (char *)(http_host ? http_host : "");
	Tb__Envelope rep = TB__ENVELOPE__INIT;
	rep.body_case = TB__ENVELOPE__BODY_HELLO_REPLY;
	rep.hello_reply = &hr;
	return tb_rpc_server_reply(s, &rep);
}

int tb_rpc_server_reply_ok(tb_rpc_server *s)
{
	Tb__Envelope rep = TB__ENVELOPE__INIT;
	Tb__Ok ok = TB__OK__INIT;
	rep.body_case = TB__ENVELOPE__BODY_OK;
	rep.ok = &ok;
	return tb_rpc_server_reply(s, &rep);
}

int tb_rpc_server_reply_error(tb_rpc_server *s, Tb__ErrorCode code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	Tb__Envelope rep = TB__ENVELOPE__INIT;
	Tb__Error e = TB__ERROR__INIT;
	e.code = code;
	e.message = msg;
	rep.body_case = TB__ENVELOPE__BODY_ERROR;
	rep.error = &e;
	return tb_rpc_server_reply(s, &rep);
}

int tb_rpc_call_expect(tb_rpc_client *c, Tb__Envelope *req, Tb__Envelope__BodyCase want,
		       Tb__Envelope **repp, char *err, size_t errlen)
{
	Tb__Envelope *rep;
	*repp = NULL;
	int rc = tb_rpc_call(c, req, &rep, err, errlen);
	if (rc != TB_OK)
		return rc;
	if (rep->body_case != want) {
		snprintf(err, errlen, "%s answered %s with %s", c->url,
			 tb_rpc_body_name(req->body_case), tb_rpc_body_name(rep->body_case));
		tb_rpc_free(rep);
		return TB_EPROTO;
	}
	*repp = rep;
	return TB_OK;
}

int tb_rpc_hello(tb_rpc_client *c, const char *role, Tb__Envelope **repp, char *err,
		 size_t errlen)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__Hello h = TB__HELLO__INIT;
	h.role = (char *)role;
	req.body_case = TB__ENVELOPE__BODY_HELLO;
	req.hello = &h;
	return tb_rpc_call_expect(c, &req, TB__ENVELOPE__BODY_HELLO_REPLY, repp, err, errlen);
}

void tb_rpc_shutdown(tb_rpc_client *c)
{
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep = NULL;
	Tb__Shutdown sd = TB__SHUTDOWN__INIT;
	char err[200];
	req.body_case = TB__ENVELOPE__BODY_SHUTDOWN;
	req.shutdown = &sd;
	if (tb_rpc_call(c, &req, &rep, err, sizeof(err)) == TB_OK)
		tb_rpc_free(rep);
}
