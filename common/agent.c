/* SPDX-License-Identifier: MIT */
/* agent.c - the agents' shared options and serve loop. */
#include "common/agent.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/host.h"
#include "common/sig.h"

void tb_agent_opts_init(tb_agent_opts *o, const char *program)
{
	memset(o, 0, sizeof(*o));
	o->program = program;
	o->file_level = TB_LOG_INFO;
}

int tb_agent_option(tb_agent_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case TB_AGENT_O_CONTROL: o->control = arg; return 1;
	case TB_AGENT_O_ALLOW_REMOTE: o->allow_remote = true; return 1;
	case TB_AGENT_O_INSECURE: o->insecure = true; return 1;
	case TB_AGENT_O_TLS_CERT: o->tls_opts.cert = arg; return 1;
	case TB_AGENT_O_TLS_KEY: o->tls_opts.key = arg; return 1;
	case TB_AGENT_O_TLS_CA: o->tls_opts.ca = arg; return 1;
	case TB_AGENT_O_TLS_ALLOW: o->tls_opts.allow = arg; return 1;
	case TB_AGENT_O_RING: o->ring_arg = arg; return 1;
	case TB_AGENT_O_LOG: o->log_path = arg; return 1;
	case TB_AGENT_O_LOG_LEVEL:
		if (tb_log_parse_level(arg, &o->file_level) != TB_OK) {
			fprintf(stderr, "%s: --log-level %s: expected debug, info, warn or error\n",
				o->program, arg);
			return -1;
		}
		return 1;
	case 'v': tb_log_set_stderr(TB_LOG_INFO); return 1;
	case 'q': tb_log_set_stderr(TB_LOG_ERROR); return 1;
	default: return 0;
	}
}

int tb_agent_getopt(tb_agent_opts *o, int argc, char **argv, const char *shortopts,
		    const struct option *longopts, void (*usage)(FILE *out),
		    bool (*own)(void *ctx, int opt, const char *arg), void *ctx)
{
	int opt;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		int taken = tb_agent_option(o, opt, optarg);
		if (taken < 0)
			return 2;
		if (taken > 0)
			continue;
		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		if (opt == 'V') {
			printf("%s (%s)\n", o->program, TB_SOFTWARE);
			return 0;
		}
		if (!own(ctx, opt, optarg))
			return 2;
	}
	return -1;
}

/* policy is how o lets --control listen. */
static tb_listen_policy policy(const tb_agent_opts *o)
{
	return (tb_listen_policy){.allow_remote = o->allow_remote, .insecure = o->insecure,
				  .tls = o->tls};
}

int tb_agent_opts_check(tb_agent_opts *o)
{
	char err[512];
	if (o->log_path != NULL &&
	    tb_log_add_file(o->log_path, o->file_level, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "%s: %s\n", o->program, err);
		return TB_EINVAL;
	}
	if (tb_tls_opts_given(&o->tls_opts) &&
	    tb_tls_load(&o->tls, &o->tls_opts, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "%s: %s\n", o->program, err);
		return TB_EINVAL;
	}
	tb_listen_policy p = policy(o);
	if (o->control != NULL && tb_url_check(o->control, &p, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "%s: --control %s: %s\n", o->program, o->control, err);
		return TB_EINVAL;
	}
	return TB_OK;
}

void tb_agent_opts_fini(tb_agent_opts *o)
{
	tb_tls_free(o->tls);
	o->tls = NULL;
}

int tb_agent_ring_create(const tb_agent_opts *o, size_t record_size, tb_ring **ring,
			 char *name, size_t namelen)
{
	char err[512];
	*ring = NULL;
	name[0] = '\0';
	if (o->ring_arg == NULL)
		return TB_OK;
	tb_ring_name_from_arg(name, namelen, o->ring_arg, o->program);
	int rc = tb_ring_create(ring, name, 4u << 20, record_size, err, sizeof(err));
	if (rc != TB_OK)
		tb_error("%s: --ring %s: %s", o->program, o->ring_arg, err);
	return rc;
}

int tb_agent_server_alloc(const tb_agent_opts *o, tb_rpc_server **srv)
{
	char err[512];
	*srv = NULL;
	if (o->control == NULL)
		return TB_OK;
	tb_listen_policy p = policy(o);
	int rc = tb_rpc_server_alloc(srv, o->control, &p, err, sizeof(err));
	if (rc != TB_OK) {
		tb_error("%s: --control %s: %s", o->program, o->control, err);
		return rc;
	}
	tb_rpc_server_set_wake_fd(*srv, tb_sig_fd());
	return TB_OK;
}

bool tb_agent_handle_other(const char *program, tb_rpc_server *srv, const Tb__Envelope *req)
{
	if (req->body_case == TB__ENVELOPE__BODY_SHUTDOWN) {
		tb_rpc_server_reply_ok(srv);
		return true;
	}
	tb_rpc_server_reply_error(srv, TB__ERROR_CODE__ERR_UNSUPPORTED, "the %s does not handle %s",
				  program, tb_rpc_body_name(req->body_case));
	return false;
}

int tb_agent_serve(const tb_agent_opts *o, tb_rpc_server *srv, const tb_agent_calls *c)
{
	int status = 0;
	while (!tb_sig_stop_requested()) {
		int wait_ms = c->tick != NULL ? c->tick(c->ctx, &status) : -1;
		if (wait_ms == -2)
			return status;
		if (srv == NULL) {
			tb_sig_wait(wait_ms);
			continue;
		}
		Tb__Envelope *req;
		int rv = tb_rpc_server_recv(srv, wait_ms, &req);
		if (rv == TB_ETIMEDOUT)
			continue;
		if (rv != TB_OK) {
			tb_error("%s: control channel failed: %s", o->program, tb_strerror(rv));
			return 1;
		}
		bool stop = c->handle(c->ctx, srv, req);
		tb_rpc_free(req);
		if (stop) {
			tb_info("%s: shut down by the control channel", o->program);
			return status;
		}
	}
	tb_info("%s: stopping on signal %d", o->program, tb_sig_last());
	return status;
}
