/* SPDX-License-Identifier: MIT */
/* sampler_test.c - the sampler end to end: a real `sampler` agent process driven over
 * nng, launching registered test clients (tests/testchild.c) whose CPU and memory
 * behaviour is known, with samples read back through both sample sources (the
 * shared-memory ring and SmpPoll batches). Fidelity: CPU against wait4's rusage, a 50%
 * duty cycle, a 200 MiB allocation seen within one period. Faults: unregistered names,
 * missing pids, bad requests, and an orchestrator that goes silent. */
#include <criterion/criterion.h>
#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"
#include "common/command.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/records.h"
#include "common/rpc.h"
#include "sampler/source.h"

#define MS TB_NS_PER_MS

/* ---- the sampler under test ---- */

static tb_child smp;
static tb_rpc_client *ctl;
static char ctl_url[128], reg_path[128], ring_name[128];

static void write_registry(void)
{
	snprintf(reg_path, sizeof(reg_path), "/tmp/tb-smp-test-%d.conf", (int)getpid());
	FILE *f = fopen(reg_path, "w");
	cr_assert_not_null(f);
	fprintf(f,
		"# clients the sampler under test may launch\n"
		"[burn5]\ncommand = %s burn 5 300\n"
		"[burn1]\ncommand = %s burn 1 200\n"
		"[duty50]\ncommand = %s duty 50 3\n"
		"[alloc200]\ncommand = %s alloc 200 400\n"
		"[spawn1]\ncommand = %s spawn 1\n"
		"[sleep30]\ncommand = %s sleep 30\n"
		"[exit7]\ncommand = %s exit 7\n"
		"[argv]\ncommand = %s exit 0\nmode = argv\n",
		TESTCHILD_BIN, TESTCHILD_BIN, TESTCHILD_BIN, TESTCHILD_BIN, TESTCHILD_BIN,
		TESTCHILD_BIN, TESTCHILD_BIN, TESTCHILD_BIN);
	fclose(f);
}

static Tb__Envelope *hello(tb_rpc_client *c)
{
	Tb__Envelope *rep;
	char err[256];
	cr_assert_eq(tb_rpc_hello(c, "test", &rep, err, sizeof(err)), TB_OK, "hello: %s", err);
	return rep;
}

