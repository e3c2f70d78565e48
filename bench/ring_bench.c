/* SPDX-License-Identifier: MIT */
/* ring_bench.c - throughput of the shared-memory ring against nng ipc:// push/pull.
 *
 * For 32-byte and 256-byte records, a producer process sends N records to a consumer
 * process, first through a tb_ring (flow-controlled writes, so nothing is lost), then
 * through nng push/pull over ipc://, one message per record. The consumer checks every
 * record's sequence number. Time runs from the producer's first write to the consumer's
 * last read (both read CLOCK_MONOTONIC). Prints records/s, ns/record and the ratio.
 *
 * Usage: ring_bench [--records N] [--nng-records N] [--capacity BYTES] */
#include "common/clock.h"
#include "common/error.h"
#include "common/ring.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>

struct result {
	uint64_t start_ns;
	uint64_t end_ns;
	uint64_t received;
	uint64_t bad; /* records out of sequence or lost */
};

struct config {
	uint64_t ring_records;
	uint64_t nng_records;
	size_t capacity;
};

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set); /* best effort: one core still works */
}

static void unpin(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	for (int i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "ring_bench: %s: %s\n", what, why);
	exit(2);
}

static void fill(unsigned char *rec, size_t size, uint64_t i)
{
	memcpy(rec, &i, sizeof(i));
	(void)size;
}

static uint64_t seq_of(const unsigned char *rec)
{
	uint64_t i;
	memcpy(&i, rec, sizeof(i));
	return i;
}

/* Starts this program again as the consumer ("--consume KIND"), so that each consumer
 * is a fresh process: nng refuses to run in a forked child of a process that used it.
 * Returns the pid; *out_fd reads 'r' once the consumer is ready, then its result. */
