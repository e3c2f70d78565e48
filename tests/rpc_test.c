/* SPDX-License-Identifier: MIT */
/* rpc_test.c - request/reply between tracebench processes: round trips, version
 * checks, malformed messages, timeouts and the loopback-only rule. */
#include "common/error.h"
#include "common/rpc.h"
#include "testutil.h"

#include <criterion/criterion.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char err[512];
static char url[128];

static void make_url(const char *tag)
{
	snprintf(url, sizeof(url), "ipc:///tmp/tracebench-rpc-%s-%d.ipc", tag, (int)getpid());
}

static Tb__Envelope hello(void)
{
	static Tb__Hello h = TB__HELLO__INIT;
	Tb__Envelope e = TB__ENVELOPE__INIT;
	h.role = "orchestrator";
	e.body_case = TB__ENVELOPE__BODY_HELLO;
	e.hello = &h;
	return e;
}

static void shutdown_peer(tb_rpc_client *c)
{
	Tb__Envelope e = TB__ENVELOPE__INIT;
	Tb__Shutdown sd = TB__SHUTDOWN__INIT;
	e.body_case = TB__ENVELOPE__BODY_SHUTDOWN;
	e.shutdown = &sd;
	Tb__Envelope *rep;
	cr_assert_eq(tb_rpc_call(c, &e, &rep, err, sizeof(err)), TB_OK, "%s", err);
	tb_rpc_free(rep);
}

/* A serving peer on its own thread, at a fresh ipc URL named after tag. */
struct peer {
	tb_rpc_server *s;
	pthread_t t;
};

static void start_peer(struct peer *p, const char *tag)
{
	make_url(tag);
	cr_assert_eq(tb_rpc_server_alloc(&p->s, url, NULL, err, sizeof(err)), TB_OK, "%s", err);
	pthread_create(&p->t, NULL, tu_rpc_serve, p->s);
}

/* Stops the peer through c (Shutdown), then frees both. */
static void stop_peer(struct peer *p, tb_rpc_client *c)
{
	shutdown_peer(c);
	pthread_join(p->t, NULL);
	tb_rpc_client_free(c);
	tb_rpc_server_free(p->s);
}

Test(rpc, hello_round_trip_before_the_peer_is_even_listening)
{
	make_url("hello");
	tb_rpc_client *c;
	/* Dial first: the call must wait for the listener, not fail. */
	cr_assert_eq(tb_rpc_client_alloc(&c, url, 5000, NULL, err, sizeof(err)), TB_OK, "%s", err);
	tb_rpc_server *s;
	cr_assert_eq(tb_rpc_server_alloc(&s, url, NULL, err, sizeof(err)), TB_OK, "%s", err);
	pthread_t t;
	pthread_create(&t, NULL, tu_rpc_serve, s);

	Tb__Envelope e = hello();
	Tb__Envelope *rep;
	cr_assert_eq(tb_rpc_call(c, &e, &rep, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(rep->body_case, TB__ENVELOPE__BODY_HELLO_REPLY);
	cr_assert_str_eq(rep->hello_reply->role, "satellite");
	cr_assert_eq(rep->version, TB_PROTO_VERSION);
	tb_rpc_free(rep);

	shutdown_peer(c);
	pthread_join(t, NULL);
	tb_rpc_client_free(c);
	tb_rpc_server_free(s);
}

Test(rpc, peer_error_comes_back_as_epeer_with_its_message)
{
	struct peer peer;
	start_peer(&peer, "peererr");
	tb_rpc_client *c;
	cr_assert_eq(tb_rpc_client_alloc(&c, url, 5000, NULL, err, sizeof(err)), TB_OK);

	Tb__Envelope e = TB__ENVELOPE__INIT;
	Tb__SatReset r = TB__SAT_RESET__INIT;
	e.body_case = TB__ENVELOPE__BODY_SAT_RESET;
	e.sat_reset = &r;
	Tb__Envelope *rep;
	cr_assert_eq(tb_rpc_call(c, &e, &rep, err, sizeof(err)), TB_EPEER);
	cr_assert_null(rep);
	cr_assert(strstr(err, "sat_reset is not handled here") != NULL, "%s", err);

	stop_peer(&peer, c);
}

/* Sends raw bytes with a plain nng REQ socket and returns the decoded reply. */
static Tb__Envelope *raw_call(const void *bytes, size_t len)
{
	nng_socket sock;
	cr_assert_eq(nng_req0_open(&sock), 0);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 5000);
	cr_assert_eq(nng_dial(sock, url, NULL, 0), 0);
	cr_assert_eq(nng_send(sock, (void *)bytes, len, 0), 0);
	void *buf;
	size_t n;
	cr_assert_eq(nng_recv(sock, &buf, &n, NNG_FLAG_ALLOC), 0);
	Tb__Envelope *rep = tb__envelope__unpack(NULL, n, buf);
	nng_free(buf, n);
	nng_close(sock);
	cr_assert_not_null(rep);
	return rep;
}

Test(rpc, malformed_and_other_version_messages_get_error_replies)
{
	struct peer peer;
	start_peer(&peer, "bad");

	static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x01};
	Tb__Envelope *rep = raw_call(garbage, sizeof(garbage));
	cr_assert_eq(rep->body_case, TB__ENVELOPE__BODY_ERROR);
	cr_assert_eq(rep->error->code, TB__ERROR_CODE__ERR_MALFORMED);
	tb_rpc_free(rep);

	/* A well-formed Envelope from a future version. */
	Tb__Envelope e = hello();
	e.version = TB_PROTO_VERSION + 1;
	uint8_t buf[256];
	size_t n = tb__envelope__pack(&e, buf);
	rep = raw_call(buf, n);
	cr_assert_eq(rep->body_case, TB__ENVELOPE__BODY_ERROR);
	cr_assert_eq(rep->error->code, TB__ERROR_CODE__ERR_VERSION);
	char want[64];
	snprintf(want, sizeof(want), "version %d, expected %d", TB_PROTO_VERSION + 1,
		 TB_PROTO_VERSION);
	cr_assert(strstr(rep->error->message, want) != NULL, "%s", rep->error->message);
	tb_rpc_free(rep);

	/* The server is still serving. */
	tb_rpc_client *c;
	cr_assert_eq(tb_rpc_client_alloc(&c, url, 5000, NULL, err, sizeof(err)), TB_OK);
	stop_peer(&peer, c);
}

