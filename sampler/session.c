/* SPDX-License-Identifier: MIT */
/* session.c - one sampling thread: read /proc on a fixed grid, hand samples to the
 * sink, and end the stream with a last sample that says why it ended. */
#include "sampler/session.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "sampler/procfs.h"

enum { REQ_NONE = 0, REQ_STOP, REQ_KILL };

struct smp_session {
	pthread_t thread;
	smp_session_cfg cfg;
	smp_sink *sink;
	smp_proc proc;
	tb_child child;
	bool has_child;
	int efd;
	atomic_int req;
	atomic_int grace_ms;
	atomic_bool done;
	atomic_bool has_result;	/* result is set (an argv client that ended) */
	tb_client_result result;
	tb_rec_sample last;	/* the last good sample, for what the exit sample carries */
	uint64_t self_cpu_ns;	/* the sampler's own CPU, read at self_at_ns */
	uint64_t self_at_ns;
	uint32_t host_cpus;
};

static uint64_t run_time(const smp_session *s, uint64_t now)
{
	return now > s->cfg.run_start_ns ? now - s->cfg.run_start_ns : 0;
}

static void emit(smp_session *s, tb_rec_sample *r, int status, uint64_t now)
{
	r->type = TB_REC_SAMPLE;
	r->size = sizeof(*r);
	r->status = (uint8_t)status;
	r->pid = (uint32_t)s->cfg.pid;
	r->run_id = s->cfg.run_id;
	r->t_ns = run_time(s, now);
	/* Its own cost rides along, so a run can tell the harness's CPU from others'. Read
	 * as often as the host's CPU it is set against: summing every thread of the process
	 * was a tenth of a sample's cost at 10 ms. */
	if (s->self_at_ns == 0 || now - s->self_at_ns >= SMP_SLOW_PERIOD_NS ||
	    status != TB_SAMPLE_OK) {
		s->self_cpu_ns = tb_process_cpu_ns(0);
		s->self_at_ns = now;
	}
	r->sampler_cpu_ns = s->self_cpu_ns;
	r->host_cpus = s->host_cpus;
	smp_sink_put(s->sink, r, s->cfg.to_ring);
}

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
}

/* emit_exit writes the launched client's final sample from what was read as it exited:
 * its own CPU clock, taken before it was reaped, unless the session counts descendants,
 * when wait4's rusage (which adds every descendant it waited for) is the figure. I/O and
 * host figures carry the last reading. */
static void emit_exit(smp_session *s)
{
	tb_rec_sample r = s->last;
	const struct rusage *ru = &s->child.rusage;
	r.utime_ns = tv_ns(ru->ru_utime);
	r.stime_ns = tv_ns(ru->ru_stime);
	r.cpu_ns = r.utime_ns + r.stime_ns;
	if (!s->cfg.include_children && s->child.has_own_cpu && r.cpu_ns > 0 &&
	    s->child.own_cpu_ns < r.cpu_ns) {
		/* The split of user and system time is known only for the whole tree. */
		double own = (double)s->child.own_cpu_ns / (double)r.cpu_ns;
		r.utime_ns = (uint64_t)((double)r.utime_ns * own);
		r.stime_ns = (uint64_t)((double)r.stime_ns * own);
		r.cpu_ns = s->child.own_cpu_ns;
	}
	r.hwm_bytes = (uint64_t)ru->ru_maxrss * 1024;
	r.rss_bytes = 0;
	r.threads = 0;
	r.minflt = (uint64_t)ru->ru_minflt;
	r.majflt = (uint64_t)ru->ru_majflt;
	r.vol_ctxsw = (uint64_t)ru->ru_nvcsw;
	r.invol_ctxsw = (uint64_t)ru->ru_nivcsw;
	r.flags &= (uint8_t)~TB_SAMPLE_F_TICK_CPU;
	int st = s->child.status;
	r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r.signal = WIFSIGNALED(st) ? (uint32_t)WTERMSIG(st) : 0;
	/* An argv client's result is ready before its exit sample, so the orchestrator
	 * can have it as soon as it sees the client end. */
	if (s->cfg.argv != NULL) {
		smp_argv_result(s->cfg.argv, (double)r.cpu_ns / 1e9, s->child.end_ns - s->child.start_ns,
				&s->result);
		atomic_store_explicit(&s->has_result, true, memory_order_release);
	}
	emit(s, &r, TB_SAMPLE_EXITED, s->child.end_ns);
}

/* next_deadline advances to the next grid point after now, skipping missed ones. */
static uint64_t next_deadline(uint64_t start, uint64_t period, uint64_t now)
{
	return now + period - (now - start) % period;
}

