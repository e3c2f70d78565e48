/* SPDX-License-Identifier: MIT */
/* agent.c - applying the orchestrator's sampler requests. */
#include "sampler/agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/command.h"
#include "common/agent.h"
#include "common/error.h"
#include "common/log.h"
#include "sampler/batch.h"
#include "sampler/proxy.h"
#include "sampler/session.h"

/* A run of the most clients one run may have, and as many again of a run whose sessions
 * are still being reaped as the next one launches. */
#define MAX_RUNNING (2 * TB_MAX_CLIENTS)
#define MAX_ENV 64
#define POLL_DEFAULT 4096
#define POLL_MAX 65536
#define FINISHED 64	/* argv results kept after their sessions end */

typedef struct finished_result {
	pid_t pid;
	tb_client_result result;
} finished_result;

struct smp_agent {
	smp_agent_cfg cfg;
	smp_session *sessions[MAX_RUNNING];
	int nsessions;
	bool attached;		/* an orchestrator said Hello: the lease runs */
	uint64_t last_contact_ns;
	tb_rec_sample *poll_buf;
	finished_result finished[FINISHED];	/* a ring, newest at next_finished - 1 */
	size_t next_finished;
	smp_proxy proxy;	/* a proxy for the clients it launches, when asked */
};

int smp_agent_alloc(smp_agent **ap, const smp_agent_cfg *cfg)
{
	smp_agent *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return TB_ENOMEM;
	a->cfg = *cfg;
	a->poll_buf = malloc(POLL_MAX * sizeof(*a->poll_buf));
	if (a->poll_buf == NULL) {
		free(a);
		return TB_ENOMEM;
	}
	*ap = a;
	return TB_OK;
}

void smp_agent_free(smp_agent *a)
{
	if (a == NULL)
		return;
	for (int i = 0; i < a->nsessions; i++)
		smp_session_stop(a->sessions[i], true, a->cfg.grace_ms);
	for (int i = 0; i < a->nsessions; i++)
		smp_session_free(a->sessions[i], a->cfg.grace_ms);
	smp_proxy_fini(&a->proxy);
	free(a->poll_buf);
	free(a);
}

static int find_session(const smp_agent *a, pid_t pid)
{
	for (int i = 0; i < a->nsessions; i++)
		if (smp_session_pid(a->sessions[i]) == pid && !smp_session_done(a->sessions[i]))
			return i;
	return -1;
}

bool smp_agent_tick(smp_agent *a, uint64_t now_ns)
{
	for (int i = 0; i < a->nsessions;) {
		if (smp_session_done(a->sessions[i])) {
			finished_result *f = &a->finished[a->next_finished % FINISHED];
			if (smp_session_result(a->sessions[i], &f->result)) {
				f->pid = smp_session_pid(a->sessions[i]);
				a->next_finished++;
			}
			smp_session_free(a->sessions[i], 0);
			a->sessions[i] = a->sessions[--a->nsessions];
		} else {
			i++;
		}
	}
	return a->attached && a->cfg.lease_ns > 0 && now_ns - a->last_contact_ns > a->cfg.lease_ns;
}

int smp_agent_wait_ms(const smp_agent *a, uint64_t now_ns)
{
	if (!a->attached || a->cfg.lease_ns == 0)
		return -1;
	uint64_t expiry = a->last_contact_ns + a->cfg.lease_ns;
	uint64_t left = expiry > now_ns ? expiry - now_ns : 0;
	return (int)(left / TB_NS_PER_MS) + 1;
}

int smp_agent_sessions(const smp_agent *a)
{
	return a->nsessions;
}

static void reply_hello(smp_agent *a, tb_rpc_server *srv)
{
	tb_rpc_server_reply_hello(srv, "sampler", a->cfg.ring_name, NULL, 0, NULL);
}

/* check_common validates what SmpStart and SmpLaunch share; false means an error reply
 * went out. */
