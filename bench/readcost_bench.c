/* SPDX-License-Identifier: MIT */
/* readcost_bench.c - what each way of reading a process's CPU and memory costs per tick
 * at a sampling period, beside the cost of the wake alone, in one thread timed by its
 * own CPU clock: the floor under sampler_bench's figures, split by syscall.
 *
 *   readcost_bench [--seconds S] [--period-ms P] [--rounds R]
 *
 * Each way wakes every P ms (default 10) for S seconds (default 4) and then reads a
 * sleeping child as a sampler would; the ways take turns, R rounds (default 3), and
 * each figure is the median of its rounds. Taskstats is queried over generic netlink by
 * hand, not through libnl: the figure is the interface's own cost, which a library's
 * message building would add to. */
#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/units.h"

#define MAX_ROUNDS 9

typedef struct probe {
	pid_t pid;
	clockid_t cpu_clock;
	int statm_fd, stat_fd, status_fd;
	int nl_fd, family;	/* taskstats over generic netlink; family 0: unavailable */
	char buf[4096];
	uint64_t sink;		/* what was read, so no read is optimised away */
} probe;

/* ---- taskstats over generic netlink ---- */

typedef struct nl_req {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[64];
} nl_req;

static void put_attr(nl_req *r, unsigned short type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));
	a->nla_type = type;
	a->nla_len = (unsigned short)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* nl_call sends r and receives the answer into buf; its attributes' bytes, or -1. */
static ssize_t nl_call(int fd, nl_req *r, char *buf, size_t cap, struct nlattr **attrs)
{
	if (send(fd, r, r->n.nlmsg_len, 0) < 0)
		return -1;
	ssize_t n = recv(fd, buf, cap, 0);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	if (n < (ssize_t)NLMSG_HDRLEN || !NLMSG_OK(h, (unsigned)n) || h->nlmsg_type == NLMSG_ERROR)
		return -1;
	*attrs = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
	return (ssize_t)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
}

/* find_attr finds type among len bytes of attributes, or NULL. */
static struct nlattr *find_attr(struct nlattr *a, ssize_t len, unsigned short type)
{
	while (len >= (ssize_t)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len) {
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		len -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	}
	return NULL;
}

static int taskstats_family(int fd, char *buf, size_t cap)
{
	nl_req r = {.n = {.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN), .nlmsg_type = GENL_ID_CTRL,
			  .nlmsg_flags = NLM_F_REQUEST},
		    .g = {.cmd = CTRL_CMD_GETFAMILY, .version = 1}};
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, TASKSTATS_GENL_NAME, sizeof(TASKSTATS_GENL_NAME));
	struct nlattr *attrs;
	ssize_t len = nl_call(fd, &r, buf, cap, &attrs);
	struct nlattr *id = len > 0 ? find_attr(attrs, len, CTRL_ATTR_FAMILY_ID) : NULL;
	return id != NULL ? *(unsigned short *)((char *)id + NLA_HDRLEN) : 0;
}

/* read_taskstats asks for pid's taskstats: CPU time and peak RSS (no current RSS). */
static void read_taskstats(probe *p)
{
	nl_req r = {.n = {.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
			  .nlmsg_type = (unsigned short)p->family, .nlmsg_flags = NLM_F_REQUEST},
		    .g = {.cmd = TASKSTATS_CMD_GET, .version = 1}};
	unsigned pid = (unsigned)p->pid;
	put_attr(&r, TASKSTATS_CMD_ATTR_PID, &pid, sizeof(pid));
	struct nlattr *attrs;
	ssize_t len = nl_call(p->nl_fd, &r, p->buf, sizeof(p->buf), &attrs);
	struct nlattr *aggr = len > 0 ? find_attr(attrs, len, TASKSTATS_TYPE_AGGR_PID) : NULL;
	struct nlattr *st = aggr ? find_attr((struct nlattr *)((char *)aggr + NLA_HDRLEN),
					     aggr->nla_len - NLA_HDRLEN, TASKSTATS_TYPE_STATS)
				 : NULL;
	if (st != NULL) {
		struct taskstats ts;
		memcpy(&ts, (char *)st + NLA_HDRLEN, sizeof(ts));
		p->sink += ts.ac_utime + ts.ac_stime + ts.hiwater_rss;
	}
}

/* ---- the ways ---- */

static void read_nothing(probe *p) { (void)p; }

static void read_cpu_clock(probe *p)
{
	struct timespec ts;
	clock_gettime(p->cpu_clock, &ts);
	p->sink += (uint64_t)ts.tv_nsec;
}

static void read_file(probe *p, int fd)
{
	ssize_t n = pread(fd, p->buf, sizeof(p->buf) - 1, 0);
	p->sink += n > 0 ? (uint64_t)p->buf[0] : 0;
}

