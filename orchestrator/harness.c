/* harness.c - starting and stopping the local satellite, sampler and control channel. */
#include "orchestrator/harness.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/host.h"
#include "common/log.h"
#include "common/ring.h"

int orc_harness_start(orc_harness *h, const orc_harness_opts *o, char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	int removed = 0;
	tb_ring_reap_stale(&removed);
	if (removed > 0)
		tb_info("orchestrator: removed %d stale shared-memory segments", removed);

	char sat_bin[PATH_MAX], smp_bin[PATH_MAX], sat_url[128], smp_url[128], mode[32];
	tb_sibling_path(sat_bin, sizeof(sat_bin), "../satellite/satellite");
	tb_sibling_path(smp_bin, sizeof(smp_bin), "../sampler/sampler");
	snprintf(sat_url, sizeof(sat_url), "ipc:///tmp/tracebench-orc-%d-sat.ipc", (int)getpid());
	snprintf(smp_url, sizeof(smp_url), "ipc:///tmp/tracebench-orc-%d-smp.ipc", (int)getpid());
	snprintf(mode, sizeof(mode), "%s", o->satellite_mode ? o->satellite_mode : "typical");
	char *sargv[] = {sat_bin, "--ports", (char *)(o->satellite_ports ? o->satellite_ports : "0,0"),
			 "--control", sat_url, "--mode", mode, "-q", NULL};
	char *margv[] = {smp_bin, "--control", smp_url, "--ring", "auto", "--clients",
			 (char *)o->clients, "--lease", "30s", "-q", NULL};
	int rc = TB_OK;
	if (o->satellites)
		rc = orc_peer_spawn(&h->satellite, "satellite", sargv, sat_url, err, errlen);
	if (rc == TB_OK)
		rc = orc_peer_spawn(&h->sampler, "sampler", margv, smp_url, err, errlen);
	if (rc == TB_OK)
		rc = orc_channel_alloc(&h->channel, "127.0.0.1", o->control_port, err, errlen);
	if (rc != TB_OK) {
		orc_harness_stop(h);
		return rc;
	}
	h->env = (orc_env){.channel = h->channel,
			   .satellites = o->satellites ? &h->satellite : NULL,
			   .nsatellites = o->satellites ? 1 : 0,
			   .sampler = &h->sampler,
			   .period_ns = o->period_ns,
			   .progress = o->progress};
	return TB_OK;
}

void orc_harness_stop(orc_harness *h)
{
	orc_channel_free(h->channel);
	h->channel = NULL;
	orc_peer_stop(&h->sampler);
	orc_peer_stop(&h->satellite);
}
