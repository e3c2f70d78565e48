/* SPDX-License-Identifier: MIT */
/* rpc.h - request/reply over nng for tracebench's own processes, carrying bench.proto
 * Envelopes.
 *
 * Every message is stamped with TB_PROTO_VERSION and checked on arrival: a peer with
 * another version gets Error{ERR_VERSION} naming both versions, and a call to it returns
 * TB_EVERSION with that text. Undecodable messages get Error{ERR_MALFORMED}. Timeouts are
 * per call. Listeners bind to loopback (or ipc://) unless their policy says otherwise,
 * so a control port is never exposed to a network by accident, and never without TLS
 * unless asked for by name (--insecure).
 *
 * Teardown: tb_rpc_client_free / tb_rpc_server_free close the socket, which cancels any
 * call in progress in another thread (it returns TB_ECLOSED). */
#ifndef TB_RPC_H
#define TB_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/tls.h"
#include "proto/bench.pb-c.h"

/* Bump when a change to bench.proto would be misread by an older peer. */
#define TB_PROTO_VERSION 6

/* Largest message either side accepts (sample batches are the big ones). */
#define TB_RPC_MAX_MSG (16u << 20)

typedef struct tb_rpc_client tb_rpc_client;
typedef struct tb_rpc_server tb_rpc_server;

/* How a listener may be exposed. A non-loopback address needs allow_remote; on plain
 * tcp:// it also needs insecure (and is warned about), since anyone who reaches the
 * port could steer the program. tls+tcp:// needs tls. */
typedef struct tb_listen_policy {
	bool allow_remote;	/* --allow-remote */
	bool insecure;		/* --insecure */
	const tb_tls *tls;	/* credentials for tls+tcp://; NULL: none */
} tb_listen_policy;

/* tb_url_check tells whether url is a transport we use (ipc://, inproc://, tcp://,
 * tls+tcp://) and, for a listener (p not NULL), whether p lets it listen there:
 * loopback (127.0.0.0/8, ::1, localhost) and ipc are always fine. Returns TB_OK or
 * TB_EADDR with the reason, naming the flag to add, in err. */
int tb_url_check(const char *url, const tb_listen_policy *p, char *err, size_t errlen);

/* tb_url_is_tls tells whether url is tls+tcp:// (tls+tcp4, tls+tcp6). */
bool tb_url_is_tls(const char *url);

/* tb_rpc_client_alloc opens a REQ socket dialing url in the background: the peer need not
 * be up yet, calls wait for it within their timeout. timeout_ms bounds each call (send
 * and reply together). A tls+tcp:// url needs tls (kept, not copied: it must outlive
 * the client); a call that times out over TLS says why the link did not come up.
 * Returns TB_OK, TB_EADDR (bad URL, TLS without credentials) or TB_ENOMEM, with err
 * filled. */
int tb_rpc_client_alloc(tb_rpc_client **cp, const char *url, int timeout_ms,
			const tb_tls *tls, char *err, size_t errlen);

/* tb_rpc_client_free closes the socket and frees c. NULL is fine. */
void tb_rpc_client_free(tb_rpc_client *c);

/* tb_rpc_client_local_addr writes the address this side of the connection had when the
 * last reply came (an IPv4 or IPv6 address, for tcp://; "" otherwise): the address the
 * peer's host reaches this one by. Returns buf. */
const char *tb_rpc_client_local_addr(const tb_rpc_client *c, char *buf, size_t len);

/* tb_rpc_client_set_timeout changes the per-call timeout. */
void tb_rpc_client_set_timeout(tb_rpc_client *c, int timeout_ms);

/* tb_rpc_call sends req (its version is set here) and waits for the reply. On TB_OK,
 * *repp is the reply, to free with tb_rpc_free. Otherwise *repp is NULL and err says what
 * happened, naming the peer's URL: TB_ETIMEDOUT (no reply in time), TB_EPROTO (reply
 * undecodable), TB_EVERSION (peer speaks another version), TB_EPEER (peer answered
 * Error: its message is in err), TB_ECLOSED. */
int tb_rpc_call(tb_rpc_client *c, Tb__Envelope *req, Tb__Envelope **repp, char *err,
		size_t errlen);

/* tb_rpc_call_expect is tb_rpc_call for a reply of kind want: any other kind is
 * TB_EPROTO, named in err (and freed). */
