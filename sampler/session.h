/* SPDX-License-Identifier: MIT */
/* session.h - sampling one process at a fixed period on its own thread.
 *
 * Samples are taken on a grid (start + k * period, absolute CLOCK_MONOTONIC deadlines,
 * so periods do not drift); a deadline missed is skipped, not made up with a burst. The
 * thread sleeps in ppoll between samples, so it costs nothing while it waits and wakes at
 * once when told to stop or, for a client the sampler launched, when that client exits.
 *
 * A launched client (cfg.child, spawned held by tb_child_spawn) is released only after
 * the first sample, so sampling covers it from its first instruction; its stream ends
 * with a TB_SAMPLE_EXITED sample built from wait4's rusage, so nothing is lost at exit.
 * The session owns that child: it reaps it, and stops it if asked to. */
#ifndef SMP_SESSION_H
#define SMP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/child.h"
#include "sampler/argv.h"
#include "sampler/sink.h"

/* Allowed periods: 1 ms to 60 s. */
#define SMP_PERIOD_MIN_NS (1000ull * 1000)
#define SMP_PERIOD_MAX_NS (60ull * 1000 * 1000 * 1000)

typedef struct smp_session_cfg {
	pid_t pid;		/* ignored when child is set */
	uint64_t period_ns;
	bool include_children;
	uint64_t run_id;
	uint64_t run_start_ns;	/* CLOCK_MONOTONIC origin of sample times (0: now) */
	bool to_ring;
	tb_child *child;	/* a held, launched client the session takes over, or NULL */
	smp_argv_run *argv;	/* an argv-mode client's run (argv.h), or NULL; the session
				 * takes it over, reports its result at exit and frees it */
} smp_session_cfg;

typedef struct smp_session smp_session;

/* smp_session_start opens the process's /proc files and starts the sampling thread.
 * On success the session owns cfg->child (the struct is copied). Returns TB_OK;
 * TB_EINVAL (bad period); TB_ENOENT (no such process) or TB_ESYS, with err filled. On
 * failure a given child and argv are left to the caller. */
int smp_session_start(smp_session **sp, const smp_session_cfg *cfg, smp_sink *sink,
		      char *err, size_t errlen);

/* smp_session_stop asks the thread to take a last sample and end sampling. With kill, a
 * launched client is stopped (SIGTERM to its group, SIGKILL after grace_ms) and its exit
 * sample written; without, a launched client keeps running and its exit sample is still
 * written when it ends. Returns at once. */
void smp_session_stop(smp_session *s, bool kill, int grace_ms);

/* smp_session_done tells whether the session has written its last sample. */
bool smp_session_done(smp_session *s);

/* smp_session_pid returns the sampled pid. */
pid_t smp_session_pid(const smp_session *s);

/* smp_session_result copies an argv client's result into res once the client has ended
 * (argv.h); false before then, and for any other session. */
bool smp_session_result(smp_session *s, tb_client_result *res);

/* smp_session_launched tells whether the session owns a launched client. */
bool smp_session_launched(const smp_session *s);

/* smp_session_free stops the session if it still runs (killing a launched client after
 * grace_ms), joins the thread and frees it. NULL is fine. */
void smp_session_free(smp_session *s, int grace_ms);

#endif
