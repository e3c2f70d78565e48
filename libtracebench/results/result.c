/* SPDX-License-Identifier: MIT */
/* result.c - the Result's field table as data, and what is derived from it: lookups,
 * formatting, the docs' table, JSON both ways, and the printout for people. */
#include "libtracebench/results/result.h"
#include "libtracebench/run/accounting.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

static const orc_field fields[] = {
#define ORC_USE_ASSERT true
#define ORC_USE_INFO false
#define ORC_RESULT_ROW(m, type, name, use, per, agg, unit, column, doc)                       \
	{#m, ORC_FT_##type, offsetof(orc_result, m), name, ORC_USE_##use, ORC_PER_##per,        \
	 ORC_AGG_##agg, ORC_UNIT_##unit, column, doc},
	ORC_RESULT_FIELDS(ORC_RESULT_ROW)
#undef ORC_RESULT_ROW
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

const orc_field *orc_result_fields(size_t *n)
{
	*n = NFIELDS;
	return fields;
}

static bool name_is(const char *s, const char *name, size_t len)
{
	return strlen(s) == len && memcmp(s, name, len) == 0;
}

const orc_field *orc_result_field_named(const char *name, size_t len)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (name_is(fields[i].name, name, len))
			return &fields[i];
	return NULL;
}

/* Names fields had before each field had one name; results written then and plans
 * written for them still use these. */
static const struct {
	const char *old;
	orc_old_name_in in;
	const char *name;
} renames[] = {
	{"sps", ORC_OLD_IN_JSONL, "sps_asked"},
	{"spans_per_second", ORC_OLD_IN_JSONL, "sps_achieved"},
	{"sps", ORC_OLD_IN_PLAN, "sps_achieved"},
	{"sent", ORC_OLD_IN_PLAN, "spans_sent"},
	{"received", ORC_OLD_IN_PLAN, "spans_received"},
	{"dropped", ORC_OLD_IN_PLAN, "dropped_spans"},
	{"rejected", ORC_OLD_IN_PLAN, "rejected_reports"},
	{"clients", ORC_OLD_IN_PLAN, "client_count"},
	{"peak_rss", ORC_OLD_IN_PLAN, "peak_rss_bytes"},
	{"satellite_rss", ORC_OLD_IN_PLAN, "satellite_rss_bytes"},
	{"cpu", ORC_OLD_IN_PLAN, "cpu_list"},
	{"memory", ORC_OLD_IN_PLAN, "memory_list"},
};

const orc_field *orc_result_field_renamed(const char *name, size_t len, orc_old_name_in in)
{
	for (size_t i = 0; i < sizeof(renames) / sizeof(renames[0]); i++)
		if (renames[i].in == in && name_is(renames[i].old, name, len))
			return orc_result_field_named(renames[i].name, strlen(renames[i].name));
	return NULL;
}

const orc_headline *orc_result_headlines(size_t *n)
{
	static const orc_headline headlines[] = {
		{"cpu_usage", false},
		{"peak_rss_bytes", false},
		{"dropped_spans", false},
		{"sps_achieved", true},
	};
	*n = sizeof(headlines) / sizeof(headlines[0]);
	return headlines;
}

void orc_result_plan_names(char *buf, size_t len)
{
	size_t off = 0, total = 0, seen = 0;
	for (size_t i = 0; i < NFIELDS; i++)
		total += fields[i].assertable;
	buf[0] = '\0';
	for (size_t i = 0; i < NFIELDS && off < len; i++) {
		if (!fields[i].assertable)
			continue;
		const char *sep = seen == 0 ? "" : seen + 1 == total ? " or " : ", ";
		off += (size_t)snprintf(buf + off, len - off, "%s%s", sep, fields[i].name);
		seen++;
	}
}

const char *orc_unit_name(orc_unit u)
{
	static const char *const names[] = {
		[ORC_UNIT_NONE] = "-",
		[ORC_UNIT_COUNT] = "count",
		[ORC_UNIT_SPANS] = "spans",
		[ORC_UNIT_REPORTS] = "reports",
		[ORC_UNIT_SPANS_PER_S] = "spans/s",
		[ORC_UNIT_SECONDS] = "seconds",
		[ORC_UNIT_SHARE] = "share of a core",
		[ORC_UNIT_HOST_SHARE] = "share of the host",
		[ORC_UNIT_BYTES] = "bytes",
	};
	return (size_t)u < sizeof(names) / sizeof(names[0]) ? names[u] : "";
}

static const void *at(const orc_result *r, const orc_field *f)
{
	return (const char *)r + f->offset;
}

static void *at_mut(orc_result *r, const orc_field *f)
{
	return (char *)r + f->offset;
}

static size_t str_size(orc_field_type t)
{
	switch (t) {
	case ORC_FT_STR16: return sizeof(orc_str16);
	case ORC_FT_STR64: return sizeof(orc_str64);
	case ORC_FT_STR128: return sizeof(orc_str128);
	case ORC_FT_STR256: return sizeof(orc_str256);
	default: return 0;
	}
}

double orc_field_number(const orc_field *f, const orc_result *r)
{
	const void *p = at(r, f);
	switch (f->type) {
	case ORC_FT_BOOL: return *(const bool *)p ? 1 : 0;
	case ORC_FT_INT: return *(const int *)p;
	case ORC_FT_U64: return (double)*(const uint64_t *)p;
	case ORC_FT_F64: return *(const double *)p;
	case ORC_FT_OPTU64: return (double)((const orc_optu64 *)p)->v;
	default: return NAN;
	}
}

const char *orc_field_string(const orc_field *f, const orc_result *r)
{
	return str_size(f->type) > 0 ? (const char *)at(r, f) : NULL;
}

const orc_list *orc_field_list(const orc_field *f, const orc_result *r)
{
	return f->type == ORC_FT_LIST ? (const orc_list *)at(r, f) : NULL;
}

void orc_field_format(const orc_field *f, const orc_result *r, char *buf, size_t len)
{
	if (str_size(f->type) > 0) {
		snprintf(buf, len, "%s", (const char *)at(r, f));
		return;
	}
	if (f->type == ORC_FT_BOOL) {
		snprintf(buf, len, "%s", *(const bool *)at(r, f) ? "yes" : "");
		return;
	}
	double v = orc_field_number(f, r);
	switch (f->unit) {
	case ORC_UNIT_SHARE:
	case ORC_UNIT_HOST_SHARE: snprintf(buf, len, "%.1f", 100 * v); break;
	case ORC_UNIT_BYTES: snprintf(buf, len, "%.1f", v / 1048576.0); break;
	case ORC_UNIT_SPANS_PER_S: snprintf(buf, len, "%.1f", v); break;
	case ORC_UNIT_SECONDS: snprintf(buf, len, "%.3g", v); break;
	default: snprintf(buf, len, "%.0f", v);
	}
}

void orc_result_fields_markdown(FILE *out)
{
	static const char *const per[] = {"run", "sample", "bucket", "up event", "resend"};
	static const char *const agg[] = {
		[ORC_AGG_RUN] = "the run's", [ORC_AGG_TOTAL] = "total", [ORC_AGG_SUM] = "sum",
		[ORC_AGG_MAX] = "max", [ORC_AGG_ANY] = "any", [ORC_AGG_ALL] = "all",
		[ORC_AGG_FIRST] = "first",
	};
	fputs("| field | per | unit | several clients | meaning |\n"
	      "| --- | --- | --- | --- | --- |\n", out);
	for (size_t i = 0; i < NFIELDS; i++)
		fprintf(out, "| `%s`%s | %s | %s | %s | %s |\n", fields[i].name,
			fields[i].assertable ? "" : " (not in assertions)", per[fields[i].per],
			orc_unit_name(fields[i].unit), agg[fields[i].agg], fields[i].doc);
}

void orc_result_free(orc_result *r)
{
	for (size_t i = 0; i < r->nper_client; i++)
		orc_result_free(&r->per_client[i]);
	free(r->per_client);
	r->per_client = NULL;
	r->nper_client = 0;
	for (size_t i = 0; i < NFIELDS; i++) {
		if (fields[i].type != ORC_FT_LIST)
			continue;
		orc_list *l = at_mut(r, &fields[i]);
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
}

/* ---- a run's figures from its clients' ---- */

/* list_sum adds the clients' lists element by element into *out. */
static int list_sum(const orc_field *f, const orc_result *clients, size_t n, orc_list *out)
{
	size_t len = 0;
	for (size_t k = 0; k < n; k++) {
		const orc_list *l = at(&clients[k], f);
		len = l->n > len ? l->n : len;
	}
	free(out->v);
	*out = (orc_list){calloc(len ? len : 1, sizeof(double)), 0};
	if (out->v == NULL)
		return TB_ENOMEM;
	out->n = len;
	for (size_t k = 0; k < n; k++) {
		const orc_list *l = at(&clients[k], f);
		for (size_t i = 0; i < l->n; i++)
			out->v[i] += l->v[i];
	}
	return TB_OK;
}

/* first_set is the first client whose f is not zero or empty, else the first. */
static const orc_result *first_set(const orc_field *f, const orc_result *clients, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const orc_result *c = &clients[k];
		if (str_size(f->type) > 0 ? ((const char *)at(c, f))[0] != '\0'
					   : orc_field_number(f, c) != 0)
			return c;
	}
	return &clients[0];
}

/* number_of stores v into a numeric field. */
static void number_of(const orc_field *f, orc_result *r, double v, bool has)
{
	void *p = at_mut(r, f);
	switch (f->type) {
	case ORC_FT_BOOL: *(bool *)p = v != 0; break;
	case ORC_FT_INT: *(int *)p = (int)v; break;
	case ORC_FT_U64: *(uint64_t *)p = (uint64_t)v; break;
	case ORC_FT_F64: *(double *)p = v; break;
	case ORC_FT_OPTU64: *(orc_optu64 *)p = (orc_optu64){has, (uint64_t)v}; break;
	default: break;
	}
}

/* aggregate_number reduces the clients' numbers by f's agg. Counts are summed in
 * doubles: exact below 2^53 spans. */
static void aggregate_number(const orc_field *f, orc_result *r, const orc_result *clients,
			     size_t n)
{
	double v = f->agg == ORC_AGG_ALL ? 1 : 0;
	bool has = false;
	for (size_t k = 0; k < n; k++) {
		double x = orc_field_number(f, &clients[k]);
		if (f->type == ORC_FT_OPTU64)
			has |= ((const orc_optu64 *)at(&clients[k], f))->has;
		switch (f->agg) {
		case ORC_AGG_SUM: v += x; break;
		case ORC_AGG_MAX: v = k == 0 || x > v ? x : v; break;
		case ORC_AGG_ANY: v = v != 0 || x != 0; break;
		case ORC_AGG_ALL: v = v != 0 && x != 0; break;
		default: break;
		}
	}
	number_of(f, r, v, has);
}

int orc_result_aggregate(orc_result *r, const orc_result *clients, size_t n)
{
	if (n == 0)
		return TB_OK;
	for (size_t i = 0; i < NFIELDS; i++) {
		const orc_field *f = &fields[i];
		if (f->agg == ORC_AGG_RUN || f->agg == ORC_AGG_TOTAL || f->type == ORC_FT_EVENTS)
			continue;
		if (f->type == ORC_FT_LIST) {
			if (list_sum(f, clients, n, at_mut(r, f)) != TB_OK)
				return TB_ENOMEM;
		} else if (f->agg == ORC_AGG_FIRST) {
			const orc_result *c = first_set(f, clients, n);
			size_t sz = str_size(f->type);
			if (sz > 0)
				memcpy(at_mut(r, f), at(c, f), sz);
			else
				number_of(f, r, orc_field_number(f, c), true);
		} else {
			aggregate_number(f, r, clients, n);
		}
	}
	return TB_OK;
}

/* print_events writes the timed events as applied and, after each up, how long until
 * the first acknowledged report and until the backlog drained. */
static void print_events(const orc_result *r, FILE *out)
{
	if (r->events.n == 0)
		return;
	fprintf(out, "  events:");
	for (size_t i = 0; i < r->events.n; i++)
		fprintf(out, "%s %s at %.1f s", i ? "," : "", r->events.v[i].what, r->events.v[i].at_s);
	fprintf(out, "\n");
	for (size_t i = 0; i < r->recovery_first_ack.n; i++) {
		double ack = r->recovery_first_ack.v[i];
		double drained = i < r->recovery_drained.n ? r->recovery_drained.v[i] : -1;
		fprintf(out, "  after up %zu: ", i + 1);
		if (ack < 0)
			fprintf(out, "no report was acknowledged");
		else
			fprintf(out, "first acknowledged report after %.2f s", ack);
		if (drained < 0)
			fprintf(out, ", the backlog did not drain\n");
		else
			fprintf(out, ", backlog drained after %.2f s\n", drained);
	}
}

void orc_result_print(const orc_result *r, FILE *out)
{
	double pct_dropped = r->spans_sent ? 100.0 * (double)r->dropped_spans / (double)r->spans_sent : 0;
	fprintf(out, "Result: %.1f spans/s, %.1f%% CPU, %.2f%% dropped out of %llu sent, "
		     "took %.2f s\n",
		r->sps_achieved, 100.0 * r->cpu_usage, pct_dropped,
		(unsigned long long)r->spans_sent, r->clock_time);
	fprintf(out, "  client %s, %s, %.0f spans/s asked for %.1f s, satellites %s\n", r->client,
		r->trace ? "traced" : "untraced (NoOp)", r->sps_asked, r->runtime_s, r->satellite_mode);
	fprintf(out, "  received %llu spans in %llu reports (%llu bytes), %llu duplicates, "
		     "%llu rejected reports\n",
		(unsigned long long)r->spans_received, (unsigned long long)r->reports,
		(unsigned long long)r->bytes_received, (unsigned long long)r->duplicates,
		(unsigned long long)r->rejected);
	if (r->metrics_reports > 0)
		fprintf(out, "  and %llu runtime-metrics reports (/metrics)\n",
			(unsigned long long)r->metrics_reports);
	fprintf(out, "  client CPU %.3f s by its own count, %.3f s starting up; peak RSS %.1f MiB; "
		     "%zu samples at %.0f ms\n",
		r->program_time, r->startup_cpu, (double)r->peak_rss_bytes / 1048576.0,
		r->memory_list.n, r->period_s * 1e3);
	fprintf(out, "  host CPU %.1f%%; other work on the client's host %.2f cores, steal %.2f "
		     "cores\n",
		100.0 * r->host_cpu, r->host_other_cpu, r->steal);
	fprintf(out, "  busiest satellite %.1f%% of a core", 100.0 * r->satellite_cpu);
	if (r->satellite_cpu_limit > 0)
		fprintf(out, " (its cgroup allows %.2f cores; throttled %llu times)",
			r->satellite_cpu_limit, (unsigned long long)r->satellite_throttled);
	fprintf(out, "; largest satellite RSS %.1f MiB\n",
		(double)r->satellite_rss_bytes / 1048576.0);
	if (r->harness_bound)
		fprintf(out, "  this result may measure the harness, not the tracer: %s\n",
			r->harness_note);
	print_events(r, out);
	if (r->trace) {
		char line[384];
		orc_account_line(r, line, sizeof(line));
		fprintf(out, "  %s\n", line);
		fprintf(out, "  copies: %llu resent, %llu after acknowledgment; %llu refused, %llu "
			     "unacknowledged\n",
			(unsigned long long)r->resent, (unsigned long long)r->dup_after_ack,
			(unsigned long long)r->refused_spans, (unsigned long long)r->unacked);
	}
	if (r->resend_delays.n > 0) {
		double lo = r->resend_delays.v[0], hi = lo, sum = 0;
		for (size_t i = 0; i < r->resend_delays.n; i++) {
			double d = r->resend_delays.v[i];
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
			sum += d;
		}
		fprintf(out, "  %zu resends timed: %.3f s to %.3f s after the refusal, mean %.3f s\n",
			r->resend_delays.n, lo, hi, sum / (double)r->resend_delays.n);
	}
	if (r->tracer[0] != '\0')
		fprintf(out, "  tracer: %s\n", r->tracer);
	if (r->dup_unchecked > 0)
		fprintf(out, "  %llu spans were not checked for duplicates: the satellites' "
			     "duplicate sets were full (satellite --dup-slots)\n",
			(unsigned long long)r->dup_unchecked);
	if (r->client_dropped.has || r->client_buffered.has)
		fprintf(out, "  the tracer says: %llu dropped, %llu still buffered at exit\n",
			(unsigned long long)r->client_dropped.v,
			(unsigned long long)r->client_buffered.v);
	if (r->timed_out)
		fprintf(out, "  TIMED OUT: the client was killed after %.1f s\n", r->elapsed_s);
	if (r->failed)
		fprintf(out, "  FAILED: %s\n", r->failure);
}

/* ---- JSON ---- */

static cJSON *list_json(const orc_list *l)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a != NULL && i < l->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(l->v[i]));
	return a;
}

