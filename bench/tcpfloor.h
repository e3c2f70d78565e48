/* SPDX-License-Identifier: MIT */
/* tcpfloor.h - what this machine's loopback TCP allows with no HTTP server in the way:
 * the floors the satellite's figures are read against in bench/satellite_bench. */
#ifndef TB_TCPFLOOR_H
#define TB_TCPFLOOR_H

/* tb_tcpfloor_receive sends 1000-span LightStep reports for secs to a thread that only
 * receives and discards them, woken once per 256 KiB; returns spans per CPU-second of
 * that thread (0 if the sockets could not be set up). */
double tb_tcpfloor_receive(double secs);

/* tb_tcpfloor_pingpong runs conns client threads for secs, each sending a 1-span
 * report's worth of bytes (TB_TCPFLOOR_REQUEST) and waiting for a 100-byte answer from
 * one epoll server thread; returns request/answer pairs per second (0 on failure). */
double tb_tcpfloor_pingpong(double secs, int conns);

#define TB_TCPFLOOR_REQUEST 1100	/* bytes: a 1-span report and its HTTP head */

#endif
