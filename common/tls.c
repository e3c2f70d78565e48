/* SPDX-License-Identifier: MIT */
/* tls.c - TLS credentials for agent links: loading and checking the PEM files with
 * mbedTLS (the library nng's TLS transport runs on), handing them to nng listeners and
 * dialers, and a diagnostic handshake that says why a dial fails. */
#include "common/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <nng/supplemental/tls/tls.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"

/* PEM files are small; a larger one is not what the option asks for. */
#define PEM_MAX (1u << 20)

struct tb_tls {
	char *cert_pem, *key_pem, *ca_pem;	/* NUL-terminated, as nng wants them */
	char cert_path[256], ca_path[256];	/* for messages */
	char allow[256];			/* "" = any certificate from the CA */
};

bool tb_tls_opts_given(const tb_tls_opts *o)
{
	return o->cert != NULL || o->key != NULL || o->ca != NULL || o->allow != NULL;
}

/* read_pem reads path whole, NUL-terminated, into *out. */
static int read_pem(const char *flag, const char *path, char **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s %s: cannot read: %s", flag, path, strerror(errno));
		return TB_EINVAL;
	}
	char *buf = malloc(PEM_MAX + 1);
	size_t n = buf ? fread(buf, 1, PEM_MAX + 1, f) : 0;
	bool failed = ferror(f) != 0;
	fclose(f);
	if (buf == NULL)
		return TB_ENOMEM;
	if (failed || n == 0 || n > PEM_MAX) {
		snprintf(err, errlen, "%s %s: %s", flag, path,
			 failed ? "read error" : n == 0 ? "empty file" : "larger than 1 MiB");
		free(buf);
		return TB_EINVAL;
	}
	buf[n] = '\0';
	*out = buf;
	return TB_OK;
}

static void mbed_reason(int rv, char *buf, size_t len)
{
	mbedtls_strerror(rv, buf, len);
}

/* parse_certs parses pem into crt; err names flag and path on failure. */
static int parse_certs(mbedtls_x509_crt *crt, const char *pem, const char *flag,
		       const char *path, char *err, size_t errlen)
{
	int rv = mbedtls_x509_crt_parse(crt, (const unsigned char *)pem, strlen(pem) + 1);
	if (rv != 0) {
		char why[160];
		mbed_reason(rv, why, sizeof(why));
		snprintf(err, errlen, "%s %s: not a PEM certificate (%s)", flag, path, why);
		return TB_EINVAL;
	}
	return TB_OK;
}

/* check_dates refuses a certificate outside its validity period. */
static int check_dates(const mbedtls_x509_crt *crt, const char *path, char *err,
		       size_t errlen)
{
	const mbedtls_x509_time *to = &crt->valid_to, *from = &crt->valid_from;
	if (mbedtls_x509_time_is_past(to)) {
		snprintf(err, errlen, "--tls-cert %s: the certificate expired on "
			 "%04d-%02d-%02d %02d:%02d UTC", path, to->year, to->mon, to->day,
			 to->hour, to->min);
		return TB_EINVAL;
	}
	if (mbedtls_x509_time_is_future(from)) {
		snprintf(err, errlen, "--tls-cert %s: the certificate is not valid before "
			 "%04d-%02d-%02d %02d:%02d UTC (is this host's clock right?)", path,
			 from->year, from->mon, from->day, from->hour, from->min);
		return TB_EINVAL;
	}
	return TB_OK;
}

/* check_files parses what was read: the CA, the certificate (in date, matching the
 * key, ideally from the CA) and the key. */
