/* SPDX-License-Identifier: MIT */
/* harness_flag_test.c - the rule that marks a Result as maybe measuring the harness
 * rather than the tracer: a satellite above 80% of a core (or of its cgroup's quota), the
 * client's host above 90% busy, or the client's cgroup throttled in over 20% of the run's
 * periods, and none just below. */
#include <criterion/criterion.h>
#include <string.h>

#include "libtracebench/run/noise.h"

static orc_result judged(double satellite_cpu, double host_cpu, double steal)
{
	orc_result r;
	memset(&r, 0, sizeof(r));
	r.run_id = 3;
	r.satellite_cpu = satellite_cpu;
	r.host_cpu = host_cpu;
	r.steal = steal;
	orc_noise_judge_harness(&r);
	return r;
}

Test(harness_flag, a_busy_satellite_or_host_flags_the_run_and_says_which)
{
	orc_result r = judged(0.85, 0.40, 0);
	cr_assert(r.harness_bound);
	cr_assert_str_eq(r.harness_note, "a satellite used 85% of a core");

	r = judged(0.10, 0.95, 0.30);
	cr_assert(r.harness_bound);
	cr_assert(strstr(r.harness_note, "host was 95% busy (steal 0.30 cores)") != NULL, "%s",
		  r.harness_note);

	r = judged(0.81, 0.91, 0);
	cr_assert(strstr(r.harness_note, "satellite") && strstr(r.harness_note, "; the client's"),
		  "%s", r.harness_note);
}

Test(harness_flag, a_satellite_near_its_cgroup_quota_is_the_bottleneck)
{
	orc_result r;
	memset(&r, 0, sizeof(r));
	r.satellite_cpu = 0.09;
	r.satellite_cpu_limit = 0.10;
	r.satellite_throttled = 42;
	orc_noise_judge_harness(&r);
	cr_assert(r.harness_bound);
	cr_assert_str_eq(r.harness_note,
			 "a satellite used 90% of the 0.10 cores its cgroup allows (throttled 42 "
			 "times)");
	r.satellite_cpu = 0.07;
	orc_noise_judge_harness(&r);
	cr_assert_not(r.harness_bound, "%s", r.harness_note);
}

Test(harness_flag, figures_at_the_limits_leave_the_run_unflagged)
{
	orc_result r = judged(ORC_HARNESS_SATELLITE_CPU, ORC_HARNESS_HOST_CPU, 0);
	cr_assert_not(r.harness_bound);
	cr_assert_str_empty(r.harness_note);
}

/* A client held back by its own cgroup's quota (a shared CI runner) measured the runner,
 * whatever the host's load: the share of periods it was throttled in says so. */
Test(harness_flag, a_client_held_back_by_its_cgroup_quota_flags_the_run)
{
	orc_result r;
	memset(&r, 0, sizeof(r));
	r.host_cpu = 0.55;
	r.host_cpu_limit = 1.2;
	r.host_throttled = 0.35;
	orc_noise_judge_harness(&r);
	cr_assert(r.harness_bound);
	cr_assert_str_eq(r.harness_note,
			 "the client's cgroup was held to its 1.20-core quota in 35% of the run's "
			 "periods");
	r.host_throttled = ORC_HARNESS_HOST_THROTTLED;
	orc_noise_judge_harness(&r);
	cr_assert_not(r.harness_bound, "%s", r.harness_note);
	r.host_cpu_limit = 0; /* no quota: throttling figures cannot arise, nor flag */
	r.host_throttled = 0.9;
	orc_noise_judge_harness(&r);
	cr_assert_not(r.harness_bound, "%s", r.harness_note);
}
