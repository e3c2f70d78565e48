/* rundata.h - runs.jsonl read back: what the report draws and tabulates. Reading the
 * file, not the orchestrator's memory, lets `orchestrator report DIR` redraw any results
 * directory, including one copied from another machine. */
#ifndef ORC_RUNDATA_H
#define ORC_RUNDATA_H

#include <stdbool.h>
#include <stddef.h>

#define ORC_RUNDATA_MAX_EVENTS 32

typedef struct orc_rundata_event {
	double at_s;
	char what[64];		/* "satellites down", "mode slow_fail", ... */
} orc_rundata_event;

typedef struct orc_rundata {
	char plan_run[64];	/* the plan's run name */
	char client[64];
	char tracer[128];
	char satellites[16];
	bool trace;
	double sps, runtime_s;
	double spans_per_second, cpu_usage, host_cpu;
	double sent, received, dropped, duplicates, rejected, client_dropped;
	double peak_rss;
	bool failed, timed_out;
	char failure[256];
	double period_s;
	size_t nsamples;
	double *memory;		/* bytes, one per sample */
	double *cpu;		/* share, one per sample */
	double bucket_s;
	size_t nbuckets;
	double *received_per_bucket;
	orc_rundata_event events[ORC_RUNDATA_MAX_EVENTS];
	size_t nevents;
} orc_rundata;

/* orc_rundata_load reads path (runs.jsonl) into a new array of *n rows. A line that is
 * not a run object is an error naming its line. TB_OK, TB_ENOENT or TB_EPROTO. */
int orc_rundata_load(const char *path, orc_rundata **rows, size_t *n, char *err,
		     size_t errlen);

/* orc_rundata_free frees rows and their lists. */
void orc_rundata_free(orc_rundata *rows, size_t n);

#endif
