/* SPDX-License-Identifier: MIT */
/* cpulimit.h - the CPU a process's cgroup lets it use, and how often it was held back.
 *
 * A collector in a container often runs under a CPU quota: at 0.1 core it is the
 * bottleneck long before it uses 80% of a core. The quota comes from the process's own
 * cgroup, v2 (cpu.max) or v1 (cpu.cfs_quota_us over cpu.cfs_period_us), and the
 * throttled periods from its cpu.stat. A quota set on an ancestor group only is not
 * seen. */
#ifndef TB_CPULIMIT_H
#define TB_CPULIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct tb_cpu_limit {
	double cores;		/* the quota in cores; 0: none */
	uint64_t periods;	/* quota periods that have passed with the group busy */
	uint64_t throttled;	/* periods the group was throttled in, since it was made */
} tb_cpu_limit;

/* tb_cpu_limit_self reads this process's cgroup. Without cgroups, or unreadable: no
 * limit and no throttling. */
void tb_cpu_limit_self(tb_cpu_limit *out);

/* tb_cpu_limit_group finds the directory of pid's CPU cgroup (0: this process), to read
 * again with tb_cpu_limit_read after the process is gone. False without one. */
bool tb_cpu_limit_group(pid_t pid, char *dir, size_t len);

/* tb_cpu_limit_read reads the quota and counts of the cgroup directory dir. Unreadable:
 * no limit and no throttling. */
void tb_cpu_limit_read(const char *dir, tb_cpu_limit *out);

#endif
