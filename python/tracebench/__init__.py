# SPDX-License-Identifier: MIT
"""tracebench - benchmark a tracer from Python, with LightStep Benchmarks' API, over
libtracebench.

    from tracebench import Controller, MockSatelliteGroup

    with Controller('c') as c:
        with MockSatelliteGroup('typical') as sats:
            result = c.benchmark(trace=True, satellites=sats, spans_per_second=100,
                                 runtime=10, no_timeout=False)
            print(result.spans_sent, result.dropped_spans, result.cpu_usage)

Faults are calls on the group (sats.down(at=5), sats.errors(0.3, retry_after=2)),
several clients a keyword (clients=4, or mix="c x2, js-otel x2"), and compare(base,
new) judges one results directory against another. docs/api.md describes the library; a Result has every field of docs/plan-format.md's
table as an attribute."""
from .compare import Comparison, compare
from .controller import Controller
from .exceptions import ClientTimeout, InvalidClient, TracebenchError
from .result import Result
from .satellite import MockSatelliteGroup

__all__ = ["Controller", "MockSatelliteGroup", "Result", "TracebenchError", "InvalidClient",
           "ClientTimeout", "compare", "Comparison"]
