/* SPDX-License-Identifier: MIT */
/* datadog_test.c - the Datadog decoders (v0.3/v0.4 and v0.5) against msgpack-c: on
 * real-shaped reports and on thousands of damaged ones, it accepts exactly the bodies msgpack-c unpacks into a
 * well-typed array of traces, with the same span ids; and a header claiming billions of
 * elements is refused at once. */
#include <criterion/criterion.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "bench/reportgen.h"
#include "common/error.h"
#include "satellite/decode.h"
#include "datadog_reference.h"

/* msgpack-c, the reference, allocates what an array header claims (up to 96 GiB for a
 * 5-byte header): under AddressSanitizer any malloc over 64 MiB fails instead, as it would
 * on most hosts, and msgpack-c answers it with an error. No body here needs more. */
/* Exported: the sanitizer's runtime looks it up by name. */
__attribute__((visibility("default"), used)) const char *__asan_default_options(void);
__attribute__((visibility("default"), used)) const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=64";
}

/* A version of the intake: its decoder, its reference, its generator, its error prefix. */
typedef struct version {
	sat_proto proto;
	bool (*reference)(const uint8_t *body, size_t len, sat_ids *ids);
	uint8_t *(*generate)(size_t nspans, uint64_t first_id, size_t *lenp);
	const char *prefix;
} version;

static const version v04 = {SAT_PROTO_DATADOG_V04, tb_datadog_reference, tb_report_datadog,
			    "Datadog traces do not decode: "};
static const version v05 = {SAT_PROTO_DATADOG_V05, tb_datadog_v05_reference,
			    tb_report_datadog_v05, "Datadog v0.5 traces do not decode: "};

/* agree checks the decoder against the reference on one body. */
static void agree(const version *v, const uint8_t *body, size_t len, const char *what)
{
	sat_ids got = {0}, want = {0};
	char err[300] = "";
	int rc = sat_decoder_get(v->proto)->decode(body, len, &got, err, sizeof(err));
	bool ok = v->reference(body, len, &want);
	cr_assert_eq(rc == TB_OK, ok, "%s: the decoder %s (%s), msgpack-c %s", what,
		     rc == TB_OK ? "accepts" : "refuses", err, ok ? "accepts" : "refuses");
	if (ok) {
		cr_assert_eq(got.n, want.n, "%s: %zu spans, msgpack-c %zu", what, got.n, want.n);
		cr_assert(got.n == 0 || memcmp(got.v, want.v, got.n * sizeof(got.v[0])) == 0,
			  "%s: the ids differ", what);
	} else {
		cr_assert(strncmp(err, v->prefix, strlen(v->prefix)) == 0, "%s: %s", what, err);
		cr_assert_null(strchr(err, '\n'));
	}
	sat_ids_fini(&got);
	sat_ids_fini(&want);
}

static void init(void)
{
	cr_assert_eq(sat_decode_init(), TB_OK);
}

TestSuite(datadog, .init = init);

static void real_reports_decode(const version *v)
{
	const size_t sizes[] = {0, 1, 6, 7, 100, 1000};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len;
		uint8_t *b = v->generate(sizes[i], 1 + 1000 * i, &len);
		sat_ids ids = {0};
		char err[300];
		cr_assert_eq(sat_decoder_get(v->proto)->decode(b, len, &ids, err, sizeof(err)), TB_OK,
			     "%s", err);
		cr_assert_eq(ids.n, sizes[i]);
		agree(v, b, len, "a real report");
		sat_ids_fini(&ids);
		free(b);
	}
}

Test(datadog, real_reports_decode_with_every_span_id)
{
	real_reports_decode(&v04);
}

Test(datadog, real_v05_reports_decode_with_every_span_id)
{
	real_reports_decode(&v05);
}

