#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""py-zipkin.py - a tracebench client traced by aiozipkin, Debian's python3-aiozipkin: its
Tracer and its HTTP Transport, posting Zipkin v2 JSON to the first satellite given
(POST /api/v2/spans) every 200 ms in batches of up to 100 spans, three attempts a
batch. Trace 0 runs aiozipkin's own no-op spans (a sampler that samples nothing).

aiozipkin keeps no count of what it drops: a batch refused with a status of 300 or more
is logged and let go, and one that failed its third attempt is let go silently. So the
transport is wrapped to count the spans each batch carried and whether the collector
took them: after the flush at the end, SpansDropped is the spans handed to the tracer
less those a collector answered with a 2xx. The run's access token goes in the
Lightstep-Access-Token header, which tells this client's spans apart from others'.
"""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import aiohttp  # noqa: E402
import aiozipkin  # noqa: E402
from aiozipkin.sampler import Sampler  # noqa: E402
from aiozipkin.transport import Transport  # noqa: E402

import tbclient  # noqa: E402

ABOUT = ("A tracebench client traced by aiozipkin " + aiozipkin.__version__ +
         ", reporting Zipkin v2 JSON\nto the first satellite given; Trace 0 runs aiozipkin's "
         "no-op spans.")


class CountingTransport(Transport):
    """aiozipkin's Transport, counting the spans handed to it and those a collector
    took. Its session is remade with the run's access token among its headers and an
    aiohttp TraceConfig that sees each answer's status."""

    def __init__(self, address, token):
        super().__init__(address, send_interval=0.2)
        self.handed = 0
        self.taken = 0
        self._last_ok = False
        seen = aiohttp.TraceConfig()
        seen.on_request_end.append(self._on_request_end)
        old = self._session
        self._session = aiohttp.ClientSession(
            timeout=old.timeout, trace_configs=[seen],
            headers={"Content-Type": "application/json", "Lightstep-Access-Token": token})
        asyncio.ensure_future(old.close())

    async def _on_request_end(self, session, ctx, params):
        self._last_ok = params.response.status < 300

    def send(self, record):
        self.handed += 1
        super().send(record)

    async def _send_data(self, data):
        # aiozipkin posts one batch at a time, so the status seen last is this batch's.
        self._last_ok = False
        done = await super()._send_data(data)
        if done and self._last_ok:
            self.taken += len(data)
        return done


class Adapter:
    def __init__(self, tracer, transport, name):
        self._tracer = tracer
        self._transport = transport
        self.name = name

    def start(self, name, parent):
        span = (parent.new_child(name, aiozipkin.CLIENT) if parent is not None
                else self._tracer.new_trace())
        if parent is None:
            span.name(name)
            span.kind(aiozipkin.CLIENT)
        return span.start()

    @staticmethod
    def tag(span, key, value):
        span.tag(key, value)

    @staticmethod
    def log(span, key, value):
        span.annotate(f"{key}: {value}")

    @staticmethod
    def finish(span):
        span.finish()

    async def flush(self):
        await self._tracer.close()

    def dropped(self):
        if self._transport is None:
            return 0
        return self._transport.handed - self._transport.taken


async def make_tracer(cmd):
    endpoint = aiozipkin.create_endpoint("tracebench-py-zipkin")
    name = f"aiozipkin {aiozipkin.__version__}"
    if not cmd["Trace"]:
        tracer = await aiozipkin.create_custom(endpoint, sampler=Sampler(sample_rate=0.0))
        return Adapter(tracer, None, name + " no-op")
    transport = CountingTransport(f"http://{cmd['Satellites'][0]}/api/v2/spans",
                                  cmd["AccessToken"])
    tracer = await aiozipkin.create_custom(endpoint, transport=transport,
                                           sampler=Sampler(sample_rate=1.0))
    return Adapter(tracer, transport, name)


if __name__ == "__main__":
    tbclient.run(make_tracer, ABOUT)
