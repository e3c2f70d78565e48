/* fuzz_protobuf.c - libFuzzer target for a protobuf report decoder, built once per
 * protocol (FUZZ_PROTO, FUZZ_DESCRIPTOR, FUZZ_SCHEMA set by tests/fuzz/CMakeLists.txt).
 * Differential: the walker must accept exactly what protobuf-c's unpack accepts (apart
 * from nesting deeper than its limit), and the full decoder must never crash or read out
 * of bounds. */
#include <stdlib.h>

#include "proto/collector.pb-c.h"
#include "proto/otlp_trace.pb-c.h"
#include "satellite/decode.h"
#include "satellite/pbwalk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t empty[1];
	const uint8_t *body = size ? data : empty;
	sat_pbwalk_status st;
	ProtobufCMessage *m;
	sat_ids ids = {0};
	char err[300];

	if (sat_decode_init() != 0)
		abort();
	st = sat_pbwalk_check(FUZZ_SCHEMA, body, size, NULL);
	if (st != SAT_PBWALK_EDEPTH) {
		m = protobuf_c_message_unpack(&FUZZ_DESCRIPTOR, NULL, size, body);
		if ((st == SAT_PBWALK_OK) != (m != NULL))
			abort();	/* the walker and protobuf-c disagree */
		protobuf_c_message_free_unpacked(m, NULL);
	}
	sat_decoder_get(FUZZ_PROTO)->decode(body, size, &ids, err, sizeof(err));
	sat_ids_fini(&ids);
	return 0;
}
