/* SPDX-License-Identifier: MIT */
/* grpc_frame.h - gRPC's own framing inside an HTTP/2 stream, for unary calls: what a
 * request path calls, one length-prefixed message in, a status out. Pure functions of
 * their input (the fuzz targets call them); the HTTP/2 side is grpc.c's. */
#ifndef SAT_GRPC_FRAME_H
#define SAT_GRPC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "satellite/inflate.h"

/* The HTTP/2 client connection preface: how a connection's first bytes tell gRPC from
 * HTTP/1.1. */
#define SAT_H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define SAT_H2_PREFACE_LEN 24

/* gRPC status codes the satellite answers with. */
enum {
	SAT_GRPC_OK = 0,
	SAT_GRPC_INVALID_ARGUMENT = 3,
	SAT_GRPC_RESOURCE_EXHAUSTED = 8,
	SAT_GRPC_UNIMPLEMENTED = 12,
	SAT_GRPC_INTERNAL = 13,
	SAT_GRPC_UNAVAILABLE = 14,
};

/* sat_h2_preface_check says what the first n bytes of a connection are: 1 the HTTP/2
 * preface, 0 not it (HTTP/1.1 or anything else), -1 too few bytes yet to tell. */
int sat_h2_preface_check(const uint8_t *b, size_t n);

/* What a gRPC method is for: the spans of one protocol (a sat_proto) or LightStep's
 * runtime metrics. */
#define SAT_GRPC_METRICS (-2)

/* sat_grpc_route finds the target of a method path ("/package.Service/Method"): a
 * sat_proto, SAT_GRPC_METRICS, or -1 for a method not served (UNIMPLEMENTED). */
int sat_grpc_route(const char *path);

/* sat_grpc_encoding maps a grpc-encoding header (NULL: none) to an encoding; false for
 * one not decoded (the client is told grpc-accept-encoding). */
bool sat_grpc_encoding(const char *value, sat_encoding *out);

/* sat_grpc_unframe finds the one message of a unary request in body[0..len): *msg and
 * *mlen, and whether it is compressed. TB_OK, or TB_EPROTO with the reason in err: not
 * exactly one whole message, a compressed flag other than 0 or 1, or a compressed
 * message with no grpc-encoding (enc identity). */
int sat_grpc_unframe(const uint8_t *body, size_t len, sat_encoding enc, size_t *off,
		     size_t *mlen, bool *compressed, char *err, size_t errlen);

/* sat_grpc_frame writes the 5-byte prefix of an uncompressed message of mlen bytes. */
void sat_grpc_frame(uint8_t prefix[5], size_t mlen);

/* sat_grpc_status_of maps an HTTP status the satellite would answer (an injected error
 * or a rejection) to a gRPC status: 429 RESOURCE_EXHAUSTED, 413 RESOURCE_EXHAUSTED,
 * 400 INVALID_ARGUMENT, the rest UNAVAILABLE. */
int sat_grpc_status_of(unsigned http_status);

/* sat_grpc_message_encode percent-encodes text for a grpc-message header into out (cap
 * at least 4), as the gRPC spec asks: bytes outside printable ASCII, and '%'. */
void sat_grpc_message_encode(const char *text, char *out, size_t cap);

#endif
