/* SPDX-License-Identifier: MIT */
/* orchestrator_test.c - `orchestrator run` end to end, as a user runs it: a real
 * orchestrator process starting a real satellite and sampler, which launches registered
 * clients. A good run counts every span; a crashing client, a hanging client, a
 * satellite killed mid-run and SIGINT mid-run each end the right way, and leave no
 * process and no shared-memory segment behind. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"
#include "common/clock.h"
#include "common/error.h"
#include "testutil.h"

static char reg[128], out_path[128], err_path[128], args_path[128];

/* The test registry: each client's name, its program and the rest of its entry. The
 * registry file and the list an unknown client's error must name both come from it. */
#define LSB_SHELL "/bin/sh -c 'echo \"$@\" > " /* args_path follows */
static const struct {
	const char *name, *program, *rest;
} clients[] = {
	{"c", CLIENT_BIN, ""},
	{"crash", TESTCHILD_BIN, " exit 3"},
	{"hang", TESTCHILD_BIN, " sleep 61.25"},
	{"c-argv", CLIENT_BIN, "\nmode = argv"},
	{"heavy", CLIENT_BIN, " --work-cost 4"},
	{"c-no-retry", CLIENT_BIN, " --no-retry"},
	{"lsb-argv", NULL, "; sleep 0.2' lsb-argv\nmode = argv"},
	{"gone", "./no/such/tb-client", ""},
	{"nopath", "no-such-program-in-path", " --x"},
	{"lsb-c", LSB_CLIENT_BIN, "\nmode = argv"},
	{"lsb-c-gc", LSB_CLIENT_BIN, " --runtime-threads 0.3\nmode = argv"},
	{"lsb-1ms", LSB_CLIENT_BIN, "\nmode = argv\nsleep_interval = 1ms"},
	{"tiny", CLIENT_BIN, " --max-buffered 1000"},
	{"c-startup", CLIENT_BIN, " --startup-cost 1s"},
	{"costly", CLIENT_BIN, " --extra-ns-per-span 100000"},
};
#define N_CLIENTS (sizeof(clients) / sizeof(clients[0]))

static void setup(void)
{
	snprintf(reg, sizeof(reg), "/tmp/tb-orc-test-%d.conf", (int)getpid());
	snprintf(out_path, sizeof(out_path), "/tmp/tb-orc-test-%d.out", (int)getpid());
	snprintf(err_path, sizeof(err_path), "/tmp/tb-orc-test-%d.err", (int)getpid());
	snprintf(args_path, sizeof(args_path), "/tmp/tb-orc-test-%d.args", (int)getpid());
	FILE *f = fopen(reg, "w");
	cr_assert_not_null(f);
	for (size_t i = 0; i < N_CLIENTS; i++) {
		/* lsb-argv is a shell line that records its arguments in args_path */
		if (clients[i].program == NULL)
			fprintf(f, "[%s]\ncommand = %s%s%s\n", clients[i].name, LSB_SHELL,
				args_path, clients[i].rest);
		else
			fprintf(f, "[%s]\ncommand = %s%s\n", clients[i].name, clients[i].program,
				clients[i].rest);
	}
	fclose(f);
}

/* known_list writes "(known: c, crash, ...)" as the registry names its clients. */
static void known_list(char *out, size_t len)
{
	size_t at = (size_t)snprintf(out, len, "(known: ");
	for (size_t i = 0; i < N_CLIENTS && at < len; i++)
		at += (size_t)snprintf(out + at, len - at, "%s%s", i ? ", " : "", clients[i].name);
	if (at < len)
		snprintf(out + at, len - at, ")");
}

static void teardown(void)
{
	char dir[160];
	snprintf(dir, sizeof(dir), "/tmp/tb-orc-test-cache-%d", (int)getpid());
	tu_remove_tree(dir);
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/cpu/tb-orc-test-%d", (int)getpid());
	rmdir(dir); /* a cgroup a failed test left; empty once its satellite is gone */
	unlink(reg);
	unlink(out_path);
	unlink(err_path);
	unlink(args_path);
}

TestSuite(orchestrator, .init = setup, .fini = teardown, .timeout = 90);

/* start_run starts `orchestrator run`, calibrating first (into a cache of this test's
 * own) unless flag is "--uncalibrated", which paces the client by sleep alone; flag
 * (NULL for none) may also be "--no-trace", for the calibrated NoOp client itself. */
static void start_run(tb_child *c, const char *client, const char *sps, const char *runtime,
		      const char *flag)
{
	char *argv[] = {ORCHESTRATOR_BIN, "run", "--client", (char *)client, "--sps", (char *)sps,
			"--runtime", (char *)runtime, "--clients", reg, "--control-port", "0",
			"--period", "50ms", (char *)flag, NULL};
	char cache[160];
	snprintf(cache, sizeof(cache), "XDG_CACHE_HOME=/tmp/tb-orc-test-cache-%d", (int)getpid());
	char *env[] = {cache, NULL};
	tb_child_opts o = {.stdout_path = out_path, .stderr_path = err_path, .extra_env = env};
	char err[256];
	cr_assert_eq(tb_child_spawn(c, argv, &o, err, sizeof(err)), TB_OK, "%s", err);
}

static void start(tb_child *c, const char *client, const char *sps, const char *runtime)
{
	start_run(c, client, sps, runtime, "--uncalibrated");
}

static int finish(tb_child *c, int timeout_ms)
{
	cr_assert_eq(tb_child_wait(c, timeout_ms), TB_OK, "orchestrator did not finish");
	int st = c->status;
	tb_child_fini(c);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}


static const char *text_of(const char *path)
{
	/* Two buffers, so that one assertion can show both a run's stdout and its stderr. */
	static char buf[2][8192];
	static int next;
	char *b = buf[next];
	next = !next;
	tu_read_file(path, b, sizeof(buf[0]));
	return b;
}

/* children_named lists processes whose parent is ppid and whose name is comm. */
static int children_named(pid_t ppid, const char *comm, pid_t *out, int max)
{
	return (int)tb_children_named(ppid, comm, out, (size_t)max);
}

/* client_running waits up to 30 s until orc's sampler has a live tb-client child: the
 * run proper, past calibration and start-up, however slow the host. */
static bool client_running(pid_t orc)
{
	for (uint64_t deadline = tb_now_ns() + 30 * TB_NS_PER_S; tb_now_ns() < deadline;
	     tb_sleep_ns(20 * TB_NS_PER_MS)) {
		pid_t smp[2], cl[2];
		int n = children_named(orc, "sampler", smp, 2);
		for (int i = 0; i < n; i++)
			if (children_named(smp[i], "tb-client", cl, 2) > 0)
				return true;
	}
	return false;
}

