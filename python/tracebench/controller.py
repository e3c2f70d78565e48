# SPDX-License-Identifier: MIT
"""controller.py - Controller: one registered client, its sampler and control channel,
calibrated when it opens, and benchmark(), LightStep Benchmarks' call."""
import ctypes
import signal

from ._lib import BenchmarkParams, ControllerOpts, TB_EINVAL, call, lib
from .exceptions import ClientTimeout, InvalidClient, TracebenchError
from .result import Result

CONTROL_PORT = 8023     # LightStep Benchmarks' clients ask for their command here
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _stoppable(fn, *args, **kwargs):
    """Runs a library call that may take long with the library's stop handlers in place:
    Ctrl-C stops the client and leaves nothing running, then raises KeyboardInterrupt.
    Python's own handlers are put back afterwards."""
    saved = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    lib.tb_stop_on_signals()
    try:
        out = fn(*args, **kwargs)
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    if lib.tb_stop_requested():
        raise KeyboardInterrupt("tracebench: stopped by a signal")
    return out


class Controller:
    """Runs benchmarks of one client from the registry (clients.conf).

    with Controller('c') as c:
        print(c.benchmark(trace=True, spans_per_second=100, runtime=10))
    """

    current = None      # the innermost open Controller, which a new satellite group joins

    def __init__(self, client_name, target_cpu_usage=0.7, clients_file=None,
                 control_port=CONTROL_PORT, sampler_url=None, sample_period=0.1):
        self.client_name = client_name
        self.handle = ctypes.c_void_p()
        self._outer = Controller.current
        opts = ControllerOpts(clients_file=clients_file.encode() if clients_file else None,
                              sampler_url=sampler_url.encode() if sampler_url else None,
                              target_cpu=target_cpu_usage,
                              sample_period_ns=int(sample_period * 1e9),
                              control_port=control_port)
        self._groups = []       # satellite groups started for this controller's clients
        try:
            call(lib.tb_controller_open, ctypes.byref(self.handle), client_name.encode(),
                 ctypes.byref(opts))
        except TracebenchError as e:
            # A local controller refuses its arguments for one reason: the registry.
            if e.code == TB_EINVAL and sampler_url is None:
                raise InvalidClient(str(e), e.code) from None
            raise
        Controller.current = self
        try:
            _stoppable(call, lib.tb_calibrate, self.handle, False, None)
        except BaseException:
            self.shutdown()
            raise

    def benchmark(self, satellites=None, trace=True, no_flush=False, spans_per_second=100,
                  runtime=10, no_timeout=False, protocol=None, clients=1, mix=None,
                  total_sps=False, events=(), proxy=None):
        """Runs the client once and returns its Result. Without satellites, spans go to a
        port nothing listens on and spans_received and dropped_spans mean nothing. With
        clients=N, N copies run together, each at spans_per_second, each counted apart
        (result.per_client); mix="c x2, js-otel x2" runs clients by name instead. With
        total_sps, spans_per_second is the run's, shared by its clients. events are timed
        satellite events, "TIME:EVENT" as `orchestrator run --at` takes them ("5s:down"),
        after the faults the satellite group was given (satellites.down(at=5), ...).
        proxy="nginx", "haproxy", "satellite" (a forwarding satellite) or "command
        CMDLINE" (with {listen} and {upstream} in it) puts that proxy, on this host,
        between the clients and the satellites; the Result then has proxy_cpu and
        proxy_peak_rss, and a forwarding satellite's proxy_held."""
        if not spans_per_second > 0:
            raise ValueError("Cannot target 0 spans per second.")
        timed = list(satellites.events if satellites is not None else ()) + list(events)
        encoded = (ctypes.c_char_p * max(len(timed), 1))(*[e.encode() for e in timed])
        params = BenchmarkParams(trace=trace, spans_per_second=spans_per_second,
                                 runtime_s=runtime, no_timeout=no_timeout,
                                 protocol=protocol.encode() if protocol else None,
                                 no_flush=no_flush, clients=clients,
                                 mix=mix.encode() if mix else None, total_sps=total_sps,
                                 events=encoded, nevents=len(timed),
                                 proxy=proxy.encode() if proxy else None)
        sats = satellites.handle_for(self) if satellites is not None else None
        handle = ctypes.c_void_p()
        _stoppable(call, lib.tb_benchmark, self.handle, sats, ctypes.byref(params),
                   ctypes.byref(handle))
        try:
            result = Result(handle)
        finally:
            lib.tb_result_free(handle)
        if result.timed_out and not no_timeout:
            raise ClientTimeout(f"{self.client_name} did not finish within 2 x {runtime} s "
                                f"+ 5 s; try no_timeout=True")
        return result

    def shutdown(self):
        """Stops the satellite groups started for it, then the client's sampler and
        control channel."""
        for group in list(self._groups):
            group.close()
        if self.handle:
            lib.tb_controller_close(self.handle)
            self.handle = ctypes.c_void_p()
        if Controller.current is self:
            Controller.current = self._outer

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()
        return False
