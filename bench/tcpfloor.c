/* SPDX-License-Identifier: MIT */
/* tcpfloor.c - see tcpfloor.h. Both floors use plain blocking sockets on 127.0.0.1. */
#include "bench/tcpfloor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/reportgen.h"
#include "common/clock.h"

#define ANSWER 100
#define MAX_CONNS 16

/* listen_local opens a listening socket on an ephemeral loopback port. */
static int listen_local(struct sockaddr_in *sa)
{
	socklen_t sl = sizeof(*sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)sa, sizeof(*sa)) != 0 || listen(fd, MAX_CONNS) != 0 ||
	    getsockname(fd, (struct sockaddr *)sa, &sl) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static double thread_cpu_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- receive and discard ---- */

typedef struct receiver {
	int listen_fd;
	uint64_t bytes;
	double cpu_s;
} receiver;

/* The receiver asks to be woken only when a whole buffer's worth has arrived. Woken for
 * whatever had come (every 64 KiB loopback segment or so), it spent most of its CPU
 * going to sleep and waking up, and came out at 4.8-5.8 M spans per CPU-second, below
 * the satellite without its decoder; reading 256 KiB a wake it is 10-16 M, which is the
 * kernel's copy and little else: a floor no server can go under. */
static void *receive_main(void *arg)
{
	receiver *r = arg;
	static uint8_t buf[256 * 1024];
	int fd = accept(r->listen_fd, NULL, NULL), lowat = (int)sizeof(buf);
	double c0 = thread_cpu_s();
	ssize_t n;

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat));

	while (fd >= 0 && (n = recv(fd, buf, sizeof(buf), 0)) > 0)
		r->bytes += (uint64_t)n;
	r->cpu_s = thread_cpu_s() - c0;
	if (fd >= 0)
		close(fd);
	return NULL;
}

double tb_tcpfloor_receive(double secs)
{
	size_t len;
	uint8_t *body = tb_report_lightstep(1000, 1, &len);
	struct sockaddr_in sa;
	receiver r = {.listen_fd = listen_local(&sa)};
	double floor = 0;
	pthread_t t;
	int out;

	if (body == NULL || r.listen_fd < 0)
		goto done;
	if ((out = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		goto done;
	pthread_create(&t, NULL, receive_main, &r);
	if (connect(out, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		uint64_t end = tb_now_ns() + (uint64_t)(secs * 1e9);
		while (tb_now_ns() < end && send(out, body, len, MSG_NOSIGNAL) > 0)
			;
	}
	close(out);
	pthread_join(t, NULL);
	if (r.cpu_s > 0)
		floor = (double)r.bytes / (double)len * 1000.0 / r.cpu_s;
done:
	if (r.listen_fd >= 0)
		close(r.listen_fd);
	free(body);
	return floor;
}

/* ---- request and answer ---- */

typedef struct pingpong {
	int listen_fd, conns;
	struct sockaddr_in sa;
	uint64_t deadline;
	pthread_mutex_t mu;
	uint64_t answered;
} pingpong;

/* serve_main answers every whole request on any connection, until all have closed. */
static void *serve_main(void *arg)
{
	pingpong *pp = arg;
	static char answer[ANSWER * 8];
	char buf[65536];
	size_t have[MAX_CONNS] = {0};
	int fds[MAX_CONNS], open_conns = 0, ep = epoll_create1(EPOLL_CLOEXEC);

	memset(answer, 'a', sizeof(answer));
	for (int i = 0; i < pp->conns; i++) {
		fds[i] = accept(pp->listen_fd, NULL, NULL);
		if (fds[i] < 0)
			continue;
		int one = 1;
		setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
		open_conns++;
	}
	while (open_conns > 0) {
		struct epoll_event evs[MAX_CONNS];
		int n = epoll_wait(ep, evs, MAX_CONNS, 1000);
		for (int e = 0; e < n; e++) {
			int i = (int)evs[e].data.u32;
			ssize_t got = recv(fds[i], buf, sizeof(buf), 0);
			if (got <= 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
				close(fds[i]);
				open_conns--;
				continue;
			}
			have[i] += (size_t)got;
			size_t whole = have[i] / TB_TCPFLOOR_REQUEST;
			have[i] %= TB_TCPFLOOR_REQUEST;
			if (whole > 0 && whole <= 8)
				send(fds[i], answer, whole * ANSWER, MSG_NOSIGNAL);
		}
	}
	close(ep);
	return NULL;
}

static void *client_main(void *arg)
{
	pingpong *pp = arg;
	static const char request[TB_TCPFLOOR_REQUEST];
	char buf[ANSWER];
	uint64_t n = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0 || connect(fd, (struct sockaddr *)&pp->sa, sizeof(pp->sa)) != 0)
		goto out;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (tb_now_ns() < pp->deadline) {
		size_t got = 0;
		if (send(fd, request, sizeof(request), MSG_NOSIGNAL) != (ssize_t)sizeof(request))
			break;
		while (got < ANSWER) {
			ssize_t r = recv(fd, buf, ANSWER - got, 0);
			if (r <= 0)
				goto out;
			got += (size_t)r;
		}
		n++;
	}
out:
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&pp->mu);
	pp->answered += n;
	pthread_mutex_unlock(&pp->mu);
	return NULL;
}

double tb_tcpfloor_pingpong(double secs, int conns)
{
	pingpong pp = {.conns = conns < 1 ? 1 : conns > MAX_CONNS ? MAX_CONNS : conns};
	pthread_t server, clients[MAX_CONNS];
	uint64_t t0;

	if ((pp.listen_fd = listen_local(&pp.sa)) < 0)
		return 0;
	pthread_mutex_init(&pp.mu, NULL);
	pthread_create(&server, NULL, serve_main, &pp);
	t0 = tb_now_ns();
	pp.deadline = t0 + (uint64_t)(secs * 1e9);
	for (int i = 0; i < pp.conns; i++)
		pthread_create(&clients[i], NULL, client_main, &pp);
	for (int i = 0; i < pp.conns; i++)
		pthread_join(clients[i], NULL);
	double wall = (double)(tb_now_ns() - t0) / 1e9;
	pthread_join(server, NULL);
	close(pp.listen_fd);
	pthread_mutex_destroy(&pp.mu);
	return wall > 0 ? (double)pp.answered / wall : 0;
}
