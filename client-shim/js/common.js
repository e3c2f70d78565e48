// SPDX-License-Identifier: MIT
// common.js - what every tracebench JS client shares: the control channel (GET /control,
// POST /result, with Node's own http module), LightStep Benchmarks' argv form, and the workload
// (6 spans per loop as two client -> server -> db chains; NumTags tags, Work units of
// floating-point work, NumLogs logs, Sleep owed per span and paid in SleepInterval chunks).
// A client calls run(makeTracer, client): makeTracer(cmd, transport) returns a tracer
// adapter, with name (the tracer library and version, for the report), startSpan(name,
// parent), tag, log, finish, flush(), and optionally dropped(); client names the
// --transport values the program takes and says what it is, for --help.
// docs/client-protocol.md describes the channel.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');

const DEFAULT_URL = 'http://127.0.0.1:8023';

function fail(msg) {
  process.stderr.write(`${process.argv[1].split('/').pop()}: ${msg}\n`);
  process.exit(1);
}

// A control channel beyond loopback hands each client a secret (TB_CONTROL_TOKEN) to
// send back with every request.
function requestHeaders(body) {
  const h = body ? { 'Content-Type': 'application/json',
                     'Content-Length': Buffer.byteLength(body) } : {};
  const token = process.env.TB_CONTROL_TOKEN;
  if (token) h['X-Tracebench-Token'] = token;
  return h;
}

function request(method, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, timeout: 30000,
      headers: requestHeaders(body) }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: data }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => reject(new Error(`cannot reach the orchestrator at ${url}: ${e.message}`)));
    if (body) req.write(body);
    req.end();
  });
}

const isUint = (v) => Number.isSafeInteger(v) && v >= 0;

// checkCommand applies the same rules as common/command.c and names the bad field.
function checkCommand(c) {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new Error('the command is not a JSON object');
  if (!('Repeat' in c)) throw new Error('Repeat is missing');
  const out = { Trace: true, Sleep: 0, SleepInterval: 1000000, Work: 0, NoFlush: false,
                NumTags: 10, NumLogs: 15, Satellites: ['127.0.0.1:8360'], Protocol: 'lightstep',
                RunId: 0, ClientIndex: 0, Clients: 1,
                AccessToken: process.env.TB_ACCESS_TOKEN || 'tracebench' };
  for (const k of ['Sleep', 'SleepInterval', 'Work', 'Repeat', 'RunId', 'NumTags', 'NumLogs',
                   'ClientIndex', 'Clients']) {
    if (k in c) {
      if (!isUint(c[k])) throw new Error(`${k} must be a whole number`);
      out[k] = c[k];
    }
  }
  for (const k of ['Trace', 'NoFlush']) {
    if (k in c) {
      if (typeof c[k] !== 'boolean') throw new Error(`${k} must be true or false`);
      out[k] = c[k];
    }
  }
  if ('Satellites' in c) {
    if (!Array.isArray(c.Satellites) || !c.Satellites.every((s) => typeof s === 'string' && /^.+:\d+$/.test(s))) {
      throw new Error('Satellites must be a list of "host:port"');
    }
    out.Satellites = c.Satellites;
  }
  if ('Protocol' in c) out.Protocol = c.Protocol;
  if ('AccessToken' in c) {
    if (typeof c.AccessToken !== 'string' || !/^[A-Za-z0-9._-]{1,63}$/.test(c.AccessToken)) {
      throw new Error('AccessToken must be 1 to 63 letters, digits or -_.');
    }
    out.AccessToken = c.AccessToken;
  }
  if (out.ClientIndex >= out.Clients) throw new Error(`ClientIndex must be below Clients (${out.Clients})`);
  if (out.NumTags > 1000 || out.NumLogs > 1000) throw new Error('NumTags and NumLogs must be at most 1000');
  return out;
}

async function fetchCommand(base) {
  const res = await request('GET', `${base}/control`);
  if (res.status !== 200) throw new Error(`GET ${base}/control answered ${res.status}: ${res.body.split('\n')[0]}`);
  let parsed;
  try { parsed = JSON.parse(res.body); } catch (e) {
    throw new Error(`GET ${base}/control answered nonsense: the command is not a JSON object`);
  }
  try { return checkCommand(parsed); } catch (e) {
    throw new Error(`GET ${base}/control answered nonsense: ${e.message}`);
  }
}

// parseArgv reads LightStep Benchmarks' argv form; null when no such flag is given.
function parseArgv(argv) {
  const names = { '--trace': 'Trace', '--sleep': 'Sleep', '--sleep_interval': 'SleepInterval',
                  '--work': 'Work', '--repeat': 'Repeat', '--no_flush': 'NoFlush',
                  '--num_tags': 'NumTags', '--num_logs': 'NumLogs' };
  // Where to report: LightStep Benchmarks' flags do not say; the sampler sets these for argv clients.
  const c = {};
  if (process.env.TB_SATELLITES) c.Satellites = process.env.TB_SATELLITES.split(',');
  if (process.env.TB_PROTOCOL) c.Protocol = process.env.TB_PROTOCOL;
  let control = null, transport = null, any = false, help = false;
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i], val = argv[i + 1];
    if (flag === '--help' || flag === '-h') { help = true; break; }
    if (val === undefined) fail(`${flag} needs a value`);
    if (flag === '--control') { control = val; continue; }
    if (flag === '--transport') { transport = val; continue; }
    if (flag === '--satellites') { c.Satellites = val.split(','); any = true; continue; }
    if (flag === '--protocol') { c.Protocol = val; any = true; continue; }
    const k = names[flag];
    if (!k) fail(`unknown option ${flag}`);
    if (!/^\d+$/.test(val)) fail(`${flag} ${val}: not a whole number`);
    c[k] = (k === 'Trace' || k === 'NoFlush') ? val !== '0' : Number(val);
    any = true;
  }
  return { command: any ? c : null, control, transport, help };
}

