/* SPDX-License-Identifier: MIT */
/* inflate.c - zlib inflate of request bodies into a growing buffer, bounded by max_out. */
#include "satellite/inflate.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <zlib.h>

#include "common/error.h"

int sat_encoding_parse(const char *value, sat_encoding *out)
{
	if (value == NULL || *value == '\0' || strcasecmp(value, "identity") == 0)
		*out = SAT_ENC_IDENTITY;
	else if (strcasecmp(value, "gzip") == 0 || strcasecmp(value, "x-gzip") == 0)
		*out = SAT_ENC_GZIP;
	else if (strcasecmp(value, "deflate") == 0)
		*out = SAT_ENC_DEFLATE;
	else
		return 0;
	return 1;
}

int sat_inflate(sat_encoding enc, const uint8_t *in, size_t inlen, size_t max_out,
		uint8_t **outp, size_t *outlenp, char *err, size_t errlen)
{
	z_stream zs = {0};
	size_t cap = inlen * 4 + 256;
	uint8_t *out;
	int zrv, rv = TB_OK;

	*outp = NULL;
	*outlenp = 0;
	if (cap > max_out + 1)
		cap = max_out + 1;
	if ((out = malloc(cap + 1)) == NULL)
		return TB_ENOMEM;
	if (inflateInit2(&zs, enc == SAT_ENC_GZIP ? 15 + 16 : 15) != Z_OK) {
		free(out);
		return TB_ENOMEM;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)inlen;	/* bodies are capped far below 4 GiB */
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	for (;;) {
		zrv = inflate(&zs, Z_NO_FLUSH);
		if (zrv == Z_STREAM_END)
			break;
		if (zrv == Z_BUF_ERROR && zs.avail_in == 0) {
			snprintf(err, errlen, "%s body is truncated", enc == SAT_ENC_GZIP ? "gzip" :
				 "deflate");
			rv = TB_EPROTO;
			goto out;
		}
		if (zrv != Z_OK && zrv != Z_BUF_ERROR) {
			snprintf(err, errlen, "%s body is corrupt: %s",
				 enc == SAT_ENC_GZIP ? "gzip" : "deflate", zs.msg ? zs.msg : "error");
			rv = TB_EPROTO;
			goto out;
		}
		if (zs.avail_out == 0) {
			size_t used = cap;
			uint8_t *n;
			if (cap > max_out) {
				snprintf(err, errlen, "body decodes to more than %zu bytes", max_out);
				rv = TB_EMSGSIZE;
				goto out;
			}
			cap = cap * 2 > max_out + 1 ? max_out + 1 : cap * 2;
			if ((n = realloc(out, cap + 1)) == NULL) {
				rv = TB_ENOMEM;
				goto out;
			}
			out = n;
			zs.next_out = out + used;
			zs.avail_out = (uInt)(cap - used);
		}
	}
	if (zs.total_out > max_out) {
		snprintf(err, errlen, "body decodes to more than %zu bytes", max_out);
		rv = TB_EMSGSIZE;
		goto out;
	}
	out[zs.total_out] = '\0';
	*outp = out;
	*outlenp = zs.total_out;
	out = NULL;
out:
	inflateEnd(&zs);
	free(out);
	return rv;
}
