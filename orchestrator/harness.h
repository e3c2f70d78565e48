/* harness.h - the processes and servers a benchmark needs on this host, started
 * together and stopped together: a satellite group, a sampler agent (which launches the
 * clients from the registry) and the clients' control channel. Stale shared-memory
 * segments from crashed runs are removed first. */
#ifndef ORC_HARNESS_H
#define ORC_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "orchestrator/channel.h"
#include "orchestrator/peer.h"
#include "orchestrator/run.h"

typedef struct orc_harness_opts {
	const char *clients;		/* registry file */
	bool satellites;		/* false: none (clients report to a closed port) */
	const char *satellite_mode;
	const char *satellite_ports;	/* "0,0" (two free ports) unless given */
	uint16_t control_port;
	uint64_t period_ns;
	bool progress;
} orc_harness_opts;

typedef struct orc_harness {
	orc_peer satellite;
	orc_peer sampler;
	orc_channel *channel;
	orc_env env;		/* what runs use, pointing into this struct */
} orc_harness;

/* orc_harness_start starts everything and waits for each Hello. On error (err filled)
 * nothing is left running. */
int orc_harness_start(orc_harness *h, const orc_harness_opts *o, char *err, size_t errlen);

/* orc_harness_stop stops the channel, the sampler (and so its clients) and the
 * satellites. Safe after a failed start. */
void orc_harness_stop(orc_harness *h);

#endif
