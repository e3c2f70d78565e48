/* SPDX-License-Identifier: MIT */
/* environment.h - where and how a plan ran: host, kernel, CPU model, cores, memory, the
 * software, the plan, its scale, the client and its command line, the calibration. The
 * results directory keeps it as environment.json, and the report shows it, so numbers
 * from two machines are never compared blind. */
#ifndef ORC_ENVIRONMENT_H
#define ORC_ENVIRONMENT_H

#include <stddef.h>

#include "libtracebench/run/calibrate.h"

typedef struct orc_environment_in {
	const char *plan_path;
	double scale;			/* 1 unless --scale */
	const char *client;
	const char *clients_file;	/* for the client's command line */
	const char *const *clients;		/* every client the plan uses ... */
	const orc_calibration *calibrations;	/* ... and its calibration */
	size_t nclients;
	double period_s;		/* sampling */
} orc_environment_in;

/* orc_environment_write writes path as one JSON object. TB_OK or TB_ESYS (err filled). */
int orc_environment_write(const char *path, const orc_environment_in *in, char *err,
			  size_t errlen);

#endif
