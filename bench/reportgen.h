/* SPDX-License-Identifier: MIT */
/* reportgen.h - builds span reports shaped like real tracers' (operation name, ids,
 * start time, duration, 10 string tags, 15 logs each with a timestamp and one field:
 * about 900 bytes a span in LightStep protobuf) in every protocol the satellite accepts,
 * for its tests and its benchmark. Span i of a report gets span id first_id + i, so a
 * caller controls exactly which ids repeat. */
#ifndef TB_REPORTGEN_H
#define TB_REPORTGEN_H

#include <stddef.h>
#include <stdint.h>

/* Each returns a malloc'd buffer of *lenp bytes (the JSON ones NUL-terminated), or NULL
 * when out of memory. */
uint8_t *tb_report_lightstep(size_t nspans, uint64_t first_id, size_t *lenp);
uint8_t *tb_report_otlp_proto(size_t nspans, uint64_t first_id, size_t *lenp);
char *tb_report_otlp_json(size_t nspans, uint64_t first_id, size_t *lenp);
char *tb_report_lightstep_json(size_t nspans, uint64_t first_id, size_t *lenp);
char *tb_report_zipkin_json(size_t nspans, uint64_t first_id, size_t *lenp);
uint8_t *tb_report_zipkin_proto(size_t nspans, uint64_t first_id, size_t *lenp);
/* Datadog's msgpack (/v0.4/traces): spans grouped into traces by trace id, packed with
 * msgpack-c. */
uint8_t *tb_report_datadog(size_t nspans, uint64_t first_id, size_t *lenp);
/* Datadog's v0.5 msgpack (/v0.5/traces): the strings in a dictionary, spans as arrays. */
uint8_t *tb_report_datadog_v05(size_t nspans, uint64_t first_id, size_t *lenp);

/* tb_gzip compresses in[0..len) in the gzip format; malloc'd result or NULL. */
uint8_t *tb_gzip(const void *in, size_t len, size_t *outlenp);

#endif
