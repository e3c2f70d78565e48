/* SPDX-License-Identifier: MIT */
/* tls_test.c - mutual TLS on agent links (tls+tcp://): calls go through with the lab's
 * certificates, strangers are refused with the reason, the agent keeps serving, and
 * bad certificate files or unsafe listening flags stop a program before it starts. */
#include "common/error.h"
#include "common/rpc.h"
#include "common/tls.h"
#include "testutil.h"

#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char lab[128], other[128], err[1024];

/* Two CAs: the lab's, with certificates for 127.0.0.1 and "orc", and another one. */
static void setup(void)
{
	snprintf(lab, sizeof(lab), "/tmp/tb-tls-test-%d/lab", (int)getpid());
	snprintf(other, sizeof(other), "/tmp/tb-tls-test-%d/other", (int)getpid());
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "%s %s 127.0.0.1 orc >/dev/null && %s %s orc >/dev/null",
		 MAKE_CERTS, lab, MAKE_CERTS, other);
	cr_assert_eq(system(cmd), 0, "%s failed", cmd);
}

static void teardown(void)
{
	char dir[128];
	snprintf(dir, sizeof(dir), "/tmp/tb-tls-test-%d", (int)getpid());
	tu_remove_tree(dir);
}

TestSuite(tls, .init = setup, .fini = teardown, .timeout = 60);

/* creds loads who's certificate from dir, trusting ca_dir's CA. */
static tb_tls *creds(const char *dir, const char *who, const char *ca_dir, const char *allow)
{
	static char cert[4][200], key[4][200], ca[4][200];
	static int slot;
	int i = slot++ % 4;
	snprintf(cert[i], sizeof(cert[i]), "%s/%s.crt", dir, who);
	snprintf(key[i], sizeof(key[i]), "%s/%s.key", dir, who);
	snprintf(ca[i], sizeof(ca[i]), "%s/ca.crt", ca_dir);
	tb_tls_opts o = {.cert = cert[i], .key = key[i], .ca = ca[i], .allow = allow};
	tb_tls *t;
	cr_assert_eq(tb_tls_load(&t, &o, err, sizeof(err)), TB_OK, "%s", err);
	return t;
}

struct agent {
	tb_rpc_server *s;
	pthread_t thread;
	tb_tls *tls;
	char url[128];
};

/* listen_as listens on tls+tcp://127.0.0.1 (a free port) as who, from the lab CA. */
static void listen_as(struct agent *a, const char *who, const char *allow)
{
	a->tls = creds(lab, who, lab, allow);
	tb_listen_policy p = {.tls = a->tls};
	cr_assert_eq(tb_rpc_server_alloc(&a->s, "tls+tcp://127.0.0.1:0", &p, err, sizeof(err)),
		     TB_OK, "%s", err);
	snprintf(a->url, sizeof(a->url), "%s", tb_rpc_server_url(a->s));
}

/* start_agent listens as listen_as does and serves on a thread of its own. */
static void start_agent(struct agent *a, const char *who, const char *allow)
{
	listen_as(a, who, allow);
	pthread_create(&a->thread, NULL, tu_rpc_serve, a->s);
}

/* hello_from dials a's URL (or url) with t and says Hello; returns the call's code. */
static int hello_from(const char *url, const tb_tls *t, int timeout_ms)
{
	tb_rpc_client *c;
	int rc = tb_rpc_client_alloc(&c, url, timeout_ms, t, err, sizeof(err));
	if (rc != TB_OK)
		return rc;
	Tb__Envelope *rep;
	rc = tb_rpc_hello(c, "orchestrator", &rep, err, sizeof(err));
	tb_rpc_free(rep);
	tb_rpc_client_free(c);
	return rc;
}

static void stop_agent(struct agent *a, const tb_tls *t)
{
	tb_rpc_client *c;
	cr_assert_eq(tb_rpc_client_alloc(&c, a->url, 5000, t, err, sizeof(err)), TB_OK);
	tb_rpc_shutdown(c);
	tb_rpc_client_free(c);
	pthread_join(a->thread, NULL);
	tb_rpc_server_free(a->s);
	tb_tls_free(a->tls);
}

