/* SPDX-License-Identifier: MIT */
/* ring_test.c - the shared-memory ring: ordering, wrap-around, overruns, framing limits,
 * two-process stress, header validation and stale-segment cleanup. */
#include "common/error.h"
#include "common/ring.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#define CAP 4096

static char name[64];
static char err[256];

static void make_name(const char *tag)
{
	snprintf(name, sizeof(name), "/" TB_RING_PREFIX "test-%s-%d", tag, (int)getpid());
	shm_unlink(name);
}

static void pair(const char *tag, size_t cap, size_t max, tb_ring **prod, tb_ring **cons)
{
	make_name(tag);
	cr_assert_eq(tb_ring_create(prod, name, cap, max, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_ring_attach(cons, name, err, sizeof(err)), TB_OK, "%s", err);
}

Test(ring, records_come_out_in_order_with_their_bytes)
{
	tb_ring *p, *c;
	pair("order", CAP, 512, &p, &c);
	for (int i = 0; i < 20; i++) {
		char rec[64];
		int n = snprintf(rec, sizeof(rec), "record %d", i);
		cr_assert_eq(tb_ring_write(p, rec, (size_t)n), TB_OK);
	}
	for (int i = 0; i < 20; i++) {
		char buf[512], want[64];
		size_t len;
		uint64_t lost = 99;
		int n = snprintf(want, sizeof(want), "record %d", i);
		cr_assert_eq(tb_ring_read(c, buf, sizeof(buf), &len, &lost), TB_OK);
		cr_assert_eq(len, (size_t)n);
		cr_assert_eq(lost, 0);
		cr_assert(memcmp(buf, want, len) == 0);
	}
	size_t len;
	cr_assert_eq(tb_ring_read(c, err, sizeof(err), &len, NULL), TB_EAGAIN);
	tb_ring_free(c);
	tb_ring_free(p);
}

Test(ring, records_wrap_around_the_end_intact)
{
	tb_ring *p, *c;
	pair("wrap", CAP, 1000, &p, &c);
	/* Odd sizes so records and headers straddle the end of the data area many times. */
	unsigned char rec[1000], buf[1000];
	for (int i = 0; i < 500; i++) {
		size_t n = (size_t)(i * 37 % 997) + 1;
		for (size_t k = 0; k < n; k++)
			rec[k] = (unsigned char)(i + k);
		cr_assert_eq(tb_ring_try_write(p, rec, n), TB_OK);
		size_t len;
		uint64_t lost;
		cr_assert_eq(tb_ring_read(c, buf, sizeof(buf), &len, &lost), TB_OK);
		cr_assert_eq(len, n);
		cr_assert_eq(lost, 0);
		cr_assert(memcmp(buf, rec, n) == 0, "record %d corrupted across the wrap", i);
	}
	tb_ring_free(c);
	tb_ring_free(p);
}

Test(ring, try_write_refuses_when_full_and_resumes_after_a_read)
{
	tb_ring *p, *c;
	pair("full", CAP, 256, &p, &c);
	char rec[48] = {0};
	int written = 0;
	while (tb_ring_try_write(p, rec, sizeof(rec)) == TB_OK)
		written++;
	/* 48 bytes + 16 of framing = 64 per record. */
	cr_assert_eq(written, CAP / 64);
	cr_assert_eq(tb_ring_try_write(p, rec, sizeof(rec)), TB_EAGAIN);

	/* The consumer tells the producer its position in steps: drain a quarter. */
	size_t len;
	for (int i = 0; i < written / 4; i++)
		cr_assert_eq(tb_ring_read(c, err, sizeof(err), &len, NULL), TB_OK);
	while (tb_ring_read(c, err, sizeof(err), &len, NULL) == TB_OK)
		; /* drain: running dry publishes the position */
	cr_assert_eq(tb_ring_try_write(p, rec, sizeof(rec)), TB_OK);
	tb_ring_stats st;
	tb_ring_get_stats(c, &st);
	cr_assert_eq(st.lost, 0);
	tb_ring_free(c);
	tb_ring_free(p);
}

Test(ring, zero_length_and_maximum_length_records)
{
	tb_ring *p, *c;
	pair("limits", CAP, CAP / 4, &p, &c);
	unsigned char big[CAP / 4], buf[CAP / 4];
	memset(big, 0xab, sizeof(big));
	cr_assert_eq(tb_ring_write(p, NULL, 0), TB_OK);
	cr_assert_eq(tb_ring_write(p, big, sizeof(big)), TB_OK);
	cr_assert_eq(tb_ring_write(p, big, sizeof(big) + 1), TB_EMSGSIZE);

	size_t len = 99;
	cr_assert_eq(tb_ring_read(c, buf, sizeof(buf), &len, NULL), TB_OK);
	cr_assert_eq(len, 0);
	/* A buffer too small is refused without consuming the record. */
	cr_assert_eq(tb_ring_read(c, buf, 10, &len, NULL), TB_EMSGSIZE);
	cr_assert_eq(tb_ring_read(c, buf, sizeof(buf), &len, NULL), TB_OK);
	cr_assert_eq(len, sizeof(big));
	cr_assert(memcmp(buf, big, len) == 0);
	tb_ring_free(c);
	tb_ring_free(p);
}

Test(ring, overrun_reports_exactly_how_many_records_were_lost)
{
	tb_ring *p, *c;
	pair("overrun", CAP, 256, &p, &c);
	const uint64_t n = 1000; /* about 15 laps of 64-byte records */
	for (uint64_t i = 0; i < n; i++)
		cr_assert_eq(tb_ring_write(p, &i, sizeof(i)), TB_OK);

	uint64_t got = 0, lost_total = 0, expect = 0, v;
	size_t len;
	uint64_t lost;
	while (tb_ring_read(c, &v, sizeof(v), &len, &lost) == TB_OK) {
		expect += lost;
		cr_assert_eq(v, expect, "record %llu after losing %llu", (unsigned long long)v,
			     (unsigned long long)lost);
		expect++;
		lost_total += lost;
		got++;
	}
	cr_assert_gt(lost_total, 0);
	cr_assert_eq(got + lost_total, n);
	/* Reading carries on after the overrun. */
	cr_assert_eq(tb_ring_write(p, &n, sizeof(n)), TB_OK);
	cr_assert_eq(tb_ring_read(c, &v, sizeof(v), &len, &lost), TB_OK);
	cr_assert_eq(v, n);
	cr_assert_eq(lost, 0);
	tb_ring_free(c);
	tb_ring_free(p);
}

/* A record for the stress test: sequence, length, payload, CRC over all of it. */
struct stress_rec {
	uint64_t seq;
	uint32_t len;
	uint32_t crc;
	unsigned char payload[200];
};

static size_t stress_fill(struct stress_rec *r, uint64_t seq)
{
	r->seq = seq;
	r->len = (uint32_t)(seq * 7919 % sizeof(r->payload));
	for (uint32_t k = 0; k < r->len; k++)
		r->payload[k] = (unsigned char)(seq * 31 + k);
	r->crc = 0;
	r->crc = (uint32_t)crc32(0, (const unsigned char *)r, offsetof(struct stress_rec, payload) + r->len);
	return offsetof(struct stress_rec, payload) + r->len;
}

static void stress(bool flow_controlled, uint64_t n)
{
	make_name(flow_controlled ? "stressfc" : "stressow");
	tb_ring *p, *c;
	cr_assert_eq(tb_ring_create(&p, name, 64 << 10, 4096, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_ring_attach(&c, name, err, sizeof(err)), TB_OK, "%s", err);

	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		struct stress_rec r;
		for (uint64_t i = 0; i < n; i++) {
			size_t len = stress_fill(&r, i);
			if (flow_controlled)
				while (tb_ring_try_write(p, &r, len) == TB_EAGAIN)
					;
			else
				tb_ring_write(p, &r, len);
		}
		_exit(0);
	}

	uint64_t got = 0, lost_total = 0, next = 0;
	struct stress_rec r;
	size_t len;
	uint64_t lost;
	while (got + lost_total < n) {
		int rv = tb_ring_read(c, &r, sizeof(r), &len, &lost);
		if (rv == TB_EAGAIN)
			continue;
		cr_assert_eq(rv, TB_OK, "read: %s", tb_strerror(rv));
		uint32_t crc = r.crc;
		r.crc = 0;
		cr_assert_eq(len, offsetof(struct stress_rec, payload) + r.len);
		cr_assert_eq(crc32(0, (const unsigned char *)&r, len), crc, "torn record %llu",
			     (unsigned long long)r.seq);
		cr_assert_eq(r.seq, next + lost, "sequence %llu, expected %llu + %llu lost",
			     (unsigned long long)r.seq, (unsigned long long)next,
			     (unsigned long long)lost);
		next = r.seq + 1;
		lost_total += lost;
		got++;
	}
	int status;
	waitpid(pid, &status, 0);
	cr_assert_eq(got + lost_total, n);
	if (flow_controlled)
		cr_assert_eq(lost_total, 0);
	cr_log_info("%s: %llu received, %llu lost", flow_controlled ? "flow-controlled" : "overwrite",
		    (unsigned long long)got, (unsigned long long)lost_total);
	tb_ring_free(c);
	tb_ring_free(p); /* the forked producer's copy exited without unlinking */
}

Test(ring, two_processes_flow_controlled_lose_nothing_and_tear_nothing, .timeout = 120)
{
	stress(true, 2000000);
}

Test(ring, two_processes_overwriting_tear_nothing_and_count_every_loss, .timeout = 120)
{
	stress(false, 2000000);
}

/* Offsets of the shared header fields the bad-header tests corrupt. */
#define OFF_MAGIC 0
#define OFF_VERSION 8
#define OFF_CAPACITY 16

static void poke(const char *seg, size_t off, const void *v, size_t n)
{
	int fd = shm_open(seg, O_RDWR, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, v, n, (off_t)off), (ssize_t)n);
	close(fd);
}

