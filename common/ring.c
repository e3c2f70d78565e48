/* SPDX-License-Identifier: MIT */
/* ring.c - the shared-memory ring behind ring.h.
 *
 * Positions (head, tail, read_pos) are byte offsets that only grow; a position's place in
 * the data area is pos & (capacity - 1). Records are [len u32][flags u32][seq u64][bytes],
 * padded to 8 bytes, and may wrap around the end of the data area.
 *
 *   tail <= read_pos <= head        (read_pos may also lag behind tail: records lost)
 *   head - tail <= capacity
 *
 * The producer owns head and tail. Before it reuses bytes it moves tail past the records
 * living there (store, then release fence, then the new bytes), and it publishes a record
 * by storing head with release. The consumer copies a record out, issues an acquire fence,
 * and re-reads tail: if tail has moved past the record, the copy may be torn and is
 * thrown away. This is the seqlock pattern; the copies themselves are plain memcpy, which
 * is what every seqlock in practice does.
 *
 * To keep the consumer's tail checks cheap, the producer reclaims space in chunks of an
 * eighth of the ring rather than one record at a time, so the cache line holding tail is
 * written rarely. */
#include "common/ring.h"
#include "common/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RING_MAGIC 0x31474e4952425454ULL /* "TTBRING1" little-endian */
#define MIN_CAPACITY (4u << 10)
#define MAX_CAPACITY (1ull << 30)
#define ALIGN8(n) (((n) + 7u) & ~(uint64_t)7u)

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "the ring needs lock-free 64-bit atomics");

/* The shared header. Written once by the producer before any consumer can attach, except
 * the atomics, which each get 128 bytes: CPUs fetch lines in adjacent pairs, so 64 would
 * still let the producer's and the consumer's positions share a fetch. */
struct ring_shm {
	uint64_t magic;
	uint32_t layout_version;
	uint32_t header_size;
	uint64_t capacity;
	uint32_t max_record;
	int32_t producer_pid;
	uint64_t producer_start; /* /proc/<pid>/stat starttime: tells a reused pid apart */
	alignas(128) _Atomic uint64_t head;
	alignas(128) _Atomic uint64_t tail;
	alignas(128) _Atomic uint64_t read_pos;
	alignas(128) unsigned char data[];
};

struct rec_hdr {
	uint32_t len;
	uint32_t flags;
	uint64_t seq;
};
_Static_assert(sizeof(struct rec_hdr) == TB_RING_RECORD_OVERHEAD, "record header size");

struct tb_ring {
	struct ring_shm *shm;
	size_t map_size;
	uint64_t mask;
	uint64_t capacity;
	size_t max_record;
	bool producer;
	char name[128];

	/* producer */
	uint64_t head;
	uint64_t tail;
	uint64_t seq;
	uint64_t read_cache; /* last read_pos seen, refreshed only when space looks short */

	/* consumer */
	uint64_t pos;
	uint64_t head_cache;
	uint64_t next_seq;
	uint64_t nread;
	uint64_t lost;
	uint64_t read_published; /* last read_pos stored for the producer */
};

static uint64_t proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields resume after the last ')'.
	 * p starts at the space before field 3; each step moves to the space before the next
	 * field, until the one before starttime, field 22. */
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	p++;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

static bool producer_alive(pid_t pid, uint64_t start)
{
	if (pid <= 0)
		return false;
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return false;
	uint64_t now_start = proc_start_time(pid);
	return now_start == 0 || now_start == start;
}

const char *tb_ring_name_make(char *buf, size_t len, const char *purpose)
{
	snprintf(buf, len, "/" TB_RING_PREFIX "%s-%d", purpose, (int)getpid());
	return buf;
}

const char *tb_ring_name_from_arg(char *buf, size_t len, const char *arg, const char *purpose)
{
	if (strcmp(arg, "auto") == 0)
		return tb_ring_name_make(buf, len, purpose);
	snprintf(buf, len, "%s", arg);
	return buf;
}

static int check_name(const char *name, char *err, size_t errlen)
{
	size_t n = name ? strlen(name) : 0;
	if (n < 2 || n >= 128 || name[0] != '/' || strchr(name + 1, '/') != NULL) {
		snprintf(err, errlen,
			 "bad ring name '%s': want '/name' (one leading slash, under 128 bytes)",
			 name ? name : "(null)");
		return TB_EINVAL;
	}
	return TB_OK;
}

