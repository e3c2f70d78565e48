/* SPDX-License-Identifier: MIT */
/* pbwalk_test.c - the validating walker accepts and rejects exactly what protobuf-c's
 * unpack does: hand-made edge cases, every truncation and every single-byte mutation of
 * real reports, compared input by input against protobuf-c itself. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "bench/reportgen.h"
#include "common/error.h"
#include "proto/collector.pb-c.h"
#include "proto/otlp_trace.pb-c.h"
#include "satellite/decode.h"
#include "satellite/pbwalk.h"

static sat_pbschema *ls, *otlp;

static void setup(void)
{
	cr_assert_eq(sat_pbschema_alloc(&ls, &lightstep__collector__report_request__descriptor,
					sat__marks_lightstep, SAT__N_MARKS_LIGHTSTEP),
		     TB_OK);
	cr_assert_eq(sat_pbschema_alloc(&otlp, &otlp__export_trace_service_request__descriptor,
					sat__marks_otlp, SAT__N_MARKS_OTLP),
		     TB_OK);
}

static void teardown(void)
{
	sat_pbschema_free(ls);
	sat_pbschema_free(otlp);
}

TestSuite(pbwalk, .init = setup, .fini = teardown);

static bool protobuf_c_accepts(const ProtobufCMessageDescriptor *d, const uint8_t *b, size_t n)
{
	ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, n, b);
	protobuf_c_message_free_unpacked(m, NULL);
	return m != NULL;
}

/* agree checks one input; returns 1 if compared, 0 if outside the walker's deliberate
 * difference (nesting depth). */
static int agree(const sat_pbschema *s, const ProtobufCMessageDescriptor *d, const uint8_t *b,
		 size_t n)
{
	sat_pbwalk_error err;
	sat_pbwalk_status st = sat_pbwalk_check(s, b, n, &err);
	char why[256];

	if (st == SAT_PBWALK_EDEPTH)
		return 0;
	cr_assert_eq(st == SAT_PBWALK_OK, protobuf_c_accepts(d, b, n),
		     "walker says %s, protobuf-c disagrees (%zu bytes)",
		     st == SAT_PBWALK_OK ? "valid" : sat_pbwalk_format(&err, why, sizeof(why)), n);
	return 1;
}

#define LS &lightstep__collector__report_request__descriptor
#define OTLP &otlp__export_trace_service_request__descriptor

static void expect(const sat_pbschema *s, const ProtobufCMessageDescriptor *d, bool valid,
		   const uint8_t *b, size_t n)
{
	cr_assert_eq(sat_pbwalk_check(s, b, n, NULL) == SAT_PBWALK_OK, valid);
	cr_assert(agree(s, d, b, n));
}

Test(pbwalk, real_reports_are_valid)
{
	size_t n;
	uint8_t *b = tb_report_lightstep(50, 1, &n);
	expect(ls, LS, true, b, n);
	free(b);
	b = tb_report_otlp_proto(50, 1, &n);
	expect(otlp, OTLP, true, b, n);
	free(b);
	expect(ls, LS, true, (const uint8_t *)"", 0);
}

Test(pbwalk, known_field_with_the_wrong_wire_type_is_rejected)
{
	/* ReportRequest.spans (3) as varint; .timestamp_offset_micros (5) as length */
	static const uint8_t a[] = {0x18, 0x01}, b[] = {0x2a, 0x00};
	expect(ls, LS, false, a, sizeof(a));
	expect(ls, LS, false, b, sizeof(b));
	/* Span.duration_micros (5) as fixed32 inside a span */
	static const uint8_t c[] = {0x1a, 0x05, 0x2d, 0x01, 0x02, 0x03, 0x04};
	expect(ls, LS, false, c, sizeof(c));
}

Test(pbwalk, unknown_fields_of_every_wire_type_are_skipped)
{
	static const uint8_t a[] = {0x78, 0x01,			  /* 15 varint */
				    0x79, 1, 2, 3, 4, 5, 6, 7, 8, /* 15 fixed64 */
				    0x7a, 0x02, 0xff, 0xff,	  /* 15 length */
				    0x7d, 1, 2, 3, 4};		  /* 15 fixed32 */
	expect(ls, LS, true, a, sizeof(a));
}