Test(ring, attach_rejects_bad_magic_version_and_size)
{
	tb_ring *p, *c;
	make_name("badhdr");
	cr_assert_eq(tb_ring_create(&p, name, CAP, 256, err, sizeof(err)), TB_OK);

	uint32_t v2 = TB_RING_LAYOUT_VERSION + 1;
	poke(name, OFF_VERSION, &v2, sizeof(v2));
	cr_assert_eq(tb_ring_attach(&c, name, err, sizeof(err)), TB_EBADHDR);
	cr_assert(strstr(err, "layout version") != NULL, "%s", err);
	uint32_t v1 = TB_RING_LAYOUT_VERSION;
	poke(name, OFF_VERSION, &v1, sizeof(v1));

	uint64_t cap = CAP * 2;
	poke(name, OFF_CAPACITY, &cap, sizeof(cap));
	cr_assert_eq(tb_ring_attach(&c, name, err, sizeof(err)), TB_EBADHDR);
	cr_assert(strstr(err, "inconsistent") != NULL, "%s", err);
	cap = CAP;
	poke(name, OFF_CAPACITY, &cap, sizeof(cap));

	uint64_t magic = 0x1234;
	poke(name, OFF_MAGIC, &magic, sizeof(magic));
	cr_assert_eq(tb_ring_attach(&c, name, err, sizeof(err)), TB_EBADHDR);
	cr_assert(strstr(err, "magic") != NULL, "%s", err);
	tb_ring_free(p);

	/* Too small to hold a header at all. */
	int fd = shm_open(name, O_RDWR | O_CREAT, 0600);
	cr_assert_eq(ftruncate(fd, 16), 0);
	close(fd);
	cr_assert_eq(tb_ring_attach(&c, name, err, sizeof(err)), TB_EBADHDR);
	shm_unlink(name);

	cr_assert_eq(tb_ring_attach(&c, "/" TB_RING_PREFIX "no-such-ring", err, sizeof(err)),
		     TB_ENOENT);
	cr_assert_eq(tb_ring_attach(&c, "no-slash", err, sizeof(err)), TB_EINVAL);
}

