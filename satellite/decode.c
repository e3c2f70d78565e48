/* SPDX-License-Identifier: MIT */
/* decode.c - what the protocol decoders share: the id list, hex ids, the walker tables
 * and the table of decoders. */
#include "satellite/decode.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "proto/collector.pb-c.h"
#include "proto/otlp_trace.pb-c.h"
#include "proto/zipkin.pb-c.h"
#include "satellite/pbwalk.h"

struct sat_pbschema *sat__schema_lightstep;
struct sat_pbschema *sat__schema_otlp;
struct sat_pbschema *sat__schema_zipkin;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result = TB_ENOMEM;

int sat_ids_push(sat_ids *ids, const sat_span_id *id)
{
	if (ids->n == ids->cap) {
		size_t ncap = ids->cap ? ids->cap * 2 : 256;
		sat_span_id *v = realloc(ids->v, ncap * sizeof(*v));
		if (v == NULL)
			return TB_ENOMEM;
		ids->v = v;
		ids->cap = ncap;
	}
	ids->v[ids->n++] = *id;
	return TB_OK;
}

void sat_ids_fini(sat_ids *ids)
{
	free(ids->v);
	memset(ids, 0, sizeof(*ids));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sat_hex_decode(const char *s, size_t n, uint8_t *out, size_t outlen)
{
	if (n == 0 || n > 2 * outlen)
		return 0;
	memset(out, 0, outlen);
	/* Fill from the last digit backwards so short ids are right-aligned. */
	for (size_t i = 0; i < n; i++) {
		int v = hexval(s[n - 1 - i]);
		if (v < 0)
			return 0;
		out[outlen - 1 - i / 2] |= (uint8_t)(i % 2 ? v << 4 : v);
	}
	return 1;
}

static int walk_marked(const struct sat_pbschema *schema, const char *what, const uint8_t *body,
		       size_t len, sat_pbranges *found, char *err, size_t errlen)
{
	sat_pbwalk_error werr;
	char why[200];

	switch (sat_pbwalk_list(schema, body, len, found, &werr)) {
	case SAT_PBWALK_OK:
		return TB_OK;
	case SAT_PBWALK_ENOMEM:
		snprintf(err, errlen, "out of memory walking a %s", what);
		return TB_ENOMEM;
	default:
		snprintf(err, errlen, "%s does not decode: %s", what,
			 sat_pbwalk_format(&werr, why, sizeof(why)));
		return TB_EPROTO;
	}
}

/* Spans do not nest and the values marked inside a span lie inside it, so each value the
 * walk lists after a span belongs to the span listed last. */
int sat__decode_marked(const struct sat_pbschema *schema, const char *what, const uint8_t *body,
		       size_t len, sat__fill_fn fill, sat_ids *ids, char *err, size_t errlen)
{
	static const sat_span_id zero;
	sat_pbranges found = {0};
	size_t first = ids->n;
	int rv = walk_marked(schema, what, body, len, &found, err, errlen);

	for (size_t i = 0; i < found.n && rv == TB_OK; i++) {
		const sat_pbrange *r = &found.v[i];
		if (r->mark == 0)
			rv = sat_ids_push(ids, &zero);
		else if (ids->n > first)
			fill(body + r->off, r->len, r->mark, &ids->v[ids->n - 1]);
	}
	sat_pbranges_fini(&found);
	return rv;
}

static void copy_id(uint8_t *out, size_t outlen, const uint8_t *p, size_t n)
{
	memset(out, 0, outlen);
	if (n > outlen) {
		p += n - outlen;
		n = outlen;
	}
	memcpy(out + outlen - n, p, n);
}

void sat__fill_bytes_ids(const uint8_t *value, size_t len, unsigned mark, sat_span_id *id)
{
	if (mark == SAT__MARK_TRACE_BYTES)
		copy_id(id->trace, sizeof(id->trace), value, len);
	else
		copy_id(id->span, sizeof(id->span), value, len);
}

size_t sat__reply_none(uint8_t *buf, size_t cap, uint64_t now_us)
{
	return 0;
}

size_t sat__reply_empty_json(uint8_t *buf, size_t cap, uint64_t now_us)
{
	memcpy(buf, "{}", 2);
	return 2;
}

static void build_tables(void)
{
	int rv = sat_pbschema_alloc(&sat__schema_lightstep,
				    &lightstep__collector__report_request__descriptor,
				    sat__marks_lightstep, SAT__N_MARKS_LIGHTSTEP);
	if (rv == TB_OK)
		rv = sat_pbschema_alloc(&sat__schema_otlp,
					&otlp__export_trace_service_request__descriptor,
					sat__marks_otlp, SAT__N_MARKS_OTLP);
	if (rv == TB_OK)
		rv = sat_pbschema_alloc(&sat__schema_zipkin,
					&zipkin__proto3__list_of_spans__descriptor,
					sat__marks_zipkin, SAT__N_MARKS_ZIPKIN);
	init_result = rv;
}

int sat_decode_init(void)
{
	pthread_once(&init_once, build_tables);
	return init_result;
}

const sat_decoder *sat_decoder_get(sat_proto proto)
{
	static const sat_decoder *all[SAT_PROTO_COUNT] = {
		[SAT_PROTO_LIGHTSTEP] = &sat__decoder_lightstep,
		[SAT_PROTO_OTLP_PROTO] = &sat__decoder_otlp_proto,
		[SAT_PROTO_OTLP_JSON] = &sat__decoder_otlp_json,
		[SAT_PROTO_LIGHTSTEP_JSON] = &sat__decoder_lightstep_json,
		[SAT_PROTO_ZIPKIN_JSON] = &sat__decoder_zipkin_json,
		[SAT_PROTO_ZIPKIN_PROTO] = &sat__decoder_zipkin_proto,
		[SAT_PROTO_DATADOG_V04] = &sat__decoder_datadog_v04,
		[SAT_PROTO_DATADOG_V03] = &sat__decoder_datadog_v03,
		[SAT_PROTO_DATADOG_V05] = &sat__decoder_datadog_v05,
	};
	return (unsigned)proto < SAT_PROTO_COUNT ? all[proto] : NULL;
}
