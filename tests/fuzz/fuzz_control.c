/* SPDX-License-Identifier: MIT */
/* fuzz_control.c - libFuzzer target for what other processes send the harness besides
 * span reports: the control channel's command and result JSON, and the sampler's
 * LZ4 SampleBatch messages. The first byte picks the parser. Every input must give a
 * value or a reason, never a crash, a leak or a read past the input. */
#include <stdlib.h>
#include <string.h>

#include "common/command.h"
#include "common/error.h"
#include "sampler/batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[300];
	if (size < 1)
		return 0;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	switch (data[0] % 3) {
	case 0: {
		tb_command c;
		if (tb_command_from_json(text, len, &c, err, sizeof(err)) == TB_OK) {
			char *json = tb_command_to_json(&c);
			tb_command d;
			if (json == NULL || tb_command_from_json(json, strlen(json), &d, err,
								 sizeof(err)) != TB_OK)
				abort(); /* what we print, we must read back */
			free(json);
		}
		break;
	}
	case 1: {
		tb_client_result r;
		tb_client_result_from_json(text, len, &r, err, sizeof(err));
		break;
	}
	default: {
		Tb__SampleBatch *b = tb__sample_batch__unpack(NULL, len, (const uint8_t *)text);
		if (b != NULL) {
			tb_rec_sample *s;
			size_t n;
			if (smp_batch_decode(b, &s, &n, err, sizeof(err)) == TB_OK && n != b->count)
				abort();
			free(s);
			tb__sample_batch__free_unpacked(b, NULL);
		}
		break;
	}
	}
	return 0;
}