static cJSON *events_json(const orc_events *evs)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a != NULL && i < evs->n; i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "at", evs->v[i].at_s);
		cJSON_AddStringToObject(e, "event", evs->v[i].what);
		cJSON_AddItemToArray(a, e);
	}
	return a;
}

/* field_json is one field's JSON value, or NULL when the field is left out (an untold
 * count). */
static cJSON *field_json(const orc_field *f, const orc_result *r)
{
	const void *p = at(r, f);
	if (str_size(f->type) > 0)
		return cJSON_CreateString(p);
	switch (f->type) {
	case ORC_FT_BOOL: return cJSON_CreateBool(*(const bool *)p);
	case ORC_FT_OPTU64:
		return ((const orc_optu64 *)p)->has ? cJSON_CreateNumber(orc_field_number(f, r))
						    : NULL;
	case ORC_FT_LIST: return list_json(p);
	case ORC_FT_EVENTS: return events_json(p);
	default: return cJSON_CreateNumber(orc_field_number(f, r));
	}
}

/* result_object is r as a JSON object: every field, or a client's own only. */
static cJSON *result_object(const orc_result *r, bool client_only)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; o != NULL && i < NFIELDS; i++) {
		if (client_only && fields[i].agg == ORC_AGG_RUN)
			continue;
		cJSON *v = field_json(&fields[i], r);
		if (v != NULL)
			cJSON_AddItemToObject(o, fields[i].name, v);
	}
	if (o == NULL || r->nper_client == 0)
		return o;
	cJSON *a = cJSON_AddArrayToObject(o, "per_client");
	for (size_t k = 0; a != NULL && k < r->nper_client; k++)
		cJSON_AddItemToArray(a, result_object(&r->per_client[k], true));
	return o;
}

