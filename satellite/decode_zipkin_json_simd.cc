/* SPDX-License-Identifier: MIT */
/* decode_zipkin_json_simd.cc - the Zipkin v2 JSON reader the satellite runs: simdjson's
 * On Demand parser, walking the body where it lies and touching every value, so the whole
 * document is validated as strictly as a full parse would (numbers, escapes, literals,
 * commas and colons), with no tree built.
 *
 * Its verdict is the cJSON reader's (decode_zipkin_json.c) on every well-formed body:
 * the same reasons in the same order of precedence, the first of a repeated member read,
 * later ones only validated. It is stricter where cJSON is lenient (trailing bytes,
 * malformed UTF-8, NULs inside ids, nesting deeper than MAX_DEPTH), which the
 * differential test and fuzz target hold it to.
 *
 * simdjson's On Demand code is built for one instruction set, chosen at compile time:
 * this file is built for AVX2 (x86-64-v3) and the satellite uses it only where the CPU
 * has AVX2, BMI1, PCLMUL and LZCNT; elsewhere the cJSON reader serves. */
#include <simdjson.h>

#include <cpuid.h>
#include <cstring>
#include <string_view>

extern "C" {
#include "common/error.h"
#include "satellite/decode.h"
}

namespace od = simdjson::ondemand;

