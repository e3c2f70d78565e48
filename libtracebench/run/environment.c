/* SPDX-License-Identifier: MIT */
/* environment.c - the facts of the machine a plan ran on, as environment.json. */
#include "libtracebench/run/environment.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/host.h"
#include "common/registry.h"

/* proc_value finds "key<spaces>: value" in a /proc file such as cpuinfo or meminfo. */
static void proc_value(const char *file, const char *key, char *out, size_t len)
{
	out[0] = '\0';
	FILE *f = fopen(file, "r");
	if (f == NULL)
		return;
	char line[512];
	size_t klen = strlen(key);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, klen) != 0 || strchr(" \t:", line[klen]) == NULL)
			continue;
		char *v = strchr(line, ':');
		if (v == NULL)
			continue;
		v += strspn(v + 1, " \t") + 1;
		v[strcspn(v, "\n")] = '\0';
		snprintf(out, len, "%s", v);
		break;
	}
	fclose(f);
}

/* command_line joins the client's registered argv, for the record. */
static void command_line(const char *clients_file, const char *client, char *out, size_t len)
{
	out[0] = '\0';
	tb_registry *reg;
	char err[256];
	if (tb_registry_load(&reg, clients_file, err, sizeof(err)) != TB_OK)
		return;
	const tb_client_def *d = tb_registry_find(reg, client);
	size_t used = 0;
	for (size_t i = 0; d != NULL && d->argv[i] != NULL && used < len; i++) {
		int w = snprintf(out + used, len - used, "%s%s", i ? " " : "", d->argv[i]);
		used += w > 0 ? (size_t)w : 0;
	}
	tb_registry_free(reg);
}

int orc_environment_write(const char *path, const orc_environment_in *in, char *err,
			  size_t errlen)
{
	cJSON *o = cJSON_CreateObject();
	if (o == NULL)
		return TB_ENOMEM;
	tb_host_id id;
	tb_host_identity(&id);
	struct utsname u;
	char kernel[400] = "", text[512];
	if (uname(&u) == 0)
		snprintf(kernel, sizeof(kernel), "%s %s %s", u.sysname, u.release, u.machine);
	cJSON_AddStringToObject(o, "host", id.hostname);
	cJSON_AddStringToObject(o, "kernel", kernel);
	proc_value("/proc/cpuinfo", "model name", text, sizeof(text));
	cJSON_AddStringToObject(o, "cpu_model", text);
	cJSON_AddNumberToObject(o, "cores", (double)sysconf(_SC_NPROCESSORS_ONLN));
	proc_value("/proc/meminfo", "MemTotal", text, sizeof(text));
	cJSON_AddStringToObject(o, "memory", text);
	proc_value("/etc/os-release", "PRETTY_NAME", text, sizeof(text));
	cJSON_AddStringToObject(o, "os", text);
	cJSON_AddStringToObject(o, "software", TB_SOFTWARE);
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(o, "started", text);
	cJSON_AddStringToObject(o, "plan", in->plan_path);
	cJSON_AddNumberToObject(o, "scale", in->scale);
	cJSON_AddStringToObject(o, "client", in->client);
	command_line(in->clients_file, in->client, text, sizeof(text));
	cJSON_AddStringToObject(o, "client_command", text);
	cJSON_AddNumberToObject(o, "sample_period", in->period_s);
	cJSON *cals = in->nclients > 0 ? cJSON_AddObjectToObject(o, "calibration") : NULL;
	for (size_t i = 0; cals != NULL && i < in->nclients; i++) {
		const orc_calibration *c = &in->calibrations[i];
		cJSON *cal = cJSON_AddObjectToObject(cals, in->clients[i]);
		cJSON_AddNumberToObject(cal, "target_cpu", c->target_cpu);
		cJSON_AddNumberToObject(cal, "measured_cpu", c->measured_cpu);
		cJSON_AddNumberToObject(cal, "work_per_second", c->work_per_second);
		cJSON_AddNumberToObject(cal, "sleep_per_work_ns", c->sleep_per_work_ns);
		cJSON_AddBoolToObject(cal, "settled", c->settled);
		cJSON_AddNumberToObject(cal, "checks", c->checks);
		cJSON_AddNumberToObject(cal, "fixed_cpu_s", c->fixed_cpu_s);
		cJSON_AddNumberToObject(cal, "fixed_wall_s", c->fixed_wall_s);
	}
	char *json = cJSON_Print(o);
	cJSON_Delete(o);
	FILE *f = json ? fopen(path, "w") : NULL;
	int rc = TB_OK;
	if (f == NULL || fputs(json, f) < 0 || fputc('\n', f) == EOF) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		rc = TB_ESYS;
	}
	if (f != NULL && fclose(f) != 0 && rc == TB_OK) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		rc = TB_ESYS;
	}
	cJSON_free(json);
	return rc;
}