/* start_sampler starts an agent on url with extra flags (NULL-terminated). */
static void start_sampler(tb_child *c, tb_rpc_client **cp, char *url, size_t urllen,
			  const char *tag, const char *extra1, const char *extra2)
{
	char err[256];
	char *argv[16];
	int n = 0;
	snprintf(url, urllen, "ipc:///tmp/tb-smp-test-%s-%d.ipc", tag, (int)getpid());
	argv[n++] = SAMPLER_BIN;
	argv[n++] = "--control";
	argv[n++] = url;
	argv[n++] = "--clients";
	argv[n++] = reg_path;
	if (extra1)
		argv[n++] = (char *)extra1;
	if (extra2)
		argv[n++] = (char *)extra2;
	argv[n] = NULL;
	cr_assert_eq(tb_child_spawn(c, argv, NULL, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_rpc_client_alloc(cp, url, 5000, NULL, err, sizeof(err)), TB_OK);
}

static void setup(void)
{
	write_registry();
	start_sampler(&smp, &ctl, ctl_url, sizeof(ctl_url), "main", "--ring", "auto");
	Tb__Envelope *rep = hello(ctl);
	cr_assert_str_eq(rep->hello_reply->role, "sampler");
	snprintf(ring_name, sizeof(ring_name), "%s", rep->hello_reply->ring_name);
	cr_assert(ring_name[0] != '\0');
	tb_rpc_free(rep);
}

static void teardown(void)
{
	tb_rpc_shutdown(ctl);
	tb_rpc_client_free(ctl);
	cr_expect_eq(tb_child_wait(&smp, 5000), TB_OK, "sampler did not exit on Shutdown");
	cr_expect(WIFEXITED(smp.status) && WEXITSTATUS(smp.status) == 0,
		  "sampler exit status %d", smp.status);
	tb_child_fini(&smp);
	unlink(reg_path);
}

/* call sends req; returns the tb_rpc_call status, the reply (or NULL) in *repp and the
 * error text in err. */
static int call(tb_rpc_client *c, Tb__Envelope *req, Tb__Envelope **repp, char *err,
		size_t errlen)
{
	Tb__Envelope *rep = NULL;
	int rv = tb_rpc_call(c, req, &rep, err, errlen);
	if (repp != NULL)
		*repp = rep;
	else
		tb_rpc_free(rep);
	return rv;
}

static pid_t launch_on(tb_rpc_client *c, const char *name, uint32_t period_ms, bool use_ring, bool children,
		    const char *env, uint64_t run_start)
{
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep;
	Tb__SmpLaunch l = TB__SMP_LAUNCH__INIT;
	char err[256], *envs[1] = {(char *)env};
	l.client_name = (char *)name;
	l.period_us = period_ms * 1000;
	l.use_ring = use_ring;
	l.include_children = children;
	l.run_id = 42;
	l.run_start_ns = run_start;
	l.n_env = env != NULL;
	l.env = envs;
	req.body_case = TB__ENVELOPE__BODY_SMP_LAUNCH;
	req.smp_launch = &l;
	cr_assert_eq(call(c, &req, &rep, err, sizeof(err)), TB_OK, "launch %s: %s", name, err);
	cr_assert_eq(rep->body_case, TB__ENVELOPE__BODY_SMP_LAUNCHED);
	pid_t pid = (pid_t)rep->smp_launched->pid;
	tb_rpc_free(rep);
	return pid;
}

static pid_t launch(const char *name, uint32_t period_ms, bool use_ring, bool children,
		    const char *env, uint64_t run_start)
{
	return launch_on(ctl, name, period_ms, use_ring, children, env, run_start);
}

/* A sample stream, collected until its last sample: the client exited, or the pid is
 * gone or unreadable (a STOPPED sample may come before a launched client's exit). */
typedef struct stream {
	tb_rec_sample *s;
	size_t n;
} stream;

static stream collect(smp_source *src, pid_t pid, int timeout_ms)
{
	stream st = {calloc(100000, sizeof(tb_rec_sample)), 0};
	tb_rec_sample buf[512];
	char err[256];
	uint64_t deadline = tb_now_ns() + (uint64_t)timeout_ms * MS;
	for (;;) {
		size_t n;
		cr_assert_eq(smp_source_read(src, buf, 512, &n, err, sizeof(err)), TB_OK, "%s", err);
		for (size_t i = 0; i < n; i++) {
			if (buf[i].pid != (uint32_t)pid)
				continue;
			cr_assert_lt(st.n, 100000);
			st.s[st.n++] = buf[i];
			if (buf[i].status != TB_SAMPLE_OK && buf[i].status != TB_SAMPLE_STOPPED)
				return st;
		}
		cr_assert_lt(tb_now_ns(), deadline, "no final sample for pid %d within %d ms",
			     (int)pid, timeout_ms);
		if (n == 0)
			tb_sleep_ns(20 * MS);
	}
}

static const tb_rec_sample *last_ok(const stream *st)
{
	for (size_t i = st->n; i-- > 0;)
		if (st->s[i].status == TB_SAMPLE_OK)
			return &st->s[i];
	cr_assert_fail("no OK sample");
	return NULL;
}

static smp_source *ring_source(void)
{
	smp_source *src;
	char err[256];
	cr_assert_eq(smp_source_ring_alloc(&src, ring_name, err, sizeof(err)), TB_OK, "%s", err);
	return src;
}

TestSuite(sampler, .init = setup, .fini = teardown, .timeout = 60);

/* launch_and_collect launches the registered client name sampled every period_ms into
 * the ring, and collects its stream to the end. */
static stream launch_and_collect(const char *name, uint32_t period_ms, int timeout_ms)
{
	smp_source *src = ring_source();
	pid_t pid = launch(name, period_ms, true, false, NULL, 0);
	stream st = collect(src, pid, timeout_ms);
	smp_source_free(src);
	return st;
}

Test(sampler, cpu_total_matches_rusage_within_one_percent)
{
	stream st = launch_and_collect("burn5", 100, 30000);
	const tb_rec_sample *fin = &st.s[st.n - 1], *live = last_ok(&st);
	cr_assert_eq(fin->status, TB_SAMPLE_EXITED);
	cr_assert_eq(fin->exit_code, 0);
	double ratio = (double)live->cpu_ns / (double)fin->cpu_ns;
	cr_log_info("burn 5 s: sampled %.4f s, rusage %.4f s, ratio %.5f, %zu samples",
		    live->cpu_ns / 1e9, fin->cpu_ns / 1e9, ratio, st.n);
	cr_assert(fin->cpu_ns > 4900 * MS, "rusage says only %.3f s", fin->cpu_ns / 1e9);
	cr_assert(ratio > 0.99 && ratio < 1.01, "sampled/rusage = %.4f", ratio);
	/* Sampled from the first instruction: the first sample has (almost) no CPU. */
	cr_assert_lt(st.s[0].cpu_ns, 20 * MS);
	/* The grid held: no gap much over one period (a loaded host may delay one). */
	for (size_t i = 1; i + 1 < st.n; i++)
		cr_assert_lt(st.s[i].t_ns - st.s[i - 1].t_ns, 250 * MS, "gap at sample %zu", i);
	cr_assert_eq(st.s[0].run_id, 42);
	free(st.s);
}

Test(sampler, duty_cycle_of_half_measures_fifty_percent)
{
	stream st = launch_and_collect("duty50", 100, 20000);
	/* Skip the first half second (exec, warm-up), measure to the last live sample. */
	const tb_rec_sample *a = NULL, *b = last_ok(&st);
	for (size_t i = 0; i < st.n && a == NULL; i++)
		if (st.s[i].t_ns >= 500 * MS)
			a = &st.s[i];
	cr_assert_not_null(a);
	double pct = 100.0 * (double)(b->cpu_ns - a->cpu_ns) / (double)(b->t_ns - a->t_ns);
	cr_log_info("duty 50%%: measured %.2f%% over %.2f s", pct, (b->t_ns - a->t_ns) / 1e9);
	cr_assert(pct > 47.0 && pct < 53.0, "measured %.2f%%", pct);
	free(st.s);
}

Test(sampler, allocation_of_200_mib_shows_in_rss_within_one_period)
{
	char mark[128], env[160];
	snprintf(mark, sizeof(mark), "/tmp/tb-smp-test-mark-%d", (int)getpid());
	snprintf(env, sizeof(env), "TB_MARK=%s", mark);
	unlink(mark);
	smp_source *src = ring_source();
	uint64_t origin = tb_now_ns();
	pid_t pid = launch("alloc200", 100, true, false, env, origin);
	stream st = collect(src, pid, 20000);
	cr_assert_eq(st.s[st.n - 1].exit_code, 0);
	FILE *f = fopen(mark, "r");
	cr_assert_not_null(f, "the client wrote no mark");
	unsigned long long done;
	cr_assert_eq(fscanf(f, "%llu", &done), 1);
	fclose(f);
	unlink(mark);
	/* The first sample taken after the memory was touched must show it. */
	const tb_rec_sample *first_after = NULL;
	for (size_t i = 0; i < st.n && first_after == NULL; i++)
		if (origin + st.s[i].t_ns >= done)
			first_after = &st.s[i];
	cr_assert_not_null(first_after);
	uint64_t lag = origin + first_after->t_ns - done;
	cr_log_info("200 MiB: first sample after the touch is %.1f ms later with RSS %.1f MiB",
		    lag / 1e6, first_after->rss_bytes / 1048576.0);
	cr_assert_geq(first_after->rss_bytes, 200ull << 20);
	cr_assert_leq(lag, 100 * MS + 30 * MS, "lag %.1f ms", lag / 1e6);
	cr_assert_geq(st.s[st.n - 1].hwm_bytes, 200ull << 20, "peak RSS at exit");
	free(st.s);
	smp_source_free(src);
}

Test(sampler, nng_path_delivers_every_sample_in_lz4_batches)
{
	smp_source *src;
	cr_assert_eq(smp_source_rpc_alloc(&src, ctl), TB_OK);
	pid_t pid = launch("burn1", 10, false, false, NULL, 0);
	stream st = collect(src, pid, 20000);
	cr_assert_eq(st.s[st.n - 1].status, TB_SAMPLE_EXITED);
	cr_assert_gt(st.n, 80, "only %zu samples at 10 ms over ~1.2 s", st.n);
	for (size_t i = 1; i < st.n; i++)
		cr_assert_eq(st.s[i].seq, st.s[i - 1].seq + 1, "seq gap at %zu", i);
	/* Every live sample reads a live program: none from the zombie after exit. */
	for (size_t i = 0; i + 1 < st.n; i++)
		cr_assert(st.s[i].status == TB_SAMPLE_OK && st.s[i].rss_bytes > 0,
			  "sample %zu: status %u, RSS %llu", i, st.s[i].status,
			  (unsigned long long)st.s[i].rss_bytes);
	cr_assert_eq(smp_source_lost(src), 0);
	/* The exit sample is the process's own CPU: at most what the last live sample had,
	 * plus one period of burning and what an empty child costs to exit, measured here
	 * (under ASan that is LeakSanitizer's scan, whose helper process is not counted). */
	uint64_t live = last_ok(&st)->cpu_ns, fin = st.s[st.n - 1].cpu_ns;
	pid_t e = launch("exit7", 10, false, false, NULL, 0);
	stream empty = collect(src, e, 20000);
	uint64_t floor = empty.s[empty.n - 1].cpu_ns;
	cr_log_info("burn 1 s at 10 ms: last live %.4f s, exit %.4f s, empty child %.4f s",
		    live / 1e9, fin / 1e9, floor / 1e9);
	cr_assert_geq(fin, live);
	cr_assert_leq(fin - live, 10 * MS + floor + 5 * MS, "exit %.4f s, last live %.4f s, "
		      "an empty child %.4f s", fin / 1e9, live / 1e9, floor / 1e9);
	free(empty.s);
	/* A later poll has nothing new for this pid. */
	tb_rec_sample more[16];
	size_t n;
	char err[256];
	cr_assert_eq(smp_source_read(src, more, 16, &n, err, sizeof(err)), TB_OK);
	for (size_t i = 0; i < n; i++)
		cr_assert_neq(more[i].pid, (uint32_t)pid);
	free(st.s);
	smp_source_free(src);
}

Test(sampler, exit_status_is_reported)
{
	stream st = launch_and_collect("exit7", 10, 10000);
	cr_assert_eq(st.s[st.n - 1].status, TB_SAMPLE_EXITED);
	cr_assert_eq(st.s[st.n - 1].exit_code, 7);
	cr_assert_eq(st.s[st.n - 1].signal, 0);
	free(st.s);
}

Test(sampler, descendants_are_counted_when_asked)
{
	smp_source *src = ring_source();
	pid_t a = launch("spawn1", 50, true, true, NULL, 0);
	stream with = collect(src, a, 20000);
	pid_t b = launch("spawn1", 50, true, false, NULL, 0);
	stream without = collect(src, b, 20000);
	uint64_t cw = last_ok(&with)->cpu_ns, co = last_ok(&without)->cpu_ns;
	cr_log_info("spawn 1 s: with children %.3f s, without %.3f s", cw / 1e9, co / 1e9);
	cr_assert_gt(cw, 900 * MS);
	cr_assert_lt(co, 100 * MS);
	/* The exit sample too: the busy child's second is the tree's, not the client's. */
	uint64_t ew = with.s[with.n - 1].cpu_ns, eo = without.s[without.n - 1].cpu_ns;
	cr_log_info("spawn 1 s, exit samples: with children %.3f s, without %.3f s", ew / 1e9,
		    eo / 1e9);
	cr_assert_eq(without.s[without.n - 1].status, TB_SAMPLE_EXITED);
	cr_assert_gt(ew, 900 * MS);
	cr_assert_lt(eo, 100 * MS, "the exit sample counted the child: %.3f s", eo / 1e9);
	free(with.s);
	free(without.s);
	smp_source_free(src);
}

Test(sampler, stop_with_kill_ends_the_client)
{
	smp_source *src = ring_source();
	pid_t pid = launch("sleep30", 100, true, false, NULL, 0);
	tb_sleep_ns(300 * MS);
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SmpStop s = TB__SMP_STOP__INIT;
	char err[256];
	s.pid = (uint32_t)pid;
	s.kill = true;
	s.grace_ms = 1000;
	req.body_case = TB__ENVELOPE__BODY_SMP_STOP;
	req.smp_stop = &s;
	uint64_t t0 = tb_now_ns();
	cr_assert_eq(call(ctl, &req, NULL, err, sizeof(err)), TB_OK, "%s", err);
	stream st = collect(src, pid, 5000);
	cr_assert_lt(tb_now_ns() - t0, 1500 * MS);
	cr_assert_eq(st.s[st.n - 1].status, TB_SAMPLE_EXITED);
	cr_assert_eq(st.s[st.n - 1].signal, SIGTERM);
	cr_assert_eq(st.s[st.n - 1].exit_code, -1);
	cr_assert_eq(st.s[st.n - 2].status, TB_SAMPLE_STOPPED);
	free(st.s);
	smp_source_free(src);
}

/* A run may have TB_MAX_CLIENTS clients, all on one sampler. */
Test(sampler, a_run_of_the_most_clients_is_sampled_at_once, .timeout = 120)
{
	pid_t pids[TB_MAX_CLIENTS];
	for (int i = 0; i < TB_MAX_CLIENTS; i++)
		pids[i] = launch("sleep30", 100, true, false, NULL, 0);
	for (int i = 0; i < TB_MAX_CLIENTS; i++) {
		Tb__Envelope req = TB__ENVELOPE__INIT;
		Tb__SmpStop s = TB__SMP_STOP__INIT;
		char err[256];
		s.pid = (uint32_t)pids[i];
		s.kill = true;
		s.grace_ms = 1000;
		req.body_case = TB__ENVELOPE__BODY_SMP_STOP;
		req.smp_stop = &s;
		cr_assert_eq(call(ctl, &req, NULL, err, sizeof(err)), TB_OK, "%s", err);
	}
}

Test(sampler, running_pid_that_exits_ends_with_gone)
{
	tb_child c;
	char err[256];
	char *argv[] = {TESTCHILD_BIN, "sleep", "0.5", NULL};
	cr_assert_eq(tb_child_spawn(&c, argv, NULL, err, sizeof(err)), TB_OK);
	smp_source *src = ring_source();
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SmpStart s = TB__SMP_START__INIT;
	s.pid = (uint32_t)c.pid;
	s.period_us = 20000;
	s.use_ring = true;
	req.body_case = TB__ENVELOPE__BODY_SMP_START;
	req.smp_start = &s;
	cr_assert_eq(call(ctl, &req, NULL, err, sizeof(err)), TB_OK, "%s", err);
	/* We are the parent: reap it, so its /proc entry goes. */
	cr_assert_eq(tb_child_wait(&c, 5000), TB_OK);
	stream st = collect(src, c.pid, 5000);
	cr_assert_eq(st.s[st.n - 1].status, TB_SAMPLE_GONE);
	cr_assert_gt(st.n, 5);
	tb_child_fini(&c);
	free(st.s);
	smp_source_free(src);
}

Test(sampler, unregistered_client_is_refused_with_the_known_names)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SmpLaunch l = TB__SMP_LAUNCH__INIT;
	char err[512];
	l.client_name = "rm -rf /";
	l.period_us = 100000;
	req.body_case = TB__ENVELOPE__BODY_SMP_LAUNCH;
	req.smp_launch = &l;
	cr_assert_eq(call(ctl, &req, NULL, err, sizeof(err)), TB_EPEER);
	cr_assert(strstr(err, "unknown client 'rm -rf /'") != NULL, "%s", err);
	cr_assert(strstr(err, "burn5, burn1, duty50") != NULL, "%s", err);
}

