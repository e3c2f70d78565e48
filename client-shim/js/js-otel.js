#!/usr/bin/env node
// js-otel.js - a tracebench client traced by the real OpenTelemetry JS SDK:
// BasicTracerProvider, BatchSpanProcessor (queue 10,000, every 200 ms: the seed's
// production-like settings) and the OTLP/HTTP protobuf exporter (POST /v1/traces), to
// the first satellite given. SpansDropped is the processor's count of spans it dropped
// because its queue was full.
'use strict';

const api = require('@opentelemetry/api');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { run, packageVersion } = require('./common');

const SDK_VERSION = packageVersion('@opentelemetry/sdk-trace-base');
const EXPORTER_VERSION = packageVersion('@opentelemetry/exporter-trace-otlp-proto');
const API_VERSION = packageVersion('@opentelemetry/api');

run((cmd) => {
  if (cmd.Protocol !== 'otlp' && cmd.Protocol !== 'lightstep') {
    process.stderr.write(`js-otel: Protocol ${cmd.Protocol} is not supported\n`);
    process.exit(2);
  }
  if (!cmd.Trace) {
    const noop = api.trace.getTracer('noop'); // no provider registered: the API's no-op
    return adapter(noop, () => Promise.resolve(), () => undefined,
      `@opentelemetry/api ${API_VERSION} no-op`);
  }
  const exporter = new OTLPTraceExporter({ url: `http://${cmd.Satellites[0]}/v1/traces` });
  const processor = new BatchSpanProcessor(exporter, {
    maxQueueSize: 10000,
    scheduledDelayMillis: 200,
    maxExportBatchSize: 512,
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'tracebench-js-otel' }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('tracebench');
  return adapter(tracer, () => provider.forceFlush(), () => {
    const d = processor._droppedSpansCount; // not public API: read if present
    return typeof d === 'number' ? d : undefined;
  }, `@opentelemetry/sdk-trace-base ${SDK_VERSION} + exporter-trace-otlp-proto ${EXPORTER_VERSION}`);
});

function adapter(tracer, flush, dropped, name) {
  return {
    name,
    startSpan: (name, parent) => tracer.startSpan(name, {},
      parent ? api.trace.setSpan(api.context.active(), parent) : api.ROOT_CONTEXT),
    tag: (span, k, v) => span.setAttribute(k, v),
    log: (span, k, v) => span.addEvent('log', { [k]: v }),
    finish: (span) => span.end(),
    flush,
    dropped,
  };
}
