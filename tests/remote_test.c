/* SPDX-License-Identifier: MIT */
/* remote_test.c - a plan whose clients run on another host. A network namespace joined
 * to this one by a veth pair stands in for the other machine: a sampler agent and a
 * satellite agent run inside it, reached over tcp://, and the plan also keeps a satellite
 * group here. The client, launched by the remote sampler from its own registry, must
 * reach the control channel and both groups across the link, and its samples must come
 * back over nng, not shared memory; over tls+tcp://, only an orchestrator with the lab's
 * certificate gets in. Needs root (ip netns); skipped otherwise. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"
#include "common/error.h"
#include "testutil.h"

static char ns[32], va[16], vb[16], net[32], work[128], reg[160], out_path[160], err_path[160];
static tb_child sampler, satellite;
static bool have_ns, have_sampler, have_satellite;
/* a second host, for plans with two sampler hosts */
static char ns2[32], va2[16], vb2[16], net2[32];
static tb_child sampler2;
static bool have_ns2, have_sampler2;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* make_host makes namespace name joined to this one by the veth pair a (here) and b
 * (there), a on NET.1 and b on NET.2. False (nothing left) if it cannot. */
static bool make_host(const char *name, const char *a, const char *b, const char *n)
{
	if (sh("ip netns add %s 2>/dev/null", name) != 0)
		return false;
	/* A machine that has namespaces but no veth (some containers) skips, too. */
	if (sh("ip link add %s type veth peer name %s && ip link set %s netns %s && "
	       "ip addr add %s.1/24 dev %s && ip link set %s up && "
	       "ip netns exec %s ip addr add %s.2/24 dev %s && "
	       "ip netns exec %s ip link set %s up && ip netns exec %s ip link set lo up",
	       a, b, b, name, n, a, a, name, n, b, name, b, name) != 0) {
		sh("ip netns del %s", name);
		sh("ip link del %s 2>/dev/null", a);
		return false;
	}
	return true;
}

static void setup(void)
{
	int id = (int)getpid();
	snprintf(ns, sizeof(ns), "tbr%d", id);
	snprintf(va, sizeof(va), "tbra%d", id % 1000000);
	snprintf(vb, sizeof(vb), "tbrb%d", id % 1000000);
	snprintf(net, sizeof(net), "10.213.%d", id % 250 + 1);
	snprintf(work, sizeof(work), "/tmp/tb-remote-test-%d", id);
	snprintf(reg, sizeof(reg), "%s/clients.conf", work);
	snprintf(out_path, sizeof(out_path), "%s/out", work);
	snprintf(err_path, sizeof(err_path), "%s/err", work);
	cr_assert_eq(sh("mkdir -p %s", work), 0);
	FILE *f = fopen(reg, "w");
	cr_assert_not_null(f);
	fprintf(f, "[c]\ncommand = %s\n", CLIENT_BIN);
	fclose(f);
	if (geteuid() != 0)
		return;
	snprintf(ns2, sizeof(ns2), "tbs%d", id);
	snprintf(va2, sizeof(va2), "tbsa%d", id % 1000000);
	snprintf(vb2, sizeof(vb2), "tbsb%d", id % 1000000);
	snprintf(net2, sizeof(net2), "10.214.%d", id % 250 + 1);
	have_ns = make_host(ns, va, vb, net);
}

static void teardown(void)
{
	if (have_sampler) {
		tb_child_stop(&sampler, 2000);
		tb_child_fini(&sampler);
	}
	if (have_satellite) {
		tb_child_stop(&satellite, 2000);
		tb_child_fini(&satellite);
	}
	if (have_sampler2) {
		tb_child_stop(&sampler2, 2000);
		tb_child_fini(&sampler2);
	}
	if (have_ns)
		sh("ip netns del %s", ns);
	if (have_ns2)
		sh("ip netns del %s", ns2);
	sh("ip link del %s 2>/dev/null", va);
	sh("ip link del %s 2>/dev/null", va2);
	tu_remove_tree(work);
}

TestSuite(remote, .init = setup, .fini = teardown, .timeout = 150);

