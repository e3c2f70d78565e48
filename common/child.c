/* SPDX-License-Identifier: MIT */
/* child.c - fork/exec with a process group, PDEATHSIG, a pidfd and exec error reporting.
 *
 * Exec errors travel back over a CLOEXEC pipe: the parent reads it until EOF; EOF with no
 * data means the exec succeeded (the pipe closed on exec). */
#include "common/child.h"
#include "common/clock.h"
#include "common/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct exec_report {
	int step; /* which set-up step failed */
	int err;  /* its errno */
};

enum { STEP_READY = 0, STEP_PDEATHSIG, STEP_STDOUT, STEP_STDERR, STEP_CHDIR, STEP_EXEC,
       STEP_INTERP };

static const char *step_name(int step)
{
	switch (step) {
	case STEP_PDEATHSIG:
		return "set parent-death signal";
	case STEP_STDOUT:
		return "open stdout file";
	case STEP_STDERR:
		return "open stderr file";
	case STEP_CHDIR:
		return "change directory";
	case STEP_INTERP:
		return "find the #! interpreter of";
	default:
		return "execute";
	}
}

/* Runs in the child between fork and exec: only async-signal-safe calls. */
static void child_report(int fd, int step)
{
	struct exec_report r = {.step = step, .err = errno};
	ssize_t n = write(fd, &r, sizeof(r));
	(void)n;
	_exit(127);
}

/* find_program puts where execvpe would find prog into out: prog itself when it has a
 * '/', else the first executable file of that name in envp's PATH. In the child, so no
 * malloc. -1 with errno set when there is none. */
static int find_program(const char *prog, char *const *envp, char *out, size_t len)
{
	const char *path = "/usr/local/bin:/usr/bin:/bin";
	size_t plen = strlen(prog);
	if (strchr(prog, '/') != NULL) {
		if (plen >= len) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(out, prog, plen + 1);
		return access(out, X_OK);
	}
	for (char *const *e = envp ? envp : environ; *e != NULL; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	for (const char *d = path; *d != '\0';) {
		size_t dlen = strcspn(d, ":");
		if (dlen > 0 && dlen + 1 + plen < len) {
			memcpy(out, d, dlen);
			out[dlen] = '/';
			memcpy(out + dlen + 1, prog, plen + 1);
			if (access(out, X_OK) == 0)
				return 0;
		}
		d += dlen + (d[dlen] == ':');
	}
	errno = ENOENT;
	return -1;
}

/* check_runnable reports, as exec would fail later, a program that cannot be found or
 * executed, or a script whose #! interpreter is missing. In the child. */
static void check_runnable(const char *prog, char *const *envp, int report_fd)
{
	char file[PATH_MAX], head[256];
	if (find_program(prog, envp, file, sizeof(file)) != 0)
		child_report(report_fd, STEP_EXEC);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		child_report(report_fd, STEP_EXEC);
	ssize_t n = read(fd, head, sizeof(head) - 1);
	close(fd);
	if (n < 2 || head[0] != '#' || head[1] != '!')
		return;
	head[n] = '\0';
	char *interp = head + 2;
	while (*interp == ' ' || *interp == '\t')
		interp++;
	interp[strcspn(interp, " \t\r\n")] = '\0';
	if (access(interp, X_OK) != 0)
		child_report(report_fd, STEP_INTERP);
}

static int redirect(const char *path, int target)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	if (dup2(fd, target) < 0)
		return -1;
	close(fd);
	return 0;
}

/* Builds environ plus extra (extra wins for the same KEY) in the parent, because the child
 * of a multithreaded process may only make async-signal-safe calls (no malloc) before
 * exec. Returns NULL with no extra (inherit environ) or on allocation failure (*oom). */
static char **merged_env(char *const *extra, bool *oom)
{
	*oom = false;
	if (extra == NULL || extra[0] == NULL)
		return NULL;
	size_t n = 0, k = 0;
	for (char **e = environ; *e; e++)
		n++;
	for (char *const *e = extra; *e; e++)
		k++;
	char **env = calloc(n + k + 1, sizeof(*env));
	if (env == NULL) {
		*oom = true;
		return NULL;
	}
	size_t m = 0;
	for (char **e = environ; *e; e++) {
		size_t keylen = strcspn(*e, "=");
		bool overridden = false;
		for (char *const *x = extra; *x && !overridden; x++)
			overridden = strncmp(*x, *e, keylen) == 0 && (*x)[keylen] == '=';
		if (!overridden)
			env[m++] = *e;
	}
	for (char *const *x = extra; *x; x++)
		env[m++] = *x;
	return env;
}