namespace {

/* Zipkin spans nest four deep; a little room, and no deep recursion on a hostile body.
 * On Demand does not count depth itself. */
constexpr int MAX_DEPTH = 64;

/* The depth of a span's member values: in the span, in the array. */
constexpr int MEMBER_DEPTH = 3;

/* What can be wrong with one span, in the cJSON reader's order of precedence. */
constexpr unsigned F_TRACE_ID = 1u << 0, F_ID = 1u << 1, F_TIMESTAMP = 1u << 2,
		   F_DURATION = 1u << 3, F_KIND = 1u << 4, F_NAME = 1u << 5, F_TAGS = 1u << 6,
		   F_ANNOTATIONS = 1u << 7, F_TAG_VALUE = 1u << 8, F_COUNT = 9;

const char *const fault_reason[F_COUNT] = {
	"traceId must be 16 or 32 hex digits",
	"id must be 16 hex digits",
	"timestamp must be a number of microseconds",
	"duration must be a number of microseconds",
	"kind must be CLIENT, SERVER, PRODUCER or CONSUMER",
	"name must be a string",
	"tags must be an object",
	"annotations must be an array",
	"tag values must be strings",
};

/* The members a collector reads; each is read once, at its first appearance. */
enum member { M_TRACE_ID, M_ID, M_TIMESTAMP, M_DURATION, M_KIND, M_NAME, M_TAGS,
	      M_ANNOTATIONS, M_OTHER };

member member_of(std::string_view k)
{
	static const std::string_view names[M_OTHER] = {"traceId", "id", "timestamp", "duration",
							"kind", "name", "tags", "annotations"};
	for (int m = 0; m < M_OTHER; m++)
		if (k == names[m])
			return member(m);
	return M_OTHER;
}

/* A syntax error: what simdjson says, as the reply's reason. */
struct syntax {
	simdjson::error_code code;
};

inline void check(simdjson::error_code e)
{
	if (e != simdjson::SUCCESS)
		throw syntax{e};
}

/* validate reads v, a value depth containers deep, whatever it is, so that all of it is
 * checked. */
void validate(od::value v, int depth)
{
	od::json_type t;
	check(v.type().get(t));
	if ((t == od::json_type::object || t == od::json_type::array) && depth >= MAX_DEPTH)
		throw syntax{simdjson::DEPTH_ERROR};
	switch (t) {
	case od::json_type::object: {
		od::object o;
		check(v.get_object().get(o));
		for (auto f : o) {
			std::string_view k;
			check(f.unescaped_key().get(k));
			od::value x;
			check(f.value().get(x));
			validate(x, depth + 1);
		}
		break;
	}
	case od::json_type::array: {
		od::array a;
		check(v.get_array().get(a));
		for (auto e : a) {
			od::value x;
			check(e.get(x));
			validate(x, depth + 1);
		}
		break;
	}
	case od::json_type::string: {
		std::string_view s;
		check(v.get_string().get(s));
		break;
	}
	case od::json_type::number: {
		od::number n;
		check(v.get_number().get(n));
		break;
	}
	case od::json_type::boolean: {
		bool b;
		check(v.get_bool().get(b));
		break;
	}
	case od::json_type::null: {
		bool n;
		check(v.is_null().get(n));
		if (!n)
			throw syntax{simdjson::N_ATOM_ERROR};
		break;
	}
	}
}

/* hex_id reads an id of one of the allowed lengths (0 ends the list) into out. */
bool hex_id(od::value &v, const size_t *lens, uint8_t *out, size_t outlen)
{
	od::json_type t;
	check(v.type().get(t));
	if (t != od::json_type::string) {
		validate(v, MEMBER_DEPTH);
		return false;
	}
	std::string_view s;
	check(v.get_string().get(s));
	char buf[33];
	for (; *lens != 0; lens++)
		if (s.size() == *lens && std::memchr(s.data(), 0, s.size()) == nullptr) {
			std::memcpy(buf, s.data(), s.size());
			buf[s.size()] = '\0';
			return sat_hex_decode(buf, out, outlen) == 1;
		}
	return false;
}

/* micros checks a timestamp or duration: absent, null or a number not below zero. */
bool micros(od::value &v)
{
	od::json_type t;
	check(v.type().get(t));
	if (t == od::json_type::null) {
		validate(v, MEMBER_DEPTH);
		return true;
	}
	if (t != od::json_type::number) {
		validate(v, MEMBER_DEPTH);
		return false;
	}
	double d;
	check(v.get_double().get(d));
	return !(d < 0);
}

bool kind_ok(od::value &v)
{
	static const std::string_view kinds[] = {"CLIENT", "SERVER", "PRODUCER", "CONSUMER"};
	od::json_type t;
	check(v.type().get(t));
	if (t != od::json_type::string) {
		bool null = t == od::json_type::null;
		validate(v, MEMBER_DEPTH);
		return null;
	}
	std::string_view s;
	check(v.get_string().get(s));
	for (auto k : kinds)
		if (s == k)
			return true;
	return false;
}

/* typed checks that v is null or of type want, and validates it either way. */
bool typed(od::value &v, od::json_type want)
{
	od::json_type t;
	check(v.type().get(t));
	validate(v, MEMBER_DEPTH);
	return t == want || t == od::json_type::null;
}

/* tags checks the tags object's type and that every value is a string. */
unsigned tags(od::value &v)
{
	od::json_type t;
	check(v.type().get(t));
	if (t != od::json_type::object) {
		bool null = t == od::json_type::null;
		validate(v, MEMBER_DEPTH);
		return null ? 0 : F_TAGS;
	}
	unsigned faults = 0;
	od::object o;
	check(v.get_object().get(o));
	for (auto f : o) {
		std::string_view k;
		check(f.unescaped_key().get(k));
		od::value x;
		check(f.value().get(x));
		od::json_type xt;
		check(x.type().get(xt));
		if (xt != od::json_type::string)
			faults |= F_TAG_VALUE;
		validate(x, MEMBER_DEPTH + 1);
	}
	return faults;
}

/* span reads one span object; returns its faults, the ids filled in when there are none. */
unsigned span(od::value el, sat_span_id *id)
{
	static const size_t trace_lens[] = {16, 32, 0}, span_lens[] = {16, 0};
	unsigned faults = F_TRACE_ID | F_ID, seen = 0;
	od::object o;
	check(el.get_object().get(o));
	for (auto f : o) {
		std::string_view k;
		check(f.unescaped_key().get(k));
		od::value v;
		check(f.value().get(v));
		member m = member_of(k);
		if (m == M_OTHER || (seen & (1u << m))) {
			validate(v, MEMBER_DEPTH);
			continue;
		}
		seen |= 1u << m;
		switch (m) {
		case M_TRACE_ID:
			if (hex_id(v, trace_lens, id->trace, sizeof(id->trace)))
				faults &= ~F_TRACE_ID;
			break;
		case M_ID:
			if (hex_id(v, span_lens, id->span, sizeof(id->span)))
				faults &= ~F_ID;
			break;
		case M_TIMESTAMP:
			faults |= micros(v) ? 0 : F_TIMESTAMP;
			break;
		case M_DURATION:
			faults |= micros(v) ? 0 : F_DURATION;
			break;
		case M_KIND:
			faults |= kind_ok(v) ? 0 : F_KIND;
			break;
		case M_NAME:
			faults |= typed(v, od::json_type::string) ? 0 : F_NAME;
			break;
		case M_TAGS:
			faults |= tags(v);
			break;
		case M_ANNOTATIONS:
			faults |= typed(v, od::json_type::array) ? 0 : F_ANNOTATIONS;
			break;
		case M_OTHER:
			break;
		}
	}
	return faults;
}

/* A reusable parser and a padded copy of the body per thread: simdjson reads up to
 * SIMDJSON_PADDING bytes past the end of what it parses. */
struct reader {
	od::parser parser;
	char *buf = nullptr;
	size_t cap = 0;
	~reader() { delete[] buf; }
};

thread_local reader tls_reader;

int walk(reader &r, size_t len, sat_ids *ids, char *err, size_t errlen)
{
	od::document doc;
	check(r.parser.iterate(r.buf, len, r.cap).get(doc));
	od::json_type t;
	check(doc.type().get(t));
	if (t != od::json_type::array) {
		snprintf(err, errlen, "Zipkin JSON: expected an array of spans");
		return TB_EPROTO;
	}
	od::array spans;
	check(doc.get_array().get(spans));
	size_t index = 0;
	for (auto e : spans) {
		od::value el;
		check(e.get(el));
		od::json_type et;
		check(el.type().get(et));
		sat_span_id id;
		if (et != od::json_type::object) {
			snprintf(err, errlen, "Zipkin JSON: span %zu: not an object", index);
			return TB_EPROTO;
		}
		unsigned faults = span(el, &id);
		if (faults != 0) {
			snprintf(err, errlen, "Zipkin JSON: span %zu: %s", index,
				 fault_reason[__builtin_ctz(faults)]);
			return TB_EPROTO;
		}
		int rv = sat_ids_push(ids, &id);
		if (rv != TB_OK)
			return rv;
		index++;
	}
	if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
		throw syntax{simdjson::TRAILING_CONTENT};
	return TB_OK;
}

} // namespace

