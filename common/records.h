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
	uint8_t reserved;
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
	uint64_t seq;		/* sampler's sequence number */
	uint64_t run_id;
	uint64_t t_ns;		/* run time: ns since the run start the orchestrator sent */
	uint64_t cpu_ns;	/* user + system */
	uint64_t utime_ns;
	uint64_t stime_ns;
	uint64_t rss_bytes;
	uint64_t hwm_bytes;	/* peak RSS (VmHWM; ru_maxrss in an EXITED sample) */
	uint64_t vol_ctxsw;
	uint64_t invol_ctxsw;
	uint64_t minflt;
	uint64_t majflt;
	uint64_t io_read_bytes;
	uint64_t io_write_bytes;
	uint64_t host_busy_ticks;	/* whole host, /proc/stat, USER_HZ ticks */
	uint64_t host_total_ticks;
} tb_rec_sample;

#endif