char *orc_result_to_json(const orc_result *r)
{
	cJSON *o = result_object(r, false);
	if (o == NULL)
		return NULL;
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* list_from copies a JSON array of numbers; anything else in it reads as 0. */
static int list_from(const cJSON *a, orc_list *l)
{
	l->n = cJSON_IsArray(a) ? (size_t)cJSON_GetArraySize(a) : 0;
	l->v = calloc(l->n ? l->n : 1, sizeof(double));
	if (l->v == NULL) {
		l->n = 0;
		return TB_ENOMEM;
	}
	size_t i = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, a) l->v[i++] = cJSON_IsNumber(e) ? e->valuedouble : 0;
	return TB_OK;
}

static void events_from(const cJSON *a, orc_events *evs)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, a) {
		if (evs->n == ORC_RESULT_MAX_EVENTS)
			break;
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "at");
		const char *what = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "event"));
		evs->v[evs->n].at_s = cJSON_IsNumber(t) ? t->valuedouble : 0;
		snprintf(evs->v[evs->n].what, sizeof(evs->v[0].what), "%s", what ? what : "");
		evs->n++;
	}
}

/* number_into stores a JSON number into a numeric field; values out of the member's
 * range become 0 rather than undefined behaviour. */
static void number_into(const orc_field *f, void *p, double d)
{
	switch (f->type) {
	case ORC_FT_INT: *(int *)p = d >= -2147483648.0 && d <= 2147483647.0 ? (int)d : 0; break;
	case ORC_FT_U64: *(uint64_t *)p = d >= 0 && d < 18446744073709551616.0 ? (uint64_t)d : 0; break;
	case ORC_FT_F64: *(double *)p = d; break;
	case ORC_FT_OPTU64:
		((orc_optu64 *)p)->has = true;
		((orc_optu64 *)p)->v = d >= 0 && d < 18446744073709551616.0 ? (uint64_t)d : 0;
		break;
	default: break;
	}
}

