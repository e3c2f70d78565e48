/* SPDX-License-Identifier: MIT */
/* cpulimit.c - the cgroup CPU quota and throttling of this process, v2 or v1. */
#include "common/cpulimit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* group_path finds this process's cgroup path: the v2 one ("0::/x"), or, when v2 is
 * false, the v1 hierarchy that has the cpu controller ("4:cpu,cpuacct:/x"). */
static bool group_path(bool v2, char *path, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[512];
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

/* throttled finds nr_throttled in a cpu.stat file. */
static uint64_t throttled(const char *dir)
{
	char path[600], text[1024];
	snprintf(path, sizeof(path), "%s/cpu.stat", dir);
	const char *at = read_text(path, text, sizeof(text)) ? strstr(text, "nr_throttled ") : NULL;
	return at ? strtoull(at + strlen("nr_throttled "), NULL, 10) : 0;
}

/* from_v2 reads cpu.max ("max 100000" or "QUOTA PERIOD") under a v2 mount. */
static bool from_v2(const char *mount, const char *group, tb_cpu_limit *out)
{
	char dir[512], path[600], text[128];
	snprintf(dir, sizeof(dir), "%s%s", mount, strcmp(group, "/") == 0 ? "" : group);
	snprintf(path, sizeof(path), "%s/cpu.max", dir);
	if (!read_text(path, text, sizeof(text)))
		return false;
	double quota, period;
	if (sscanf(text, "%lf %lf", &quota, &period) == 2 && quota > 0 && period > 0)
		out->cores = quota / period;
	out->throttled = throttled(dir);
	return true;
}

/* from_v1 reads cpu.cfs_quota_us (-1: none) and cpu.cfs_period_us under a v1 mount. */
static bool from_v1(const char *mount, const char *group, tb_cpu_limit *out)
{
	char dir[512], path[600], text[64];
	snprintf(dir, sizeof(dir), "%s%s", mount, strcmp(group, "/") == 0 ? "" : group);
	snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
	if (!read_text(path, text, sizeof(text)))
		return false;
	double quota = atof(text), period = 0;
	snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
	if (read_text(path, text, sizeof(text)))
		period = atof(text);
	if (quota > 0 && period > 0)
		out->cores = quota / period;
	out->throttled = throttled(dir);
	return true;
}

void tb_cpu_limit_self(tb_cpu_limit *out)
{
	static const char *const v2_mounts[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	static const char *const v1_mounts[] = {"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"};
	char group[400];
	*out = (tb_cpu_limit){0};
	if (group_path(false, group, sizeof(group)))
		for (size_t i = 0; i < 2; i++)
			if (from_v1(v1_mounts[i], group, out))
				return;
	if (group_path(true, group, sizeof(group)))
		for (size_t i = 0; i < 2; i++)
			if (from_v2(v2_mounts[i], group, out))
				return;
}
