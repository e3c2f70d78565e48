/* SPDX-License-Identifier: MIT */
/* httpload.h - a lean HTTP/1.1 load generator for the benchmarks: requests built once,
 * sent with writev on a keep-alive connection, up to `depth` of them in flight
 * (pipelining), answers framed by http-parser. Per request it costs a fraction of what
 * libcurl does, so on a 2-core machine the server under test gets more of the CPU. */
#ifndef TB_HTTPLOAD_H
#define TB_HTTPLOAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct tb_httpload {
	/* What to send: bodies[i] of lens[i] bytes, cycled from first_body on. */
	uint16_t port;			/* on 127.0.0.1 */
	const char *path;		/* e.g. "/api/v2/reports" */
	const char *content_type;
	uint8_t *const *bodies;
	const size_t *lens;
	size_t nbodies;
	size_t first_body;
	int depth;			/* requests in flight: 1 = one at a time */
	uint64_t deadline;		/* tb_now_ns() at which to stop sending */
	/* What happened. */
	uint64_t ok;			/* answered 2xx */
	uint64_t failed;		/* answered otherwise */
	uint64_t *lat;			/* per answer: ns from its batch's send, caller-owned */
	size_t nlat, caplat;
	char err[160];			/* set when the connection failed; "" otherwise */
} tb_httpload;

/* tb_httpload_run posts until the deadline, then waits for the answers in flight.
 * A pthread start routine: arg is a tb_httpload. Returns NULL. */
void *tb_httpload_run(void *arg);

#endif
