/* SPDX-License-Identifier: MIT */
/* proxy.h - the proxy a sampler runs on its host for the clients it launches, so that a
 * run whose clients are on another host can report through one (docs/proxy.md): the
 * orchestrator's SmpProxyStart, SmpProxyRead and SmpProxyStop, applied with
 * common/proxy.h. One proxy at a time, in a directory of its own under /tmp, removed
 * when it stops; the sampler stops it when it exits. */
#ifndef SMP_PROXY_H
#define SMP_PROXY_H

#include <limits.h>
#include <stdbool.h>

#include "common/proxy.h"
#include "common/rpc.h"

typedef struct smp_proxy {
	tb_proxy proxy;			/* running: the one proxy */
	char dir[PATH_MAX];		/* its directory; "" when none */
} smp_proxy;

/* smp_proxy_handle answers req when it is one of the proxy requests (exactly one reply
 * sent) and returns true; false for any other request, which it leaves alone. */
bool smp_proxy_handle(smp_proxy *p, tb_rpc_server *srv, const Tb__Envelope *req);

/* smp_proxy_fini stops a running proxy and removes its directory. */
void smp_proxy_fini(smp_proxy *p);

#endif
