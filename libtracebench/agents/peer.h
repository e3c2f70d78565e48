/* SPDX-License-Identifier: MIT */
/* peer.h - a satellite or sampler the orchestrator drives over nng: one it started here
 * (a child in its own process group with PDEATHSIG, so it cannot outlive us) or an agent
 * already running elsewhere, reached by URL. Either way it is ready only once it has
 * answered Hello with the expected role and protocol version: never after a sleep. */
#ifndef ORC_PEER_H
#define ORC_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/child.h"
#include "common/rpc.h"
#include "common/satmode.h"

#define ORC_PEER_MAX_PORTS 64

typedef struct orc_peer {
	char role[16];		/* "satellite" or "sampler" */
	bool local;		/* started by us: child is valid */
	tb_child child;
	tb_rpc_client *rpc;
	char url[160];
	bool same_host;		/* equal host ids: rings, CLOCK_MONOTONIC and 127.0.0.1 are shared */
	char host_id[96];	/* its host id (common/host.h) */
	char ring_name[128];
	char hostname[128];
	char http_host[64];	/* satellite: the address its HTTP ports listen on */
	char local_addr[64];	/* our address as its host reaches us ("" over ipc://) */
	tb_sat_mode mode;	/* satellite: its group's mode, for runs that name none */
	uint32_t pid;
	uint16_t ports[ORC_PEER_MAX_PORTS];
	size_t nports;
} orc_peer;

/* orc_peer_spawn starts argv (which must make the program serve url) and waits up to
 * 10 s for its Hello. TB_OK, or an error with err naming the program and the reason;
 * on error nothing is left running. */
int orc_peer_spawn(orc_peer *p, const char *role, char *const argv[], const char *url,
		   char *err, size_t errlen);

/* orc_peer_attach reaches an agent already listening on url. Same checks. */
int orc_peer_attach(orc_peer *p, const char *role, const char *url, const tb_tls *tls,
		    char *err, size_t errlen);

/* orc_peer_call_expect sends req and expects a reply of kind want (TB_EPROTO else). */
int orc_peer_call_expect(orc_peer *p, Tb__Envelope *req, Tb__Envelope__BodyCase want,
			 Tb__Envelope **repp, char *err, size_t errlen);

/* orc_peer_call_ok sends req and expects Ok. */
int orc_peer_call_ok(orc_peer *p, Tb__Envelope *req, char *err, size_t errlen);

/* orc_peer_ping says Hello again, quietly: an agent's lease runs out if the orchestrator
 * falls silent, and a run whose samples come through shared memory sends it nothing
 * else. TB_OK, or the call's error. */
int orc_peer_ping(orc_peer *p, char *err, size_t errlen);

/* orc_peer_alive tells whether a local peer still runs (remote peers: true). */
bool orc_peer_alive(orc_peer *p);

/* orc_peer_stop asks for Shutdown; a local peer that does not exit within 3 s is
 * killed with its process group. A remote satellite is left serving (it may serve other
 * plans); a remote sampler is asked to shut down, as its lease would end it anyway. Safe
 * on a peer that failed to start. */
void orc_peer_stop(orc_peer *p);

#endif
