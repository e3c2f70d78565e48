/* SPDX-License-Identifier: MIT */
/* orchestrator_fixture.c - the orchestrator's end-to-end tests' shared fixture
 * (orchestrator_fixture.h). */
#include "orchestrator_fixture.h"

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

char reg[128], out_path[128], err_path[128], args_path[128];

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

void setup(void)
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
void known_list(char *out, size_t len)
{
	size_t at = (size_t)snprintf(out, len, "(known: ");
	for (size_t i = 0; i < N_CLIENTS && at < len; i++)
		at += (size_t)snprintf(out + at, len - at, "%s%s", i ? ", " : "", clients[i].name);
	if (at < len)
		snprintf(out + at, len - at, ")");
}

void teardown(void)
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


/* start_run starts `orchestrator run`, calibrating first (into a cache of this test's
 * own) unless flag is "--uncalibrated", which paces the client by sleep alone; flag
 * (NULL for none) may also be "--no-trace", for the calibrated NoOp client itself. */
void start_run(tb_child *c, const char *client, const char *sps, const char *runtime,
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

void start(tb_child *c, const char *client, const char *sps, const char *runtime)
{
	start_run(c, client, sps, runtime, "--uncalibrated");
}

int finish(tb_child *c, int timeout_ms)
{
	cr_assert_eq(tb_child_wait(c, timeout_ms), TB_OK, "orchestrator did not finish");
	int st = c->status;
	tb_child_fini(c);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}


const char *text_of(const char *path)
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
int children_named(pid_t ppid, const char *comm, pid_t *out, int max)
{
	return (int)tb_children_named(ppid, comm, out, (size_t)max);
}

/* client_running waits up to 30 s until orc's sampler has a live tb-client child: the
 * run proper, past calibration and start-up, however slow the host. */
bool client_running(pid_t orc)
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
int leftovers(const char *needle)
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

int shm_segments_of(pid_t pid)
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