/* An argv client's flags come from typed values, checked before anything runs. */
Test(sampler, an_argv_client_needs_a_sound_command)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SmpLaunch l = TB__SMP_LAUNCH__INIT;
	Tb__ArgvCommand ac = TB__ARGV_COMMAND__INIT;
	char err[512], *env[] = {"TB_CONTROL_URL=http://127.0.0.1:1"};
	char *bad_sats[] = {"127.0.0.1:8360", "x; rm -rf /:1"};
	l.client_name = "argv";
	l.period_us = 100000;
	req.body_case = TB__ENVELOPE__BODY_SMP_LAUNCH;
	req.smp_launch = &l;
	static const struct {
		bool command, channel;
		uint64_t repeat;
		size_t nsats;
		const char *want;
	} cases[] = {
		{false, true, 1, 0, "needs the run's command"},
		{true, true, 0, 0, "repeat must be over 0"},
		{true, true, 1, 2, "satellite 1 is not host:port"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ac.repeat = cases[i].repeat;
		ac.n_satellites = cases[i].nsats;
		ac.satellites = bad_sats;
		l.argv_command = cases[i].command ? &ac : NULL;
		l.n_env = cases[i].channel ? 1 : 0;
		l.env = env;
		cr_assert_eq(call(ctl, &req, NULL, err, sizeof(err)), TB_EPEER, "case %zu", i);
		cr_assert(strstr(err, cases[i].want) != NULL, "case %zu: %s", i, err);
	}
}

