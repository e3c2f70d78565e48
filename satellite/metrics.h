/* SPDX-License-Identifier: MIT */
/* metrics.h - LightStep tracers' runtime-metrics reports (POST /metrics, or
 * lightstep.metrics.MetricsService/Report over gRPC; proto/metrics.proto). They are
 * validated and counted as metrics reports: never as spans, never as rejects. */
#ifndef SAT_METRICS_H
#define SAT_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* sat_metrics_decode validates an IngestRequest in body[0..len) and sets *points to its
 * number of metric points. Returns TB_OK, TB_EPROTO with a one-line reason in err, or
 * TB_ENOMEM. */
int sat_metrics_decode(const uint8_t *body, size_t len, uint64_t *points, char *err,
		       size_t errlen);

/* The Content-Type of the answer: an IngestResponse, which is empty on the wire. */
#define SAT_METRICS_REPLY_TYPE "application/octet-stream"

#endif
