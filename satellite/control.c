/* SPDX-License-Identifier: MIT */
/* control.c - one handler per control request, each validating its message and
 * answering Ok, the data asked for, or an Error naming what was wrong. */
#include "satellite/control.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/agent.h"
#include "common/error.h"
#include "common/log.h"

static void reply_hello(sat_service *s, tb_rpc_server *srv)
{
	size_t n;
	const uint16_t *p = sat_http_ports(s->http, &n);
	tb_rpc_server_reply_hello(srv, "satellite", s->ring_name, p, n, s->http_host);
}

static void reply_counters(sat_service *s, tb_rpc_server *srv)
{
	Tb__Envelope rep = TB__ENVELOPE__INIT;
	Tb__SatCounters sc;
	sat_status st;

	sat_http_status(s->http, &st);
	if (sat_counters_to_proto(s->counters, &st, &sc) != TB_OK) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INTERNAL, "out of memory");
		return;
	}
	rep.body_case = TB__ENVELOPE__BODY_SAT_COUNTERS;
	rep.sat_counters = &sc;
	tb_rpc_server_reply(srv, &rep);
	sat_counters_proto_fini(&sc);
}

static void set_faults(sat_service *s, tb_rpc_server *srv, const Tb__SatSetFaults *m)
{
	sat_fault_config cur, next;
	char err[256];

	if (m->faults == NULL) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INVALID,
					  "sat_set_faults carries no faults");
		return;
	}
	sat_faults_get(s->faults, &cur);
	if (sat_fault_config_from_proto(m->faults, &cur, &next, err, sizeof(err)) != TB_OK) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INVALID, "%s", err);
		return;
	}
	sat_faults_set(s->faults, &next);
	tb_info("satellite: mode %s, delay %u us + %u ns/span + %u us, errors %.3f (%u, "
		"Retry-After %u s), drops %.3f, bandwidth %u KiB/s%s", tb_sat_mode_name(next.mode),
		next.base_latency_us, next.per_span_ns + next.extra_per_span_ns,
		next.extra_latency_us, next.error_probability, next.error_status,
		next.retry_after_s, next.drop_probability, next.bandwidth_kbps,
		next.bandwidth_per_connection ? " per connection" : "");
	tb_rpc_server_reply_ok(srv);
}

static void set_listening(sat_service *s, tb_rpc_server *srv, const Tb__SatSetListening *m)
{
	char err[256] = "";

	if (sat_http_set_listening(s->http, m->listening, err, sizeof(err)) != TB_OK) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_STATE, "%s", err);
		return;
	}
	tb_info("satellite: %s", m->listening ? "listening again" : "down (not listening)");
	tb_rpc_server_reply_ok(srv);
}

bool sat_control_handle(sat_service *s, tb_rpc_server *srv, const Tb__Envelope *req)
{
	switch (req->body_case) {
	case TB__ENVELOPE__BODY_HELLO:
		reply_hello(s, srv);
		return false;
	case TB__ENVELOPE__BODY_SAT_RESET:
		sat_counters_reset(s->counters, req->sat_reset->run_id, tb_now_ns());
		if (s->dups != NULL)
			sat_dupset_reset(s->dups);
		tb_info("satellite: counters reset for run %llu",
			(unsigned long long)req->sat_reset->run_id);
		tb_rpc_server_reply_ok(srv);
		return false;
	case TB__ENVELOPE__BODY_SAT_GET_COUNTERS:
		reply_counters(s, srv);
		return false;
	case TB__ENVELOPE__BODY_SAT_SET_FAULTS:
		set_faults(s, srv, req->sat_set_faults);
		return false;
	case TB__ENVELOPE__BODY_SAT_SET_LISTENING:
		set_listening(s, srv, req->sat_set_listening);
		return false;
	default:
		return tb_agent_handle_other("satellite", srv, req);
	}
}
