/* SPDX-License-Identifier: MIT */
/* command.c - the control channel's command and result, to and from JSON (cJSON). */
#include "common/command.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/units.h"

/* JSON numbers are doubles: integers above 2^53 would lose digits, so they are refused. */
#define MAX_EXACT 9007199254740992.0

void tb_command_init(tb_command *c)
{
	memset(c, 0, sizeof(*c));
	c->trace = true;
	c->sleep_interval_ns = 1000000;
	c->num_tags = 10;
	c->num_logs = 15;
	c->protocol = TB_PROTO_LIGHTSTEP;
	c->clients = 1;
	snprintf(c->access_token, sizeof(c->access_token), "%s", TB_ACCESS_TOKEN_DEFAULT);
}

#define ACCESS_PREFIX "tracebench-client-"

void tb_access_token_for(uint32_t index, char *buf, size_t len)
{
	snprintf(buf, len, ACCESS_PREFIX "%u", index);
}

bool tb_access_token_client(const char *token, uint32_t *index)
{
	size_t n = strlen(ACCESS_PREFIX);
	if (token == NULL || strncmp(token, ACCESS_PREFIX, n) != 0)
		return false;
	const char *d = token + n;
	unsigned long v = 0;
	size_t i = 0;
	/* Plain decimal only, no sign or spaces: the satellite trusts nothing it reads. */
	for (; d[i] >= '0' && d[i] <= '9' && i < 4; i++)
		v = v * 10 + (unsigned long)(d[i] - '0');
	if (i == 0 || d[i] != '\0' || v >= TB_MAX_CLIENTS || (i > 1 && d[0] == '0'))
		return false;
	*index = (uint32_t)v;
	return true;
}

const char *tb_protocol_name(tb_protocol p)
{
	return p == TB_PROTO_OTLP ? "otlp" : "lightstep";
}

int tb_protocol_parse(const char *s, tb_protocol *p)
{
	if (strcmp(s, "lightstep") == 0)
		*p = TB_PROTO_LIGHTSTEP;
	else if (strcmp(s, "otlp") == 0)
		*p = TB_PROTO_OTLP;
	else
		return TB_EINVAL;
	return TB_OK;
}

