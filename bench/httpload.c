/* SPDX-License-Identifier: MIT */
/* httpload.c - see httpload.h. One blocking socket per generator thread: write a batch
 * of `depth` requests, read until as many answers are complete, repeat. */
#include "bench/httpload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/clock.h"

#define MAX_DEPTH 64

typedef struct answers {
	tb_httpload *l;
	uint64_t batch_t0;
	int done;		/* answers complete in this batch */
} answers;

static int on_complete(http_parser *p)
{
	answers *a = p->data;
	tb_httpload *l = a->l;

	/* Any 2xx: Zipkin's collector answers 202. */
	if (p->status_code >= 200 && p->status_code < 300)
		l->ok++;
	else
		l->failed++;
	if (l->nlat < l->caplat)
		l->lat[l->nlat++] = tb_now_ns() - a->batch_t0;
	a->done++;
	return 0;
}

/* Answers to one batch are read with SO_RCVLOWAT asking for nearly all of them at once:
 * on loopback each wake-up of the generator is paid for in the server's send, which is
 * what is being measured. The watermark is one byte of the answer being read plus the
 * others still missing, each counted at the smallest size seen less a margin (answers
 * differ by a few bytes of timestamps), so it never asks for more than will come. Were
 * it ever to, the read times out and it drops to one byte. */
#define ANSWER_MARGIN 16
#define LOWAT_TIMEOUT_MS 200
#define ANSWER_WAIT_NS (30 * TB_NS_PER_S)	/* then the server is taken for stuck */

static void set_lowat(int fd, size_t smallest, int missing, int *cur)
{
	int want = 1;
	if (smallest > ANSWER_MARGIN)
		want += (int)(smallest - ANSWER_MARGIN) * (missing - 1);
	if (want != *cur && setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &want, sizeof(want)) == 0)
		*cur = want;
}

/* write_all sends every byte of iov[0..n), resuming after partial writes. */
static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);	/* n <= 2 * MAX_DEPTH, under IOV_MAX */
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static int connect_local(uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	struct timeval rcv = {0, LOWAT_TIMEOUT_MS * 1000};
	struct timeval snd = {ANSWER_WAIT_NS / TB_NS_PER_S, 0};	/* a server not reading */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof(rcv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd));
	return fd;
}

void *tb_httpload_run(void *arg)
{
	tb_httpload *l = arg;
	int depth = l->depth < 1 ? 1 : l->depth > MAX_DEPTH ? MAX_DEPTH : l->depth;
	char (*heads)[192] = calloc(l->nbodies, sizeof(*heads));
	size_t *head_lens = calloc(l->nbodies, sizeof(*head_lens));
	struct iovec iov[2 * MAX_DEPTH];
	http_parser_settings settings;
	http_parser parser;
	answers a = {.l = l};
	size_t k = l->first_body;
	char buf[16384];
	size_t smallest = 0;	/* bytes per answer: the least of any batch's mean */
	int fd = -1, lowat = 1;

	l->err[0] = '\0';
	if (heads == NULL || head_lens == NULL) {
		snprintf(l->err, sizeof(l->err), "out of memory");
		goto out;
	}
	for (size_t i = 0; i < l->nbodies; i++) {
		int n = snprintf(heads[i], sizeof(heads[i]),
				 "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
				 "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
				 l->path, l->port, l->content_type, l->lens[i]);
		if (n < 0 || (size_t)n >= sizeof(heads[i])) {
			snprintf(l->err, sizeof(l->err), "path or content type too long");
			goto out;
		}
		head_lens[i] = (size_t)n;
	}
	if ((fd = connect_local(l->port)) < 0) {
		snprintf(l->err, sizeof(l->err), "connect to port %u: %s", l->port,
			 strerror(errno));
		goto out;
	}
	http_parser_settings_init(&settings);
	settings.on_message_complete = on_complete;
	http_parser_init(&parser, HTTP_RESPONSE);
	parser.data = &a;

	while (tb_now_ns() < l->deadline) {
		for (int i = 0; i < depth; i++, k++) {
			size_t b = k % l->nbodies;
			iov[2 * i] = (struct iovec){heads[b], head_lens[b]};
			iov[2 * i + 1] = (struct iovec){l->bodies[b], l->lens[b]};
		}
		a.batch_t0 = tb_now_ns();
		a.done = 0;
		size_t batch_bytes = 0;
		if (write_all(fd, iov, 2 * depth) != 0) {
			snprintf(l->err, sizeof(l->err), "write: %s", strerror(errno));
			goto out;
		}
		while (a.done < depth) {
			set_lowat(fd, smallest, depth - a.done, &lowat);
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				if (lowat > 1)
					smallest = 0;	/* overshot: down to a byte */
				if (tb_now_ns() - a.batch_t0 < ANSWER_WAIT_NS)
					continue;
			}
			if (n <= 0) {
				snprintf(l->err, sizeof(l->err), "%d answers missing: %s",
					 depth - a.done, n == 0 ? "connection closed" :
					 strerror(errno));
				l->failed += (uint64_t)(depth - a.done);
				goto out;
			}
			size_t used = http_parser_execute(&parser, &settings, buf, (size_t)n);
			if (HTTP_PARSER_ERRNO(&parser) != HPE_OK || used != (size_t)n) {
				snprintf(l->err, sizeof(l->err), "bad answer: %s",
					 http_errno_description(HTTP_PARSER_ERRNO(&parser)));
				l->failed += (uint64_t)(depth - a.done);
				goto out;
			}
			batch_bytes += (size_t)n;
		}
		if (smallest == 0 || batch_bytes / (size_t)depth < smallest)
			smallest = batch_bytes / (size_t)depth;
	}
out:
	if (fd >= 0)
		close(fd);
	free(heads);
	free(head_lens);
	return NULL;
}
