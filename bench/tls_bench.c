/* SPDX-License-Identifier: MIT */
/* tls_bench.c - what mutual TLS costs on the agent link: a real `sampler` agent samples
 * a sleeping process at 1 ms for S seconds (default 20) and this program takes the
 * samples as a remote orchestrator does, as LZ4 SampleBatch replies to SmpPoll every
 * 200 ms, once over tcp:// and once over tls+tcp:// (certificates from
 * scripts/make-certs.sh). For each it prints the samples per second that arrived, the
 * sampler's CPU and this side's CPU as shares of one core, and then what TLS added.
 *
 *   tls_bench [--seconds S] [--sampler PATH] */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/child.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/host.h"
#include "common/rpc.h"
#include "common/tls.h"
#include "common/units.h"
#include "bench/samplerargs.h"
#include "sampler/source.h"

typedef struct link_figures {
	double samples_per_s, sampler_pct, reader_pct;
	uint64_t lost;
} link_figures;

/* self_cpu_ns is this process's CPU time, every thread. */
static uint64_t self_cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_utime.tv_sec * TB_NS_PER_S + (uint64_t)ru.ru_utime.tv_usec * 1000 +
	       (uint64_t)ru.ru_stime.tv_sec * TB_NS_PER_S + (uint64_t)ru.ru_stime.tv_usec * 1000;
}

static int call_ok(tb_rpc_client *c, Tb__Envelope *req)
{
	char err[512];
	Tb__Envelope *rep;
	int rc = tb_rpc_call(c, req, &rep, err, sizeof(err));
	if (rc != TB_OK)
		fprintf(stderr, "tls_bench: %s: %s\n", tb_rpc_body_name(req->body_case), err);
	tb_rpc_free(rep);
	return rc;
}

/* smp_run starts or stops sampling pid over c. */
static int smp_run(tb_rpc_client *c, pid_t pid, bool start)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SmpStart st = TB__SMP_START__INIT;
	Tb__SmpStop sp = TB__SMP_STOP__INIT;
	st.pid = sp.pid = (uint32_t)pid;
	st.period_us = 1000;
	st.run_id = 1;
	req.body_case = start ? TB__ENVELOPE__BODY_SMP_START : TB__ENVELOPE__BODY_SMP_STOP;
	if (start)
		req.smp_start = &st;
	else
		req.smp_stop = &sp;
	return call_ok(c, &req);
}

/* poll_for reads batches every 200 ms for secs; returns the samples that arrived. */
static uint64_t poll_for(smp_source *src, double secs, int *rc)
{
	static tb_rec_sample buf[8192];
	char err[512];
	uint64_t got = 0, end = tb_now_ns() + (uint64_t)(secs * 1e9);
	size_t k;
	*rc = TB_OK;
	while (*rc == TB_OK && tb_now_ns() < end) {
		tb_sleep_ns(200 * TB_NS_PER_MS);
		while ((*rc = smp_source_read(src, buf, 8192, &k, err, sizeof(err))) == TB_OK &&
		       k > 0)
			got += k;
	}
	if (*rc != TB_OK)
		fprintf(stderr, "tls_bench: reading samples: %s\n", err);
	return got;
}

/* measure runs one link: the agent on url (with tls, or NULL), secs of 1 ms samples. */
static int measure(const char *smp_path, const char *url, const tb_tls *tls,
		   char *const tls_args[], double secs, link_figures *f)
{
	char err[512];
	char *argv[24] = {(char *)smp_path, "--control", (char *)url, "--lease", "0", "-q"};
	size_t n = 6;
	for (size_t i = 0; tls_args != NULL && tls_args[i] != NULL; i++)
		argv[n++] = tls_args[i];
	argv[n] = NULL;
	char *targv[] = {"sleep", "100000", NULL};
	tb_child smp = {0}, target = {0};
	tb_rpc_client *c = NULL;
	smp_source *src = NULL;
	int rc = TB_ESYS;
	if (tb_child_spawn(&smp, argv, NULL, err, sizeof(err)) != TB_OK ||
	    tb_child_spawn(&target, targv, NULL, err, sizeof(err)) != TB_OK ||
	    tb_rpc_client_alloc(&c, url, 10000, tls, err, sizeof(err)) != TB_OK ||
	    smp_source_rpc_alloc(&src, c) != TB_OK) {
		fprintf(stderr, "tls_bench: %s\n", err);
		goto out;
	}
	Tb__Envelope *hello;
	if ((rc = tb_rpc_hello(c, "tls_bench", &hello, err, sizeof(err))) != TB_OK) {
		fprintf(stderr, "tls_bench: %s\n", err);
		goto out;
	}
	tb_rpc_free(hello);
	uint64_t s0 = tb_process_cpu_ns(smp.pid), r0 = self_cpu_ns(), t0 = tb_now_ns();
	if ((rc = smp_run(c, target.pid, true)) != TB_OK)
		goto out;
	uint64_t got = poll_for(src, secs, &rc);
	uint64_t s1 = tb_process_cpu_ns(smp.pid), r1 = self_cpu_ns(), t1 = tb_now_ns();
	if (rc == TB_OK)
		rc = smp_run(c, target.pid, false);
	double wall = (double)(t1 - t0) / 1e9;
	f->samples_per_s = (double)got / wall;
	f->sampler_pct = 100.0 * (double)(s1 - s0) / 1e9 / wall;
	f->reader_pct = 100.0 * (double)(r1 - r0) / 1e9 / wall;
	f->lost = smp_source_lost(src);
out:
	if (c != NULL)
		tb_rpc_shutdown(c);
	smp_source_free(src);
	tb_rpc_client_free(c);
	if (smp.pid > 0) {
		tb_child_wait(&smp, 5000);
		tb_child_fini(&smp);
	}
	if (target.pid > 0) {
		tb_child_stop(&target, 0);
		tb_child_fini(&target);
	}
	return rc;
}