Test(rpc, a_silent_peer_times_out_with_a_clear_message)
{
	make_url("silent");
	tb_rpc_server *s; /* listens, never answers */
	cr_assert_eq(tb_rpc_server_alloc(&s, url, NULL, err, sizeof(err)), TB_OK, "%s", err);
	tb_rpc_client *c;
	cr_assert_eq(tb_rpc_client_alloc(&c, url, 200, NULL, err, sizeof(err)), TB_OK);
	Tb__Envelope e = hello();
	Tb__Envelope *rep;
	cr_assert_eq(tb_rpc_call(c, &e, &rep, err, sizeof(err)), TB_ETIMEDOUT);
	cr_assert(strstr(err, "no reply to hello") != NULL, "%s", err);
	cr_assert(strstr(err, url) != NULL, "%s", err);
	tb_rpc_client_free(c);
	tb_rpc_server_free(s);
}

Test(rpc, listeners_stay_on_loopback_unless_told_otherwise)
{
	tb_rpc_server *s;
	cr_assert_eq(tb_rpc_server_alloc(&s, "tcp://0.0.0.0:0", NULL, err, sizeof(err)), TB_EADDR);
	cr_assert(strstr(err, "--allow-remote") != NULL, "%s", err);
	cr_assert_eq(tb_rpc_server_alloc(&s, "http://127.0.0.1:1", NULL, err, sizeof(err)),
		     TB_EADDR);
	cr_assert_eq(tb_rpc_server_alloc(&s, "not a url", NULL, err, sizeof(err)), TB_EADDR);

	cr_assert_eq(tb_rpc_server_alloc(&s, "tcp://127.0.0.1:0", NULL, err, sizeof(err)), TB_OK,
		     "%s", err);
	const char *bound = tb_rpc_server_url(s);
	cr_assert(strncmp(bound, "tcp://127.0.0.1:", 16) == 0, "%s", bound);
	cr_assert_neq(strcmp(bound, "tcp://127.0.0.1:0"), 0, "port 0 was not resolved");

	/* The same port twice is refused, naming the address. */
	tb_rpc_server *s2;
	cr_assert_eq(tb_rpc_server_alloc(&s2, bound, NULL, err, sizeof(err)), TB_EADDR);
	cr_assert(strstr(err, bound) != NULL, "%s", err);
	tb_rpc_server_free(s);

	const tb_listen_policy local = {0}, remote = {.allow_remote = true},
			       insecure = {.allow_remote = true, .insecure = true};
	cr_assert_eq(tb_url_check("tcp://[::1]:5000", &local, err, sizeof(err)), TB_OK);
	cr_assert_eq(tb_url_check("ipc:///tmp/x", &local, err, sizeof(err)), TB_OK);
	cr_assert_eq(tb_url_check("tcp://127.0.0.1:5000", &remote, err, sizeof(err)), TB_OK);
	/* Dialing may go anywhere; listening on plain TCP beyond loopback needs both flags. */
	cr_assert_eq(tb_url_check("tcp://10.1.2.3:5000", NULL, err, sizeof(err)), TB_OK);
	cr_assert_eq(tb_url_check("tcp://10.1.2.3:5000", &remote, err, sizeof(err)), TB_EADDR);
	cr_assert(strstr(err, "--insecure") != NULL && strstr(err, "tls+tcp://") != NULL, "%s",
		  err);
	cr_assert_eq(tb_url_check("tcp://10.1.2.3:5000", &insecure, err, sizeof(err)), TB_OK);
	/* tls+tcp:// without credentials names what is missing. */
	cr_assert_eq(tb_url_check("tls+tcp://10.1.2.3:5000", &remote, err, sizeof(err)), TB_EADDR);
	cr_assert(strstr(err, "--tls-cert") != NULL, "%s", err);
}
