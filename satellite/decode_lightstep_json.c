/* SPDX-License-Identifier: MIT */
/* decode_lightstep_json.c - the LightStep JS tracer's "thrift" transport (POST
 * /api/v0/reports): JSON.stringify of its thrift ReportRequest, usually gzipped (the HTTP
 * layer inflates it). Spans are report.span_records[], each with hex span_guid and
 * trace_guid. The tracer JSON.parses the reply and resends everything after an empty
 * one, so the reply is "{}". */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "satellite/decode.h"

static int decode(const uint8_t *body, size_t len, sat_ids *ids, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength((const char *)body, len);
	const cJSON *records, *rec;
	size_t i = 0;
	int rv = TB_OK;

	if (root == NULL) {
		/* cJSON_GetErrorPtr is process-global, so no position: threads share it. */
		snprintf(err, errlen, "LightStep JSON: not valid JSON");
		return TB_EPROTO;
	}
	records = cJSON_GetObjectItemCaseSensitive(root, "span_records");
	if (!cJSON_IsObject(root) ||
	    (records != NULL && !cJSON_IsNull(records) && !cJSON_IsArray(records))) {
		snprintf(err, errlen, "LightStep JSON: expected an object with a span_records array");
		rv = TB_EPROTO;
		goto out;
	}
	if (!cJSON_IsArray(records))
		goto out;
	cJSON_ArrayForEach(rec, records) {
		const cJSON *sg = cJSON_GetObjectItemCaseSensitive(rec, "span_guid");
		const cJSON *tg = cJSON_GetObjectItemCaseSensitive(rec, "trace_guid");
		sat_span_id id;

		if (!cJSON_IsObject(rec) || !cJSON_IsString(sg) || !cJSON_IsString(tg) ||
		    !sat_hex_decode(sg->valuestring, strlen(sg->valuestring), id.span, sizeof(id.span)) ||
		    !sat_hex_decode(tg->valuestring, strlen(tg->valuestring), id.trace, sizeof(id.trace))) {
			snprintf(err, errlen, "LightStep JSON: span_records[%zu] needs span_guid (up "
					      "to 16 hex digits) and trace_guid (up to 32)", i);
			rv = TB_EPROTO;
			goto out;
		}
		if ((rv = sat_ids_push(ids, &id)) != TB_OK)
			goto out;
		i++;
	}
out:
	cJSON_Delete(root);
	return rv;
}

const sat_decoder sat__decoder_lightstep_json = {
	.proto = SAT_PROTO_LIGHTSTEP_JSON,
	.name = "lightstep-json",
	.reply_type = "application/json",
	.decode = decode,
	.reply = sat__reply_empty_json,
};
