/* SPDX-License-Identifier: MIT */
/* run.h - one benchmark run, start to finish: reset the satellites with a run id and set
 * their mode, arm the control channel with the client's command, have the sampler launch
 * the client (or each of several) by name and sample it, enforce the timeout, take each
 * client's result, wait
 * until spans stop arriving (bounded), read the satellites' counters, and fill a Result.
 * A run that goes wrong (client crash, timeout, satellite gone, malformed result) is
 * marked failed with the reason; only a broken harness is an error. */
#ifndef ORC_RUN_H
#define ORC_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/command.h"
#include "libtracebench/channel/channel.h"
#include "libtracebench/agents/peer.h"
#include "libtracebench/plan/plan.h"
#include "libtracebench/results/result.h"

/* Everything a run uses, set up once per plan. */
typedef struct orc_env {
	orc_channel *channel;
	orc_peer *satellites;
	size_t nsatellites;
	orc_peer *samplers;	/* the hosts clients run on; nsamplers (1 or more) of them */
	size_t nsamplers;
	orc_peer *sampler;	/* the first: calibration's, and a run of one client's */
	/* the channel's address, as each sampler's host reaches it */
	char control_hosts[ORC_PLAN_MAX_SAMPLERS][64];
	uint64_t period_ns;	/* sampling period */
	bool progress;		/* a live progress line on stderr */
} orc_env;

/* One client of a run of several. */
typedef struct orc_run_client {
	const char *name;	/* in its sampler's registry */
	int sampler;		/* index in orc_env's samplers; -1: the next, round-robin */
	uint64_t work;		/* per span; from its calibration */
	uint64_t sleep_ns;	/* per span; from its calibration */
} orc_run_client;

typedef struct orc_run_params {
	const char *client;	/* the run's one client, when clients is NULL */
	const orc_run_client *clients;	/* else nclients (1 to TB_MAX_CLIENTS) of them, each
					 * at sps: they are launched together, held until
					 * all have asked for their command, and released */
	size_t nclients;
	bool trace;
	double sps;
	double runtime_s;
	tb_sat_mode satellite_mode;	/* TB_SAT_DEFAULT: each satellite group's own */
	tb_proxy_spec proxy;	/* the clients report through it; kind NONE: straight */
	const char *proxy_dir;	/* its configuration and log; NULL: a directory of its
				 * own, removed after the run unless the proxy failed */
	bool no_flush;
	bool no_timeout;
	tb_protocol protocol;
	uint64_t work;		/* per span, for client; from calibration */
	uint64_t sleep_ns;	/* per span, for client; from calibration */
	uint64_t sleep_interval_ns;	/* 0: the client's own (its registry entry or mode) */
	uint64_t sleep_interval_cap_ns;	/* 0, or at most this (calibration's short checks) */
	uint64_t run_id;
	const orc_event *events;	/* timed satellite events, by at_s */
	size_t nevents;
	const char *samples_path;	/* write every sample here as LZ4-framed CSV, or NULL */
	size_t step, steps;		/* for the progress line: run i of N in a plan */
	double eta_after_s;		/* ... and how long the plan's later runs should take */
} orc_run_params;

/* orc_run_derive fills work and sleep for sps from a calibration: Work =
 * work_per_second / sps, Sleep = Work * sleep_per_work (ns); without one
 * (work_per_second 0), no work and Sleep = 1 / sps. */
void orc_run_derive(orc_run_params *p, double work_per_second, double sleep_per_work_ns);

/* orc_run_client_derive does the same for one client of several, at sps each. */
void orc_run_client_derive(orc_run_client *c, double sps, double work_per_second,
			   double sleep_per_work_ns);

/* orc_run performs one run into r (free it with orc_result_free). Returns TB_OK (look
 * at r->failed) or an error of the harness itself, with err filled. */
int orc_run(orc_env *env, const orc_run_params *p, orc_result *r, char *err, size_t errlen);

#endif