char *tb_command_to_json(const tb_command *c)
{
	cJSON *o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	cJSON_AddBoolToObject(o, "Trace", c->trace);
	cJSON_AddNumberToObject(o, "Sleep", (double)c->sleep_ns);
	cJSON_AddNumberToObject(o, "SleepInterval", (double)c->sleep_interval_ns);
	cJSON_AddNumberToObject(o, "Work", (double)c->work);
	cJSON_AddNumberToObject(o, "Repeat", (double)c->repeat);
	cJSON_AddBoolToObject(o, "NoFlush", c->no_flush);
	cJSON_AddNumberToObject(o, "NumTags", c->num_tags);
	cJSON_AddNumberToObject(o, "NumLogs", c->num_logs);
	cJSON *sats = cJSON_AddArrayToObject(o, "Satellites");
	for (size_t i = 0; sats != NULL && i < c->n_satellites; i++)
		cJSON_AddItemToArray(sats, cJSON_CreateString(c->satellites[i]));
	cJSON_AddStringToObject(o, "Protocol", tb_protocol_name(c->protocol));
	cJSON_AddNumberToObject(o, "RunId", (double)c->run_id);
	cJSON_AddNumberToObject(o, "ClientIndex", c->client_index);
	cJSON_AddNumberToObject(o, "Clients", c->clients);
	cJSON_AddStringToObject(o, "AccessToken", c->access_token);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* get_uint reads an optional non-negative integer field no larger than max. */
static bool get_uint(const cJSON *o, const char *name, double max, uint64_t *out, bool *present,
		     char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (present != NULL)
		*present = v != NULL;
	if (v == NULL)
		return true;
	double d = v->valuedouble;
	if (!cJSON_IsNumber(v) || !isfinite(d) || d < 0 || d != floor(d) || d > max) {
		snprintf(err, errlen, "%s must be a whole number from 0 to %.0f", name, max);
		return false;
	}
	*out = (uint64_t)d;
	return true;
}

static bool get_bool(const cJSON *o, const char *name, bool *out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (v == NULL)
		return true;
	if (!cJSON_IsBool(v)) {
		snprintf(err, errlen, "%s must be true or false", name);
		return false;
	}
	*out = cJSON_IsTrue(v);
	return true;
}

/* valid_hostport accepts "host:port" with a port from 1 to 65535. */
static bool valid_hostport(const char *s)
{
	const char *colon = strrchr(s, ':');
	if (colon == NULL || colon == s || strlen(s) >= 64)
		return false;
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	return *end == '\0' && end != colon + 1 && errno == 0 && port >= 1 && port <= 65535;
}

int tb_command_from_json(const char *text, size_t len, tb_command *c, char *err,
			 size_t errlen)
{
	tb_command_init(c);
	cJSON *o = cJSON_ParseWithLength(text, len);
	int rc = TB_EPROTO;
	if (o == NULL || !cJSON_IsObject(o)) {
		snprintf(err, errlen, "the command is not a JSON object");
		goto out;
	}
	uint64_t v;
	bool has_repeat;
	if (!get_bool(o, "Trace", &c->trace, err, errlen) ||
	    !get_uint(o, "Sleep", MAX_EXACT, &c->sleep_ns, NULL, err, errlen) ||
	    !get_uint(o, "SleepInterval", MAX_EXACT, &c->sleep_interval_ns, NULL, err, errlen) ||
	    !get_uint(o, "Work", MAX_EXACT, &c->work, NULL, err, errlen) ||
	    !get_uint(o, "Repeat", MAX_EXACT, &c->repeat, &has_repeat, err, errlen) ||
	    !get_bool(o, "NoFlush", &c->no_flush, err, errlen) ||
	    !get_uint(o, "RunId", MAX_EXACT, &c->run_id, NULL, err, errlen))
		goto out;
	if (!has_repeat) {
		snprintf(err, errlen, "Repeat is missing");
		goto out;
	}
	v = c->num_tags;
	if (!get_uint(o, "NumTags", 1000, &v, NULL, err, errlen))
		goto out;
	c->num_tags = (uint32_t)v;
	v = c->num_logs;
	if (!get_uint(o, "NumLogs", 1000, &v, NULL, err, errlen))
		goto out;
	c->num_logs = (uint32_t)v;
	v = c->clients;
	if (!get_uint(o, "Clients", TB_MAX_CLIENTS, &v, NULL, err, errlen))
		goto out;
	c->clients = (uint32_t)v;
	v = c->client_index;
	if (!get_uint(o, "ClientIndex", TB_MAX_CLIENTS - 1, &v, NULL, err, errlen))
		goto out;
	c->client_index = (uint32_t)v;
	if (c->clients == 0 || c->client_index >= c->clients) {
		snprintf(err, errlen, "ClientIndex must be below Clients (%u)", c->clients);
		goto out;
	}
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(o, "AccessToken");
	if (at != NULL && (!cJSON_IsString(at) || strlen(at->valuestring) == 0 ||
			   strlen(at->valuestring) >= sizeof(c->access_token) ||
			   strspn(at->valuestring, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						   "0123456789-_.") != strlen(at->valuestring))) {
		snprintf(err, errlen, "AccessToken must be 1 to %zu letters, digits or -_.",
			 sizeof(c->access_token) - 1);
		goto out;
	}
	if (at != NULL)
		snprintf(c->access_token, sizeof(c->access_token), "%s", at->valuestring);
	if (c->sleep_ns > 0 && c->sleep_interval_ns == 0) {
		snprintf(err, errlen, "SleepInterval must be above 0 when Sleep is");
		goto out;
	}
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "Protocol");
	if (p != NULL && (!cJSON_IsString(p) || tb_protocol_parse(p->valuestring, &c->protocol) != TB_OK)) {
		snprintf(err, errlen, "Protocol must be \"lightstep\" or \"otlp\"");
		goto out;
	}
	const cJSON *sats = cJSON_GetObjectItemCaseSensitive(o, "Satellites");
	if (sats != NULL) {
		if (!cJSON_IsArray(sats) || cJSON_GetArraySize(sats) > TB_CMD_MAX_SATELLITES) {
			snprintf(err, errlen, "Satellites must be a list of at most %d \"host:port\"",
				 TB_CMD_MAX_SATELLITES);
			goto out;
		}
		const cJSON *s;
		cJSON_ArrayForEach(s, sats) {
			if (!cJSON_IsString(s) || !valid_hostport(s->valuestring)) {
				snprintf(err, errlen, "Satellites[%zu] is not \"host:port\"",
					 c->n_satellites);
				goto out;
			}
			snprintf(c->satellites[c->n_satellites++], sizeof(c->satellites[0]), "%s",
				 s->valuestring);
		}
	}
	rc = TB_OK;
out:
	cJSON_Delete(o);
	return rc;
}

