/* rundata.c - runs.jsonl, one JSON object per line, back into plain structs. */
#include "orchestrator/rundata.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define MAX_LINE (64u << 20)

static double num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void str(const cJSON *o, const char *name, char *out, size_t len)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
	snprintf(out, len, "%s", s ? s : "");
}

/* list copies a JSON array of numbers; anything else in it reads as 0. */
static double *list(const cJSON *o, const char *name, size_t *n)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, name);
	*n = cJSON_IsArray(a) ? (size_t)cJSON_GetArraySize(a) : 0;
	double *v = calloc(*n ? *n : 1, sizeof(double));
	if (v == NULL) {
		*n = 0;
		return NULL;
	}
	size_t i = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, a) v[i++] = cJSON_IsNumber(e) ? e->valuedouble : 0;
	return v;
}

static int take_row(const cJSON *line, orc_rundata *d)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(line, "result");
	if (!cJSON_IsObject(r) || !cJSON_IsString(cJSON_GetObjectItem(line, "plan_run")))
		return TB_EPROTO;
	str(line, "plan_run", d->plan_run, sizeof(d->plan_run));
	str(r, "client", d->client, sizeof(d->client));
	str(r, "tracer", d->tracer, sizeof(d->tracer));
	str(r, "satellites", d->satellites, sizeof(d->satellites));
	str(r, "failure", d->failure, sizeof(d->failure));
	d->trace = cJSON_IsTrue(cJSON_GetObjectItem(r, "trace"));
	d->failed = cJSON_IsTrue(cJSON_GetObjectItem(r, "failed"));
	d->timed_out = cJSON_IsTrue(cJSON_GetObjectItem(r, "timed_out"));
	d->sps = num(r, "sps");
	d->runtime_s = num(r, "runtime");
	d->spans_per_second = num(r, "spans_per_second");
	d->cpu_usage = num(r, "cpu_usage");
	d->host_cpu = num(r, "host_cpu");
	d->sent = num(r, "spans_sent");
	d->received = num(r, "spans_received");
	d->dropped = num(r, "dropped_spans");
	d->duplicates = num(r, "duplicates");
	d->rejected = num(r, "rejected_reports");
	d->client_dropped = num(r, "client_dropped");
	d->peak_rss = num(r, "peak_rss_bytes");
	d->period_s = num(r, "sample_period");
	d->bucket_s = num(r, "received_bucket");
	size_t ncpu;
	d->memory = list(r, "memory_list", &d->nsamples);
	d->cpu = list(r, "cpu_list", &ncpu);
	d->received_per_bucket = list(r, "received_list", &d->nbuckets);
	if (d->memory == NULL || d->cpu == NULL || d->received_per_bucket == NULL)
		return TB_ENOMEM;
	if (ncpu < d->nsamples)
		d->nsamples = ncpu;
	const cJSON *e, *evs = cJSON_GetObjectItemCaseSensitive(r, "events");
	cJSON_ArrayForEach(e, evs) {
		if (d->nevents == ORC_RUNDATA_MAX_EVENTS)
			break;
		d->events[d->nevents].at_s = num(e, "at");
		str(e, "event", d->events[d->nevents].what, sizeof(d->events[0].what));
		d->nevents++;
	}
	return TB_OK;
}

int orc_rundata_load(const char *path, orc_rundata **rows, size_t *n, char *err,
		     size_t errlen)
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
	orc_rundata *v = NULL;
	while (rc == TB_OK && (len = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		cJSON *o = (size_t)len <= MAX_LINE ? cJSON_ParseWithLength(line, (size_t)len) : NULL;
		orc_rundata *grown = realloc(v, (have + 1) * sizeof(*v));
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
		if (rc != TB_OK)
			snprintf(err, errlen, "%s:%d: not a run (expected {\"plan_run\":...,"
					      "\"result\":{...}})", path, lineno);
	}
	free(line);
	fclose(f);
	if (rc != TB_OK) {
		orc_rundata_free(v, have);
		return rc;
	}
	*rows = v;
	*n = have;
	return TB_OK;
}

void orc_rundata_free(orc_rundata *rows, size_t n)
{
	for (size_t i = 0; rows != NULL && i < n; i++) {
		free(rows[i].memory);
		free(rows[i].cpu);
		free(rows[i].received_per_bucket);
	}
	free(rows);
}
