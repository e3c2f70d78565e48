#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// js-lightstep.js - a tracebench client traced by the real lightstep-tracer through the
// opentracing API, with either of the tracer's Node transports: proto (the default,
// POST /api/v2/reports) or thrift (gzipped JSON, POST /api/v0/reports). It reports to the
// first satellite given (the tracer takes one collector). lightstep-tracer does not
// expose how many spans it dropped, so SpansDropped is not reported.
'use strict';

const lightstep = require('lightstep-tracer');
const opentracing = require('opentracing');
const { run, packageVersion } = require('./common');

const LS_VERSION = packageVersion('lightstep-tracer');
const OT_VERSION = packageVersion('opentracing');

const CLIENT = {
  about: 'A tracebench client traced by lightstep-tracer (through opentracing), reporting\n' +
    'to the first satellite given; Trace 0 runs the opentracing NoOp tracer.',
  transports: ['proto', 'thrift'],
};

run((cmd, transport) => {
  if (cmd.Protocol !== 'lightstep') {
    process.stderr.write(`js-lightstep: Protocol ${cmd.Protocol} is not supported (lightstep only)\n`);
    process.exit(2);
  }
  if (!cmd.Trace) {
    const noop = new opentracing.Tracer();
    return adapter(noop, () => Promise.resolve(), `opentracing ${OT_VERSION} NoOp`);
  }
  const [host, port] = cmd.Satellites[0].split(/:(?=\d+$)/);
  const tracer = new lightstep.Tracer({
    access_token: cmd.AccessToken,
    component_name: 'tracebench-js-lightstep',
    collector_host: host,
    collector_port: Number(port),
    collector_encryption: 'none',
    transport,
    max_span_records: 10000,
    max_reporting_interval_millis: 200,
    delay_initial_report_millis: 0,
    disable_report_on_exit: true,
    disable_meta_event_reporting: true,
    verbosity: 0,
  });
  return adapter(tracer, () => new Promise((resolve) => tracer.flush(() => resolve())),
    `lightstep-tracer ${LS_VERSION} (${transport})`);
}, CLIENT);

function adapter(tracer, flush, name) {
  return {
    name,
    startSpan: (name, parent) => tracer.startSpan(name, parent ? { childOf: parent } : {}),
    tag: (span, k, v) => span.setTag(k, v),
    log: (span, k, v) => span.log({ [k]: v }),
    finish: (span) => span.finish(),
    flush,
  };
}
