#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// js-otel.js - a tracebench client traced by the real OpenTelemetry JS SDK:
// BasicTracerProvider, BatchSpanProcessor (queue 10,000, every 200 ms: LightStep Benchmarks'
// production-like settings) and an OTLP exporter to the first satellite given: OTLP/HTTP
// (POST /v1/traces) protobuf (the default) or JSON, or OTLP/gRPC (TraceService/Export
// over h2c, --transport grpc). SpansDropped is the processor's count
// of spans it dropped because its queue was full.
'use strict';

const api = require('@opentelemetry/api');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { run, packageVersion } = require('./common');

const SDK_VERSION = packageVersion('@opentelemetry/sdk-trace-base');
// The exporter package for each --transport.
const EXPORTERS = {
  proto: '@opentelemetry/exporter-trace-otlp-proto',
  json: '@opentelemetry/exporter-trace-otlp-http',
  grpc: '@opentelemetry/exporter-trace-otlp-grpc',
};
const API_VERSION = packageVersion('@opentelemetry/api');

const CLIENT = {
  about: 'A tracebench client traced by the OpenTelemetry JS SDK, exporting OTLP to\n' +
    'the first satellite given; Trace 0 runs the API\'s no-op tracer.',
  transports: Object.keys(EXPORTERS),
};

run((cmd, transport) => {
  if (cmd.Protocol !== 'otlp' && cmd.Protocol !== 'lightstep') {
    process.stderr.write(`js-otel: Protocol ${cmd.Protocol} is not supported\n`);
    process.exit(2);
  }
  if (!cmd.Trace) {
    const noop = api.trace.getTracer('noop'); // no provider registered: the API's no-op
    return adapter(noop, () => Promise.resolve(), () => undefined,
      `@opentelemetry/api ${API_VERSION} no-op`);
  }
  const { OTLPTraceExporter } = require(EXPORTERS[transport]);
  // An http:// URL makes the gRPC exporter speak cleartext HTTP/2 (insecure credentials).
  const url = transport === 'grpc' ? `http://${cmd.Satellites[0]}`
    : `http://${cmd.Satellites[0]}/v1/traces`;
  // The access token names this client of the run to the satellites, which count each
  // client's spans apart; the exporters read their headers from here, gRPC's included.
  process.env.OTEL_EXPORTER_OTLP_TRACES_HEADERS = `lightstep-access-token=${cmd.AccessToken}`;
  const exporter = new OTLPTraceExporter({ url });
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
  }, `@opentelemetry/sdk-trace-base ${SDK_VERSION} + ` +
     `${EXPORTERS[transport].split('/')[1]} ${packageVersion(EXPORTERS[transport])}`);
}, CLIENT);

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