function usage(client) {
  const name = process.argv[1].split('/').pop();
  return `usage: ${name} [--control URL] [--transport NAME]
       ${name} --repeat N [--trace 0|1] [--sleep NS] [--sleep_interval NS] [--work N]
               [--no_flush 0|1] [--num_tags N] [--num_logs N] [--satellites H:P,...]
               [--protocol lightstep|otlp] [--transport NAME]

${client.about}

With --control URL (or TB_CONTROL_URL; default ${DEFAULT_URL}) it fetches its
command from the orchestrator's channel and posts its result there
(docs/client-protocol.md). With LightStep Benchmarks' flags it runs them and prints the result as
one line of JSON; its spans then carry the access token in TB_ACCESS_TOKEN.

  --transport NAME   how spans travel: ${[`${client.transports[0]} (default)`,
    ...client.transports.slice(1)].join(', ')}
  -h, --help         this help
`;
}

function doWork(units) {
  let x = 1.0;
  for (let i = 0; i < units; i++) x = x * 1.0000001 + 0.0000001;
  return x;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function workload(cmd, tracer) {
  const ops = ['client', 'server', 'db'];
  const tagKeys = Array.from({ length: cmd.NumTags }, (_, i) => `tag.${i}`);
  const logKeys = Array.from({ length: cmd.NumLogs }, (_, i) => `event.${i}`);
  let made = 0, owed = 0, sink = 0;
  async function chain(parent, depth) {
    if (made === cmd.Repeat) return;
    made++;
    const span = tracer.startSpan(ops[depth], parent);
    for (const k of tagKeys) tracer.tag(span, k, 'some-tag-value');
    sink += doWork(cmd.Work);
    for (const k of logKeys) tracer.log(span, k, 'a log message of moderate length');
    // What is paid off is the time actually slept: timers overrun, and the overrun is
    // credited so the client keeps the rate asked for (as tb-client does).
    owed += cmd.Sleep;
    while (cmd.SleepInterval > 0 && owed >= cmd.SleepInterval) {
      const t0 = process.hrtime.bigint();
      await sleep(owed / 1e6); // yields, so the tracer's own timers run
      owed -= Number(process.hrtime.bigint() - t0);
    }
    if (depth < 2) await chain(span, depth + 1);
    tracer.finish(span);
  }
  while (made < cmd.Repeat) await chain(null, 0);
  if (owed > 0) await sleep(owed / 1e6);
  return { made, sink };
}

// run is a client's main: get the command, run the workload under the tracer made by
// packageVersion(name) is an installed npm package's version, read from its package.json
// (found from the entry point, as some packages do not export './package.json').
function packageVersion(name) {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (pkg.name === name) return pkg.version;
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

// makeTracer(cmd, transport), flush unless NoFlush, report (or print, in argv mode),
// exit. client describes the program: about (a paragraph for --help) and transports
// (the --transport values it takes, the default first).
async function run(makeTracer, client) {
  const args = parseArgv(process.argv.slice(2));
  const { command, control, help } = args;
  if (help) {
    process.stdout.write(usage(client));
    process.exit(0);
  }
  const transport = args.transport || client.transports[0];
  if (!client.transports.includes(transport)) {
    fail(`--transport ${transport}: expected ${client.transports.join(' or ')}`);
  }
  const base = control || process.env.TB_CONTROL_URL || DEFAULT_URL;
  let cmd;
  try {
    cmd = command ? checkCommand(command) : await fetchCommand(base);
  } catch (e) { fail(e.message); }
  const tracer = makeTracer(cmd, transport);
  const cpu0 = process.cpuUsage(), t0 = process.hrtime.bigint();
  const { made } = await workload(cmd, tracer);
  if (!cmd.NoFlush) await tracer.flush();
  const cpu = process.cpuUsage(cpu0);
  const result = {
    SpansSent: made,
    ProgramTime: (cpu.user + cpu.system) / 1e6,
    ClockTime: Number(process.hrtime.bigint() - t0) / 1e9,
  };
  const dropped = tracer.dropped ? tracer.dropped() : undefined;
  if (dropped !== undefined) result.SpansDropped = dropped;
  if (tracer.name) result.Tracer = tracer.name;
  if (command) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    try {
      const res = await request('POST', `${base}/result`, JSON.stringify(result));
      if (res.status !== 200) fail(`POST ${base}/result answered ${res.status}: ${res.body.split('\n')[0]}`);
    } catch (e) { fail(e.message); }
  }
  // NoFlush: leave at once, with whatever the tracer still holds.
  process.exit(0);
}

module.exports = { run, checkCommand, packageVersion };