extern "C" bool sat__zipkin_json_simd_usable(void)
{
	/* LZCNT by CPUID: not every compiler's __builtin_cpu_supports knows its name. */
	unsigned a, b, c, d;
	bool lzcnt = __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & bit_LZCNT);
	return lzcnt && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
	       __builtin_cpu_supports("pclmul");
}

extern "C" int sat__zipkin_json_simd(const uint8_t *body, size_t len, sat_ids *ids, char *err,
				     size_t errlen)
{
	reader &r = tls_reader;
	if (r.cap < len + simdjson::SIMDJSON_PADDING) {
		size_t cap = len + simdjson::SIMDJSON_PADDING;
		char *buf = new (std::nothrow) char[cap];
		if (buf == nullptr || r.parser.allocate(len) != simdjson::SUCCESS) {
			delete[] buf;
			return TB_ENOMEM;
		}
		delete[] r.buf;
		r.buf = buf;
		r.cap = cap;
	}
	std::memcpy(r.buf, body, len);
	std::memset(r.buf + len, 0, simdjson::SIMDJSON_PADDING);
	size_t first = ids->n;
	try {
		int rv = walk(r, len, ids, err, errlen);
		if (rv != TB_OK)
			ids->n = first;
		return rv;
	} catch (const syntax &s) {
		ids->n = first;
		snprintf(err, errlen, "Zipkin JSON: not valid JSON: %s", simdjson::error_message(s.code));
		return TB_EPROTO;
	}
}
