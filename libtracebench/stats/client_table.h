/* SPDX-License-Identifier: MIT */
/* client_table.h - clients compared: for each client and rate that a plan ran both
 * traced and NoOp, one row of what its tracer cost the program (the traced runs' median
 * CPU less the NoOp runs'), its largest peak RSS, and the spans it lost. The plan's
 * summary prints it and the report shows it; plans/languages.plan is made for it. */
#ifndef ORC_CLIENT_TABLE_H
#define ORC_CLIENT_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "libtracebench/results/result.h"

#define ORC_CLIENT_TABLE_MAX 64

typedef struct orc_client_row {
	char client[64];
	char tracer[128];	/* what the traced runs' client said traced it */
	double sps;
	size_t traced, noop;	/* runs of each */
	double cpu_traced, cpu_noop;	/* medians of cpu_usage */
	double peak_rss_bytes;	/* the largest of the traced runs' */
	uint64_t sent, dropped, unexplained;	/* summed over the traced runs */
} orc_client_row;

/* orc_client_table fills out with up to max rows from results (warm-ups and failed runs
 * left out), in the order the clients first ran; returns how many. A client and rate
 * with no NoOp run, or no traced one, has no row. */
size_t orc_client_table(const orc_result *results, size_t n, orc_client_row *out, size_t max);

/* orc_client_table_text writes the rows as a fixed-width table, nothing for none. */
void orc_client_table_text(FILE *f, const orc_client_row *rows, size_t n);

#endif
