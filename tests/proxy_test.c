/* SPDX-License-Identifier: MIT */
/* proxy_test.c - nginx, HAProxy, a forwarding satellite and a command proxy between a
 * real traced client and a real satellite: every span sent arrives once, a forwarding
 * satellite batches, refuses when full, drops by reason, and a proxy that cannot start
 * says why and where its log is. */
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
#include "bench/grpcclient.h"
#include "bench/reportgen.h"
#include <cjson/cJSON.h>
#include <stdlib.h>
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

/* start_proxy starts kind (command: that command line) in front of the satellite's
 * first port, or skips the test when the proxy is not installed. */
static void start_command(tb_proxy *p, tb_proxy_kind kind, const char *command)
{
	char up[32], err[512];
	snprintf(up, sizeof(up), "127.0.0.1:%u", port[0]);
	const char *ups[] = {up};
	tb_proxy_opts o = {.kind = kind, .dir = dir, .nupstreams = 1, .upstreams = ups,
			   .command = command};
	int rc = tb_proxy_start(p, &o, err, sizeof(err));
	if (rc == TB_ENOENT)
		tu_skip("%s", err);
	cr_assert_eq(rc, TB_OK, "%s", err);
}

static void start_proxy(tb_proxy *p, tb_proxy_kind kind)
{
	start_command(p, kind, NULL);
}

/* upstream_spans polls the upstream satellite until it has counted want spans or 10 s
 * pass, and returns its count. */
static uint64_t upstream_spans(uint64_t want, uint64_t *reports)
{
	uint64_t got = 0;
	for (uint64_t end = tb_now_ns() + 10 * TB_NS_PER_S; tb_now_ns() < end;
	     tb_sleep_ns(20 * TB_NS_PER_MS)) {
		Tb__Envelope *rep = counters();
		got = rep->sat_counters->spans;
		*reports = rep->sat_counters->reports;
		cr_assert_eq(rep->sat_counters->duplicates, 0);
		tb_rpc_free(rep);
		if (got >= want)
			break;
	}
	return got;
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
	uint64_t reports;
	return upstream_spans(spans, &reports);
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

Test(proxy, a_forwarding_satellite_delivers_every_lightstep_span_once)
{
	check_proxy(TB_PROXY_SATELLITE, TB_PROTO_LIGHTSTEP, 5);
}

Test(proxy, a_forwarding_satellite_delivers_every_otlp_span_once)
{
	check_proxy(TB_PROXY_SATELLITE, TB_PROTO_OTLP, 6);
}

/* forwarder starts a forwarding satellite as a command proxy, flags as given: the
 * command kind running a real program with its placeholders. */
static void forwarder(tb_proxy *p, const char *flags)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "'%s' --ports {port} --dup-slots 0 --forward "
		 "http://{upstream} %s", SATELLITE_BIN, flags);
	start_command(p, TB_PROXY_COMMAND, cmd);
	cr_assert(strstr(p->log_path, "/proxy.log") != NULL, "%s", p->log_path);
}

/* forward_count reads one of a forwarding satellite's counts from its /stats. */
static uint64_t forward_count(const tb_proxy *p, const char *name)
{
	reply r = http_at(p->port, "GET", "/stats", NULL, NULL, 0, false);
	cr_assert_eq(r.status, 200);
	cJSON *o = cJSON_Parse(r.body);
	cr_assert_not_null(o, "%s", r.body);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(o, "forward"), name);
	if (v == NULL)	/* not a forward count: the satellite's own */
		v = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(o, "rejected_by_reason"), name);
	cr_assert(cJSON_IsNumber(v), "no %s in %s", name, r.body);
	uint64_t n = (uint64_t)v->valuedouble;
	cJSON_Delete(o);
	return n;
}

/* Reports of one protocol and client that wait together leave as one request: the
 * upstream counts every span and fewer reports than were posted. */
Test(proxy, a_forwarding_satellite_joins_waiting_reports_into_batches)
{
	tb_proxy p;
	forwarder(&p, "--forward-delay 2s");
	reset(7);
	size_t len;
	for (uint64_t i = 0; i < 10; i++) {
		char *zj = tb_report_zipkin_json(100, 1 + i * 100, &len);
		reply r = http_at(p.port, "POST", "/api/v2/spans", json_headers, zj, len, false);
		cr_assert_eq(r.status, 202, "%ld %s", r.status, r.body);
		free(zj);
		uint8_t *ls = tb_report_lightstep(100, 100001 + i * 100, &len);
		r = http_at(p.port, "POST", "/api/v2/reports", ls_headers, ls, len, false);
		cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
		free(ls);
	}
	uint64_t reports = 0, got = upstream_spans(2000, &reports);
	cr_assert_eq(got, 2000);
	cr_assert_lt(reports, 20, "20 reports were sent upstream one by one");
	cr_assert_eq(forward_count(&p, "batches"), reports);
	cr_assert_eq(forward_count(&p, "held_spans"), 0);
	tb_proxy_stop(&p);
}

