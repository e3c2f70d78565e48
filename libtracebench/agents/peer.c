/* SPDX-License-Identifier: MIT */
/* peer.c - starting or reaching a satellite or sampler, the Hello handshake, and
 * stopping it. */
#include "libtracebench/agents/peer.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/host.h"
#include "common/log.h"

static int hello(orc_peer *p, char *err, size_t errlen)
{
	Tb__Envelope *rep;
	char why[300];
	int rc = tb_rpc_hello(p->rpc, "orchestrator", &rep, why, sizeof(why));
	if (rc == TB_EPROTO) {
		snprintf(err, errlen, "%s is not a %s (%s)", p->url, p->role, why);
		return rc;
	}
	if (rc != TB_OK) {
		snprintf(err, errlen, "%s at %s did not answer Hello: %s", p->role, p->url, why);
		return rc;
	}
	if (strcmp(rep->hello_reply->role, p->role) != 0) {
		snprintf(err, errlen, "%s is not a %s (it answered %s)", p->url, p->role,
			 rep->hello_reply->role);
		tb_rpc_free(rep);
		return TB_EPROTO;
	}
	const Tb__HelloReply *hr = rep->hello_reply;
	tb_host_id me;
	tb_host_identity(&me);
	p->same_host = me.boot_id[0] != '\0' && strcmp(me.boot_id, hr->boot_id) == 0;
	snprintf(p->host_id, sizeof(p->host_id), "%s", hr->boot_id);
	snprintf(p->http_host, sizeof(p->http_host), "%s", hr->http_host);
	tb_rpc_client_local_addr(p->rpc, p->local_addr, sizeof(p->local_addr));
	p->pid = hr->pid;
	snprintf(p->ring_name, sizeof(p->ring_name), "%s", p->same_host ? hr->ring_name : "");
	snprintf(p->hostname, sizeof(p->hostname), "%s", hr->hostname);
	p->nports = 0;
	for (size_t i = 0; i < hr->n_ports && i < ORC_PEER_MAX_PORTS; i++)
		p->ports[p->nports++] = (uint16_t)hr->ports[i];
	tb_info("orchestrator: %s ready at %s (pid %u on %s%s, %s)", p->role, p->url, p->pid,
		p->hostname, p->same_host ? ", this host" : "", hr->software);
	tb_rpc_free(rep);
	return TB_OK;
}

int orc_peer_ping(orc_peer *p, char *err, size_t errlen)
{
	Tb__Envelope *rep;
	int rc = tb_rpc_hello(p->rpc, "orchestrator", &rep, err, errlen);
	tb_rpc_free(rep);
	return rc;
}

static int connect_peer(orc_peer *p, const char *role, const char *url, const tb_tls *tls,
			char *err, size_t errlen)
{
	snprintf(p->role, sizeof(p->role), "%s", role);
	snprintf(p->url, sizeof(p->url), "%s", url);
	int rc = tb_rpc_client_alloc(&p->rpc, url, 10000, tls, err, errlen);
	if (rc != TB_OK)
		return rc;
	rc = hello(p, err, errlen);
	tb_rpc_client_set_timeout(p->rpc, 5000);
	return rc;
}

int orc_peer_spawn(orc_peer *p, const char *role, char *const argv[], const char *url,
		   char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	char why[300];
	int rc = tb_child_spawn(&p->child, argv, NULL, why, sizeof(why));
	if (rc != TB_OK) {
		snprintf(err, errlen, "cannot start the %s: %s", role, why);
		return rc;
	}
	p->local = true;
	rc = connect_peer(p, role, url, NULL, err, errlen);
	if (rc != TB_OK) {
		if (tb_child_wait(&p->child, 0) == TB_OK) {
			char st[64];
			size_t n = strlen(err);
			snprintf(err + n, errlen - n, " (it %s)",
				 tb_child_describe(&p->child, st, sizeof(st)));
		}
		orc_peer_stop(p);
	}
	return rc;
}

int orc_peer_attach(orc_peer *p, const char *role, const char *url, const tb_tls *tls,
		    char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	int rc = connect_peer(p, role, url, tls, err, errlen);
	if (rc != TB_OK) {
		tb_rpc_client_free(p->rpc);
		p->rpc = NULL;
	}
	return rc;
}

int orc_peer_call_expect(orc_peer *p, Tb__Envelope *req, Tb__Envelope__BodyCase want,
			 Tb__Envelope **repp, char *err, size_t errlen)
{
	char why[300];
	int rc = tb_rpc_call_expect(p->rpc, req, want, repp, why, sizeof(why));
	if (rc != TB_OK)
		snprintf(err, errlen, "%s %s: %s", p->role, tb_rpc_body_name(req->body_case), why);
	return rc;
}

int orc_peer_call_ok(orc_peer *p, Tb__Envelope *req, char *err, size_t errlen)
{
	Tb__Envelope *rep;
	int rc = orc_peer_call_expect(p, req, TB__ENVELOPE__BODY_OK, &rep, err, errlen);
	tb_rpc_free(rep);
	return rc;
}

bool orc_peer_alive(orc_peer *p)
{
	return !p->local || tb_child_wait(&p->child, 0) != TB_OK;
}

void orc_peer_stop(orc_peer *p)
{
	bool remote_satellite = !p->local && strcmp(p->role, "satellite") == 0;
	if (p->rpc != NULL && !remote_satellite && (!p->local || orc_peer_alive(p))) {
		tb_rpc_client_set_timeout(p->rpc, 2000);
		tb_rpc_shutdown(p->rpc);
	}
	tb_rpc_client_free(p->rpc);
	p->rpc = NULL;
	if (p->local) {
		if (tb_child_wait(&p->child, 3000) != TB_OK)
			tb_child_stop(&p->child, 1000);
		tb_child_fini(&p->child);
		p->local = false;
	}
}
