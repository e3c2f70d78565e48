/* SPDX-License-Identifier: MIT */
/* client_test.c - the client side end to end: the control channel (served in this
 * process by the orchestrator's code, a real HTTP server), the reference C client
 * `tb-client` as a real process in HTTP and argv modes, and a real satellite counting
 * what the client's reporting tracer sends. Plus the channel's answers to bad results
 * and the command/result JSON rules. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/child.h"
#include "common/command.h"
#include "common/error.h"
#include "common/rpc.h"
#include "libtracebench/channel/channel.h"

static tb_child sat;
static uint16_t sat_port;
static orc_channel *chan;
static char chan_url[64];

/* arm publishes cmd on the channel, as a run does. */
static void arm(orc_channel *c, const tb_command *cmd)
{
	char why[128];
	cr_assert_eq(orc_channel_arm(c, cmd, 1, false, why, sizeof(why)), TB_OK, "%s", why);
}

/* ---- HTTP helpers (libcurl) ---- */

typedef struct buf {
	char data[65536];
	size_t len;
} buf;

static size_t on_data(char *p, size_t size, size_t n, void *u)
{
	buf *b = u;
	size_t len = size * n, room = sizeof(b->data) - 1 - b->len;
	if (len > room)
		len = room;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return size * n;
}

/* http_with does one request, with header (NULL: none); returns the status, the body
 * in *out. */
static long http_with(const char *method, const char *url, const char *header,
		      const char *body, buf *out)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdr = header ? curl_slist_append(NULL, header) : NULL;
	out->len = 0;
	out->data[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	if (body != NULL)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	cr_assert_eq(curl_easy_perform(h), CURLE_OK, "%s %s", method, url);
	long status;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdr);
	return status;
}

/* http does one request; returns the status, the body in *out. */
static long http(const char *method, const char *url, const char *body, buf *out)
{
	return http_with(method, url, NULL, body, out);
}

/* sat_stat reads one number from the satellite's /stats, by a path ("spans",
 * "by_protocol.otlp-json.spans", "by_protocol/datadog-v0.4/spans"); 0 where the path
 * names nothing, as /stats leaves out a protocol that has had no report. */
static double sat_stat(const char *path)
{
	char url[96], copy[128], *save = NULL;
	buf b;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/stats", sat_port);
	cr_assert_eq(http("GET", url, NULL, &b), 200);
	cJSON *root = cJSON_Parse(b.data), *o = root;
	cr_assert_not_null(root);
	snprintf(copy, sizeof(copy), "%s", path);
	/* A protocol's name may hold a dot: such paths are split at '/'. */
	const char *sep = strchr(path, '/') != NULL ? "/" : ".";
	for (char *k = strtok_r(copy, sep, &save); k != NULL && o != NULL;
	     k = strtok_r(NULL, sep, &save))
		o = cJSON_GetObjectItemCaseSensitive(o, k);
	double v = cJSON_IsNumber(o) ? o->valuedouble : 0;
	cJSON_Delete(root);
	return v;
}

/* sat_spans_reach polls the satellite's span count until it is want or 10 s pass, and
 * returns the last count: a span is counted once its answer has been delivered, which
 * the satellite learns a moment after the client has read it and gone on. */
static double sat_spans_reach(double want)
{
	double v = sat_stat("spans");
	for (uint64_t end = tb_now_ns() + 10 * TB_NS_PER_S; v != want && tb_now_ns() < end;
	     v = sat_stat("spans"))
		tb_sleep_ns(10 * TB_NS_PER_MS);
	return v;
}

static void sat_reset(uint64_t run_id)
{
	tb_rpc_client *c;
	char url[96], err[256];
	snprintf(url, sizeof(url), "ipc:///tmp/tb-client-test-%d.ipc", (int)getpid());
	cr_assert_eq(tb_rpc_client_alloc(&c, url, 5000, NULL, err, sizeof(err)), TB_OK);
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep;
	Tb__SatReset r = TB__SAT_RESET__INIT;
	r.run_id = run_id;
	req.body_case = TB__ENVELOPE__BODY_SAT_RESET;
	req.sat_reset = &r;
	cr_assert_eq(tb_rpc_call(c, &req, &rep, err, sizeof(err)), TB_OK, "%s", err);
	tb_rpc_free(rep);
	tb_rpc_client_free(c);
}

