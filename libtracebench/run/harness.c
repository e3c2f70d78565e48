/* SPDX-License-Identifier: MIT */
/* harness.c - starting and stopping the satellites, sampler and control channel. */
#include "libtracebench/run/harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/host.h"
#include "common/log.h"
#include "common/ring.h"

/* start_sampler reaches the sampler agent at url, or starts one here (url NULL or ""). */
static int start_sampler(orc_peer *p, const char *url, const orc_harness_opts *o, char *err,
			 size_t errlen)
{
	/* Each sampler this process starts gets its own control socket. */
	static unsigned started;
	if (url != NULL && url[0] != '\0')
		return orc_peer_attach(p, "sampler", url, o->tls, err, errlen);
	char bin[PATH_MAX], ipc[128];
	tb_program_path(bin, sizeof(bin), "sampler");
	snprintf(ipc, sizeof(ipc), "ipc:///tmp/tracebench-orc-%d-smp%u.ipc", (int)getpid(),
		 started++);
	char *argv[] = {bin, "--control", ipc, "--ring", "auto", "--clients", (char *)o->clients,
			"--lease", "30s", "-q", NULL};
	return orc_peer_spawn(p, "sampler", argv, ipc, err, errlen);
}

static int start_samplers(orc_harness *h, const orc_harness_opts *o, char *err, size_t errlen)
{
	size_t n = o->nsamplers > 0 ? o->nsamplers : 1;
	if (n > ORC_PLAN_MAX_SAMPLERS) {
		snprintf(err, errlen, "at most %d samplers, not %zu", ORC_PLAN_MAX_SAMPLERS, n);
		return TB_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = start_sampler(&h->samplers[i], o->nsamplers ? o->sampler_urls[i] : NULL, o,
				       err, errlen);
		if (rc != TB_OK)
			return rc;
		h->nsamplers++;
	}
	return TB_OK;
}

/* choose_bind decides where the channel and local satellites listen, and by which
 * address each sampler's clients reach them (see harness.h). */
static int choose_bind(orc_harness *h, char *err, size_t errlen)
{
	const char *shared = NULL;
	bool here = false, several = false;
	for (size_t i = 0; i < h->nsamplers; i++) {
		const orc_peer *s = &h->samplers[i];
		char *to = h->env.control_hosts[i];
		if (s->same_host) {
			here = true;
			snprintf(to, sizeof(h->env.control_hosts[0]), "127.0.0.1");
			continue;
		}
		if (s->local_addr[0] == '\0') {
			snprintf(err, errlen, "cannot tell which address the sampler at %s reaches "
					      "this host by (a tcp:// URL is needed)", s->url);
			return TB_EADDR;
		}
		snprintf(to, sizeof(h->env.control_hosts[0]), "%s", s->local_addr);
		several |= shared != NULL && strcmp(shared, s->local_addr) != 0;
		shared = s->local_addr;
	}
	if (shared == NULL)
		snprintf(h->bind, sizeof(h->bind), "127.0.0.1");
	else if (!here && !several)
		snprintf(h->bind, sizeof(h->bind), "%s", shared);
	else
		snprintf(h->bind, sizeof(h->bind), "0.0.0.0");
	return TB_OK;
}

