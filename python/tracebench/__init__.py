# SPDX-License-Identifier: MIT
"""tracebench - benchmark a tracer from Python, with LightStep Benchmarks' API, over
libtracebench.

    from tracebench import Controller, MockSatelliteGroup

    with Controller('c') as c:
        with MockSatelliteGroup('typical') as sats:
            result = c.benchmark(trace=True, satellites=sats, spans_per_second=100,
                                 runtime=10, no_timeout=False)
            print(result.spans_sent, result.dropped_spans, result.cpu_usage)

docs/api.md describes the library; a Result has every field of docs/plan-format.md's
table as an attribute."""
from .controller import Controller
from .exceptions import ClientTimeout, InvalidClient, TracebenchError
from .result import Result
from .satellite import MockSatelliteGroup

__all__ = ["Controller", "MockSatelliteGroup", "Result", "TracebenchError", "InvalidClient",
           "ClientTimeout"]
