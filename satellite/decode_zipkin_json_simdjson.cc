/* SPDX-License-Identifier: MIT */
/* decode_zipkin_json_simdjson.cc - the Zipkin v2 JSON reader the satellite runs, on
 * simdjson's DOM parser: the body is validated in full by the library (UTF-8, numbers,
 * escapes, literals, structure), whose kernel is chosen for the CPU at run time, and the
 * spans are then read from its tape, where every string is already unescaped.
 *
 * Its verdict is the cJSON reader's (decode_zipkin_json.c) on every well-formed body:
 * the same reasons in the same order of precedence, the first of a repeated member read.
 * It is stricter where cJSON is lenient (bytes after the array, malformed UTF-8, NULs
 * inside ids, nesting deeper than MAX_DEPTH), which the differential test and the fuzz
 * target hold it to. */
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <string_view>

extern "C" {
#include "common/error.h"
#include "satellite/decode.h"
}

namespace dom = simdjson::dom;

namespace {

/* Zipkin spans nest four deep. Below cJSON's limit (1000), so that whatever this reader
 * accepts its reference accepts too. */
constexpr size_t MAX_DEPTH = 64;

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

bool is_null(dom::element v)
{
	return v.type() == dom::element_type::NULL_VALUE;
}

/* hex_id reads an id of one of the allowed lengths (0 ends the list) into out. */
bool hex_id(dom::element v, const size_t *lens, uint8_t *out, size_t outlen)
{
	std::string_view s;
	if (v.get_string().get(s) != simdjson::SUCCESS)
		return false;
	for (; *lens != 0; lens++)
		if (s.size() == *lens)
			return sat_hex_decode(s.data(), s.size(), out, outlen) == 1;
	return false;
}

/* micros checks a timestamp or duration: null or a number not below zero. */
bool micros(dom::element v)
{
	double d;
	if (is_null(v))
		return true;
	return v.get_double().get(d) == simdjson::SUCCESS && !(d < 0);
}

bool kind_ok(dom::element v)
{
	static const std::string_view kinds[] = {"CLIENT", "SERVER", "PRODUCER", "CONSUMER"};
	std::string_view s;
	if (is_null(v))
		return true;
	if (v.get_string().get(s) != simdjson::SUCCESS)
		return false;
	for (auto k : kinds)
		if (s == k)
			return true;
	return false;
}

/* tags checks the tags object's type and that every value is a string. */
unsigned tags(dom::element v)
{
	dom::object o;
	if (is_null(v))
		return 0;
	if (v.get_object().get(o) != simdjson::SUCCESS)
		return F_TAGS;
	for (dom::key_value_pair kv : o)
		if (kv.value.type() != dom::element_type::STRING)
			return F_TAG_VALUE;
	return 0;
}

/* span reads one span object; returns its faults, the ids filled in when there are none. */
unsigned span(dom::object o, sat_span_id *id)
{
	static const size_t trace_lens[] = {16, 32, 0}, span_lens[] = {16, 0};
	unsigned faults = F_TRACE_ID | F_ID, seen = 0;
	for (dom::key_value_pair kv : o) {
		member m = member_of(kv.key);
		if (m == M_OTHER || (seen & (1u << m)))
			continue;
		seen |= 1u << m;
		dom::element v = kv.value;
		dom::element_type t = v.type();
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
			faults |= t == dom::element_type::STRING || is_null(v) ? 0 : F_NAME;
			break;
		case M_TAGS:
			faults |= tags(v);
			break;
		case M_ANNOTATIONS:
			faults |= t == dom::element_type::ARRAY || is_null(v) ? 0 : F_ANNOTATIONS;
			break;
		case M_OTHER:
			break;
		}
	}
	return faults;
}

/* A reusable parser and a padded copy of the body per thread: simdjson reads up to
 * SIMDJSON_PADDING bytes past the end of what it parses, and copying into a buffer kept
 * for the next body costs less than the library's own copy into a new one. The parser's
 * tape and indexes take about 14 bytes a body byte, so after a body over KEEP_BYTES
 * both are let go rather than held by an idle thread. */
constexpr size_t KEEP_BYTES = 4u << 20;

struct reader {
	dom::parser parser;
	uint8_t *buf = nullptr;
	size_t cap = 0;
	~reader() { delete[] buf; }
	void release()
	{
		delete[] buf;
		buf = nullptr;
		cap = 0;
		parser = dom::parser();
	}
};

thread_local reader tls_reader;

int read_spans(dom::element root, sat_ids *ids, char *err, size_t errlen)
{
	dom::array spans;
	if (root.get_array().get(spans) != simdjson::SUCCESS) {
		snprintf(err, errlen, "Zipkin JSON: expected an array of spans");
		return TB_EPROTO;
	}
	size_t index = 0;
	for (dom::element el : spans) {
		dom::object o;
		sat_span_id id;
		if (el.get_object().get(o) != simdjson::SUCCESS) {
			snprintf(err, errlen, "Zipkin JSON: span %zu: not an object", index);
			return TB_EPROTO;
		}
		unsigned faults = span(o, &id);
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
	return TB_OK;
}

/* padded_copy puts body into the thread's buffer, growing it (and the parser) first. */
int padded_copy(reader &r, const uint8_t *body, size_t len)
{
	if (r.cap < len + simdjson::SIMDJSON_PADDING) {
		size_t cap = len + simdjson::SIMDJSON_PADDING;
		uint8_t *buf = new (std::nothrow) uint8_t[cap];
		if (buf == nullptr ||
		    r.parser.allocate(std::max<size_t>(len, 4096), MAX_DEPTH) != simdjson::SUCCESS) {
			delete[] buf;
			return TB_ENOMEM;
		}
		delete[] r.buf;
		r.buf = buf;
		r.cap = cap;
	}
	std::memcpy(r.buf, body, len);
	std::memset(r.buf + len, 0, simdjson::SIMDJSON_PADDING);
	return TB_OK;
}

int parse_and_read(reader &r, size_t len, sat_ids *ids, char *err, size_t errlen)
{
	dom::element root;
	simdjson::error_code e = r.parser.parse(r.buf, len, false).get(root);
	if (e == simdjson::MEMALLOC)
		return TB_ENOMEM;
	if (e != simdjson::SUCCESS) {
		snprintf(err, errlen, "Zipkin JSON: not valid JSON: %s", simdjson::error_message(e));
		return TB_EPROTO;
	}
	size_t first = ids->n;
	int rv = read_spans(root, ids, err, errlen);
	if (rv != TB_OK)
		ids->n = first;
	return rv;
}

} // namespace

extern "C" int sat__zipkin_json_simdjson(const uint8_t *body, size_t len, sat_ids *ids,
					 char *err, size_t errlen)
{
	reader &r = tls_reader;
	int rv = padded_copy(r, body, len);
	if (rv == TB_OK)
		rv = parse_and_read(r, len, ids, err, errlen);
	if (len > KEEP_BYTES)
		r.release();
	return rv;
}
