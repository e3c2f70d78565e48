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
#include "orchestrator_fixture.h"

TestSuite(orchestrator, .init = setup, .fini = teardown, .timeout = 90);

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
