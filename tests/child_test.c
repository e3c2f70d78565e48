/* SPDX-License-Identifier: MIT */
/* child_test.c - child processes: exit status and rusage, exec errors reported at
 * spawn, stopping a whole process group, parent-death cleanup, and held starts. */
#include "common/child.h"
#include "common/clock.h"
#include "common/error.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char err[256];

/* proc_state is pid's state letter from /proc/PID/stat (R, S, Z, ...), or 0 if gone. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Running, as opposed to gone or a zombie waiting for whoever adopted it to reap it. */
static bool pid_running(pid_t pid)
{
	char st = proc_state(pid);
	return st != 0 && st != 'Z' && st != 'X';
}

/* Asleep in the kernel and still running this test's own executable: a child that
 * waits before exec. Read until the state settles, within 5 s. */
static bool blocked_before_exec(pid_t pid)
{
	char exe_path[64], self[512], exe[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return false;
	self[n] = '\0';
	snprintf(exe_path, sizeof(exe_path), "/proc/%d/exe", (int)pid);
	for (uint64_t deadline = tb_now_ns() + 5 * TB_NS_PER_S; tb_now_ns() < deadline;
	     usleep(10000)) {
		ssize_t m = readlink(exe_path, exe, sizeof(exe) - 1);
		if (m <= 0)
			return false;
		exe[m] = '\0';
		if (strcmp(exe, self) != 0)
			return false; /* it has exec'd */
		if (proc_state(pid) == 'S')
			return true;
	}
	return false;
}

Test(child, exit_status_and_cpu_usage_are_reported)
{
	tb_child c;
	char *argv[] = {"sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; exit 3",
			NULL};
	cr_assert_eq(tb_child_spawn(&c, argv, NULL, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_child_wait(&c, 30000), TB_OK);
	cr_assert(WIFEXITED(c.status));
	cr_assert_eq(WEXITSTATUS(c.status), 3);
	double cpu = (double)c.rusage.ru_utime.tv_sec + c.rusage.ru_utime.tv_usec / 1e6;
	cr_assert_gt(cpu, 0.01, "rusage shows %.3f s of CPU", cpu);
	char buf[64];
	cr_assert_str_eq(tb_child_describe(&c, buf, sizeof(buf)), "exited with status 3");
	tb_child_fini(&c);
}

Test(child, a_missing_program_fails_at_spawn_naming_it)
{
	tb_child c;
	char *argv[] = {"/nonexistent/tracebench-client", NULL};
	cr_assert_eq(tb_child_spawn(&c, argv, NULL, err, sizeof(err)), TB_ENOENT);
	cr_assert(strstr(err, "/nonexistent/tracebench-client") != NULL, "%s", err);
	cr_assert(strstr(err, "No such file") != NULL, "%s", err);
	/* No zombie left behind. */
	cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);

	tb_child_opts o = {.stdout_path = "/nonexistent-dir/out.log"};
	char *ok[] = {"true", NULL};
	cr_assert_eq(tb_child_spawn(&c, ok, &o, err, sizeof(err)), TB_ESYS);
	cr_assert(strstr(err, "open stdout file") != NULL, "%s", err);
}

Test(child, wait_times_out_on_a_running_child_without_spinning)
{
	tb_child c;
	char *argv[] = {"sleep", "5", NULL};
	cr_assert_eq(tb_child_spawn(&c, argv, NULL, err, sizeof(err)), TB_OK);
	struct rusage before, after;
	getrusage(RUSAGE_SELF, &before);
	uint64_t t0 = tb_now_ns();
	cr_assert_eq(tb_child_wait(&c, 300), TB_ETIMEDOUT);
	uint64_t waited = tb_now_ns() - t0;
	getrusage(RUSAGE_SELF, &after);
	cr_assert_geq(waited, 290 * TB_NS_PER_MS);
	double cpu = (double)(after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6 +
		     (double)(after.ru_utime.tv_sec - before.ru_utime.tv_sec);
	cr_assert_lt(cpu, 0.05, "waiting burned %.3f s of CPU", cpu);
	cr_assert_eq(tb_child_stop(&c, 1000), TB_OK);
	cr_assert(WIFSIGNALED(c.status) && WTERMSIG(c.status) == SIGTERM);
	tb_child_fini(&c);
}

Test(child, stop_ends_the_whole_process_group_even_if_sigterm_is_ignored)
{
	tb_child c;
	char pidfile[64];
	snprintf(pidfile, sizeof(pidfile), "/tmp/tracebench-child-%d.pid", (int)getpid());
	char script[256];
	/* A grandchild that ignores SIGTERM, and a leader that does too. */
	snprintf(script, sizeof(script),
		 "trap '' TERM; (trap '' TERM; sleep 60) & echo $! > %s; sleep 60", pidfile);
	char *argv[] = {"sh", "-c", script, NULL};
	cr_assert_eq(tb_child_spawn(&c, argv, NULL, err, sizeof(err)), TB_OK);
	pid_t grandchild = 0;
	for (int i = 0; i < 100 && grandchild == 0; i++) {
		FILE *f = fopen(pidfile, "r");
		if (f) {
			if (fscanf(f, "%d", &grandchild) != 1)
				grandchild = 0;
			fclose(f);
		}
		if (grandchild == 0)
			usleep(20000);
	}
	cr_assert_gt(grandchild, 0);
	cr_assert_eq(tb_child_stop(&c, 200), TB_ETIMEDOUT, "leader ignored SIGTERM: expect kill");
	cr_assert(WIFSIGNALED(c.status) && WTERMSIG(c.status) == SIGKILL);
	uint64_t deadline = tb_now_ns() + 5 * TB_NS_PER_S;
	while (pid_running(grandchild) && tb_now_ns() < deadline)
		usleep(20000);
	cr_assert(!pid_running(grandchild), "grandchild %d survived", grandchild);
	tb_child_fini(&c);
	unlink(pidfile);
}

Test(child, children_die_with_their_parent)
{
	/* An intermediate process spawns a long sleeper, reports its pid, then dies. */
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	pid_t mid = fork();
	if (mid == 0) {
		tb_child c;
		char *argv[] = {"sleep", "60", NULL};
		if (tb_child_spawn(&c, argv, NULL, err, sizeof(err)) != TB_OK)
			_exit(1);
		if (write(fds[1], &c.pid, sizeof(c.pid)) != (ssize_t)sizeof(c.pid))
			_exit(1);
		_exit(0); /* no cleanup: PDEATHSIG must do it */
	}
	pid_t sleeper;
	cr_assert_eq(read(fds[0], &sleeper, sizeof(sleeper)), (ssize_t)sizeof(sleeper));
	waitpid(mid, NULL, 0);
	bool gone = false;
	for (int i = 0; i < 100 && !gone; i++) {
		gone = !pid_running(sleeper);
		if (!gone)
			usleep(20000);
	}
	cr_assert(gone, "child %d outlived its parent", sleeper);
}

Test(child, a_held_child_does_not_run_until_released)
{
	char marker[64];
	snprintf(marker, sizeof(marker), "/tmp/tracebench-held-%d", (int)getpid());
	unlink(marker);
	tb_child c;
	tb_child_opts o = {.hold = true};
	char *argv[] = {"touch", marker, NULL};
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK, "%s", err);
	/* Parked, not slow: the child is asleep and is still this program, so it has not
	 * reached exec, and stays so however long the test waits. */
	cr_assert(blocked_before_exec(c.pid), "held child is not parked before exec");
	cr_assert_neq(access(marker, F_OK), 0, "held child ran before release");
	cr_assert_eq(tb_child_release(&c), TB_OK);
	cr_assert_eq(tb_child_wait(&c, 5000), TB_OK);
	cr_assert_eq(access(marker, F_OK), 0);
	cr_assert_eq(tb_child_release(&c), TB_ESTATE);
	tb_child_fini(&c);
	unlink(marker);
}

Test(child, output_goes_to_the_files_asked_for_and_env_is_added)
{
	char out[64];
	snprintf(out, sizeof(out), "/tmp/tracebench-out-%d.log", (int)getpid());
	setenv("TB_TEST_VALUE", "inherited", 1); /* the extra value must win */
	char *env[] = {"TB_TEST_VALUE=hello-child", NULL};
	tb_child_opts o = {.stdout_path = out, .stderr_path = out, .extra_env = env};
	char *argv[] = {"sh", "-c", "echo $TB_TEST_VALUE; echo err >&2", NULL};
	tb_child c;
	cr_assert_eq(tb_child_spawn(&c, argv, &o, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_child_wait(&c, 5000), TB_OK);
	FILE *f = fopen(out, "r");
	cr_assert_not_null(f);
	char text[128] = {0};
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	cr_assert_str_eq(text, "hello-child\nerr\n");
	tb_child_fini(&c);
	unlink(out);
}
