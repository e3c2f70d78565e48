/* SPDX-License-Identifier: MIT */
/* tls.h - mutual TLS for the links between the orchestrator and its agents
 * (tls+tcp:// URLs), on nng's TLS transport.
 *
 * Both sides hold a certificate and key signed by a lab CA, and each verifies the other
 * against its --tls-ca: a peer without a certificate from that CA never gets a pipe.
 * The dialer (orchestrator) also checks that the agent's certificate names the host in
 * the URL. The listener (agent) may also require one name of the orchestrator's
 * certificate (--tls-allow): nng hands mbedTLS one expected name per listener, so the
 * allow-list holds one name, matched against the certificate's DNS subjectAltNames or,
 * when it has none, its CN.
 *
 * tb_tls_load reads and checks the files once, so that a bad file is an error naming
 * it (unreadable, not PEM, expired, key not matching) before anything listens or dials.
 * Keys must not be encrypted: agents start unattended. */
#ifndef TB_TLS_H
#define TB_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <nng/nng.h>

/* The files and the name, as given on a command line or in a plan. */
typedef struct tb_tls_opts {
	const char *cert;	/* PEM certificate (chain) of this side */
	const char *key;	/* PEM private key for it, unencrypted */
	const char *ca;		/* PEM CA certificate(s) the peer must be signed by */
	const char *allow;	/* listener only: the name the peer's certificate must carry;
				 * NULL: any certificate from the CA */
} tb_tls_opts;

typedef struct tb_tls tb_tls;

/* tb_tls_opts_given tells whether any TLS file was given. */
bool tb_tls_opts_given(const tb_tls_opts *o);

/* tb_tls_load reads and checks o's files: all three must be given, readable and PEM;
 * the certificate must be valid now and match the key. Returns TB_OK with *tp to free
 * with tb_tls_free, or TB_EINVAL / TB_ENOMEM with err naming the file and the reason.
 * A certificate not signed by the CA is logged as a warning only: a lab may sign each
 * side with its own CA. */
int tb_tls_load(tb_tls **tp, const tb_tls_opts *o, char *err, size_t errlen);

/* tb_tls_free frees t. NULL is fine. */
void tb_tls_free(tb_tls *t);

/* tb_tls_listener_setup gives listener l a server configuration: our certificate,
 * peers verified against the CA (required), and the allowed name if any. Returns TB_OK
 * or an error with err filled. */
int tb_tls_listener_setup(const tb_tls *t, nng_listener l, char *err, size_t errlen);

/* tb_tls_dialer_setup gives dialer d a client configuration that requires the peer's
 * certificate to be from the CA and to name host. TB_OK or an error with err filled. */
int tb_tls_dialer_setup(const tb_tls *t, nng_dialer d, const char *host, char *err,
			size_t errlen);

/* tb_tls_probe connects to host:port and runs one TLS handshake with t's credentials,
 * to tell why nng's dial fails: err gets the reason (connection refused, not TLS, the
 * agent's certificate expired / from another CA / for another name, our certificate
 * refused). Bounded by timeout_ms. Returns TB_OK when the handshake succeeds. */
int tb_tls_probe(const tb_tls *t, const char *host, const char *port, int timeout_ms,
		 char *err, size_t errlen);

#endif