static bool check_common(smp_agent *a, tb_rpc_server *srv, uint32_t period_us, bool use_ring)
{
	if (period_us < SMP_PERIOD_MIN_NS / 1000 || period_us > SMP_PERIOD_MAX_NS / 1000) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INVALID,
					  "period_us %u is out of range %llu..%llu", period_us,
					  SMP_PERIOD_MIN_NS / 1000, SMP_PERIOD_MAX_NS / 1000);
		return false;
	}
	if (use_ring && !smp_sink_has_ring(a->cfg.sink)) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_STATE,
					  "use_ring asked but this sampler has no ring (start it "
					  "with --ring)");
		return false;
	}
	if (a->nsessions == MAX_RUNNING) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_STATE,
					  "already sampling %d processes", MAX_RUNNING);
		return false;
	}
	return true;
}

static int code_for(int rc)
{
	return rc == TB_ENOENT ? TB__ERROR_CODE__ERR_NOT_FOUND
	       : rc == TB_EINVAL ? TB__ERROR_CODE__ERR_INVALID
				 : TB__ERROR_CODE__ERR_INTERNAL;
}

static void handle_start(smp_agent *a, tb_rpc_server *srv, const Tb__SmpStart *m)
{
	if (m->pid == 0 || m->pid > (uint32_t)INT32_MAX) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INVALID,
					  "pid %u is not a process id", m->pid);
		return;
	}
	if (!check_common(a, srv, m->period_us, m->use_ring))
		return;
	if (find_session(a, (pid_t)m->pid) >= 0) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_STATE,
					  "pid %u is already being sampled", m->pid);
		return;
	}
	smp_session_cfg cfg = {
		.pid = (pid_t)m->pid,
		.period_ns = (uint64_t)m->period_us * 1000,
		.include_children = m->include_children,
		.run_id = m->run_id,
		.run_start_ns = m->run_start_ns,
		.to_ring = m->use_ring,
	};
	char err[256];
	smp_session *s;
	int rc = smp_session_start(&s, &cfg, a->cfg.sink, err, sizeof(err));
	if (rc != TB_OK) {
		tb_rpc_server_reply_error(srv, code_for(rc), "%s", err);
		return;
	}
	a->sessions[a->nsessions++] = s;
	tb_info("sampler: sampling pid %u every %u us", m->pid, m->period_us);
	tb_rpc_server_reply_ok(srv);
}

static void handle_stop(smp_agent *a, tb_rpc_server *srv, const Tb__SmpStop *m)
{
	int i = find_session(a, (pid_t)m->pid);
	if (i < 0) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_NOT_FOUND,
					  "pid %u is not being sampled", m->pid);
		return;
	}
	if (m->grace_ms > 600000) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INVALID,
					  "grace_ms %u is over 600000", m->grace_ms);
		return;
	}
	smp_session_stop(a->sessions[i], m->kill, (int)m->grace_ms);
	tb_rpc_server_reply_ok(srv);
}

/* launch_check finds the client and checks the request; false with the error replied. */
static const tb_client_def *launch_check(smp_agent *a, tb_rpc_server *srv,
					 const Tb__SmpLaunch *m)
{
	char names[1024];
	if (a->cfg.registry == NULL) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_STATE,
					  "this sampler has no client registry (start it with "
					  "--clients FILE)");
		return NULL;
	}
	const tb_client_def *d = tb_registry_find(a->cfg.registry, m->client_name);
	if (d == NULL) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_NOT_FOUND,
					  "unknown client '%.64s' (known: %s)", m->client_name,
					  tb_registry_names(a->cfg.registry, names, sizeof(names)));
		return NULL;
	}
	if (!check_common(a, srv, m->period_us, m->use_ring))
		return NULL;
	if (m->n_env > MAX_ENV) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INVALID,
					  "%zu env entries (at most %d)", m->n_env, MAX_ENV);
		return NULL;
	}
	for (size_t i = 0; i < m->n_env; i++) {
		const char *e = m->env[i];
		if (strchr(e, '=') == NULL || e[0] == '=' || strlen(e) > 4096) {
			tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INVALID,
						  "env entry %zu is not KEY=VALUE", i);
			return NULL;
		}
	}
	return d;
}

/* launch_env is the client's environment additions: the registry's, the request's, and
 * an argv client's two. NULL when out of memory. */
