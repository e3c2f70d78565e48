/* SPDX-License-Identifier: MIT */
/* tracer.h - the reference C client's tracers, behind one small API:
 *
 *   noop    spans cost (almost) nothing and go nowhere: the baseline.
 *   report  finished spans wait in a buffer (default 10,000; when it is full, new spans
 *           are dropped and counted); a flush thread, every 200 ms by default, packs
 *           them into reports of at most 4096 spans (LightStep or OTLP protobuf,
 *           client-shim/encode.h) and posts each to the next satellite round-robin, over one keep-alive libcurl
 *           connection per satellite. A report that fails (connection refused, non-2xx,
 *           timeout) puts its spans back at the head of the buffer for the next flush,
 *           as lightstep-tracer and the OpenTelemetry SDKs retry; what no longer fits
 *           is dropped and counted. Closing with a flush tries up to three times.
 *           Production-like settings, as LightStep Benchmarks'.
 *
 * Strings passed to spans (operation names, tag and log keys and values) are borrowed
 * and must outlive the tracer: the reference client's are static. Spans may be started
 * and finished from one thread at a time per span; the tracer itself is thread-safe. */
#ifndef TB_TRACER_H
#define TB_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client-shim/span.h"
#include "common/command.h"

typedef struct tb_tracer tb_tracer;

typedef struct tb_tracer_opts {
	tb_protocol protocol;
	const char *const *satellites;	/* "host:port" */
	size_t n_satellites;
	size_t max_buffered;		/* 0: 10,000 */
	uint64_t flush_ns;		/* 0: 200 ms */
	const char *service;		/* OTLP service.name; NULL: "tracebench-c-client" */
	bool no_retry;			/* count a failed report's spans as dropped instead */
	const char *access_token;	/* sent with every report; NULL: TB_ACCESS_TOKEN_DEFAULT */
} tb_tracer_opts;

typedef struct tb_tracer_stats {
	uint64_t finished;	/* spans finished */
	uint64_t sent;		/* in reports the satellites answered 2xx */
	uint64_t dropped;	/* buffer full, or a failed report's spans with no room left */
	uint64_t resent;	/* copies posted again after a failed report */
	uint64_t buffered;	/* still waiting for a flush */
	uint64_t reports_ok;
	uint64_t reports_failed;
} tb_tracer_stats;

/* tb_tracer_noop_alloc makes the NoOp tracer. TB_OK or TB_ENOMEM. */
int tb_tracer_noop_alloc(tb_tracer **tp);

/* tb_tracer_report_alloc makes a reporting tracer and starts its flush thread. TB_OK,
 * TB_EINVAL (no satellites) or TB_ENOMEM/TB_ESYS, with err filled. */
int tb_tracer_report_alloc(tb_tracer **tp, const tb_tracer_opts *o, char *err, size_t errlen);

/* tb_tracer_start begins a span, a child of parent (NULL: a new trace). Never NULL. */
tb_span *tb_tracer_start(tb_tracer *t, const char *operation, const tb_span *parent);

/* tb_span_set_tag / tb_span_add_log annotate a started span. */
void tb_span_set_tag(tb_tracer *t, tb_span *s, const char *key, const char *value);
void tb_span_add_log(tb_tracer *t, tb_span *s, const char *key, const char *value);

/* tb_tracer_finish ends a span and hands it to the tracer (s is no longer the caller's). */
void tb_tracer_finish(tb_tracer *t, tb_span *s);

/* tb_tracer_get_stats fills st. */
void tb_tracer_get_stats(tb_tracer *t, tb_tracer_stats *st);

/* tb_tracer_close stops the flush thread; with flush, buffered spans are sent first
 * (one last report). Stats stay readable until tb_tracer_free. */
void tb_tracer_close(tb_tracer *t, bool flush);

/* tb_tracer_free closes (without flushing) and frees. NULL is fine. */
void tb_tracer_free(tb_tracer *t);

#endif
