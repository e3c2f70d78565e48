/* SPDX-License-Identifier: MIT */
/* http.h - the satellite's HTTP side: one libmicrohttpd daemon (epoll, a thread pool)
 * serving a group of ports, the collector endpoints, and the switch that takes the whole
 * group down (connections refused, open connections closed) and back up.
 *
 * We accept on the listening sockets ourselves and hand each connection to the daemon,
 * so that the port group can stop and start listening without restarting the process.
 *
 * Endpoints:
 *   POST /api/v2/reports  LightStep protobuf ReportRequest  -> ReportResponse
 *   POST /v1/traces       OTLP protobuf or JSON             -> ExportTraceServiceResponse
 *   POST /api/v0/reports  LightStep thrift-JSON (gzip)      -> {}
 *   POST /api/v2/spans    Zipkin v2 JSON or protobuf        -> 202
 *   PUT|POST /v0.4/traces Datadog msgpack                   -> {"rate_by_service":{}}
 *   PUT|POST /v0.3/traces Datadog msgpack                   -> OK
 *   POST /metrics         LightStep runtime metrics         -> IngestResponse (empty)
 *   GET  /spans_received  spans counted this run, as a plain integer
 *   GET  /stats           every counter, as JSON
 * Unknown path 404, wrong method 405, unsupported Content-Type or Content-Encoding 415,
 * a body that does not decode 400 (with a one-line reason), over max_body 413. */
#ifndef SAT_HTTP_H
#define SAT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ring.h"
#include "satellite/counters.h"
#include "satellite/decode.h"
#include "satellite/dupset.h"
#include "satellite/faults.h"

#include "satellite/listen.h"

#define SAT_HTTP_MAX_PORTS SAT_LISTEN_MAX_PORTS

typedef struct sat_http_opts {
	const char *bind;		/* IPv4 address to listen on; NULL = 127.0.0.1 */
	const uint16_t *ports;		/* 0 picks a free port */
	size_t nports;
	const uint16_t *grpc_ports;	/* gRPC only (4317 is OTLP's); may be none */
	size_t ngrpc_ports;
	bool fallback_free;		/* a port taken at start: serve free ports instead */
	size_t max_body;		/* bytes, before and after decompression */
	unsigned threads;		/* HTTP worker threads */
	unsigned idle_timeout_s;	/* close a connection silent this long */
	sat_counters *counters;
	sat_faults *faults;
	sat_dupset *dups;
	tb_ring *ring;			/* per-report records; NULL for none */
	struct sat_forward *forward;	/* queue accepted reports for upstream; NULL: none */
} sat_http_opts;

typedef struct sat_http sat_http;

/* sat_http_alloc binds every port and starts serving. The objects in o must outlive the
 * server. With o->fallback_free, a port in use makes it serve as many free ports
 * instead (logged, and seen in sat_http_ports). Returns TB_OK, TB_EADDR (bad address or
 * a port in use, named in err), TB_ESYS or TB_ENOMEM. */
int sat_http_alloc(sat_http **hp, const sat_http_opts *o, char *err, size_t errlen);

/* sat_http_free stops serving (open connections are closed) and frees h. NULL is fine. */
void sat_http_free(sat_http *h);

/* sat_http_set_listening takes the port group down (false: listening sockets closed so
 * connections are refused, open connections closed, held requests dropped) or back up on
 * the same ports. Returns TB_OK or TB_EADDR if a port was taken meanwhile (named in err;
 * the group then stays down). Not to be called from several threads at once. */
int sat_http_set_listening(sat_http *h, bool on, char *err, size_t errlen);

/* sat_http_listening tells whether the group is up. */
bool sat_http_listening(sat_http *h);

/* sat_http_status describes the service beside its counters: listening, mode, and the
 * duplicate set's capacity. */
void sat_http_status(sat_http *h, sat_status *st);

/* sat_http_route names where a report of proto is posted and the Content-Type it is
 * sent with (the first this server takes): what a forwarding satellite sends upstream. */
const char *sat_http_route(sat_proto proto, const char **content_type);

/* sat_http_ports returns the ports served (ports given as 0 resolved) and their count;
 * sat_http_grpc_ports the gRPC-only ones. */
const uint16_t *sat_http_ports(const sat_http *h, size_t *n);
const uint16_t *sat_http_grpc_ports(const sat_http *h, size_t *n);

#endif