/* in_ns_named starts argv inside namespace name. */
static void in_ns_named(const char *name, tb_child *c, char *const argv[], const char *log)
{
	char *full[24] = {"ip", "netns", "exec", (char *)name};
	size_t n = 4;
	for (size_t i = 0; argv[i] != NULL && n < 23; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	char path[300], err[256];
	snprintf(path, sizeof(path), "%s/%s", work, log);
	tb_child_opts o = {.stdout_path = path, .stderr_path = path};
	cr_assert_eq(tb_child_spawn(c, full, &o, err, sizeof(err)), TB_OK, "%s", err);
}

/* in_ns starts argv inside the first namespace. */
static void in_ns(tb_child *c, char *const argv[], const char *log)
{
	in_ns_named(ns, c, argv, log);
}

static size_t collect(char *data, size_t size, size_t n, void *user)
{
	strncat(user, data, size * n < 4000 ? size * n : 4000);
	return size * n;
}

/* remote_spans reads the remote satellite's /stats (spans of its current run). */
static long remote_spans(void)
{
	char url[96], body[8192] = "";
	snprintf(url, sizeof(url), "http://%s.2:18361/stats", net);
	CURL *h = curl_easy_init();
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, (void *)body);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	cr_assert_eq(rc, CURLE_OK, "GET %s: %s", url, curl_easy_strerror(rc));
	const char *at = strstr(body, "\"spans\":");
	cr_assert_not_null(at, "%s", body);
	return atol(at + 8);
}


/* start_agents starts a sampler and a satellite agent in the namespace, on tcp:// with
 * --insecure, or on tls+tcp:// with the certificates make-certs.sh made for the
 * namespace's address, allowing only the orchestrator named "orc". */
static void start_agents(bool tls, char *smp_url, char *sat_url, size_t len)
{
	const char *scheme = tls ? "tls+tcp" : "tcp";
	char bind[48], cert[200], key[200], ca[200];
	snprintf(smp_url, len, "%s://%s.2:17100", scheme, net);
	snprintf(sat_url, len, "%s://%s.2:17200", scheme, net);
	snprintf(bind, sizeof(bind), "%s.2", net);
	snprintf(cert, sizeof(cert), "%s/certs/%s.2.crt", work, net);
	snprintf(key, sizeof(key), "%s/certs/%s.2.key", work, net);
	snprintf(ca, sizeof(ca), "%s/certs/ca.crt", work);
	char *smp[20] = {SAMPLER_BIN, "--control", smp_url, "--allow-remote", "--clients", reg,
			 "--lease", "20s", "-v"};
	char *sat[20] = {SATELLITE_BIN, "--bind", bind, "--ports", "18361,18362", "--control",
			 sat_url, "--allow-remote"};
	char *extra[] = {"--tls-cert", cert, "--tls-key", key, "--tls-ca", ca, "--tls-allow",
			 "orc", NULL};
	char *plain[] = {"--insecure", NULL};
	char **add = tls ? extra : plain;
	for (size_t i = 0; add[i] != NULL; i++) {
		smp[9 + i] = add[i];
		sat[8 + i] = add[i];
	}
	in_ns(&sampler, smp, "sampler.log");
	have_sampler = true;
	in_ns(&satellite, sat, "satellite.log");
	have_satellite = true;
}

/* run_plan runs text as a plan in work (its relative paths are work's); returns the
 * exit status, stdout in out, stderr in errs. */
static int run_plan(const char *text, char *out, size_t outlen, char *errs, size_t errlen)
{
	char plan[300], results[300], logs[300], cache[300];
	snprintf(plan, sizeof(plan), "%s/remote.plan", work);
	snprintf(results, sizeof(results), "%s/results", work);
	snprintf(logs, sizeof(logs), "%s/logs", work);
	snprintf(cache, sizeof(cache), "XDG_CACHE_HOME=%s/cache", work);
	cr_assert(tu_write_file(plan, text), "cannot write %s", plan);
	char *env[] = {cache, NULL};
	char *argv[] = {ORCHESTRATOR_BIN, "--plan", plan, "--results", results, "--logs", logs,
			"--control-port", "0", "--clients", reg, NULL};
	tb_child c;
	tb_child_opts o = {.stdout_path = out_path, .stderr_path = err_path, .extra_env = env};
	char err[256];
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_child_wait(&c, 120000), TB_OK, "the plan did not finish");
	int st = WIFEXITED(c.status) ? WEXITSTATUS(c.status) : -1;
	tb_child_fini(&c);
	tu_read_file(out_path, out, outlen);
	tu_read_file(err_path, errs, errlen);
	return st;
}

/* check_spread checks what a passed plan of run_plan left: both groups got spans, the
 * samples came over nng, and the agents stay or go as they should. */
