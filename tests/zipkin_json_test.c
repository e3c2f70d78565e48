/* SPDX-License-Identifier: MIT */
/* zipkin_json_test.c - the satellite's Zipkin JSON reader (simdjson) against its
 * reference, the cJSON reader: on every well-formed body the same verdict, the same ids in
 * the same order and the same reason; on what cJSON lets by (trailing bytes, malformed
 * UTF-8, deep nesting) and on malformed values in members nobody reads a refusal; on every
 * cut of a body a refusal, never a crash. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/reportgen.h"
#include "common/error.h"
#include "satellite/decode.h"

typedef struct verdict {
	int rv;
	char err[256];
	sat_ids ids;
} verdict;

static void read_with(int (*reader)(const uint8_t *, size_t, sat_ids *, char *, size_t),
		      const char *body, size_t len, verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->rv = reader((const uint8_t *)body, len, &v->ids, v->err, sizeof(v->err));
}

static void init(void)
{
	cr_assert_eq(sat_decode_init(), TB_OK);
}

/* agree reads body with both and asserts one verdict; returns it. */
static int agree(const char *body, size_t len)
{
	verdict w, c;
	read_with(sat__zipkin_json_simdjson, body, len, &w);
	read_with(sat__zipkin_json_cjson, body, len, &c);
	cr_assert_eq(w.rv, c.rv, "%.80s: simdjson %d (%s), cJSON %d (%s)", body, w.rv, w.err, c.rv,
		     c.err);
	if (w.rv == TB_OK) {
		cr_assert_eq(w.ids.n, c.ids.n, "%.80s", body);
		cr_assert(w.ids.n == 0 || memcmp(w.ids.v, c.ids.v, w.ids.n * sizeof(*w.ids.v)) == 0,
			  "%.80s: the ids differ", body);
	} else {
		cr_assert_str_eq(w.err, c.err, "%.80s", body);
	}
	int rv = w.rv;
	sat_ids_fini(&w.ids);
	sat_ids_fini(&c.ids);
	return rv;
}

Test(zipkin_json, both_readers_read_the_same_ids_from_reports, .init = init)
{
	/* 4000 spans (5 MB) is over what a thread's reader keeps: it lets its parser go, and
	 * the next body grows a new one. */
	static const size_t sizes[] = {0, 1, 4000, 10, 1000};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len;
		char *body = tb_report_zipkin_json(sizes[i], 1 + 7 * i, &len);
		cr_assert_not_null(body);
		cr_assert_eq(agree(body, len), TB_OK);
		free(body);
	}
}

#define IDS "\"traceId\":\"0000000000000001\",\"id\":\"0000000000000002\""

