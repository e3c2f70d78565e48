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

#include "common/error.h"
#include "common/log.h"

/* Beyond these, the oldest are forgotten: a flood is shut down in rounds. */
#define MAX_PIPES 256
#define MAX_CONNS 256
#define KEY_LEN 48	/* "0100007F:1F90", or 32 hex digits and a port for IPv6 */

typedef struct pipe_entry {
	uint32_t id;
	char key[KEY_LEN];	/* the remote address as /proc/net/tcp writes it */
} pipe_entry;

typedef struct conn_entry {
	uint64_t inode;
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

/* addr_key writes a remote address the way /proc/net/tcp and tcp6 do: the address
 * bytes as 32-bit words in host order, in hex, then the port. */
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
static void note_conn(tb_stalled *s, uint64_t inode, const char *key, uint64_t now_ns)
{
	for (size_t i = 0; i < s->nconns; i++)
		if (s->conns[i].inode == inode) {
			s->conns[i].seen = true;
			return;
		}
	if (s->nconns == MAX_CONNS)
		return;
	conn_entry *c = &s->conns[s->nconns++];
	*c = (conn_entry){.inode = inode, .first_ns = now_ns, .seen = true};
	snprintf(c->key, sizeof(c->key), "%s", key);
}

/* scan_table reads one of /proc/self/net/tcp{,6}: established connections to our port
 * without a pipe are noted. */
static void scan_table(tb_stalled *s, const char *path, uint16_t port, uint64_t now_ns)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return;
	char line[512];
	if (fgets(line, sizeof(line), f) == NULL) { /* the header */
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char local[KEY_LEN], remote[KEY_LEN], state[8];
		unsigned long long inode;
		if (sscanf(line, " %*s %47s %47s %7s %*s %*s %*s %*s %*s %llu", local, remote,
			   state, &inode) != 4)
			continue;
		const char *colon = strrchr(local, ':');
		if (colon == NULL || strtoul(colon + 1, NULL, 16) != port ||
		    strcmp(state, "01") != 0 || inode == 0 || has_pipe(s, remote))
			continue;
		note_conn(s, inode, remote, now_ns);
	}
	fclose(f);
}

/* fd_of finds this process's descriptor for a socket inode; -1 if none. */
static int fd_of(uint64_t inode)
{
	DIR *d = opendir("/proc/self/fd");
	int found = -1;
	struct dirent *de;
	char want[64];
	snprintf(want, sizeof(want), "socket:[%" PRIu64 "]", inode);
	while (d != NULL && found < 0 && (de = readdir(d)) != NULL) {
		char path[300], target[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, want) == 0)
			found = atoi(de->d_name);
	}
	if (d != NULL)
		closedir(d);
	return found;
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
	int fd = fd_of(c->inode);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_ino != c->inode)
		return false;
	shutdown(fd, SHUT_RDWR);
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
	scan_table(s, "/proc/self/net/tcp", port, now_ns);
	scan_table(s, "/proc/self/net/tcp6", port, now_ns);
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
