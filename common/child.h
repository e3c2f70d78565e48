/* SPDX-License-Identifier: MIT */
/* child.h - starting, watching and stopping child processes so that none is orphaned.
 *
 * Every child runs in its own process group (so a stop reaches its descendants too) and
 * gets PR_SET_PDEATHSIG, so it is killed if its parent dies without cleaning up. Note
 * that Linux ties PDEATHSIG to the parent *thread* that forked: spawn from a thread that
 * lives as long as the child should. Exit is watched through a pidfd, so waiting costs
 * nothing while the child runs; the exit status and rusage come from wait4().
 *
 * Teardown order: tb_child_stop (or tb_child_wait until exited) -> tb_child_fini. */
#ifndef TB_CHILD_H
#define TB_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

typedef struct tb_child {
	pid_t pid;		/* also the process group id */
	int pidfd;		/* readable once the child has exited; -1 after fini */
	int hold_fd;		/* write end of the "go" pipe while held, else -1 */
	bool exited;		/* reaped: status and rusage are valid */
	int status;		/* wait4 status */
	struct rusage rusage;	/* the child's (and its waited-for descendants') usage */
	uint64_t own_cpu_ns;	/* the child's own CPU time, read before it was reaped:
				 * all its threads, none of its descendants */
	bool has_own_cpu;	/* own_cpu_ns could be read */
	uint64_t start_ns;	/* CLOCK_MONOTONIC at spawn */
	uint64_t end_ns;	/* CLOCK_MONOTONIC at reap */
} tb_child;

typedef struct tb_child_opts {
	const char *stdout_path;	/* NULL: inherit; else truncated and written */
	const char *stderr_path;	/* NULL: inherit; may equal stdout_path */
	const char *cwd;		/* NULL: inherit */
	char *const *extra_env;		/* NULL-terminated KEY=VALUE list added to ours */
	bool hold;			/* stop before exec until tb_child_release() */
} tb_child_opts;

/* tb_child_spawn starts argv[0] (searched in PATH) with argv. On success c is filled and
 * TB_OK returned. If the exec itself fails (no such file, not executable) that is
 * reported here, synchronously, as TB_ENOENT or TB_ESYS with a reason in err naming the
 * program; no zombie is left. opts may be NULL. */
int tb_child_spawn(tb_child *c, char *const argv[], const tb_child_opts *opts, char *err,
		   size_t errlen);

/* tb_child_release lets a child spawned with hold go on to exec. With hold, a sampler can
 * start watching the pid before the program's first instruction. Returns TB_OK, or
 * TB_ESTATE if the child was not held. Exec failures after release show as exit 127. */
int tb_child_release(tb_child *c);

/* tb_child_wait waits up to timeout_ms (-1: forever, 0: just check) for the child to exit.
 * Returns TB_OK once exited (status and rusage valid), TB_ETIMEDOUT if still running. */
int tb_child_wait(tb_child *c, int timeout_ms);

/* tb_child_signal sends sig to the child's whole process group. TB_OK, or TB_ENOENT when
 * the group is already gone. */
int tb_child_signal(tb_child *c, int sig);

/* tb_child_stop ends the child: SIGTERM to its group, up to grace_ms to exit, then
 * SIGKILL to the group, then reaps. Always leaves c exited. Returns TB_OK if it exited
 * within the grace period, TB_ETIMEDOUT if it had to be killed. */
int tb_child_stop(tb_child *c, int grace_ms);

/* tb_child_fini releases the pidfd. The child must have been reaped (tb_child_wait or
 * tb_child_stop); if not, it is stopped first, with no grace. */
void tb_child_fini(tb_child *c);

/* tb_child_describe writes "exited with status 0", "killed by SIGKILL", ... into buf. */
const char *tb_child_describe(const tb_child *c, char *buf, size_t len);

/* tb_children_named lists up to max live processes whose parent is ppid and whose name
 * (/proc/PID/stat's comm) is comm, and returns how many it found. */
size_t tb_children_named(pid_t ppid, const char *comm, pid_t *out, size_t max);

#endif
