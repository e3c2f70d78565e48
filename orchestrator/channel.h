/* SPDX-License-Identifier: MIT */
/* channel.h - the clients' HTTP control channel, served by the orchestrator on
 * libmicrohttpd (default 127.0.0.1:8023). A client in any language asks for its command
 * (GET /control) and reports its own figures (POST /result with JSON, or the older
 * GET /result?SpansSent=...). docs/client-protocol.md is the client author's reference.
 *
 * One run at a time: orc_channel_arm publishes the next run's command and forgets the
 * previous result; orc_channel_wait_result waits for this run's result. A malformed
 * result is answered 400 with the reason, and the run learns it failed (TB_EPROTO).
 *
 * Bound to anything but loopback, the channel also wants each run's secret token (in
 * the TB_TOKEN_HEADER header) with every /control and /result request: it reaches the
 * client through the sampler's TLS link, in its environment. A request without it is
 * answered 403, counted and logged, and changes nothing. */
#ifndef ORC_CHANNEL_H
#define ORC_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

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

/* orc_channel_arm makes cmd the answer to GET /control, clears any result and the
 * refused count, and draws a new token when one is needed. TB_OK, or TB_ESYS (no
 * random bytes) with err filled. */
int orc_channel_arm(orc_channel *c, const tb_command *cmd, char *err, size_t errlen);

/* orc_channel_token writes the run's token into buf ("" when none is needed). */
const char *orc_channel_token(orc_channel *c, char *buf, size_t len);

/* orc_channel_refused returns how many requests this run were refused for their token. */
uint64_t orc_channel_refused(orc_channel *c);

/* orc_channel_disarm answers GET /control with 503 again (between runs). */
void orc_channel_disarm(orc_channel *c);

/* orc_channel_wait_result waits up to timeout_ms for this run's result. TB_OK with *r
 * filled; TB_EPROTO when the client sent a malformed result (reason in err);
 * TB_ETIMEDOUT. */
int orc_channel_wait_result(orc_channel *c, int timeout_ms, tb_client_result *r, char *err,
			    size_t errlen);

#endif
