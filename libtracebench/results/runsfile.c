/* SPDX-License-Identifier: MIT */
/* runsfile.c - runs.jsonl written a line at a time, and read back into Results. */
#include "libtracebench/results/runsfile.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define MAX_LINE (64u << 20)

int orc_runsfile_append(FILE *f, const orc_result *r)
{
	char *json = orc_result_to_json(r);
	cJSON *name = cJSON_CreateString(r->plan_run);
	char *quoted = name ? cJSON_PrintUnformatted(name) : NULL;
	int rc = TB_ENOMEM;
	if (json != NULL && quoted != NULL)
		rc = fprintf(f, "{\"plan_run\":%s,\"result\":%s}\n", quoted, json) > 0 &&
			     fflush(f) == 0 ? TB_OK : TB_ESYS;
	cJSON_free(quoted);
	cJSON_Delete(name);
	free(json);
	return rc;
}

static int take_row(const cJSON *line, orc_result *r)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(line, "result");
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(line, "plan_run"));
	if (!cJSON_IsObject(o) || name == NULL)
		return TB_EPROTO;
	int rc = orc_result_from_json(o, r);
	snprintf(r->plan_run, sizeof(r->plan_run), "%s", name);
	return rc;
}

int orc_runsfile_load(const char *path, orc_result **rows, size_t *n, char *err, size_t errlen)
{
	*rows = NULL;
	*n = 0;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return TB_ENOENT;
	}
	char *line = NULL;
	size_t cap = 0, have = 0;
	ssize_t len;
	int rc = TB_OK, lineno = 0;
	orc_result *v = NULL;
	while (rc == TB_OK && (len = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		cJSON *o = (size_t)len <= MAX_LINE ? cJSON_ParseWithLength(line, (size_t)len) : NULL;
		orc_result *grown = realloc(v, (have + 1) * sizeof(*v));
		if (grown == NULL) {
			cJSON_Delete(o);
			rc = TB_ENOMEM;
			break;
		}
		v = grown;
		memset(&v[have], 0, sizeof(v[0]));
		rc = o != NULL ? take_row(o, &v[have]) : TB_EPROTO;
		have++;
		cJSON_Delete(o);
		if (rc == TB_EPROTO)
			snprintf(err, errlen, "%s:%d: not a run (expected {\"plan_run\":...,"
					      "\"result\":{...}})", path, lineno);
	}
	free(line);
	fclose(f);
	if (rc == TB_ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	if (rc != TB_OK) {
		orc_runsfile_free(v, have);
		return rc;
	}
	*rows = v;
	*n = have;
	return TB_OK;
}

int orc_runsfile_load_dir(const char *dir, orc_result **rows, size_t *n, char *err,
			  size_t errlen)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/runs.jsonl", dir);
	return orc_runsfile_load(path, rows, n, err, errlen);
}

void orc_runsfile_free(orc_result *rows, size_t n)
{
	for (size_t i = 0; rows != NULL && i < n; i++)
		orc_result_free(&rows[i]);
	free(rows);
}

int orc_verdicts_load(const char *dir, orc_verdict **vp, size_t *np)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/assertions.jsonl", dir);
	*vp = NULL;
	*np = 0;
	FILE *in = fopen(path, "r");
	if (in == NULL)
		return TB_OK;
	char *line = NULL;
	size_t cap = 0, n = 0;
	orc_verdict *v = NULL;
	int rc = TB_OK;
	while (rc == TB_OK && getline(&line, &cap, in) > 0) {
		cJSON *o = cJSON_Parse(line);
		const char *verdict = cJSON_GetStringValue(cJSON_GetObjectItem(o, "verdict"));
		const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(o, "text"));
		const char *values = cJSON_GetStringValue(cJSON_GetObjectItem(o, "values"));
		const cJSON *ln = cJSON_GetObjectItem(o, "line");
		orc_verdict *grown = verdict && text ? realloc(v, (n + 1) * sizeof(*v)) : v;
		if (grown == NULL) {
			rc = TB_ENOMEM;
		} else if (verdict != NULL && text != NULL) {
			v = grown;
			snprintf(v[n].verdict, sizeof(v[n].verdict), "%s", verdict);
			snprintf(v[n].text, sizeof(v[n].text), "%s", text);
			snprintf(v[n].values, sizeof(v[n].values), "%s", values ? values : "");
			v[n].line = cJSON_IsNumber(ln) ? ln->valueint : 0;
			n++;
		}
		cJSON_Delete(o);
	}
	free(line);
	fclose(in);
	if (rc != TB_OK) {
		free(v);
		return rc;
	}
	*vp = v;
	*np = n;
	return TB_OK;
}
