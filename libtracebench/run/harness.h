/* SPDX-License-Identifier: MIT */
/* harness.h - the processes and servers a benchmark needs, started together and stopped
 * together: satellite groups (started here, or agents reached by URL), a sampler (started
 * here, or an agent on the host the clients run on) and the clients' control channel.
 * Stale shared-memory segments from crashed runs are removed first.
 *
 * Where things listen follows from where the clients run. With local samplers the
 * clients run here and everything stays on 127.0.0.1. With remote samplers they run on
 * their hosts, so the control channel and any local satellites listen on the address
 * those hosts reach us by (our end of the connection to each sampler): that one address
 * when they share it, else every address (0.0.0.0), the channel then wanting each
 * client's token. */
#ifndef ORC_HARNESS_H
#define ORC_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "libtracebench/channel/channel.h"
#include "libtracebench/agents/peer.h"
#include "libtracebench/plan/plan.h"
#include "libtracebench/run/run.h"

typedef struct orc_harness_opts {
	const char *clients;			/* registry file, for a local sampler */
	const char *const *sampler_urls;	/* nsamplers of them; NULL or "": one started
						 * here. None at all: one started here */
	size_t nsamplers;
	const orc_plan_satellites *groups;	/* satellite groups; none: clients report
						 * to a closed port */
	size_t ngroups;
	uint16_t control_port;
	uint64_t period_ns;
	bool progress;
	const tb_tls *tls;		/* credentials for tls+tcp:// agents; NULL: none */
} orc_harness_opts;

typedef struct orc_harness {
	orc_peer satellites[ORC_PLAN_MAX_SATELLITES];
	orc_plan_satellites groups[ORC_PLAN_MAX_SATELLITES];	/* what each was started as */
	size_t nsatellites;
	char bind[64];		/* where local satellites and the channel listen */
	const tb_tls *tls;	/* for remote agents, as the options gave it */
	orc_peer samplers[ORC_PLAN_MAX_SAMPLERS];
	size_t nsamplers;
	orc_channel *channel;
	orc_env env;		/* what runs use, pointing into this struct */
} orc_harness;

/* orc_harness_start starts or reaches everything and waits for each Hello. On error
 * (err filled) nothing is left running. */
int orc_harness_start(orc_harness *h, const orc_harness_opts *o, char *err, size_t errlen);

/* orc_satellite_start starts a local satellite group as g says, its HTTP ports on bind
 * (orc_harness.bind), or reaches a remote one (g->remote). TB_OK, or an error with err
 * filled and nothing left running. */
int orc_satellite_start(orc_peer *p, const orc_plan_satellites *g, const char *bind,
			const tb_tls *tls,
			char *err, size_t errlen);

/* orc_harness_revive starts again, on fresh ports, every local satellite that has died
 * (a run saw it go), so a plan can go on. A remote satellite is not ours to restart: a
 * dead one is an error, as is a dead sampler. TB_OK or an error with err filled. */
int orc_harness_revive(orc_harness *h, char *err, size_t errlen);

/* orc_harness_stop stops the channel, the samplers (and so their clients) and the
 * satellites (see orc_peer_stop for agents). Safe after a failed start. */
void orc_harness_stop(orc_harness *h);

#endif
