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

#endif
