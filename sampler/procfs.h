/* procfs.h - reading one process's CPU, memory, context switches, faults and I/O, and
 * the host's CPU use, from /proc, cheaply enough to do every millisecond.
 *
 * The files read on every sample (/proc/PID/stat and io) are opened once and re-read
 * with pread, and the CPU total comes from the process's CPU clock (clock_getcpuclockid),
 * which has nanosecond precision where /proc's utime/stime have 10 ms ticks. Two readings
 * cost more and change slowly, so they are refreshed at most every SMP_SLOW_PERIOD_NS:
 * the host's /proc/stat; context switches, which the kernel keeps per thread (the
 * leader's status shows only its own) and so must be summed over /proc/PID/task/; and
 * the peak RSS (VmHWM in /proc/PID/status, the costliest file), which in between is
 * raised to any RSS a sample sees. Samples in between carry the last values. */
#ifndef SMP_PROCFS_H
#define SMP_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/records.h"

#define SMP_SLOW_PERIOD_NS (100ull * 1000 * 1000)

typedef struct smp_proc {
	pid_t pid;
	bool include_children;
	int stat_fd;
	int status_fd;
	int io_fd;		/* -1 when /proc/PID/io is not ours to read */
	int host_fd;		/* /proc/stat */
	clockid_t cpu_clock;
	bool has_clock;
	uint64_t slow_at_ns;	/* when the slow readings were last refreshed */
	uint64_t vol_ctxsw, invol_ctxsw;
	uint64_t host_busy, host_total;
	bool host_ok;
	uint64_t hwm;		/* peak RSS known so far */
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

/* smp_host_cpu reads the host's cumulative busy and total CPU ticks from the open
 * /proc/stat fd. Returns false if it cannot. */
bool smp_host_cpu(int fd, uint64_t *busy, uint64_t *total);

#endif
