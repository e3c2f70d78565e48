/* SPDX-License-Identifier: MIT */
/* run_progress.c - the live progress line of a run on a terminal: step, time, ETA,
 * rates and CPU, redrawn in place. */
#include "libtracebench/run/run_parts.h"


#include <inttypes.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <lz4frame.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "common/sig.h"
#include "libtracebench/run/accounting.h"
#include "libtracebench/run/noise.h"
#include "libtracebench/run/recovery.h"
#include "libtracebench/agents/sampler_client.h"
#include "libtracebench/agents/satellite_client.h"
#include "sampler/csv.h"
#include "sampler/source.h"

/* live_update reads every satellite's counters, at most once a second. Only a terminal
 * asks for it: nothing the Result holds comes from here. */
static void live_update(orc_env *env, live *lv, uint64_t now)
{
	if (lv->at_ns != 0 && now - lv->at_ns < TB_NS_PER_S)
		return;
	uint64_t spans = 0, refused = 0;
	double dt = lv->at_ns != 0 ? (double)(now - lv->at_ns) / 1e9 : 0, busiest = 0;
	for (size_t i = 0; i < env->nsatellites && i < ORC_PLAN_MAX_SATELLITES; i++) {
		orc_sat_counts c;
		char err[256];
		if (orc_sat_get_counters(&env->satellites[i], &c, err, sizeof(err)) != TB_OK)
			return;
		spans += c.spans;
		refused += c.refused_spans;
		if (dt > 0 && c.cpu_ns >= lv->cpu_ns[i] &&
		    (double)(c.cpu_ns - lv->cpu_ns[i]) / 1e9 / dt > busiest)
			busiest = (double)(c.cpu_ns - lv->cpu_ns[i]) / 1e9 / dt;
		lv->cpu_ns[i] = c.cpu_ns;
		orc_sat_counts_fini(&c);
	}
	if (dt > 0) {
		lv->received_per_s = spans >= lv->spans ? (double)(spans - lv->spans) / dt : 0;
		lv->busiest_cpu = busiest;
	}
	lv->spans = spans;
	lv->refused = refused;
	lv->at_ns = now;
}

/* eta_text writes s seconds as "1h02m", "4m10s" or "12s". */
static void eta_text(double s, char *buf, size_t len)
{
	long v = s > 0 ? (long)(s + 0.5) : 0;
	if (v >= 3600)
		snprintf(buf, len, "%ldh%02ldm", v / 3600, v / 60 % 60);
	else if (v >= 60)
		snprintf(buf, len, "%ldm%02lds", v / 60, v % 60);
	else
		snprintf(buf, len, "%lds", v);
}

/* recent_cpu is a trace's CPU share over its last ten samples. */
static double recent_cpu(const trace *t)
{
	if (t->n < 2)
		return 0;
	size_t a = t->n >= 11 ? t->n - 11 : 0, b = t->n - 1;
	return (double)(t->cpu_ns[b] - t->cpu_ns[a]) / (double)(t->t_ns[b] - t->t_ns[a] + 1);
}

/* run_progress rewrites the terminal's live line: where the plan is, the clients' rate and
 * figures (CPU and RSS summed over them), and what the satellites took in. */
void run_progress(orc_env *env, const orc_run_params *p, const member *m, size_t n,
		     live *lv, uint64_t elapsed_ns)
{
	double cpu = 0, rss = 0, el = (double)elapsed_ns / 1e9;
	size_t running = 0, sampled = 0;
	for (size_t k = 0; k < n; k++) {
		running += m[k].launched && !m[k].t.exited;
		sampled += m[k].t.n > 0;
		cpu += recent_cpu(&m[k].t);
		rss += m[k].t.n > 0 ? (double)m[k].t.rss[m[k].t.n - 1] : 0;
	}
	if (!env->progress || sampled == 0)
		return;
	live_update(env, lv, tb_now_ns());
	char step[32] = "", eta[48];
	if (p->steps > 0)
		snprintf(step, sizeof(step), "[%zu/%zu] ", p->step, p->steps);
	eta_text((p->runtime_s > el ? p->runtime_s - el : 0) + p->eta_after_s, eta, sizeof(eta));
	double asked = p->sps * (double)n * (el < p->runtime_s ? el : p->runtime_s);
	char line[512];
	snprintf(line, sizeof(line), "  %srun %llu: %.1f/%.1f s, plan ETA %s | %zu/%zu client%s, "
		 "%.0f spans/s asked, %.0f/s received, %llu of ~%.0f in, %llu refused | CPU "
		 "%.1f%%, RSS %.1f MiB | busiest satellite %.1f%%", step,
		 (unsigned long long)p->run_id, el, p->runtime_s, eta, running, n,
		 n == 1 ? "" : "s", p->sps * (double)n, lv->received_per_s,
		 (unsigned long long)lv->spans, asked, (unsigned long long)lv->refused, 100 * cpu,
		 rss / 1048576.0, 100 * lv->busiest_cpu);
	/* One physical line: a wrapped one could not be rewritten in place. */
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 &&
	    strlen(line) >= ws.ws_col)
		line[ws.ws_col - 1] = '\0';
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
}
