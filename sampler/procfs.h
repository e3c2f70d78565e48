/* SPDX-License-Identifier: MIT */
/* procfs.h - reading one process's CPU, memory, context switches, faults and I/O, and
 * the host's CPU use, from /proc, cheaply enough to do every millisecond.
 *
 * What the graphs are drawn from is read on every sample, the cheapest way there is: the
 * CPU total from the process's CPU clock (clock_getcpuclockid: nanoseconds, where /proc's
 * utime/stime have 10 ms ticks) and RSS from /proc/PID/statm (1.5 us here, against
 * 4.8 us for stat). Everything else changes slowly or costs more, so it is refreshed at
 * most every SMP_SLOW_PERIOD_NS, samples in between carrying the last values: stat
 * (utime/stime split, faults, threads), io, the host's /proc/stat, context switches
 * (kept per thread, so summed over /proc/PID/task/) and the peak RSS (VmHWM in status,
 * the costliest file), which in between is raised to any RSS a sample sees. With
 * descendants included every reading is taken every time. Files are opened once and
 * re-read with pread. */
#ifndef SMP_PROCFS_H
#define SMP_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/records.h"

#define SMP_SLOW_PERIOD_NS (100ull * 1000 * 1000)
/* Context switches are summed over every thread's status file: a directory walk, read
 * once a second, as they serve a run's totals, not its graphs. */
#define SMP_CTXSW_PERIOD_NS (1000ull * 1000 * 1000)

typedef struct smp_proc {
	pid_t pid;
	bool include_children;
	int stat_fd;
	int statm_fd;
	int status_fd;
	int io_fd;		/* -1 when /proc/PID/io is not ours to read */
	int host_fd;		/* /proc/stat */
	clockid_t cpu_clock;
	bool has_clock;
	uint64_t slow_at_ns;	/* when the slow readings were last refreshed */
	uint64_t vol_ctxsw, invol_ctxsw;
	uint64_t ctxsw_at_ns;	/* when they were last summed */
	uint64_t host_busy, host_total, host_steal;
	bool host_ok;
	uint64_t hwm;		/* peak RSS known so far */
	/* the last slow readings */
	uint64_t utime, stime, minflt, majflt, threads;
	uint64_t io_read, io_write;
	bool io_ok;
} smp_proc;

/* smp_proc_open prepares to sample pid (and its descendants if include_children).
 * Returns TB_OK; TB_ENOENT if there is no such process; TB_ESYS if /proc refuses
 * (permissions), with the reason in err. */
int smp_proc_open(smp_proc *p, pid_t pid, bool include_children, char *err, size_t errlen);

/* smp_proc_read fills s's counters (all but seq, run_id, t_ns, exit fields) and returns
 * its status: TB_SAMPLE_OK, TB_SAMPLE_GONE (the process exited: s is zeroed) or
 * TB_SAMPLE_NO_ACCESS. now_ns (CLOCK_MONOTONIC) decides whether the slow readings are due. */
int smp_proc_read(smp_proc *p, tb_rec_sample *s, uint64_t now_ns);

/* smp_proc_close closes the files. Safe to call twice. */
void smp_proc_close(smp_proc *p);

/* smp_host_cpu reads the host's cumulative busy, total and steal CPU ticks from the
 * open /proc/stat fd. Returns false if it cannot. */
bool smp_host_cpu(int fd, uint64_t *busy, uint64_t *total, uint64_t *steal);

#endif
