/* SPDX-License-Identifier: MIT */
/* encode.h - a batch of finished spans as one report body: a LightStep collector
 * ReportRequest (POST /api/v2/reports) or an OTLP ExportTraceServiceRequest
 * (POST /v1/traces), both protobuf, packed by protobuf-c. */
#ifndef TB_ENCODE_H
#define TB_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "client-shim/span.h"

/* tb_encode_lightstep packs spans into a malloc'd *bufp of *lenp bytes. TB_OK or
 * TB_ENOMEM. reporter_id names this tracer instance; access_token goes in the auth. */
int tb_encode_lightstep(tb_span *const *spans, size_t n, uint64_t reporter_id,
			const char *access_token, uint8_t **bufp, size_t *lenp);

/* tb_encode_otlp packs spans as one resource (service.name = service) and one scope. */
int tb_encode_otlp(tb_span *const *spans, size_t n, const char *service, uint8_t **bufp,
		   size_t *lenp);

#endif