/* A cheap deterministic generator, so a failure repeats. */
static uint32_t next(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static void damaged_reports_agree(const version *v)
{
	size_t len;
	uint8_t *good = v->generate(13, 1, &len);
	uint8_t *b = malloc(len + 16);
	uint32_t seed = 12345;
	char what[64];
	for (int round = 0; round < 20000; round++) {
		memcpy(b, good, len);
		size_t n = len;
		int edits = 1 + (int)(next(&seed) % 3);
		for (int e = 0; e < edits; e++) {
			uint32_t r = next(&seed), at = next(&seed) % (uint32_t)n;
			if (r % 4 == 0)
				n = at;				/* truncated */
			else if (r % 4 == 1)
				b[at] = (uint8_t)next(&seed);	/* a byte changed */
			else if (r % 4 == 2)
				b[at] ^= (uint8_t)(1u << (next(&seed) % 8));
			else
				b[at] = (uint8_t)(0xc0 + next(&seed) % 0x20);	/* a type byte */
			if (n == 0)
				break;
		}
		snprintf(what, sizeof(what), "damaged report %d", round);
		agree(v, b, n, what);
	}
	free(b);
	free(good);
}

Test(datadog, damaged_reports_are_judged_as_msgpack_c_judges_them)
{
	damaged_reports_agree(&v04);
}

Test(datadog, damaged_v05_reports_are_judged_as_msgpack_c_judges_them)
{
	damaged_reports_agree(&v05);
}

/* A string index past the dictionary is refused, as the agent refuses it. */
Test(datadog, a_v05_index_past_the_dictionary_is_refused)
{
	/* [["a"], [[[0, 0, 1, 7, 8, 0, 0, 0, 0, {}, {}, 0]]]]: resource names string 1. */
	static const uint8_t body[] = {0x92, 0x91, 0xa1, 'a', 0x91, 0x91, 0x9c, 0, 0, 1, 7, 8,
				       0, 0, 0, 0, 0x80, 0x80, 0};
	sat_ids ids = {0};
	char err[300];
	cr_assert_eq(sat_decoder_get(SAT_PROTO_DATADOG_V05)->decode(body, sizeof(body), &ids, err,
								     sizeof(err)), TB_EPROTO);
	cr_assert(strstr(err, "a string is not an index into the dictionary") != NULL, "%s", err);
	agree(&v05, body, sizeof(body), "an index past the dictionary");
	uint8_t fixed[sizeof(body)];
	memcpy(fixed, body, sizeof(body));
	fixed[9] = 0;	/* resource names string 0 */
	agree(&v05, fixed, sizeof(fixed), "the same, mended");
	sat_ids_fini(&ids);
}

Test(datadog, a_header_claiming_billions_of_elements_is_refused_at_once)
{
	/* array32 of 0xffffffff traces, then one empty trace: 6 bytes. */
	static const uint8_t body[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0x90};
	sat_ids ids = {0};
	char err[300];
	cr_assert_eq(sat_decoder_get(SAT_PROTO_DATADOG_V04)->decode(body, sizeof(body), &ids, err,
								     sizeof(err)), TB_EPROTO);
	cr_assert(strstr(err, "the array of traces runs past the end") != NULL, "%s", err);
	cr_assert_eq(ids.cap, 0, "the decoder allocated for spans that are not there");
}

/* What is wrong is named, with where. */
Test(datadog, a_bad_span_is_named_with_its_trace_and_place)
{
	const struct { const char *hex; const char *says; } cases[] = {
		/* [[{"span_id": 1}]] */
		{"\x91\x91\x81\xa7span_id\x01", "a span has no trace_id (trace 0, span 0)"},
		/* [[{"trace_id": -1, "span_id": 1}]] */
		{"\x91\x91\x82\xa8trace_id\xff\xa7span_id\x01",
		 "trace_id is not an unsigned integer (trace 0, span 0)"},
		/* [[{"trace_id":1,"span_id":2,"meta":{"k":1}}]] */
		{"\x91\x91\x83\xa8trace_id\x01\xa7span_id\x02\xa4meta\x81\xa1k\x01",
		 "a meta value is not a string"},
		/* [[], [{"trace_id":1,"span_id":2,"name":5}]] */
		{"\x92\x90\x91\x83\xa8trace_id\x01\xa7span_id\x02\xa4name\x05",
		 "must be strings (trace 1, span 0)"},
		/* [] then a stray byte */
		{"\x90\x01", "bytes follow the array of traces"},
		/* {} */
		{"\x80", "the body is not an array of traces"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sat_ids ids = {0};
		char err[300];
		size_t len = strlen(cases[i].hex);
		int rc = sat_decoder_get(SAT_PROTO_DATADOG_V04)->decode(
			(const uint8_t *)cases[i].hex, len, &ids, err, sizeof(err));
		cr_assert_eq(rc, TB_EPROTO, "case %zu", i);
		cr_assert(strstr(err, cases[i].says) != NULL, "case %zu: %s", i, err);
		agree(&v04, (const uint8_t *)cases[i].hex, len, "a bad span");
		sat_ids_fini(&ids);
	}
}
