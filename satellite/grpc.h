/* SPDX-License-Identifier: MIT */
/* grpc.h - the satellite's gRPC side: unary calls over cleartext HTTP/2 (h2c with prior
 * knowledge, as exporters speak to an `insecure` endpoint), with libnghttp2 doing the
 * HTTP/2 and grpc_frame.c the gRPC message framing. One thread runs an epoll loop over
 * every gRPC connection of the port group.
 *
 * The HTTP side's accept thread hands over each connection whose first bytes are the
 * HTTP/2 preface (same ports as HTTP/1.1), and every connection of a gRPC-only port.
 * Methods: OTLP TraceService/Export, LightStep CollectorService/Report and
 * MetricsService/Report (grpc_frame.h). Reports go through report.h as on HTTP, so every
 * counter, the duplicate check, ring records, modes and faults apply:
 *
 *   injected error   UNAVAILABLE, or RESOURCE_EXHAUSTED for 429 (trailers only)
 *   latency          the answer is held, no thread blocked
 *   close            the stream is reset (RST_STREAM INTERNAL_ERROR)
 *   bandwidth        reads from the connection are throttled
 *   down             the listeners close (connections refused) and
 *                    sat_grpc_close_all closes every connection
 *
 * A span is acknowledged when the trailers that end its call's stream have been handed
 * to the kernel, the same point as libmicrohttpd's "completed" on HTTP/1.1. */
#ifndef SAT_GRPC_H
#define SAT_GRPC_H

#include <stddef.h>

#include "satellite/report.h"

typedef struct sat_grpc sat_grpc;

typedef struct sat_grpc_opts {
	const sat_report_env *env;	/* must outlive the server */
	unsigned idle_timeout_s;	/* close a connection silent this long */
} sat_grpc_opts;

/* sat_grpc_alloc starts the loop. TB_OK, TB_ENOMEM or TB_ESYS with err filled. */
int sat_grpc_alloc(sat_grpc **gp, const sat_grpc_opts *o, char *err, size_t errlen);

/* sat_grpc_add hands the loop a connected, non-blocking socket (its own from now on). */
void sat_grpc_add(sat_grpc *g, int fd);

/* sat_grpc_close_all closes every connection, held answers unsent, and returns once
 * they are closed. */
void sat_grpc_close_all(sat_grpc *g);

/* sat_grpc_free stops the loop, closing every connection. NULL is fine. */
void sat_grpc_free(sat_grpc *g);

#endif
