/* SPDX-License-Identifier: MIT */
/* clock.c - monotonic and wall time helpers. */
#include "common/clock.h"

#include <errno.h>
#include <time.h>

static uint64_t read_clock(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * TB_NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint64_t tb_now_ns(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

uint64_t tb_wall_ns(void)
{
	return read_clock(CLOCK_REALTIME);
}

void tb_sleep_until_ns(uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / TB_NS_PER_S),
		.tv_nsec = (long)(deadline_ns % TB_NS_PER_S),
	};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void tb_sleep_ns(uint64_t ns)
{
	tb_sleep_until_ns(tb_now_ns() + ns);
}

int tb_ms_left(uint64_t deadline_ns)
{
	uint64_t now = tb_now_ns();
	if (now >= deadline_ns)
		return 0;
	uint64_t ms = (deadline_ns - now + TB_NS_PER_MS - 1) / TB_NS_PER_MS;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

uint64_t tb_process_cpu_ns(pid_t pid)
{
	clockid_t c;
	struct timespec ts;
	if (clock_getcpuclockid(pid, &c) != 0 || clock_gettime(c, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * TB_NS_PER_S + (uint64_t)ts.tv_nsec;
}