char *tb_client_result_to_json(const tb_client_result *r)
{
	cJSON *o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "SpansSent", (double)r->spans_sent);
	cJSON_AddNumberToObject(o, "ProgramTime", r->program_time);
	cJSON_AddNumberToObject(o, "ClockTime", r->clock_time);
	if (r->has_dropped)
		cJSON_AddNumberToObject(o, "SpansDropped", (double)r->spans_dropped);
	if (r->has_buffered)
		cJSON_AddNumberToObject(o, "SpansBuffered", (double)r->spans_buffered);
	if (r->has_resent)
		cJSON_AddNumberToObject(o, "SpansResent", (double)r->spans_resent);
	if (r->tracer[0] != '\0')
		cJSON_AddStringToObject(o, "Tracer", r->tracer);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static bool get_seconds(const cJSON *o, const char *name, double *out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (v == NULL || !cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0) {
		snprintf(err, errlen, "%s must be a number of seconds, 0 or more", name);
		return false;
	}
	*out = v->valuedouble;
	return true;
}

/* get_tracer takes the optional Tracer text: it ends up in reports and HTML, so only
 * printable ASCII is accepted. */
static bool get_tracer(const cJSON *o, char *out, size_t outlen, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "Tracer");
	if (v == NULL)
		return true;
	const char *s = cJSON_GetStringValue(v);
	size_t n = s != NULL ? strlen(s) : 0;
	bool ok = s != NULL && n < outlen;
	for (size_t i = 0; ok && i < n; i++)
		ok = s[i] >= 0x20 && s[i] < 0x7f;
	if (!ok) {
		snprintf(err, errlen, "Tracer must be printable text under %zu bytes", outlen);
		return false;
	}
	memcpy(out, s, n + 1);
	return true;
}

int tb_client_result_from_json(const char *text, size_t len, tb_client_result *r, char *err,
			size_t errlen)
{
	memset(r, 0, sizeof(*r));
	cJSON *o = cJSON_ParseWithLength(text, len);
	int rc = TB_EPROTO;
	bool has_sent;
	if (o == NULL || !cJSON_IsObject(o)) {
		snprintf(err, errlen, "the result is not a JSON object");
		goto out;
	}
	if (!get_uint(o, "SpansSent", MAX_EXACT, &r->spans_sent, &has_sent, err, errlen))
		goto out;
	if (!has_sent) {
		snprintf(err, errlen, "SpansSent is missing");
		goto out;
	}
	if (!get_seconds(o, "ProgramTime", &r->program_time, err, errlen) ||
	    !get_seconds(o, "ClockTime", &r->clock_time, err, errlen) ||
	    !get_uint(o, "SpansDropped", MAX_EXACT, &r->spans_dropped, &r->has_dropped, err,
		      errlen) ||
	    !get_uint(o, "SpansBuffered", MAX_EXACT, &r->spans_buffered, &r->has_buffered, err,
		      errlen) ||
	    !get_uint(o, "SpansResent", MAX_EXACT, &r->spans_resent, &r->has_resent, err,
		      errlen) ||
	    !get_tracer(o, r->tracer, sizeof(r->tracer), err, errlen))
		goto out;
	rc = TB_OK;
out:
	cJSON_Delete(o);
	return rc;
}