/* leftovers counts live processes whose command line contains needle. */
static int leftovers(const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)) != NULL) {
		char path[300], buf[4096], stat[512];
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		tu_read_file(path, stat, sizeof(stat));
		char *r = strrchr(stat, ')');
		if (r == NULL || r[2] == 'Z')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		FILE *f = fopen(path, "r");
		size_t len = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f)
			fclose(f);
		for (size_t i = 0; i < len; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[len] = '\0';
		if (strstr(buf, needle) != NULL)
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

static int shm_segments_of(pid_t pid)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *de;
	char suffix[32];
	int n = 0;
	snprintf(suffix, sizeof(suffix), "-%d", (int)pid);
	while (d && (de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "tracebench-", 11) == 0 &&
		    strstr(de->d_name, suffix) != NULL)
			n++;
	if (d)
		closedir(d);
	return n;
}

Test(orchestrator, a_calibrated_run_counts_every_span_and_prints_the_result)
{
	tb_child c;
	start_run(&c, "c", "400", "2", NULL);
	int st = finish(&c, 60000);
	char text[4096];
	tu_read_file(err_path, text, sizeof(text));
	cr_assert_eq(st, 0, "exit %d: %s", st, text);
	cr_assert(strstr(text, "calibrated c in") != NULL, "%s", text);
	tu_read_file(out_path, text, sizeof(text));
	cr_assert(strstr(text, "Result: ") != NULL, "%s", text);
	cr_assert(strstr(text, "0.00% dropped out of 800 sent") != NULL, "%s", text);
	cr_assert(strstr(text, "received 800 spans") != NULL, "%s", text);
	cr_assert(strstr(text, "0 duplicates") != NULL, "%s", text);
}

/* Work that is not the benchmark's shows in the Result: a process spinning on the host
 * during the run is counted as other work, in cores, and warned about. */
/* spin starts a process that burns a core for at most 30 s. */
static pid_t spin(void)
{
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		alarm(30);
		for (volatile unsigned long i = 0;; i++)
			;
	}
	return pid;
}

static void unspin(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* other_work_in reads the other work a printed Result saw on the client's host, in
 * cores. */
static double other_work_in(const char *result_text)
{
	const char *at = strstr(result_text, "other work on the client's host ");
	cr_assert(at != NULL, "%s", result_text);
	return atof(at + strlen("other work on the client's host "));
}

/* other_work runs c for 2 s and reads the other work the Result saw, in cores. */
static double other_work(const char *want_in_err)
{
	tb_child c;
	start(&c, "c", "200", "2");
	int st = finish(&c, 60000);
	char text[4096];
	tu_read_file(err_path, text, sizeof(text));
	cr_assert_eq(st, 0, "exit %d: %s", st, text);
	if (want_in_err != NULL)
		cr_assert(strstr(text, want_in_err) != NULL, "%s", text);
	tu_read_file(out_path, text, sizeof(text));
	return other_work_in(text);
}

/* One spinning process adds one core of other work, or what the host's CPU (a quota, a
 * busy neighbour) leaves it: measured against the same run without it. */
Test(orchestrator, other_work_on_the_host_is_measured_and_warned_about)
{
	double idle = other_work(NULL);
	pid_t spinner = spin();
	double busy = other_work("the host looks busy during run");
	unspin(spinner);
	cr_log_info("other work: %.2f cores idle, %.2f with a spinner", idle, busy);
	cr_assert(busy - idle > 0.4 && busy - idle < 1.3, "%.2f cores with a spinner, %.2f "
		  "without", busy, idle);
}

/* With every core of the host busy, the run may have measured the harness's want of CPU
 * rather than the tracer: the Result says so, and why. Within a CPU quota (a shared
 * runner) the host need not be busy, but the client's cgroup is held back: the same. */
Test(orchestrator, a_run_on_a_saturated_host_is_flagged_as_maybe_measuring_the_harness)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	pid_t spinners[64];
	for (long i = 0; i < cores && i < 64; i++)
		spinners[i] = spin();
	tb_child c;
	start(&c, "c", "200", "2");
	int st = finish(&c, 60000);
	for (long i = 0; i < cores && i < 64; i++)
		unspin(spinners[i]);
	char text[4096];
	tu_read_file(out_path, text, sizeof(text));
	cr_assert_eq(st, 0, "exit %d: %s", st, text);
	cr_assert(strstr(text, "this result may measure the harness, not the tracer: the "
			       "client's host was") != NULL ||
		  strstr(text, "this result may measure the harness, not the tracer: the "
			       "client's cgroup was held to its") != NULL, "%s", text);
	cr_assert(strstr(text, "busiest satellite ") != NULL, "%s", text);
}

/* The local sampler's lease is 30 s; samples through the ring tell it nothing, so the
 * orchestrator must keep it alive or every long run would lose its client at 30 s. */
Test(orchestrator, a_run_longer_than_the_samplers_lease_completes, .timeout = 90)
{
	tb_child c;
	start(&c, "c", "20", "33");
	int st = finish(&c, 80000);
	char text[4096];
	tu_read_file(err_path, text, sizeof(text));
	cr_assert_eq(st, 0, "exit %d: %s", st, text);
	tu_read_file(out_path, text, sizeof(text));
	cr_assert(strstr(text, "0.00% dropped out of 660 sent") != NULL, "%s", text);
}

/* mode = argv: the sampler gives the client LightStep Benchmarks' flags, and posts its result. */
Test(orchestrator, an_argv_client_gets_the_seeds_flags_and_its_result_is_posted_for_it)
{
	tb_child c;
	char text[4096];
	start(&c, "c-argv", "300", "1");
	int st = finish(&c, 60000);
	tu_read_file(out_path, text, sizeof(text));
	cr_assert_eq(st, 0, "exit %d: %s", st, text);
	cr_assert(strstr(text, "0.00% dropped out of 300 sent") != NULL, "%s", text);
	cr_assert(strstr(text, "received 300 spans") != NULL, "%s", text);
	cr_assert(strstr(text, "the tracer says: 0 dropped") != NULL,
		  "the client's own result line was not passed on: %s", text);

	/* A client written for LightStep Benchmarks prints nothing: the harness's figures stand in. */
	start(&c, "lsb-argv", "100", "1");
	st = finish(&c, 60000);
	tu_read_file(out_path, text, sizeof(text));
	cr_assert_eq(st, 0, "exit %d: %s", st, text);
	cr_assert(strstr(text, "100.00% dropped out of 100 sent") != NULL, "%s", text);
	tu_read_file(args_path, text, sizeof(text));
	cr_assert(strncmp(text, "--trace 1 --sleep ", 18) == 0, "%s", text);
	cr_assert(strstr(text, " --work 0 --repeat 100 --no_flush 0 --num_tags 10 "
			       "--num_logs 15\n") != NULL, "%s", text);
}

Test(orchestrator, a_crashing_client_fails_the_run_with_its_status)
{
	tb_child c;
	start(&c, "crash", "100", "1");
	cr_assert_eq(finish(&c, 60000), 1);
	char text[4096];
	tu_read_file(out_path, text, sizeof(text));
	cr_assert(strstr(text, "FAILED: the client exited with status 3") != NULL, "%s", text);
}