Test(ring, create_validates_sizes_and_makes_a_private_segment)
{
	tb_ring *p;
	make_name("create");
	cr_assert_eq(tb_ring_create(&p, name, 5000, 100, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "power of two") != NULL, "%s", err);
	cr_assert_eq(tb_ring_create(&p, name, CAP, CAP, err, sizeof(err)), TB_EINVAL);
	cr_assert_eq(tb_ring_create(&p, name, CAP, 256, err, sizeof(err)), TB_OK, "%s", err);

	struct stat st;
	char path[128];
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);

	/* A second producer for a live segment is refused, naming the owner. */
	tb_ring *q;
	cr_assert_eq(tb_ring_create(&q, name, CAP, 256, err, sizeof(err)), TB_EEXIST, "%s", err);
	cr_assert(strstr(err, "in use by pid") != NULL, "%s", err);

	tb_ring_free(p);
	cr_assert_neq(stat(path, &st), 0, "free did not unlink %s", path);
}

Test(ring, stale_segments_of_dead_producers_are_removed)
{
	make_name("stale");
	pid_t pid = fork();
	if (pid == 0) {
		tb_ring *p;
		if (tb_ring_create(&p, name, CAP, 256, err, sizeof(err)) != TB_OK)
			_exit(1);
		_exit(0); /* dies without unlinking */
	}
	int status;
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	char live[64];
	snprintf(live, sizeof(live), "/" TB_RING_PREFIX "test-live-%d", (int)getpid());
	tb_ring *mine;
	cr_assert_eq(tb_ring_create(&mine, live, CAP, 256, err, sizeof(err)), TB_OK);

	int removed = 0;
	cr_assert_eq(tb_ring_reap_stale(&removed), TB_OK);
	cr_assert_geq(removed, 1);
	tb_ring *c;
	cr_assert_eq(tb_ring_attach(&c, name, err, sizeof(err)), TB_ENOENT);
	cr_assert_eq(tb_ring_attach(&c, live, err, sizeof(err)), TB_OK, "live segment was reaped");
	tb_ring_free(c);
	tb_ring_free(mine);
}

Test(ring, a_new_producer_replaces_a_dead_ones_segment)
{
	make_name("replace");
	pid_t pid = fork();
	if (pid == 0) {
		tb_ring *p;
		_exit(tb_ring_create(&p, name, CAP, 256, err, sizeof(err)) == TB_OK ? 0 : 1);
	}
	waitpid(pid, NULL, 0);
	tb_ring *p;
	cr_assert_eq(tb_ring_create(&p, name, CAP, 256, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert(tb_ring_producer_alive(p));
	tb_ring_free(p);
}
