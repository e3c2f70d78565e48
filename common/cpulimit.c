/* SPDX-License-Identifier: MIT */
/* cpulimit.c - the cgroup CPU quota and throttling of a process, v2 or v1. */
#include "common/cpulimit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* group_path finds pid's cgroup path (0: this process): the v2 one ("0::/x"), or, when
 * v2 is false, the v1 hierarchy that has the cpu controller ("4:cpu,cpuacct:/x"). */
static bool group_path(pid_t pid, bool v2, char *path, size_t len)
{
	char file[64], line[512];
	if (pid > 0)
		snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	else
		snprintf(file, sizeof(file), "/proc/self/cgroup");
	FILE *f = fopen(file, "r");
	bool found = false;
	while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL)
			continue;
		*c2 = '\0';
		const char *ctrls = c1 + 1;
		if (v2) {
			found = ctrls[0] == '\0';
		} else {
			char list[256];
			snprintf(list, sizeof(list), ",%s,", ctrls);
			found = strstr(list, ",cpu,") != NULL;
		}
		if (found)
			snprintf(path, len, "%s", c2 + 1);
	}
	if (f != NULL)
		fclose(f);
	return found;
}

/* read_text reads a small file whole into buf. */
static bool read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n > 0;
}

/* stat_count finds "key N" in a cpu.stat file's text. */
static uint64_t stat_count(const char *text, const char *key)
{
	char want[32];
	snprintf(want, sizeof(want), "%s ", key);
	for (const char *at = text; (at = strstr(at, want)) != NULL; at++)
		if (at == text || at[-1] == '\n')
			return strtoull(at + strlen(want), NULL, 10);
	return 0;
}

/* quota reads the quota of a v2 (cpu.max: "max 100000" or "QUOTA PERIOD") or v1
 * (cpu.cfs_quota_us, -1 for none, over cpu.cfs_period_us) group; false if neither. */
static bool quota(const char *dir, double *cores)
{
	char path[600], text[128];
	double q = 0, period = 0;
	snprintf(path, sizeof(path), "%s/cpu.max", dir);
	if (read_text(path, text, sizeof(text))) {
		if (sscanf(text, "%lf %lf", &q, &period) != 2)
			q = 0; /* "max": no quota */
	} else {
		snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
		if (!read_text(path, text, sizeof(text)))
			return false;
		q = atof(text);
		snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
		if (read_text(path, text, sizeof(text)))
			period = atof(text);
	}
	*cores = q > 0 && period > 0 ? q / period : 0;
	return true;
}

void tb_cpu_limit_read(const char *dir, tb_cpu_limit *out)
{
	char path[600], text[1024];
	*out = (tb_cpu_limit){0};
	if (!quota(dir, &out->cores))
		return;
	snprintf(path, sizeof(path), "%s/cpu.stat", dir);
	if (read_text(path, text, sizeof(text))) {
		out->periods = stat_count(text, "nr_periods");
		out->throttled = stat_count(text, "nr_throttled");
	}
}

bool tb_cpu_limit_group(pid_t pid, char *dir, size_t len)
{
	static const char *const v1_mounts[] = {"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"};
	static const char *const v2_mounts[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	char group[400];
	double cores;
	for (int v2 = 0; v2 <= 1; v2++) {
		if (!group_path(pid, v2, group, sizeof(group)))
			continue;
		for (size_t i = 0; i < 2; i++) {
			const char *mount = v2 ? v2_mounts[i] : v1_mounts[i];
			snprintf(dir, len, "%s%s", mount, strcmp(group, "/") == 0 ? "" : group);
			if (quota(dir, &cores))
				return true;
		}
	}
	return false;
}

void tb_cpu_limit_self(tb_cpu_limit *out)
{
	char dir[512];
	*out = (tb_cpu_limit){0};
	if (tb_cpu_limit_group(0, dir, sizeof(dir)))
		tb_cpu_limit_read(dir, out);
}
