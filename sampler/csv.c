/* SPDX-License-Identifier: MIT */
/* csv.c - one CSV row per sample. */
#include "sampler/csv.h"

#include <inttypes.h>

const char *smp_status_name(int status)
{
	static const char *const names[] = {"ok", "exited", "gone", "no_access", "stopped"};
	return status >= 0 && status <= TB_SAMPLE_STOPPED ? names[status] : "?";
}

/* The columns: what identifies a sample, its counters (common/records.h's table), and
 * how the process ended. */
void smp_csv_header(FILE *f)
{
	fputs("seq,run_id,pid,t_ns,status,flags,threads,nprocs,host_cpus", f);
#define CSV_NAME(m) fputs("," #m, f);
	TB_SAMPLE_COUNTERS(CSV_NAME)
#undef CSV_NAME
	fputs(",exit_code,signal\n", f);
}

void smp_csv_row(FILE *f, const tb_rec_sample *s)
{
	fprintf(f, "%" PRIu64 ",%" PRIu64 ",%" PRIu32 ",%" PRIu64 ",%s,%u,%" PRIu32 ",%u,%" PRIu32,
		s->seq, s->run_id, s->pid, s->t_ns, smp_status_name(s->status), s->flags,
		s->threads, s->nprocs, s->host_cpus);
#define CSV_VALUE(m) fprintf(f, ",%" PRIu64, s->m);
	TB_SAMPLE_COUNTERS(CSV_VALUE)
#undef CSV_VALUE
	fprintf(f, ",%" PRId32 ",%" PRIu32 "\n", s->exit_code, s->signal);
}