static inline void copy_in(struct tb_ring *r, uint64_t pos, const void *src, size_t n)
{
	size_t off = (size_t)(pos & r->mask);
	size_t first = (size_t)r->capacity - off;
	if (n <= first) {
		memcpy(r->shm->data + off, src, n);
	} else {
		memcpy(r->shm->data + off, src, first);
		memcpy(r->shm->data, (const unsigned char *)src + first, n - first);
	}
}

static inline void copy_out(const struct tb_ring *r, uint64_t pos, void *dst, size_t n)
{
	size_t off = (size_t)(pos & r->mask);
	size_t first = (size_t)r->capacity - off;
	if (n <= first) {
		memcpy(dst, r->shm->data + off, n);
	} else {
		memcpy(dst, r->shm->data + off, first);
		memcpy((unsigned char *)dst + first, r->shm->data, n - first);
	}
}

/* open_segment creates the segment name, replacing a leftover of a dead producer and
 * refusing a live one's. */
static int open_segment(const char *name, int *fdp, char *err, size_t errlen)
{
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		tb_ring *old;
		char why[256];
		if (tb_ring_attach(&old, name, why, sizeof(why)) == TB_OK) {
			pid_t pid = old->shm->producer_pid;
			bool alive = tb_ring_producer_alive(old);
			tb_ring_free(old);
			if (alive) {
				snprintf(err, errlen, "ring %s already exists, in use by pid %d", name,
					 (int)pid);
				return TB_EEXIST;
			}
		}
		shm_unlink(name);
		fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot create shared memory %s: %s", name, strerror(errno));
		return TB_ESYS;
	}
	fchmod(fd, 0600); /* whatever the umask says */
	*fdp = fd;
	return TB_OK;
}

int tb_ring_create(tb_ring **rp, const char *name, size_t capacity, size_t max_record,
		   char *err, size_t errlen)
{
	int rv = check_name(name, err, errlen);
	if (rv != TB_OK)
		return rv;
	if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || (capacity & (capacity - 1))) {
		snprintf(err, errlen, "ring %s: capacity %zu is not a power of two in [4 KiB, 1 GiB]",
			 name, capacity);
		return TB_EINVAL;
	}
	if (max_record > capacity / 4 || max_record > UINT32_MAX) {
		snprintf(err, errlen, "ring %s: max record %zu exceeds capacity/4 (%zu)", name,
			 max_record, capacity / 4);
		return TB_EINVAL;
	}

	int fd;
	if ((rv = open_segment(name, &fd, err, errlen)) != TB_OK)
		return rv;

	size_t map_size = sizeof(struct ring_shm) + capacity;
	void *p = MAP_FAILED;
	if (ftruncate(fd, (off_t)map_size) == 0)
		p = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int saved = errno;
	close(fd);
	if (p == MAP_FAILED) {
		shm_unlink(name);
		snprintf(err, errlen, "cannot size or map %s (%zu bytes): %s", name, map_size,
			 strerror(saved));
		return TB_ESYS;
	}

	tb_ring *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		munmap(p, map_size);
		shm_unlink(name);
		return TB_ENOMEM;
	}
	struct ring_shm *s = p;
	s->layout_version = TB_RING_LAYOUT_VERSION;
	s->header_size = sizeof(struct ring_shm);
	s->capacity = capacity;
	s->max_record = (uint32_t)max_record;
	s->producer_pid = (int32_t)getpid();
	s->producer_start = proc_start_time(getpid());
	atomic_init(&s->head, 0);
	atomic_init(&s->tail, 0);
	atomic_init(&s->read_pos, 0);
	/* Magic last: a consumer that sees it sees a complete header. */
	atomic_thread_fence(memory_order_release);
	s->magic = RING_MAGIC;

	r->shm = s;
	r->map_size = map_size;
	r->capacity = capacity;
	r->mask = capacity - 1;
	r->max_record = max_record;
	r->producer = true;
	snprintf(r->name, sizeof(r->name), "%s", name);
	*rp = r;
	return TB_OK;
}

