/* SPDX-License-Identifier: MIT */
/* run_proxy.c - a run's proxy: started on the orchestrator's host in front of every
 * satellite port before the clients are launched, the clients' command pointed at it,
 * its processes' CPU and memory read around the clients' run, stopped once the run has
 * settled. A forwarding satellite is also reached on its control channel, to read what
 * it holds. */
#include "libtracebench/run/run_parts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"

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

/* upstreams lists every satellite port as this host reaches them. */
static int upstreams(orc_env *env, run_proxy *px, char *err, size_t errlen)
{
	if (env->nsamplers == 0 || !env->samplers[0].local) {
		snprintf(err, errlen, "a proxy runs beside the clients on the orchestrator's host: "
			 "the clients' sampler is on another host");
		return TB_EINVAL;
	}
	int rc = run_satellite_list(env, 0, &px->up, err, errlen);
	for (size_t i = 0; rc == TB_OK && i < px->up.n_satellites; i++)
		px->ups[i] = px->up.satellites[i];
	return rc;
}

int run_proxy_start(orc_env *env, const orc_run_params *p, run_proxy *px, char *err,
		    size_t errlen)
{
	memset(px, 0, sizeof(*px));
	if (p->proxy.kind == TB_PROXY_NONE)
		return TB_OK;
	int rc = upstreams(env, px, err, errlen);
	if (rc == TB_OK)
		rc = proxy_dir(p, px, err, errlen);
	if (rc != TB_OK)
		return rc;
	tb_proxy_opts o = {.kind = p->proxy.kind, .dir = px->dir, .nupstreams = px->up.n_satellites,
			   .upstreams = px->ups, .command = p->proxy.command};
	if ((rc = tb_proxy_start(&px->proxy, &o, err, errlen)) != TB_OK)
		return rc;	/* its directory stays, with the log err names */
	if (px->proxy.control_url[0] != '\0') {
		if ((rc = orc_peer_attach(&px->ctl, "satellite", px->proxy.control_url,
					  NULL, err, errlen)) != TB_OK) {
			run_proxy_finish(px, NULL);
			return rc;
		}
		px->ctl_open = true;
	}
	tb_debug("orchestrator: %s listens on 127.0.0.1:%u for run %llu",
		 tb_proxy_kind_name(p->proxy.kind), (unsigned)px->proxy.port,
		 (unsigned long long)p->run_id);
	return TB_OK;
}

bool run_proxy_holds(run_proxy *px)
{
	orc_sat_counts c;
	char err[256];
	if (!px->ctl_open || orc_sat_get_counters(&px->ctl, &c, err, sizeof(err)) != TB_OK)
		return false;
	bool holds = c.fwd_held_spans > 0;
	orc_sat_counts_fini(&c);
	return holds;
}

/* forward_figures reads what a forwarding satellite still holds and dropped. */
static void forward_figures(run_proxy *px, orc_result *r)
{
	orc_sat_counts c;
	char err[256];
	if (orc_sat_get_counters(&px->ctl, &c, err, sizeof(err)) != TB_OK) {
		tb_warn("orchestrator: cannot read the forwarding satellite's counts: %s", err);
		return;
	}
	r->proxy_held.has = true;
	r->proxy_held.v = c.fwd_held_spans;
	r->proxy_dropped = c.fwd_dropped;
	r->proxy_queue_peak = c.fwd_queue_peak;
	orc_sat_counts_fini(&c);
}

void run_proxy_point(const run_proxy *px, member *m, size_t n)
{
	if (!px->proxy.running)
		return;
	for (size_t k = 0; k < n; k++) {
		m[k].cmd.n_satellites = 1;
		snprintf(m[k].cmd.satellites[0], sizeof(m[k].cmd.satellites[0]), "127.0.0.1:%u",
			 (unsigned)px->proxy.port);
	}
}

void run_proxy_mark(run_proxy *px)
{
	uint64_t rss;
	if (px->proxy.running && tb_proxy_usage(&px->proxy, &px->cpu0_ns, &rss) == TB_OK)
		px->t0_ns = tb_now_ns();
}

void run_proxy_figures(run_proxy *px, orc_result *r)
{
	if (px->ctl_open)
		forward_figures(px, r);
}

void run_proxy_finish(run_proxy *px, orc_result *r)
{
	if (px->ctl_open)
		orc_peer_stop(&px->ctl);
	px->ctl_open = false;
	if (!px->proxy.running)
		return;
	uint64_t cpu, rss;
	if (r != NULL && px->t0_ns != 0 && tb_proxy_usage(&px->proxy, &cpu, &rss) == TB_OK) {
		uint64_t wall = tb_now_ns() - px->t0_ns;
		r->proxy_cpu = wall > 0 && cpu > px->cpu0_ns ?
				       (double)(cpu - px->cpu0_ns) / (double)wall : 0;
		r->proxy_peak_rss = rss;
	}
	tb_proxy_stop(&px->proxy);
	if (px->own_dir && tb_proxy_remove_dir(px->dir) != TB_OK)
		tb_warn("orchestrator: cannot remove %s: %s", px->dir, strerror(errno));
	px->own_dir = false;
}