static void child_main(char *const argv[], const tb_child_opts *o, char **envp, pid_t parent,
		       int report_fd, int hold_fd)
{
	/* Undo what the parent set up for itself: default signals, empty mask. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);

	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		child_report(report_fd, STEP_PDEATHSIG);
	/* The parent may have died before prctl took effect. */
	if (getppid() != parent)
		_exit(127);

	if (o->stdout_path && redirect(o->stdout_path, STDOUT_FILENO) != 0)
		child_report(report_fd, STEP_STDOUT);
	if (o->stderr_path) {
		if (o->stdout_path && strcmp(o->stdout_path, o->stderr_path) == 0) {
			if (dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
				child_report(report_fd, STEP_STDERR);
		} else if (redirect(o->stderr_path, STDERR_FILENO) != 0) {
			child_report(report_fd, STEP_STDERR);
		}
	}
	if (o->cwd && chdir(o->cwd) != 0)
		child_report(report_fd, STEP_CHDIR);

	if (hold_fd >= 0) {
		/* A held child cannot report an exec error later (the parent stopped
		 * listening at READY), so what exec would trip on is checked now. */
		check_runnable(argv[0], envp, report_fd);
		/* Tell the parent set-up went well, then wait for its go (one byte) or
		 * its death (EOF). */
		struct exec_report ready = {.step = STEP_READY, .err = 0};
		if (write(report_fd, &ready, sizeof(ready)) != (ssize_t)sizeof(ready))
			_exit(127);
		char c;
		ssize_t n;
		while ((n = read(hold_fd, &c, 1)) < 0 && errno == EINTR)
			;
		if (n != 1)
			_exit(127);
		close(hold_fd);
	}
	execvpe(argv[0], argv, envp ? envp : environ);
	if (hold_fd >= 0)
		_exit(127); /* nobody reads the report any more: exit as a shell would */
	child_report(report_fd, STEP_EXEC);
}

/* await_report reads what the new child said about its set-up. Without hold, EOF means
 * exec succeeded; with hold, the child sends READY once its set-up is done (exec errors
 * after release show as exit 127). */
static int await_report(tb_child *c, int fd, const char *program, char *err, size_t errlen)
{
	struct exec_report r;
	ssize_t n;
	while ((n = read(fd, &r, sizeof(r))) < 0 && errno == EINTR)
		;
	close(fd);
	if (n == (ssize_t)sizeof(r) && r.step != STEP_READY) {
		tb_child_wait(c, -1);
		snprintf(err, errlen, "cannot %s %s: %s", step_name(r.step), program,
			 strerror(r.err));
		if (c->pidfd >= 0)
			close(c->pidfd);
		c->pidfd = -1;
		return r.step == STEP_EXEC && r.err == ENOENT ? TB_ENOENT : TB_ESYS;
	}
	if (c->pidfd < 0) {
		snprintf(err, errlen, "pidfd_open(%d): %s", (int)c->pid, strerror(errno));
		tb_child_stop(c, 0);
		return TB_ESYS;
	}
	return TB_OK;
}

static void close_pair(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	fds[0] = fds[1] = -1;
}

int tb_child_spawn(tb_child *c, char *const argv[], const tb_child_opts *opts, char *err,
		   size_t errlen)
{
	static const tb_child_opts defaults;
	const tb_child_opts *o = opts ? opts : &defaults;
	int report[2] = {-1, -1}, hold[2] = {-1, -1}, rc = TB_ESYS;
	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->pidfd = -1;
	c->hold_fd = -1;
	if (argv == NULL || argv[0] == NULL) {
		snprintf(err, errlen, "no program to run");
		return TB_EINVAL;
	}
	bool oom;
	char **envp = merged_env(o->extra_env, &oom);
	if (oom)
		return TB_ENOMEM;
	if (pipe2(report, O_CLOEXEC) != 0 || (o->hold && pipe2(hold, O_CLOEXEC) != 0)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork for %s: %s", argv[0], strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		close(report[0]);
		if (o->hold)
			close(hold[1]);
		child_main(argv, o, envp, parent, report[1], hold[0]);
		_exit(127);
	}
	free(envp); /* only the pointer array; the strings belong to environ and opts */
	/* Also set the group from this side, so it holds before we return either way. */
	setpgid(pid, pid);
	close(report[1]);
	if (o->hold)
		close(hold[0]);
	c->pid = pid;
	c->hold_fd = o->hold ? hold[1] : -1;
	c->start_ns = tb_now_ns();
	c->pidfd = pidfd_open(pid, 0);
	return await_report(c, report[0], argv[0], err, errlen);
fail:
	close_pair(report);
	close_pair(hold);
	free(envp);
	return rc;
}

int tb_child_release(tb_child *c)
{
	if (c->hold_fd < 0)
		return TB_ESTATE;
	char go = 1;
	ssize_t n = write(c->hold_fd, &go, 1);
	close(c->hold_fd);
	c->hold_fd = -1;
	return n == 1 ? TB_OK : TB_ECLOSED;
}

/* own_cpu reads an exited, unreaped child's CPU clock: its own threads' time, which
 * wait4's rusage mixes with that of every descendant it waited for. */
static void own_cpu(tb_child *c, int flags)
{
	siginfo_t si = {0};
	clockid_t clk;
	struct timespec ts;
	int rc;
	while ((rc = waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOWAIT | (flags & WNOHANG))) != 0 &&
	       errno == EINTR)
		;
	if (rc != 0 || si.si_pid != c->pid)
		return;
	if (clock_getcpuclockid(c->pid, &clk) == 0 && clock_gettime(clk, &ts) == 0) {
		c->own_cpu_ns = (uint64_t)ts.tv_sec * TB_NS_PER_S + (uint64_t)ts.tv_nsec;
		c->has_own_cpu = true;
	}
}