/* Checks a mapped header against the file size; fills err with what is wrong. */
static int validate_header(const struct ring_shm *s, size_t file_size, const char *name,
			   char *err, size_t errlen)
{
	if (s->magic != RING_MAGIC) {
		snprintf(err, errlen, "%s: bad magic 0x%016llx: not a tracebench ring", name,
			 (unsigned long long)s->magic);
		return TB_EBADHDR;
	}
	if (s->layout_version != TB_RING_LAYOUT_VERSION) {
		snprintf(err, errlen, "%s: ring layout version %u, this build reads %u", name,
			 s->layout_version, TB_RING_LAYOUT_VERSION);
		return TB_EBADHDR;
	}
	uint64_t cap = s->capacity;
	if (s->header_size != sizeof(struct ring_shm) || cap < MIN_CAPACITY ||
	    cap > MAX_CAPACITY || (cap & (cap - 1)) || s->max_record > cap / 4 ||
	    file_size != sizeof(struct ring_shm) + cap) {
		snprintf(err, errlen,
			 "%s: inconsistent ring header (header %u bytes, capacity %llu, max record "
			 "%u, segment %zu bytes)",
			 name, s->header_size, (unsigned long long)cap, s->max_record, file_size);
		return TB_EBADHDR;
	}
	return TB_OK;
}

int tb_ring_attach(tb_ring **rp, const char *name, char *err, size_t errlen)
{
	int rv = check_name(name, err, errlen);
	if (rv != TB_OK)
		return rv;
	int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open shared memory %s: %s", name, strerror(errno));
		return errno == ENOENT ? TB_ENOENT : TB_ESYS;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(struct ring_shm)) {
		snprintf(err, errlen, "%s: segment of %lld bytes is too small for a ring header",
			 name, (long long)st.st_size);
		close(fd);
		return TB_EBADHDR;
	}
	size_t size = (size_t)st.st_size;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map %s: %s", name, strerror(errno));
		return TB_ESYS;
	}
	struct ring_shm *s = p;
	if ((rv = validate_header(s, size, name, err, errlen)) != TB_OK) {
		munmap(p, size);
		return rv;
	}
	atomic_thread_fence(memory_order_acquire);

	tb_ring *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		munmap(p, size);
		return TB_ENOMEM;
	}
	r->shm = s;
	r->map_size = size;
	r->capacity = s->capacity;
	r->mask = s->capacity - 1;
	r->max_record = s->max_record;
	r->producer = false;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->pos = atomic_load_explicit(&s->tail, memory_order_acquire);
	r->read_published = atomic_load_explicit(&s->read_pos, memory_order_relaxed);
	*rp = r;
	return TB_OK;
}

/* Moves tail forward until [head, head + need) fits, by at least `want` bytes when it has
 * to move at all, but never past `limit`. */
static void reclaim(tb_ring *r, uint64_t need, uint64_t limit)
{
	uint64_t t = r->tail;
	uint64_t must = r->head + need - r->capacity; /* tail must reach this */
	uint64_t want = must + r->capacity / 8;
	if (want > limit)
		want = limit;
	if (want < must)
		want = must;
	while (t < want) {
		struct rec_hdr old;
		copy_out(r, t, &old, sizeof(old));
		uint64_t next = t + ALIGN8(sizeof(old) + old.len);
		if (next > want && t >= must)
			break; /* don't step past the limit for the optional part */
		t = next;
	}
	r->tail = t;
	atomic_store_explicit(&r->shm->tail, t, memory_order_relaxed);
	/* Orders the tail store before the stores that will overwrite the old bytes. */
	atomic_thread_fence(memory_order_release);
}

static int write_record(tb_ring *r, const void *rec, size_t len, bool may_overwrite)
{
	if (!r->producer)
		return TB_ESTATE;
	if (len > r->max_record)
		return TB_EMSGSIZE;
	uint64_t need = ALIGN8(sizeof(struct rec_hdr) + len);
	uint64_t limit = r->head; /* how far reclaiming may go */
	if (!may_overwrite) {
		if (r->head + need - r->read_cache > r->capacity) {
			r->read_cache = atomic_load_explicit(&r->shm->read_pos, memory_order_acquire);
			if (r->head + need - r->read_cache > r->capacity)
				return TB_EAGAIN;
		}
		limit = r->read_cache;
	}
	if (r->head + need - r->tail > r->capacity)
		reclaim(r, need, limit);

	struct rec_hdr h = {.len = (uint32_t)len, .flags = 0, .seq = r->seq++};
	copy_in(r, r->head, &h, sizeof(h));
	if (len > 0)
		copy_in(r, r->head + sizeof(h), rec, len);
	r->head += need;
	atomic_store_explicit(&r->shm->head, r->head, memory_order_release);
	return TB_OK;
}

