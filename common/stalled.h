/* SPDX-License-Identifier: MIT */
/* stalled.h - dropping connections to a TLS listener that never finish their handshake.
 *
 * nng 1.5's TLS transport gives each new connection 10 s to negotiate, but the timer
 * cannot cancel a handshake still waiting for the peer's first bytes: a peer that
 * connects and says nothing keeps its socket, and its memory, for as long as it likes,
 * and enough of them exhaust the agent's descriptors. A tracker learns which remote
 * addresses have a pipe (nng's pipe events), and a sweep finds this process's other
 * established connections on the listening port among its own descriptors; one without
 * a pipe past the limit is shut down (shutdown(2), not close: the descriptor stays nng's to close once
 * its handshake fails). */
#ifndef TB_STALLED_H
#define TB_STALLED_H

#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>

typedef struct tb_stalled tb_stalled;

/* tb_stalled_alloc tracks sock's pipes; call it before the listener starts, so that no
 * pipe is missed. TB_OK or TB_ENOMEM. */
int tb_stalled_alloc(tb_stalled **sp, nng_socket sock);

/* tb_stalled_free frees s. NULL is fine. Call after the socket is closed. */
void tb_stalled_free(tb_stalled *s);

/* tb_stalled_sweep looks at this process's established connections to port: each
 * without a pipe that was first seen more than limit_ns before now_ns is shut down and
 * logged with its peer's address. Returns how many. */
size_t tb_stalled_sweep(tb_stalled *s, uint16_t port, uint64_t now_ns, uint64_t limit_ns);

#endif
