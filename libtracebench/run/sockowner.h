/* SPDX-License-Identifier: MIT */
/* sockowner.h - which of a few local processes holds one end of a loopback TCP
 * connection: how the control channel knows a client that sends no token (clients
 * written for LightStep Benchmarks) in a run of several clients on this host. The
 * kernel's table of TCP sockets (/proc/net/tcp) gives the socket's inode from its
 * address, and each candidate's descriptors (/proc/PID/fd) say whether it holds it. */
#ifndef ORC_SOCKOWNER_H
#define ORC_SOCKOWNER_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/types.h>

/* orc_sock_owner finds which of pids[0..n) (or a descendant of it, three generations
 * down) has a socket bound to addr (the peer's end of a connection, as the server sees
 * it). TB_OK with *which set; TB_ENOENT when none
 * of them does (or the tables cannot be read). */
int orc_sock_owner(const struct sockaddr_in *addr, const pid_t *pids, size_t n,
		   size_t *which);

#endif
