/* SPDX-License-Identifier: MIT */
/* noise.h - how busy the client's host was with work other than the benchmark's during a
 * run. A run on a host where something else took a core measures that something as much
 * as the tracer, so each Result records it, and a plan can refuse to judge such runs
 * (quiet_host).
 *
 * The figures come from the sampler's samples, which carry the host's /proc/stat ticks,
 * its CPU count and the sampler's own CPU time: other work = host busy - steal - client
 * - sampler - satellites on that host - the orchestrator (when it runs there too). Steal
 * is time the hypervisor gave to other guests; it is reported on its own. */
#ifndef ORC_NOISE_H
#define ORC_NOISE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cpulimit.h"
#include "common/records.h"
#include "libtracebench/results/result.h"

/* Other work above this many cores gets a warning after the run, in every mode. */
#define ORC_NOISE_WARN_CORES 0.25

typedef struct orc_noise {
	bool has_host;
	tb_rec_sample first, last;	/* the first and last live samples with host figures */
	uint64_t orc_cpu0, orc_t0;	/* the orchestrator's CPU time and clock at the start */
	bool has_group;
	char group[512];		/* the client's CPU cgroup, when on this host */
	tb_cpu_limit limit0;		/* its counts when the client started */
} orc_noise;

/* orc_noise_start notes the orchestrator's CPU time and clock before the client starts. */
void orc_noise_start(orc_noise *n);

/* orc_noise_client notes the CPU cgroup of the client pid, which runs on this host, and
 * its counts: a quota there holds the client back as a busy host would. */
void orc_noise_client(orc_noise *n, pid_t pid);

/* orc_noise_sample takes one of the client's samples. */
void orc_noise_sample(orc_noise *n, const tb_rec_sample *s);

/* orc_noise_finish sets r's host_cpu, host_other_cpu, steal, and, after
 * orc_noise_client, host_cpu_limit and host_throttled. orc_here: the
 * orchestrator runs on the client's host; more_cores: the CPU (in cores) that the run's
 * own other processes on that host used during the run (its satellites there, and its
 * clients but the one whose samples n took). Without host figures all three stay 0. */
void orc_noise_finish(const orc_noise *n, bool orc_here, double more_cores, orc_result *r);

/* orc_noise_warn warns when r's host was busy with other work or the hypervisor stole
 * time, naming the run ("run 12", or a calibration run) and the figures. */
void orc_noise_warn(const orc_result *r);

/* A satellite busier than this share of a core (or of its cgroup's CPU quota, when that
 * is less), or a client's host busier than this share of all its cores (steal
 * included), may have held the tracer back: the result then measures the harness as
 * much as the tracer. */
#define ORC_HARNESS_SATELLITE_CPU 0.80
#define ORC_HARNESS_HOST_CPU 0.90
/* So may a quota on the client's cgroup that held it back in more than this share of
 * the run's periods: a slower or shared CI runner is often such a cgroup. */
#define ORC_HARNESS_HOST_THROTTLED 0.20

/* orc_noise_judge_harness sets r's harness_bound and harness_note from its satellite_cpu,
 * host_cpu and host_throttled, and warns when it is set. */
void orc_noise_judge_harness(orc_result *r);

#endif
