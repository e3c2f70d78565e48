/* SPDX-License-Identifier: MIT */
/* listen.h - a port group's listening sockets and its accept thread: binding every port
 * (or, asked to, free ones when a port is taken), taking the group down and up again on
 * the same ports, and telling each new connection's wire protocol by its first bytes:
 * the HTTP/2 connection preface (gRPC over h2c) or anything else (HTTP/1.1). Ports of a
 * gRPC-only list skip the look.
 *
 * Connections are handed over by a function the owner gives: it takes the socket. */
#ifndef SAT_LISTEN_H
#define SAT_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "satellite/counters.h"

#define SAT_LISTEN_MAX_PORTS 64	/* HTTP and gRPC-only together */

typedef enum sat_wire { SAT_WIRE_HTTP1 = 0, SAT_WIRE_H2 } sat_wire;

typedef void (*sat_listen_take_fn)(void *arg, int fd, const struct sockaddr *sa,
				   socklen_t salen, sat_wire wire);

typedef struct sat_listen_opts {
	const char *bind;		/* IPv4 address; NULL = 127.0.0.1 */
	const uint16_t *ports;		/* HTTP/1.1 and gRPC, told apart; 0 picks a free port */
	size_t nports;
	const uint16_t *grpc_ports;	/* gRPC only */
	size_t ngrpc_ports;
	bool fallback_free;		/* a port taken at start: serve free ports instead */
	unsigned sniff_timeout_s;	/* a connection silent this long is closed unread */
	sat_counters *counters;		/* such a connection counts as a timeout */
	sat_listen_take_fn take;
	void *take_arg;
} sat_listen_opts;

typedef struct sat_listen sat_listen;

/* sat_listen_alloc binds every port and starts the accept thread. TB_OK, TB_EINVAL (no
 * ports, too many), TB_EADDR (a bad address or a port in use, named in err), TB_ESYS or
 * TB_ENOMEM. */
int sat_listen_alloc(sat_listen **lp, const sat_listen_opts *o, char *err, size_t errlen);

/* sat_listen_set closes every listening socket and every connection not yet handed
 * over (false), or binds the same ports again (true). TB_OK, or TB_EADDR if a port was
 * taken meanwhile (named in err; the group then stays down). */
int sat_listen_set(sat_listen *l, bool on, char *err, size_t errlen);

/* sat_listen_up tells whether the group listens. */
bool sat_listen_up(sat_listen *l);

/* sat_listen_ports gives the HTTP/1.1-and-gRPC ports (0s resolved), and
 * sat_listen_grpc_ports the gRPC-only ones. */
const uint16_t *sat_listen_ports(const sat_listen *l, size_t *n);
const uint16_t *sat_listen_grpc_ports(const sat_listen *l, size_t *n);

/* sat_peer_closed tells whether the peer of connected socket fd has closed its end:
 * the socket reads end of file. Bytes waiting (a pipelined request) mean it has not. An
 * answer held for a client that gave up is not sent: the kernel would take it anyway,
 * and it would count as delivered. */
bool sat_peer_closed(int fd);

/* sat_listen_free stops the thread and closes every socket it holds. NULL is fine. */
void sat_listen_free(sat_listen *l);

#endif
