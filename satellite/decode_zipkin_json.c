/* SPDX-License-Identifier: MIT */
/* decode_zipkin_json.c - Zipkin's v2 JSON (POST /api/v2/spans, application/json): an
 * array of span objects, as zipkin-go, aiozipkin and the Zipkin reporters of every
 * language send it. Each span's identity is its traceId (16 or 32 hex digits, a 64-bit id
 * right-aligned as the other protocols' are) and its id (16 hex digits), and the fields a
 * collector reads are checked for their types. Unknown fields are ignored, as Zipkin's
 * own collector does.
 *
 * This file holds the protocol's table entry and its cJSON reader: the reference the
 * simdjson reader (decode_zipkin_json_simdjson.cc) is tested against. It costs about 8
 * times as much a span (decode_bench). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "satellite/decode.h"

/* hex_id reads an id member of exactly one of the lengths allowed (0 ends the list). */
static int hex_id(const cJSON *span, const char *name, const size_t *lens, uint8_t *out,
		  size_t outlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(span, name);
	if (!cJSON_IsString(v))
		return 0;
	size_t n = strlen(v->valuestring);
	for (; *lens != 0; lens++)
		if (n == *lens)
			return sat_hex_decode(v->valuestring, n, out, outlen);
	return 0;
}

/* optional_type checks a member that may be absent or null: else it must pass is. */
static int optional_type(const cJSON *span, const char *name, cJSON_bool (*is)(const cJSON *))
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(span, name);
	return v == NULL || cJSON_IsNull(v) || is(v);
}

/* checked_fields says what is wrong with the fields a collector reads, or NULL. */
static const char *checked_fields(const cJSON *span)
{
	static const char *const kinds[] = {"CLIENT", "SERVER", "PRODUCER", "CONSUMER"};
	static const char *const times[] = {"timestamp", "duration"};
	for (size_t i = 0; i < 2; i++) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(span, times[i]);
		if (t != NULL && !cJSON_IsNull(t) && (!cJSON_IsNumber(t) || t->valuedouble < 0))
			return i == 0 ? "timestamp must be a number of microseconds"
				      : "duration must be a number of microseconds";
	}
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(span, "kind");
	if (kind != NULL && !cJSON_IsNull(kind)) {
		size_t k = 0;
		while (k < 4 && !(cJSON_IsString(kind) && strcmp(kind->valuestring, kinds[k]) == 0))
			k++;
		if (k == 4)
			return "kind must be CLIENT, SERVER, PRODUCER or CONSUMER";
	}
	if (!optional_type(span, "name", cJSON_IsString))
		return "name must be a string";
	if (!optional_type(span, "tags", cJSON_IsObject))
		return "tags must be an object";
	if (!optional_type(span, "annotations", cJSON_IsArray))
		return "annotations must be an array";
	const cJSON *tag;
	cJSON_ArrayForEach(tag, cJSON_GetObjectItemCaseSensitive(span, "tags"))
		if (!cJSON_IsString(tag))
			return "tag values must be strings";
	return NULL;
}

static int read_span(const cJSON *span, size_t index, sat_ids *ids, char *err, size_t errlen)
{
	static const size_t trace_lens[] = {16, 32, 0}, span_lens[] = {16, 0};
	sat_span_id id;
	const char *why = NULL;

	if (!cJSON_IsObject(span))
		why = "not an object";
	else if (!hex_id(span, "traceId", trace_lens, id.trace, sizeof(id.trace)))
		why = "traceId must be 16 or 32 hex digits";
	else if (!hex_id(span, "id", span_lens, id.span, sizeof(id.span)))
		why = "id must be 16 hex digits";
	else
		why = checked_fields(span);
	if (why != NULL) {
		snprintf(err, errlen, "Zipkin JSON: span %zu: %s", index, why);
		return TB_EPROTO;
	}
	return sat_ids_push(ids, &id);
}

int sat__zipkin_json_cjson(const uint8_t *body, size_t len, sat_ids *ids, char *err,
			   size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength((const char *)body, len);
	const cJSON *span;
	size_t nspan = 0;
	int rv = TB_OK;

	if (root == NULL) {
		snprintf(err, errlen, "Zipkin JSON: not valid JSON");
		rv = TB_EPROTO;
		goto out;
	}
	if (!cJSON_IsArray(root)) {
		snprintf(err, errlen, "Zipkin JSON: expected an array of spans");
		rv = TB_EPROTO;
		goto out;
	}
	cJSON_ArrayForEach(span, root) {
		if ((rv = read_span(span, nspan++, ids, err, errlen)) != TB_OK)
			goto out;
	}
out:
	cJSON_Delete(root);
	return rv;
}

const sat_decoder sat__decoder_zipkin_json = {
	.proto = SAT_PROTO_ZIPKIN_JSON,
	.name = "zipkin-json",
	.reply_type = "application/json",
	.join = SAT_JOIN_ARRAY,
	.ok_status = 202,
	.decode = sat__zipkin_json_simdjson,
	.reply = sat__reply_none,	/* Zipkin's collector answers 202 with no body */
};