static void setup(void)
{
	char err[256], ctl[96];
	snprintf(ctl, sizeof(ctl), "ipc:///tmp/tb-client-test-%d.ipc", (int)getpid());
	char *argv[] = {SATELLITE_BIN, "--ports", "0", "--control", ctl, "--dup-slots", "65536",
			NULL};
	cr_assert_eq(tb_child_spawn(&sat, argv, NULL, err, sizeof(err)), TB_OK, "%s", err);
	tb_rpc_client *c;
	cr_assert_eq(tb_rpc_client_alloc(&c, ctl, 5000, NULL, err, sizeof(err)), TB_OK);
	Tb__Envelope *rep;
	cr_assert_eq(tb_rpc_hello(c, "test", &rep, err, sizeof(err)), TB_OK, "%s", err);
	sat_port = (uint16_t)rep->hello_reply->ports[0];
	tb_rpc_free(rep);
	tb_rpc_client_free(c);
	cr_assert_eq(orc_channel_alloc(&chan, "127.0.0.1", 0, err, sizeof(err)), TB_OK, "%s", err);
	snprintf(chan_url, sizeof(chan_url), "http://127.0.0.1:%u", orc_channel_port(chan));
}

static void teardown(void)
{
	orc_channel_free(chan);
	tb_child_stop(&sat, 2000);
	tb_child_fini(&sat);
}

TestSuite(client, .init = setup, .fini = teardown, .timeout = 60);

static tb_command command(uint64_t repeat)
{
	tb_command c;
	tb_command_init(&c);
	c.repeat = repeat;
	c.work = 100;
	c.n_satellites = 1;
	snprintf(c.satellites[0], sizeof(c.satellites[0]), "127.0.0.1:%u", sat_port);
	return c;
}

/* run_client_env starts tb-client with argv (after the program name) and env added to
 * its environment (NULL: none) and waits for it; returns its exit status, stdout in
 * out_path. */
