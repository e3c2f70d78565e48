/* SPDX-License-Identifier: MIT */
/* channel.h - the clients' HTTP control channel, served by the orchestrator on
 * libmicrohttpd (default 127.0.0.1:8023). A client in any language asks for its command
 * (GET /control) and reports its own figures (POST /result with JSON, or the older
 * GET /result?SpansSent=...). docs/client-protocol.md is the client author's reference.
 *
 * One run at a time, of one client or several. orc_channel_arm publishes each client's
 * command and draws each a secret token, which reaches it in its environment
 * (TB_TOKEN_ENV) and which it sends back in the TB_TOKEN_HEADER header: that is how the
 * channel tells the clients of a run apart. On loopback it also answers requests
 * without a token, as clients written for LightStep Benchmarks send none: from the
 * only client of a run, or from the client whose process (orc_channel_set_pid) holds
 * the connection. A request with no token or a wrong one (where one is needed) is answered 403,
 * one with the token of the run before 409; each is counted, logged, and changes
 * nothing. A second result from the same client is answered 409, a malformed one 400
 * with the reason (and the run learns it, TB_EPROTO).
 *
 * Clients start together: a run armed holding its clients keeps their GET /control
 * waiting until orc_channel_release answers them all at once. */
#ifndef ORC_CHANNEL_H
#define ORC_CHANNEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/command.h"

#include "tracebench.h"

#define ORC_CHANNEL_DEFAULT_PORT TB_CONTROL_PORT_DEFAULT

typedef struct orc_channel orc_channel;

/* orc_channel_alloc serves on bind:port (port 0: a free port). TB_OK, or TB_EADDR with
 * the reason in err. */
int orc_channel_alloc(orc_channel **cp, const char *bind, uint16_t port, char *err,
		      size_t errlen);

/* orc_channel_free stops serving. NULL is fine. */
void orc_channel_free(orc_channel *c);

/* orc_channel_port returns the port served. */
uint16_t orc_channel_port(const orc_channel *c);

/* orc_channel_arm makes cmds[i] client i's answer to GET /control (n of them, at most
 * TB_MAX_CLIENTS), forgetting the previous run's. With hold, those answers wait for
 * orc_channel_release. TB_OK, or TB_EINVAL / TB_ESYS (no random bytes) / TB_ENOMEM with
 * err filled. */
int orc_channel_arm(orc_channel *c, const tb_command *cmds, size_t n, bool hold, char *err,
		    size_t errlen);

/* orc_channel_token writes client's token into buf ("" for no such client). */
const char *orc_channel_token(orc_channel *c, size_t client, char *buf, size_t len);

/* orc_channel_asked tells how many clients have asked for their command. */
size_t orc_channel_asked(orc_channel *c);

/* orc_channel_wait_asked waits up to timeout_ms until n clients have asked. TB_OK or
 * TB_ETIMEDOUT. */
int orc_channel_wait_asked(orc_channel *c, size_t n, int timeout_ms);

/* orc_channel_release answers every held GET /control, and any to come. */
void orc_channel_release(orc_channel *c);

/* orc_channel_set_pid tells the channel client's process, launched on this host: a
 * request from it without a token, in a run of several clients on loopback, is known
 * by the process holding the connection (libtracebench/run/sockowner.h). */
void orc_channel_set_pid(orc_channel *c, size_t client, pid_t pid);

/* orc_channel_started_ns tells when client's command was answered (tb_now_ns), 0 if not
 * yet. */
uint64_t orc_channel_started_ns(orc_channel *c, size_t client);

/* orc_channel_refused returns how many requests this run were refused for their token. */
uint64_t orc_channel_refused(orc_channel *c);

/* orc_channel_disarm answers GET /control with 503 again (between runs). */
void orc_channel_disarm(orc_channel *c);

/* orc_channel_wait_result waits up to timeout_ms for a result of this run not taken yet.
 * TB_OK with *client and *r filled; TB_EPROTO when that client sent a malformed result
 * (reason in err, *client filled); TB_ETIMEDOUT. */
int orc_channel_wait_result(orc_channel *c, int timeout_ms, size_t *client,
			    tb_client_result *r, char *err, size_t errlen);

#endif
