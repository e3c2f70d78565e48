/* SPDX-License-Identifier: MIT */
/* commands.h - what the orchestrator program's files share: exit statuses, the usage
 * text, `run` and `calibrate` (run_command.c), `check-client` (check_client.c) and a series
 * of benchmarks (series.c). */
#ifndef ORC_COMMANDS_H
#define ORC_COMMANDS_H

#include <stdbool.h>
#include <stdio.h>

#include "tracebench.h"

/* Exit statuses: the plan's assertions held / a regression (or a failed run) / an error. */
enum { ORC_EXIT_OK = 0, ORC_EXIT_REGRESSION = 1, ORC_EXIT_ERROR = 2 };

/* orc_usage prints every command's options to out. */
void orc_usage(FILE *out);

/* orc_join_counts joins `--client NAME xN` (the count its own argument) into one argument
 * "NAME xN", in place, so getopt sees one option value. Returns the new argc. */
int orc_join_counts(int argc, char **argv);

/* orc_cmd_run runs `orchestrator run`, or with calibrate_only `orchestrator calibrate`,
 * on the arguments after the program's name. Returns the exit status. */
int orc_cmd_run(int argc, char **argv, bool calibrate_only);

/* orc_cmd_check_client runs `orchestrator check-client NAME` (check_client.c) on the
 * arguments after the program's name. Returns the exit status. */
int orc_cmd_check_client(int argc, char **argv);

/* A series of benchmarks: rounds of the same parameters, the first warmup of them not
 * counted; with alternate, each round a traced and an untraced run. */
typedef struct orc_series {
	tb_benchmark_params p;
	bool json;		/* each Result as a JSON line; the summary on stderr */
	unsigned repeat;	/* rounds, warm-ups included; 0 or 1: one */
	unsigned warmup;
	bool alternate;
	bool stop_on_failure;	/* a failed run ends the series */
	double max_cv;		/* counted runs noisier than this (CV of cpu_usage): exit 2 */
	double quiet_host;	/* a run with more cores of other work on the host: exit 2 */
} orc_series;

/* orc_series_run performs s, prints each Result (LightStep Benchmarks' printout, or
 * JSON) and, for more than one run, the medians of the headline figures. Returns the
 * exit status: 1 if a run failed, 2 on an error or a series too noisy to judge. */
int orc_series_run(tb_controller *c, tb_satellites *sats, const orc_series *s);

#endif