Test(orchestrator, a_hanging_client_is_killed_after_the_timeout)
{
	tb_child c;
	uint64_t t0 = tb_now_ns();
	start(&c, "hang", "100", "0.5");
	cr_assert_eq(finish(&c, 60000), 1);
	double secs = (double)(tb_now_ns() - t0) / 1e9;
	char text[4096];
	tu_read_file(out_path, text, sizeof(text));
	cr_assert(strstr(text, "TIMED OUT") != NULL, "%s", text);
	cr_assert(secs > 5.5 && secs < 15, "took %.1f s (limit 2 x 0.5 + 5 s)", secs);
	cr_assert_eq(leftovers("sleep 61.25"), 0, "the hanging client survived");
}

Test(orchestrator, a_satellite_killed_mid_run_fails_the_run_with_the_reason)
{
	tb_child c;
	start(&c, "c", "200", "4");
	pid_t sat[4];
	int n = 0;
	for (int i = 0; i < 100 && n == 0; i++) {
		tb_sleep_ns(50 * TB_NS_PER_MS);
		n = children_named(c.pid, "satellite", sat, 4);
	}
	cr_assert_eq(n, 1, "no satellite child found");
	cr_assert(client_running(c.pid), "the client never started");
	kill(sat[0], SIGKILL);
	cr_assert_eq(finish(&c, 60000), 1);
	char text[4096];
	tu_read_file(out_path, text, sizeof(text));
	cr_assert(strstr(text, "FAILED: a satellite") != NULL && strstr(text, "died") != NULL,
		  "%s", text);
}

Test(orchestrator, sigint_mid_run_leaves_no_process_and_no_segment)
{
	tb_child c;
	start(&c, "hang", "100", "30");
	pid_t orc = c.pid;
	pid_t smp[2];
	int n = 0;
	for (int i = 0; i < 100 && n == 0; i++) {
		tb_sleep_ns(50 * TB_NS_PER_MS);
		n = children_named(orc, "sampler", smp, 2);
	}
	cr_assert_eq(n, 1);
	pid_t sampler = smp[0];
	uint64_t until = tb_now_ns() + 30 * TB_NS_PER_S; /* until the client is running */
	while (leftovers("sleep 61.25") == 0 && tb_now_ns() < until)
		tb_sleep_ns(20 * TB_NS_PER_MS);
	cr_assert_eq(leftovers("sleep 61.25"), 1);
	kill(orc, SIGINT);
	int st = finish(&c, 20000);
	cr_assert(st == 1 || st == 2, "exit %d", st);
	char text[4096];
	tu_read_file(out_path, text, sizeof(text));
	cr_assert(strstr(text, "interrupted") != NULL, "%s", text);
	uint64_t deadline = tb_now_ns() + 3 * TB_NS_PER_S;
	while (leftovers("sleep 61.25") > 0 && tb_now_ns() < deadline)
		tb_sleep_ns(50 * TB_NS_PER_MS);
	cr_assert_eq(leftovers("sleep 61.25"), 0, "the client survived");
	char url[64];
	snprintf(url, sizeof(url), "tracebench-orc-%d-", (int)orc);
	cr_assert_eq(leftovers(url), 0, "a satellite or sampler survived");
	cr_assert_eq(shm_segments_of(sampler), 0, "the sampler's ring is still in /dev/shm");
}

Test(orchestrator, bad_command_lines_are_named)
{
	static const char *const cases[][3] = {
		{"--sps", "-5", "--sps -5"},
		{"--runtime", "x", "--runtime x"},
		{"--satellites", "flaky", "--satellites flaky"},
		{"--client", "nope", "client 'nope' is not in /tmp/tb-orc-test-"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = {ORCHESTRATOR_BIN, "run", "--client", "c", "--sps", "10", "--runtime",
				"1", "--clients", reg, "--control-port", "0", (char *)cases[i][0],
				(char *)cases[i][1], NULL};
		tb_child c;
		tb_child_opts o = {.stdout_path = out_path, .stderr_path = err_path};
		char err[256], text[4096];
		cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK);
		cr_assert_eq(finish(&c, 30000), 2, "case %zu", i);
		tu_read_file(err_path, text, sizeof(text));
		cr_assert(strstr(text, cases[i][2]) != NULL, "case %zu: %s", i, text);
	}
	/* An unknown client is named before anything starts, with the ones there are. */
	char known[512];
	known_list(known, sizeof(known));
	cr_assert(strstr(text_of(err_path), known) != NULL, "want %s", known);
}

/* A registered command that cannot be executed is named with the reason, not reported
 * as a client that died. */
Test(orchestrator, a_client_command_that_cannot_run_is_named)
{
	char *argv[] = {ORCHESTRATOR_BIN, "run", "--client", "gone", "--sps", "10", "--runtime",
			"1", "--uncalibrated", "--clients", reg, "--control-port", "0", NULL};
	tb_child c;
	tb_child_opts o = {.stdout_path = out_path, .stderr_path = err_path};
	char err[256];
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK);
	cr_assert_eq(finish(&c, 30000), 2);
	const char *text = text_of(err_path);
	cr_assert(strstr(text, "client 'gone': cannot execute ./no/such/tb-client: No such file "
			       "or directory") != NULL, "%s", text);
	cr_assert(strstr(text_of(out_path), "signal") == NULL, "%s", text_of(out_path));

	/* A bare program name is looked up in PATH before the client is released. */
	argv[3] = "nopath";
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK);
	cr_assert_eq(finish(&c, 30000), 2);
	text = text_of(err_path);
	cr_assert(strstr(text, "client 'nopath': cannot execute no-such-program-in-path: No such "
			       "file or directory") != NULL, "%s", text);
}

/* ---- clients written for LightStep Benchmarks ---- */

/* calibrated_share reads "calibrated NAME in S s (R runs, C checks): ..., P% CPU
 * measured" from the orchestrator's stderr; false when there is no such line. */
static bool calibrated_share(const char *text, const char *client, double *seconds,
			     double *pct, bool *settled, int *checks)
{
	char head[96];
	snprintf(head, sizeof(head), "calibrated %s in ", client);
	const char *p = strstr(text, head), *m;
	if (p == NULL || (m = strstr(p, "% CPU measured")) == NULL)
		return false;
	*seconds = strtod(p + strlen(head), NULL);
	const char *runs = strstr(p, " runs, ");
	*checks = runs != NULL && runs < m ? atoi(runs + strlen(" runs, ")) : 99;
	while (m > p && (m[-1] == '.' || (m[-1] >= '0' && m[-1] <= '9')))
		m--;
	*pct = strtod(m, NULL);
	*settled = strstr(p, "not within 2 points") == NULL ||
		   strstr(p, "not within 2 points") > strchr(p, '\n');
	return true;
}

