/* SPDX-License-Identifier: MIT */
/* run_proxy.c - a run's proxy: started on the clients' host in front of every satellite
 * port before the clients are launched (by this process when the clients' sampler is on
 * this host, else by that sampler), the clients' command pointed at it, its figures read
 * around the clients' run, stopped once the run has settled. */
#include "libtracebench/run/run_parts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "libtracebench/agents/sampler_client.h"

/* proxy_dir makes the directory the proxy's files go in. */
static int proxy_dir(const orc_run_params *p, run_proxy *px, char *err, size_t errlen)
{
	if (p->proxy_dir != NULL) {
		snprintf(px->dir, sizeof(px->dir), "%s", p->proxy_dir);
		if (mkdir(px->dir, 0755) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot make %s for the proxy: %s", px->dir,
				 strerror(errno));
			return TB_ESYS;
		}
		return TB_OK;
	}
	snprintf(px->dir, sizeof(px->dir), "/tmp/tb-proxy-XXXXXX");
	if (mkdtemp(px->dir) == NULL) {
		snprintf(err, errlen, "cannot make a directory for the proxy: %s", strerror(errno));
		return TB_ESYS;
	}
	px->own_dir = true;
	return TB_OK;
}

/* start_here starts the proxy as this process's own child. */
static int start_here(const orc_run_params *p, run_proxy *px, char *err, size_t errlen)
{
	int rc = proxy_dir(p, px, err, errlen);
	if (rc != TB_OK)
		return rc;
	tb_proxy_opts o = {.kind = p->proxy.kind, .dir = px->dir, .nupstreams = px->up.n_satellites,
			   .upstreams = px->ups, .command = p->proxy.command};
	if ((rc = tb_proxy_start(&px->proxy, &o, err, errlen)) != TB_OK)
		return rc;	/* its directory stays, with the log err names */
	px->port = px->proxy.port;
	return TB_OK;
}

/* start_there has the clients' sampler start the proxy on its host. */
static int start_there(orc_peer *smp, const orc_run_params *p, run_proxy *px, char *err,
		       size_t errlen)
{
	char spec[TB_PROXY_COMMAND_MAX + 16];
	tb_proxy_spec_text(&p->proxy, spec, sizeof(spec));
	int rc = orc_smp_proxy_start(smp, spec, px->ups, px->up.n_satellites, &px->port, err,
				     errlen);
	if (rc == TB_OK)
		px->remote = smp;
	return rc;
}

int run_proxy_start(orc_env *env, const orc_run_params *p, const member *m, size_t n,
		    run_proxy *px, char *err, size_t errlen)
{
	memset(px, 0, sizeof(*px));
	if (p->proxy.kind == TB_PROXY_NONE)
		return TB_OK;
	for (size_t k = 1; k < n; k++) {
		if (m[k].smp != m[0].smp) {
			snprintf(err, errlen, "a proxy runs on one host, and this run's clients are "
				 "on several samplers' hosts");
			return TB_EINVAL;
		}
	}
	/* The satellites as the clients' host reaches them: the proxy runs there. */
	orc_peer *smp = &env->samplers[m[0].smp];
	int rc = run_satellite_list(env, m[0].smp, &px->up, err, errlen);
	for (size_t i = 0; rc == TB_OK && i < px->up.n_satellites; i++)
		px->ups[i] = px->up.satellites[i];
	if (rc == TB_OK)
		rc = !smp->local ? start_there(smp, p, px, err, errlen) : start_here(p, px, err, errlen);
	if (rc != TB_OK)
		return rc;
	px->running = true;
	px->tells_held = p->proxy.kind == TB_PROXY_SATELLITE;
	tb_debug("orchestrator: %s listens on 127.0.0.1:%u of the clients' host for run %llu",
		 tb_proxy_kind_name(p->proxy.kind), (unsigned)px->port,
		 (unsigned long long)p->run_id);
	return TB_OK;
}

void run_proxy_point(const run_proxy *px, member *m, size_t n)
{
	if (!px->running)
		return;
	for (size_t k = 0; k < n; k++) {
		m[k].cmd.n_satellites = 1;
		snprintf(m[k].cmd.satellites[0], sizeof(m[k].cmd.satellites[0]), "127.0.0.1:%u",
			 (unsigned)px->port);
	}
}

/* read_figures reads the proxy's figures where it runs. */
static int read_figures(run_proxy *px, tb_proxy_figures *f, char *err, size_t errlen)
{
	if (!px->running)
		return TB_ENOENT;
	return px->remote != NULL ? orc_smp_proxy_read(px->remote, f, err, errlen)
				  : tb_proxy_read(&px->proxy, f, err, errlen);
}

void run_proxy_mark(run_proxy *px)
{
	tb_proxy_figures f;
	char err[256];
	if (read_figures(px, &f, err, sizeof(err)) == TB_OK) {
		px->cpu0_ns = f.cpu_ns;
		px->t0_ns = tb_now_ns();
	}
}

bool run_proxy_holds(run_proxy *px)
{
	tb_proxy_figures f;
	char err[256];
	/* Only a forwarding satellite can tell; the others are not asked while settling. */
	return px->tells_held && read_figures(px, &f, err, sizeof(err)) == TB_OK &&
	       f.tells_held && f.held_spans > 0;
}

void run_proxy_figures(run_proxy *px, orc_result *r)
{
	tb_proxy_figures f;
	char err[512];
	if (!px->running)
		return;
	if (read_figures(px, &f, err, sizeof(err)) != TB_OK) {
		tb_warn("orchestrator: cannot read the proxy's figures: %s", err);
		return;
	}
	uint64_t wall = px->t0_ns != 0 ? tb_now_ns() - px->t0_ns : 0;
	r->proxy_cpu = wall > 0 && f.cpu_ns > px->cpu0_ns ?
			       (double)(f.cpu_ns - px->cpu0_ns) / (double)wall : 0;
	r->proxy_peak_rss = f.peak_rss;
	if (f.tells_held) {
		r->proxy_held.has = true;
		r->proxy_held.v = f.held_spans;
		r->proxy_dropped = f.dropped_spans;
		r->proxy_queue_peak = f.queue_peak;
	}
}

void run_proxy_finish(run_proxy *px)
{
	char err[256];
	if (px->remote != NULL && orc_smp_proxy_stop(px->remote, err, sizeof(err)) != TB_OK)
		tb_warn("orchestrator: cannot stop the proxy: %s", err);
	px->remote = NULL;
	tb_proxy_stop(&px->proxy);
	if (px->own_dir && tb_proxy_remove_dir(px->dir) != TB_OK)
		tb_warn("orchestrator: cannot remove %s: %s", px->dir, strerror(errno));
	px->own_dir = false;
	px->running = false;
}
