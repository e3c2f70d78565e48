/* SPDX-License-Identifier: MIT */
/* span.h - a finished span as the reporting tracer keeps it until a flush: plain data,
 * with tag and log strings borrowed (the reference client's are all static). */
#ifndef TB_SPAN_H
#define TB_SPAN_H

#include <stddef.h>
#include <stdint.h>

typedef struct tb_kv {
	const char *key;
	const char *value;
} tb_kv;

typedef struct tb_span_log {
	uint64_t t_ns;		/* wall clock, ns since the epoch */
	tb_kv field;
} tb_span_log;

typedef struct tb_span {
	uint64_t trace_id_hi;	/* OTLP's trace ids are 128 bits; LightStep's 64 (the low) */
	uint64_t trace_id;
	uint64_t span_id;
	uint64_t parent_id;	/* 0: a root span */
	const char *operation;
	uint64_t start_ns;	/* wall clock, ns since the epoch */
	uint64_t end_ns;
	size_t ntags, tags_cap;
	tb_kv *tags;
	size_t nlogs, logs_cap;
	tb_span_log *logs;
	uint32_t attempts;	/* reports it was in that failed */
} tb_span;

#endif
