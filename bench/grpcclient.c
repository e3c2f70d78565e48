/* SPDX-License-Identifier: MIT */
/* grpcclient.c - a gRPC client for tests and benchmarks (grpcclient.h). */
#include "bench/grpcclient.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "common/clock.h"

struct tg_conn {
	int fd;
	nghttp2_session *s;
	bool dead;
};

typedef struct call {
	tg_reply *r;
	const uint8_t *body;
	size_t len, off;
	bool done;
} call;

static ssize_t on_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *u)
{
	tg_conn *c = u;
	ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return NGHTTP2_ERR_WOULDBLOCK;
	return n < 0 ? NGHTTP2_ERR_CALLBACK_FAILURE : n;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
		     size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *u)
{
	call *k = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	char v[600];
	if (k == NULL)
		return 0;
	snprintf(v, sizeof(v), "%.*s", (int)(vl < sizeof(v) ? vl : sizeof(v) - 1), value);
	if (nl == 7 && memcmp(name, ":status", 7) == 0)
		k->r->http_status = atoi(v);
	else if (nl == 11 && memcmp(name, "grpc-status", 11) == 0)
		k->r->grpc_status = atoi(v);
	else if (nl == 12 && memcmp(name, "grpc-message", 12) == 0)
		snprintf(k->r->grpc_message, sizeof(k->r->grpc_message), "%.500s", v);
	return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *d, size_t len,
		   void *u)
{
	call *k = nghttp2_session_get_stream_user_data(s, id);
	if (k != NULL && k->r->len + len <= sizeof(k->r->body)) {
		memcpy(k->r->body + k->r->len, d, len);
		k->r->len += len;
	}
	return 0;
}

static int on_close(nghttp2_session *s, int32_t id, uint32_t code, void *u)
{
	call *k = nghttp2_session_get_stream_user_data(s, id);
	if (k != NULL) {
		k->r->reset = code != NGHTTP2_NO_ERROR;
		k->done = true;
	}
	return 0;
}

static ssize_t read_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length,
			 uint32_t *flags, nghttp2_data_source *src, void *u)
{
	call *k = src->ptr;
	size_t n = k->len - k->off < length ? k->len - k->off : length;
	memcpy(buf, k->body + k->off, n);
	k->off += n;
	if (k->off == k->len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

tg_conn *tg_open(uint16_t port)
{
	tg_conn *c = calloc(1, sizeof(*c));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	nghttp2_session_callbacks *cb;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(c->fd);
		free(c);
		return NULL;
	}
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	nghttp2_session_callbacks_new(&cb);
	nghttp2_session_callbacks_set_send_callback(cb, on_send);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
	nghttp2_session_client_new(&c->s, cb, c);
	nghttp2_session_callbacks_del(cb);
	nghttp2_submit_settings(c->s, NGHTTP2_FLAG_NONE, NULL, 0);
	return c;
}

/* pump sends and receives until the call is done, the connection ends, or timeout. */
static bool pump(tg_conn *c, call *k, int timeout_ms)
{
	uint64_t end = tb_now_ns() + (uint64_t)timeout_ms * 1000000;
	uint8_t buf[16384];
	while (!k->done && !c->dead) {
		if (nghttp2_session_send(c->s) != 0)
			c->dead = true;
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		uint64_t now = tb_now_ns();
		if (now >= end)
			return false;
		if (poll(&p, 1, (int)((end - now) / 1000000) + 1) <= 0)
			continue;
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
		if (n <= 0 || nghttp2_session_mem_recv(c->s, buf, (size_t)n) < 0)
			c->dead = true;
	}
	k->r->conn_lost = !k->done;
	return true;
}

bool tg_call_raw(tg_conn *c, const char *path, const uint8_t *body, size_t len,
		 const char *const *headers, int timeout_ms, tg_reply *r)
{
	nghttp2_nv nv[16];
	size_t n = 0;
	char hs[8][128];
#define NVS(a, b) (nghttp2_nv){(uint8_t *)(a), (uint8_t *)(b), strlen(a), strlen(b), 0}
	nv[n++] = NVS(":method", "POST");
	nv[n++] = NVS(":scheme", "http");
	nv[n++] = NVS(":authority", "localhost");
	nv[n++] = NVS(":path", path);
	nv[n++] = NVS("te", "trailers");
	bool typed = false;
	for (size_t i = 0; headers && headers[i] && i < 8; i++) {
		snprintf(hs[i], sizeof(hs[i]), "%s", headers[i]);
		char *colon = strchr(hs[i], ':');
		*colon = '\0';
		nv[n++] = NVS(hs[i], colon + 2);
		typed |= strcmp(hs[i], "content-type") == 0;
	}
	if (!typed)
		nv[n++] = NVS("content-type", "application/grpc");
	memset(r, 0, sizeof(*r));
	r->grpc_status = -1;
	call k = {.r = r, .body = body, .len = len};
	nghttp2_data_provider dp = {.source.ptr = &k, .read_callback = read_body};
	int32_t id = nghttp2_submit_request(c->s, NULL, nv, n, &dp, &k);
	if (id < 0)
		return false;
	bool ok = pump(c, &k, timeout_ms);
	nghttp2_session_set_stream_user_data(c->s, id, NULL);
	return ok;
}

bool tg_call(tg_conn *c, const char *path, const uint8_t *msg, size_t len, bool gzip,
	     const char *const *headers, int timeout_ms, tg_reply *r)
{
	uLong cap = compressBound((uLong)len) + 64;
	uint8_t *b = malloc(5 + cap);
	size_t mlen = len;
	if (gzip) {
		z_stream z = {0};
		deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
		z.next_in = (Bytef *)msg;
		z.avail_in = (uInt)len;
		z.next_out = b + 5;
		z.avail_out = (uInt)cap;
		deflate(&z, Z_FINISH);
		mlen = z.total_out;
		deflateEnd(&z);
	} else if (len > 0) {
		memcpy(b + 5, msg, len);
	}
	b[0] = gzip ? 1 : 0;
	b[1] = (uint8_t)(mlen >> 24);
	b[2] = (uint8_t)(mlen >> 16);
	b[3] = (uint8_t)(mlen >> 8);
	b[4] = (uint8_t)mlen;
	const char *gz[] = {"grpc-encoding: gzip", NULL};
	bool ok = tg_call_raw(c, path, b, 5 + mlen, gzip ? gz : headers, timeout_ms, r);
	free(b);
	return ok;
}

void tg_close(tg_conn *c)
{
	if (c == NULL)
		return;
	nghttp2_session_del(c->s);
	close(c->fd);
	free(c);
}

bool tg_once(uint16_t port, const char *path, const uint8_t *msg, size_t len, bool gzip,
	     tg_reply *r)
{
	tg_conn *c = tg_open(port);
	if (c == NULL)
		return false;
	bool ok = tg_call(c, path, msg, len, gzip, NULL, 20000, r);
	tg_close(c);
	return ok;
}
