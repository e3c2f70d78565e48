/* SPDX-License-Identifier: MIT */
/* rpc.c - bench.proto Envelopes over nng REQ/REP, with versions checked at the edge. */
#include "common/rpc.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/host.h"
#include "common/log.h"
#include "common/stalled.h"

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
	const tb_tls *tls;	/* tls+tcp://: the credentials, to explain a failed dial */
	char host[128], port[16];
	int timeout_ms;
	char local_addr[64];	/* this side's address on the last reply's connection */
};

#define REPLY_LINGER_NS (50 * TB_NS_PER_MS)

/* A connection without a pipe this long is stuck before its TLS handshake: nng's own
 * negotiation limit, which cannot fire while the handshake waits for the peer. */
#define STALLED_NS (10 * TB_NS_PER_S)
#define SWEEP_NS (1 * TB_NS_PER_S)

struct tb_rpc_server {
	nng_socket sock;
	nng_listener listener;
	int recv_fd;	/* nng's "a message is waiting" descriptor */
	uint64_t replied_ns;	/* when the last reply was queued */
	tb_stalled *stalled;	/* tls+tcp://: connections stuck before their handshake */
	uint16_t port;		/* tcp: the bound port */
	uint64_t next_sweep_ns;
	int wake_fd;	/* -1, or a descriptor that ends a wait early */
	char url[256];
};

/* scheme_kind sorts a URL scheme: 0 local (ipc, inproc), 1 tcp, 2 tls+tcp, -1 other. */
static int scheme_kind(const char *scheme)
{
	if (strcmp(scheme, "ipc") == 0 || strcmp(scheme, "inproc") == 0)
		return 0;
	if (strncmp(scheme, "tls+tcp", 7) == 0)
		return 2;
	if (strncmp(scheme, "tcp", 3) == 0)
		return 1;
	return -1;
}

static bool is_loopback(const char *h)
{
	return strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0 || strcmp(h, "[::1]") == 0 ||
	       strcmp(h, "localhost") == 0;
}

/* check_listen applies the listening rules to a parsed URL of kind k. */
static int check_listen(const char *url, int k, const char *host, const tb_listen_policy *p,
			char *err, size_t errlen)
{
	if (k == 2 && p->tls == NULL) {
		snprintf(err, errlen, "'%s' is TLS: it needs --tls-cert, --tls-key and --tls-ca",
			 url);
		return TB_EADDR;
	}
	if (k == 1 && p->tls != NULL) {
		snprintf(err, errlen, "'%s' is plain TCP, but TLS files were given: use tls+tcp://",
			 url);
		return TB_EADDR;
	}
	if (k == 0 || is_loopback(host))
		return TB_OK;
	if (!p->allow_remote) {
		snprintf(err, errlen, "'%s' is not a loopback address; pass --allow-remote to "
			 "expose it", url);
		return TB_EADDR;
	}
	if (k == 1 && !p->insecure) {
		snprintf(err, errlen, "--allow-remote on plain TCP ('%s') lets anyone who reaches "
			 "the port steer this program; use tls+tcp:// with --tls-cert, --tls-key "
			 "and --tls-ca, or add --insecure to accept that", url);
		return TB_EADDR;
	}
	return TB_OK;
}

int tb_url_check(const char *url, const tb_listen_policy *p, char *err, size_t errlen)
{
	nng_url *u;
	if (url == NULL || nng_url_parse(&u, url) != 0) {
		snprintf(err, errlen, "'%s' is not a URL (expected ipc:///path, tcp://host:port "
			 "or tls+tcp://host:port)", url ? url : "(null)");
		return TB_EADDR;
	}
	int rv = TB_OK, k = scheme_kind(u->u_scheme);
	if (k < 0) {
		snprintf(err, errlen, "'%s': unsupported transport '%s' (use ipc://, tcp:// or "
			 "tls+tcp://)", url, u->u_scheme);
		rv = TB_EADDR;
	} else if (p != NULL) {
		rv = check_listen(url, k, u->u_hostname ? u->u_hostname : "", p, err, errlen);
	}
	nng_url_free(u);
	return rv;
}