int tb_rpc_call_expect(tb_rpc_client *c, Tb__Envelope *req, Tb__Envelope__BodyCase want,
		       Tb__Envelope **repp, char *err, size_t errlen);

/* tb_rpc_hello says Hello as role and returns the HelloReply envelope in *repp (free
 * with tb_rpc_free). A reply that is not a HelloReply is TB_EPROTO, named in err. */
int tb_rpc_hello(tb_rpc_client *c, const char *role, Tb__Envelope **repp, char *err,
		 size_t errlen);

/* tb_rpc_shutdown asks the peer to shut down and waits for its answer, if any. */
void tb_rpc_shutdown(tb_rpc_client *c);

/* tb_rpc_decode is how every message from a peer is read: an Envelope of at most
 * TB_RPC_MAX_MSG bytes, of this TB_PROTO_VERSION. NULL when it is not, with *code the
 * Error to answer (ERR_MALFORMED, ERR_VERSION) and err the reason. Free with
 * tb_rpc_free. */
Tb__Envelope *tb_rpc_decode(const void *data, size_t len, Tb__ErrorCode *code, char *err,
			    size_t errlen);

/* tb_rpc_free frees an Envelope returned by tb_rpc_call or tb_rpc_server_recv. */
void tb_rpc_free(Tb__Envelope *e);

/* tb_rpc_server_alloc opens a REP socket listening on url, as p allows (NULL: loopback
 * and ipc only; see tb_url_check). ipc:// sockets are made 0600. tcp port 0 picks a
 * free port: read it back with tb_rpc_server_url. Over tls+tcp:// a peer must show a
 * certificate from p->tls's CA (and its allowed name); a connection that stalls before
 * its handshake is shut down after 10 s by tb_rpc_server_recv, and never holds up
 * other peers.
 * Returns TB_OK, TB_EADDR (bad, refused or in-use address), TB_ENOMEM, with a reason
 * in err. */
int tb_rpc_server_alloc(tb_rpc_server **sp, const char *url, const tb_listen_policy *p,
			char *err, size_t errlen);

/* tb_rpc_server_free closes the socket and frees s. NULL is fine. */
void tb_rpc_server_free(tb_rpc_server *s);

/* tb_rpc_server_url returns the URL peers can dial (with the bound port for tcp). */
const char *tb_rpc_server_url(const tb_rpc_server *s);

/* tb_rpc_server_recv waits up to timeout_ms (-1: forever) for a valid request. Messages
 * that do not decode, or carry another version, are answered with Error here and not
 * returned. On TB_OK, *reqp is the request; exactly one tb_rpc_server_reply* call must
 * follow before the next recv. Returns TB_ETIMEDOUT (also when the wake descriptor
 * became readable) or TB_ECLOSED otherwise. Waiting costs no wake-ups, except one a
 * second over tls+tcp:// to drop connections stuck before their handshake (stalled.h). */
int tb_rpc_server_recv(tb_rpc_server *s, int timeout_ms, Tb__Envelope **reqp);

/* tb_rpc_server_set_wake_fd makes tb_rpc_server_recv return early once fd is readable
 * (e.g. tb_sig_fd(), so a server waiting forever still stops on SIGTERM). -1: none. */
void tb_rpc_server_set_wake_fd(tb_rpc_server *s, int fd);

/* tb_rpc_server_reply sends rep (its version is set here). */
int tb_rpc_server_reply(tb_rpc_server *s, Tb__Envelope *rep);

/* tb_rpc_server_reply_ok answers with Ok. */
int tb_rpc_server_reply_ok(tb_rpc_server *s);

/* tb_rpc_server_reply_hello answers a Hello for this process: role, pid, host name,
 * host id and software from here; ring_name ("" if none), the HTTP ports and the address
 * they listen on (NULL if none) from the caller. */
int tb_rpc_server_reply_hello(tb_rpc_server *s, const char *role, const char *ring_name,
			      const uint16_t *ports, size_t nports, const char *http_host);

/* tb_rpc_server_reply_error answers with Error{code, formatted message}. */
int tb_rpc_server_reply_error(tb_rpc_server *s, Tb__ErrorCode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* tb_rpc_body_name names an Envelope body case ("sat_reset"), for messages and logs. */
const char *tb_rpc_body_name(Tb__Envelope__BodyCase c);

#endif