/* assert_calibrated: client's calibration settled within 2 points of 70% in at most
 * max_checks checks. */
static void assert_calibrated(const char *err_text, const char *client, int max_checks)
{
	double secs, pct;
	bool settled;
	int checks;
	cr_assert(calibrated_share(err_text, client, &secs, &pct, &settled, &checks), "%s",
		  err_text);
	cr_assert(settled && pct >= 68 && pct <= 72 && checks <= max_checks,
		  "%s: %.1f%% in %d checks: %s", client, pct, checks, err_text);
}

/* A client that reports to 8360 fixed, pays one SleepInterval per loop, posts /metrics
 * and prints nothing runs with no options beyond its name: the satellites take 8360,
 * it gets 100 ms sleep intervals, and calibration settles within 2 points. */
Test(orchestrator, a_lightstep_benchmarks_style_client_runs_unchanged, .timeout = 150)
{
	tb_child c;
	start_run(&c, "lsb-c", "300", "2", NULL);
	int st = finish(&c, 120000);
	const char *err_text = text_of(err_path);
	char text[4096];
	tu_read_file(out_path, text, sizeof(text));
	cr_assert_eq(st, 0, "exit %d: %s\n%s", st, text, err_text);
	cr_assert(strstr(text, "0.00% dropped out of 600 sent") != NULL, "%s", text);
	cr_assert(strstr(text, "received 600 spans") != NULL, "%s", text);
	cr_assert(strstr(text, "and 2 runtime-metrics reports") != NULL, "%s", text);
	assert_calibrated(err_text, "lsb-c", 4);
	cr_assert(strstr(err_text, "calibration: fixed cost ") != NULL, "%s", err_text);
}

/* A client that spends a second of CPU starting up, before it takes its command: the
 * calibration measures that fixed cost and takes it off, and the run's CPU share is
 * its share from its command on, so the NoOp client lands at the share asked for:
 * within 2 points on a quiet host; on a busy one, which the run must then say it was,
 * within 5. (A traced run would add the tracer's own CPU, which differs from build to
 * build.) */
Test(orchestrator, a_client_with_a_costly_start_calibrates_and_runs_at_the_share_asked,
     .timeout = 200)
{
	tb_child c;
	start_run(&c, "c-startup", "500", "4", "--no-trace");
	int st = finish(&c, 180000);
	const char *err_text = text_of(err_path);
	char text[4096];
	tu_read_file(out_path, text, sizeof(text));
	cr_assert_eq(st, 0, "exit %d: %s\n%s", st, text, err_text);
	assert_calibrated(err_text, "c-startup", 4);
	const char *at = strstr(text, "% CPU, ");
	cr_assert(at != NULL, "%s", text);
	while (at > text && (at[-1] == '.' || (at[-1] >= '0' && at[-1] <= '9')))
		at--;
	double run_pct = strtod(at, NULL);
	const char *up = strstr(text, " s by its own count, ");
	cr_assert(up != NULL, "%s", text);
	double startup = strtod(up + strlen(" s by its own count, "), NULL);
	double other = other_work_in(text);
	double room = other > 0.25 ? 5 : 2;
	if (other > 0.25)
		cr_assert(strstr(err_text, "the host looks busy during run") != NULL, "%s", err_text);
	cr_assert(run_pct >= 70 - room && run_pct <= 70 + room, "the run used %.1f%% CPU, with "
		  "%.2f cores of other work: %s", run_pct, other, text);
	cr_assert(startup >= 0.9, "start-up %.3f s of CPU, 1 s spent: %s", startup, text);
}

/* A client whose CPU includes a thread beside its span loop (a runtime's GC) settles,
 * before calibration's last check (its sixth): the thread's share varies from run to
 * run, so it may take one more than a client without one. One paying at most one 1 ms
 * interval per loop cannot settle, and the warning blames its unpaid sleep, not the
 * host's load (a busy host is still said to be busy). */
Test(orchestrator, calibration_settles_beside_gc_threads_and_names_unpaid_sleep,
     .timeout = 150)
{
	char *argv[] = {ORCHESTRATOR_BIN, "calibrate", "--client", "lsb-c-gc", "--clients", reg,
			"--control-port", "0", "--recalibrate", NULL};
	char cache[160], err[256];
	snprintf(cache, sizeof(cache), "XDG_CACHE_HOME=/tmp/tb-orc-test-cache-%d", (int)getpid());
	char *env[] = {cache, NULL};
	tb_child_opts o = {.stdout_path = out_path, .stderr_path = err_path, .extra_env = env};
	tb_child c;
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(finish(&c, 60000), 0, "%s", text_of(err_path));
	assert_calibrated(text_of(err_path), "lsb-c-gc", 5);

	argv[3] = "lsb-1ms";
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(finish(&c, 60000), 0, "%s", text_of(err_path));
	const char *text = text_of(err_path);
	cr_assert(strstr(text, "its CPU did not fall as its sleep rose") != NULL, "%s", text);
	cr_assert(strstr(text, "not paying the sleep it owes") != NULL, "%s", text);
	cr_assert(strstr(text, "did not settle within 2 points: other work used") == NULL, "%s",
		  text);
}

/* When one of 8360-8367 is taken the group serves free ports and says which port was
 * taken; a client told its satellites still counts exactly. --ports with a taken port
 * is an error naming it. */
Test(orchestrator, a_taken_lightstep_port_falls_back_with_a_warning, .timeout = 90)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(8363),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "8363 is in use here");
	cr_assert_eq(listen(fd, 1), 0);
	tb_child c;
	start(&c, "c", "200", "1");
	int st = finish(&c, 60000);
	const char *text = text_of(err_path);
	cr_assert_eq(st, 0, "exit %d: %s", st, text);
	cr_assert(strstr(text, "port 8363 on 127.0.0.1 is taken") != NULL, "%s", text);
	cr_assert(strstr(text, "clients with fixed ports") != NULL, "%s", text);
	cr_assert(strstr(text_of(out_path), "0.00% dropped out of 200 sent") != NULL, "%s",
		  text_of(out_path));

	char *argv[] = {ORCHESTRATOR_BIN, "run", "--client", "c", "--sps", "10", "--runtime", "1",
			"--uncalibrated", "--clients", reg, "--control-port", "0", "--ports",
			"8362-8363", NULL};
	tb_child_opts o = {.stdout_path = out_path, .stderr_path = err_path};
	char err[256];
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK);
	cr_assert_eq(finish(&c, 30000), 2);
	cr_assert(strstr(text_of(err_path), "8363") != NULL, "%s", text_of(err_path));
	close(fd);
}

/* ---- plans ---- */

