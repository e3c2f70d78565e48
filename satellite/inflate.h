/* SPDX-License-Identifier: MIT */
/* inflate.h - decoding Content-Encoding: gzip and deflate request bodies with zlib, with
 * a cap on the decoded size so a small compressed body cannot expand without bound. */
#ifndef SAT_INFLATE_H
#define SAT_INFLATE_H

#include <stddef.h>
#include <stdint.h>

typedef enum sat_encoding {
	SAT_ENC_IDENTITY = 0,
	SAT_ENC_GZIP,
	SAT_ENC_DEFLATE,	/* the zlib format, as HTTP's "deflate" means */
} sat_encoding;

/* sat_encoding_parse maps a Content-Encoding header value (NULL = absent) to an encoding.
 * Returns 1, or 0 for an encoding we do not decode. */
int sat_encoding_parse(const char *value, sat_encoding *out);

/* sat_inflate decodes in[0..inlen) into a new malloc'd buffer *outp of *outlenp bytes
 * (NUL-terminated for the JSON parsers, the NUL not counted). Returns TB_OK; TB_EPROTO
 * with a reason in err if the data is corrupt or truncated; TB_EMSGSIZE if it decodes to
 * more than max_out bytes; TB_ENOMEM. */
int sat_inflate(sat_encoding enc, const uint8_t *in, size_t inlen, size_t max_out,
		uint8_t **outp, size_t *outlenp, char *err, size_t errlen);

#endif
