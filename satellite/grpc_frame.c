/* SPDX-License-Identifier: MIT */
/* grpc_frame.c - gRPC message framing and the table of methods served. */
#include "satellite/grpc_frame.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "satellite/decode.h"

/* Every gRPC method served. LightStep's paths follow proto/collector.proto's and
 * proto/metrics.proto's services (tests/proto_test.c checks them against the compiled
 * descriptors); OTLP's follow the public opentelemetry-proto package, which our
 * otlp_trace.proto shortens on purpose. */
static const struct grpc_method {
	const char *path;
	int target;
} methods[] = {
	{"/opentelemetry.proto.collector.trace.v1.TraceService/Export", SAT_PROTO_OTLP_PROTO},
	{"/lightstep.collector.CollectorService/Report", SAT_PROTO_LIGHTSTEP},
	{"/lightstep.metrics.MetricsService/Report", SAT_GRPC_METRICS},
};

int sat_h2_preface_check(const uint8_t *b, size_t n)
{
	size_t k = n < SAT_H2_PREFACE_LEN ? n : SAT_H2_PREFACE_LEN;
	if (memcmp(b, SAT_H2_PREFACE, k) != 0)
		return 0;
	return n >= SAT_H2_PREFACE_LEN ? 1 : -1;
}

int sat_grpc_route(const char *path)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(path, methods[i].path) == 0)
			return methods[i].target;
	return -1;
}

bool sat_grpc_encoding(const char *value, sat_encoding *out)
{
	if (value == NULL || strcasecmp(value, "identity") == 0)
		*out = SAT_ENC_IDENTITY;
	else if (strcasecmp(value, "gzip") == 0)
		*out = SAT_ENC_GZIP;
	else if (strcasecmp(value, "deflate") == 0)
		*out = SAT_ENC_DEFLATE;
	else
		return false;
	return true;
}

int sat_grpc_unframe(const uint8_t *body, size_t len, sat_encoding enc, size_t *off,
		     size_t *mlen, bool *compressed, char *err, size_t errlen)
{
	if (len < 5) {
		snprintf(err, errlen, "a gRPC request of %zu bytes holds no whole message prefix",
			 len);
		return TB_EPROTO;
	}
	uint64_t n = (uint64_t)body[1] << 24 | (uint64_t)body[2] << 16 | (uint64_t)body[3] << 8 |
		     body[4];
	if (body[0] > 1) {
		snprintf(err, errlen, "gRPC message flag %u is not 0 or 1", body[0]);
		return TB_EPROTO;
	}
	if (n != len - 5) {
		snprintf(err, errlen, "a unary gRPC request must hold exactly one message: the "
				      "prefix says %llu bytes, %zu follow", (unsigned long long)n,
			 len - 5);
		return TB_EPROTO;
	}
	if (body[0] == 1 && enc == SAT_ENC_IDENTITY) {
		snprintf(err, errlen, "a compressed gRPC message without grpc-encoding");
		return TB_EPROTO;
	}
	*off = 5;
	*mlen = (size_t)n;
	*compressed = body[0] == 1;
	return TB_OK;
}

void sat_grpc_frame(uint8_t prefix[5], size_t mlen)
{
	prefix[0] = 0;
	prefix[1] = (uint8_t)(mlen >> 24);
	prefix[2] = (uint8_t)(mlen >> 16);
	prefix[3] = (uint8_t)(mlen >> 8);
	prefix[4] = (uint8_t)mlen;
}

int sat_grpc_status_of(unsigned http_status)
{
	switch (http_status) {
	case 429:
	case 413:
		return SAT_GRPC_RESOURCE_EXHAUSTED;
	case 400:
		return SAT_GRPC_INVALID_ARGUMENT;
	default:
		return SAT_GRPC_UNAVAILABLE;
	}
}

void sat_grpc_message_encode(const char *text, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p && o + 4 <= cap; p++) {
		if (*p >= 0x20 && *p <= 0x7e && *p != '%') {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
}
