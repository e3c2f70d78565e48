/* SPDX-License-Identifier: MIT */
/* clock.h - monotonic time for measuring and for deadlines. Everything that measures an
 * interval in tracebench uses these, never the wall clock. */
#ifndef TB_CLOCK_H
#define TB_CLOCK_H

#include <stdint.h>
#include <sys/types.h>

#define TB_NS_PER_US 1000ULL
#define TB_NS_PER_MS 1000000ULL
#define TB_NS_PER_S 1000000000ULL

/* tb_now_ns returns CLOCK_MONOTONIC in nanoseconds. Comparable across processes on one
 * host (it is the same clock), not across hosts. */
uint64_t tb_now_ns(void);

/* tb_wall_ns returns CLOCK_REALTIME in nanoseconds since the epoch, for timestamps that
 * a person or another host reads. */
uint64_t tb_wall_ns(void);

/* tb_process_cpu_ns returns the CPU time (user + system) process pid has used, in
 * nanoseconds, from its CPU clock; 0 when it cannot be read. */
uint64_t tb_process_cpu_ns(pid_t pid);

/* tb_sleep_ns sleeps for ns nanoseconds, resuming after signals until the time is used. */
void tb_sleep_ns(uint64_t ns);

/* tb_sleep_until_ns sleeps until CLOCK_MONOTONIC reaches deadline_ns (absolute), so that
 * periodic loops do not drift. Returns at once if the deadline has passed. */
void tb_sleep_until_ns(uint64_t deadline_ns);

/* tb_ms_left returns the whole milliseconds from now until deadline_ns, 0 if passed;
 * convenient for poll() and nng timeouts. */
int tb_ms_left(uint64_t deadline_ns);

#endif
