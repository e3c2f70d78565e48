/* SPDX-License-Identifier: MIT */
/* testchild.c - a client stand-in with known behaviour, for checking what the sampler
 * (and later the orchestrator) measures:
 *   testchild burn SECONDS [TAIL_MS]   use SECONDS of CPU, then sleep TAIL_MS
 *   testchild duty PERCENT SECONDS     use PERCENT of every 10 ms in CPU, for SECONDS
 *   testchild alloc MIB HOLD_MS        after 300 ms, allocate and touch MIB MiB, write
 *                                      the CLOCK_MONOTONIC ns when done to the file
 *                                      named by $TB_MARK, hold HOLD_MS
 *   testchild spawn SECONDS            fork a child that burns SECONDS, wait for it
 *   testchild sleep SECONDS            sleep
 *   testchild exit CODE                exit with CODE */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t clock_now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(double ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6)};
	nanosleep(&ts, NULL);
}

static volatile double sink;

static void burn_cpu(double seconds)
{
	uint64_t end = clock_now(CLOCK_PROCESS_CPUTIME_ID) + (uint64_t)(seconds * 1e9);
	double x = 1.0;
	while (clock_now(CLOCK_PROCESS_CPUTIME_ID) < end)
		for (int i = 0; i < 1000; i++)
			x = x * 1.0000001 + 0.0000001;
	sink = x;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "burn") == 0) {
		burn_cpu(atof(argv[2]));
		if (argc >= 4)
			sleep_ms(atof(argv[3]));
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "duty") == 0) {
		double busy = atof(argv[2]) / 100.0 * 10e6;
		uint64_t end = clock_now(CLOCK_MONOTONIC) + (uint64_t)(atof(argv[3]) * 1e9);
		uint64_t cycle = clock_now(CLOCK_MONOTONIC);
		while (cycle < end) {
			/* Busy by CPU time, not wall time, so that time the host takes away
			 * (preemption, VM steal) does not lower the duty cycle. */
			double x = 1.0;
			uint64_t until = clock_now(CLOCK_PROCESS_CPUTIME_ID) + (uint64_t)busy;
			while (clock_now(CLOCK_PROCESS_CPUTIME_ID) < until)
				for (int i = 0; i < 100; i++)
					x = x * 1.0000001 + 0.0000001;
			sink = x;
			cycle += 10000000;
			struct timespec ts = {(time_t)(cycle / 1000000000ull),
					      (long)(cycle % 1000000000ull)};
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "alloc") == 0 && getenv("TB_MARK") != NULL) {
		size_t bytes = (size_t)atol(argv[2]) << 20;
		sleep_ms(300);
		char *p = malloc(bytes);
		if (p == NULL)
			return 1;
		memset(p, 1, bytes);
		uint64_t done = clock_now(CLOCK_MONOTONIC);
		FILE *f = fopen(getenv("TB_MARK"), "w");
		if (f == NULL)
			return 1;
		fprintf(f, "%llu\n", (unsigned long long)done);
		fclose(f);
		sleep_ms(atof(argv[3]));
		sink = p[bytes / 2];
		free(p);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "spawn") == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			burn_cpu(atof(argv[2]));
			_exit(0);
		}
		int st;
		waitpid(pid, &st, 0);
		sleep_ms(300);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "sleep") == 0) {
		sleep_ms(atof(argv[2]) * 1000);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	fprintf(stderr, "testchild: unknown command (see the comment at the top of testchild.c)\n");
	return 2;
}