int tb_ring_write(tb_ring *r, const void *rec, size_t len)
{
	return write_record(r, rec, len, true);
}

int tb_ring_try_write(tb_ring *r, const void *rec, size_t len)
{
	return write_record(r, rec, len, false);
}

/* Tells a flow-controlled producer how far we have read. Done in steps of a sixteenth of
 * the ring (and whenever we run dry), not per record: a store per record would pull the
 * line back and forth between the two CPUs while the producer polls it. */
static void publish_read_pos(tb_ring *r)
{
	if (r->pos != r->read_published) {
		r->read_published = r->pos;
		atomic_store_explicit(&r->shm->read_pos, r->pos, memory_order_release);
	}
}

int tb_ring_read(tb_ring *r, void *buf, size_t cap, size_t *lenp, uint64_t *lostp)
{
	if (r->producer)
		return TB_ESTATE;
	struct ring_shm *s = r->shm;
	for (;;) {
		if (r->pos >= r->head_cache) {
			r->head_cache = atomic_load_explicit(&s->head, memory_order_acquire);
			if (r->pos >= r->head_cache) {
				publish_read_pos(r);
				return TB_EAGAIN;
			}
		}
		uint64_t t = atomic_load_explicit(&s->tail, memory_order_acquire);
		if (r->pos < t) {
			r->pos = t; /* lapped: resume at the oldest intact record */
			if (r->pos >= r->head_cache)
				continue;
		}

		struct rec_hdr h;
		copy_out(r, r->pos, &h, sizeof(h));
		uint64_t size = ALIGN8(sizeof(h) + (uint64_t)h.len);
		bool sane = h.len <= r->max_record && r->pos + size <= r->head_cache;
		if (sane && h.len <= cap)
			copy_out(r, r->pos + sizeof(h), buf, h.len);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->tail, memory_order_relaxed) > r->pos)
			continue; /* reclaimed while we copied: the copy may be torn */

		if (!sane || h.seq < r->next_seq)
			return TB_ECORRUPT;
		if (h.len > cap)
			return TB_EMSGSIZE;
		uint64_t lost = h.seq - r->next_seq;
		r->lost += lost;
		r->next_seq = h.seq + 1;
		r->nread++;
		r->pos += size;
		if (r->pos - r->read_published >= r->capacity / 16)
			publish_read_pos(r);
		*lenp = h.len;
		if (lostp)
			*lostp = lost;
		return TB_OK;
	}
}

size_t tb_ring_max_record(const tb_ring *r)
{
	return r->max_record;
}

const char *tb_ring_name(const tb_ring *r)
{
	return r->name;
}

bool tb_ring_producer_alive(const tb_ring *r)
{
	return producer_alive(r->shm->producer_pid, r->shm->producer_start);
}

void tb_ring_get_stats(const tb_ring *r, tb_ring_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->capacity = (size_t)r->capacity;
	st->max_record = r->max_record;
	st->producer_pid = r->shm->producer_pid;
	st->written = r->producer ? r->seq : 0;
	st->read = r->nread;
	st->lost = r->lost;
}

void tb_ring_free(tb_ring *r)
{
	if (r == NULL)
		return;
	if (r->producer) {
		r->shm->magic = 0; /* a consumer attaching from now on is refused */
		shm_unlink(r->name);
	}
	munmap(r->shm, r->map_size);
	free(r);
}

int tb_ring_reap_stale(int *removed)
{
	int n = 0;
	DIR *d = opendir("/dev/shm");
	if (d == NULL)
		return TB_ESYS;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, TB_RING_PREFIX, strlen(TB_RING_PREFIX)) != 0)
			continue;
		char name[300];
		snprintf(name, sizeof(name), "/%s", e->d_name);
		int fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0);
		if (fd < 0)
			continue;
		struct stat st;
		struct ring_shm hdr;
		bool stale = false;
		if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(hdr) &&
		    pread(fd, &hdr, offsetof(struct ring_shm, head), 0) ==
			    (ssize_t)offsetof(struct ring_shm, head) &&
		    hdr.magic == RING_MAGIC)
			stale = !producer_alive(hdr.producer_pid, hdr.producer_start);
		close(fd);
		if (stale && shm_unlink(name) == 0)
			n++;
	}
	closedir(d);
	if (removed)
		*removed = n;
	return TB_OK;
}
