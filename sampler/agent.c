/* agent.c - applying the orchestrator's sampler requests. */
#include "sampler/agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "sampler/batch.h"
#include "sampler/session.h"

#define MAX_RUNNING 64
#define MAX_ENV 64
#define POLL_DEFAULT 4096
#define POLL_MAX 65536

struct smp_agent {
	smp_agent_cfg cfg;
	smp_session *sessions[MAX_RUNNING];
	int nsessions;
	bool attached;		/* an orchestrator said Hello: the lease runs */
	uint64_t last_contact_ns;
	tb_rec_sample *poll_buf;
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

static void handle_launch(smp_agent *a, tb_rpc_server *srv, const Tb__SmpLaunch *m)
{
	char err[512], names[400];
	if (a->cfg.registry == NULL) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_STATE,
					  "this sampler has no client registry (start it with "
					  "--clients FILE)");
		return;
	}
	const tb_client_def *d = tb_registry_find(a->cfg.registry, m->client_name);
	if (d == NULL) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_NOT_FOUND,
					  "unknown client '%.64s' (known: %s)", m->client_name,
					  tb_registry_names(a->cfg.registry, names, sizeof(names)));
		return;
	}
	if (!check_common(a, srv, m->period_us, m->use_ring))
		return;
	size_t nenv = 0;
	while (d->env[nenv] != NULL)
		nenv++;
	if (m->n_env > MAX_ENV) {
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INVALID,
					  "%zu env entries (at most %d)", m->n_env, MAX_ENV);
		return;
	}
	for (size_t i = 0; i < m->n_env; i++) {
		const char *e = m->env[i];
		if (strchr(e, '=') == NULL || e[0] == '=' || strlen(e) > 4096) {
			tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INVALID,
						  "env entry %zu is not KEY=VALUE", i);
			return;
		}
	}
	/* An argv client gets the run's command as flags, and two more entries. */
	smp_argv_run *av = NULL;
	if (d->mode == TB_CLIENT_ARGV) {
		const char *control = NULL;
		for (size_t i = 0; i < m->n_env; i++)
			if (strncmp(m->env[i], "TB_CONTROL_URL=", 15) == 0)
				control = m->env[i] + 15;
		if ((av = malloc(sizeof(*av))) == NULL) {
			tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INTERNAL, "out of memory");
			return;
		}
		if (smp_argv_prepare(av, m->argv_command, d->argv, control, err, sizeof(err)) !=
		    TB_OK) {
			free(av);
			tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INVALID, "client '%s': %s",
						  d->name, err);
			return;
		}
	}
	char **env = calloc(nenv + m->n_env + 3, sizeof(*env));
	if (env == NULL) {
		free(av);
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_INTERNAL, "out of memory");
		return;
	}
	for (size_t i = 0; i < nenv; i++)
		env[i] = d->env[i];
	for (size_t i = 0; i < m->n_env; i++)
		env[nenv + i] = m->env[i];
	if (av != NULL) {
		env[nenv + m->n_env] = av->env_sats;
		env[nenv + m->n_env + 1] = av->env_proto;
	}

	tb_child child;
	tb_child_opts opts = {.cwd = d->cwd, .extra_env = env, .hold = true,
			      .stdout_path = av ? av->out_path : NULL};
	int rc = tb_child_spawn(&child, av ? av->argv : d->argv, &opts, err, sizeof(err));
	free(env);
	if (rc != TB_OK) {
		free(av);
		tb_rpc_server_reply_error(srv, code_for(rc), "client '%s': %s", d->name, err);
		return;
	}
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
	rc = smp_session_start(&s, &cfg, a->cfg.sink, err, sizeof(err));
	if (rc != TB_OK) {
		tb_child_stop(&child, 0);
		tb_child_fini(&child);
		if (av != NULL) {
			smp_argv_cleanup(av);
			free(av);
		}
		tb_rpc_server_reply_error(srv, code_for(rc), "client '%s': %s", d->name, err);
		return;
	}
	a->sessions[a->nsessions++] = s;
	tb_info("sampler: launched client '%s' as pid %d", d->name, (int)child.pid);
	Tb__SmpLaunched l = TB__SMP_LAUNCHED__INIT;
	l.pid = (uint32_t)child.pid;
	Tb__Envelope rep = TB__ENVELOPE__INIT;
	rep.body_case = TB__ENVELOPE__BODY_SMP_LAUNCHED;
	rep.smp_launched = &l;
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
	case TB__ENVELOPE__BODY_SHUTDOWN:
		tb_rpc_server_reply_ok(srv);
		return true;
	default:
		tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_UNSUPPORTED,
					  "the sampler does not handle %s",
					  tb_rpc_body_name(req->body_case));
		return false;
	}
}
