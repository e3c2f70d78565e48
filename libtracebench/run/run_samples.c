/* SPDX-License-Identifier: MIT */
/* run_samples.c - the samples of a run's clients: where they come from (the ring on
 * this host, batches from other hosts), each client's trace of them, the raw-samples
 * file, and the CPU and memory figures made from them. */
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

void run_trace_free(trace *t)
{
	free(t->t_ns);
	free(t->cpu_ns);
	free(t->rss);
}

static bool trace_add(trace *t, const tb_rec_sample *s)
{
	orc_noise_sample(&t->noise, s);
	if (s->hwm_bytes > t->peak_rss)
		t->peak_rss = s->hwm_bytes;
	if (s->vol_ctxsw + s->invol_ctxsw > t->ctxsw)
		t->ctxsw = s->vol_ctxsw + s->invol_ctxsw;
	if (s->status == TB_SAMPLE_EXITED) {
		t->exited = true;
		t->exit = *s;
		return true;
	}
	if (s->status != TB_SAMPLE_OK)
		return true;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		uint64_t *a = realloc(t->t_ns, cap * sizeof(*a));
		if (a != NULL)
			t->t_ns = a;
		uint64_t *b = realloc(t->cpu_ns, cap * sizeof(*b));
		if (b != NULL)
			t->cpu_ns = b;
		uint64_t *c = realloc(t->rss, cap * sizeof(*c));
		if (c != NULL)
			t->rss = c;
		if (a == NULL || b == NULL || c == NULL)
			return false;
		t->cap = cap;
	}
	t->t_ns[t->n] = s->t_ns;
	t->cpu_ns[t->n] = s->cpu_ns;
	t->rss[t->n] = s->rss_bytes;
	t->n++;
	return true;
}


void run_feeds_close(feeds *f)
{
	for (size_t i = 0; i < f->n; i++)
		smp_source_free(f->src[i]);
	f->n = 0;
}

int run_feeds_open(orc_env *env, feeds *f, char *err, size_t errlen)
{
	*f = (feeds){0};
	for (size_t i = 0; i < env->nsamplers && i < ORC_PLAN_MAX_SAMPLERS; i++) {
		orc_peer *smp = &env->samplers[i];
		f->ring[i] = smp->same_host && smp->ring_name[0] != '\0';
		int rc = f->ring[i] ? smp_source_ring_alloc(&f->src[i], smp->ring_name, err, errlen)
				    : smp_source_rpc_alloc(&f->src[i], smp->rpc);
		if (rc != TB_OK) {
			run_feeds_close(f);
			return rc;
		}
		f->origin[i] = smp->same_host ? tb_now_ns() : 0;
		f->n++;
	}
	return TB_OK;
}

/* member_of finds the client a sample from sampler smp is of. */
static member *member_of(member *m, size_t n, size_t smp, const tb_rec_sample *s,
			 uint64_t run_id)
{
	if (s->run_id != run_id)
		return NULL;
	for (size_t k = 0; k < n; k++)
		if (m[k].launched && m[k].smp == smp && s->pid == (uint32_t)m[k].pid)
			return &m[k];
	return NULL;
}

/* write_lz4 writes text as one LZ4 frame, readable by the standard `lz4` tool. */
static int write_lz4(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
	size_t cap = LZ4F_compressFrameBound(len, NULL);
	char *z = malloc(cap);
	if (z == NULL)
		return TB_ENOMEM;
	size_t zlen = LZ4F_compressFrame(z, cap, text, len, NULL);
	int rc = TB_OK;
	FILE *f = NULL;
	if (LZ4F_isError(zlen)) {
		snprintf(err, errlen, "LZ4: %s", LZ4F_getErrorName(zlen));
		rc = TB_EINVAL;
	} else if ((f = fopen(path, "wb")) == NULL || fwrite(z, 1, zlen, f) != zlen) {
		snprintf(err, errlen, "cannot write %s", path);
		rc = TB_ESYS;
	}
	if (f != NULL && fclose(f) != 0 && rc == TB_OK) {
		snprintf(err, errlen, "cannot write %s", path);
		rc = TB_ESYS;
	}
	free(z);
	return rc;
}


static bool log_add(sample_log *l, const tb_rec_sample *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		tb_rec_sample *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *s;
	return true;
}