/* grpc_through makes 20 OTLP/gRPC calls of 100 spans to port (every other one gzip'd)
 * and checks that the upstream satellite counted all 2000 spans once. */
static void grpc_through(uint16_t to)
{
	tg_conn *c = tg_open(to);
	cr_assert_not_null(c);
	for (uint64_t i = 0; i < 20; i++) {
		size_t len;
		uint8_t *msg = tb_report_otlp_proto(100, 1 + i * 100, &len);
		tg_reply r;
		cr_assert(tg_call(c, "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
				  msg, len, i % 2 == 1, NULL, 10000, &r));
		cr_assert_eq(r.grpc_status, 0, "%d %s", r.grpc_status, r.grpc_message);
		free(msg);
	}
	tg_close(c);
	uint64_t reports;
	cr_assert_eq(upstream_spans(2000, &reports), 2000);
}

/* gRPC calls to the forwarding satellite go upstream over HTTP/1.1, every span once. */
Test(proxy, a_forwarding_satellite_takes_grpc_and_forwards_every_span)
{
	tb_proxy p;
	start_proxy(&p, TB_PROXY_SATELLITE);
	reset(8);
	grpc_through(p.port);
	tb_proxy_stop(&p);
}

/* nginx takes gRPC on its own HTTP/2 port and passes the calls on as gRPC. */
Test(proxy, nginx_passes_grpc_on_its_http2_port)
{
	tb_proxy p;
	start_proxy(&p, TB_PROXY_NGINX);
	cr_assert_neq(p.grpc_port, 0);
	cr_assert_neq(p.grpc_port, p.port);
	reset(9);
	grpc_through(p.grpc_port);
	tb_proxy_stop(&p);
}

/* dead_port is a loopback port bound and not listening: connections to it are refused. */
static int dead_port(uint16_t *out)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*out = ntohs(sa.sin_port);
	return fd;
}

/* dead_forwarder starts a forwarding satellite, flags as given, whose one upstream
 * refuses connections; returns the socket that holds that port, to close after. */
static int dead_forwarder(tb_proxy *p, const char *flags)
{
	uint16_t dead;
	int fd = dead_port(&dead);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "'%s' --ports {port} --dup-slots 0 --forward "
		 "http://127.0.0.1:%u %s", SATELLITE_BIN, dead, flags);
	start_command(p, TB_PROXY_COMMAND, cmd);
	return fd;
}

/* With the upstream gone, the queue fills to its bound, and then reports are refused
 * with 503 (the tracer keeps them) and counted as queue_full. */
Test(proxy, a_full_forwarding_queue_refuses_reports_with_503)
{
	tb_proxy p;
	int fd = dead_forwarder(&p, "--forward-queue 64K");
	long status = 0;
	uint64_t taken = 0, i;
	for (i = 0; i < 100 && status != 503; i++) {
		size_t len;
		uint8_t *ls = tb_report_lightstep(20, 1 + i * 20, &len);
		reply r = http_at(p.port, "POST", "/api/v2/reports", ls_headers, ls, len, false);
		free(ls);
		status = r.status;
		taken += status == 200 ? 20 : 0;
	}
	cr_assert_eq(status, 503, "the queue never filled in %llu reports", (unsigned long long)i);
	cr_assert_gt(taken, 0);
	cr_assert_eq(forward_count(&p, "queue_full"), 1);
	cr_assert_eq(forward_count(&p, "held_spans"), taken);
	cr_assert_leq(forward_count(&p, "held_bytes"), 64 * 1024);
	tb_proxy_stop(&p);
	close(fd);
}

/* Reports held past --forward-max-age are dropped, counted as expired. */
Test(proxy, reports_held_past_the_age_limit_are_dropped_as_expired)
{
	tb_proxy p;
	int fd = dead_forwarder(&p, "--forward-max-age 1s");
	for (uint64_t i = 0; i < 3; i++) {
		size_t len;
		uint8_t *ls = tb_report_lightstep(100, 1 + i * 100, &len);
		reply r = http_at(p.port, "POST", "/api/v2/reports", ls_headers, ls, len, false);
		cr_assert_eq(r.status, 200);
		free(ls);
	}
	uint64_t expired = 0;
	for (uint64_t end = tb_now_ns() + 15 * TB_NS_PER_S;
	     tb_now_ns() < end && (expired = forward_count(&p, "expired")) < 300;
	     tb_sleep_ns(50 * TB_NS_PER_MS))
		;
	cr_assert_eq(expired, 300);
	cr_assert_eq(forward_count(&p, "held_spans"), 0);
	tb_proxy_stop(&p);
	close(fd);
}