Test(tls, a_certificate_from_another_ca_is_refused_and_the_agent_keeps_serving)
{
	struct agent a;
	start_agent(&a, "127.0.0.1", NULL);
	tb_tls *orc = creds(lab, "orc", lab, NULL);
	cr_assert_eq(hello_from(a.url, orc, 5000), TB_OK, "%s", err);

	/* Our certificate from another CA: the agent refuses it during the handshake. */
	tb_tls *stranger = creds(other, "orc", lab, NULL);
	cr_assert_eq(hello_from(a.url, stranger, 1500), TB_ETIMEDOUT);
	cr_assert(strstr(err, "refused our certificate") != NULL, "%s", err);
	cr_assert_eq(hello_from(a.url, orc, 5000), TB_OK, "after the stranger: %s", err);

	/* An orchestrator that trusts another CA refuses the agent, and says so. */
	tb_tls *wary = creds(other, "orc", other, NULL);
	cr_assert_eq(hello_from(a.url, wary, 1500), TB_ETIMEDOUT);
	cr_assert(strstr(err, "not signed by --tls-ca") != NULL, "%s", err);

	/* A plain tcp:// dialer gets nothing useful, and causes nothing. */
	char plain[128];
	snprintf(plain, sizeof(plain), "tcp://%s", a.url + strlen("tls+tcp://"));
	cr_assert_eq(hello_from(plain, NULL, 1500), TB_ETIMEDOUT);
	cr_assert_eq(hello_from(a.url, orc, 5000), TB_OK, "after the plain dialer: %s", err);

	stop_agent(&a, orc);
	tb_tls_free(orc);
	tb_tls_free(stranger);
	tb_tls_free(wary);
}

Test(tls, tls_allow_admits_only_the_certificate_that_names_it)
{
	struct agent a;
	start_agent(&a, "127.0.0.1", "orc");
	/* Same CA, another name: refused. */
	tb_tls *host = creds(lab, "127.0.0.1", lab, NULL);
	cr_assert_eq(hello_from(a.url, host, 1500), TB_ETIMEDOUT);
	cr_assert(strstr(err, "refused our certificate") != NULL, "%s", err);
	tb_tls *orc = creds(lab, "orc", lab, NULL);
	cr_assert_eq(hello_from(a.url, orc, 5000), TB_OK, "%s", err);
	stop_agent(&a, orc);
	tb_tls_free(orc);
	tb_tls_free(host);
}

Test(tls, the_orchestrator_checks_the_agent_is_the_host_it_dialed)
{
	struct agent a;
	listen_as(&a, "orc", NULL); /* a certificate for "orc", on 127.0.0.1; the handshake
				    * fails before any request could be served */
	tb_tls *orc = creds(lab, "orc", lab, NULL);
	cr_assert_eq(hello_from(a.url, orc, 1500), TB_ETIMEDOUT);
	cr_assert(strstr(err, "does not name '127.0.0.1'") != NULL, "%s", err);
	tb_tls_free(orc);
	tb_rpc_server_free(a.s);
	tb_tls_free(a.tls);
}

/* raw_connect opens a TCP connection to the port of a tls+tcp://127.0.0.1:PORT URL. */
static int raw_connect(const char *url)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)atoi(strrchr(url, ':') + 1))};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

Test(tls, a_stalled_handshake_neither_blocks_the_agent_nor_lingers, .timeout = 60)
{
	struct agent a;
	start_agent(&a, "127.0.0.1", NULL);
	tb_tls *orc = creds(lab, "orc", lab, NULL);
	int fd = raw_connect(a.url); /* connects, then says nothing */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(hello_from(a.url, orc, 5000), TB_OK, "beside a stalled handshake: %s", err);

	/* The agent drops the silent connection after nng's 10 s negotiation limit. */
	struct pollfd p = {.fd = fd, .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 20000), 1, "the stalled connection was never closed");
	char c;
	cr_assert_leq(recv(fd, &c, 1, 0), 0, "the agent sent data to a silent peer");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_assert_lt(waited, 15, "closed after %.1f s", waited);
	close(fd);
	stop_agent(&a, orc);
	tb_tls_free(orc);
}

/* load_fails expects o to be refused with every needle in the message. */
static void load_fails(tb_tls_opts o, const char *needle, const char *needle2)
{
	tb_tls *t = NULL;
	cr_assert_eq(tb_tls_load(&t, &o, err, sizeof(err)), TB_EINVAL, "loaded");
	cr_assert_null(t);
	cr_assert(strstr(err, needle) != NULL, "%s", err);
	cr_assert(needle2 == NULL || strstr(err, needle2) != NULL, "%s", err);
}