static void check_spread(void)
{
	char text[16384];
	/* The client round-robins over both groups: the remote one took its share. */
	long remote = remote_spans();
	cr_assert(remote > 0 && remote < 600, "the remote group received %ld of 600", remote);
	/* Samples came over nng: the two hosts share no memory. */
	char path[400];
	snprintf(path, sizeof(path), "%s/logs/benchmark.log", work);
	tu_read_file(path, text, sizeof(text));
	cr_assert(strstr(text, "samples by nng") != NULL, "%s", text);
	cr_assert(strstr(text, "samples by ring") == NULL, "%s", text);
	/* The agents remain: the satellite serves on, the sampler was told to shut down. */
	cr_assert_eq(tb_child_wait(&sampler, 5000), TB_OK, "the sampler agent did not shut down");
	tb_child_fini(&sampler);
	have_sampler = false;
	cr_assert_neq(tb_child_wait(&satellite, 100), TB_OK, "the satellite agent was stopped");
}

static const char spread_plan[] =
	"client c\nsampling 50ms\nsampler \"%s\"\n%s"
	"satellites remote \"%s\"\nsatellites local\n"
	"run spread sps 300 runtime 2s\nassert spread.dropped_spans == 0\n"
	"assert spread.spans_received == 600\n";

Test(remote, clients_on_another_host_reach_the_channel_and_every_satellite_group)
{
	if (!have_ns)
		tu_skip("needs root, ip netns and veth to stand in for another host");
	char smp_url[64], sat_url[64], plan[1024], text[16384], errs[8192];
	start_agents(false, smp_url, sat_url, sizeof(smp_url));
	snprintf(plan, sizeof(plan), spread_plan, smp_url, "", sat_url);
	int st = run_plan(plan, text, sizeof(text), errs, sizeof(errs));
	cr_assert_eq(st, 0, "exit %d\n%s\n%s", st, text, errs);
	cr_assert(strstr(text, "PASS  ") != NULL && strstr(text, "FAIL") == NULL, "%s", text);
	check_spread();
}

/* A run through a proxy whose clients are on the other host: the proxy runs there too,
 * started by that host's sampler (a client there reaches only its own 127.0.0.1), in
 * front of both satellite groups as that host reaches them; a forwarding satellite
 * says it holds nothing at the end, and every span arrives once. */
Test(remote, a_proxy_runs_on_the_clients_host_through_its_sampler)
{
	if (!have_ns)
		tu_skip("needs root, ip netns and veth to stand in for another host");
	char smp_url[64], sat_url[64], plan[1024], text[16384], errs[8192];
	start_agents(false, smp_url, sat_url, sizeof(smp_url));
	snprintf(plan, sizeof(plan),
		 "client c\nsampling 50ms\nsampler \"%s\"\nsatellites remote \"%s\"\n"
		 "satellites local\nrun via sps 300 runtime 2s proxy satellite\n"
		 "assert via.spans_received == 600\nassert via.proxy_held == 0\n"
		 "assert via.proxy_cpu > 0\nassert via.proxy_peak_rss > 1000000\n",
		 smp_url, sat_url);
	int st = run_plan(plan, text, sizeof(text), errs, sizeof(errs));
	cr_assert_eq(st, 0, "exit %d\n%s\n%s", st, text, errs);
	cr_assert(strstr(text, "FAIL") == NULL, "%s", text);
	/* Both groups had their share, through the proxy on the other host. */
	long remote = remote_spans();
	cr_assert(remote > 0 && remote < 600, "the remote group received %ld of 600", remote);
	char path[400];
	snprintf(path, sizeof(path), "%s/sampler.log", work);
	tu_read_file(path, text, sizeof(text));
	cr_assert(strstr(text, "satellite listens on 127.0.0.1:") != NULL, "%s", text);
}

/* Over mutual TLS: an orchestrator whose certificate comes from another CA is refused,
 * told why, and leaves the agents serving the one with the lab's certificate, whose
 * plan passes with exact counts. */