static void *session_main(void *arg)
{
	smp_session *s = arg;
	uint64_t period = s->cfg.period_ns;
	uint64_t start = tb_now_ns(), next = start;
	bool sampling = true, first = true;

	for (;;) {
		uint64_t now = tb_now_ns();
		if (sampling && now >= next) {
			tb_rec_sample r = {0};
			int st = smp_proc_read(&s->proc, &r, now);
			if (st == TB_SAMPLE_OK)
				s->last = r;
			/* A launched client that is gone has exited: its exit sample, from
			 * wait4, follows as soon as the pidfd says so. */
			if (st == TB_SAMPLE_OK || !s->has_child)
				emit(s, &r, st, now);
			if (first && s->has_child)
				tb_child_release(&s->child);
			first = false;
			if (st != TB_SAMPLE_OK) {
				sampling = false;
				smp_proc_close(&s->proc);
				if (!s->has_child)
					break;
			}
			next = next_deadline(start, period, tb_now_ns());
		}

		struct pollfd fds[2] = {{.fd = s->efd, .events = POLLIN},
					{.fd = s->has_child ? s->child.pidfd : -1,
					 .events = POLLIN}};
		struct timespec ts, *tsp = NULL;
		if (sampling) {
			now = tb_now_ns();
			uint64_t wait = next > now ? next - now : 0;
			ts.tv_sec = (time_t)(wait / 1000000000ull);
			ts.tv_nsec = (long)(wait % 1000000000ull);
			tsp = &ts;
		}
		int n = ppoll(fds, 2, tsp, NULL);
		if (n < 0 && errno != EINTR) {
			tb_error("sampler: pid %d: ppoll: %s", (int)s->cfg.pid, strerror(errno));
			break;
		}
		if (n <= 0)
			continue;
		if (s->has_child && (fds[1].revents & POLLIN) &&
		    tb_child_wait(&s->child, 0) == TB_OK) {
			emit_exit(s);
			break;
		}
		if (fds[0].revents & POLLIN) {
			uint64_t v;
			if (read(s->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				tb_warn("sampler: eventfd read: %s", strerror(errno));
			int req = atomic_load(&s->req);
			if (sampling) {
				tb_rec_sample r = {0};
				now = tb_now_ns();
				if (smp_proc_read(&s->proc, &r, now) == TB_SAMPLE_OK) {
					s->last = r;
					emit(s, &r, TB_SAMPLE_STOPPED, now);
				}
				sampling = false;
				smp_proc_close(&s->proc);
			}
			if (!s->has_child)
				break;
			if (req == REQ_KILL) {
				tb_child_stop(&s->child, atomic_load(&s->grace_ms));
				emit_exit(s);
				break;
			}
		}
	}
	atomic_store(&s->done, true);
	return NULL;
}

int smp_session_start(smp_session **sp, const smp_session_cfg *cfg, smp_sink *sink,
		      char *err, size_t errlen)
{
	if (cfg->period_ns < SMP_PERIOD_MIN_NS || cfg->period_ns > SMP_PERIOD_MAX_NS) {
		snprintf(err, errlen, "sampling period %llu us is out of range 1000..60000000",
			 (unsigned long long)(cfg->period_ns / 1000));
		return TB_EINVAL;
	}
	smp_session *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return TB_ENOMEM;
	s->cfg = *cfg;
	s->sink = sink;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	s->host_cpus = cpus > 0 ? (uint32_t)cpus : 1;
	if (cfg->child != NULL) {
		s->child = *cfg->child;
		s->has_child = true;
		s->cfg.pid = s->child.pid;
	}
	s->cfg.child = NULL;
	if (s->cfg.run_start_ns == 0)
		s->cfg.run_start_ns = tb_now_ns();
	int rc = smp_proc_open(&s->proc, s->cfg.pid, s->cfg.include_children, err, errlen);
	if (rc != TB_OK) {
		free(s);
		return rc;
	}
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->efd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		smp_proc_close(&s->proc);
		free(s);
		return TB_ESYS;
	}
	rc = pthread_create(&s->thread, NULL, session_main, s);
	if (rc != 0) {
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
		close(s->efd);
		smp_proc_close(&s->proc);
		free(s);
		return TB_ESYS;
	}
	*sp = s;
	return TB_OK;
}

void smp_session_stop(smp_session *s, bool kill, int grace_ms)
{
	atomic_store(&s->grace_ms, grace_ms);
	int want = kill ? REQ_KILL : REQ_STOP;
	if (atomic_load(&s->req) < want)
		atomic_store(&s->req, want);
	uint64_t one = 1;
	if (write(s->efd, &one, sizeof(one)) < 0)
		tb_warn("sampler: eventfd write: %s", strerror(errno));
}

bool smp_session_done(smp_session *s)
{
	return atomic_load(&s->done);
}

pid_t smp_session_pid(const smp_session *s)
{
	return s->cfg.pid;
}

bool smp_session_launched(const smp_session *s)
{
	return s->has_child;
}

void smp_session_free(smp_session *s, int grace_ms)
{
	if (s == NULL)
		return;
	if (!smp_session_done(s))
		smp_session_stop(s, true, grace_ms);
	pthread_join(s->thread, NULL);
	if (s->has_child)
		tb_child_fini(&s->child);
	smp_proc_close(&s->proc);
	close(s->efd);
	if (s->cfg.argv != NULL) {
		smp_argv_cleanup(s->cfg.argv);
		free(s->cfg.argv);
	}
	free(s);
}

bool smp_session_result(smp_session *s, tb_client_result *res)
{
	if (!atomic_load_explicit(&s->has_result, memory_order_acquire))
		return false;
	*res = s->result;
	return true;
}
