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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* nng frees a closed socket's dialer and pipes on its reaper thread after nng_close has
 * returned, and this process may exit first: the leak checker would then report nng's
 * own allocations. */
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

/* read_full reads exactly n bytes: 0, ECONNRESET when the peer closed (EOF or reset)
 * or ETIMEDOUT. */
static int read_full(int fd, void *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, (uint8_t *)buf + got, n - got);
		if (r > 0)
			got += (size_t)r;
		else if (r == 0 || errno == ECONNRESET)
			return ECONNRESET;
		else if (errno != EINTR)
			return ETIMEDOUT;
	}
	return 0;
}

/* The strangers speak SP over IPC by hand rather than through an nng REQ socket: nng
 * 1.5.2 can wait forever in nng_close on a REQ socket whose pipe the peer dropped, and a
 * stranger need not be an nng peer anyway. The wire: an 8-byte greeting each way
 * ("\0SP\0", the protocol number, two zero bytes), then frames of one type byte (1), a
 * 64-bit big-endian length and the body; a REQ body starts with its 32-bit request id,
 * high bit set, which the REP side echoes. */
enum { SP_REQ0 = 0x30, SP_REP0 = 0x31, STRANGER_MS = 3000 };

static int stranger_connect(const char *url)
{
	const char *path = url + strlen("ipc://");
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	cr_assert_lt(strlen(path), sizeof(a.sun_path));
	memcpy(a.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	struct timeval tv = {.tv_sec = STRANGER_MS / 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0, "connect %s: %s", path,
		     strerror(errno));
	const uint8_t hello[8] = {0, 'S', 'P', 0, 0, SP_REQ0, 0, 0};
	cr_assert_eq(write(fd, hello, sizeof(hello)), (ssize_t)sizeof(hello));
	uint8_t peer[8];
	cr_assert_eq(read_full(fd, peer, sizeof(peer)), 0, "no SP greeting from %s", path);
	cr_assert(memcmp(peer, "\0SP\0", 4) == 0 && peer[5] == SP_REP0,
		  "%s greets as protocol %d", path, peer[4] << 8 | peer[5]);
	return fd;
}

/* stranger_call sends len bytes as one request, of which only the first sent are
 * written (a frame may claim more than it carries), and returns the reply decoded, or
 * NULL when the agent closed the connection instead. */
static Tb__Envelope *stranger_call(const char *url, const void *msg, size_t len, size_t sent)
{
	int fd = stranger_connect(url);
	uint8_t head[13] = {1};
	uint64_t frame = (uint64_t)len + 4;
	for (int i = 0; i < 8; i++)
		head[1 + i] = (uint8_t)(frame >> (56 - 8 * i));
	const uint8_t id[4] = {0x80, 0, 0, 7};
	memcpy(head + 9, id, 4);
	cr_assert_eq(write(fd, head, sizeof(head)), (ssize_t)sizeof(head));
	if (sent > 0)
		cr_assert_eq(write(fd, msg, sent), (ssize_t)sent);

	Tb__Envelope *e = NULL;
	uint8_t rhead[13];
	int rc = read_full(fd, rhead, sizeof(rhead));
	if (rc == 0) {
		uint64_t n = 0;
		for (int i = 0; i < 8; i++)
			n = n << 8 | rhead[1 + i];
		cr_assert(rhead[0] == 1 && n >= 4 && n - 4 <= TB_RPC_MAX_MSG, "reply frame");
		cr_assert(memcmp(rhead + 9, id, 4) == 0, "the reply does not echo the request id");
		uint8_t *body = malloc(n - 4 + 1);
		cr_assert_eq(read_full(fd, body, n - 4), 0, "reply body cut short");
		Tb__ErrorCode code;
		e = tb_rpc_decode(body, n - 4, &code, err, sizeof(err));
		cr_assert_not_null(e, "the agent's reply does not decode: %s", err);
		free(body);
	} else {
		cr_assert_eq(rc, ECONNRESET, "neither reply nor close within %d ms", STRANGER_MS);
	}
	close(fd);
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
	expect_error(stranger_call(url, garbage, sizeof(garbage), sizeof(garbage)), TB__ERROR_CODE__ERR_MALFORMED,
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
	expect_error(stranger_call(url, buf, n, n), TB__ERROR_CODE__ERR_VERSION, "a future version");
	still_serving(rpc, "another version");

	/* Over the limit: nng drops the pipe on the frame's length alone. */
	size_t huge = TB_RPC_MAX_MSG + 4096;
	cr_assert_null(stranger_call(url, NULL, huge, 0), "a reply to %zu bytes", huge);
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