static char **launch_env(const tb_client_def *d, const Tb__SmpLaunch *m, smp_argv_run *av)
{
	size_t nenv = 0;
	while (d->env[nenv] != NULL)
		nenv++;
	char **env = calloc(nenv + m->n_env + 3, sizeof(*env));
	if (env == NULL)
		return NULL;
	for (size_t i = 0; i < nenv; i++)
		env[i] = d->env[i];
	for (size_t i = 0; i < m->n_env; i++)
		env[nenv + i] = m->env[i];
	if (av != NULL) {
		env[nenv + m->n_env] = av->env_sats;
		env[nenv + m->n_env + 1] = av->env_proto;
	}
	return env;
}

/* launch_spawn spawns the client held, and hands it to a new session. */
static int launch_spawn(smp_agent *a, const tb_client_def *d, const Tb__SmpLaunch *m,
			smp_argv_run *av, pid_t *pid, char *err, size_t errlen)
{
	char **env = launch_env(d, m, av);
	if (env == NULL) {
		snprintf(err, errlen, "out of memory");
		return TB_ENOMEM;
	}
	tb_child child;
	tb_child_opts opts = {.cwd = d->cwd, .extra_env = env, .hold = true,
			      .stdout_path = av ? av->out_path : NULL};
	int rc = tb_child_spawn(&child, av ? av->argv : d->argv, &opts, err, errlen);
	free(env);
	if (rc != TB_OK)
		return rc;
	smp_session_cfg cfg = {
		.period_ns = (uint64_t)m->period_us * 1000,
		.include_children = m->include_children,
		.run_id = m->run_id,
		.run_start_ns = m->run_start_ns,
		.to_ring = m->use_ring,
		.child = &child,
		.argv = av,
	};
	smp_session *s;
	if ((rc = smp_session_start(&s, &cfg, a->cfg.sink, err, errlen)) != TB_OK) {
		tb_child_stop(&child, 0);
		tb_child_fini(&child);
		return rc;
	}
	a->sessions[a->nsessions++] = s;
	*pid = child.pid;
	return TB_OK;
}

static void handle_launch(smp_agent *a, tb_rpc_server *srv, const Tb__SmpLaunch *m)
{
	char err[512];
	const tb_client_def *d = launch_check(a, srv, m);
	if (d == NULL)
		return;
	/* An argv client gets the run's command as flags, and two more entries. */
	smp_argv_run *av = NULL;
	if (d->mode == TB_CLIENT_ARGV) {
		if ((av = malloc(sizeof(*av))) == NULL) {
			tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INTERNAL, "out of memory");
			return;
		}
		if (smp_argv_prepare(av, m->argv_command, d->argv, err, sizeof(err)) != TB_OK) {
			free(av);
			tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INVALID, "client '%s': %s",
						  d->name, err);
			return;
		}
	}
	pid_t pid;
	int rc = launch_spawn(a, d, m, av, &pid, err, sizeof(err));
	if (rc != TB_OK) {
		if (av != NULL)
			smp_argv_cleanup(av);
		free(av);
		tb_rpc_server_reply_error(srv, code_for(rc), "client '%s': %s", d->name, err);
		return;
	}
	tb_info("sampler: launched client '%s' as pid %d", d->name, (int)pid);
	Tb__SmpLaunched l = TB__SMP_LAUNCHED__INIT;
	l.pid = (uint32_t)pid;
	l.result_from_sampler = av != NULL;
	Tb__Envelope rep = TB__ENVELOPE__INIT;
	rep.body_case = TB__ENVELOPE__BODY_SMP_LAUNCHED;
	rep.smp_launched = &l;
	tb_rpc_server_reply(srv, &rep);
}

/* handle_describe answers with what the registry says of a client. */
static void handle_describe(smp_agent *a, tb_rpc_server *srv, const Tb__SmpDescribe *m)
{
	char names[1024];
	const tb_client_def *d = a->cfg.registry ? tb_registry_find(a->cfg.registry,
								     m->client_name) : NULL;
	if (d == NULL) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_NOT_FOUND,
					  "unknown client '%.64s' (known: %s)", m->client_name,
					  a->cfg.registry ? tb_registry_names(a->cfg.registry, names,
									      sizeof(names))
							  : "none: no --clients registry");
		return;
	}
	Tb__SmpClientInfo info = TB__SMP_CLIENT_INFO__INIT;
	info.mode = (char *)tb_client_mode_name(d->mode);
	info.sleep_interval_ns = tb_client_sleep_interval(d);
	info.description = d->description;
	Tb__Envelope rep = TB__ENVELOPE__INIT;
	rep.body_case = TB__ENVELOPE__BODY_SMP_CLIENT_INFO;
	rep.smp_client_info = &info;
	tb_rpc_server_reply(srv, &rep);
}