/* An upstream that answers 4xx will not take the batch later either: it is dropped,
 * counted as rejected, and not sent again. */
Test(proxy, a_batch_the_upstream_refuses_with_4xx_is_dropped_as_rejected)
{
	teardown();
	start_satellite("--max-body", "1024");	/* the upstream answers 413 to bigger bodies */
	tb_proxy p;
	start_proxy(&p, TB_PROXY_SATELLITE);
	size_t len;
	uint8_t *ls = tb_report_lightstep(100, 1, &len);
	cr_assert_gt(len, 1024);
	reply r = http_at(p.port, "POST", "/api/v2/reports", ls_headers, ls, len, false);
	free(ls);
	cr_assert_eq(r.status, 200);
	uint64_t rejected_spans = 0;
	for (uint64_t end = tb_now_ns() + 10 * TB_NS_PER_S;
	     tb_now_ns() < end && (rejected_spans = forward_count(&p, "rejected")) < 100;
	     tb_sleep_ns(20 * TB_NS_PER_MS))
		;
	cr_assert_eq(rejected_spans, 100);
	cr_assert_eq(forward_count(&p, "retries"), 0);
	cr_assert_eq(forward_count(&p, "held_spans"), 0);
	tb_proxy_stop(&p);
}

/* A command proxy's command line is checked before anything runs. */
Test(proxy, a_command_proxy_is_checked_before_it_runs)
{
	tb_proxy_spec s;
	char err[700];
	cr_assert_eq(tb_proxy_spec_parse("command socat TCP-LISTEN:{port},fork TCP:{upstream}",
					 &s, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(s.kind, TB_PROXY_COMMAND);
	cr_assert_str_eq(s.command, "socat TCP-LISTEN:{port},fork TCP:{upstream}");
	cr_assert_eq(tb_proxy_spec_parse("command envoy -c conf.yaml", &s, err, sizeof(err)),
		     TB_EINVAL);
	cr_assert(strstr(err, "it must say where to listen, with {listen} or {port}") != NULL,
		  "%s", err);
	cr_assert_eq(tb_proxy_spec_parse("command x {port} $(rm -rf /)", &s, err, sizeof(err)),
		     TB_EINVAL);
	cr_assert(strstr(err, "command substitution is not allowed") != NULL, "%s", err);
	cr_assert_eq(tb_proxy_spec_parse("command x {port} | y", &s, err, sizeof(err)),
		     TB_EINVAL);
	cr_assert(strstr(err, "needs quotes") != NULL, "%s", err);
	cr_assert_eq(tb_proxy_spec_parse("command", &s, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "expected command and its command line") != NULL, "%s", err);
	cr_assert_eq(tb_proxy_spec_parse("nginx extra", &s, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "only a command proxy takes more words") != NULL, "%s", err);
	cr_assert_eq(tb_proxy_spec_parse("envoy", &s, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "expected nginx, haproxy, satellite or command \"...\", or none")
		  != NULL, "%s", err);
}

/* The satellite names a bad --forward URL and exits 2. */
Test(proxy, a_bad_forward_url_is_named)
{
	const struct { const char *url, *says; } cases[] = {
		{"ftp://127.0.0.1:1", "the scheme must be http or https"},
		{"http://127.0.0.1:1/v1/traces", "give no path or query"},
		{"not a url", "not a URL"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char errpath[160], err[256];
		snprintf(errpath, sizeof(errpath), "%s/err.txt", dir);
		char *argv[] = {SATELLITE_BIN, "--ports", "0", "--forward", (char *)cases[i].url,
				NULL};
		tb_child ch;
		tb_child_opts co = {.stderr_path = errpath};
		cr_assert_eq(tb_child_spawn(&ch, argv, &co, err, sizeof(err)), TB_OK, "%s", err);
		cr_assert_eq(tb_child_wait(&ch, 10000), TB_OK);
		cr_assert(WIFEXITED(ch.status) && WEXITSTATUS(ch.status) == 2, "%s: status %d",
			  cases[i].url, ch.status);
		tb_child_fini(&ch);
		FILE *f = fopen(errpath, "r");
		char text[512] = "";
		cr_assert_not_null(f);
		size_t n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		fclose(f);
		cr_assert(strstr(text, cases[i].says) != NULL, "%s: %s", cases[i].url, text);
		cr_assert(strstr(text, cases[i].url) != NULL, "%s: %s", cases[i].url, text);
	}
}