/* port_taken tells whether nothing could listen on addr:port now. */
static bool port_taken(const char *addr, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	bool taken;
	if (fd < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	taken = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno == EADDRINUSE;
	close(fd);
	return taken;
}

/* warn_if_moved says so when a group asked for LightStep Benchmarks' ports serves
 * others: a client with those ports in its code reports to nothing. */
static void warn_if_moved(const orc_peer *p, const orc_plan_satellites *g, const char *bind)
{
	if (p->nports > 0 && p->ports[0] == ORC_LSB_FIRST_PORT)
		return;
	uint16_t taken = ORC_LSB_FIRST_PORT;
	for (uint16_t i = 0; i < ORC_LSB_NPORTS; i++)
		if (port_taken(bind, (uint16_t)(ORC_LSB_FIRST_PORT + i))) {
			taken = (uint16_t)(ORC_LSB_FIRST_PORT + i);
			break;
		}
	tb_warn("orchestrator: port %u on %s is taken, so satellite group %s serves free "
		"ports from %u instead of %s: clients with fixed ports (LightStep Benchmarks' "
		"own) will miss it. Free the port, or give the group ports.",
		taken, bind, g->name[0] ? g->name : "1", p->nports ? p->ports[0] : 0,
		ORC_LSB_PORTS);
}

int orc_satellite_start(orc_peer *p, const orc_plan_satellites *g, const char *bind,
			const tb_tls *tls,
			char *err, size_t errlen)
{
	/* Each satellite this process starts gets its own control socket. */
	static unsigned started;
	int rc;
	bool lsb = !g->remote && g->ports[0] == '\0';
	if (g->remote) {
		rc = orc_peer_attach(p, "satellite", g->url, tls, err, errlen);
	} else {
		char bin[PATH_MAX], url[128], mode[16], ports[64], addr[64];
		tb_program_path(bin, sizeof(bin), "satellite");
		snprintf(url, sizeof(url), "ipc:///tmp/tracebench-orc-%d-sat%u.ipc", (int)getpid(),
			 started++);
		snprintf(mode, sizeof(mode), "%s", tb_sat_mode_name(g->mode));
		snprintf(ports, sizeof(ports), "%s", lsb ? ORC_LSB_PORTS : g->ports);
		snprintf(addr, sizeof(addr), "%s", bind);
		char *argv[] = {bin, "--ports", ports, "--bind", addr, "--control", url,
				"--mode", mode, "-q", lsb ? "--fallback-ports" : NULL, NULL};
		rc = orc_peer_spawn(p, "satellite", argv, url, err, errlen);
	}
	if (rc == TB_OK)
		p->mode = g->mode;
	if (rc == TB_OK && lsb)
		warn_if_moved(p, g, bind);
	return rc;
}

/* start_group starts (or reaches) satellite group i as h->groups[i] says. */
static int start_group(orc_harness *h, size_t i, char *err, size_t errlen)
{
	return orc_satellite_start(&h->satellites[i], &h->groups[i], h->bind, h->tls, err,
				   errlen);
}

int orc_harness_start(orc_harness *h, const orc_harness_opts *o, char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	h->tls = o->tls;
	int removed = 0;
	tb_ring_reap_stale(&removed);
	if (removed > 0)
		tb_info("orchestrator: removed %d stale shared-memory segments", removed);

	int rc = start_samplers(h, o, err, errlen);
	/* The clients run on the samplers' hosts: listen where they can reach us. */
	if (rc == TB_OK)
		rc = choose_bind(h, err, errlen);
	bool lsb_given = false;
	for (size_t i = 0; rc == TB_OK && i < o->ngroups && i < ORC_PLAN_MAX_SATELLITES; i++) {
		h->groups[i] = o->groups[i];
		orc_plan_satellites *g = &h->groups[i];
		/* LightStep Benchmarks' ports go to the first group that names none. */
		if (!g->remote && g->ports[0] == '\0' && lsb_given)
			snprintf(g->ports, sizeof(g->ports), "0,0,0,0,0,0,0,0");
		lsb_given |= !g->remote && g->ports[0] == '\0';
		if ((rc = start_group(h, i, err, errlen)) == TB_OK)
			h->nsatellites++;
	}
	if (rc == TB_OK)
		rc = orc_channel_alloc(&h->channel, h->bind, o->control_port, err, errlen);
	if (rc != TB_OK) {
		orc_harness_stop(h);
		return rc;
	}
	h->env.channel = h->channel;
	h->env.satellites = h->nsatellites ? h->satellites : NULL;
	h->env.nsatellites = h->nsatellites;
	h->env.samplers = h->samplers;
	h->env.nsamplers = h->nsamplers;
	h->env.sampler = &h->samplers[0];
	h->env.period_ns = o->period_ns;
	h->env.progress = o->progress;
	return TB_OK;
}

int orc_harness_revive(orc_harness *h, char *err, size_t errlen)
{
	for (size_t i = 0; i < h->nsamplers; i++)
		if (!orc_peer_alive(&h->samplers[i])) {
			snprintf(err, errlen, "the sampler (%s) has died", h->samplers[i].url);
			return TB_ECLOSED;
		}
	for (size_t i = 0; i < h->nsatellites; i++) {
		if (orc_peer_alive(&h->satellites[i]))
			continue;
		if (!h->satellites[i].local) {
			snprintf(err, errlen, "the satellite at %s has gone", h->satellites[i].url);
			return TB_ECLOSED;
		}
		tb_warn("orchestrator: satellite %zu (%s) died; starting it again", i,
			h->satellites[i].url);
		orc_peer_stop(&h->satellites[i]);
		int rc = start_group(h, i, err, errlen);
		if (rc != TB_OK)
			return rc;
	}
	return TB_OK;
}

void orc_harness_stop(orc_harness *h)
{
	orc_channel_free(h->channel);
	h->channel = NULL;
	for (size_t i = 0; i < h->nsamplers; i++)
		orc_peer_stop(&h->samplers[i]);
	h->nsamplers = 0;
	for (size_t i = 0; i < h->nsatellites; i++)
		orc_peer_stop(&h->satellites[i]);
	h->nsatellites = 0;
}