static pid_t spawn_consumer(const char *kind, const char *where, size_t size, uint64_t n,
			    int *out_fd)
{
	int out[2];
	if (pipe(out))
		die("pipe", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		char sz[32], cnt[32], fd[32];
		snprintf(sz, sizeof(sz), "%zu", size);
		snprintf(cnt, sizeof(cnt), "%llu", (unsigned long long)n);
		snprintf(fd, sizeof(fd), "%d", out[1]);
		close(out[0]);
		execl("/proc/self/exe", "ring_bench", "--consume", kind, where, sz, cnt, fd,
		      (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	char c;
	if (read(out[0], &c, 1) != 1)
		die("consumer", "did not start");
	*out_fd = out[0];
	return pid;
}

static struct result collect(pid_t pid, int out_fd, uint64_t start)
{
	struct result res;
	if (read(out_fd, &res, sizeof(res)) != (ssize_t)sizeof(res))
		die("consumer", "no result");
	waitpid(pid, NULL, 0);
	close(out_fd);
	res.start_ns = start;
	return res;
}

/* ---- ring ---- */

static void ring_consumer(const char *name, size_t size, uint64_t n, int out_fd)
{
	pin_to_cpu(1);
	char err[256];
	tb_ring *r;
	if (tb_ring_attach(&r, name, err, sizeof(err)) != TB_OK)
		die("attach", err);
	if (write(out_fd, "r", 1) != 1)
		_exit(2);
	unsigned char buf[4096];
	struct result res = {0};
	size_t len;
	uint64_t lost;
	unsigned backoff = 64;
	while (res.received < n) {
		int rv = tb_ring_read(r, buf, sizeof(buf), &len, &lost);
		if (rv == TB_EAGAIN) {
			/* Caught up: let records pile up (backing off exponentially, as a
			 * timer-driven consumer would) instead of re-reading head at once,
			 * which would pull its cache line away from the producer per record. */
			for (unsigned i = 0; i < backoff; i++)
				__builtin_ia32_pause();
			if (backoff < 4096)
				backoff *= 2;
			continue;
		}
		if (rv != TB_OK)
			die("read", tb_strerror(rv));
		backoff = 64;
		if (len != size || seq_of(buf) != res.received || lost != 0)
			res.bad++;
		res.received++;
	}
	res.end_ns = tb_now_ns();
	tb_ring_free(r);
	if (write(out_fd, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(2);
	_exit(0);
}

static struct result run_ring(const struct config *cfg, size_t size)
{
	char name[64], err[256];
	tb_ring_name_make(name, sizeof(name), "ringbench");
	tb_ring *r;
	if (tb_ring_create(&r, name, cfg->capacity, 4096, err, sizeof(err)) != TB_OK)
		die("create", err);

	int out_fd;
	pid_t pid = spawn_consumer("ring", name, size, cfg->ring_records, &out_fd);
	pin_to_cpu(0);

	unsigned char rec[4096] = {0};
	uint64_t start = tb_now_ns();
	for (uint64_t i = 0; i < cfg->ring_records; i++) {
		fill(rec, size, i);
		while (tb_ring_try_write(r, rec, size) == TB_EAGAIN)
			for (int k = 0; k < 64; k++)
				__builtin_ia32_pause();
	}
	struct result res = collect(pid, out_fd, start);
	tb_ring_free(r);
	return res;
}

/* ---- nng ipc push/pull ---- */

static void nng_consumer(const char *url, size_t size, uint64_t n, int out_fd)
{
	nng_socket s;
	int rv;
	if ((rv = nng_pull0_open(&s)) != 0 ||
	    (rv = nng_socket_set_int(s, NNG_OPT_RECVBUF, 8192)) != 0 ||
	    (rv = nng_listen(s, url, NULL, 0)) != 0)
		die("nng listen", nng_strerror(rv));
	if (write(out_fd, "r", 1) != 1)
		_exit(2);
	struct result res = {0};
	while (res.received < n) {
		nng_msg *m;
		if ((rv = nng_recvmsg(s, &m, 0)) != 0)
			die("nng recv", nng_strerror(rv));
		if (nng_msg_len(m) != size || seq_of(nng_msg_body(m)) != res.received)
			res.bad++;
		nng_msg_free(m);
		res.received++;
	}
	res.end_ns = tb_now_ns();
	nng_close(s);
	if (write(out_fd, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(2);
	_exit(0);
}

static struct result run_nng(const struct config *cfg, size_t size)
{
	char url[128];
	snprintf(url, sizeof(url), "ipc:///tmp/tracebench-ringbench-%d.ipc", (int)getpid());
	unpin(); /* before the fork, so the consumer is not pinned either */
	int out_fd;
	pid_t pid = spawn_consumer("nng", url, size, cfg->nng_records, &out_fd);

	/* nng gets its best chance: buffered sockets, and its threads free to use both
	 * CPUs (pinning a process with worker threads to one CPU makes it far slower). */
	nng_socket s;
	int rv;
	if ((rv = nng_push0_open(&s)) != 0 ||
	    (rv = nng_socket_set_int(s, NNG_OPT_SENDBUF, 8192)) != 0 ||
	    (rv = nng_dial(s, url, NULL, 0)) != 0)
		die("nng dial", nng_strerror(rv));
	unsigned char rec[4096] = {0};
	uint64_t start = tb_now_ns();
	for (uint64_t i = 0; i < cfg->nng_records; i++) {
		fill(rec, size, i);
		if ((rv = nng_send(s, rec, size, 0)) != 0)
			die("nng send", nng_strerror(rv));
	}
	struct result res = collect(pid, out_fd, start);
	nng_close(s);
	return res;
}

static double rate(const struct result *r)
{
	return (double)r->received / ((double)(r->end_ns - r->start_ns) / 1e9);
}

static void print_row(size_t size, const char *transport, const struct result *r)
{
	double secs = (double)(r->end_ns - r->start_ns) / 1e9;
	printf("%5zu B  %-9s %11llu %8.3f %14.0f %10.1f %6llu\n", size, transport,
	       (unsigned long long)r->received, secs, rate(r), 1e9 / rate(r),
	       (unsigned long long)r->bad);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ring_bench [--records N] [--nng-records N] [--capacity BYTES]\n"
		   "  Measures the shared-memory ring against nng ipc:// push/pull between two\n"
		   "  processes, for 32-byte and 256-byte records.\n"
		   "  --records N       records per ring run (default 20000000)\n"
		   "  --nng-records N   records per nng run (default 200000)\n"
		   "  --capacity BYTES  ring data size, a power of two (default 8388608)\n");
}

int main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[1], "--consume") == 0) {
		size_t size = strtoul(argv[4], NULL, 10);
		uint64_t n = strtoull(argv[5], NULL, 10);
		int fd = atoi(argv[6]);
		if (strcmp(argv[2], "ring") == 0)
			ring_consumer(argv[3], size, n, fd);
		else
			nng_consumer(argv[3], size, n, fd);
	}
	struct config cfg = {.ring_records = 20000000, .nng_records = 200000,
			     .capacity = 8 << 20};
	static const struct option opts[] = {
		{"records", required_argument, NULL, 'r'},
		{"nng-records", required_argument, NULL, 'n'},
		{"capacity", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;
		unsigned long long v = 0;
		if (o != 'h') {
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || *end || v == 0) {
				fprintf(stderr, "ring_bench: --%s wants a positive integer, got '%s'\n",
					opts[o == 'r' ? 0 : o == 'n' ? 1 : 2].name, optarg);
				return 2;
			}
		}
		switch (o) {
		case 'r':
			cfg.ring_records = v;
			break;
		case 'n':
			cfg.nng_records = v;
			break;
		case 'c':
			cfg.capacity = (size_t)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	tb_ring_reap_stale(NULL);

	printf("ring_bench: producer and consumer in separate processes, %ld CPUs\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("record   transport     records  seconds      records/s  ns/record    bad\n");
	const size_t sizes[] = {32, 256};
	double ratio32 = 0, rate32 = 0;
	int bad = 0;
	for (size_t i = 0; i < 2; i++) {
		struct result ring = run_ring(&cfg, sizes[i]);
		struct result nng = run_nng(&cfg, sizes[i]);
		print_row(sizes[i], "shm ring", &ring);
		print_row(sizes[i], "nng ipc", &nng);
		double ratio = rate(&ring) / rate(&nng);
		printf("%5zu B  ring / nng ipc: %.1fx\n", sizes[i], ratio);
		if (sizes[i] == 32) {
			ratio32 = ratio;
			rate32 = rate(&ring);
		}
		bad += ring.bad != 0 || nng.bad != 0;
	}
	printf("targets (32 B): >= 20000000 records/s: %s (%.1f M/s); >= 10x nng ipc: %s (%.1fx)\n",
	       rate32 >= 20e6 ? "met" : "NOT met", rate32 / 1e6, ratio32 >= 10 ? "met" : "NOT met",
	       ratio32);
	if (bad) {
		printf("ring_bench: records arrived out of sequence\n");
		return 1;
	}
	return 0;
}