int tb_client_result_from_pairs(size_t n, const char *const names[], const char *const values[],
			 tb_client_result *r, char *err, size_t errlen)
{
	/* Build the JSON object the values stand for, so both forms share one set of rules:
	 * a value must read entirely as a number. */
	cJSON *o = cJSON_CreateObject();
	if (o == NULL)
		return TB_ENOMEM;
	static const char *const known[] = {"SpansSent", "ProgramTime", "ClockTime",
					    "SpansDropped", "SpansBuffered", "SpansResent",
					    "Tracer"};
	for (size_t i = 0; i < n; i++) {
		bool ok = false;
		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			ok |= strcmp(names[i], known[k]) == 0;
		if (!ok) {
			snprintf(err, errlen, "unknown result field '%.40s'", names[i]);
			cJSON_Delete(o);
			return TB_EPROTO;
		}
		const char *val = values[i] != NULL ? values[i] : "";
		if (strcmp(names[i], "Tracer") == 0) {
			cJSON_AddStringToObject(o, names[i], val);
			continue;
		}
		char *end;
		errno = 0;
		double d = strtod(val, &end);
		if (end == val || *end != '\0' || errno != 0) {
			snprintf(err, errlen, "%s='%.40s' is not a number", names[i], val);
			cJSON_Delete(o);
			return TB_EPROTO;
		}
		cJSON_AddNumberToObject(o, names[i], d);
	}
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text == NULL)
		return TB_ENOMEM;
	int rc = tb_client_result_from_json(text, strlen(text), r, err, errlen);
	cJSON_free(text);
	return rc;
}

const char *const tb_argv_flag_names[TB_ARGV_FLAGS] = {
	"trace", "sleep", "sleep_interval", "work", "repeat", "no_flush", "num_tags", "num_logs",
};

void tb_argv_flag_options(struct option *out, int first_val)
{
	for (size_t i = 0; i < TB_ARGV_FLAGS; i++)
		out[i] = (struct option){tb_argv_flag_names[i], required_argument, NULL,
					 first_val + (int)i};
}

uint64_t tb_argv_flag_get(const tb_command *c, size_t i)
{
	const uint64_t v[TB_ARGV_FLAGS] = {c->trace, c->sleep_ns, c->sleep_interval_ns, c->work,
					   c->repeat, c->no_flush, c->num_tags, c->num_logs};
	return i < TB_ARGV_FLAGS ? v[i] : 0;
}

bool tb_argv_flag_set(tb_command *c, size_t i, const char *arg)
{
	static const unsigned long max[TB_ARGV_FLAGS] = {1, ~0ul, ~0ul, ~0ul, ~0ul, 1, 1000, 1000};
	unsigned long v;
	if (i >= TB_ARGV_FLAGS || !tb_parse_uint(arg, max[i], &v))
		return false;
	switch (i) {
	case 0: c->trace = v; break;
	case 1: c->sleep_ns = v; break;
	case 2: c->sleep_interval_ns = v; break;
	case 3: c->work = v; break;
	case 4: c->repeat = v; break;
	case 5: c->no_flush = v; break;
	case 6: c->num_tags = (uint32_t)v; break;
	default: c->num_logs = (uint32_t)v; break;
	}
	return true;
}
