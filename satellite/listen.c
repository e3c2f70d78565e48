/* SPDX-License-Identifier: MIT */
/* listen.c - listening sockets, the accept thread, and the look at each connection's
 * first bytes (listen.h).
 *
 * The accept thread owns every socket here. Other threads ask it for a state through
 * `want` and wait on `cv` for `have` to match, with any error in `err`. A new connection
 * waits in `sniffing` until its first bytes tell HTTP/1.1 from HTTP/2 (two bytes do: a
 * request line never starts "PR"), its peer closes, or it has been silent for the
 * timeout. HTTP/1.1 clients speak first, so nothing waits on the satellite. */
#include "satellite/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "satellite/grpc_frame.h"

/* Connections waiting for their first bytes at once; more go to HTTP/1.1 unread. */
#define MAX_SNIFFING 1024

typedef struct sniffing {
	int fd;
	uint64_t since_ns;
	struct sockaddr_storage ss;
	socklen_t sl;
} sniffing;

struct sat_listen {
	sat_listen_opts o;
	struct in_addr addr;
	uint16_t ports[SAT_LISTEN_MAX_PORTS];	/* the shared ports, then the gRPC-only */
	size_t nports, nall;
	int fds[SAT_LISTEN_MAX_PORTS];
	sniffing sniff[MAX_SNIFFING];
	size_t nsniff;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int wake_fd;
	bool want, have, stop;
	int rv;
	char err[256];
};

static void close_listeners(sat_listen *l)
{
	for (size_t i = 0; i < l->nall; i++) {
		if (l->fds[i] >= 0)
			close(l->fds[i]);
		l->fds[i] = -1;
	}
}

static void drop_sniffing(sat_listen *l)
{
	for (size_t i = 0; i < l->nsniff; i++)
		close(l->sniff[i].fd);
	l->nsniff = 0;
}

/* open_listeners binds every port, resolving port 0; all or nothing. */
static int open_listeners(sat_listen *l, char *err, size_t errlen)
{
	for (size_t i = 0; i < l->nall; i++) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr = l->addr,
					 .sin_port = htons(l->ports[i])};
		socklen_t sl = sizeof(sa);
		int one = 1;
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			snprintf(err, errlen, "socket: %s", strerror(errno));
			close_listeners(l);
			return TB_ESYS;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1024) != 0) {
			char a[INET_ADDRSTRLEN];
			snprintf(err, errlen, "cannot listen on %s:%u: %s",
				 inet_ntop(AF_INET, &l->addr, a, sizeof(a)), l->ports[i],
				 strerror(errno));
			close(fd);
			close_listeners(l);
			return TB_EADDR;
		}
		getsockname(fd, (struct sockaddr *)&sa, &sl);
		l->ports[i] = ntohs(sa.sin_port);
		l->fds[i] = fd;
	}
	return TB_OK;
}

static void accept_ready(sat_listen *l, size_t which)
{
	for (;;) {
		sniffing s = {.sl = sizeof(s.ss)};
		s.fd = accept4(l->fds[which], (struct sockaddr *)&s.ss, &s.sl,
			       SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s.fd < 0) {
			if (errno == EINTR)
				continue;
			return;	/* EAGAIN, or a transient error such as EMFILE: poll again */
		}
		if (which >= l->nports)
			l->o.take(l->o.take_arg, s.fd, (struct sockaddr *)&s.ss, s.sl, SAT_WIRE_H2);
		else if (l->nsniff == MAX_SNIFFING)
			l->o.take(l->o.take_arg, s.fd, (struct sockaddr *)&s.ss, s.sl,
				  SAT_WIRE_HTTP1);
		else {
			s.since_ns = tb_now_ns();
			l->sniff[l->nsniff++] = s;
		}
	}
}

/* sniff_ready looks at connection i's first bytes; true when it has left the list. */
static bool sniff_ready(sat_listen *l, size_t i)
{
	sniffing *s = &l->sniff[i];
	uint8_t b[SAT_H2_PREFACE_LEN];
	ssize_t n = recv(s->fd, b, sizeof(b), MSG_PEEK);
	int kind = n > 0 ? sat_h2_preface_check(b, (size_t)n) : -1;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n <= 0) {
		close(s->fd);	/* closed before a byte: nothing to count */
	} else if (kind < 0) {
		return false;
	} else {
		l->o.take(l->o.take_arg, s->fd, (struct sockaddr *)&s->ss, s->sl,
			  kind == 1 ? SAT_WIRE_H2 : SAT_WIRE_HTTP1);
	}
	l->sniff[i] = l->sniff[--l->nsniff];
	return true;
}

/* expire closes connections silent past the timeout and says when the next one is due,
 * in poll's milliseconds (-1: none waiting). */
static int expire(sat_listen *l, uint64_t now)
{
	uint64_t limit = (uint64_t)l->o.sniff_timeout_s * TB_NS_PER_S, next = UINT64_MAX;
	for (size_t i = 0; i < l->nsniff;) {
		uint64_t due = l->sniff[i].since_ns + limit;
		if (due <= now) {
			close(l->sniff[i].fd);
			sat_counters_reject(l->o.counters, SAT_REJ_TIMEOUT);
			l->sniff[i] = l->sniff[--l->nsniff];
			continue;
		}
		next = due < next ? due : next;
		i++;
	}
	return next == UINT64_MAX ? -1 : (int)((next - now) / TB_NS_PER_MS + 1);
}