/* get_result asks for pid's argv result; returns the call's status, the reply in *repp. */
static int get_result(pid_t pid, Tb__Envelope **repp, char *err, size_t errlen)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SmpGetResult g = TB__SMP_GET_RESULT__INIT;
	g.pid = (uint32_t)pid;
	req.body_case = TB__ENVELOPE__BODY_SMP_GET_RESULT;
	req.smp_get_result = &g;
	return call(ctl, &req, repp, err, errlen);
}

/* An argv client posts nothing: the sampler holds its result (here the harness's own
 * figures, as the client prints none) and gives it as a bench.proto message, also after
 * its session has ended. */
Test(sampler, an_argv_clients_result_comes_from_the_sampler_over_nng)
{
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep;
	Tb__SmpLaunch l = TB__SMP_LAUNCH__INIT;
	Tb__ArgvCommand ac = TB__ARGV_COMMAND__INIT;
	char err[512];
	ac.repeat = 1234;
	l.client_name = "argv";
	l.period_us = 10000;
	l.argv_command = &ac;
	req.body_case = TB__ENVELOPE__BODY_SMP_LAUNCH;
	req.smp_launch = &l;
	cr_assert_eq(call(ctl, &req, &rep, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert(rep->smp_launched->result_from_sampler);
	pid_t pid = (pid_t)rep->smp_launched->pid;
	tb_rpc_free(rep);
	bool ready = false;
	for (int i = 0; i < 100 && !ready; i++) {
		cr_assert_eq(get_result(pid, &rep, err, sizeof(err)), TB_OK, "%s", err);
		cr_assert_eq(rep->body_case, TB__ENVELOPE__BODY_SMP_CLIENT_RESULT);
		ready = rep->smp_client_result->ready;
		if (ready) {
			cr_assert_eq(rep->smp_client_result->result->spans_sent, 1234);
			cr_assert_geq(rep->smp_client_result->result->clock_time, 0);
		}
		tb_rpc_free(rep);
		if (!ready)
			tb_sleep_ns(50 * TB_NS_PER_MS);
	}
	cr_assert(ready, "no result within 5 s");
	/* Still there once the session is gone (the agent reaps it within a loop or two). */
	tb_sleep_ns(300 * TB_NS_PER_MS);
	cr_assert_eq(get_result(pid, &rep, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert(rep->smp_client_result->ready);
	tb_rpc_free(rep);
	cr_assert_eq(get_result(999999, NULL, err, sizeof(err)), TB_EPEER);
	cr_assert(strstr(err, "no argv-mode client with pid 999999") != NULL, "%s", err);
}

Test(sampler, bad_requests_get_error_replies)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SmpStart s = TB__SMP_START__INIT;
	char err[512];
	req.body_case = TB__ENVELOPE__BODY_SMP_START;
	req.smp_start = &s;

	s.pid = 0x7ffffff0; /* no such process */
	s.period_us = 10000;
	cr_assert_eq(call(ctl, &req, NULL, err, sizeof(err)), TB_EPEER);
	cr_assert(strstr(err, "no process") != NULL, "%s", err);

	s.pid = (uint32_t)getpid();
	s.period_us = 999;
	cr_assert_eq(call(ctl, &req, NULL, err, sizeof(err)), TB_EPEER);
	cr_assert(strstr(err, "period_us 999") != NULL, "%s", err);
	s.period_us = 60000001;
	cr_assert_eq(call(ctl, &req, NULL, err, sizeof(err)), TB_EPEER);

	s.pid = 0;
	s.period_us = 10000;
	cr_assert_eq(call(ctl, &req, NULL, err, sizeof(err)), TB_EPEER);
	cr_assert(strstr(err, "pid 0") != NULL, "%s", err);

	Tb__SmpStop stop = TB__SMP_STOP__INIT;
	stop.pid = 12345678;
	req.body_case = TB__ENVELOPE__BODY_SMP_STOP;
	req.smp_stop = &stop;
	cr_assert_eq(call(ctl, &req, NULL, err, sizeof(err)), TB_EPEER);
	cr_assert(strstr(err, "not being sampled") != NULL, "%s", err);

	Tb__SatReset sr = TB__SAT_RESET__INIT;
	req.body_case = TB__ENVELOPE__BODY_SAT_RESET;
	req.sat_reset = &sr;
	cr_assert_eq(call(ctl, &req, NULL, err, sizeof(err)), TB_EPEER);
	cr_assert(strstr(err, "does not handle") != NULL, "%s", err);

	/* Bytes that are not an Envelope at all, on a raw socket. */
	nng_socket sock;
	cr_assert_eq(nng_req0_open(&sock), 0);
	cr_assert_eq(nng_dial(sock, ctl_url, NULL, 0), 0);
	nng_setopt_ms(sock, NNG_OPT_RECVTIMEO, 5000);
	const char junk[] = "\xff\xff\xff\xff garbage";
	cr_assert_eq(nng_send(sock, (void *)junk, sizeof(junk), 0), 0);
	char *buf;
	size_t len;
	cr_assert_eq(nng_recv(sock, &buf, &len, NNG_FLAG_ALLOC), 0);
	Tb__Envelope *rep = tb__envelope__unpack(NULL, len, (uint8_t *)buf);
	cr_assert_not_null(rep);
	cr_assert_eq(rep->body_case, TB__ENVELOPE__BODY_ERROR);
	cr_assert_eq(rep->error->code, TB__ERROR_CODE__ERR_MALFORMED);
	tb__envelope__free_unpacked(rep, NULL);
	nng_free(buf, len);
	nng_close(sock);

	/* Still serving. */
	tb_rpc_free(hello(ctl));
}

static bool process_gone(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return true;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && p[2] == 'Z'; /* a zombie awaiting init */
}

Test(sampler, silent_orchestrator_makes_it_stop_clients_and_exit)
{
	tb_child c;
	tb_rpc_client *cl;
	char url[128];
	start_sampler(&c, &cl, url, sizeof(url), "lease", "--lease", "1s");
	tb_rpc_free(hello(cl));
	pid_t pid = launch_on(cl, "sleep30", 100, false, false, NULL, 0);
	cr_assert(!process_gone(pid));
	/* Say nothing more: within the lease plus a little, both are gone. */
	cr_assert_eq(tb_child_wait(&c, 5000), TB_OK, "sampler still running after its lease");
	cr_assert(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 3, "status %d", c.status);
	uint64_t deadline = tb_now_ns() + 3000 * MS;
	while (!process_gone(pid) && tb_now_ns() < deadline)
		tb_sleep_ns(20 * MS);
	cr_assert(process_gone(pid), "client %d outlived its sampler", (int)pid);
	tb_rpc_client_free(cl);
	tb_child_fini(&c);
}

Test(sampler, killed_sampler_takes_its_clients_along)
{
	tb_child c;
	tb_rpc_client *cl;
	char url[128];
	start_sampler(&c, &cl, url, sizeof(url), "kill", NULL, NULL);
	tb_rpc_free(hello(cl));
	pid_t pid = launch_on(cl, "sleep30", 100, false, false, NULL, 0);
	tb_child_signal(&c, SIGKILL);
	cr_assert_eq(tb_child_wait(&c, 5000), TB_OK);
	uint64_t deadline = tb_now_ns() + 3000 * MS;
	while (!process_gone(pid) && tb_now_ns() < deadline)
		tb_sleep_ns(20 * MS);
	cr_assert(process_gone(pid), "client %d outlived its SIGKILLed sampler", (int)pid);
	tb_rpc_client_free(cl);
	tb_child_fini(&c);
}

/* ---- standalone mode ---- */

static int run_cli(char *const argv[], const char *out_path)
{
	tb_child c;
	char err[256];
	tb_child_opts o = {.stdout_path = out_path};
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_child_wait(&c, 20000), TB_OK);
	int st = c.status;
	tb_child_fini(&c);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(sampler_cli, command_mode_writes_csv_and_exits_like_the_command)
{
	char out[128], line[512];
	snprintf(out, sizeof(out), "/tmp/tb-smp-cli-%d.csv", (int)getpid());
	char *argv[] = {SAMPLER_BIN, "--period", "5ms", "--", TESTCHILD_BIN, "burn", "0.2",
			"100", NULL};
	cr_assert_eq(run_cli(argv, out), 0);
	char *argv2[] = {SAMPLER_BIN, "--", TESTCHILD_BIN, "exit", "5", NULL};
	char out2[140];
	snprintf(out2, sizeof(out2), "%s.2", out);
	cr_assert_eq(run_cli(argv2, out2), 5);

	FILE *f = fopen(out, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert(strncmp(line, "seq,run_id,pid,t_ns,status,", 27) == 0, "%s", line);
	int rows = 0, exited = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		rows++;
		exited += strstr(line, ",exited,") != NULL;
	}
	fclose(f);
	cr_assert_gt(rows, 40, "%d rows for 0.3 s at 5 ms", rows);
	cr_assert_eq(exited, 1);
	unlink(out);
	unlink(out2);
}

Test(sampler_cli, bad_command_lines_are_named)
{
	char out[128];
	snprintf(out, sizeof(out), "/tmp/tb-smp-cli-err-%d.txt", (int)getpid());
	char *a1[] = {SAMPLER_BIN, "--period", "0.5ms", "--pid", "1", NULL};
	char *a2[] = {SAMPLER_BIN, NULL};
	char *a3[] = {SAMPLER_BIN, "--control", "tcp://10.1.2.3:5000", NULL};
	char *a4[] = {SAMPLER_BIN, "--pid", "12x", NULL};
	char *const *cases[] = {a1, a2, a3, a4};
	const char *expect[] = {"--period 0.5ms", "exactly one of", "10.1.2.3", "--pid 12x"};
	for (size_t i = 0; i < 4; i++) {
		tb_child c;
		char err[256], text[1024] = "";
		tb_child_opts o = {.stderr_path = out};
		cr_assert_eq(tb_child_spawn(&c, cases[i], &o, err, sizeof(err)), TB_OK);
		cr_assert_eq(tb_child_wait(&c, 5000), TB_OK);
		cr_assert(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 2, "case %zu", i);
		tb_child_fini(&c);
		FILE *f = fopen(out, "r");
		size_t n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		fclose(f);
		cr_assert(strstr(text, expect[i]) != NULL, "case %zu: %s", i, text);
	}
	unlink(out);
}
