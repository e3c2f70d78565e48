/* SPDX-License-Identifier: MIT */
/* peer_test.c - strangers on the agents' control sockets: garbage, another protocol
 * version and a message over the size limit get an Error reply or a closed pipe, and
 * the agent (a real satellite and a real sampler process) keeps serving its
 * orchestrator throughout. */
#include "common/child.h"
#include "common/error.h"
#include "common/rpc.h"
#include "testutil.h"

#include <criterion/criterion.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* nng frees a closed socket's dialer and pipes on its reaper thread after nng_close has
 * returned, and this process may exit first: the leak checker would then report nng's
 * own allocations. nng_fini would wait for them, but Criterion itself runs on nng. */
__attribute__((visibility("default"), used)) const char *__lsan_default_suppressions(void);
__attribute__((visibility("default"), used)) const char *__lsan_default_suppressions(void)
{
	return "leak:libnng.so\n";
}

static char err[512];

/* start_agent runs bin with --control url, -q and, when not NULL, one more option, and
 * waits for its Hello. */
static void start_agent(tb_child *c, const char *bin, const char *url, const char *opt,
			const char *val, tb_rpc_client **rpc)
{
	char *argv[] = {(char *)bin, "--control", (char *)url, "-q", (char *)opt, (char *)val,
			NULL};
	cr_assert_eq(tb_child_spawn(c, argv, NULL, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_rpc_client_alloc(rpc, url, 10000, NULL, err, sizeof(err)), TB_OK);
	Tb__Envelope *rep;
	cr_assert_eq(tb_rpc_hello(*rpc, "orchestrator", &rep, err, sizeof(err)), TB_OK, "%s",
		     err);
	tb_rpc_free(rep);
}

/* still_serving checks that the orchestrator's own connection is answered. */
static void still_serving(tb_rpc_client *rpc, const char *after)
{
	Tb__Envelope *rep;
	cr_assert_eq(tb_rpc_hello(rpc, "orchestrator", &rep, err, sizeof(err)), TB_OK,
		     "after %s: %s", after, err);
	tb_rpc_free(rep);
}

/* stranger_call sends raw bytes on a fresh REQ socket of its own and returns the reply
 * decoded (NULL: no reply within 3 s, as when the agent closed the pipe). */
static Tb__Envelope *stranger_call(const char *url, const void *msg, size_t len)
{
	nng_socket s;
	cr_assert_eq(nng_req0_open(&s), 0);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 3000);
	nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 3000);
	nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	cr_assert_eq(nng_dial(s, url, NULL, 0), 0);
	void *rep = NULL;
	size_t n = 0;
	Tb__Envelope *e = NULL;
	if (nng_send(s, (void *)msg, len, 0) == 0 &&
	    nng_recv(s, &rep, &n, NNG_FLAG_ALLOC) == 0) {
		Tb__ErrorCode code;
		e = tb_rpc_decode(rep, n, &code, err, sizeof(err));
		cr_assert_not_null(e, "the agent's reply does not decode: %s", err);
		nng_free(rep, n);
	}
	nng_close(s);
	return e;
}

static void expect_error(Tb__Envelope *e, Tb__ErrorCode code, const char *what)
{
	cr_assert_not_null(e, "%s: no reply", what);
	cr_assert_eq(e->body_case, TB__ENVELOPE__BODY_ERROR, "%s: %s", what,
		     tb_rpc_body_name(e->body_case));
	cr_assert_eq(e->error->code, code, "%s: code %d (%s)", what, e->error->code,
		     e->error->message);
	tb_rpc_free(e);
}

static void strangers_are_refused(const char *bin, const char *tag, const char *opt,
				  const char *val)
{
	char url[128];
	snprintf(url, sizeof(url), "ipc:///tmp/tb-peer-test-%s-%d.ipc", tag, (int)getpid());
	tb_child agent;
	tb_rpc_client *rpc;
	start_agent(&agent, bin, url, opt, val, &rpc);

	static const uint8_t garbage[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x42};
	expect_error(stranger_call(url, garbage, sizeof(garbage)), TB__ERROR_CODE__ERR_MALFORMED,
		     "garbage");
	still_serving(rpc, "garbage");

	Tb__Envelope e = TB__ENVELOPE__INIT;
	Tb__Hello h = TB__HELLO__INIT;
	h.role = "orchestrator";
	e.body_case = TB__ENVELOPE__BODY_HELLO;
	e.hello = &h;
	e.version = TB_PROTO_VERSION + 7;
	uint8_t buf[128];
	size_t n = tb__envelope__pack(&e, buf);
	expect_error(stranger_call(url, buf, n), TB__ERROR_CODE__ERR_VERSION, "a future version");
	still_serving(rpc, "another version");

	/* Over the limit: nng drops the pipe without handing the message up. */
	size_t huge = TB_RPC_MAX_MSG + 4096;
	uint8_t *big = calloc(1, huge);
	cr_assert_null(stranger_call(url, big, huge), "a reply to %zu bytes", huge);
	free(big);
	still_serving(rpc, "a huge message");

	tb_rpc_shutdown(rpc);
	tb_rpc_client_free(rpc);
	cr_assert_eq(tb_child_wait(&agent, 5000), TB_OK, "%s did not shut down", bin);
	cr_assert(WIFEXITED(agent.status) && WEXITSTATUS(agent.status) == 0, "%s: status %d",
		  bin, agent.status);
	tb_child_fini(&agent);
}

Test(peer, a_satellite_refuses_strangers_and_serves_on, .timeout = 60)
{
	strangers_are_refused(SATELLITE_BIN, "sat", "--ports", "0");
}

Test(peer, a_sampler_refuses_strangers_and_serves_on, .timeout = 60)
{
	strangers_are_refused(SAMPLER_BIN, "smp", NULL, NULL);
}