static int reap(tb_child *c, int flags)
{
	pid_t r;
	if (!c->has_own_cpu)
		own_cpu(c, flags);
	while ((r = wait4(c->pid, &c->status, flags, &c->rusage)) < 0 && errno == EINTR)
		;
	if (r == c->pid) {
		c->exited = true;
		c->end_ns = tb_now_ns();
		return TB_OK;
	}
	return r == 0 ? TB_ETIMEDOUT : TB_ESYS;
}

int tb_child_wait(tb_child *c, int timeout_ms)
{
	if (c->exited)
		return TB_OK;
	if (c->pid <= 0)
		return TB_ESTATE;
	if (timeout_ms < 0 || c->pidfd < 0)
		return timeout_ms == 0 ? reap(c, WNOHANG) : reap(c, 0);

	uint64_t deadline = tb_now_ns() + (uint64_t)timeout_ms * TB_NS_PER_MS;
	for (;;) {
		if (reap(c, WNOHANG) == TB_OK)
			return TB_OK;
		int left = tb_ms_left(deadline);
		if (left == 0)
			return TB_ETIMEDOUT;
		struct pollfd p = {.fd = c->pidfd, .events = POLLIN};
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return TB_ESYS;
	}
}

int tb_child_signal(tb_child *c, int sig)
{
	if (c->pid <= 0)
		return TB_ESTATE;
	if (kill(-c->pid, sig) == 0)
		return TB_OK;
	/* The group may be gone while the leader is an unreaped zombie. */
	if (!c->exited && kill(c->pid, sig) == 0)
		return TB_OK;
	return TB_ENOENT;
}

int tb_child_stop(tb_child *c, int grace_ms)
{
	if (c->pid <= 0)
		return TB_ESTATE;
	if (c->hold_fd >= 0) {
		close(c->hold_fd); /* a held child exits on EOF */
		c->hold_fd = -1;
	}
	int rv = TB_OK;
	if (!c->exited || kill(-c->pid, 0) == 0) {
		tb_child_signal(c, SIGTERM);
		if (tb_child_wait(c, grace_ms) != TB_OK)
			rv = TB_ETIMEDOUT;
		/* Descendants that ignored SIGTERM, or a leader that did. */
		kill(-c->pid, SIGKILL);
		tb_child_wait(c, -1);
	}
	return rv;
}

void tb_child_fini(tb_child *c)
{
	if (c->pid > 0 && !c->exited)
		tb_child_stop(c, 0);
	if (c->hold_fd >= 0)
		close(c->hold_fd);
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->hold_fd = -1;
	c->pidfd = -1;
}

const char *tb_child_describe(const tb_child *c, char *buf, size_t len)
{
	if (!c->exited)
		snprintf(buf, len, "running (pid %d)", (int)c->pid);
	else if (WIFEXITED(c->status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(c->status));
	else if (WIFSIGNALED(c->status))
		snprintf(buf, len, "killed by SIG%s%s",
			 sigabbrev_np(WTERMSIG(c->status)) ? sigabbrev_np(WTERMSIG(c->status))
							   : "?",
			 WCOREDUMP(c->status) ? " (core dumped)" : "");
	else
		snprintf(buf, len, "status 0x%x", c->status);
	return buf;
}

/* is_child_named reads /proc/PID/stat's parent, state and name. */
static bool is_child_named(const char *pid, pid_t ppid, const char *comm)
{
	char path[300], buf[512];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f != NULL)
		fclose(f);
	buf[n] = '\0';
	char *l = strchr(buf, '('), *r = strrchr(buf, ')');
	int pp = 0;
	char state;
	if (l == NULL || r == NULL || sscanf(r + 2, "%c %d", &state, &pp) != 2)
		return false;
	return pp == ppid && state != 'Z' && (size_t)(r - l - 1) == strlen(comm) &&
	       strncmp(l + 1, comm, strlen(comm)) == 0;
}

size_t tb_children_named(pid_t ppid, const char *comm, pid_t *out, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0;
	while (d != NULL && (de = readdir(d)) != NULL && n < max)
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' &&
		    is_child_named(de->d_name, ppid, comm))
			out[n++] = atoi(de->d_name);
	if (d != NULL)
		closedir(d);
	return n;
}
