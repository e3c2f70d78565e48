/* SPDX-License-Identifier: MIT */
/* stalled.c - finding and shutting down TLS connections stuck before their handshake. */
#include "common/stalled.h"

#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "common/error.h"
#include "common/log.h"

/* Beyond these, the oldest are forgotten: a flood is shut down in rounds. */
#define MAX_PIPES 256
#define MAX_CONNS 256
#define KEY_LEN 48	/* "0100007F:1F90", or 32 hex digits and a port for IPv6 */

typedef struct pipe_entry {
	uint32_t id;
	char key[KEY_LEN];	/* the remote address, as addr_key writes it */
} pipe_entry;

typedef struct conn_entry {
	uint64_t inode;		/* the socket's, so a reused descriptor is not mistaken */
	int fd;
	uint64_t first_ns;
	char key[KEY_LEN];
	bool seen;
} conn_entry;

struct tb_stalled {
	pthread_mutex_t mu;	/* pipes: nng's pipe events come on its threads */
	pipe_entry pipes[MAX_PIPES];
	size_t npipes;
	conn_entry conns[MAX_CONNS];
	size_t nconns;
};

/* addr_key writes a remote address as a key: the address bytes as 32-bit words in host
 * order, in hex, then the port. */
static void addr_key(const nng_sockaddr *sa, char *key, size_t len)
{
	key[0] = '\0';
	if (sa->s_family == NNG_AF_INET) {
		snprintf(key, len, "%08" PRIX32 ":%04X", sa->s_in.sa_addr,
			 ntohs(sa->s_in.sa_port));
	} else if (sa->s_family == NNG_AF_INET6) {
		uint32_t w[4];
		memcpy(w, sa->s_in6.sa_addr, sizeof(w));
		snprintf(key, len, "%08" PRIX32 "%08" PRIX32 "%08" PRIX32 "%08" PRIX32 ":%04X",
			 w[0], w[1], w[2], w[3], ntohs(sa->s_in6.sa_port));
	}
}

static void on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	tb_stalled *s = arg;
	uint32_t id = (uint32_t)nng_pipe_id(p);
	nng_sockaddr sa;
	pthread_mutex_lock(&s->mu);
	if (ev == NNG_PIPE_EV_ADD_POST && s->npipes < MAX_PIPES &&
	    nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) == 0) {
		pipe_entry *e = &s->pipes[s->npipes++];
		e->id = id;
		addr_key(&sa, e->key, sizeof(e->key));
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		for (size_t i = 0; i < s->npipes; i++)
			if (s->pipes[i].id == id) {
				s->pipes[i] = s->pipes[--s->npipes];
				break;
			}
	}
	pthread_mutex_unlock(&s->mu);
}

int tb_stalled_alloc(tb_stalled **sp, nng_socket sock)
{
	tb_stalled *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return TB_ENOMEM;
	pthread_mutex_init(&s->mu, NULL);
	nng_pipe_notify(sock, NNG_PIPE_EV_ADD_POST, on_pipe, s);
	nng_pipe_notify(sock, NNG_PIPE_EV_REM_POST, on_pipe, s);
	*sp = s;
	return TB_OK;
}

void tb_stalled_free(tb_stalled *s)
{
	if (s == NULL)
		return;
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static bool has_pipe(tb_stalled *s, const char *key)
{
	bool found = false;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->npipes && !found; i++)
		found = strcmp(s->pipes[i].key, key) == 0;
	pthread_mutex_unlock(&s->mu);
	return found;
}

/* note_conn marks a pipe-less connection seen now, tracking it if it is new. */
static void note_conn(tb_stalled *s, uint64_t inode, int fd, const char *key, uint64_t now_ns)
{
	for (size_t i = 0; i < s->nconns; i++)
		if (s->conns[i].inode == inode) {
			s->conns[i].seen = true;
			return;
		}
	if (s->nconns == MAX_CONNS)
		return;
	conn_entry *c = &s->conns[s->nconns++];
	*c = (conn_entry){.inode = inode, .fd = fd, .first_ns = now_ns, .seen = true};
	snprintf(c->key, sizeof(c->key), "%s", key);
}

/* sock_key writes the peer of a TCP socket fd as addr_key does; false when fd is not an
 * established TCP connection to port. */
