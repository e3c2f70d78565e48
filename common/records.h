/* SPDX-License-Identifier: MIT */
/* records.h - the fixed-layout records tracebench's processes write into shared-memory
 * rings (common/ring.h) for the orchestrator on the same host. Plain structs with a type
 * and size up front, so a reader can check what it got before using it; all times are
 * CLOCK_MONOTONIC nanoseconds (common/clock.h), comparable across processes on a host. */
#ifndef TB_RECORDS_H
#define TB_RECORDS_H

#include <stdint.h>

enum tb_rec_type {
	TB_REC_REPORT = 1,	/* a satellite answered one span report */
	TB_REC_SAMPLE = 2,	/* a sampler read one sample */
};

/* One span report as the satellite answered it. */
typedef struct tb_rec_report {
	uint16_t type;		/* TB_REC_REPORT */
	uint16_t size;		/* sizeof(tb_rec_report) */
	uint16_t status;	/* HTTP status answered (0: connection dropped) */
	uint8_t protocol;	/* sat_proto of the report */
	uint8_t transport;	/* 0: HTTP/1.1, 1: gRPC */
	uint64_t t_ns;		/* when the answer was decided */
	uint64_t run_id;
	uint32_t spans;
	uint32_t duplicates;
	uint64_t bytes_wire;
} tb_rec_report;

/* tb_rec_sample.status: the values of bench.proto's SampleStatus. */
enum tb_sample_status {
	TB_SAMPLE_OK = 0,
	TB_SAMPLE_EXITED = 1,	 /* final sample of a launched client, from wait4 rusage */
	TB_SAMPLE_GONE = 2,	 /* the pid no longer exists */
	TB_SAMPLE_NO_ACCESS = 3, /* /proc refused us */
	TB_SAMPLE_STOPPED = 4,	 /* last sample, taken when sampling was stopped */
};

/* tb_rec_sample.flags: which parts of a sample could not be read. */
enum {
	TB_SAMPLE_F_NO_IO = 1u << 0,	 /* /proc/PID/io unreadable: io_* are 0 */
	TB_SAMPLE_F_NO_HOST = 1u << 1,	 /* /proc/stat unreadable: host_* are 0 */
	TB_SAMPLE_F_TICK_CPU = 1u << 2,	 /* cpu_ns from clock ticks, not the CPU clock */
};

/* A sample's cumulative counters, in the order of its CSV columns: X(member). Each is a
 * uint64_t of tb_rec_sample and the field of the same name in bench.proto's Sample, so
 * the copies between them and the CSV writer are made from this list. */
#define TB_SAMPLE_COUNTERS(X)                                                             \
	X(cpu_ns)		/* user + system */                                          \
	X(utime_ns)                                                                       \
	X(stime_ns)                                                                       \
	X(rss_bytes)                                                                      \
	X(hwm_bytes)		/* peak RSS (VmHWM; ru_maxrss in an EXITED sample) */       \
	X(vol_ctxsw)                                                                      \
	X(invol_ctxsw)                                                                    \
	X(minflt)                                                                         \
	X(majflt)                                                                         \
	X(io_read_bytes)                                                                  \
	X(io_write_bytes)                                                                 \
	X(host_busy_ticks)	/* whole host, /proc/stat, USER_HZ ticks */                 \
	X(host_total_ticks)                                                               \
	X(host_steal_ticks)	/* taken by the hypervisor for other guests */              \
	X(sampler_cpu_ns)	/* the sampler's own CPU time, so its cost is known */

/* One sample of a process (or its tree). Counters are cumulative since it started. */
typedef struct tb_rec_sample {
	uint16_t type;		/* TB_REC_SAMPLE */
	uint16_t size;		/* sizeof(tb_rec_sample) */
	uint8_t status;		/* tb_sample_status */
	uint8_t flags;		/* TB_SAMPLE_F_* */
	uint16_t nprocs;	/* processes summed (1 unless descendants are included) */
	uint32_t pid;
	int32_t exit_code;	/* TB_SAMPLE_EXITED: exit status, or -1 when killed */
	uint32_t signal;	/* TB_SAMPLE_EXITED: the killing signal, or 0 */
	uint32_t threads;
	uint32_t host_cpus;	/* the host's online CPUs, to turn host ticks into cores */
	uint64_t seq;		/* sampler's sequence number */
	uint64_t run_id;
	uint64_t t_ns;		/* run time: ns since the run start the orchestrator sent */
#define TB_SAMPLE_MEMBER(m) uint64_t m;
	TB_SAMPLE_COUNTERS(TB_SAMPLE_MEMBER)
#undef TB_SAMPLE_MEMBER
} tb_rec_sample;

#endif
