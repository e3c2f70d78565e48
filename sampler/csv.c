/* SPDX-License-Identifier: MIT */
/* csv.c - one CSV row per sample. */
#include "sampler/csv.h"

#include <inttypes.h>

const char *smp_status_name(int status)
{
	static const char *const names[] = {"ok", "exited", "gone", "no_access", "stopped"};
	return status >= 0 && status <= TB_SAMPLE_STOPPED ? names[status] : "?";
}

void smp_csv_header(FILE *f)
{
	fputs("seq,run_id,pid,t_ns,status,flags,cpu_ns,utime_ns,stime_ns,rss_bytes,hwm_bytes,"
	      "threads,nprocs,vol_ctxsw,invol_ctxsw,minflt,majflt,io_read_bytes,"
	      "io_write_bytes,host_busy_ticks,host_total_ticks,exit_code,signal\n",
	      f);
}

void smp_csv_row(FILE *f, const tb_rec_sample *s)
{
	fprintf(f,
		"%" PRIu64 ",%" PRIu64 ",%" PRIu32 ",%" PRIu64 ",%s,%u,%" PRIu64 ",%" PRIu64
		",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu32 ",%u,%" PRIu64 ",%" PRIu64
		",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		",%" PRId32 ",%" PRIu32 "\n",
		s->seq, s->run_id, s->pid, s->t_ns, smp_status_name(s->status), s->flags,
		s->cpu_ns, s->utime_ns, s->stime_ns, s->rss_bytes, s->hwm_bytes, s->threads,
		s->nprocs, s->vol_ctxsw, s->invol_ctxsw, s->minflt, s->majflt, s->io_read_bytes,
		s->io_write_bytes, s->host_busy_ticks, s->host_total_ticks, s->exit_code,
		s->signal);
}