/* run_write_samples writes the log as LZ4-framed CSV at path. */
void run_write_samples(const sample_log *l, const char *path)
{
	char *text = NULL, why[256];
	size_t len = 0;
	FILE *csv = open_memstream(&text, &len);
	if (csv == NULL)
		return;
	smp_csv_header(csv);
	for (size_t i = 0; i < l->n; i++)
		smp_csv_row(csv, &l->v[i]);
	fclose(csv);
	if (write_lz4(path, text, len, why, sizeof(why)) != TB_OK)
		tb_warn("orchestrator: raw samples: %s", why);
	free(text);
}

/* run_read_samples takes what the sources have, for the run's clients. */
int run_read_samples(feeds *f, member *m, size_t n, uint64_t run_id, sample_log *log,
			char *err, size_t errlen)
{
	static tb_rec_sample buf[4096];
	for (size_t smp = 0; smp < f->n; smp++) {
		size_t got;
		int rc = smp_source_read(f->src[smp], buf, 4096, &got, err, errlen);
		if (rc != TB_OK)
			return rc;
		for (size_t i = 0; i < got; i++) {
			member *who = member_of(m, n, smp, &buf[i], run_id);
			if (who == NULL)
				continue;
			if (!trace_add(&who->t, &buf[i]))
				return TB_ENOMEM;
			if (log != NULL && !log_add(log, &buf[i]))
				return TB_ENOMEM;
		}
	}
	return TB_OK;
}
double run_cpu_at(const trace *t, uint64_t at_ns)
{
	uint64_t t0 = 0, c0 = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (t->t_ns[i] >= at_ns) {
			double f = t->t_ns[i] > t0 ? (double)(at_ns - t0) / (double)(t->t_ns[i] - t0)
						   : 1;
			return (double)c0 + f * (double)(t->cpu_ns[i] - c0);
		}
		t0 = t->t_ns[i];
		c0 = t->cpu_ns[i];
	}
	return (double)c0;
}

/* usage is CPU over wall time from work_ns, when the client took its command (0 for
 * argv clients: their command is their start), to its exit or its last sample. What it
 * spent starting up is the Result's startup_cpu, not its share of the benchmark. */
static void usage(const trace *t, uint64_t work_ns, orc_result *r)
{
	uint64_t end_t, end_cpu;
	if (t->exited && t->exit.t_ns > 0) {
		end_t = t->exit.t_ns;
		end_cpu = t->exit.cpu_ns;
	} else if (t->n >= 2) {
		end_t = t->t_ns[t->n - 1];
		end_cpu = t->cpu_ns[t->n - 1];
		work_ns = work_ns > t->t_ns[0] ? work_ns : t->t_ns[0];
	} else {
		return;
	}
	if (work_ns >= end_t)
		work_ns = 0;
	double before = work_ns > 0 ? run_cpu_at(t, work_ns) : t->exited ? 0 : (double)t->cpu_ns[0];
	if (before > (double)end_cpu)
		before = (double)end_cpu;
	r->startup_cpu = t->exited ? before / 1e9 : 0;
	r->cpu_usage = ((double)end_cpu - before) / (double)(end_t - work_ns);
}

void run_summarise(orc_env *env, const trace *t, uint64_t work_ns, orc_result *r)
{
	r->period_s = (double)env->period_ns / 1e9;
	r->peak_rss_bytes = t->peak_rss;
	r->context_switches = t->ctxsw;
	double *cpu = calloc(t->n ? t->n : 1, sizeof(double));
	double *mem = calloc(t->n ? t->n : 1, sizeof(double));
	if (cpu == NULL || mem == NULL) {
		free(cpu);
		free(mem);
		cpu = mem = NULL;
	}
	for (size_t i = 0; i < t->n && cpu != NULL; i++) {
		uint64_t dt = i ? t->t_ns[i] - t->t_ns[i - 1] : 0;
		uint64_t dc = i ? t->cpu_ns[i] - t->cpu_ns[i - 1] : 0;
		cpu[i] = dt ? (double)dc / (double)dt : 0;
		mem[i] = (double)t->rss[i];
	}
	r->cpu_list = (orc_list){cpu, cpu != NULL ? t->n : 0};
	r->memory_list = (orc_list){mem, mem != NULL ? t->n : 0};
	usage(t, work_ns, r);
	if (r->clock_time > 0)
		r->sps_achieved = (double)r->spans_sent / r->clock_time;
	r->exit_code = t->exited ? t->exit.exit_code : -1;
	r->signal = t->exited ? (int)t->exit.signal : 0;
}