Test(zipkin_json, both_readers_give_the_same_reason_for_every_fault, .init = init)
{
	static const char *const bodies[] = {
		"{\"traceId\":\"0000000000000001\"}",
		"5",
		"[]",
		"[1]",
		"[{}]",
		"[{\"id\":\"0000000000000002\"}]",
		"[{\"traceId\":\"0000000000000001\"}]",
		"[{\"traceId\":1,\"id\":\"0000000000000002\"}]",
		"[{\"traceId\":\"00000000000000010000000000000001\",\"id\":\"0000000000000002\"}]",
		"[{\"traceId\":\"000000000000001\",\"id\":\"0000000000000002\"}]",
		"[{\"traceId\":\"000000000000000g\",\"id\":\"0000000000000002\"}]",
		"[{\"traceId\":\"0000000000000001\",\"id\":\"00000000000000020\"}]",
		"[{" IDS ",\"timestamp\":-1}]",
		"[{" IDS ",\"timestamp\":\"1\"}]",
		"[{" IDS ",\"timestamp\":null,\"duration\":null,\"kind\":null,\"name\":null,"
		"\"tags\":null,\"annotations\":null}]",
		"[{" IDS ",\"duration\":-0.5}]",
		"[{" IDS ",\"kind\":\"SERVER\"},{" IDS ",\"kind\":\"server\"}]",
		"[{" IDS ",\"kind\":7}]",
		"[{" IDS ",\"name\":[]}]",
		"[{" IDS ",\"tags\":[]}]",
		"[{" IDS ",\"tags\":{\"a\":\"b\",\"c\":{}}}]",
		"[{" IDS ",\"annotations\":{}}]",
		"[{" IDS ",\"annotations\":[{\"timestamp\":1,\"value\":\"v\"}],\"debug\":true,"
		"\"shared\":false,\"localEndpoint\":{\"serviceName\":\"s\",\"port\":80}}]",
		/* Several faults: the first by the reference's order, not the body's. */
		"[{\"tags\":{\"a\":1},\"kind\":\"X\",\"timestamp\":-1,\"id\":1}]",
		"[{" IDS ",\"tags\":{\"a\":1},\"name\":5}]",
		/* A repeated member: the first is read, as cJSON reads it. */
		"[{" IDS ",\"id\":\"zz\",\"kind\":\"CLIENT\",\"kind\":\"X\"}]",
		"[{\"traceId\":\"x\",\"traceId\":\"0000000000000001\",\"id\":\"0000000000000002\"}]",
		/* Escapes, in names and values. */
		"[{\"trace\\u0049d\":\"0000000000000001\",\"id\":\"000000000000000\\u0032\"}]",
		"[{" IDS ",\"name\":\"a\\\"b\\\\c\\n\\u00e9\"}]",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		agree(bodies[i], strlen(bodies[i]));
}

Test(zipkin_json, simdjson_refuses_malformed_json_anywhere, .init = init)
{
	static const char *const bodies[] = {
		"[{" IDS "}] trailing",
		"[{" IDS "}]]",
		"[{" IDS ",\"name\":\"\xc3\x28\"}]",
		"[{" IDS ",\"x\":01}]",
		"[{" IDS ",\"x\":1.}]",
		"[{" IDS ",\"x\":\"\\q\"}]",
		"[{" IDS ",\"x\":\"\\u12\"}]",
		"[{" IDS ",\"x\":tru}]",
		"[{" IDS ",\"x\":[1 2]}]",
		"[{\"traceId\":\"0000000000000001\\u0000\",\"id\":\"0000000000000002\"}]",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		verdict w;
		read_with(sat__zipkin_json_simdjson, bodies[i], strlen(bodies[i]), &w);
		cr_assert_eq(w.rv, TB_EPROTO, "%s: accepted", bodies[i]);
		cr_assert_eq(w.ids.n, 0, "%s: %zu ids kept", bodies[i], w.ids.n);
		cr_assert(strchr(w.err, '\n') == NULL);
		sat_ids_fini(&w.ids);
	}
	/* Nesting deeper than spans do, in a member nobody reads: cJSON takes 1000 levels. */
	char deep[400];
	int n = snprintf(deep, sizeof(deep), "[{" IDS ",\"x\":");
	for (int i = 0; i < 100; i++)
		deep[n++] = '[';
	for (int i = 0; i < 100; i++)
		deep[n++] = ']';
	memcpy(deep + n, "}]", 3);
	verdict w, c;
	read_with(sat__zipkin_json_simdjson, deep, strlen(deep), &w);
	read_with(sat__zipkin_json_cjson, deep, strlen(deep), &c);
	cr_assert_eq(w.rv, TB_EPROTO, "100 levels deep: accepted");
	cr_assert_eq(c.rv, TB_OK, "cJSON: %s", c.err);
	sat_ids_fini(&w.ids);
	sat_ids_fini(&c.ids);
}

Test(zipkin_json, simdjson_refuses_every_cut_of_a_report, .init = init)
{
	size_t len;
	char *body = tb_report_zipkin_json(3, 11, &len);
	cr_assert_not_null(body);
	for (size_t cut = 0; cut < len; cut++) {
		/* Each cut in a buffer of its own size, so a read past the end is seen. */
		char *part = malloc(cut ? cut : 1);
		memcpy(part, body, cut);
		verdict w;
		read_with(sat__zipkin_json_simdjson, part, cut, &w);
		cr_assert_eq(w.rv, TB_EPROTO, "a report cut at %zu of %zu bytes: accepted", cut, len);
		sat_ids_fini(&w.ids);
		free(part);
	}
	free(body);
}