Test(orchestrator, quick_plan_runs_end_to_end_and_judges_its_assertions, .timeout = 180)
{
	char results[160], cache[160];
	snprintf(results, sizeof(results), "/tmp/tb-orc-test-results-%d", (int)getpid());
	snprintf(cache, sizeof(cache), "XDG_CACHE_HOME=/tmp/tb-orc-test-cache-%d", (int)getpid());
	char *env[] = {cache, NULL};
	char *argv[] = {ORCHESTRATOR_BIN, "--plan", SOURCE_DIR "/plans/quick.plan", "--results",
			results, "--clients", reg, "--control-port", "0", NULL};
	tb_child c;
	tb_child_opts o = {.stdout_path = out_path, .stderr_path = err_path, .extra_env = env};
	char err[256], text[8192];
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK, "%s", err);
	int st = finish(&c, 170000);
	tu_read_file(out_path, text, sizeof(text));
	cr_assert_eq(st, 0, "exit %d: %s", st, text);
	cr_assert(strstr(text, "PASS  ") != NULL, "%s", text);
	cr_assert(strstr(text, "FAIL") == NULL, "%s", text);
	char *dir = strstr(text, "results: ");
	cr_assert_not_null(dir, "%s", text);
	dir += 9;
	dir[strcspn(dir, "\n")] = '\0';
	char path[512], body[65536];
	snprintf(path, sizeof(path), "%s/summary.txt", dir);
	tu_read_file(path, body, sizeof(body));
	cr_assert(strstr(body, "PASS  ") != NULL, "%s", body);
	snprintf(path, sizeof(path), "%s/runs.jsonl", dir);
	tu_read_file(path, body, sizeof(body));
	int lines = 0;
	for (char *p = body; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	cr_assert_eq(lines, 16, "runs.jsonl has %d lines", lines);
	/* Raw samples: one LZ4 frame of CSV per run, readable by the standard lz4 tool. */
	snprintf(path, sizeof(path), "%s/run-001-mem_short.csv.lz4", dir);
	char *lz4[] = {"lz4", "-dcq", path, NULL};
	char csv[600];
	snprintf(csv, sizeof(csv), "%s/check.csv", dir);
	tb_child_opts lo = {.stdout_path = csv};
	cr_assert_eq(tb_child_spawn(&c, lz4, &lo, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(finish(&c, 10000), 0, "lz4 could not read %s", path);
	tu_read_file(csv, body, sizeof(body));
	cr_assert(strncmp(body, "seq,run_id,pid,t_ns,status,", 27) == 0, "%.200s", body);
	cr_assert(strstr(body, ",exited,") != NULL, "no exit sample in %s", path);
	tu_remove_tree(results);
}

/* start_plan starts text as a plan (written to a file of this test's own, which
 * finish_plan removes with the results), output in out_path and err_path. */
static void start_plan(tb_child *c, const char *text)
{
	char plan[128], results[128], cache[160];
	snprintf(plan, sizeof(plan), "/tmp/tb-orc-test-%d-run.plan", (int)getpid());
	snprintf(results, sizeof(results), "/tmp/tb-orc-test-results-%d", (int)getpid());
	snprintf(cache, sizeof(cache), "XDG_CACHE_HOME=/tmp/tb-orc-test-cache-%d", (int)getpid());
	FILE *f = fopen(plan, "w");
	fputs(text, f);
	fclose(f);
	char *env[] = {cache, NULL};
	char *argv[] = {ORCHESTRATOR_BIN, "--plan", plan, "--results", results, "--clients", reg,
			"--control-port", "0", NULL};
	tb_child_opts o = {.stdout_path = out_path, .stderr_path = err_path, .extra_env = env};
	char err[256];
	cr_assert_eq(tb_child_spawn(c, argv, &o, err, sizeof(err)), TB_OK, "%s", err);
}

/* remove_plan_files removes what start_plan wrote, results and all. */
static void remove_plan_files(void)
{
	char path[128];
	snprintf(path, sizeof(path), "/tmp/tb-orc-test-%d-run.plan", (int)getpid());
	unlink(path);
	snprintf(path, sizeof(path), "/tmp/tb-orc-test-results-%d", (int)getpid());
	tu_remove_tree(path);
}

/* finish_plan waits for a plan start_plan started and returns its exit status. */
static int finish_plan(tb_child *c, int timeout_ms)
{
	int st = finish(c, timeout_ms);
	remove_plan_files();
	return st;
}

/* run_plan runs text as a plan to its end and returns its exit status. */
static int run_plan(const char *text, int timeout_ms)
{
	tb_child c;
	start_plan(&c, text);
	return finish_plan(&c, timeout_ms);
}

/* run_plan_killing_its_satellite runs text as a plan and kills the satellite once the
 * first run's client is running; returns the exit status, output in out_path. */
static int run_plan_killing_its_satellite(const char *text)
{
	tb_child c;
	start_plan(&c, text);
	/* Calibration comes first, with clients of its own; "[1/" starts the run proper. */
	for (int i = 0; i < 1200 && strstr(text_of(err_path), "[1/") == NULL; i++)
		tb_sleep_ns(50 * TB_NS_PER_MS);
	cr_assert(client_running(c.pid), "the first run's client never started");
	pid_t sat[4];
	cr_assert_eq(children_named(c.pid, "satellite", sat, 4), 1, "no satellite child found");
	kill(sat[0], SIGKILL);
	return finish_plan(&c, 90000);
}

Test(orchestrator, a_plan_goes_on_past_a_dead_satellite_or_stops_as_it_says, .timeout = 150)
{
	static const char *runs = "client c\nsampling 50ms\n"
				  "run first sps 200 runtime 4s\nrun second sps 200 runtime 1s\n"
				  "assert second.dropped_spans == 0\n";
	int st = run_plan_killing_its_satellite(runs);
	const char *out = text_of(out_path);
	cr_assert_eq(st, 1, "exit %d: %s", st, out);
	cr_assert(strstr(out, "FAILED: a satellite") != NULL, "%s", out);
	cr_assert(strstr(out, "PASS  ") != NULL, "the second run did not count: %s", out);
	cr_assert(strstr(text_of(err_path), "died; starting it again") != NULL);

	char stop[512];
	snprintf(stop, sizeof(stop), "on_failure stop\n%s", runs);
	st = run_plan_killing_its_satellite(stop);
	out = text_of(out_path);
	cr_assert_eq(st, 1, "exit %d: %s", st, out);
	cr_assert(strstr(out, "stopping: first failed and the plan says on_failure stop "
			      "(1 of 2 runs done)") != NULL, "%s", out);
	cr_assert(strstr(out, "ERROR ") != NULL, "an assertion over a run that never ran: %s",
		  out);
}

/* Two clients whose work units cost 1 and 4 times as much: each is calibrated on its
 * own, so both run at the plan's target CPU. Paced with the first one's calibration,
 * the heavy one would need four times the CPU and fall behind at 100%. */
Test(orchestrator, a_plan_calibrates_each_client_it_names, .timeout = 150)
{
	int st = run_plan("client c\nsampling 50ms\ncalibrate 0.5\n"
			  "run light sps 300 runtime 2s notrace\n"
			  "run heavy sps 300 runtime 2s notrace client heavy\n"
			  "assert abs(light.cpu_usage - 0.5) < 0.12\n"
			  "assert abs(heavy.cpu_usage - 0.5) < 0.12\n", 140000);
	const char *out = text_of(out_path);
	cr_assert_eq(st, 0, "exit %d: %s", st, out);
	cr_assert(strstr(text_of(err_path), "calibrating c for 50% CPU") != NULL);
	cr_assert(strstr(text_of(err_path), "calibrating heavy for 50% CPU") != NULL);
}

/* Alternating runs interleave, round by round; warm-up rounds are recorded but not judged,
 * and the summary gives the spread of what was. */
Test(orchestrator, alternating_runs_interleave_and_warm_ups_are_not_judged, .timeout = 150)
{
	tb_child c;
	start_plan(&c, "client c\nsampling 50ms\n"
		       "run a sps 200 runtime 0.5s repeat 3 warmup 1 alternate\n"
		       "run b sps 200 runtime 0.5s repeat 3 warmup 1 alternate notrace\n"
		       "run z sps 200 runtime 0.5s\n"
		       "assert count(a.spans_sent) == 2\nassert count(b.spans_sent) == 2\n");
	int st = finish(&c, 140000);
	const char *out = text_of(out_path);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "STATS a.cpu_usage: n 2, median ") != NULL, "%s", out);
	char *dir = strstr(out, "results: ");
	cr_assert_not_null(dir);
	char path[512], body[65536];
	snprintf(path, sizeof(path), "%.*s/runs.jsonl", (int)strcspn(dir + 9, "\n"), dir + 9);
	tu_read_file(path, body, sizeof(body));
	/* The order runs.jsonl records them in is the order they ran. */
	char order[16] = "";
	size_t k = 0;
	for (char *at = body; (at = strstr(at, "{\"plan_run\":\"")) != NULL && k < 15; at++)
		order[k++] = at[13];
	order[k] = '\0';
	cr_assert_str_eq(order, "ababab" "z", "%s", body);
	cr_assert(strstr(body, "\"warmup\":true") != NULL);
	int warm = 0;
	for (char *at = body; (at = strstr(at, "\"warmup\":true")) != NULL; at++)
		warm++;
	cr_assert_eq(warm, 2, "one warm-up round for each of a and b");
	snprintf(path, sizeof(path), "/tmp/tb-orc-test-results-%d", (int)getpid());
	tu_remove_tree(path);
	snprintf(path, sizeof(path), "/tmp/tb-orc-test-%d-run.plan", (int)getpid());
	unlink(path);
}

