/* SPDX-License-Identifier: MIT */
/* fuzz_inflate.c - libFuzzer target for request-body inflation: corrupt, truncated or
 * explosive gzip and deflate data must give an error or a bounded result, never a
 * crash or a write past the limit. */
#include <stdlib.h>

#include "common/error.h"
#include "satellite/inflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t max_out = 1u << 20;
	char err[300];

	for (int enc = SAT_ENC_GZIP; enc <= SAT_ENC_DEFLATE; enc++) {
		uint8_t *out = NULL;
		size_t n = 0;
		int rv = sat_inflate((sat_encoding)enc, data, size, max_out, &out, &n, err,
				     sizeof(err));
		if (rv == TB_OK && (n > max_out || out == NULL || out[n] != '\0'))
			abort();
		free(out);
	}
	return 0;
}
