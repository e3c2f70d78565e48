/* SPDX-License-Identifier: MIT */
/* sampler_client.c - bench.proto requests to a sampler agent, built in one place. */
#include "libtracebench/agents/sampler_client.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"

int orc_smp_launch(orc_peer *smp, const orc_smp_launch_args *a, pid_t *pid,
		   bool *from_sampler, char *err, size_t errlen)
{
	const tb_command *cmd = a->cmd;
	Tb__ArgvCommand ac = TB__ARGV_COMMAND__INIT;
	char *sats[TB_CMD_MAX_SATELLITES];
	for (size_t i = 0; i < cmd->n_satellites; i++)
		sats[i] = (char *)cmd->satellites[i];
	ac.trace = cmd->trace;
	ac.sleep_ns = cmd->sleep_ns;
	ac.sleep_interval_ns = cmd->sleep_interval_ns;
	ac.work = cmd->work;
	ac.repeat = cmd->repeat;
	ac.no_flush = cmd->no_flush;
	ac.num_tags = cmd->num_tags;
	ac.num_logs = cmd->num_logs;
	ac.n_satellites = cmd->n_satellites;
	ac.satellites = sats;
	ac.protocol = (char *)tb_protocol_name(cmd->protocol);
	char url[256], token[128], access[128];
	snprintf(url, sizeof(url), "TB_CONTROL_URL=%s", a->control_url);
	snprintf(access, sizeof(access), TB_ACCESS_TOKEN_ENV "=%s", cmd->access_token);
	snprintf(token, sizeof(token), TB_TOKEN_ENV "=%s", a->token ? a->token : "");
	char *envs[] = {url, access, token};
	Tb__SmpLaunch l = TB__SMP_LAUNCH__INIT;
	l.client_name = (char *)a->client;
	l.n_env = a->token != NULL && a->token[0] != '\0' ? 3 : 2;
	l.env = envs;
	l.period_us = (uint32_t)(a->period_ns / 1000);
	l.run_id = a->run_id;
	l.run_start_ns = a->run_start_ns;
	l.use_ring = a->use_ring;
	l.argv_command = &ac;
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep;
	req.body_case = TB__ENVELOPE__BODY_SMP_LAUNCH;
	req.smp_launch = &l;
	int rc = orc_peer_call_expect(smp, &req, TB__ENVELOPE__BODY_SMP_LAUNCHED, &rep, err,
				      errlen);
	if (rc != TB_OK)
		return rc;
	*pid = (pid_t)rep->smp_launched->pid;
	*from_sampler = rep->smp_launched->result_from_sampler;
	tb_rpc_free(rep);
	return TB_OK;
}

int orc_smp_describe(orc_peer *smp, const char *client, orc_smp_client_info *info, char *err,
		     size_t errlen)
{
	Tb__SmpDescribe d = TB__SMP_DESCRIBE__INIT;
	d.client_name = (char *)client;
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep;
	req.body_case = TB__ENVELOPE__BODY_SMP_DESCRIBE;
	req.smp_describe = &d;
	int rc = orc_peer_call_expect(smp, &req, TB__ENVELOPE__BODY_SMP_CLIENT_INFO, &rep, err,
				      errlen);
	if (rc != TB_OK)
		return rc;
	info->argv = strcmp(rep->smp_client_info->mode, "argv") == 0;
	info->sleep_interval_ns = rep->smp_client_info->sleep_interval_ns;
	tb_rpc_free(rep);
	if (info->sleep_interval_ns == 0) {
		snprintf(err, errlen, "the sampler %s gave client '%s' no sleep interval", smp->url,
			 client);
		return TB_EPROTO;
	}
	return TB_OK;
}