Test(pbwalk, group_and_reserved_wire_types_are_rejected)
{
	for (uint8_t wt = 3; wt <= 7; wt++) {
		if (wt == 5)
			continue;
		uint8_t a[] = {(uint8_t)(0x78 | wt), 0x00};
		expect(ls, LS, false, a, sizeof(a));
	}
}

Test(pbwalk, varints_of_ten_bytes_pass_and_eleven_fail)
{
	uint8_t ten[] = {0x28, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
	uint8_t eleven[] = {0x28, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	expect(ls, LS, true, ten, sizeof(ten));
	expect(ls, LS, false, eleven, sizeof(eleven));
}

Test(pbwalk, field_zero_in_a_long_key_is_an_unknown_field_as_in_protobuf_c)
{
	static const uint8_t a[] = {0x80, 0x00, 0x01};	/* key 0 in two bytes, varint */
	cr_assert(agree(ls, LS, a, sizeof(a)));
	static const uint8_t b[] = {0x00, 0x01};	/* key 0 in one byte: an error */
	expect(ls, LS, false, b, sizeof(b));
}

Test(pbwalk, keys_and_lengths_follow_protobuf_c_widths)
{
	/* a six-byte key is too long for protobuf-c */
	static const uint8_t key6[] = {0xf8, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00};
	expect(ls, LS, false, key6, sizeof(key6));
	/* a five-byte length of 2^32 is not taken modulo 2^32 */
	static const uint8_t len5[] = {0x7a, 0x80, 0x80, 0x80, 0x80, 0x10};
	expect(ls, LS, false, len5, sizeof(len5));
	/* a five-byte length of 3 is fine */
	static const uint8_t len5ok[] = {0x7a, 0x83, 0x80, 0x80, 0x80, 0x00, 1, 2, 3};
	expect(ls, LS, true, len5ok, sizeof(len5ok));
	/* a six-byte length is refused */
	static const uint8_t len6[] = {0x7a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
	expect(ls, LS, false, len6, sizeof(len6));
	/* a length longer than what is left */
	static const uint8_t over[] = {0x7a, 0x05, 0x00};
	expect(ls, LS, false, over, sizeof(over));
}

Test(pbwalk, a_bool_is_read_from_any_wire_type_as_protobuf_c_does)
{
	/* Span{tags: KeyValue{bool_value (5) as fixed64}} */
	static const uint8_t a[] = {0x1a, 0x0b, 0x32, 0x09, 0x29, 1, 0, 0, 0, 0, 0, 0, 0};
	expect(ls, LS, true, a, sizeof(a));
	/* ...and a string field (key, 1) as fixed64 is not */
	static const uint8_t b[] = {0x1a, 0x0b, 0x32, 0x09, 0x09, 1, 0, 0, 0, 0, 0, 0, 0};
	expect(ls, LS, false, b, sizeof(b));
}

/* wrap makes msg[0..*len) the body of a length-delimited field `key`, with a two-byte
 * length so the size stays predictable. */
static void wrap(uint8_t *msg, size_t *len, uint8_t key)
{
	uint8_t tmp[1024];
	size_t t = 0;

	tmp[t++] = key;
	tmp[t++] = (uint8_t)(*len | 0x80);
	tmp[t++] = (uint8_t)(*len >> 7);
	memcpy(tmp + t, msg, *len);
	t += *len;
	memcpy(msg, tmp, t);
	*len = t;
}

Test(pbwalk, nesting_beyond_the_limit_is_refused)
{
	/* SAT_PBWALK_MAX_DEPTH + 6 levels of AnyValue{array_value{values{...}}}, built from
	 * the inside out, then KeyValue.value, Resource.attributes, ResourceSpans.resource
	 * and ExportTraceServiceRequest.resource_spans around them. */
	uint8_t stack[1024];
	size_t sl = 0;
	for (int i = 0; i < SAT_PBWALK_MAX_DEPTH + 6; i++)
		wrap(stack, &sl, i % 2 == 0 ? 0x0a : 0x2a);	/* values(1) / array_value(5) */
	static const uint8_t keys[] = {0x12, 0x0a, 0x0a, 0x0a};
	for (size_t k = 0; k < sizeof(keys); k++)
		wrap(stack, &sl, keys[k]);
	cr_assert_eq(sat_pbwalk_check(otlp, stack, sl, NULL), SAT_PBWALK_EDEPTH);
}

Test(pbwalk, every_truncation_of_a_report_agrees_with_protobuf_c)
{
	size_t n;
	uint8_t *b = tb_report_lightstep(2, 1, &n);
	for (size_t i = 0; i <= n; i++)
		agree(ls, LS, b, i);
	free(b);
	b = tb_report_otlp_proto(2, 1, &n);
	for (size_t i = 0; i <= n; i++)
		agree(otlp, OTLP, b, i);
	free(b);
}

Test(pbwalk, every_single_byte_mutation_agrees_with_protobuf_c, .timeout = 120)
{
	size_t n, compared = 0, rejected = 0;
	uint8_t *b = tb_report_lightstep(1, 1, &n);
	uint8_t *m = malloc(n);

	for (size_t i = 0; i < n; i++) {
		for (int v = 0; v < 256; v++) {
			memcpy(m, b, n);
			m[i] = (uint8_t)v;
			if (sat_pbwalk_check(ls, m, n, NULL) == SAT_PBWALK_OK &&
			    !protobuf_c_accepts(LS, m, n))
				cr_log_error("byte %zu = 0x%02x: walker accepts, protobuf-c not", i, v);
			compared += (size_t)agree(ls, LS, m, n);
			rejected += sat_pbwalk_check(ls, m, n, NULL) != SAT_PBWALK_OK;
		}
	}
	free(b);
	b = tb_report_otlp_proto(1, 1, &n);
	m = realloc(m, n);
	for (size_t i = 0; i < n; i++) {
		for (int v = 0; v < 256; v++) {
			memcpy(m, b, n);
			m[i] = (uint8_t)v;
			compared += (size_t)agree(otlp, OTLP, m, n);
		}
	}
	free(b);
	free(m);
	cr_assert_gt(compared, 100000);
	cr_assert_gt(rejected, 1000, "mutations should find invalid inputs too");
}

Test(pbwalk, format_names_the_field_and_offset)
{
	static const uint8_t a[] = {0x18, 0x01};
	sat_pbwalk_error err;
	char why[256];
	cr_assert_eq(sat_pbwalk_check(ls, a, sizeof(a), &err), SAT_PBWALK_EMISMATCH);
	sat_pbwalk_format(&err, why, sizeof(why));
	cr_assert(strstr(why, "field 3") && strstr(why, "lightstep.collector.ReportRequest") &&
		  strstr(why, "byte 0"), "%s", why);
}

/* ---- the ids the decoders find ---- */

/* protobuf-c 1.4 replaces a singular sub-message given twice (it does not merge them);
 * the span id the duplicate set keys on must be the one protobuf-c would unpack. */
Test(pbwalk, a_span_context_given_twice_replaces_the_first_as_protobuf_c_does)
{
	/* spans { span_context { trace_id: 5 } span_context { span_id: 6 } } */
	static const uint8_t b[] = {0x1a, 0x08, 0x0a, 0x02, 0x08, 0x05, 0x0a, 0x02, 0x10, 0x06};
	sat_ids ids = {0};
	sat_span_id want = {{0}, {0}};
	char err[256];

	Lightstep__Collector__ReportRequest *m =
		lightstep__collector__report_request__unpack(NULL, sizeof(b), b);
	cr_assert_not_null(m);
	cr_assert_eq(m->spans[0]->span_context->trace_id, 0);
	want.span[7] = (uint8_t)m->spans[0]->span_context->span_id;
	lightstep__collector__report_request__free_unpacked(m, NULL);

	cr_assert_eq(sat_decode_init(), TB_OK);
	cr_assert_eq(sat_decoder_get(SAT_PROTO_LIGHTSTEP)->decode(b, sizeof(b), &ids, err,
								  sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(ids.n, 1);
	cr_assert_arr_eq(&ids.v[0], &want, sizeof(want), "trace id or span id differs");
	sat_ids_fini(&ids);
}

Test(pbwalk, a_listing_walk_lists_every_marked_value_in_order)
{
	/* Two spans, the second without a span_context, then the report's reporter (field 1),
	 * which is not marked. */
	static const uint8_t b[] = {
		0x1a, 0x08, 0x0a, 0x04, 0x08, 0x07, 0x10, 0x09, 0x12, 0x00,	/* span, context */
		0x1a, 0x02, 0x12, 0x00,						/* span */
		0x0a, 0x00,							/* reporter */
	};
	sat_pbranges found = {0};

	cr_assert_eq(sat_pbwalk_list(ls, b, sizeof(b), &found, NULL), SAT_PBWALK_OK);
	cr_assert_eq(found.n, 3);
	cr_assert_eq(found.v[0].mark, 0);	/* ReportRequest.spans */
	cr_assert_eq(found.v[0].off, 2);
	cr_assert_eq(found.v[0].len, 8);
	cr_assert_eq(found.v[1].mark, 1);	/* Span.span_context */
	cr_assert_eq(found.v[1].off, 4);
	cr_assert_eq(found.v[1].len, 4);
	cr_assert_eq(found.v[2].mark, 0);
	cr_assert_eq(found.v[2].off, 12);
	cr_assert_eq(found.v[2].len, 2);

	/* The list is emptied by the next walk, and a walk that fails says so. */
	cr_assert_eq(sat_pbwalk_list(ls, b, 3, &found, NULL), SAT_PBWALK_ETRUNCATED);
	cr_assert_eq(sat_pbwalk_list(ls, b + 14, 2, &found, NULL), SAT_PBWALK_OK);
	cr_assert_eq(found.n, 0);
	sat_pbranges_fini(&found);
}

Test(pbwalk, a_span_without_a_context_gets_the_zero_id)
{
	static const uint8_t b[] = {0x1a, 0x02, 0x12, 0x00};
	static const sat_span_id zero;
	sat_ids ids = {0};
	char err[256];

	cr_assert_eq(sat_decode_init(), TB_OK);
	cr_assert_eq(sat_decoder_get(SAT_PROTO_LIGHTSTEP)->decode(b, sizeof(b), &ids, err,
								  sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(ids.n, 1);
	cr_assert_arr_eq(&ids.v[0], &zero, sizeof(zero));
	sat_ids_fini(&ids);
}

Test(pbwalk, marks_on_fields_that_are_not_length_delimited_are_refused)
{
	static const sat_pbmark duration = {&lightstep__collector__span__descriptor, 5};
	static const sat_pbmark missing = {&lightstep__collector__span__descriptor, 99};
	static const sat_pbmark elsewhere = {&otlp__span__descriptor, 1};
	sat_pbschema *s = NULL;

	cr_assert_eq(sat_pbschema_alloc(&s, LS, &duration, 1), TB_EINVAL);
	cr_assert_eq(sat_pbschema_alloc(&s, LS, &missing, 1), TB_EINVAL);
	cr_assert_eq(sat_pbschema_alloc(&s, LS, &elsewhere, 1), TB_EINVAL);
	cr_assert_null(s);
	cr_assert_eq(sat_pbschema_alloc(&s, LS, NULL, 0), TB_OK);
	sat_pbschema_free(s);
}

/* ---- merging a message field given twice ---- */

/* put_len appends field `field`'s key and length-delimited value to out at *n. */
static void put_len(uint8_t *out, size_t *n, uint32_t field, const uint8_t *v, size_t len)
{
	out[(*n)++] = (uint8_t)(field << 3 | 2);
	out[(*n)++] = (uint8_t)len;	/* short values only */
	memcpy(out + *n, v, len);
	*n += len;
}

/* otlp_attr wraps one KeyValue's bytes into a whole ExportTraceServiceRequest. */
static size_t otlp_attr(const uint8_t *kv, size_t kvlen, uint8_t *out)
{
	uint8_t a[128], b[128], c[128];
	size_t na = 0, nb = 0, nc = 0, n = 0;

	put_len(a, &na, 9, kv, kvlen);	/* Span.attributes */
	put_len(b, &nb, 2, a, na);	/* ScopeSpans.spans */
	put_len(c, &nc, 2, b, nb);	/* ResourceSpans.scope_spans */
	put_len(out, &n, 1, c, nc);	/* ExportTraceServiceRequest.resource_spans */
	return n;
}

/* AnyValues: its oneof unset (empty, or an unknown field only), set by members that a
 * merge carries over (int, non-empty bytes, a message), and by members it drops (any
 * string, empty bytes). */
static const struct {
	const char *name;
	uint8_t len;
	uint8_t bytes[4];
} any_values[] = {
	{"empty", 0, {0}},
	{"unknown", 2, {0x50, 0x01}},
	{"int", 2, {0x18, 0x05}},
	{"bytes", 3, {0x3a, 0x01, 'x'}},
	{"array", 2, {0x2a, 0x00}},
	{"string", 3, {0x0a, 0x01, 'x'}},
	{"empty string", 2, {0x0a, 0x00}},
	{"empty bytes", 2, {0x3a, 0x00}},
};
#define N_ANY (sizeof(any_values) / sizeof(any_values[0]))

/* kv_values builds a KeyValue whose value is given once for each index in which[]. */
static size_t kv_values(const size_t *which, size_t k, uint8_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < k; i++)
		put_len(out, &n, 2, any_values[which[i]].bytes, any_values[which[i]].len);
	return n;
}

Test(pbwalk, a_value_given_again_merges_or_fails_exactly_as_in_protobuf_c)
{
	uint8_t kv[64], req[128];
	size_t which[3], refused = 0, compared = 0;

	/* Every sequence of two and three values. */
	for (size_t k = 2; k <= 3; k++) {
		size_t total = k == 2 ? N_ANY * N_ANY : N_ANY * N_ANY * N_ANY;
		for (size_t c = 0; c < total; c++) {
			for (size_t i = 0, x = c; i < k; i++, x /= N_ANY)
				which[i] = x % N_ANY;
			size_t n = otlp_attr(kv, kv_values(which, k, kv), req);
			compared += (size_t)agree(otlp, OTLP, req, n);
			refused += sat_pbwalk_check(otlp, req, n, NULL) != SAT_PBWALK_OK;
		}
	}
	cr_assert_eq(compared, N_ANY * N_ANY + N_ANY * N_ANY * N_ANY);
	cr_assert(refused > 0 && refused < compared, "%zu of %zu refused", refused, compared);
}

Test(pbwalk, a_value_whose_oneof_neither_sets_is_refused_with_a_reason)
{
	static const size_t empty_twice[] = {0, 0}, string_then_empty_twice[] = {5, 0, 0},
			    int_then_empty_twice[] = {2, 0, 0}, empty_then_string[] = {0, 5};
	uint8_t kv[64], req[128];
	sat_pbwalk_error err;
	char why[256];
	size_t n;

	n = otlp_attr(kv, kv_values(empty_twice, 2, kv), req);
	cr_assert_eq(sat_pbwalk_check(otlp, req, n, &err), SAT_PBWALK_EMERGE);
	cr_assert(strstr(sat_pbwalk_format(&err, why, sizeof(why)),
			 "field 2 (wire type 2) of otlp.KeyValue") != NULL, "%s", why);
	cr_assert(!protobuf_c_accepts(OTLP, req, n));
	/* The string is dropped by the first merge, so the third value has nothing to merge. */
	n = otlp_attr(kv, kv_values(string_then_empty_twice, 3, kv), req);
	expect(otlp, OTLP, false, req, n);
	n = otlp_attr(kv, kv_values(int_then_empty_twice, 3, kv), req);
	expect(otlp, OTLP, true, req, n);
	n = otlp_attr(kv, kv_values(empty_then_string, 2, kv), req);
	expect(otlp, OTLP, true, req, n);
}

Test(pbwalk, each_key_value_keeps_its_own_merge_state)
{
	/* A KeyValue (value empty, then a list holding a KeyValue whose value is empty once,
	 * then empty again): the inner KeyValue's one value must not count as the outer's
	 * second, and the outer's third merges with the list. */
	static const uint8_t inner_kv[] = {0x12, 0x00};	/* value: empty */
	uint8_t list[16], any[16], kv[64], req[128];
	size_t nl = 0, na = 0, nk = 0, n;

	put_len(list, &nl, 1, inner_kv, sizeof(inner_kv));	/* KeyValueList.values */
	put_len(any, &na, 6, list, nl);				/* AnyValue.kvlist_value */
	put_len(kv, &nk, 2, (const uint8_t *)"", 0);
	put_len(kv, &nk, 2, any, na);
	put_len(kv, &nk, 2, (const uint8_t *)"", 0);
	n = otlp_attr(kv, nk, req);
	expect(otlp, OTLP, true, req, n);
	/* The same with the inner KeyValue's value given twice, empty: refused. */
	static const uint8_t inner_twice[] = {0x12, 0x00, 0x12, 0x00};
	nl = na = nk = 0;
	put_len(list, &nl, 1, inner_twice, sizeof(inner_twice));
	put_len(any, &na, 6, list, nl);
	put_len(kv, &nk, 2, any, na);
	n = otlp_attr(kv, nk, req);
	expect(otlp, OTLP, false, req, n);
}