/* make_expired writes dir/old.crt and dir/old.key: signed by the lab CA, valid only on
 * 2020-01-01. */
static void make_expired(const char *dir)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir -p db && : > db/index.txt && echo 01 > db/serial && "
		 "printf '[ca]\\ndefault_ca=lab\\n[lab]\\ndatabase=db/index.txt\\n"
		 "serial=db/serial\\nnew_certs_dir=db\\ndefault_md=sha256\\npolicy=any\\n"
		 "[any]\\ncommonName=supplied\\n' > ca.cnf && "
		 "openssl ecparam -name prime256v1 -genkey -noout -out old.key 2>/dev/null && "
		 "openssl req -new -key old.key -subj /CN=old -out old.csr && "
		 "openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key "
		 "-startdate 20200101000000Z -enddate 20200102000000Z -in old.csr -out old.crt "
		 ">/dev/null 2>&1",
		 dir);
	cr_assert_eq(system(cmd), 0, "could not make an expired certificate");
}

Test(tls, bad_certificate_files_are_named_with_the_reason)
{
	char cert[200], key[200], ca[200], okey[200], junk[200], old[200], oldkey[200];
	snprintf(cert, sizeof(cert), "%s/orc.crt", lab);
	snprintf(key, sizeof(key), "%s/orc.key", lab);
	snprintf(okey, sizeof(okey), "%s/127.0.0.1.key", lab);
	snprintf(ca, sizeof(ca), "%s/ca.crt", lab);
	snprintf(junk, sizeof(junk), "%s/junk.pem", lab);
	FILE *f = fopen(junk, "w");
	fputs("not a certificate\n", f);
	fclose(f);

	load_fails((tb_tls_opts){.cert = cert, .ca = ca}, "--tls-key is missing", NULL);
	load_fails((tb_tls_opts){.cert = "/nonexistent.crt", .key = key, .ca = ca},
		   "--tls-cert /nonexistent.crt: cannot read", NULL);
	load_fails((tb_tls_opts){.cert = junk, .key = key, .ca = ca}, junk,
		   "not a PEM certificate");
	load_fails((tb_tls_opts){.cert = cert, .key = junk, .ca = ca}, "unreadable key", junk);
	load_fails((tb_tls_opts){.cert = cert, .key = okey, .ca = ca}, "is not the key of",
		   cert);
	make_expired(lab);
	snprintf(old, sizeof(old), "%s/old.crt", lab);
	snprintf(oldkey, sizeof(oldkey), "%s/old.key", lab);
	load_fails((tb_tls_opts){.cert = old, .key = oldkey, .ca = ca}, "expired on 2020-01-02",
		   old);
}

/* run_agent runs program with args (a shell fragment), waits up to 10 s, and returns
 * its exit status; what it printed is in err. */
static int run_agent(const char *program, const char *args)
{
	char out[128], cmd[1024];
	snprintf(out, sizeof(out), "/tmp/tb-tls-test-%d/agent.err", (int)getpid());
	snprintf(cmd, sizeof(cmd), "timeout 10 %s %s > %s 2>&1", program, args, out);
	int st = system(cmd);
	tu_read_file(out, err, sizeof(err));
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(tls, agents_refuse_plain_tcp_beyond_loopback_without_insecure)
{
	const char *bins[] = {SAMPLER_BIN, SATELLITE_BIN};
	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(run_agent(bins[i], "--control tcp://0.0.0.0:0 --allow-remote"), 2,
			     "%s", err);
		cr_assert(strstr(err, "--insecure") != NULL && strstr(err, "tls+tcp://") != NULL,
			  "%s: %s", bins[i], err);
		char args[600];
		snprintf(args, sizeof(args), "--control tls+tcp://0.0.0.0:0 --allow-remote "
			 "--tls-cert %s/orc.crt --tls-key %s/127.0.0.1.key --tls-ca %s/ca.crt",
			 lab, lab, lab);
		cr_assert_eq(run_agent(bins[i], args), 2, "%s", err);
		cr_assert(strstr(err, "is not the key of") != NULL, "%s: %s", bins[i], err);
		cr_assert_eq(run_agent(bins[i], "--control tls+tcp://127.0.0.1:0"), 2, "%s", err);
		cr_assert(strstr(err, "--tls-cert") != NULL, "%s: %s", bins[i], err);
	}
}