static int check_files(const tb_tls *t, const tb_tls_opts *o, char *err, size_t errlen)
{
	mbedtls_x509_crt ca, crt;
	mbedtls_pk_context pk;
	mbedtls_x509_crt_init(&ca);
	mbedtls_x509_crt_init(&crt);
	mbedtls_pk_init(&pk);
	char why[160];
	int rc = parse_certs(&ca, t->ca_pem, "--tls-ca", o->ca, err, errlen);
	if (rc == TB_OK)
		rc = parse_certs(&crt, t->cert_pem, "--tls-cert", o->cert, err, errlen);
	if (rc == TB_OK)
		rc = check_dates(&crt, o->cert, err, errlen);
	if (rc != TB_OK)
		goto out;
	int rv = mbedtls_pk_parse_key(&pk, (const unsigned char *)t->key_pem,
				      strlen(t->key_pem) + 1, NULL, 0);
	if (rv != 0) {
		mbed_reason(rv, why, sizeof(why));
		snprintf(err, errlen, "--tls-key %s: unreadable key (%s)%s", o->key, why,
			 rv == MBEDTLS_ERR_PK_PASSWORD_REQUIRED
				 ? "; the key must not be encrypted" : "");
		rc = TB_EINVAL;
		goto out;
	}
	if (mbedtls_pk_check_pair(&crt.pk, &pk) != 0) {
		snprintf(err, errlen, "--tls-key %s is not the key of --tls-cert %s", o->key,
			 o->cert);
		rc = TB_EINVAL;
		goto out;
	}
	uint32_t flags = 0;
	if (mbedtls_x509_crt_verify(&crt, &ca, NULL, NULL, &flags, NULL, NULL) != 0)
		tb_warn("--tls-cert %s is not signed by --tls-ca %s: peers that trust only that "
			"CA will refuse it", o->cert, o->ca);
out:
	mbedtls_pk_free(&pk);
	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_free(&ca);
	return rc;
}

int tb_tls_load(tb_tls **tp, const tb_tls_opts *o, char *err, size_t errlen)
{
	*tp = NULL;
	const char *missing = o->cert == NULL ? "--tls-cert" : o->key == NULL ? "--tls-key"
			      : o->ca == NULL ? "--tls-ca" : NULL;
	if (missing != NULL) {
		snprintf(err, errlen, "TLS needs --tls-cert, --tls-key and --tls-ca; %s is "
			 "missing", missing);
		return TB_EINVAL;
	}
	tb_tls *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return TB_ENOMEM;
	snprintf(t->cert_path, sizeof(t->cert_path), "%s", o->cert);
	snprintf(t->ca_path, sizeof(t->ca_path), "%s", o->ca);
	snprintf(t->allow, sizeof(t->allow), "%s", o->allow ? o->allow : "");
	int rc = read_pem("--tls-cert", o->cert, &t->cert_pem, err, errlen);
	if (rc == TB_OK)
		rc = read_pem("--tls-key", o->key, &t->key_pem, err, errlen);
	if (rc == TB_OK)
		rc = read_pem("--tls-ca", o->ca, &t->ca_pem, err, errlen);
	if (rc == TB_OK)
		rc = check_files(t, o, err, errlen);
	if (rc != TB_OK) {
		tb_tls_free(t);
		return rc;
	}
	*tp = t;
	return TB_OK;
}

void tb_tls_free(tb_tls *t)
{
	if (t == NULL)
		return;
	if (t->key_pem != NULL) /* keys do not linger in freed memory */
		memset(t->key_pem, 0, strlen(t->key_pem));
	free(t->cert_pem);
	free(t->key_pem);
	free(t->ca_pem);
	free(t);
}

/* config_alloc makes an nng configuration with our credentials, the peer required to
 * be from the CA and to carry name (NULL: any name). */
static int config_alloc(const tb_tls *t, nng_tls_mode mode, const char *name,
			nng_tls_config **cfgp, char *err, size_t errlen)
{
	nng_tls_config *cfg = NULL;
	int rv = nng_tls_config_alloc(&cfg, mode);
	if (rv != 0) {
		snprintf(err, errlen, "TLS configuration: %s", nng_strerror(rv));
		return tb_err_from_nng(rv);
	}
	if ((rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) == 0 &&
	    (rv = nng_tls_config_ca_chain(cfg, t->ca_pem, NULL)) == 0 &&
	    (rv = nng_tls_config_own_cert(cfg, t->cert_pem, t->key_pem, NULL)) == 0 &&
	    name != NULL && name[0] != '\0')
		rv = nng_tls_config_server_name(cfg, name);
	if (rv != 0) {
		snprintf(err, errlen, "TLS configuration from %s: %s", t->cert_path,
			 nng_strerror(rv));
		nng_tls_config_free(cfg);
		return tb_err_from_nng(rv);
	}
	*cfgp = cfg;
	return TB_OK;
}

