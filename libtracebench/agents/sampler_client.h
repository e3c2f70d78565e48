/* SPDX-License-Identifier: MIT */
/* sampler_client.h - the orchestrator's calls to a sampler agent (a peer of role
 * "sampler"), one typed function each. Only this file and peer.c build bench.proto
 * Envelopes for the sampler. Every call waits for the answer and returns TB_OK or the
 * call's error with err naming the peer. */
#ifndef ORC_SAMPLER_CLIENT_H
#define ORC_SAMPLER_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/command.h"
#include "common/proxy.h"
#include "libtracebench/agents/peer.h"

/* What launching one client takes. */
typedef struct orc_smp_launch_args {
	const char *client;		/* name in the sampler's registry */
	const tb_command *cmd;		/* rendered as flags for a client of mode = argv */
	const char *control_url;	/* the control channel, given as TB_CONTROL_URL */
	const char *token;		/* "" or the channel's token, as TB_TOKEN_ENV */
	uint64_t period_ns;		/* sampling period */
	uint64_t run_id;
	uint64_t run_start_ns;		/* samples' time origin; 0: the sampler's own */
	bool use_ring;			/* samples into the shared-memory ring, else nng */
} orc_smp_launch_args;

/* orc_smp_launch has the sampler launch a client and sample it; *pid gets its pid, and
 * *from_sampler whether its result comes from the sampler (orc_smp_get_result: a client
 * of mode = argv) rather than from the client over the control channel. */
int orc_smp_launch(orc_peer *smp, const orc_smp_launch_args *a, pid_t *pid,
		   bool *from_sampler, char *err, size_t errlen);

/* What the sampler's registry says of a client. */
typedef struct orc_smp_client_info {
	bool argv;			/* mode = argv */
	uint64_t sleep_interval_ns;	/* its registry entry's, else its mode's default */
} orc_smp_client_info;

/* orc_smp_describe asks the sampler about client (TB_ENOENT: not in its registry). */
int orc_smp_describe(orc_peer *smp, const char *client, orc_smp_client_info *info, char *err,
		     size_t errlen);

/* orc_smp_get_result asks for the result of an argv client; *ready is false until the
 * client has ended. */
int orc_smp_get_result(orc_peer *smp, pid_t pid, bool *ready, tb_client_result *res,
		       char *err, size_t errlen);

/* orc_smp_proxy_start has the sampler start proxy (tb_proxy_spec_text's form) on its
 * host in front of upstreams (host:port, as that host reaches them); *port gets where
 * it listens on that host's 127.0.0.1. */
int orc_smp_proxy_start(orc_peer *smp, const char *proxy, const char *const *upstreams,
			size_t n, uint16_t *port, char *err, size_t errlen);

/* orc_smp_proxy_read reads the figures of the sampler's running proxy. */
int orc_smp_proxy_read(orc_peer *smp, tb_proxy_figures *f, char *err, size_t errlen);

/* orc_smp_proxy_stop stops the sampler's proxy (nothing if none runs). */
int orc_smp_proxy_stop(orc_peer *smp, char *err, size_t errlen);

/* orc_smp_stop stops sampling pid and kills it (its process group) after grace_ms. */
int orc_smp_stop(orc_peer *smp, pid_t pid, uint32_t grace_ms, char *err, size_t errlen);

#endif
