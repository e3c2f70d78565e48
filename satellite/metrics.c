/* SPDX-License-Identifier: MIT */
/* metrics.c - validating a runtime-metrics report. A tracer posts one every few seconds
 * at most, so protobuf-c's full unpack is cheap enough here and checks every field's
 * wire type, where the span decoders walk without unpacking. */
#include "satellite/metrics.h"

#include <protobuf-c/protobuf-c.h>
#include <stdio.h>

#include "common/error.h"
#include "proto/metrics.pb-c.h"

int sat_metrics_decode(const uint8_t *body, size_t len, uint64_t *points, char *err,
		       size_t errlen)
{
	Lightstep__Metrics__IngestRequest *m =
		lightstep__metrics__ingest_request__unpack(NULL, len, body);

	*points = 0;
	if (m == NULL) {
		snprintf(err, errlen, "a metrics report (lightstep.metrics.IngestRequest) of %zu "
				      "bytes does not decode", len);
		return TB_EPROTO;
	}
	*points = m->n_points;
	lightstep__metrics__ingest_request__free_unpacked(m, NULL);
	return TB_OK;
}
