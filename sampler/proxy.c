/* SPDX-License-Identifier: MIT */
/* proxy.c - one handler per proxy request, each checking its message first. */
#include "sampler/proxy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"

void smp_proxy_fini(smp_proxy *p)
{
	tb_proxy_stop(&p->proxy);
	if (p->dir[0] != '\0' && tb_proxy_remove_dir(p->dir) != TB_OK)
		tb_warn("sampler: cannot remove %s: %s", p->dir, strerror(errno));
	p->dir[0] = '\0';
}

static void start(smp_proxy *p, tb_rpc_server *srv, const Tb__SmpProxyStart *m)
{
	char err[1024];
	tb_proxy_spec spec;
	if (p->proxy.running) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_STATE, "a %s proxy is running "
					  "already on this host", tb_proxy_kind_name(p->proxy.kind));
		return;
	}
	if (tb_proxy_spec_parse(m->proxy, &spec, err, sizeof(err)) != TB_OK ||
	    spec.kind == TB_PROXY_NONE || m->n_upstreams > TB_PROXY_MAX_UPSTREAMS) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INVALID, "%s",
					  spec.kind == TB_PROXY_NONE ? "no proxy to start" :
					  m->n_upstreams > TB_PROXY_MAX_UPSTREAMS ?
					  "too many upstreams" : err);
		return;
	}
	snprintf(p->dir, sizeof(p->dir), "/tmp/tb-proxy-XXXXXX");
	if (mkdtemp(p->dir) == NULL) {
		p->dir[0] = '\0';
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INTERNAL,
					  "cannot make a directory for the proxy: %s", strerror(errno));
		return;
	}
	tb_proxy_opts o = {.kind = spec.kind, .dir = p->dir, .nupstreams = m->n_upstreams,
			   .upstreams = (const char *const *)m->upstreams, .command = spec.command};
	if (tb_proxy_start(&p->proxy, &o, err, sizeof(err)) != TB_OK) {
		/* The directory stays, with the log err names. */
		p->dir[0] = '\0';
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_STATE, "%s", err);
		return;
	}
	tb_info("sampler: %s listens on 127.0.0.1:%u", tb_proxy_kind_name(spec.kind),
		(unsigned)p->proxy.port);
	Tb__SmpProxyStarted s = TB__SMP_PROXY_STARTED__INIT;
	s.port = p->proxy.port;
	s.grpc_port = p->proxy.grpc_port;
	Tb__Envelope rep = TB__ENVELOPE__INIT;
	rep.body_case = TB__ENVELOPE__BODY_SMP_PROXY_STARTED;
	rep.smp_proxy_started = &s;
	tb_rpc_server_reply(srv, &rep);
}

static void read_figures(smp_proxy *p, tb_rpc_server *srv)
{
	char err[512];
	tb_proxy_figures f;
	if (!p->proxy.running) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_STATE, "no proxy is running");
		return;
	}
	if (tb_proxy_read(&p->proxy, &f, err, sizeof(err)) != TB_OK) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_STATE, "%s", err);
		return;
	}
	Tb__SmpProxyFigures m = TB__SMP_PROXY_FIGURES__INIT;
	m.cpu_ns = f.cpu_ns;
	m.peak_rss = f.peak_rss;
	m.tells_held = f.tells_held;
	m.held_spans = f.held_spans;
	m.dropped_spans = f.dropped_spans;
	m.queue_peak = f.queue_peak;
	Tb__Envelope rep = TB__ENVELOPE__INIT;
	rep.body_case = TB__ENVELOPE__BODY_SMP_PROXY_FIGURES;
	rep.smp_proxy_figures = &m;
	tb_rpc_server_reply(srv, &rep);
}

bool smp_proxy_handle(smp_proxy *p, tb_rpc_server *srv, const Tb__Envelope *req)
{
	switch (req->body_case) {
	case TB__ENVELOPE__BODY_SMP_PROXY_START:
		start(p, srv, req->smp_proxy_start);
		return true;
	case TB__ENVELOPE__BODY_SMP_PROXY_READ:
		read_figures(p, srv);
		return true;
	case TB__ENVELOPE__BODY_SMP_PROXY_STOP:
		smp_proxy_fini(p);
		tb_rpc_server_reply_ok(srv);
		return true;
	default:
		return false;
	}
}
