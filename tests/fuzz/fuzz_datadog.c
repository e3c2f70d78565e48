/* SPDX-License-Identifier: MIT */
/* fuzz_datadog.c - libFuzzer target for the Datadog decoders, v0.4 and v0.5, each on every
 * input. Differential: each must accept exactly the bodies msgpack-c's unpacker and the
 * decoder's rules accept (tests/datadog_reference.h), find the same span ids, answer anything else with a
 * one-line error, and never crash or read out of bounds. msgpack-c allocates what an
 * array header claims (up to 96 GiB for a 5-byte header): here any malloc over 64 MiB
 * fails, which msgpack-c answers with an error. A body of libFuzzer's 64 KiB at most
 * holds no container that needs more. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "datadog_reference.h"
#include "satellite/decode.h"

/* Exported: the sanitizer's runtime looks it up by name. */
__attribute__((visibility("default"), used)) const char *__asan_default_options(void);
__attribute__((visibility("default"), used)) const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=64";
}

/* differ checks one version's decoder against its reference on the input. */
static void differ(sat_proto proto, bool (*reference)(const uint8_t *, size_t, sat_ids *),
		   const uint8_t *data, size_t size)
{
	sat_ids got = {0}, want = {0};
	char err[300];
	int rc = sat_decoder_get(proto)->decode(data, size, &got, err, sizeof(err));
	bool ok = reference(data, size, &want);
	if ((rc == TB_OK) != ok)
		abort();
	if (rc != TB_OK && (rc != TB_EPROTO || strchr(err, '\n') != NULL))
		abort();
	if (ok && (got.n != want.n ||
		   (got.n > 0 && memcmp(got.v, want.v, got.n * sizeof(got.v[0])) != 0)))
		abort();
	sat_ids_fini(&got);
	sat_ids_fini(&want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (sat_decode_init() != 0)
		abort();
	differ(SAT_PROTO_DATADOG_V04, tb_datadog_reference, data, size);
	differ(SAT_PROTO_DATADOG_V05, tb_datadog_v05_reference, data, size);
	return 0;
}