static void read_statm(probe *p) { read_file(p, p->statm_fd); }
static void read_stat(probe *p) { read_file(p, p->stat_fd); }
static void read_status(probe *p) { read_file(p, p->status_fd); }

/* The sampler's own fast path: the process CPU clock and statm. */
static void read_fast_path(probe *p)
{
	read_cpu_clock(p);
	read_statm(p);
}

static const struct way {
	const char *name;
	void (*read)(probe *p);
	const char *gives;
} ways[] = {
	{"wake only (the floor)", read_nothing, "-"},
	{"process CPU clock", read_cpu_clock, "CPU"},
	{"pread statm", read_statm, "RSS"},
	{"CPU clock + statm", read_fast_path, "CPU, RSS (the sampler's fast path)"},
	{"pread stat", read_stat, "CPU (ticks), RSS, faults, threads"},
	{"pread status", read_status, "RSS, peak RSS, context switches"},
	{"taskstats (netlink)", read_taskstats, "CPU, peak RSS (no current RSS)"},
};
#define NWAYS (sizeof(ways) / sizeof(ways[0]))

/* us_per_tick wakes every period_ns for secs and reads with w each time; the thread's
 * CPU per tick, in microseconds. */
static double us_per_tick(probe *p, const struct way *w, uint64_t period_ns, double secs)
{
	struct timespec c0, c1;
	uint64_t t0 = tb_now_ns(), next = t0, end = t0 + (uint64_t)(secs * 1e9), ticks = 0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	while (next < end) {
		next += period_ns;
		tb_sleep_until_ns(next);
		w->read(p);
		ticks++;
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	double cpu = (double)(c1.tv_sec - c0.tv_sec) * 1e6 + (double)(c1.tv_nsec - c0.tv_nsec) / 1e3;
	return ticks ? cpu / (double)ticks : 0;
}

static int open_proc(pid_t pid, const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static int probe_open(probe *p, pid_t pid)
{
	*p = (probe){.pid = pid, .statm_fd = open_proc(pid, "statm"),
		     .stat_fd = open_proc(pid, "stat"), .status_fd = open_proc(pid, "status")};
	if (clock_getcpuclockid(pid, &p->cpu_clock) != 0 || p->statm_fd < 0 || p->stat_fd < 0 ||
	    p->status_fd < 0)
		return -1;
	p->nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	if (p->nl_fd >= 0 && bind(p->nl_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		p->family = taskstats_family(p->nl_fd, p->buf, sizeof(p->buf));
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	double secs = 4, period_ms = 10, rounds_d = 3;
	for (int i = 1; i + 1 < argc; i += 2) {
		double *v = strcmp(argv[i], "--seconds") == 0     ? &secs
			    : strcmp(argv[i], "--period-ms") == 0 ? &period_ms
			    : strcmp(argv[i], "--rounds") == 0    ? &rounds_d
								  : NULL;
		if (v == NULL || !tb_parse_real(argv[i + 1], 0.01, 3600, v)) {
			fprintf(stderr, "usage: readcost_bench [--seconds S] [--period-ms P] "
					"[--rounds R (1 to %d)]\n", MAX_ROUNDS);
			return 2;
		}
	}
	size_t rounds = rounds_d < 1 ? 1 : rounds_d > MAX_ROUNDS ? MAX_ROUNDS : (size_t)rounds_d;
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	probe p;
	if (child < 0 || probe_open(&p, child) != 0) {
		fprintf(stderr, "readcost_bench: cannot open the child's /proc files: %s\n",
			strerror(errno));
		return 2;
	}
	double us[NWAYS][MAX_ROUNDS];
	uint64_t period_ns = (uint64_t)(period_ms * 1e6);
	for (size_t r = 0; r < rounds; r++)
		for (size_t w = 0; w < NWAYS; w++)
			us[w][r] = ways[w].read == read_taskstats && p.family == 0
					   ? -1 : us_per_tick(&p, &ways[w], period_ns, secs);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);

	printf("one thread waking every %.0f ms, %zu rounds of %.0f s per way, medians:\n\n",
	       period_ms, rounds, secs);
	printf("| way | gives | us per tick | us above the wake | x the wake floor |\n"
	       "| --- | --- | --- | --- | --- |\n");
	double floor_us = median(us[0], rounds);
	for (size_t w = 0; w < NWAYS; w++) {
		if (us[w][0] < 0) {
			printf("| %s | %s | unavailable | | |\n", ways[w].name, ways[w].gives);
			continue;
		}
		double m = median(us[w], rounds);
		printf("| %s | %s | %.1f | %+.1f | %.2f |\n", ways[w].name, ways[w].gives, m,
		       m - floor_us, floor_us > 0 ? m / floor_us : 0);
	}
	return p.sink == 42 ? 1 : 0;
}
