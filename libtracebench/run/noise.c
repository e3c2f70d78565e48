/* SPDX-License-Identifier: MIT */
/* noise.c - the CPU other work used on the client's host during a run (noise.h). */
#include "libtracebench/run/noise.h"

#include <stdio.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

void orc_noise_start(orc_noise *n)
{
	*n = (orc_noise){.orc_cpu0 = tb_process_cpu_ns(0), .orc_t0 = tb_now_ns()};
}

void orc_noise_client(orc_noise *n, pid_t pid)
{
	n->has_group = tb_cpu_limit_group(pid, n->group, sizeof(n->group));
	if (n->has_group)
		tb_cpu_limit_read(n->group, &n->limit0);
}

/* group_figures sets r's host_cpu_limit and host_throttled from the client's cgroup. */
static void group_figures(const orc_noise *n, orc_result *r)
{
	tb_cpu_limit now;
	if (!n->has_group)
		return;
	tb_cpu_limit_read(n->group, &now);
	r->host_cpu_limit = now.cores;
	uint64_t periods = now.periods > n->limit0.periods ? now.periods - n->limit0.periods : 0;
	uint64_t held = now.throttled > n->limit0.throttled ? now.throttled - n->limit0.throttled : 0;
	r->host_throttled = periods > 0 ? (double)held / (double)periods : 0;
}

void orc_noise_sample(orc_noise *n, const tb_rec_sample *s)
{
	/* An exit sample's CPU is from rusage at the exit while its host ticks are from the
	 * last reading: only live samples pair the two at one instant. */
	if (s->status != TB_SAMPLE_OK || (s->flags & TB_SAMPLE_F_NO_HOST) ||
	    s->host_total_ticks == 0)
		return;
	if (!n->has_host)
		n->first = *s;
	n->last = *s;
	n->has_host = true;
}

static double per_s(uint64_t a, uint64_t b, double wall_s)
{
	return b > a && wall_s > 0 ? (double)(b - a) / 1e9 / wall_s : 0;
}

void orc_noise_finish(const orc_noise *n, bool orc_here, double more_cores, orc_result *r)
{
	const tb_rec_sample *a = &n->first, *b = &n->last;
	group_figures(n, r);
	if (b->t_ns > a->t_ns)
		r->sampler_cpu = per_s(a->sampler_cpu_ns, b->sampler_cpu_ns,
				       (double)(b->t_ns - a->t_ns) / 1e9);
	if (!n->has_host || b->host_total_ticks <= a->host_total_ticks || b->t_ns <= a->t_ns)
		return;
	double total = (double)(b->host_total_ticks - a->host_total_ticks);
	double cpus = b->host_cpus ? b->host_cpus : 1;
	double busy = (double)(b->host_busy_ticks - a->host_busy_ticks) / total;
	double steal = b->host_steal_ticks > a->host_steal_ticks
			       ? (double)(b->host_steal_ticks - a->host_steal_ticks) / total
			       : 0;
	double wall = (double)(b->t_ns - a->t_ns) / 1e9;
	double ours = per_s(a->cpu_ns, b->cpu_ns, wall) +
		      per_s(a->sampler_cpu_ns, b->sampler_cpu_ns, wall) + more_cores;
	if (orc_here) {
		uint64_t now = tb_now_ns();
		double orc_wall = (double)(now - n->orc_t0) / 1e9;
		ours += per_s(n->orc_cpu0, tb_process_cpu_ns(0), orc_wall);
	}
	r->host_cpu = busy;
	r->steal = steal * cpus;
	double other = (busy - steal) * cpus - ours;
	r->host_other_cpu = other > 0 ? other : 0;
}

void orc_noise_warn(const orc_result *r)
{
	if (r->host_other_cpu + r->steal <= ORC_NOISE_WARN_CORES)
		return;
	char which[48];
	if (r->run_id == 0)
		snprintf(which, sizeof(which), "a calibration run");
	else
		snprintf(which, sizeof(which), "run %llu", (unsigned long long)r->run_id);
	tb_warn("orchestrator: the host looks busy during %s: other work used %.2f cores and "
		"the hypervisor took %.2f: its figures will be noisy", which, r->host_other_cpu,
		r->steal);
}

void orc_noise_judge_harness(orc_result *r)
{
	char sat[128] = "", host[128] = "";
	double lim = r->satellite_cpu_limit;
	if (lim > 0 && lim < 1 && r->satellite_cpu > ORC_HARNESS_SATELLITE_CPU * lim)
		snprintf(sat, sizeof(sat), "a satellite used %.0f%% of the %.2f cores its cgroup "
			 "allows (throttled %llu times)", 100.0 * r->satellite_cpu / lim, lim,
			 (unsigned long long)r->satellite_throttled);
	else if (r->satellite_cpu > ORC_HARNESS_SATELLITE_CPU)
		snprintf(sat, sizeof(sat), "a satellite used %.0f%% of a core",
			 100.0 * r->satellite_cpu);
	if (r->host_cpu > ORC_HARNESS_HOST_CPU)
		snprintf(host, sizeof(host), "the client's host was %.0f%% busy (steal %.2f cores)",
			 100.0 * r->host_cpu, r->steal);
	else if (r->host_cpu_limit > 0 && r->host_throttled > ORC_HARNESS_HOST_THROTTLED)
		snprintf(host, sizeof(host), "the client's cgroup was held to its %.2f-core quota "
			 "in %.0f%% of the run's periods", r->host_cpu_limit,
			 100.0 * r->host_throttled);
	r->harness_bound = sat[0] != '\0' || host[0] != '\0';
	if (!r->harness_bound) {
		r->harness_note[0] = '\0';
		return;
	}
	snprintf(r->harness_note, sizeof(r->harness_note), "%s%s%s", sat,
		 sat[0] && host[0] ? "; " : "", host);
	tb_warn("orchestrator: run %llu may measure the harness, not the tracer: %s",
		(unsigned long long)r->run_id, r->harness_note);
}
