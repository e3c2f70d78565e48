/* SPDX-License-Identifier: MIT */
/* csv.h - samples as CSV, one row per sample with a header naming every column; the
 * format of `sampler`'s standalone output and of the orchestrator's raw sample files. */
#ifndef SMP_CSV_H
#define SMP_CSV_H

#include <stdio.h>

#include "common/records.h"

/* smp_status_name: "ok", "exited", "gone", "no_access", "stopped" (or "?"). */
const char *smp_status_name(int status);

/* smp_csv_header writes the header line. */
void smp_csv_header(FILE *f);

/* smp_csv_row writes one sample. */
void smp_csv_row(FILE *f, const tb_rec_sample *s);

#endif
