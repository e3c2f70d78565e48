/* SPDX-License-Identifier: MIT */
/* argv.h - running a client registered with mode = argv, LightStep Benchmarks' later form: the
 * client takes its command as flags and the harness measures everything else.
 *
 * The agent renders the run's command (ArgvCommand: typed values, so nothing from the
 * network becomes an argument) as LightStep Benchmarks' flags after the registered command line,
 * and gives the satellites and protocol, which LightStep Benchmarks' form has no flags for, as
 * TB_SATELLITES and TB_PROTOCOL in the environment: a client written for LightStep Benchmarks runs
 * unchanged. The client's stdout is kept; when it ends, its result is the JSON result line
 * our argv clients print, or, from a client that prints none, the harness's own figures as
 * LightStep Benchmarks took them (SpansSent = Repeat, CPU of the process itself as it exited, wall time
 * from launch to exit). The orchestrator asks the sampler for it (SmpGetResult). */
#ifndef SMP_ARGV_H
#define SMP_ARGV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "common/command.h"
#include "proto/bench.pb-c.h"

#define SMP_ARGV_MAX 64

typedef struct smp_argv_run {
	char *argv[SMP_ARGV_MAX + 1];	/* the registered argv, then the flags; NULL-ended */
	char flags[TB_ARGV_FLAGS][20];	/* "--trace", ... */
	char values[TB_ARGV_FLAGS][24];	/* the flags' rendered numbers */
	char env_sats[600];		/* "TB_SATELLITES=h:p,h:p" */
	char env_proto[32];		/* "TB_PROTOCOL=lightstep" */
	char out_path[128];		/* the client's stdout */
	uint64_t repeat;
} smp_argv_run;

/* smp_argv_prepare checks c and fills r: argv (pointing into base and r), the two
 * environment entries, and a fresh path for the client's stdout. TB_OK, or TB_EINVAL
 * naming the bad value in err. */
int smp_argv_prepare(smp_argv_run *r, const Tb__ArgvCommand *c, char *const base[], char *err,
		     size_t errlen);

/* smp_argv_result gives the ended client's result (see above). cpu_s is the CPU time
 * its exit sample carries, wall_ns its time from launch to exit. */
void smp_argv_result(const smp_argv_run *r, double cpu_s, uint64_t wall_ns,
		     tb_client_result *res);

/* smp_argv_cleanup removes the kept stdout. */
void smp_argv_cleanup(smp_argv_run *r);

#endif