Test(remote, over_tls_only_the_labs_orchestrator_gets_in_and_counts_stay_exact)
{
	if (!have_ns)
		tu_skip("needs root, ip netns and veth to stand in for another host");
	cr_assert_eq(sh("%s %s/certs %s.2 orc >/dev/null && %s %s/other orc >/dev/null",
			MAKE_CERTS, work, net, MAKE_CERTS, work), 0);
	char smp_url[64], sat_url[64], plan[1024], text[16384], errs[8192];
	start_agents(true, smp_url, sat_url, sizeof(smp_url));

	snprintf(plan, sizeof(plan), spread_plan, smp_url,
		 "tls cert \"other/orc.crt\" key \"other/orc.key\" ca \"certs/ca.crt\"\n",
		 sat_url);
	int st = run_plan(plan, text, sizeof(text), errs, sizeof(errs));
	cr_assert_eq(st, 2, "a stranger's plan: exit %d\n%s\n%s", st, text, errs);
	cr_assert(strstr(errs, "refused our certificate") != NULL, "%s", errs);

	snprintf(plan, sizeof(plan), spread_plan, smp_url,
		 "tls cert \"certs/orc.crt\" key \"certs/orc.key\" ca \"certs/ca.crt\"\n",
		 sat_url);
	st = run_plan(plan, text, sizeof(text), errs, sizeof(errs));
	cr_assert_eq(st, 0, "exit %d\n%s\n%s", st, text, errs);
	cr_assert(strstr(text, "PASS  ") != NULL && strstr(text, "FAIL") == NULL, "%s", text);
	check_spread();
}

/* samplers_of lists, in client order, the sampler each client of the plan's first run
 * came from, as runs.jsonl says: "URL1 URL1 URL2 ...". */
static void samplers_of(char *out, size_t len)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys; r=json.loads(open(sys.argv[1])"
		 ".readline())[\"result\"]; print(\" \".join(c[\"sampler\"] for c in "
		 "r[\"per_client\"]))' %s/results/*/runs.jsonl", work);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	out[0] = '\0';
	if (fgets(out, (int)len, p) == NULL)
		out[0] = '\0';
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
}

/* Two sampler hosts, two clients on each, in one run: every client reaches the control
 * channel and this host's satellite group by the address its own host reaches this one
 * by, and each client's spans are counted apart and exactly. */
Test(remote, two_sampler_hosts_with_two_clients_each_count_every_client_apart)
{
	if (!have_ns)
		tu_skip("needs root, ip netns and veth to stand in for another host");
	have_ns2 = make_host(ns2, va2, vb2, net2);
	cr_assert(have_ns2, "cannot make a second namespace");
	char url1[64], url2[64], plan[1024], text[16384], errs[8192];
	snprintf(url1, sizeof(url1), "tcp://%s.2:17100", net);
	snprintf(url2, sizeof(url2), "tcp://%s.2:17100", net2);
	char *smp1[] = {SAMPLER_BIN, "--control", url1, "--allow-remote", "--insecure",
			"--clients", reg, "--lease", "20s", NULL};
	char *smp2[] = {SAMPLER_BIN, "--control", url2, "--allow-remote", "--insecure",
			"--clients", reg, "--lease", "20s", NULL};
	in_ns_named(ns, &sampler, smp1, "sampler.log");
	have_sampler = true;
	in_ns_named(ns2, &sampler2, smp2, "sampler2.log");
	have_sampler2 = true;
	snprintf(plan, sizeof(plan),
		 "client c\nsampling 50ms\n"
		 "sampler \"%s\" name east\nsampler \"%s\" name west\n"
		 "satellites local\n"
		 "run spread sps 150 runtime 2s clients c x2 on east, c x2 on west\n"
		 "assert spread.spans_received == 1200\n"
		 "assert spread.client.spans_received == 300\n"
		 "assert spread.client.unexplained == 0\n", url1, url2);
	int st = run_plan(plan, text, sizeof(text), errs, sizeof(errs));
	cr_assert_eq(st, 0, "exit %d\n%s\n%s", st, text, errs);
	cr_assert(strstr(text, "4 of 4 counted apart, 4 of them with every span accounted for") !=
		  NULL, "%s", text);
	cr_assert_eq(tb_child_wait(&sampler, 5000), TB_OK, "the east sampler did not shut down");
	tb_child_fini(&sampler);
	have_sampler = false;
	cr_assert_eq(tb_child_wait(&sampler2, 5000), TB_OK, "the west sampler did not shut down");
	tb_child_fini(&sampler2);
	have_sampler2 = false;
	char got[512], want[512];
	samplers_of(got, sizeof(got));
	snprintf(want, sizeof(want), "%s %s %s %s", url1, url1, url2, url2);
	cr_assert_str_eq(got, want, "each client ran where the plan put it");
}
