/* SPDX-License-Identifier: MIT */
/* fuzz_json.c - libFuzzer target for a JSON report decoder, built once per protocol
 * (FUZZ_PROTO set by tests/fuzz/CMakeLists.txt): any bytes, valid or not, must give TB_OK
 * or a one-line error and never crash, leak or read out of bounds. With FUZZ_REFERENCE
 * (Zipkin), what the satellite's reader accepts its reference must accept too, with the
 * same ids in the same order. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "satellite/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The HTTP layer NUL-terminates bodies; do the same. */
	uint8_t *body = malloc(size + 1);
	sat_ids ids = {0};
	char err[300];
	int rv;

	if (body == NULL || sat_decode_init() != 0)
		abort();
	memcpy(body, data, size);
	body[size] = '\0';
	rv = sat_decoder_get(FUZZ_PROTO)->decode(body, size, &ids, err, sizeof(err));
	if (rv != TB_OK && (rv != TB_EPROTO || strchr(err, '\n') != NULL))
		abort();
#ifdef FUZZ_REFERENCE
	if (rv == TB_OK) {
		sat_ids ref = {0};
		if (FUZZ_REFERENCE(body, size, &ref, err, sizeof(err)) != TB_OK || ref.n != ids.n ||
		    (ids.n > 0 && memcmp(ref.v, ids.v, ids.n * sizeof(*ids.v)) != 0))
			abort();
		sat_ids_fini(&ref);
	}
#endif
	sat_ids_fini(&ids);
	free(body);
	return 0;
}