Test(orchestrator, a_bad_plan_fails_before_anything_starts)
{
	char plan[128];
	snprintf(plan, sizeof(plan), "/tmp/tb-orc-test-%d.plan", (int)getpid());
	FILE *f = fopen(plan, "w");
	fprintf(f, "client c\nrun a sps 100 runtime 2s\nassert a.dropped_spans = 0\n");
	fclose(f);
	char *argv[] = {ORCHESTRATOR_BIN, "--plan", plan, "--clients", reg, NULL};
	tb_child c;
	tb_child_opts o = {.stdout_path = out_path, .stderr_path = err_path};
	char err[256], text[4096];
	uint64_t t0 = tb_now_ns();
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK);
	cr_assert_eq(finish(&c, 10000), 2);
	cr_assert_lt(tb_now_ns() - t0, 2 * TB_NS_PER_S, "it must not start anything");
	tu_read_file(err_path, text, sizeof(text));
	char want[400];
	snprintf(want, sizeof(want), "%s:3:24: expected a comparison: < <= > >= == !=, got '='",
		 plan);
	cr_assert(strstr(text, want) != NULL, "%s", text);
	/* So does a plan whose client is not registered here. */
	f = fopen(plan, "w");
	fprintf(f, "client nope\nrun a sps 100 runtime 2s\n");
	fclose(f);
	t0 = tb_now_ns();
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK);
	cr_assert_eq(finish(&c, 10000), 2);
	cr_assert_lt(tb_now_ns() - t0, 2 * TB_NS_PER_S, "it must not start anything");
	snprintf(want, sizeof(want), "%s: client 'nope' is not in %s (known: c,", plan, reg);
	cr_assert(strstr(text_of(err_path), want) != NULL, "%s", text_of(err_path));
	unlink(plan);
}

/* The C tracer retries: at 50% injected errors every span it sent is accounted for,
 * none is counted twice, and the satellites saw exactly the copies it says it re-sent.
 * With --no-retry the failed reports' spans are the tracer's own drops, still explained. */
Test(orchestrator, at_half_errors_every_span_is_accounted_for_and_resends_agree,
     .timeout = 150)
{
	static const char plan[] =
		"client c\nsampling 50ms\ncalibrate 0.30\n"
		"run errors sps 1000 runtime 3s trace {\nat 0s errors 0.5\n}\n"
		"run no_retry sps 1000 runtime 2s trace client c-no-retry {\nat 0s errors 0.5\n}\n"
		"assert errors.unexplained == 0\n"
		"assert errors.dup_after_ack == 0\n"
		"assert errors.spans_received == errors.spans_sent\n"
		"assert errors.resent == errors.client_resent\n"
		"assert errors.resent > 0\n"
		"assert errors.refused_spans == errors.resent\n"
		"assert no_retry.unexplained == 0\n"
		"assert no_retry.resent == 0\n"
		"assert no_retry.lost_by_tracer > 0\n";
	int st = run_plan(plan, 120000);
	const char *out = text_of(out_path);
	cr_assert_eq(st, 0, "exit %d: %s\n%s", st, out, text_of(err_path));
	cr_assert(strstr(out, "FAIL") == NULL && strstr(out, "ERROR") == NULL, "%s", out);
	cr_assert(strstr(out, "sent 3000 = received 3000 + tracer-dropped 0 + refused 0 + "
			      "in flight 0 + unexplained 0") != NULL, "%s", out);
}

/* cpu_cgroup makes a v1 cpu cgroup allowing quota_us per 100 ms and returns its
 * directory, or "" where this machine has none to make. */
static const char *cpu_cgroup(int quota_us)
{
	static char dir[128];
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/cpu/tb-orc-test-%d", (int)getpid());
	char path[200];
	snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
	FILE *f = NULL;
	if (mkdir(dir, 0755) != 0 || (f = fopen(path, "w")) == NULL) {
		rmdir(dir);
		return "";
	}
	fprintf(f, "%d\n", quota_us);
	return fclose(f) == 0 ? dir : "";
}

/* A satellite its cgroup throttles to 0.03 cores is the bottleneck long before it uses
 * 80% of a core: the run is flagged, naming the quota. */