/* free_port asks the kernel for a loopback port nothing listens on. */
static unsigned free_port(void)
{
	tb_rpc_server *s;
	char err[256];
	if (tb_rpc_server_alloc(&s, "tcp://127.0.0.1:0", NULL, err, sizeof(err)) != TB_OK)
		return 17999;
	const char *u = tb_rpc_server_url(s);
	unsigned port = (unsigned)atoi(strrchr(u, ':') + 1);
	tb_rpc_server_free(s);
	return port;
}

static void print_row(const char *name, const link_figures *f)
{
	printf("%-9s %12.0f %12.3f%% %12.3f%% %8llu\n", name, f->samples_per_s, f->sampler_pct,
	       f->reader_pct, (unsigned long long)f->lost);
}

/* make_certs writes a lab CA and certificates for 127.0.0.1 and tls-bench into dir. */
static int make_certs(const char *dir)
{
	char cmd[PATH_MAX + 300];
	snprintf(cmd, sizeof(cmd), "%s %s 127.0.0.1 tls-bench >/dev/null", MAKE_CERTS, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "tls_bench: %s failed\n", cmd);
		return TB_ESYS;
	}
	return TB_OK;
}

int main(int argc, char **argv)
{
	double secs = 20;
	char smp_path[PATH_MAX];
	setvbuf(stdout, NULL, _IOLBF, 0);
	int st = tb_sampler_args("tls_bench", argc, argv, &secs, smp_path, sizeof(smp_path));
	if (st >= 0)
		return st;
	char dir[64], cert[128], key[128], ca[128], ocert[128], okey[128];
	snprintf(dir, sizeof(dir), "/tmp/tb-tls-bench-%d", (int)getpid());
	snprintf(cert, sizeof(cert), "%s/127.0.0.1.crt", dir);
	snprintf(key, sizeof(key), "%s/127.0.0.1.key", dir);
	snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
	snprintf(ocert, sizeof(ocert), "%s/tls-bench.crt", dir);
	snprintf(okey, sizeof(okey), "%s/tls-bench.key", dir);
	int status = 2;
	tb_tls *tls = NULL;
	char err[512], plain[64], secure[64];
	tb_tls_opts to = {.cert = ocert, .key = okey, .ca = ca};
	if (make_certs(dir) != TB_OK || tb_tls_load(&tls, &to, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "tls_bench: %s\n", err);
		goto out;
	}
	snprintf(plain, sizeof(plain), "tcp://127.0.0.1:%u", free_port());
	snprintf(secure, sizeof(secure), "tls+tcp://127.0.0.1:%u", free_port());
	char *tls_args[] = {"--tls-cert", cert, "--tls-key", key, "--tls-ca", ca, NULL};
	printf("tls_bench: a sampler agent sampling a sleeping process at 1 ms for %.0f s per "
	       "link, its LZ4 batches polled every 200 ms (%s)\n", secs, smp_path);
	printf("%-9s %12s %13s %13s %8s\n", "link", "samples/s", "sampler CPU", "reader CPU",
	       "lost");
	link_figures p = {0}, t = {0};
	if (measure(smp_path, plain, NULL, NULL, secs, &p) != TB_OK)
		goto out;
	print_row("tcp", &p);
	if (measure(smp_path, secure, tls, tls_args, secs, &t) != TB_OK)
		goto out;
	print_row("tls+tcp", &t);
	printf("TLS adds %+.3f points of a core on the sampler and %+.3f on the reader; "
	       "samples/s %.3f of plain\n", t.sampler_pct - p.sampler_pct,
	       t.reader_pct - p.reader_pct, p.samples_per_s > 0 ? t.samples_per_s / p.samples_per_s
								: 0);
	status = 0;
out:
	tb_tls_free(tls);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "tls_bench: could not remove %s\n", dir);
	return status;
}
