/* SPDX-License-Identifier: MIT */
/* proxy_test.c - nginx and HAProxy between a real traced client and a real satellite:
 * every span sent arrives once, and a proxy that cannot start says why and where its
 * log is. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"
#include "common/clock.h"
#include "common/command.h"
#include "common/error.h"
#include "common/proxy.h"
#include "libtracebench/channel/channel.h"
#include "satellite_fixture.h"
#include "testutil.h"

static char dir[128];

static void proxy_setup(void)
{
	setup();
	snprintf(dir, sizeof(dir), "/tmp/tb-proxy-test-%d", (int)getpid());
	tu_remove_tree(dir);
	cr_assert_eq(mkdir(dir, 0755), 0);
}

static void proxy_teardown(void)
{
	tu_remove_tree(dir);
	teardown();
}

TestSuite(proxy, .init = proxy_setup, .fini = proxy_teardown, .timeout = 90);

/* start_proxy starts kind in front of the satellite's first port, or skips the test
 * when the proxy is not installed. */
static void start_proxy(tb_proxy *p, tb_proxy_kind kind)
{
	char up[32], err[512];
	snprintf(up, sizeof(up), "127.0.0.1:%u", port[0]);
	const char *ups[] = {up};
	tb_proxy_opts o = {.kind = kind, .dir = dir, .nupstreams = 1, .upstreams = ups};
	int rc = tb_proxy_start(p, &o, err, sizeof(err));
	if (rc == TB_ENOENT)
		tu_skip("%s", err);
	cr_assert_eq(rc, TB_OK, "%s", err);
}

/* run_through runs tb-client with a traced command of `spans` spans, reporting to the
 * proxy, and returns what the satellite counted. */
static uint64_t run_through(const tb_proxy *p, tb_protocol proto, uint64_t spans,
			    uint64_t run_id)
{
	orc_channel *chan;
	char err[256], url[64];
	reset(run_id);
	cr_assert_eq(orc_channel_alloc(&chan, "127.0.0.1", 0, err, sizeof(err)), TB_OK, "%s", err);
	tb_command c;
	tb_command_init(&c);
	c.repeat = spans;
	c.work = 100;
	c.sleep_ns = 2 * TB_NS_PER_MS;	/* a calm rate: about 500 spans a second */
	c.sleep_interval_ns = 20 * TB_NS_PER_MS;
	c.protocol = proto;
	c.run_id = run_id;
	c.n_satellites = 1;
	snprintf(c.satellites[0], sizeof(c.satellites[0]), "127.0.0.1:%u", p->port);
	cr_assert_eq(orc_channel_arm(chan, &c, 1, false, err, sizeof(err)), TB_OK, "%s", err);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", orc_channel_port(chan));
	char *argv[] = {CLIENT_BIN, "--control", url, NULL};
	tb_child ch;
	cr_assert_eq(tb_child_spawn(&ch, argv, NULL, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_child_wait(&ch, 60000), TB_OK, "tb-client hung");
	cr_assert(WIFEXITED(ch.status) && WEXITSTATUS(ch.status) == 0, "tb-client status %d",
		  ch.status);
	tb_child_fini(&ch);
	tb_client_result r;
	size_t who;
	cr_assert_eq(orc_channel_wait_result(chan, 5000, &who, &r, err, sizeof(err)), TB_OK,
		     "%s", err);
	cr_assert_eq(r.spans_sent, spans);
	orc_channel_free(chan);
	/* The proxy acknowledges after the satellite does; poll until the count is in. */
	uint64_t got = 0;
	for (uint64_t end = tb_now_ns() + 10 * TB_NS_PER_S; tb_now_ns() < end;
	     tb_sleep_ns(20 * TB_NS_PER_MS)) {
		Tb__Envelope *rep = counters();
		got = rep->sat_counters->spans;
		cr_assert_eq(rep->sat_counters->duplicates, 0);
		tb_rpc_free(rep);
		if (got == spans)
			break;
	}
	return got;
}

static void check_proxy(tb_proxy_kind kind, tb_protocol proto, uint64_t run_id)
{
	tb_proxy p;
	start_proxy(&p, kind);
	uint64_t got = run_through(&p, proto, 2000, run_id);
	tb_proxy_stop(&p);
	cr_assert_eq(got, 2000, "%s: the satellite counted %llu of 2000",
		     tb_proxy_kind_name(kind), (unsigned long long)got);
}

Test(proxy, nginx_delivers_every_lightstep_span_once)
{
	check_proxy(TB_PROXY_NGINX, TB_PROTO_LIGHTSTEP, 1);
}

Test(proxy, nginx_delivers_every_otlp_span_once)
{
	check_proxy(TB_PROXY_NGINX, TB_PROTO_OTLP, 2);
}

Test(proxy, haproxy_delivers_every_lightstep_span_once)
{
	check_proxy(TB_PROXY_HAPROXY, TB_PROTO_LIGHTSTEP, 3);
}

Test(proxy, haproxy_delivers_every_otlp_span_once)
{
	check_proxy(TB_PROXY_HAPROXY, TB_PROTO_OTLP, 4);
}

/* A proxy that cannot bind exits at once: the error says so and names its log. The
 * port is held, bound but not listening, by the test. */
Test(proxy, a_proxy_that_cannot_start_names_its_log)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int held = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(held >= 0 && bind(held, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	cr_assert_eq(getsockname(held, (struct sockaddr *)&sa, &sl), 0);
	char up[32], err[1024], log[200];
	snprintf(up, sizeof(up), "127.0.0.1:%u", port[0]);
	const char *ups[] = {up};
	tb_proxy p;
	tb_proxy_opts o = {.kind = TB_PROXY_NGINX, .dir = dir, .nupstreams = 1, .upstreams = ups,
			   .port = ntohs(sa.sin_port)};
	int rc = tb_proxy_start(&p, &o, err, sizeof(err));
	close(held);
	if (rc == TB_ENOENT)
		tu_skip("%s", err);
	cr_assert_eq(rc, TB_ECLOSED, "%s", err);
	snprintf(log, sizeof(log), "(log %s/nginx.log: ", dir);
	cr_assert(strstr(err, "nginx exited with status 1 before accepting connections") != NULL,
		  "%s", err);
	cr_assert(strstr(err, log) != NULL, "%s", err);
	cr_assert(strstr(err, "could not bind()") != NULL, "%s", err);
	tb_proxy_stop(&p);	/* stopped already: nothing to do */
}

/* What goes into a proxy's configuration is checked first. */
Test(proxy, a_satellite_address_that_is_not_host_port_is_refused)
{
	tb_proxy p;
	char err[512];
	const char *ups[] = {"127.0.0.1:1; evil"};
	tb_proxy_opts o = {.kind = TB_PROXY_NGINX, .dir = dir, .nupstreams = 1, .upstreams = ups};
	cr_assert_eq(tb_proxy_start(&p, &o, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "'127.0.0.1:1; evil' is not host:port") != NULL, "%s", err);
	o.nupstreams = 0;
	cr_assert_eq(tb_proxy_start(&p, &o, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "1 to 64 satellites, not 0") != NULL, "%s", err);
}