Test(orchestrator, a_satellite_throttled_by_its_cgroup_flags_the_run, .timeout = 150)
{
	const char *cg = cpu_cgroup(3000);
	if (cg[0] == '\0')
		tu_skip("needs a writable cgroup v1 cpu hierarchy (root)");
	tb_child c;
	start_plan(&c, "client c\nsampling 50ms\ncalibrate 0.30\n"
		       "run hot sps 1000 runtime 2s notimeout\nassert hot.harness_bound == 1\n");
	pid_t sat[4];
	int n = 0;
	for (int i = 0; i < 200 && (n = children_named(c.pid, "satellite", sat, 4)) == 0; i++)
		tb_sleep_ns(20 * TB_NS_PER_MS);
	cr_assert_eq(n, 1, "no satellite child found");
	char path[200];
	snprintf(path, sizeof(path), "%s/tasks", cg);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	/* Every thread of the satellite, not only its first. */
	char task_dir[64];
	snprintf(task_dir, sizeof(task_dir), "/proc/%d/task", (int)sat[0]);
	DIR *d = opendir(task_dir);
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			fprintf(f, "%s\n", de->d_name);
			fflush(f);
		}
	if (d != NULL)
		closedir(d);
	fclose(f);
	int st = finish(&c, 120000);
	const char *out = text_of(out_path);
	remove_plan_files();
	rmdir(cg);
	cr_assert_eq(st, 0, "exit %d: %s\n%s", st, out, text_of(err_path));
	cr_assert(strstr(out, "the 0.03 cores its cgroup allows (throttled") != NULL, "%s", out);
}

/* On a terminal a plan keeps one live line: which step, the run's time and the plan's
 * ETA, the rate asked and received, the client's figures and the busiest satellite's
 * CPU; rewritten in place, and cleared when the run ends. */
Test(orchestrator, a_plan_on_a_terminal_shows_one_live_progress_line, .timeout = 150)
{
	char plan[128], results[128], cache[160], cmd[1024], typescript[128];
	snprintf(plan, sizeof(plan), "/tmp/tb-orc-test-%d-live.plan", (int)getpid());
	snprintf(results, sizeof(results), "/tmp/tb-orc-test-results-%d", (int)getpid());
	snprintf(cache, sizeof(cache), "/tmp/tb-orc-test-cache-%d", (int)getpid());
	snprintf(typescript, sizeof(typescript), "/tmp/tb-orc-test-%d.tty", (int)getpid());
	FILE *f = fopen(plan, "w");
	fputs("client c\nsampling 50ms\nrun first sps 500 runtime 3s\n"
	      "run second sps 500 runtime 2s\n", f);
	fclose(f);
	/* script(1) gives the orchestrator a pseudo-terminal for stderr, as a user's shell. */
	snprintf(cmd, sizeof(cmd), "XDG_CACHE_HOME=%s timeout 120 script -qec 'stty cols 400; %s "
		 "--plan %s --results %s --clients %s --control-port 0' %s >/dev/null 2>&1",
		 cache, ORCHESTRATOR_BIN, plan, results, reg, typescript);
	int st = system(cmd);
	static char text[1 << 20];
	tu_read_file(typescript, text, sizeof(text));
	unlink(plan);
	unlink(typescript);
	tu_remove_tree(results);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %.2000s", st, text);
	const char *line = strstr(text, "\r  [2/2] run 2: ");
	cr_assert_not_null(line, "no live line for the second step: %.3000s", text);
	cr_assert(strstr(text, "[1/2] run 1: ") != NULL, "%.3000s", text);
	char one[400];
	snprintf(one, sizeof(one), "%.*s", (int)strcspn(line + 1, "\r\n\033"), line + 1);
	cr_assert(strstr(one, "plan ETA ") && strstr(one, "1 client, 500 spans/s asked") &&
		  strstr(one, "received") && strstr(one, "refused") && strstr(one, "RSS") &&
		  strstr(one, "busiest satellite"), "%s", one);
	cr_assert(strstr(text, "\033[K") != NULL, "the line is not cleared as it is rewritten");
}

/* passing_plan runs text as a plan that must pass and print want, and returns its
 * results directory, which remove_plan_files removes. */
static const char *passing_plan(const char *text, int timeout_ms, const char *want)
{
	static char dir[512];
	tb_child c;
	start_plan(&c, text);
	int st = finish(&c, timeout_ms);
	const char *out = text_of(out_path);
	cr_assert_eq(st, 0, "exit %d: %s\n%s", st, out, text_of(err_path));
	cr_assert(strstr(out, want) != NULL, "no \"%s\" in %s", want, out);
	const char *res = strstr(out, "results: ");
	cr_assert_not_null(res, "%s", out);
	snprintf(dir, sizeof(dir), "%.*s", (int)strcspn(res + 9, "\n"), res + 9);
	return dir;
}

/* A ramp whose third rate breaks stops there: the breaking point is the second rate,
 * summary.txt and the assertions say so, and the report draws it. The client buffers
 * 1000 spans and flushes every 200 ms: at 2000 spans/s a flush takes 400, which fits
 * even when a busy host delays the flush by half a period; at 8000 spans/s it would
 * take 1600, which no flush on time can hold. */
Test(orchestrator, a_ramp_stops_at_the_rate_that_breaks_and_keeps_the_one_before,
     .timeout = 150)
{
	static const char plan[] =
		"client c\nsampling 50ms\ncalibrate 0.30\n"
		"ramp climb from 500 to 32000 factor 4 until dropped > 1% or cpu > 0.98 "
		"runtime 2s client tiny\n"
		"assert climb.breaking_point == 2000\n"
		"assert count(climb.sps_asked) == 3\n"
		"assert max(climb.sps_asked) == 8000\n";
	const char *dir = passing_plan(plan, 120000, "RAMP  ramp climb: breaking point 2000 "
					"spans/s (8000 spans/s broke it: dropped > 1%)");
	char path[600], text[8192];
	snprintf(path, sizeof(path), "%s/summary.txt", dir);
	tu_read_file(path, text, sizeof(text));
	cr_assert(strstr(text, "RAMP  ramp climb: breaking point 2000 spans/s") != NULL, "%s", text);
	snprintf(path, sizeof(path), "%s/runs.jsonl", dir);
	tu_read_file(path, text, sizeof(text));
	cr_assert(strstr(text, "\"breaking_point\":2000") != NULL, "%.2000s", text);
	cr_assert(strstr(text, "\"broken_by\":\"dropped > 1%\"") != NULL, "%.2000s", text);
	remove_plan_files();
}

/* A plan that stops in the middle of a ramp (on_failure stop, its client crashing) still
 * records the ramp's runs, and says where it stopped. */