static bool sock_key(int fd, uint16_t port, char *key, size_t len)
{
	struct sockaddr_storage local, peer;
	socklen_t ll = sizeof(local), pl = sizeof(peer);
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	if (getsockname(fd, (struct sockaddr *)&local, &ll) != 0 ||
	    (local.ss_family != AF_INET && local.ss_family != AF_INET6))
		return false;
	uint16_t lport = local.ss_family == AF_INET
				 ? ntohs(((struct sockaddr_in *)&local)->sin_port)
				 : ntohs(((struct sockaddr_in6 *)&local)->sin6_port);
	if (lport != port || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) != 0 ||
	    ti.tcpi_state != TCP_ESTABLISHED || getpeername(fd, (struct sockaddr *)&peer, &pl) != 0)
		return false;
	nng_sockaddr sa;
	memset(&sa, 0, sizeof(sa));
	if (peer.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&peer;
		sa.s_in.sa_family = NNG_AF_INET;
		sa.s_in.sa_addr = in->sin_addr.s_addr;
		sa.s_in.sa_port = in->sin_port;
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&peer;
		sa.s_in6.sa_family = NNG_AF_INET6;
		memcpy(sa.s_in6.sa_addr, &in6->sin6_addr, 16);
		sa.s_in6.sa_port = in6->sin6_port;
	}
	addr_key(&sa, key, len);
	return true;
}

/* scan_fds looks at this process's own sockets: established connections to port
 * without a pipe are noted, with their descriptor. Reading our descriptors is cheap;
 * /proc/net/tcp would walk the kernel's whole connection table on every read. */
static void scan_fds(tb_stalled *s, uint16_t port, uint64_t now_ns)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int self = d != NULL ? dirfd(d) : -1;
	while (d != NULL && (de = readdir(d)) != NULL) {
		int fd = atoi(de->d_name);
		struct stat st;
		char key[KEY_LEN];
		if (de->d_name[0] == '.' || fd == self || fstat(fd, &st) != 0 ||
		    !S_ISSOCK(st.st_mode) || !sock_key(fd, port, key, sizeof(key)) ||
		    has_pipe(s, key))
			continue;
		note_conn(s, (uint64_t)st.st_ino, fd, key, now_ns);
	}
	if (d != NULL)
		closedir(d);
}

/* key_text writes a key as "address:port" (the inverse of addr_key). */
static void key_text(const char *key, char *buf, size_t len)
{
	uint32_t w[4] = {0};
	size_t ndig = strcspn(key, ":"), nw = ndig / 8;
	for (size_t i = 0; i < nw && i < 4; i++) {
		char word[9];
		memcpy(word, key + 8 * i, 8);
		word[8] = '\0';
		w[i] = (uint32_t)strtoul(word, NULL, 16);
	}
	char addr[INET6_ADDRSTRLEN] = "?";
	inet_ntop(nw == 4 ? AF_INET6 : AF_INET, w, addr, sizeof(addr));
	unsigned long port = key[ndig] == ':' ? strtoul(key + ndig + 1, NULL, 16) : 0;
	snprintf(buf, len, nw == 4 ? "[%s]:%lu" : "%s:%lu", addr, port);
}

/* drop shuts a connection down if its descriptor still is that socket. */
static bool drop(const conn_entry *c, uint16_t port, uint64_t age_ns)
{
	struct stat st;
	if (fstat(c->fd, &st) != 0 || (uint64_t)st.st_ino != c->inode)
		return false;
	shutdown(c->fd, SHUT_RDWR);
	char peer[80];
	key_text(c->key, peer, sizeof(peer));
	tb_warn("port %u: dropped the connection from %s: no TLS handshake after %.0f s", port,
		peer, (double)age_ns / 1e9);
	return true;
}

size_t tb_stalled_sweep(tb_stalled *s, uint16_t port, uint64_t now_ns, uint64_t limit_ns)
{
	for (size_t i = 0; i < s->nconns; i++)
		s->conns[i].seen = false;
	scan_fds(s, port, now_ns);
	size_t dropped = 0;
	for (size_t i = 0; i < s->nconns;) {
		conn_entry *c = &s->conns[i];
		uint64_t age = now_ns - c->first_ns;
		/* Gone, or a pipe now, or shut down: forget it. */
		if (!c->seen || (age > limit_ns && drop(c, port, age))) {
			dropped += c->seen;
			s->conns[i] = s->conns[--s->nconns];
			continue;
		}
		i++;
	}
	return dropped;
}
