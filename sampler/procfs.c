/* SPDX-License-Identifier: MIT */
/* procfs.c - one process's (or process tree's) counters from /proc, kept cheap by
 * holding the per-sample files open and refreshing the costly readings only every
 * SMP_SLOW_PERIOD_NS. */
#include "sampler/procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"

/* Largest /proc/PID/status we expect is ~1.5 KiB; /proc/stat grows with the core count
 * but its first line (all we need) comes first. */
#define STAT_BUF 1024
#define STATUS_BUF 4096
#define HOST_BUF 512

/* Descendant trees larger than this are cut (and the sample still counts what it saw). */
#define MAX_TREE 256

static uint64_t tick_ns(void)
{
	static uint64_t ns;
	if (ns == 0) {
		long hz = sysconf(_SC_CLK_TCK);
		ns = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
	}
	return ns;
}

static uint64_t page_bytes(void)
{
	static uint64_t b;
	if (b == 0) {
		long ps = sysconf(_SC_PAGESIZE);
		b = (uint64_t)(ps > 0 ? ps : 4096);
	}
	return b;
}

/* read_fd re-reads a /proc file from its start. Returns bytes read (NUL-terminated), or
 * -1 with errno (ESRCH once the process is gone). */
static ssize_t read_fd(int fd, char *buf, size_t cap)
{
	ssize_t n;
	do
		n = pread(fd, buf, cap - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static ssize_t read_path(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read_fd(fd, buf, cap);
	int e = errno;
	close(fd);
	errno = e;
	return n;
}

/* The fields of /proc/PID/stat we use, numbered as in proc(5). */
#define PF_EXITING_FLAG 0x4u	/* the kernel's PF_EXITING, in stat's flags field */

typedef struct stat_fields {
	char state;
	uint64_t flags;
	uint64_t minflt, cminflt, majflt, cmajflt, utime, stime, cutime, cstime, threads, rss;
} stat_fields;

/* parse_stat reads /proc/PID/stat text. The command name may hold spaces and ')', so
 * fields are counted from the last ')'. */
static bool parse_stat(const char *buf, stat_fields *f)
{
	const char *p = strrchr(buf, ')');
	if (p == NULL)
		return false;
	p++;
	uint64_t v[25] = {0};
	/* p points before field 3 (state, a letter). */
	for (int field = 3; field <= 24; field++) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return false;
		if (field == 3) {
			f->state = *p++;
			continue;
		}
		char *end;
		long long x = strtoll(p, &end, 10);
		if (end == p)
			return false;
		v[field] = x < 0 ? 0 : (uint64_t)x;
		p = end;
	}
	f->flags = v[9];
	f->minflt = v[10];
	f->cminflt = v[11];
	f->majflt = v[12];
	f->cmajflt = v[13];
	f->utime = v[14];
	f->stime = v[15];
	f->cutime = v[16];
	f->cstime = v[17];
	f->threads = v[20];
	f->rss = v[24];
	return true;
}

/* status_value finds "Name:<spaces>N" at a line start and returns N (0 if absent). */
static uint64_t status_value(const char *buf, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = buf; p != NULL && *p != '\0';) {
		if (strncmp(p, name, len) == 0)
			return strtoull(p + len, NULL, 10);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return 0;
}

static void parse_io(const char *buf, tb_rec_sample *s)
{
	/* rchar/wchar: bytes through read and write calls, sockets included, which is
	 * where a tracer's reports go. */
	s->io_read_bytes += status_value(buf, "rchar:");
	s->io_write_bytes += status_value(buf, "wchar:");
}

bool smp_host_cpu(int fd, uint64_t *busy, uint64_t *total, uint64_t *steal)
{
	char buf[HOST_BUF];
	if (fd < 0 || read_fd(fd, buf, sizeof(buf)) < 5 || strncmp(buf, "cpu ", 4) != 0)
		return false;
	/* user nice system idle iowait irq softirq steal (guest time is inside user). */
	uint64_t v[8] = {0};
	const char *p = buf + 4;
	for (int i = 0; i < 8; i++) {
		char *end;
		v[i] = strtoull(p, &end, 10);
		if (end == p)
			return false;
		p = end;
	}
	*total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	*busy = *total - v[3] - v[4];
	*steal = v[7];
	return true;
}

static int open_proc_file(pid_t pid, const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int smp_proc_open(smp_proc *p, pid_t pid, bool include_children, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->include_children = include_children;
	p->stat_fd = p->statm_fd = p->status_fd = p->io_fd = p->host_fd = -1;
	if (pid <= 0) {
		snprintf(err, errlen, "pid %d is not a process id", (int)pid);
		return TB_EINVAL;
	}
	p->stat_fd = open_proc_file(pid, "stat");
	if (p->stat_fd < 0) {
		int e = errno;
		snprintf(err, errlen, "no process %d: /proc/%d/stat: %s", (int)pid, (int)pid,
			 strerror(e));
		return e == ENOENT ? TB_ENOENT : TB_ESYS;
	}
	p->status_fd = open_proc_file(pid, "status");
	p->statm_fd = open_proc_file(pid, "statm");
	if (p->status_fd < 0 || p->statm_fd < 0) {
		snprintf(err, errlen, "/proc/%d/status or statm: %s", (int)pid, strerror(errno));
		smp_proc_close(p);
		return TB_ESYS;
	}
	p->io_fd = open_proc_file(pid, "io"); /* may be refused; the sample says so */
	p->host_fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	p->has_clock = clock_getcpuclockid(pid, &p->cpu_clock) == 0;
	return TB_OK;
}

void smp_proc_close(smp_proc *p)
{
	int *fds[] = {&p->stat_fd, &p->statm_fd, &p->status_fd, &p->io_fd, &p->host_fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static uint64_t clock_ns(clockid_t c, bool *ok)
{
	struct timespec ts;
	*ok = clock_gettime(c, &ts) == 0;
	return *ok ? (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec : 0;
}

/* thread_ctxsw sums context switches over the threads of pid. */
static void thread_ctxsw(pid_t pid, uint64_t *vol, uint64_t *invol)
{
	char path[64], buf[STATUS_BUF];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/status", (int)pid, de->d_name);
		if (read_path(path, buf, sizeof(buf)) <= 0)
			continue;
		*vol += status_value(buf, "voluntary_ctxt_switches:");
		*invol += status_value(buf, "nonvoluntary_ctxt_switches:");
	}
	closedir(d);
}

/* descendants lists pid's descendants (not pid) into out, breadth first, through
 * /proc/PID/task/TID/children. Returns how many. */
static size_t descendants(pid_t pid, pid_t *out, size_t cap)
{
	size_t n = 0;
	pid_t parent = pid;
	for (size_t next = 0;; parent = out[next++]) {
		char path[64], buf[4096];
		snprintf(path, sizeof(path), "/proc/%d/task", (int)parent);
		DIR *d = opendir(path);
		if (d != NULL) {
			struct dirent *de;
			while ((de = readdir(d)) != NULL && n < cap) {
				if (!isdigit((unsigned char)de->d_name[0]))
					continue;
				snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children",
					 (int)parent, de->d_name);
				if (read_path(path, buf, sizeof(buf)) <= 0)
					continue;
				for (char *p = buf, *end; n < cap; p = end) {
					long c = strtol(p, &end, 10);
					if (end == p)
						break;
					if (c > 0)
						out[n++] = (pid_t)c;
				}
			}
			closedir(d);
		}
		if (next >= n)
			break;
	}
	return n;
}

/* add_descendant adds one descendant's live counters to s, its context switches to
 * vol/invol unless they are NULL. */
static void add_descendant(pid_t pid, tb_rec_sample *s, uint64_t *vol, uint64_t *invol)
{
	char path[64], buf[STATUS_BUF];
	stat_fields f;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_path(path, buf, sizeof(buf)) <= 0 || !parse_stat(buf, &f))
		return; /* exited meanwhile: its parent's cutime will hold it once reaped */
	clockid_t c;
	bool ok = false;
	uint64_t cpu = clock_getcpuclockid(pid, &c) == 0 ? clock_ns(c, &ok) : 0;
	if (!ok)
		cpu = (f.utime + f.stime) * tick_ns();
	s->cpu_ns += cpu;
	s->utime_ns += f.utime * tick_ns();
	s->stime_ns += f.stime * tick_ns();
	s->minflt += f.minflt;
	s->majflt += f.majflt;
	s->threads += (uint32_t)f.threads;
	s->rss_bytes += f.rss * page_bytes();
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_path(path, buf, sizeof(buf)) > 0)
		s->hwm_bytes += status_value(buf, "VmHWM:") * 1024;
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	if (read_path(path, buf, sizeof(buf)) > 0)
		parse_io(buf, s);
	if (vol != NULL)
		thread_ctxsw(pid, vol, invol);
	s->nprocs++;
}

/* read_slow refreshes what changes slowly or costs more; f gets the stat fields. */
static int read_slow(smp_proc *p, stat_fields *f, uint64_t now_ns)
{
	char buf[STATUS_BUF];
	ssize_t n = read_fd(p->stat_fd, buf, STAT_BUF);
	if (n <= 0)
		return errno == EACCES || errno == EPERM ? TB_SAMPLE_NO_ACCESS : TB_SAMPLE_GONE;
	if (!parse_stat(buf, f))
		return TB_SAMPLE_GONE;
	/* A zombie, or an exiting process whose memory is already released: what /proc
	 * shows of it now is not a reading of the program. (RSS is also 0 for a moment in
	 * the middle of an exec; that process is not exiting, and is read as it is.) */
	if (f->state == 'Z' || f->state == 'X' || (f->rss == 0 && (f->flags & PF_EXITING_FLAG)))
		return TB_SAMPLE_GONE;
	p->utime = f->utime;
	p->stime = f->stime;
	p->minflt = f->minflt;
	p->majflt = f->majflt;
	p->threads = f->threads;
	tb_rec_sample io = {0};
	p->io_ok = p->io_fd >= 0 && read_fd(p->io_fd, buf, STATUS_BUF) > 0;
	if (p->io_ok)
		parse_io(buf, &io);
	p->io_read = io.io_read_bytes;
	p->io_write = io.io_write_bytes;
	p->slow_at_ns = now_ns;
	/* With children, their switches are added to these at every sample. */
	if (p->include_children || p->ctxsw_at_ns == 0 ||
	    now_ns - p->ctxsw_at_ns >= SMP_CTXSW_PERIOD_NS) {
		p->vol_ctxsw = p->invol_ctxsw = 0;
		thread_ctxsw(p->pid, &p->vol_ctxsw, &p->invol_ctxsw);
		p->ctxsw_at_ns = now_ns;
	}
	p->host_ok = smp_host_cpu(p->host_fd, &p->host_busy, &p->host_total, &p->host_steal);
	if (read_fd(p->status_fd, buf, STATUS_BUF) > 0) {
		uint64_t hwm = status_value(buf, "VmHWM:") * 1024;
		if (hwm > p->hwm)
			p->hwm = hwm;
	}
	return TB_SAMPLE_OK;
}

int smp_proc_read(smp_proc *p, tb_rec_sample *s, uint64_t now_ns)
{
	char buf[STATUS_BUF];
	stat_fields f = {0};

#define ZERO(m) s->m = 0;
	TB_SAMPLE_COUNTERS(ZERO)
#undef ZERO
	s->threads = 0;
	s->nprocs = 0;
	s->flags = 0;

	if (p->stat_fd < 0)
		return TB_SAMPLE_GONE;
	/* statm: size resident shared text lib data dt, in pages. A zombie's reads 0. */
	ssize_t n = read_fd(p->statm_fd, buf, STATUS_BUF);
	if (n <= 0)
		return errno == EACCES || errno == EPERM ? TB_SAMPLE_NO_ACCESS : TB_SAMPLE_GONE;
	/* strtoull, not sscanf: scanf's machinery was a twentieth of a sample's cost. */
	char *end;
	errno = 0;
	unsigned long long size = strtoull(buf, &end, 10);
	char *after = end;
	unsigned long long resident = strtoull(after, &end, 10);
	if (errno != 0 || after == buf || end == after)
		return TB_SAMPLE_GONE;
	(void)size;
	bool ok = false;
	uint64_t cpu = p->has_clock ? clock_ns(p->cpu_clock, &ok) : 0;
	/* No memory: exiting, a zombie or mid-exec; stat tells which. */
	bool slow = p->slow_at_ns == 0 || now_ns - p->slow_at_ns >= SMP_SLOW_PERIOD_NS ||
		    p->include_children || !ok || resident == 0;
	if (slow) {
		int st = read_slow(p, &f, now_ns);
		if (st != TB_SAMPLE_OK)
			return st;
	}
	if (!ok) {
		cpu = (p->utime + p->stime) * tick_ns();
		s->flags |= TB_SAMPLE_F_TICK_CPU;
	}
	s->cpu_ns = cpu;
	s->utime_ns = p->utime * tick_ns();
	s->stime_ns = p->stime * tick_ns();
	s->minflt = p->minflt;
	s->majflt = p->majflt;
	s->threads = (uint32_t)p->threads;
	s->rss_bytes = resident * page_bytes();
	s->nprocs = 1;
	if (p->io_ok) {
		s->io_read_bytes = p->io_read;
		s->io_write_bytes = p->io_write;
	} else {
		s->flags |= TB_SAMPLE_F_NO_IO;
	}

	/* Between readings of VmHWM, the peak is at least every RSS seen. */
	if (s->rss_bytes > p->hwm)
		p->hwm = s->rss_bytes;
	s->hwm_bytes = p->hwm;
	if (p->host_ok) {
		s->host_busy_ticks = p->host_busy;
		s->host_total_ticks = p->host_total;
		s->host_steal_ticks = p->host_steal;
	} else {
		s->flags |= TB_SAMPLE_F_NO_HOST;
	}

	if (p->include_children) {
		/* Reaped children's time and faults are in the root's c* fields. */
		s->cpu_ns += (f.cutime + f.cstime) * tick_ns();
		s->utime_ns += f.cutime * tick_ns();
		s->stime_ns += f.cstime * tick_ns();
		s->minflt += f.cminflt;
		s->majflt += f.cmajflt;
		pid_t kids[MAX_TREE];
		size_t nk = descendants(p->pid, kids, MAX_TREE);
		for (size_t i = 0; i < nk; i++)
			add_descendant(kids[i], s, &p->vol_ctxsw, &p->invol_ctxsw);
	}
	s->vol_ctxsw = p->vol_ctxsw;
	s->invol_ctxsw = p->invol_ctxsw;
	return TB_SAMPLE_OK;
}