/* apply carries out a new wish for the listening state; called with mu held. */
static void apply(sat_listen *l)
{
	if (l->want) {
		l->rv = open_listeners(l, l->err, sizeof(l->err));
		l->have = l->rv == TB_OK;
		if (!l->have)
			l->want = false;
	} else {
		close_listeners(l);
		drop_sniffing(l);
		l->have = false;
		l->rv = TB_OK;
	}
	pthread_cond_broadcast(&l->cv);
}

static void *accept_main(void *arg)
{
	sat_listen *l = arg;
	static struct pollfd pfd[1 + SAT_LISTEN_MAX_PORTS + MAX_SNIFFING];
	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		size_t n = 0, nl;
		uint64_t v;
		if (l->want != l->have)
			apply(l);
		pfd[n++] = (struct pollfd){.fd = l->wake_fd, .events = POLLIN};
		for (size_t i = 0; l->have && i < l->nall; i++)
			pfd[n++] = (struct pollfd){.fd = l->fds[i], .events = POLLIN};
		nl = n;
		for (size_t i = 0; i < l->nsniff; i++)
			pfd[n++] = (struct pollfd){.fd = l->sniff[i].fd, .events = POLLIN};
		int timeout = expire(l, tb_now_ns());
		pthread_mutex_unlock(&l->mu);
		poll(pfd, n, timeout);
		pthread_mutex_lock(&l->mu);
		if (pfd[0].revents & POLLIN)
			(void)!read(l->wake_fd, &v, sizeof(v));
		/* Back to front: sniff_ready moves the last one into a leaving one's place. */
		for (size_t i = n; i-- > nl;)
			if (pfd[i].revents != 0 && i - nl < l->nsniff)
				sniff_ready(l, i - nl);
		for (size_t i = 1; i < nl && l->have; i++)
			if (pfd[i].revents & POLLIN)
				accept_ready(l, i - 1);
	}
	close_listeners(l);
	drop_sniffing(l);
	l->have = false;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

int sat_listen_set(sat_listen *l, bool on, char *err, size_t errlen)
{
	uint64_t one = 1;
	pthread_mutex_lock(&l->mu);
	l->want = on;
	(void)!write(l->wake_fd, &one, sizeof(one));
	while (l->have != on && l->want == on && !l->stop)
		pthread_cond_wait(&l->cv, &l->mu);
	int rv = l->have == on ? TB_OK : l->rv;
	if (rv != TB_OK)
		snprintf(err, errlen, "%s", l->err);
	pthread_mutex_unlock(&l->mu);
	return rv;
}

static int check_opts(const sat_listen_opts *o, char *err, size_t errlen)
{
	if (o->nports + o->ngrpc_ports == 0 ||
	    o->nports + o->ngrpc_ports > SAT_LISTEN_MAX_PORTS) {
		snprintf(err, errlen, "need 1 to %d ports in all, not %zu", SAT_LISTEN_MAX_PORTS,
			 o->nports + o->ngrpc_ports);
		return TB_EINVAL;
	}
	return TB_OK;
}

int sat_listen_alloc(sat_listen **lp, const sat_listen_opts *o, char *err, size_t errlen)
{
	*lp = NULL;
	int rv = check_opts(o, err, errlen);
	if (rv != TB_OK)
		return rv;
	sat_listen *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return TB_ENOMEM;
	l->o = *o;
	if (inet_pton(AF_INET, o->bind ? o->bind : "127.0.0.1", &l->addr) != 1) {
		snprintf(err, errlen, "bind address \"%s\" is not an IPv4 address", o->bind);
		free(l);
		return TB_EADDR;
	}
	memcpy(l->ports, o->ports, o->nports * sizeof(o->ports[0]));
	if (o->ngrpc_ports > 0) /* grpc_ports may be NULL then */
		memcpy(l->ports + o->nports, o->grpc_ports, o->ngrpc_ports * sizeof(o->ports[0]));
	l->nports = o->nports;
	l->nall = o->nports + o->ngrpc_ports;
	for (size_t i = 0; i < SAT_LISTEN_MAX_PORTS; i++)
		l->fds[i] = -1;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	if ((l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		rv = TB_ESYS;
		goto fail;
	}
	/* Bind here, in the caller's thread, so a port in use is reported at start-up. */
	rv = open_listeners(l, err, errlen);
	if (rv == TB_EADDR && o->fallback_free) {
		tb_info("satellite: %s; serving %zu free ports instead", err, l->nall);
		memset(l->ports, 0, sizeof(l->ports));
		rv = open_listeners(l, err, errlen);
	}
	if (rv != TB_OK)
		goto fail;
	l->want = l->have = true;
	if (pthread_create(&l->thread, NULL, accept_main, l) != 0) {
		snprintf(err, errlen, "cannot start the accept thread");
		rv = TB_ESYS;
		goto fail;
	}
	*lp = l;
	return TB_OK;
fail:
	close_listeners(l);
	if (l->wake_fd >= 0)
		close(l->wake_fd);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
	return rv;
}

bool sat_listen_up(sat_listen *l)
{
	pthread_mutex_lock(&l->mu);
	bool up = l->have;
	pthread_mutex_unlock(&l->mu);
	return up;
}

const uint16_t *sat_listen_ports(const sat_listen *l, size_t *n)
{
	*n = l->nports;
	return l->ports;
}

const uint16_t *sat_listen_grpc_ports(const sat_listen *l, size_t *n)
{
	*n = l->nall - l->nports;
	return l->ports + l->nports;
}

bool sat_peer_closed(int fd)
{
	char b;
	ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

void sat_listen_free(sat_listen *l)
{
	uint64_t one = 1;
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = true;
	(void)!write(l->wake_fd, &one, sizeof(one));
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->thread, NULL);
	close(l->wake_fd);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}
