/* SPDX-License-Identifier: MIT */
/* samplerargs.h - the command line the benchmarks of a sampler agent share:
 * [--seconds S] [--sampler PATH] [--help]. */
#ifndef TB_SAMPLERARGS_H
#define TB_SAMPLERARGS_H

#include <stddef.h>

/* tb_sampler_args parses argv for program: *secs (1 to 3600; keeps its default when not
 * given) and smp_path (default: the sampler beside this program). Returns -1 to go on,
 * or the status to exit with: 0 after --help, 2 after a bad option (message printed). */
int tb_sampler_args(const char *program, int argc, char **argv, double *secs, char *smp_path,
		    size_t len);

#endif