static int run_client_env(const char *const *args, char **env, const char *out_path,
			  const char *err_path)
{
	char *argv[32];
	int n = 0;
	argv[n++] = CLIENT_BIN;
	for (; *args != NULL; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	tb_child c;
	char err[256];
	tb_child_opts o = {.stdout_path = out_path, .stderr_path = err_path, .extra_env = env};
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_child_wait(&c, 30000), TB_OK, "tb-client hung");
	int st = c.status;
	tb_child_fini(&c);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* run_client is run_client_env with nothing added to the environment. */
static int run_client(const char *const *args, const char *out_path, const char *err_path)
{
	return run_client_env(args, NULL, out_path, err_path);
}

/* run_armed arms the channel with c, runs tb-client against it, and returns the result
 * it posted. */
static tb_client_result run_armed(const tb_command *c)
{
	arm(chan, c);
	const char *args[] = {"--control", chan_url, NULL};
	cr_assert_eq(run_client(args, NULL, NULL), 0);
	tb_client_result r;
	size_t who;
	char err[256];
	cr_assert_eq(orc_channel_wait_result(chan, 5000, &who, &r, err, sizeof(err)), TB_OK, "%s", err);
	return r;
}

static void check_http_run(tb_protocol proto, uint64_t repeat, uint64_t run_id)
{
	sat_reset(run_id);
	tb_command c = command(repeat);
	c.protocol = proto;
	c.run_id = run_id;
	tb_client_result r = run_armed(&c);
	cr_assert_eq(r.spans_sent, repeat);
	cr_assert(r.has_dropped && r.spans_dropped == 0);
	cr_assert(r.has_buffered && r.spans_buffered == 0);
	cr_assert_gt(r.clock_time, 0);
	double counted = sat_spans_reach((double)repeat);
	cr_assert_eq(counted, (double)repeat, "satellite counted %.0f of %llu", counted,
		     (unsigned long long)repeat);
	cr_assert_eq(sat_stat("duplicates"), 0);
	cr_assert_eq(sat_stat("rejected"), 0);
	orc_channel_disarm(chan);
}

Test(client, http_mode_lightstep_repeat_n_arrives_exactly_once)
{
	check_http_run(TB_PROTO_LIGHTSTEP, 7777, 1);
}

Test(client, http_mode_otlp_repeat_n_arrives_exactly_once)
{
	check_http_run(TB_PROTO_OTLP, 5003, 2);
}

/* Beyond loopback the channel wants the run's token: requests without it, or with a
 * wrong one, get 403 and change nothing; the client given it in its environment gets
 * through, and its real result is the one the run keeps. */
/* A second channel on a port already served fails, naming it: were the two to share it,
 * the kernel would hand each one half of the other's clients. */
Test(client, a_control_port_in_use_is_refused_not_shared)
{
	orc_channel *second = NULL;
	char err[256];
	uint16_t port = orc_channel_port(chan);
	cr_assert_eq(orc_channel_alloc(&second, "127.0.0.1", port, err, sizeof(err)), TB_EADDR,
		     "a second channel shares port %u", port);
	char want[64];
	snprintf(want, sizeof(want), "127.0.0.1:%u (port in use?)", port);
	cr_assert(strstr(err, want) != NULL, "%s", err);
}

Test(client, a_channel_beyond_loopback_refuses_requests_without_the_runs_token)
{
	orc_channel *wide;
	char err[256], url[64], token[TB_TOKEN_LEN + 1], env0[96], hdr[96];
	cr_assert_eq(orc_channel_alloc(&wide, "0.0.0.0", 0, err, sizeof(err)), TB_OK, "%s", err);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", orc_channel_port(wide));
	sat_reset(9);
	tb_command c = command(500);
	arm(wide, &c);
	orc_channel_token(wide, 0, token, sizeof(token));
	cr_assert_eq(strlen(token), TB_TOKEN_LEN, "token '%s'", token);

	char control[96], result[96];
	snprintf(control, sizeof(control), "%s/control", url);
	snprintf(result, sizeof(result), "%s/result", url);
	const char *forged = "{\"SpansSent\":999,\"ProgramTime\":1,\"ClockTime\":1}";
	buf b;
	cr_assert_eq(http("GET", control, NULL, &b), 403, "%s", b.data);
	cr_assert(strstr(b.data, "missing " TB_TOKEN_HEADER) != NULL, "%s", b.data);
	cr_assert_eq(http("POST", result, forged, &b), 403, "%s", b.data);
	cr_assert_eq(http_with("POST", result, TB_TOKEN_HEADER ": 00000000000000000000000000000000",
			       forged, &b), 403, "%s", b.data);
	cr_assert(strstr(b.data, "wrong " TB_TOKEN_HEADER) != NULL, "%s", b.data);
	cr_assert_eq(orc_channel_refused(wide), 3);
	snprintf(hdr, sizeof(hdr), TB_TOKEN_HEADER ": %s", token);
	cr_assert_eq(http_with("GET", control, hdr, NULL, &b), 200, "%s", b.data);

	snprintf(env0, sizeof(env0), TB_TOKEN_ENV "=%s", token);
	char *env[] = {env0, NULL};
	const char *args[] = {"--control", url, NULL};
	cr_assert_eq(run_client_env(args, env, NULL, NULL), 0);
	tb_client_result r;
	size_t who;
	cr_assert_eq(orc_channel_wait_result(wide, 5000, &who, &r, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(r.spans_sent, 500, "the forged result was taken");
	cr_assert_eq(sat_spans_reach(500), 500);

	/* Each run draws its own. */
	char next[TB_TOKEN_LEN + 1];
	arm(wide, &c);
	cr_assert_str_neq(orc_channel_token(wide, 0, next, sizeof(next)), token);
	cr_assert_eq(orc_channel_refused(wide), 0);
	orc_channel_free(wide);
}

Test(client, no_flush_leaves_spans_behind_and_says_so)
{
	sat_reset(3);
	tb_command c = command(2000);
	c.no_flush = true;
	arm(chan, &c);
	/* A flush period longer than the run: only the final flush could send them. */
	const char *args[] = {"--control", chan_url, "--flush-ms", "60000", NULL};
	cr_assert_eq(run_client(args, NULL, NULL), 0);
	tb_client_result r;
	size_t who;
	char err[256];
	cr_assert_eq(orc_channel_wait_result(chan, 5000, &who, &r, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(r.spans_sent, 2000);
	cr_assert_eq(r.spans_buffered, 2000);
	cr_assert_eq(sat_stat("spans"), 0);
}

Test(client, argv_mode_runs_unchanged_and_prints_its_result)
{
	sat_reset(4);
	char sats[64], out[96];
	snprintf(sats, sizeof(sats), "127.0.0.1:%u", sat_port);
	snprintf(out, sizeof(out), "/tmp/tb-client-test-%d.out", (int)getpid());
	const char *args[] = {"--trace", "1", "--sleep", "0", "--sleep_interval", "1000000",
			      "--work", "50", "--repeat", "3000", "--no_flush", "0", "--num_tags",
			      "10", "--num_logs", "15", "--satellites", sats, NULL};
	cr_assert_eq(run_client(args, out, NULL), 0);
	FILE *f = fopen(out, "r");
	char line[512] = "";
	cr_assert_not_null(fgets(line, sizeof(line), f));
	fclose(f);
	unlink(out);
	tb_client_result r;
	char err[256];
	cr_assert_eq(tb_client_result_from_json(line, strlen(line), &r, err, sizeof(err)), TB_OK, "%s: %s",
		     err, line);
	cr_assert_eq(r.spans_sent, 3000);
	cr_assert_eq(sat_spans_reach(3000), 3000);
}

Test(client, noop_tracer_sends_nothing)
{
	sat_reset(5);
	tb_command c = command(1200);
	c.trace = false;
	tb_client_result r = run_armed(&c);
	cr_assert_eq(r.spans_sent, 1200);
	cr_assert_eq(sat_stat("spans"), 0);
}

static void check_stderr(const char *path, const char *want)
{
	char text[1024] = "";
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	cr_assert(strstr(text, want) != NULL, "stderr: %s (wanted: %s)", text, want);
}

Test(client, unreachable_or_wrong_orchestrator_is_named)
{
	char errp[96], url[64];
	snprintf(errp, sizeof(errp), "/tmp/tb-client-test-%d.err", (int)getpid());
	const char *a1[] = {"--control", "http://127.0.0.1:1", NULL};
	cr_assert_eq(run_client(a1, NULL, errp), 1);
	check_stderr(errp, "cannot reach the orchestrator at http://127.0.0.1:1/control");
	/* A satellite is not an orchestrator: it answers 404. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", sat_port);
	const char *a2[] = {"--control", url, NULL};
	cr_assert_eq(run_client(a2, NULL, errp), 1);
	check_stderr(errp, "/control answered 404");
	/* The channel between runs answers 503. */
	const char *a3[] = {"--control", chan_url, NULL};
	cr_assert_eq(run_client(a3, NULL, errp), 1);
	check_stderr(errp, "answered 503: no run is in progress");
	const char *a4[] = {"--repeat", "x", NULL};
	cr_assert_eq(run_client(a4, NULL, errp), 2);
	check_stderr(errp, "--repeat x");
	unlink(errp);
}

Test(client, channel_answers_bad_results_with_400_and_the_run_learns_it)
{
	char url[128], err[256];
	buf b;
	tb_client_result r;
	size_t who;
	tb_command c = command(10);
	snprintf(url, sizeof(url), "%s/result", chan_url);

	cr_assert_eq(http("POST", url, "{\"SpansSent\":1,\"ProgramTime\":1,\"ClockTime\":1}", &b),
		     409, "no run armed");
	arm(chan, &c);
	cr_assert_eq(http("POST", url, "{\"SpansSent\":\"many\",\"ProgramTime\":1}", &b), 400);
	cr_assert(strstr(b.data, "SpansSent must be a whole number") != NULL, "%s", b.data);
	cr_assert_eq(orc_channel_wait_result(chan, 1000, &who, &r, err, sizeof(err)), TB_EPROTO);
	cr_assert(strstr(err, "SpansSent") != NULL, "%s", err);

	arm(chan, &c);
	cr_assert_eq(http("POST", url, "not json at all", &b), 400);
	arm(chan, &c);
	cr_assert_eq(http("POST", url, "{\"SpansSent\":5,\"ProgramTime\":-1,\"ClockTime\":1}", &b),
		     400);
	cr_assert(strstr(b.data, "ProgramTime") != NULL, "%s", b.data);

	/* The old query-string form. */
	arm(chan, &c);
	snprintf(url, sizeof(url), "%s/result?SpansSent=5&ProgramTime=1.5&ClockTime=2", chan_url);
	cr_assert_eq(http("GET", url, NULL, &b), 200);
	cr_assert_eq(orc_channel_wait_result(chan, 1000, &who, &r, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(r.spans_sent, 5);
	cr_assert_float_eq(r.program_time, 1.5, 1e-9);
	cr_assert_eq(http("GET", url, NULL, &b), 409, "a second result for the same run");
	arm(chan, &c);
	snprintf(url, sizeof(url), "%s/result?SpansSent=5&ProgramTime=abc&ClockTime=2", chan_url);
	cr_assert_eq(http("GET", url, NULL, &b), 400);
	snprintf(url, sizeof(url), "%s/result?Bogus=1", chan_url);
	arm(chan, &c);
	cr_assert_eq(http("GET", url, NULL, &b), 400);
	cr_assert(strstr(b.data, "unknown result field 'Bogus'") != NULL, "%s", b.data);

	snprintf(url, sizeof(url), "%s/nowhere", chan_url);
	cr_assert_eq(http("GET", url, NULL, &b), 404);
	snprintf(url, sizeof(url), "%s/control", chan_url);
	cr_assert_eq(http("DELETE", url, NULL, &b), 405);
	cr_assert_eq(http("GET", url, NULL, &b), 200);
	cJSON *o = cJSON_Parse(b.data);
	cr_assert_eq(cJSON_GetObjectItem(o, "Repeat")->valuedouble, 10);
	cr_assert_str_eq(cJSON_GetObjectItem(o, "Protocol")->valuestring, "lightstep");
	cJSON_Delete(o);
}

Test(command, json_rules_name_the_bad_field)
{
	static const struct {
		const char *json;
		const char *want;
	} bad[] = {
		{"[]", "not a JSON object"},
		{"{}", "Repeat is missing"},
		{"{\"Repeat\":-1}", "Repeat must be a whole number"},
		{"{\"Repeat\":1.5}", "Repeat must be a whole number"},
		{"{\"Repeat\":1,\"Trace\":1}", "Trace must be true or false"},
		{"{\"Repeat\":1,\"NumTags\":1001}", "NumTags must be a whole number from 0 to 1000"},
		{"{\"Repeat\":1,\"Protocol\":\"zipkin\"}", "Protocol must be"},
		{"{\"Repeat\":1,\"Satellites\":[\"nohost\"]}", "Satellites[0] is not"},
		{"{\"Repeat\":1,\"Satellites\":[\"h:99999\"]}", "Satellites[0] is not"},
		{"{\"Repeat\":1,\"Sleep\":5,\"SleepInterval\":0}", "SleepInterval must be above 0"},
		{"{\"Repeat\":1e300}", "Repeat must be a whole number"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tb_command c;
		char err[256];
		cr_assert_eq(tb_command_from_json(bad[i].json, strlen(bad[i].json), &c, err,
						  sizeof(err)),
			     TB_EPROTO, "case %zu", i);
		cr_assert(strstr(err, bad[i].want) != NULL, "case %zu: %s", i, err);
	}
	tb_command c, d;
	char err[256];
	tb_command_init(&c);
	c.repeat = 123;
	c.sleep_ns = 456;
	c.protocol = TB_PROTO_OTLP;
	c.n_satellites = 2;
	strcpy(c.satellites[0], "a:1");
	strcpy(c.satellites[1], "b:2");
	c.run_id = 99;
	char *json = tb_command_to_json(&c);
	cr_assert_eq(tb_command_from_json(json, strlen(json), &d, err, sizeof(err)), TB_OK, "%s", err);
	free(json);
	cr_assert_eq(memcmp(&c, &d, sizeof(c)), 0, "round trip");
}

/* ---- clients with real tracers (Node.js from npm, Python from Debian) ---- */

/* How a client with a real tracer is started, and what its tracer can carry. */
typedef struct real_client {
	const char *name;		/* for messages */
	const char *argv[4];		/* the program and its own arguments */
	bool carries_token;		/* its reports carry the run's access token */
} real_client;

static const real_client *script_client(const char *script, const char *transport,
					real_client *rc)
{
	bool py = strstr(script, ".py") != NULL;
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", py ? PY_DIR : JS_DIR, script);
	*rc = (real_client){.name = script, .carries_token = true,
			    .argv = {py ? "/usr/bin/python3" : "node", path,
				     transport ? "--transport" : NULL, transport}};
	return rc;
}

/* check_client runs the client under a channel that listens beyond loopback (so the
 * client must send the token it finds in its environment), 500 spans at 100 spans/s,
 * and checks that the satellite counted every span once, as endpoint. */
static void check_client(const real_client *rc, tb_protocol proto, const char *endpoint,
			 uint64_t run_id)
{
	const char *script = rc->name;
	sat_reset(run_id);
	tb_command c = command(500);
	c.protocol = proto;
	c.work = 0;
	c.sleep_ns = 10 * 1000 * 1000; /* 10 ms owed per span: 100 spans/s for 5 s */
	c.sleep_interval_ns = 10 * 1000 * 1000;
	/* The third client of a run: its reports must carry its access token. */
	c.client_index = 2;
	c.clients = 3;
	tb_access_token_for(2, c.access_token, sizeof(c.access_token));
	orc_channel *wide;
	char err[256], url[64], token[TB_TOKEN_LEN + 1], env0[96];
	cr_assert_eq(orc_channel_alloc(&wide, "0.0.0.0", 0, err, sizeof(err)), TB_OK, "%s", err);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", orc_channel_port(wide));
	arm(wide, &c);
	snprintf(env0, sizeof(env0), TB_TOKEN_ENV "=%s",
		 orc_channel_token(wide, 0, token, sizeof(token)));
	char *env[] = {env0, NULL};
	char *argv[8] = {NULL};
	size_t n = 0;
	for (; n < 4 && rc->argv[n] != NULL; n++)
		argv[n] = (char *)rc->argv[n];
	argv[n++] = "--control";
	argv[n++] = url;
	tb_child ch;
	tb_child_opts o = {.extra_env = env};
	cr_assert_eq(tb_child_spawn(&ch, argv, &o, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_child_wait(&ch, 40000), TB_OK, "%s hung", script);
	cr_assert(WIFEXITED(ch.status) && WEXITSTATUS(ch.status) == 0, "%s: status %d", script,
		  ch.status);
	tb_child_fini(&ch);
	tb_client_result r;
	size_t who;
	cr_assert_eq(orc_channel_wait_result(wide, 5000, &who, &r, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(orc_channel_refused(wide), 0, "the client did not send its token");
	orc_channel_free(wide);
	cr_log_info("%s %s: %llu spans in %.2f s, %.2f CPU s, satellite received "
		    "%.0f", script, rc->argv[3] ? rc->argv[3] : "", (unsigned long long)r.spans_sent, r.clock_time,
		    r.program_time, sat_stat("spans"));
	cr_assert_eq(r.spans_sent, 500);
	cr_assert_gt(r.clock_time, 4.5, "100 spans/s should take about 5 s");
	cr_assert_eq(sat_stat("spans"), 500.0, "spans received must equal spans sent");
	cr_assert_eq(sat_stat("duplicates"), 0);
	char by[96];
	snprintf(by, sizeof(by), "by_protocol/%s/spans", endpoint);
	cr_assert_eq(sat_stat(by), 500.0, "the spans must come as %s", endpoint);
	if (rc->carries_token)
		cr_assert_eq(sat_stat("by_client.2.spans"), 500.0, "the tracer's reports must "
			     "carry the command's AccessToken");
	bool grpc = rc->argv[3] != NULL && strcmp(rc->argv[3], "grpc") == 0;
	cr_assert_eq(sat_stat("grpc_reports") == sat_stat("reports"), grpc,
		     "%.0f of %.0f reports over gRPC", sat_stat("grpc_reports"), sat_stat("reports"));
}

Test(client, js_lightstep_at_100_spans_per_second_loses_nothing, .timeout = 90)
{
	real_client rc;
	check_client(script_client("js-lightstep.js", "proto", &rc), TB_PROTO_LIGHTSTEP, "lightstep-proto",
		     10);
}

Test(client, js_otel_at_100_spans_per_second_loses_nothing, .timeout = 90)
{
	real_client rc;
	check_client(script_client("js-otel.js", "proto", &rc), TB_PROTO_OTLP, "otlp-proto",
		     11);
}

/* The tracers' other encodings: the satellite's JSON endpoints take what the real
 * libraries send (lightstep-tracer's thrift transport gzips its JSON). */
Test(client, js_lightstep_thrift_json_loses_nothing, .timeout = 90)
{
	real_client rc;
	check_client(script_client("js-lightstep.js", "thrift", &rc), TB_PROTO_LIGHTSTEP, "lightstep-json",
		     12);
}

Test(client, js_otel_json_loses_nothing, .timeout = 90)
{
	real_client rc;
	check_client(script_client("js-otel.js", "json", &rc), TB_PROTO_OTLP, "otlp-json",
		     13);
}

/* OTLP/gRPC, as the OpenTelemetry SDKs export by default, on the same port as HTTP. */
Test(client, js_otel_grpc_loses_nothing, .timeout = 90)
{
	real_client rc;
	check_client(script_client("js-otel.js", "grpc", &rc), TB_PROTO_OTLP, "otlp-proto",
		     14);
}

/* Python's aiozipkin, as Debian ships it: Zipkin v2 JSON, whatever protocol is asked. */
Test(client, py_zipkin_loses_nothing, .timeout = 90)
{
	real_client rc;
	check_client(script_client("py-zipkin.py", NULL, &rc), TB_PROTO_LIGHTSTEP, "zipkin-json",
		     15);
}

/* Go's zipkin-go, built from Debian's Go sources: Zipkin v2 JSON, whatever is asked. */
Test(client, go_zipkin_loses_nothing, .timeout = 90)
{
	static const real_client rc = {.name = "go-zipkin", .argv = {GO_ZIPKIN_BIN},
				       .carries_token = true};
	check_client(&rc, TB_PROTO_LIGHTSTEP, "zipkin-json", 16);
}

/* Datadog's C++ tracer from Debian: msgpack to the agent's /v0.4/traces. It sends no
 * header of ours, so its spans count in the run's totals only. */
Test(client, cpp_datadog_loses_nothing, .timeout = 90)
{
	static const real_client rc = {.name = "cpp-datadog", .argv = {CPP_DATADOG_BIN}};
	check_client(&rc, TB_PROTO_LIGHTSTEP, "datadog-v0.4", 17);
}

/* A run of several clients: each asks with its own token and gets its own command, all
 * held until the run releases them; their results are told apart; a request without a
 * token, a second result, and a result from a client of the run before are refused,
 * each with its reason. */
Test(client, several_clients_are_held_together_and_told_apart_by_their_tokens)
{
	enum { N = 3 };
	tb_command cmds[N];
	char why[256], env0[N][96], *envs[N][2];
	tb_child ch[N];
	sat_reset(21);
	for (size_t k = 0; k < N; k++) {
		cmds[k] = command(100 * (k + 1));
		cmds[k].client_index = (uint32_t)k;
		cmds[k].clients = N;
		cmds[k].run_id = 21;
		tb_access_token_for((uint32_t)k, cmds[k].access_token, sizeof(cmds[k].access_token));
	}
	cr_assert_eq(orc_channel_arm(chan, cmds, N, true, why, sizeof(why)), TB_OK, "%s", why);
	char tok0[TB_TOKEN_LEN + 1];
	orc_channel_token(chan, 0, tok0, sizeof(tok0));
	for (size_t k = 0; k < N; k++) {
		char tok[TB_TOKEN_LEN + 1];
		snprintf(env0[k], sizeof(env0[k]), TB_TOKEN_ENV "=%s",
			 orc_channel_token(chan, k, tok, sizeof(tok)));
		envs[k][0] = env0[k];
		envs[k][1] = NULL;
		char *argv[] = {CLIENT_BIN, "--control", chan_url, NULL};
		tb_child_opts o = {.extra_env = envs[k]};
		cr_assert_eq(tb_child_spawn(&ch[k], argv, &o, why, sizeof(why)), TB_OK, "%s", why);
	}
	cr_assert_eq(orc_channel_wait_asked(chan, N, 10000), TB_OK, "not every client asked");
	/* An answered ask is stamped under the same lock that counts it, so a channel that
	 * did not hold would show a start here already; no wait proves more. */
	for (size_t k = 0; k < N; k++)
		cr_assert_eq(orc_channel_started_ns(chan, k), 0, "client %zu was not held", k);
	orc_channel_release(chan);
	for (size_t k = 0; k < N; k++) {
		cr_assert_eq(tb_child_wait(&ch[k], 30000), TB_OK, "client %zu hung", k);
		cr_assert(WIFEXITED(ch[k].status) && WEXITSTATUS(ch[k].status) == 0);
		tb_child_fini(&ch[k]);
		cr_assert_neq(orc_channel_started_ns(chan, k), 0);
	}
	bool seen[N] = {false};
	for (size_t i = 0; i < N; i++) {
		tb_client_result r;
		size_t who = N;
		cr_assert_eq(orc_channel_wait_result(chan, 5000, &who, &r, why, sizeof(why)), TB_OK,
			     "%s", why);
		cr_assert_lt(who, N);
		cr_assert(!seen[who]);
		seen[who] = true;
		cr_assert_eq(r.spans_sent, 100 * (who + 1), "client %zu got another's command", who);
	}
	cr_assert_eq(sat_stat("spans"), 600);

	char control[96], result[96], hdr[96];
	snprintf(control, sizeof(control), "%s/control", chan_url);
	snprintf(result, sizeof(result), "%s/result", chan_url);
	const char *body = "{\"SpansSent\":5,\"ProgramTime\":1,\"ClockTime\":1}";
	buf b;
	cr_assert_eq(http("GET", control, NULL, &b), 403, "%s", b.data);
	cr_assert(strstr(b.data, "the connection is no client's of this run: its 3 clients are "
				 "told apart by it") != NULL, "%s", b.data);
	snprintf(hdr, sizeof(hdr), TB_TOKEN_HEADER ": %s", tok0);
	cr_assert_eq(http_with("POST", result, hdr, body, &b), 409, "%s", b.data);
	cr_assert(strstr(b.data, "client 0 of run 21 was already received") != NULL, "%s",
		  b.data);

	tb_command next = command(10);
	next.run_id = 22;
	arm(chan, &next);
	cr_assert_eq(http_with("POST", result, hdr, body, &b), 409, "%s", b.data);
	cr_assert(strstr(b.data, "a client's of run 21, which is over") != NULL, "%s", b.data);
	cr_assert_eq(orc_channel_refused(chan), 1);
	orc_channel_disarm(chan);
}

/* exchange does one request on h (a POST of body, else a GET), asserts a 200, and
 * returns how many connections it opened. */
static long exchange(CURL *h, const char *url, const char *body)
{
	buf b = {.len = 0};
	long status = 0, n = 0;
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_URL, url);
	if (body != NULL)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	else
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	cr_assert_eq(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	cr_assert_eq(status, 200, "%s: %.*s", url, (int)b.len, b.data);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &n);
	return n;
}

/* A client asks once per benchmark; with many clients answered at once, a new TCP
 * connection per request doubled what each waited. */
Test(client, a_clients_connection_is_kept_alive_across_its_requests)
{
	tb_command cmd = command(10);
	cmd.run_id = 31;
	arm(chan, &cmd);
	char control[96], result[96];
	snprintf(control, sizeof(control), "%s/control", chan_url);
	snprintf(result, sizeof(result), "%s/result", chan_url);
	CURL *h = curl_easy_init();
	long connects = 0;
	for (int i = 0; i < 5; i++)
		connects += exchange(h, control, NULL);
	connects += exchange(h, result, "{\"SpansSent\":10,\"ProgramTime\":1,\"ClockTime\":1}");
	curl_easy_cleanup(h);
	cr_assert_eq(connects, 1, "%ld connections for 6 requests", connects);
	orc_channel_disarm(chan);
}
