/* SPDX-License-Identifier: MIT */
/* report.h - a results directory made readable: every graph of the plan drawn by
 * gnuplot into DIR/graphs/, and DIR/report.html with the graphs, the table of runs, every
 * assertion with its values and verdict, the environment, and links to the raw data.
 * `orchestrator report DIR` calls it, as does the end of a plan that has graphs.
 *
 * It reads only files: runs.jsonl (required), plan.txt (for its graph statements; a
 * plan without any gets one memory graph of every run), assertions.jsonl and
 * environment.json (shown when present). */
#ifndef ORC_REPORT_H
#define ORC_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "tracebench.h"

/* What was drawn: graphs asked for and drawn, why some were not, the page's path. */
typedef tb_report_info orc_report_outcome;

/* orc_report_write writes the report for dir. gnuplot is the program to draw with (NULL:
 * $TB_GNUPLOT or "gnuplot"). Graphs gnuplot could not draw do not make it fail: the
 * data, scripts and HTML are written anyway and out->problem says why. TB_OK, or an
 * error with err filled (no runs.jsonl, an unwritable directory). */
int orc_report_write(const char *dir, const char *gnuplot, orc_report_outcome *out, char *err,
		     size_t errlen);

#endif
