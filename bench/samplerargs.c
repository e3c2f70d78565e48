/* SPDX-License-Identifier: MIT */
/* samplerargs.c - the sampler benchmarks' shared options. */
#include "bench/samplerargs.h"

#include <getopt.h>
#include <stdio.h>

#include "common/host.h"
#include "common/units.h"

int tb_sampler_args(const char *program, int argc, char **argv, double *secs, char *smp_path,
		    size_t len)
{
	static const struct option longopts[] = {
		{"seconds", required_argument, NULL, 's'},
		{"sampler", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;
	tb_program_path(smp_path, len, "sampler");
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (!tb_parse_real(optarg, 1, 3600, secs)) {
				fprintf(stderr, "%s: --seconds %s: expected 1 to 3600\n", program,
					optarg);
				return 2;
			}
			break;
		case 'S': snprintf(smp_path, len, "%s", optarg); break;
		case 'h':
			printf("usage: %s [--seconds S (%.0f)] [--sampler PATH]\n", program, *secs);
			return 0;
		default: return 2;
		}
	}
	return -1;
}