/* per_client_from reads the clients' results of a run. */
static int per_client_from(const cJSON *a, orc_result *r)
{
	size_t n = cJSON_IsArray(a) ? (size_t)cJSON_GetArraySize(a) : 0;
	if (n == 0)
		return TB_OK;
	if ((r->per_client = calloc(n, sizeof(*r->per_client))) == NULL)
		return TB_ENOMEM;
	const cJSON *e;
	cJSON_ArrayForEach(e, a) {
		if (!cJSON_IsObject(e))
			continue;
		if (orc_result_from_json(e, &r->per_client[r->nper_client]) != TB_OK)
			return TB_ENOMEM;
		r->nper_client++;
	}
	return TB_OK;
}

/* value_of finds field f in a Result's JSON object, by its name or, in results written
 * before it had that name, by its old one. */
static const cJSON *value_of(const cJSON *o, const orc_field *f)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, f->name);
	for (const cJSON *k = o != NULL ? o->child : NULL; v == NULL && k != NULL; k = k->next)
		if (k->string != NULL &&
		    orc_result_field_renamed(k->string, strlen(k->string), ORC_OLD_IN_JSONL) == f)
			v = k;
	return v;
}

int orc_result_from_json(const cJSON *o, orc_result *r)
{
	memset(r, 0, sizeof(*r));
	if (per_client_from(cJSON_GetObjectItemCaseSensitive(o, "per_client"), r) != TB_OK) {
		orc_result_free(r);
		return TB_ENOMEM;
	}
	for (size_t i = 0; i < NFIELDS; i++) {
		const orc_field *f = &fields[i];
		const cJSON *v = value_of(o, f);
		void *p = at_mut(r, f);
		size_t sz = str_size(f->type);
		if (sz > 0) {
			snprintf(p, sz, "%s", cJSON_IsString(v) ? v->valuestring : "");
		} else if (f->type == ORC_FT_BOOL) {
			*(bool *)p = cJSON_IsTrue(v);
		} else if (f->type == ORC_FT_LIST) {
			if (list_from(v, p) != TB_OK) {
				orc_result_free(r);
				return TB_ENOMEM;
			}
		} else if (f->type == ORC_FT_EVENTS) {
			events_from(v, p);
		} else if (cJSON_IsNumber(v)) {
			number_into(f, p, v->valuedouble);
		}
	}
	return TB_OK;
}