Test(orchestrator, a_ramp_the_plan_stops_in_still_records_its_runs, .timeout = 120)
{
	static const char plan[] = "client crash\ncalibrate off\non_failure stop\n"
				   "ramp r from 100 to 400 factor 2 until cpu > 0.99 runtime 1s\n";
	tb_child c;
	start_plan(&c, plan);
	int st = finish(&c, 90000);
	const char *out = text_of(out_path);
	cr_assert_eq(st, 1, "exit %d: %s\n%s", st, out, text_of(err_path));
	cr_assert(strstr(out, "RAMP  ramp r: held up to 0 spans/s; the plan stopped before the "
			      "ramp ended, at 100 spans/s") != NULL, "%s", out);
	const char *res = strstr(out, "results: ");
	cr_assert_not_null(res, "%s", out);
	char path[600], text[8192];
	snprintf(path, sizeof(path), "%.*s/runs.jsonl", (int)strcspn(res + 9, "\n"), res + 9);
	tu_read_file(path, text, sizeof(text));
	cr_assert(strstr(text, "\"plan_run\":\"r\"") != NULL && strchr(text, '\n') != NULL &&
		  strchr(strchr(text, '\n') + 1, '\n') == NULL, "not one run of r: %.2000s", text);
	remove_plan_files();
}

/* A ramp that stops on tracer_cpu runs an untraced twin before each rate and breaks on
 * the difference of their CPU shares. The client's tracer costs E = 100 us of CPU a span
 * more than its NoOp (CPU time, the same on any machine), which also stretches each
 * span's wall time W = 1/rate: calibrated to 0.30, the traced share is
 * (0.30 W + E) / (W + E), 0.033 above the NoOp's at 500 spans/s, 0.117 at 2000 and 0.31
 * at 8000, plus the tracer's own cost (1 to 2 points here, more when sanitized). A limit
 * of 0.22 lies 0.08 above the second and 0.09 below the third. Each rate runs twice, and
 * the median of its two differences decides. */
Test(orchestrator, a_ramp_over_tracer_cpu_breaks_where_the_tracer_s_own_cpu_does,
     .timeout = 200)
{
	static const char plan[] =
		"client costly\nsampling 50ms\ncalibrate 0.30\n"
		"ramp cost from 500 to 8000 factor 4 until tracer_cpu > 0.22 repeat 2 runtime 2s\n"
		"assert cost.breaking_point == 2000\n"
		"assert count(cost.tracer_cpu) == 6\n"
		"assert first(cost.tracer_cpu) > 0.01\n"
		"assert first(cost.tracer_cpu) < last(cost.tracer_cpu)\n";
	const char *dir = passing_plan(plan, 180000, "RAMP  ramp cost: breaking point 2000 "
					"spans/s (8000 spans/s broke it: tracer_cpu > 0.22)");
	char path[600];
	static char text[1 << 16];
	snprintf(path, sizeof(path), "%s/runs.jsonl", dir);
	tu_read_file(path, text, sizeof(text));
	/* Twelve runs: twice at each rate, its twin untraced, then the rate itself. */
	size_t twins = 0, lines = 0;
	for (const char *p = text; (p = strstr(p, "\"plan_run\":\"cost.untraced\"")) != NULL; p++)
		twins++;
	for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	cr_assert(twins == 6 && lines == 12, "%zu twins in %zu lines: %.3000s", twins, lines, text);
	remove_plan_files();
}

/* An event aimed at one named group changes that group only: with every report to east
 * refused, the tracer's retries reach west, and every span arrives. Two ports each, so
 * round-robin alternates between the groups every other report. */
Test(orchestrator, an_event_naming_a_group_changes_that_group_only, .timeout = 150)
{
	static const char plan[] =
		"client c\nsampling 50ms\ncalibrate 0.30\n"
		"satellites local name east ports \"0,0\"\n"
		"satellites local name west ports \"0,0\"\n"
		"run split sps 1000 runtime 3s trace {\n"
		"  at 0.2s east errors 1.0 status 503\n"
		"  at 0.4s west latency 10ms per_span 1us\n"
		"  at 0.6s east bandwidth 512KB/s per connection\n"
		"}\n"
		"assert split.spans_received == split.spans_sent\n"
		"assert split.refused_spans > 0\n"
		"assert split.unexplained == 0\n";
	int st = run_plan(plan, 120000);
	const char *out = text_of(out_path);
	cr_assert_eq(st, 0, "exit %d: %s\n%s", st, out, text_of(err_path));
}

/* After an outage from 1 s to 3 s the Result says how long the tracer took to have a
 * report acknowledged and to drain its backlog; a run without one has no such times. */
Test(orchestrator, an_outage_gets_both_recovery_times_and_a_calm_run_none, .timeout = 150)
{
	static const char plan[] =
		"client c\nsampling 50ms\ncalibrate 0.30\n"
		"run outage sps 1000 runtime 5s trace {\n"
		"  at 1s satellites down\n"
		"  at 3s satellites up\n"
		"}\n"
		"run calm sps 1000 runtime 2s trace\n"
		"assert count(outage.recovery_first_ack) == 1\n"
		"assert min(outage.recovery_first_ack) > 0\n"
		"assert max(outage.recovery_first_ack) < 5\n"
		"assert count(outage.recovery_drained) == 1\n"
		"assert min(outage.recovery_drained) > 0\n"
		"assert max(outage.recovery_drained) < 5\n"
		"assert count(calm.recovery_first_ack) == 0\n"
		"assert count(calm.recovery_drained) == 0\n"
		"assert outage.unexplained == 0\n";
	int st = run_plan(plan, 120000);
	const char *out = text_of(out_path);
	cr_assert_eq(st, 0, "exit %d: %s\n%s", st, out, text_of(err_path));
	cr_assert(strstr(out, "ERROR") == NULL && strstr(out, "FAIL") == NULL, "%s", out);
}

/* The satellites time a real exporter's resends: the OpenTelemetry JS OTLP exporter
 * against 503s, with and without Retry-After. Whether it waits as asked is a finding
 * about that exporter (client-shim/README.md), so only the timing is asserted here. */
Test(orchestrator, the_satellites_time_a_real_exporters_resends, .timeout = 150)
{
	static const char plan[] =
		"client js-otel\nsampling 100ms\ncalibrate 0.30\n"
		"run asked sps 200 runtime 8s trace protocol otlp {\n"
		"  at 0s errors 1.0 status 503 retry_after 2s\n"
		"  at 6s errors 0\n"
		"}\n"
		"run plain sps 200 runtime 8s trace protocol otlp {\n"
		"  at 0s errors 1.0 status 503\n"
		"  at 6s errors 0\n"
		"}\n"
		"assert count(asked.resend_delays) > 0\n"
		"assert count(plain.resend_delays) > 0\n"
		"assert min(asked.resend_delays) > 0\n";
	FILE *f = fopen(reg, "a");
	cr_assert_not_null(f);
	fprintf(f, "[js-otel]\ncommand = node %s/client-shim/js/js-otel.js\n", SOURCE_DIR);
	fclose(f);
	int st = run_plan(plan, 120000);
	const char *out = text_of(out_path);
	cr_assert_eq(st, 0, "exit %d: %s\n%s", st, out, text_of(err_path));
}
