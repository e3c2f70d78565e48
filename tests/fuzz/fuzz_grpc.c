/* SPDX-License-Identifier: MIT */
/* fuzz_grpc.c - libFuzzer target for a gRPC call's body, as the satellite takes it: the
 * first byte picks the method (OTLP, LightStep, metrics) and the grpc-encoding, the rest
 * is the HTTP/2 request body. Unframing, inflating, decoding and counting must give an
 * answer or a refusal, never a crash, and a taken report must settle. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "satellite/grpc_frame.h"
#include "satellite/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sat_counters *counters;
	static sat_faults *faults;
	static const char *const paths[] = {
		"/opentelemetry.proto.collector.trace.v1.TraceService/Export",
		"/lightstep.collector.CollectorService/Report",
		"/lightstep.metrics.MetricsService/Report", "/no.Such/Method"};
	static const char *const encodings[] = {NULL, "gzip", "deflate", "br"};
	if (counters == NULL && (sat_decode_init() != TB_OK ||
				 sat_counters_alloc(&counters) != TB_OK ||
				 sat_faults_alloc(&faults, TB_SAT_TYPICAL) != TB_OK))
		abort();
	if (size < 1)
		return 0;
	int target = sat_grpc_route(paths[data[0] & 3]);
	sat_encoding enc;
	if (target == -1 || !sat_grpc_encoding(encodings[(data[0] >> 2) & 3], &enc))
		return 0;
	char err[300], msg[400];
	size_t off, mlen;
	bool compressed;
	if (sat_grpc_unframe(data + 1, size - 1, enc, &off, &mlen, &compressed, err,
			     sizeof(err)) != TB_OK) {
		sat_grpc_message_encode(err, msg, sizeof(msg));
		return 0;
	}
	uint8_t *body = malloc(mlen + 1);
	memcpy(body, data + 1 + off, mlen);
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	sat_report_env e = {.counters = counters, .faults = faults, .ring_mu = &mu,
			    .max_body = 1u << 20, .transport = SAT_TRANSPORT_GRPC};
	sat_report r = {.client = -1, .metrics = target == SAT_GRPC_METRICS,
			.enc = compressed ? enc : SAT_ENC_IDENTITY, .wire_len = size};
	r.dec = r.metrics ? NULL : sat_decoder_get((sat_proto)target);
	sat_verdict v;
	unsigned status = 0;
	sat_answer a = sat_report_take(&e, &r, body, mlen, &v, &status, err, sizeof(err));
	if (a == SAT_ANSWER_REJECT && status != 400 && status != 413)
		abort();
	if (a == SAT_ANSWER_REJECT)
		sat_grpc_message_encode(err, msg, sizeof(msg));
	sat_report_done(&e, &r, true);
	if (r.acking || r.refs != NULL)
		abort();
	free(body);
	return 0;
}
