/* SPDX-License-Identifier: MIT */
/* datadog_reference.h - what the satellite's Datadog decoder should find in a body, found
 * another way: msgpack-c unpacks it into its object tree, and the decoder's rules (an
 * array of traces, each an array of span maps, each with unsigned trace_id and span_id,
 * the fields the agent reads of their types) are applied to that tree, written again so
 * that a mistake in the decoder shows up as a difference. For datadog_test and the
 * fuzz_datadog target. */
#ifndef TB_DATADOG_REFERENCE_H
#define TB_DATADOG_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "satellite/decode.h"

/* tb_datadog_reference returns true with every span's id appended to ids when the
 * rules accept body, else false. Aborts when out of memory. */
bool tb_datadog_reference(const uint8_t *body, size_t len, sat_ids *ids);

/* tb_datadog_v05_reference is the same for /v0.5/traces: an array of the dictionary (an
 * array of strings) and the traces, each span an array of 12 whose string indices fall
 * in the dictionary. */
bool tb_datadog_v05_reference(const uint8_t *body, size_t len, sat_ids *ids);

#endif
