/* SPDX-License-Identifier: MIT */
/* encode.c - spans to LightStep and OTLP protobuf report bodies. The protobuf-c message
 * structs for a whole batch are allocated in a few arrays (one per message kind) and
 * point into each other and into the spans, so a report costs a handful of mallocs. */
#include "client-shim/encode.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "proto/collector.pb-c.h"
#include "proto/otlp_trace.pb-c.h"

static size_t count_tags(tb_span *const *spans, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += spans[i]->ntags;
	return k;
}

static size_t count_logs(tb_span *const *spans, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += spans[i]->nlogs;
	return k;
}

/* pack_into packs a message into a new buffer. */
static int pack_into(const ProtobufCMessage *m, uint8_t **bufp, size_t *lenp)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len > 0 ? len : 1);
	if (buf == NULL)
		return TB_ENOMEM;
	protobuf_c_message_pack(m, buf);
	*bufp = buf;
	*lenp = len;
	return TB_OK;
}

typedef Lightstep__Collector__Span LSpan;
typedef Lightstep__Collector__KeyValue LKv;
typedef Lightstep__Collector__Log LLog;

/* The LightStep structs of one report, allocated together, used in step. */
typedef struct ls_pool {
	LSpan *ls;
	LSpan **lsp;
	Lightstep__Collector__SpanContext *ctx;	/* per span: its own, its parent's */
	Lightstep__Collector__Reference *refs;
	Lightstep__Collector__Reference **refp;
	Lightstep__Collector__Timestamp *ts;
	LKv *kv;
	LKv **kvp;
	LLog *logs;
	LLog **logp;
	size_t ik, il, it;	/* key-values, logs and timestamps used so far */
} ls_pool;

static Lightstep__Collector__Timestamp *ls_timestamp(ls_pool *p, uint64_t ns)
{
	Lightstep__Collector__Timestamp *t = &p->ts[p->it++];
	lightstep__collector__timestamp__init(t);
	t->seconds = (int64_t)(ns / 1000000000ull);
	t->nanos = (int32_t)(ns % 1000000000ull);
	return t;
}

static LKv **ls_string_kv(ls_pool *p, const char *key, const char *value)
{
	size_t i = p->ik++;
	lightstep__collector__key_value__init(&p->kv[i]);
	p->kv[i].key = (char *)key;
	p->kv[i].value_case = LIGHTSTEP__COLLECTOR__KEY_VALUE__VALUE_STRING_VALUE;
	p->kv[i].string_value = (char *)value;
	p->kvp[i] = &p->kv[i];
	return &p->kvp[i];
}

static void ls_fill_span(ls_pool *p, size_t i, const tb_span *s)
{
	LSpan *o = &p->ls[i];
	lightstep__collector__span__init(o);
	p->lsp[i] = o;
	lightstep__collector__span_context__init(&p->ctx[2 * i]);
	p->ctx[2 * i].trace_id = s->trace_id;
	p->ctx[2 * i].span_id = s->span_id;
	o->span_context = &p->ctx[2 * i];
	o->operation_name = (char *)s->operation;
	if (s->parent_id != 0) {
		lightstep__collector__reference__init(&p->refs[i]);
		lightstep__collector__span_context__init(&p->ctx[2 * i + 1]);
		p->ctx[2 * i + 1].trace_id = s->trace_id;
		p->ctx[2 * i + 1].span_id = s->parent_id;
		p->refs[i].relationship = LIGHTSTEP__COLLECTOR__REFERENCE__RELATIONSHIP__CHILD_OF;
		p->refs[i].span_context = &p->ctx[2 * i + 1];
		p->refp[i] = &p->refs[i];
		o->n_references = 1;
		o->references = &p->refp[i];
	}
	o->start_timestamp = ls_timestamp(p, s->start_ns);
	o->duration_micros = (s->end_ns - s->start_ns) / 1000;
	o->n_tags = s->ntags;
	o->tags = &p->kvp[p->ik];
	for (size_t t = 0; t < s->ntags; t++)
		ls_string_kv(p, s->tags[t].key, s->tags[t].value);
	o->n_logs = s->nlogs;
	o->logs = &p->logp[p->il];
	for (size_t l = 0; l < s->nlogs; l++) {
		LLog *g = &p->logs[p->il];
		lightstep__collector__log__init(g);
		g->timestamp = ls_timestamp(p, s->logs[l].t_ns);
		g->n_fields = 1;
		g->fields = ls_string_kv(p, s->logs[l].field.key, s->logs[l].field.value);
		p->logp[p->il++] = g;
	}
}

