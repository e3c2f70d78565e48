/* SPDX-License-Identifier: MIT */
/* agent.h - the sampler's control channel: bench.proto requests from the orchestrator
 * over nng (hello, start/stop sampling a pid, launch a registered client, poll queued
 * samples, shut down), and the lease that ends everything when the orchestrator is gone.
 *
 * The lease: once an orchestrator has said Hello, it must send some request at least
 * every lease period (its SmpPoll loop does). If it falls silent, the agent assumes it
 * died, stops every client it launched (their whole process groups) and asks to exit. */
#ifndef SMP_AGENT_H
#define SMP_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/registry.h"
#include "common/rpc.h"
#include "sampler/sink.h"

typedef struct smp_agent smp_agent;

typedef struct smp_agent_cfg {
	const tb_registry *registry;	/* NULL: launching is refused */
	smp_sink *sink;
	const char *ring_name;		/* "" if none */
	uint64_t lease_ns;		/* 0: no lease */
	int grace_ms;			/* SIGTERM -> SIGKILL grace when stopping clients */
} smp_agent_cfg;

/* smp_agent_alloc makes an agent. TB_OK or TB_ENOMEM. */
int smp_agent_alloc(smp_agent **ap, const smp_agent_cfg *cfg);

/* smp_agent_free stops every session, stopping launched clients. NULL is fine. */
void smp_agent_free(smp_agent *a);

/* smp_agent_handle answers one request (exactly one reply is sent). Returns true when
 * the request was Shutdown. */
bool smp_agent_handle(smp_agent *a, tb_rpc_server *srv, const Tb__Envelope *req);

/* smp_agent_tick frees finished sessions and tells whether the lease has run out. */
bool smp_agent_tick(smp_agent *a, uint64_t now_ns);

/* smp_agent_wait_ms returns how long the control loop may wait for the next request
 * before the lease must be checked again: -1 (forever) when no lease runs. */
int smp_agent_wait_ms(const smp_agent *a, uint64_t now_ns);

/* smp_agent_sessions returns how many sessions are sampling or waiting on a client. */
int smp_agent_sessions(const smp_agent *a);

#endif