int tb_tls_listener_setup(const tb_tls *t, nng_listener l, char *err, size_t errlen)
{
	nng_tls_config *cfg = NULL;
	int rc = config_alloc(t, NNG_TLS_MODE_SERVER, t->allow, &cfg, err, errlen);
	if (rc != TB_OK)
		return rc;
	int rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, cfg);
	nng_tls_config_free(cfg); /* the listener holds its own reference */
	if (rv != 0) {
		snprintf(err, errlen, "TLS on a listener: %s", nng_strerror(rv));
		return tb_err_from_nng(rv);
	}
	return TB_OK;
}

int tb_tls_dialer_setup(const tb_tls *t, nng_dialer d, const char *host, char *err,
			size_t errlen)
{
	nng_tls_config *cfg = NULL;
	int rc = config_alloc(t, NNG_TLS_MODE_CLIENT, host, &cfg, err, errlen);
	if (rc != TB_OK)
		return rc;
	int rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cfg);
	nng_tls_config_free(cfg);
	if (rv != 0) {
		snprintf(err, errlen, "TLS on a dialer: %s", nng_strerror(rv));
		return tb_err_from_nng(rv);
	}
	return TB_OK;
}

/* connect_within opens a TCP connection to host:port, giving up after timeout_ms. */
static int connect_within(const char *host, const char *port, int timeout_ms, char *err,
			  size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	int gai = getaddrinfo(host, port, &hints, &ai);
	if (gai != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(gai));
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rv = fd < 0 ? -1 : connect(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (fd >= 0 && rv != 0 && errno == EINPROGRESS) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int soerr = ETIMEDOUT;
		socklen_t sl = sizeof(soerr);
		if (poll(&p, 1, timeout_ms) == 1)
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		errno = soerr;
		rv = soerr == 0 ? 0 : -1;
	}
	if (rv != 0) {
		snprintf(err, errlen, "cannot connect to %s:%s: %s", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* bio_send is mbedtls_net_send without SIGPIPE: a peer that hangs up mid-handshake is
 * an answer, not a reason to die. */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	int fd = ((mbedtls_net_context *)ctx)->fd;
	ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
						     : MBEDTLS_ERR_NET_SEND_FAILED;
}

/* explain_verify says what was wrong with the certificate the agent showed. */
static void explain_verify(const tb_tls *t, mbedtls_ssl_context *ssl, const char *host,
			   char *err, size_t errlen)
{
	uint32_t flags = mbedtls_ssl_get_verify_result(ssl);
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(ssl);
	char subject[200] = "?";
	if (peer != NULL)
		mbedtls_x509_dn_gets(subject, sizeof(subject), &peer->subject);
	if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
		snprintf(err, errlen, "the agent's certificate (%s) expired on %04d-%02d-%02d",
			 subject, peer ? peer->valid_to.year : 0, peer ? peer->valid_to.mon : 0,
			 peer ? peer->valid_to.day : 0);
	else if (flags & MBEDTLS_X509_BADCERT_FUTURE)
		snprintf(err, errlen, "the agent's certificate (%s) is not valid yet: are the "
			 "hosts' clocks right?", subject);
	else if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
		snprintf(err, errlen, "the agent's certificate (%s) is not signed by --tls-ca %s",
			 subject, t->ca_path);
	else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
		snprintf(err, errlen, "the agent's certificate (%s) does not name '%s', the host "
			 "in its URL", subject, host);
	else {
		char info[256];
		mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
		info[strcspn(info, "\n")] = '\0';
		snprintf(err, errlen, "the agent's certificate (%s) was refused: %s", subject,
			 info);
	}
}

/* explain_handshake turns a failed handshake's code into the likely cause. */
static void explain_handshake(const tb_tls *t, mbedtls_ssl_context *ssl, int rv,
			      const char *host, int timeout_ms, char *err, size_t errlen)
{
	char why[160];
	switch (rv) {
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
		explain_verify(t, ssl, host, err, errlen);
		return;
	case MBEDTLS_ERR_SSL_TIMEOUT:
		snprintf(err, errlen, "no TLS answer within %d ms", timeout_ms);
		return;
	case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
	case MBEDTLS_ERR_SSL_CONN_EOF:
	case MBEDTLS_ERR_NET_CONN_RESET:
	case MBEDTLS_ERR_SSL_INVALID_RECORD:
	case MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO:
		/* An agent that has seen our certificate and hangs up refused it; one that
		 * hangs up before its own hello does not speak TLS. */
		if (ssl->state > MBEDTLS_SSL_CLIENT_CERTIFICATE ||
		    rv == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
			snprintf(err, errlen, "the agent refused our certificate (--tls-cert %s): "
				 "it must be signed by a CA the agent trusts and carry the name of "
				 "the agent's --tls-allow, if it has one", t->cert_path);
		else
			snprintf(err, errlen, "the peer does not speak TLS (is it listening on "
				 "tcp:// rather than tls+tcp://?)");
		return;
	default:
		mbed_reason(rv, why, sizeof(why));
		snprintf(err, errlen, "TLS handshake failed: %s", why);
	}
}

int tb_tls_probe(const tb_tls *t, const char *host, const char *port, int timeout_ms,
		 char *err, size_t errlen)
{
	mbedtls_net_context net;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca, crt;
	mbedtls_pk_context pk;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_net_init(&net);
	mbedtls_ssl_init(&ssl);
	mbedtls_ssl_config_init(&conf);
	mbedtls_x509_crt_init(&ca);
	mbedtls_x509_crt_init(&crt);
	mbedtls_pk_init(&pk);
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	int rc = TB_EPEER, rv;
	uint64_t deadline = tb_now_ns() + (uint64_t)timeout_ms * TB_NS_PER_MS;

	/* The files parsed when they were loaded; a failure here is memory. */
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0) != 0 ||
	    mbedtls_x509_crt_parse(&ca, (const unsigned char *)t->ca_pem,
				   strlen(t->ca_pem) + 1) != 0 ||
	    mbedtls_x509_crt_parse(&crt, (const unsigned char *)t->cert_pem,
				   strlen(t->cert_pem) + 1) != 0 ||
	    mbedtls_pk_parse_key(&pk, (const unsigned char *)t->key_pem,
				 strlen(t->key_pem) + 1, NULL, 0) != 0 ||
	    mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0 ||
	    mbedtls_ssl_conf_own_cert(&conf, &crt, &pk) != 0) {
		snprintf(err, errlen, "cannot set up a TLS handshake");
		rc = TB_ENOMEM;
		goto out;
	}
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
	mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ssl_conf_read_timeout(&conf, (uint32_t)timeout_ms);
	if (mbedtls_ssl_setup(&ssl, &conf) != 0 || mbedtls_ssl_set_hostname(&ssl, host) != 0) {
		snprintf(err, errlen, "cannot set up a TLS handshake");
		rc = TB_ENOMEM;
		goto out;
	}
	if ((net.fd = connect_within(host, port, timeout_ms, err, errlen)) < 0) {
		rc = TB_EADDR;
		goto out;
	}
	mbedtls_ssl_set_bio(&ssl, &net, bio_send, NULL, mbedtls_net_recv_timeout);
	while ((rv = mbedtls_ssl_handshake(&ssl)) == MBEDTLS_ERR_SSL_WANT_READ ||
	       rv == MBEDTLS_ERR_SSL_WANT_WRITE) {
		if (tb_now_ns() >= deadline) {
			rv = MBEDTLS_ERR_SSL_TIMEOUT;
			break;
		}
	}
	if (rv == 0) {
		rc = TB_OK;
		mbedtls_ssl_close_notify(&ssl);
		goto out;
	}
	explain_handshake(t, &ssl, rv, host, timeout_ms, err, errlen);
out:
	mbedtls_net_free(&net);
	mbedtls_ssl_free(&ssl);
	mbedtls_ssl_config_free(&conf);
	mbedtls_x509_crt_free(&ca);
	mbedtls_x509_crt_free(&crt);
	mbedtls_pk_free(&pk);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return rc;
}