/* handle_get_result answers with an argv client's result: from its session while the
 * agent still holds it, else from the results of sessions already ended. */
static void handle_get_result(smp_agent *a, tb_rpc_server *srv, const Tb__SmpGetResult *m)
{
	tb_client_result res;
	bool ready = false, known = false;
	for (int i = 0; i < a->nsessions && !ready; i++) {
		if (smp_session_pid(a->sessions[i]) != (pid_t)m->pid)
			continue;
		known = true;
		ready = smp_session_result(a->sessions[i], &res);
	}
	for (size_t i = 0; i < FINISHED && !ready; i++)
		if (a->finished[i].pid == (pid_t)m->pid && a->finished[i].pid != 0) {
			known = ready = true;
			res = a->finished[i].result;
		}
	if (!known) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_NOT_FOUND,
					  "no argv-mode client with pid %u", m->pid);
		return;
	}
	Tb__ClientResult cr = TB__CLIENT_RESULT__INIT;
	Tb__SmpClientResult scr = TB__SMP_CLIENT_RESULT__INIT;
	scr.ready = ready;
	if (ready) {
		cr.spans_sent = res.spans_sent;
		cr.program_time = res.program_time;
		cr.clock_time = res.clock_time;
		cr.has_dropped = res.has_dropped;
		cr.spans_dropped = res.spans_dropped;
		cr.has_buffered = res.has_buffered;
		cr.spans_buffered = res.spans_buffered;
		cr.tracer = res.tracer;
		scr.result = &cr;
	}
	Tb__Envelope rep = TB__ENVELOPE__INIT;
	rep.body_case = TB__ENVELOPE__BODY_SMP_CLIENT_RESULT;
	rep.smp_client_result = &scr;
	tb_rpc_server_reply(srv, &rep);
}

static void handle_poll(smp_agent *a, tb_rpc_server *srv, const Tb__SmpPoll *m)
{
	size_t max = m->max_samples == 0 ? POLL_DEFAULT : m->max_samples;
	if (max > POLL_MAX)
		max = POLL_MAX;
	uint64_t lost, left;
	size_t n = smp_sink_take(a->cfg.sink, m->ack_seq, a->poll_buf, max, &lost, &left);
	Tb__SampleBatch b = TB__SAMPLE_BATCH__INIT;
	int rc = smp_batch_encode(&b, a->poll_buf, n, lost, left);
	if (rc != TB_OK) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INTERNAL,
					  "cannot pack %zu samples: %s", n, tb_strerror(rc));
		return;
	}
	Tb__Envelope rep = TB__ENVELOPE__INIT;
	rep.body_case = TB__ENVELOPE__BODY_SAMPLE_BATCH;
	rep.sample_batch = &b;
	tb_rpc_server_reply(srv, &rep);
	smp_batch_clear(&b);
}

bool smp_agent_handle(smp_agent *a, tb_rpc_server *srv, const Tb__Envelope *req)
{
	a->last_contact_ns = tb_now_ns();
	switch (req->body_case) {
	case TB__ENVELOPE__BODY_HELLO:
		a->attached = true;
		reply_hello(a, srv);
		return false;
	case TB__ENVELOPE__BODY_SMP_START:
		handle_start(a, srv, req->smp_start);
		return false;
	case TB__ENVELOPE__BODY_SMP_STOP:
		handle_stop(a, srv, req->smp_stop);
		return false;
	case TB__ENVELOPE__BODY_SMP_LAUNCH:
		handle_launch(a, srv, req->smp_launch);
		return false;
	case TB__ENVELOPE__BODY_SMP_POLL:
		handle_poll(a, srv, req->smp_poll);
		return false;
	case TB__ENVELOPE__BODY_SMP_GET_RESULT:
		handle_get_result(a, srv, req->smp_get_result);
		return false;
	case TB__ENVELOPE__BODY_SMP_DESCRIBE:
		handle_describe(a, srv, req->smp_describe);
		return false;
	default:
		if (smp_proxy_handle(&a->proxy, srv, req))
			return false;
		return tb_agent_handle_other("sampler", srv, req);
	}
}