int orc_smp_get_result(orc_peer *smp, pid_t pid, bool *ready, tb_client_result *res,
		       char *err, size_t errlen)
{
	Tb__SmpGetResult g = TB__SMP_GET_RESULT__INIT;
	g.pid = (uint32_t)pid;
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep;
	req.body_case = TB__ENVELOPE__BODY_SMP_GET_RESULT;
	req.smp_get_result = &g;
	int rc = orc_peer_call_expect(smp, &req, TB__ENVELOPE__BODY_SMP_CLIENT_RESULT, &rep, err,
				      errlen);
	if (rc != TB_OK)
		return rc;
	const Tb__SmpClientResult *m = rep->smp_client_result;
	if (m->ready && m->result == NULL) {
		snprintf(err, errlen, "sampler %s said a result was ready and gave none", smp->url);
		tb_rpc_free(rep);
		return TB_EPROTO;
	}
	*ready = m->ready;
	memset(res, 0, sizeof(*res));
	if (m->ready) {
		const Tb__ClientResult *c = m->result;
		res->spans_sent = c->spans_sent;
		res->program_time = c->program_time;
		res->clock_time = c->clock_time;
		res->has_dropped = c->has_dropped;
		res->spans_dropped = c->spans_dropped;
		res->has_buffered = c->has_buffered;
		res->spans_buffered = c->spans_buffered;
		snprintf(res->tracer, sizeof(res->tracer), "%s", c->tracer ? c->tracer : "");
	}
	tb_rpc_free(rep);
	return TB_OK;
}

int orc_smp_stop(orc_peer *smp, pid_t pid, uint32_t grace_ms, char *err, size_t errlen)
{
	Tb__SmpStop s = TB__SMP_STOP__INIT;
	s.pid = (uint32_t)pid;
	s.kill = true;
	s.grace_ms = grace_ms;
	Tb__Envelope req = TB__ENVELOPE__INIT;
	req.body_case = TB__ENVELOPE__BODY_SMP_STOP;
	req.smp_stop = &s;
	return orc_peer_call_ok(smp, &req, err, errlen);
}

int orc_smp_proxy_start(orc_peer *smp, const char *proxy, const char *const *upstreams,
			size_t n, uint16_t *port, char *err, size_t errlen)
{
	Tb__SmpProxyStart m = TB__SMP_PROXY_START__INIT;
	m.proxy = (char *)proxy;
	m.upstreams = (char **)upstreams;
	m.n_upstreams = n;
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep;
	req.body_case = TB__ENVELOPE__BODY_SMP_PROXY_START;
	req.smp_proxy_start = &m;
	int rc = orc_peer_call_expect(smp, &req, TB__ENVELOPE__BODY_SMP_PROXY_STARTED, &rep, err,
				      errlen);
	if (rc != TB_OK)
		return rc;
	uint32_t p = rep->smp_proxy_started->port;
	tb_rpc_free(rep);
	if (p == 0 || p > 65535) {
		snprintf(err, errlen, "sampler %s started its proxy on port %u", smp->url, p);
		return TB_EPROTO;
	}
	*port = (uint16_t)p;
	return TB_OK;
}

int orc_smp_proxy_read(orc_peer *smp, tb_proxy_figures *f, char *err, size_t errlen)
{
	Tb__SmpProxyRead m = TB__SMP_PROXY_READ__INIT;
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep;
	req.body_case = TB__ENVELOPE__BODY_SMP_PROXY_READ;
	req.smp_proxy_read = &m;
	int rc = orc_peer_call_expect(smp, &req, TB__ENVELOPE__BODY_SMP_PROXY_FIGURES, &rep, err,
				      errlen);
	if (rc != TB_OK)
		return rc;
	const Tb__SmpProxyFigures *m2 = rep->smp_proxy_figures;
	*f = (tb_proxy_figures){.cpu_ns = m2->cpu_ns, .peak_rss = m2->peak_rss,
				.tells_held = m2->tells_held, .held_spans = m2->held_spans,
				.dropped_spans = m2->dropped_spans, .queue_peak = m2->queue_peak};
	tb_rpc_free(rep);
	return TB_OK;
}

int orc_smp_proxy_stop(orc_peer *smp, char *err, size_t errlen)
{
	Tb__SmpProxyStop m = TB__SMP_PROXY_STOP__INIT;
	Tb__Envelope req = TB__ENVELOPE__INIT;
	req.body_case = TB__ENVELOPE__BODY_SMP_PROXY_STOP;
	req.smp_proxy_stop = &m;
	return orc_peer_call_ok(smp, &req, err, errlen);
}
