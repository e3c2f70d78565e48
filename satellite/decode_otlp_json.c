/* SPDX-License-Identifier: MIT */
/* decode_otlp_json.c - OTLP/HTTP JSON (POST /v1/traces, application/json): the protobuf
 * JSON mapping of ExportTraceServiceRequest, where ids are hex strings and 64-bit times
 * are decimal strings. Parsed with cJSON; the shape is checked down to each span's ids
 * and times, and unknown fields are ignored as the OTLP spec asks of receivers. Older
 * exporters say instrumentationLibrarySpans where newer ones say scopeSpans. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "satellite/decode.h"

/* A 64-bit integer in the JSON mapping: a decimal string, or a plain number. */
static int is_uint64(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return v->valuedouble >= 0;
	if (!cJSON_IsString(v))
		return 0;
	const char *s = v->valuestring;
	size_t n = strlen(s);
	if (n == 0 || n > 20)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Optional array member: absent or null is empty; anything else must be an array. */
static int get_array(const cJSON *obj, const char *name, const cJSON **out)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, name);

	*out = NULL;
	if (a == NULL || cJSON_IsNull(a))
		return 1;
	if (!cJSON_IsArray(a))
		return 0;
	*out = a;
	return 1;
}

static int read_span(const cJSON *span, size_t index, sat_ids *ids, char *err, size_t errlen)
{
	const cJSON *trace = cJSON_GetObjectItemCaseSensitive(span, "traceId");
	const cJSON *sid = cJSON_GetObjectItemCaseSensitive(span, "spanId");
	static const char *times[] = {"startTimeUnixNano", "endTimeUnixNano"};
	sat_span_id id;

	if (!cJSON_IsObject(span)) {
		snprintf(err, errlen, "OTLP JSON: span %zu is not an object", index);
		return TB_EPROTO;
	}
	if (!cJSON_IsString(trace) || strlen(trace->valuestring) != 32 ||
	    !sat_hex_decode(trace->valuestring, strlen(trace->valuestring), id.trace, sizeof(id.trace))) {
		snprintf(err, errlen, "OTLP JSON: span %zu: traceId must be 32 hex digits", index);
		return TB_EPROTO;
	}
	if (!cJSON_IsString(sid) || strlen(sid->valuestring) != 16 ||
	    !sat_hex_decode(sid->valuestring, strlen(sid->valuestring), id.span, sizeof(id.span))) {
		snprintf(err, errlen, "OTLP JSON: span %zu: spanId must be 16 hex digits", index);
		return TB_EPROTO;
	}
	for (size_t i = 0; i < 2; i++) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(span, times[i]);
		if (t != NULL && !is_uint64(t)) {
			snprintf(err, errlen, "OTLP JSON: span %zu: %s must be a decimal string",
				 index, times[i]);
			return TB_EPROTO;
		}
	}
	return sat_ids_push(ids, &id);
}

static int decode(const uint8_t *body, size_t len, sat_ids *ids, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength((const char *)body, len);
	const cJSON *rss, *rs;
	size_t nspan = 0;
	int rv = TB_OK;

	if (root == NULL) {
		/* cJSON_GetErrorPtr is process-global, so no position: threads share it. */
		snprintf(err, errlen, "OTLP JSON: not valid JSON");
		return TB_EPROTO;
	}
	if (!cJSON_IsObject(root) || !get_array(root, "resourceSpans", &rss)) {
		snprintf(err, errlen, "OTLP JSON: expected an object with a resourceSpans array");
		rv = TB_EPROTO;
		goto out;
	}
	cJSON_ArrayForEach(rs, rss) {
		const cJSON *sss, *ss;
		if (!cJSON_IsObject(rs) || !get_array(rs, "scopeSpans", &sss)) {
			snprintf(err, errlen, "OTLP JSON: resourceSpans entries must be objects "
					      "with a scopeSpans array");
			rv = TB_EPROTO;
			goto out;
		}
		if (sss == NULL && !get_array(rs, "instrumentationLibrarySpans", &sss)) {
			snprintf(err, errlen, "OTLP JSON: instrumentationLibrarySpans must be an array");
			rv = TB_EPROTO;
			goto out;
		}
		cJSON_ArrayForEach(ss, sss) {
			const cJSON *spans, *span;
			if (!cJSON_IsObject(ss) || !get_array(ss, "spans", &spans)) {
				snprintf(err, errlen, "OTLP JSON: scopeSpans entries must be objects "
						      "with a spans array");
				rv = TB_EPROTO;
				goto out;
			}
			cJSON_ArrayForEach(span, spans) {
				if ((rv = read_span(span, nspan++, ids, err, errlen)) != TB_OK)
					goto out;
			}
		}
	}
out:
	cJSON_Delete(root);
	return rv;
}

const sat_decoder sat__decoder_otlp_json = {
	.proto = SAT_PROTO_OTLP_JSON,
	.name = "otlp-json",
	.reply_type = "application/json",
	.decode = decode,
	.reply = sat__reply_empty_json,
};
