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

int tb_encode_lightstep(tb_span *const *spans, size_t n, uint64_t reporter_id, uint8_t **bufp,
			size_t *lenp)
{
	typedef Lightstep__Collector__Span LSpan;
	typedef Lightstep__Collector__KeyValue LKv;
	typedef Lightstep__Collector__Log LLog;
	size_t ntags = count_tags(spans, n), nlogs = count_logs(spans, n);

	LSpan *ls = calloc(n, sizeof(*ls));
	LSpan **lsp = calloc(n, sizeof(*lsp));
	Lightstep__Collector__SpanContext *ctx = calloc(n * 2, sizeof(*ctx));
	Lightstep__Collector__Reference *refs = calloc(n, sizeof(*refs));
	Lightstep__Collector__Reference **refp = calloc(n, sizeof(*refp));
	Lightstep__Collector__Timestamp *ts = calloc(n + nlogs, sizeof(*ts));
	LKv *kv = calloc(ntags + nlogs, sizeof(*kv));
	LKv **kvp = calloc(ntags + nlogs, sizeof(*kvp));
	LLog *logs = calloc(nlogs, sizeof(*logs));
	LLog **logp = calloc(nlogs, sizeof(*logp));
	int rc = TB_ENOMEM;
	if (ls == NULL || lsp == NULL || ctx == NULL || refs == NULL || refp == NULL ||
	    ts == NULL || kv == NULL || kvp == NULL || logs == NULL || logp == NULL)
		goto out;

	size_t ik = 0, il = 0, it = 0;
	for (size_t i = 0; i < n; i++) {
		const tb_span *s = spans[i];
		LSpan *o = &ls[i];
		lightstep__collector__span__init(o);
		lsp[i] = o;
		lightstep__collector__span_context__init(&ctx[2 * i]);
		ctx[2 * i].trace_id = s->trace_id;
		ctx[2 * i].span_id = s->span_id;
		o->span_context = &ctx[2 * i];
		o->operation_name = (char *)s->operation;
		if (s->parent_id != 0) {
			lightstep__collector__reference__init(&refs[i]);
			lightstep__collector__span_context__init(&ctx[2 * i + 1]);
			ctx[2 * i + 1].trace_id = s->trace_id;
			ctx[2 * i + 1].span_id = s->parent_id;
			refs[i].relationship = LIGHTSTEP__COLLECTOR__REFERENCE__RELATIONSHIP__CHILD_OF;
			refs[i].span_context = &ctx[2 * i + 1];
			refp[i] = &refs[i];
			o->n_references = 1;
			o->references = &refp[i];
		}
		lightstep__collector__timestamp__init(&ts[it]);
		ts[it].seconds = (int64_t)(s->start_ns / 1000000000ull);
		ts[it].nanos = (int32_t)(s->start_ns % 1000000000ull);
		o->start_timestamp = &ts[it++];
		o->duration_micros = (s->end_ns - s->start_ns) / 1000;
		o->n_tags = s->ntags;
		o->tags = &kvp[ik];
		for (size_t t = 0; t < s->ntags; t++, ik++) {
			lightstep__collector__key_value__init(&kv[ik]);
			kv[ik].key = (char *)s->tags[t].key;
			kv[ik].value_case = LIGHTSTEP__COLLECTOR__KEY_VALUE__VALUE_STRING_VALUE;
			kv[ik].string_value = (char *)s->tags[t].value;
			kvp[ik] = &kv[ik];
		}
		o->n_logs = s->nlogs;
		o->logs = &logp[il];
		for (size_t l = 0; l < s->nlogs; l++, il++, ik++) {
			lightstep__collector__log__init(&logs[il]);
			lightstep__collector__timestamp__init(&ts[it]);
			ts[it].seconds = (int64_t)(s->logs[l].t_ns / 1000000000ull);
			ts[it].nanos = (int32_t)(s->logs[l].t_ns % 1000000000ull);
			logs[il].timestamp = &ts[it++];
			lightstep__collector__key_value__init(&kv[ik]);
			kv[ik].key = (char *)s->logs[l].field.key;
			kv[ik].value_case = LIGHTSTEP__COLLECTOR__KEY_VALUE__VALUE_STRING_VALUE;
			kv[ik].string_value = (char *)s->logs[l].field.value;
			kvp[ik] = &kv[ik];
			logs[il].n_fields = 1;
			logs[il].fields = &kvp[ik];
			logp[il] = &logs[il];
		}
	}
	Lightstep__Collector__Reporter rep = LIGHTSTEP__COLLECTOR__REPORTER__INIT;
	rep.reporter_id = reporter_id;
	Lightstep__Collector__Auth auth = LIGHTSTEP__COLLECTOR__AUTH__INIT;
	auth.access_token = "tracebench";
	Lightstep__Collector__ReportRequest req = LIGHTSTEP__COLLECTOR__REPORT_REQUEST__INIT;
	req.reporter = &rep;
	req.auth = &auth;
	req.n_spans = n;
	req.spans = lsp;
	rc = pack_into(&req.base, bufp, lenp);
out:
	free(ls);
	free(lsp);
	free(ctx);
	free(refs);
	free(refp);
	free(ts);
	free(kv);
	free(kvp);
	free(logs);
	free(logp);
	return rc;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

int tb_encode_otlp(tb_span *const *spans, size_t n, const char *service, uint8_t **bufp,
		   size_t *lenp)
{
	size_t ntags = count_tags(spans, n), nlogs = count_logs(spans, n);
	Otlp__Span *os = calloc(n, sizeof(*os));
	Otlp__Span **osp = calloc(n, sizeof(*osp));
	uint8_t *ids = calloc(n, 32);	/* trace 16, span 8, parent 8 */
	Otlp__KeyValue *kv = calloc(ntags + nlogs + 1, sizeof(*kv));
	Otlp__KeyValue **kvp = calloc(ntags + nlogs + 1, sizeof(*kvp));
	Otlp__AnyValue *av = calloc(ntags + nlogs + 1, sizeof(*av));
	Otlp__Span__Event *ev = calloc(nlogs, sizeof(*ev));
	Otlp__Span__Event **evp = calloc(nlogs, sizeof(*evp));
	int rc = TB_ENOMEM;
	if (os == NULL || osp == NULL || ids == NULL || kv == NULL || kvp == NULL || av == NULL ||
	    ev == NULL || evp == NULL)
		goto out;

	size_t ik = 0, il = 0;
	for (size_t i = 0; i < n; i++) {
		const tb_span *s = spans[i];
		Otlp__Span *o = &os[i];
		otlp__span__init(o);
		osp[i] = o;
		uint8_t *id = ids + 32 * i;
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
		o->attributes = &kvp[ik];
		for (size_t t = 0; t < s->ntags; t++, ik++) {
			otlp__key_value__init(&kv[ik]);
			otlp__any_value__init(&av[ik]);
			av[ik].value_case = OTLP__ANY_VALUE__VALUE_STRING_VALUE;
			av[ik].string_value = (char *)s->tags[t].value;
			kv[ik].key = (char *)s->tags[t].key;
			kv[ik].value = &av[ik];
			kvp[ik] = &kv[ik];
		}
		o->n_events = s->nlogs;
		o->events = &evp[il];
		for (size_t l = 0; l < s->nlogs; l++, il++, ik++) {
			otlp__span__event__init(&ev[il]);
			ev[il].time_unix_nano = s->logs[l].t_ns;
			ev[il].name = "log";
			otlp__key_value__init(&kv[ik]);
			otlp__any_value__init(&av[ik]);
			av[ik].value_case = OTLP__ANY_VALUE__VALUE_STRING_VALUE;
			av[ik].string_value = (char *)s->logs[l].field.value;
			kv[ik].key = (char *)s->logs[l].field.key;
			kv[ik].value = &av[ik];
			kvp[ik] = &kv[ik];
			ev[il].n_attributes = 1;
			ev[il].attributes = &kvp[ik];
			evp[il] = &ev[il];
		}
	}
	/* The resource's one attribute, service.name. */
	otlp__key_value__init(&kv[ik]);
	otlp__any_value__init(&av[ik]);
	av[ik].value_case = OTLP__ANY_VALUE__VALUE_STRING_VALUE;
	av[ik].string_value = (char *)service;
	kv[ik].key = "service.name";
	kv[ik].value = &av[ik];
	kvp[ik] = &kv[ik];
	Otlp__Resource res = OTLP__RESOURCE__INIT;
	res.n_attributes = 1;
	res.attributes = &kvp[ik];
	Otlp__InstrumentationScope scope = OTLP__INSTRUMENTATION_SCOPE__INIT;
	scope.name = "tracebench-c-tracer";
	scope.version = "0.1.0";
	Otlp__ScopeSpans ss = OTLP__SCOPE_SPANS__INIT;
	ss.scope = &scope;
	ss.n_spans = n;
	ss.spans = osp;
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
	free(os);
	free(osp);
	free(ids);
	free(kv);
	free(kvp);
	free(av);
	free(ev);
	free(evp);
	return rc;
}