bool tb_url_is_tls(const char *url)
{
	return url != NULL && strncmp(url, "tls+tcp", 7) == 0;
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

Tb__Envelope *tb_rpc_decode(const void *data, size_t len, Tb__ErrorCode *code, char *err,
			    size_t errlen)
{
	Tb__Envelope *e = len > TB_RPC_MAX_MSG ? NULL : tb__envelope__unpack(NULL, len, data);
	if (e == NULL) {
		*code = TB__ERROR_CODE__ERR_MALFORMED;
		snprintf(err, errlen, "message of %zu bytes is not a bench.proto Envelope", len);
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

static Tb__Envelope *unpack_msg(nng_msg *m, Tb__ErrorCode *code, char *err, size_t errlen)
{
	return tb_rpc_decode(nng_msg_body(m), nng_msg_len(m), code, err, errlen);
}

/* dial_start dials c->url in the background, with TLS for a tls+tcp:// URL. */
static int dial_start(tb_rpc_client *c, const tb_tls *tls, char *err, size_t errlen)
{
	nng_dialer d;
	nng_url *u = NULL;
	int rv = nng_dialer_create(&d, c->sock, c->url);
	if (rv == 0 && tb_url_is_tls(c->url)) {
		if (tls == NULL) {
			snprintf(err, errlen, "%s is TLS: it needs --tls-cert, --tls-key and --tls-ca",
				 c->url);
			return TB_EADDR;
		}
		if ((rv = nng_url_parse(&u, c->url)) != 0)
			goto out;
		snprintf(c->host, sizeof(c->host), "%s", u->u_hostname);
		snprintf(c->port, sizeof(c->port), "%s", u->u_port);
		c->tls = tls;
		int rc = tb_tls_dialer_setup(tls, d, u->u_hostname, err, errlen);
		nng_url_free(u);
		if (rc != TB_OK)
			return rc;
	}
	if (rv == 0)
		rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK);
out:
	if (rv != 0) {
		snprintf(err, errlen, "cannot dial %s: %s", c->url, nng_strerror(rv));
		return tb_err_from_nng(rv);
	}
	return TB_OK;
}

int tb_rpc_client_alloc(tb_rpc_client **cp, const char *url, int timeout_ms,
			const tb_tls *tls, char *err, size_t errlen)
{
	int rv = tb_url_check(url, NULL, err, errlen);
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
	if ((rv = dial_start(c, tls, err, errlen)) != TB_OK) {
		nng_close(c->sock);
		free(c);
		return rv;
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

/* explain_timeout says a call got no reply; over TLS, a handshake of our own tells
 * whether the link never came up, and why (nng's background dial keeps that to
 * itself). */
static void explain_timeout(const tb_rpc_client *c, const Tb__Envelope *req, bool sent,
			    uint64_t start, char *err, size_t errlen)
{
	int n = snprintf(err, errlen, sent ? "%s: no reply to %s within %.1f s"
					   : "%s: no connection to send %s over within %.1f s",
			 c->url, tb_rpc_body_name(req->body_case),
			 (double)(tb_now_ns() - start) / 1e9);
	char why[400];
	if (c->tls == NULL || n < 0 || (size_t)n >= errlen ||
	    tb_tls_probe(c->tls, c->host, c->port, 3000, why, sizeof(why)) == TB_OK)
		return;
	snprintf(err + n, errlen - (size_t)n, ": %s", why);
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
		if (rv == NNG_ETIMEDOUT)
			explain_timeout(c, req, false, start, err, errlen);
		else
			snprintf(err, errlen, "%s: cannot send %s: %s", c->url,
				 tb_rpc_body_name(req->body_case), nng_strerror(rv));
		return tb_err_from_nng(rv);
	}
	if ((rv = nng_recvmsg(c->sock, &m, 0)) != 0) {
		if (rv == NNG_ETIMEDOUT)
			explain_timeout(c, req, true, start, err, errlen);
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

int tb_rpc_server_alloc(tb_rpc_server **sp, const char *url, const tb_listen_policy *p,
			char *err, size_t errlen)
{
	static const tb_listen_policy local = {0};
	if (p == NULL)
		p = &local;
	int rv = tb_url_check(url, p, err, errlen);
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
	if (tb_url_is_tls(url)) {
		int rc = tb_tls_listener_setup(p->tls, s->listener, err, errlen);
		if (rc == TB_OK)
			rc = tb_stalled_alloc(&s->stalled, s->sock);
		if (rc != TB_OK) {
			nng_close(s->sock);
			free(s);
			return rc;
		}
	}
	if ((rv = nng_listener_start(s->listener, 0)) != 0)
		goto fail;

	snprintf(s->url, sizeof(s->url), "%s", url);
	int port;
	if ((strncmp(url, "tcp", 3) == 0 || tb_url_is_tls(url)) &&
	    nng_listener_get_int(s->listener, NNG_OPT_TCP_BOUND_PORT, &port) == 0) {
		s->port = (uint16_t)port;
		/* Replace the port given (maybe 0) with the one bound. */
		char *colon = strrchr(s->url, ':');
		if (colon)
			snprintf(colon + 1, sizeof(s->url) - (size_t)(colon + 1 - s->url), "%d",
				 port);
	}
	if (strncmp(url, "tcp", 3) == 0 && p->insecure)
		tb_warn("listening on plain TCP at %s (--insecure): anyone who can reach this "
			"port can launch clients, post results or shut this program down", s->url);
	*sp = s;
	return TB_OK;
fail:
	snprintf(err, errlen, "cannot listen on %s: %s", url, nng_strerror(rv));
	nng_close(s->sock);
	tb_stalled_free(s->stalled);
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
	tb_stalled_free(s->stalled);
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
/* sweep_stalled, over TLS, shuts down connections stuck before their handshake, once
 * a second; returns how long a wait may be before the next sweep (-1: no limit). */
static int sweep_stalled(tb_rpc_server *s)
{
	if (s->stalled == NULL)
		return -1;
	uint64_t now = tb_now_ns();
	if (now >= s->next_sweep_ns) {
		tb_stalled_sweep(s->stalled, s->port, now, STALLED_NS);
		s->next_sweep_ns = now + SWEEP_NS;
	}
	return tb_ms_left(s->next_sweep_ns);
}

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
			int sweep = sweep_stalled(s);
			if (sweep >= 0 && (t < 0 || sweep < t))
				t = sweep;
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