int tb_encode_lightstep(tb_span *const *spans, size_t n, uint64_t reporter_id,
			const char *access_token, uint8_t **bufp, size_t *lenp)
{
	size_t ntags = count_tags(spans, n), nlogs = count_logs(spans, n);
	ls_pool p = {
		.ls = calloc(n, sizeof(*p.ls)),
		.lsp = calloc(n, sizeof(*p.lsp)),
		.ctx = calloc(n * 2, sizeof(*p.ctx)),
		.refs = calloc(n, sizeof(*p.refs)),
		.refp = calloc(n, sizeof(*p.refp)),
		.ts = calloc(n + nlogs, sizeof(*p.ts)),
		.kv = calloc(ntags + nlogs, sizeof(*p.kv)),
		.kvp = calloc(ntags + nlogs, sizeof(*p.kvp)),
		.logs = calloc(nlogs, sizeof(*p.logs)),
		.logp = calloc(nlogs, sizeof(*p.logp)),
	};
	int rc = TB_ENOMEM;
	if (p.ls == NULL || p.lsp == NULL || p.ctx == NULL || p.refs == NULL || p.refp == NULL ||
	    p.ts == NULL || p.kv == NULL || p.kvp == NULL || p.logs == NULL || p.logp == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		ls_fill_span(&p, i, spans[i]);
	Lightstep__Collector__Reporter rep = LIGHTSTEP__COLLECTOR__REPORTER__INIT;
	rep.reporter_id = reporter_id;
	Lightstep__Collector__Auth auth = LIGHTSTEP__COLLECTOR__AUTH__INIT;
	auth.access_token = (char *)access_token;
	Lightstep__Collector__ReportRequest req = LIGHTSTEP__COLLECTOR__REPORT_REQUEST__INIT;
	req.reporter = &rep;
	req.auth = &auth;
	req.n_spans = n;
	req.spans = p.lsp;
	rc = pack_into(&req.base, bufp, lenp);
out:
	free(p.ls);
	free(p.lsp);
	free(p.ctx);
	free(p.refs);
	free(p.refp);
	free(p.ts);
	free(p.kv);
	free(p.kvp);
	free(p.logs);
	free(p.logp);
	return rc;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* The OTLP structs of one report, allocated together; kv, kvp and av are used in step. */
typedef struct otlp_pool {
	Otlp__Span *os;
	Otlp__Span **osp;
	uint8_t *ids;			/* per span: trace 16, span 8, parent 8 */
	Otlp__KeyValue *kv;
	Otlp__KeyValue **kvp;
	Otlp__AnyValue *av;
	Otlp__Span__Event *ev;
	Otlp__Span__Event **evp;
	size_t ik, il;			/* key-values and events used so far */
} otlp_pool;

/* otlp_string_kv takes the pool's next key-value as key = value and returns its slot. */
static Otlp__KeyValue **otlp_string_kv(otlp_pool *p, const char *key, const char *value)
{
	size_t i = p->ik++;
	otlp__key_value__init(&p->kv[i]);
	otlp__any_value__init(&p->av[i]);
	p->av[i].value_case = OTLP__ANY_VALUE__VALUE_STRING_VALUE;
	p->av[i].string_value = (char *)value;
	p->kv[i].key = (char *)key;
	p->kv[i].value = &p->av[i];
	p->kvp[i] = &p->kv[i];
	return &p->kvp[i];
}

static void otlp_fill_span(otlp_pool *p, size_t i, const tb_span *s)
{
	Otlp__Span *o = &p->os[i];
	otlp__span__init(o);
	p->osp[i] = o;
	uint8_t *id = p->ids + 32 * i;
	put_be64(id, s->trace_id_hi);
	put_be64(id + 8, s->trace_id);
	put_be64(id + 16, s->span_id);
	o->trace_id.data = id;
	o->trace_id.len = 16;
	o->span_id.data = id + 16;
	o->span_id.len = 8;
	if (s->parent_id != 0) {
		put_be64(id + 24, s->parent_id);
		o->parent_span_id.data = id + 24;
		o->parent_span_id.len = 8;
	}
	o->name = (char *)s->operation;
	o->kind = OTLP__SPAN__SPAN_KIND__SPAN_KIND_INTERNAL;
	o->start_time_unix_nano = s->start_ns;
	o->end_time_unix_nano = s->end_ns;
	o->n_attributes = s->ntags;
	o->attributes = &p->kvp[p->ik];
	for (size_t t = 0; t < s->ntags; t++)
		otlp_string_kv(p, s->tags[t].key, s->tags[t].value);
	o->n_events = s->nlogs;
	o->events = &p->evp[p->il];
	for (size_t l = 0; l < s->nlogs; l++) {
		Otlp__Span__Event *e = &p->ev[p->il];
		otlp__span__event__init(e);
		e->time_unix_nano = s->logs[l].t_ns;
		e->name = "log";
		e->n_attributes = 1;
		e->attributes = otlp_string_kv(p, s->logs[l].field.key, s->logs[l].field.value);
		p->evp[p->il++] = e;
	}
}

int tb_encode_otlp(tb_span *const *spans, size_t n, const char *service, uint8_t **bufp,
		   size_t *lenp)
{
	size_t ntags = count_tags(spans, n), nlogs = count_logs(spans, n);
	otlp_pool p = {
		.os = calloc(n, sizeof(*p.os)),
		.osp = calloc(n, sizeof(*p.osp)),
		.ids = calloc(n, 32),
		.kv = calloc(ntags + nlogs + 1, sizeof(*p.kv)),
		.kvp = calloc(ntags + nlogs + 1, sizeof(*p.kvp)),
		.av = calloc(ntags + nlogs + 1, sizeof(*p.av)),
		.ev = calloc(nlogs, sizeof(*p.ev)),
		.evp = calloc(nlogs, sizeof(*p.evp)),
	};
	int rc = TB_ENOMEM;
	if (p.os == NULL || p.osp == NULL || p.ids == NULL || p.kv == NULL || p.kvp == NULL ||
	    p.av == NULL || p.ev == NULL || p.evp == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		otlp_fill_span(&p, i, spans[i]);
	/* The resource's one attribute, service.name. */
	Otlp__Resource res = OTLP__RESOURCE__INIT;
	res.n_attributes = 1;
	res.attributes = otlp_string_kv(&p, "service.name", service);
	Otlp__InstrumentationScope scope = OTLP__INSTRUMENTATION_SCOPE__INIT;
	scope.name = "tracebench-c-tracer";
	scope.version = "0.1.0";
	Otlp__ScopeSpans ss = OTLP__SCOPE_SPANS__INIT;
	ss.scope = &scope;
	ss.n_spans = n;
	ss.spans = p.osp;
	Otlp__ScopeSpans *ssp = &ss;
	Otlp__ResourceSpans rs = OTLP__RESOURCE_SPANS__INIT;
	rs.resource = &res;
	rs.n_scope_spans = 1;
	rs.scope_spans = &ssp;
	Otlp__ResourceSpans *rsp = &rs;
	Otlp__ExportTraceServiceRequest req = OTLP__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	req.n_resource_spans = 1;
	req.resource_spans = &rsp;
	rc = pack_into(&req.base, bufp, lenp);
out:
	free(p.os);
	free(p.osp);
	free(p.ids);
	free(p.kv);
	free(p.kvp);
	free(p.av);
	free(p.ev);
	free(p.evp);
	return rc;
}
