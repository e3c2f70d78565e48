/* SPDX-License-Identifier: MIT */
/* satellite_client.c - bench.proto requests to a satellite, built in one place. */
#include "libtracebench/agents/satellite_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

int orc_sat_reset(orc_peer *s, uint64_t run_id, char *err, size_t errlen)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SatReset reset = TB__SAT_RESET__INIT;
	reset.run_id = run_id;
	req.body_case = TB__ENVELOPE__BODY_SAT_RESET;
	req.sat_reset = &reset;
	return orc_peer_call_ok(s, &req, err, errlen);
}

int orc_sat_set_faults(orc_peer *s, const orc_sat_faults *f, char *err, size_t errlen)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SatSetFaults sf = TB__SAT_SET_FAULTS__INIT;
	Tb__SatFaults m = TB__SAT_FAULTS__INIT;
	m.mode = (char *)tb_sat_mode_name(f->mode);
	m.error_probability = f->error_probability;
	m.error_status = f->error_status;
	m.extra_latency_us = f->extra_latency_us;
	m.retry_after_s = f->retry_after_s;
	m.extra_per_span_ns = f->extra_per_span_ns;
	m.bandwidth_kbps = f->bandwidth_kbps;
	m.bandwidth_per_connection = f->bandwidth_per_connection;
	m.drop_probability = f->close_probability;
	sf.faults = &m;
	req.body_case = TB__ENVELOPE__BODY_SAT_SET_FAULTS;
	req.sat_set_faults = &sf;
	return orc_peer_call_ok(s, &req, err, errlen);
}

int orc_sat_set_listening(orc_peer *s, bool listening, char *err, size_t errlen)
{
	Tb__Envelope req = TB__ENVELOPE__INIT;
	Tb__SatSetListening sl = TB__SAT_SET_LISTENING__INIT;
	sl.listening = listening;
	req.body_case = TB__ENVELOPE__BODY_SAT_SET_LISTENING;
	req.sat_set_listening = &sl;
	return orc_peer_call_ok(s, &req, err, errlen);
}

/* copy_u32s copies n values into a new array *out (NULL when n is 0). */
static bool copy_u32s(const uint32_t *v, size_t n, uint32_t **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return true;
	if ((*out = malloc(n * sizeof(uint32_t))) == NULL)
		return false;
	memcpy(*out, v, n * sizeof(uint32_t));
	*nout = n;
	return true;
}

int orc_sat_get_counters(orc_peer *s, orc_sat_counts *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep;
	Tb__SatGetCounters g = TB__SAT_GET_COUNTERS__INIT;
	req.body_case = TB__ENVELOPE__BODY_SAT_GET_COUNTERS;
	req.sat_get_counters = &g;
	int rc = orc_peer_call_expect(s, &req, TB__ENVELOPE__BODY_SAT_COUNTERS, &rep, err,
				      errlen);
	if (rc != TB_OK)
		return rc;
	const Tb__SatCounters *m = rep->sat_counters;
	c->run_id = m->run_id;
#define COPY(f) c->f = m->f;
	ORC_SAT_COUNTS(COPY)
#undef COPY
	c->last_report_ns = m->last_report_ns;
	c->rss_bytes = m->rss_bytes;
	c->cpu_limit_cores = m->cpu_limit_cores;
	c->throttled = m->throttled;
	c->bucket_ms = m->bucket_ms;
	if ((c->forwarding = m->forward != NULL)) {
		c->fwd_held_spans = m->forward->held_spans;
		c->fwd_dropped = m->forward->rejected + m->forward->expired;
		c->fwd_queue_peak = m->forward->queue_peak_bytes;
	}
	for (size_t i = 0; i < m->n_by_client; i++) {
		const Tb__ClientCount *cc = m->by_client[i];
		if (cc->client >= TB_MAX_CLIENTS)
			continue;	/* a client no run of ours has */
#define CLIENT_COPY(f) c->by_client[cc->client].f = cc->f;
		TB_CLIENT_COUNTS(CLIENT_COPY)
#undef CLIENT_COPY
	}
	if (!copy_u32s(m->spans_per_bucket, m->n_spans_per_bucket, &c->spans_per_bucket,
		       &c->nbuckets) ||
	    !copy_u32s(m->resend_delays_ms, m->n_resend_delays_ms, &c->resend_delays_ms,
		       &c->ndelays)) {
		orc_sat_counts_fini(c);
		tb_rpc_free(rep);
		snprintf(err, errlen, "out of memory");
		return TB_ENOMEM;
	}
	tb_rpc_free(rep);
	return TB_OK;
}

void orc_sat_counts_fini(orc_sat_counts *c)
{
	free(c->spans_per_bucket);
	c->spans_per_bucket = NULL;
	c->nbuckets = 0;
	free(c->resend_delays_ms);
	c->resend_delays_ms = NULL;
	c->ndelays = 0;
}
