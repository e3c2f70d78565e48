/* SPDX-License-Identifier: MIT */
/* overhead_bench.c - what the harness itself costs while it measures: a real
 * `orchestrator run` (with its satellite and sampler) benchmarks a client that only
 * sleeps, sampling every 10 ms, for 10 s. The orchestrator's and the sampler's CPU clocks
 * are read between 1 s and 9 s into the run, and printed as shares of one core, with
 * the cost of merely waking every 10 ms on this machine beside them.
 *
 *   overhead_bench [--seconds S]
 * Target: orchestrator + sampler <= 0.5% of one core. */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/child.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/host.h"

/* child_named finds a child of ppid called comm, or 0. */
static pid_t child_named(pid_t ppid, const char *comm)
{
	pid_t pid = 0;
	return tb_children_named(ppid, comm, &pid, 1) == 1 ? pid : 0;
}

static double floor_pct(double secs)
{
	struct timespec c0, c1;
	uint64_t t0 = tb_now_ns(), next = t0, end = t0 + (uint64_t)(secs * 1e9);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	while (next < end) {
		next += 10 * TB_NS_PER_MS;
		tb_sleep_until_ns(next);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	return 100.0 * cpu / ((double)(tb_now_ns() - t0) / 1e9);
}

int main(int argc, char **argv)
{
	double secs = 10;
	int opt;
	static const struct option longopts[] = {{"seconds", required_argument, NULL, 's'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 's')
			secs = atof(optarg);
		else {
			printf("usage: overhead_bench [--seconds S (10)]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (secs < 3 || secs > 3600) {
		fprintf(stderr, "overhead_bench: --seconds must be 3 to 3600\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	char orc[PATH_MAX], reg[128], runtime[32], sleep_cmd[64];
	tb_program_path(orc, sizeof(orc), "orchestrator");
	snprintf(reg, sizeof(reg), "/tmp/tb-overhead-bench-%d.conf", (int)getpid());
	snprintf(runtime, sizeof(runtime), "%.0f", secs);
	snprintf(sleep_cmd, sizeof(sleep_cmd), "command = sleep %.0f\n", secs);
	FILE *f = fopen(reg, "w");
	if (f == NULL)
		return 2;
	fprintf(f, "[sleeper]\n%s", sleep_cmd);
	fclose(f);

	char *args[] = {orc, "run", "--client", "sleeper", "--sps", "1", "--runtime", runtime,
			"--period", "10ms", "--uncalibrated", "--no-trace", "--clients", reg,
			"--control-port", "0", "-q", NULL};
	tb_child c;
	char err[256];
	tb_child_opts o = {.stdout_path = "/dev/null"};
	if (tb_child_spawn(&c, args, &o, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "overhead_bench: %s\n", err);
		return 2;
	}
	tb_sleep_ns(TB_NS_PER_S);
	pid_t smp = child_named(c.pid, "sampler"), sat = child_named(c.pid, "satellite");
	uint64_t o0 = tb_process_cpu_ns(c.pid), s0 = tb_process_cpu_ns(smp), a0 = tb_process_cpu_ns(sat), t0 = tb_now_ns();
	tb_sleep_ns((uint64_t)((secs - 2) * 1e9));
	uint64_t o1 = tb_process_cpu_ns(c.pid), s1 = tb_process_cpu_ns(smp), a1 = tb_process_cpu_ns(sat), t1 = tb_now_ns();
	tb_child_wait(&c, 60000);
	tb_child_fini(&c);
	unlink(reg);
	if (smp == 0) {
		fprintf(stderr, "overhead_bench: no sampler child found\n");
		return 2;
	}
	double wall = (double)(t1 - t0) / 1e9;
	double po = 100.0 * (double)(o1 - o0) / 1e9 / wall, ps = 100.0 * (double)(s1 - s0) / 1e9 / wall;
	double pa = 100.0 * (double)(a1 - a0) / 1e9 / wall;
	printf("overhead_bench: a sleeping client sampled every 10 ms, measured over %.1f s\n", wall);
	printf("  orchestrator %.3f%%  sampler %.3f%%  together %.3f%% of one core"
	       "  (idle satellite %.3f%%)\n", po, ps, po + ps, pa);
	printf("  waking every 10 ms costs %.3f%% on this machine (the floor for any sampler)\n",
	       floor_pct(3));
	printf("target: orchestrator + sampler <= 0.5%%: %s\n", po + ps <= 0.5 ? "MET" : "NOT MET");
	return po + ps <= 0.5 ? 0 : 1;
}
