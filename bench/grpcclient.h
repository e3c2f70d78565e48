/* SPDX-License-Identifier: MIT */
/* grpcclient.h - a small gRPC client for tests and benchmarks, on libnghttp2: unary calls over
 * h2c with prior knowledge, as exporters make them, on one connection or several. */
#ifndef TB_BENCH_GRPCCLIENT_H
#define TB_BENCH_GRPCCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tg_conn tg_conn;

typedef struct tg_reply {
	int http_status;	/* :status, 0 if none came */
	int grpc_status;	/* -1 if none came */
	char grpc_message[512];
	uint8_t body[8192];	/* the response's DATA, gRPC prefix included */
	size_t len;
	bool reset;		/* the stream was reset (RST_STREAM) */
	bool conn_lost;		/* the connection closed first */
} tg_reply;

/* tg_open connects to 127.0.0.1:port and says the HTTP/2 preface. NULL on failure. */
tg_conn *tg_open(uint16_t port);

/* tg_call makes one call of path with msg (framed here; compressed with gzip first and
 * sent with grpc-encoding: gzip when gzip is set) and waits up to timeout_ms for it to
 * end. headers: extra "name: value" strings, NULL-terminated, or NULL. False on a
 * timeout. */
bool tg_call(tg_conn *c, const char *path, const uint8_t *msg, size_t len, bool gzip,
	     const char *const *headers, int timeout_ms, tg_reply *r);

/* tg_call_raw sends body as the request's DATA exactly (no gRPC prefix added). */
bool tg_call_raw(tg_conn *c, const char *path, const uint8_t *body, size_t len,
		 const char *const *headers, int timeout_ms, tg_reply *r);

/* tg_close closes the connection. NULL is fine. */
void tg_close(tg_conn *c);

/* tg_once opens, calls and closes. */
bool tg_once(uint16_t port, const char *path, const uint8_t *msg, size_t len, bool gzip,
	     tg_reply *r);

#endif
