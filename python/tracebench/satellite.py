# SPDX-License-Identifier: MIT
"""satellite.py - MockSatelliteGroup: the mock collector a benchmark's tracer reports to.

As in LightStep Benchmarks it is made from its mode alone and may serve many benchmarks.
The library starts a group where a controller's clients can reach it, so the group
starts with the first benchmark that uses it (or at once, inside a `with Controller`)
and stops when it is closed.

Faults are calls: sats.down(at=5), sats.up(at=10), sats.errors(0.3, retry_after=2),
sats.latency(0.2), ... Each is a timed event of every later benchmark with this group,
at its time from the run's start (0: from the start), as a plan's `at TIME EVENT` and
`orchestrator run --at TIME:EVENT`; clear_faults() forgets them."""
import ctypes

from ._lib import call, lib

MODES = ("typical", "slow_succeed", "slow_fail")


class MockSatelliteGroup:
    def __init__(self, mode="typical"):
        if mode not in MODES:
            raise ValueError(f"satellite mode {mode!r}: expected one of {', '.join(MODES)}")
        self.mode = mode
        self.events = []
        self._handle = None
        self._controller = None
        from .controller import Controller
        if Controller.current is not None:
            self.start(Controller.current)

    def start(self, controller):
        """Starts the group for controller's clients (again, for another controller)."""
        if self._controller is controller and self._handle:
            return
        self.close()
        handle = ctypes.c_void_p()
        call(lib.tb_satellites_open, ctypes.byref(handle), controller.handle,
             self.mode.encode())
        self._handle, self._controller = handle, controller
        controller._groups.append(self)

    def _at(self, at, event):
        if not at >= 0:
            raise ValueError(f"at={at!r}: expected seconds from the run's start, >= 0")
        self.events.append(f"{at:g}s:{event}")
        return self

    def down(self, at=0):
        """The satellites refuse connections from at seconds into each run."""
        return self._at(at, "down")

    def up(self, at=0):
        """The satellites listen again."""
        return self._at(at, "up")

    def errors(self, probability, status=None, retry_after=None, at=0):
        """Answer this share of reports with an error status (429, 500 or 503), with a
        Retry-After of retry_after seconds."""
        event = f"errors {probability:g}"
        if status is not None:
            event += f" status {int(status)}"
        if retry_after is not None:
            event += f" retry_after {retry_after:g}s"
        return self._at(at, event)

    def latency(self, seconds, per_span=None, at=0):
        """Answer each report this much later (and per_span seconds more per span)."""
        event = f"latency {seconds:g}s"
        if per_span is not None:
            event += f" per_span {per_span:g}s"
        return self._at(at, event)

    def bandwidth(self, bytes_per_second=None, per_connection=False, at=0):
        """Read report bodies at this rate, shared by the group or per connection;
        None: unlimited again."""
        if bytes_per_second is None:
            return self._at(at, "bandwidth unlimited")
        per = "connection" if per_connection else "group"
        return self._at(at, f"bandwidth {int(bytes_per_second)}/s per {per}")

    def drop_connections(self, probability, at=0):
        """Close this share of connections abruptly, without an answer."""
        return self._at(at, f"close {probability:g}")

    def switch_mode(self, mode, at=0):
        """Behave as another mode from at seconds in."""
        if mode not in MODES:
            raise ValueError(f"satellite mode {mode!r}: expected one of {', '.join(MODES)}")
        return self._at(at, f"mode {mode}")

    def clear_faults(self):
        """Forget the faults given: later benchmarks see the group's mode alone."""
        self.events = []
        return self

    def handle_for(self, controller):
        self.start(controller)
        return self._handle

    def close(self):
        if self._handle:
            lib.tb_satellites_close(self._handle)
            self._controller._groups.remove(self)
        self._handle, self._controller = None, None

    def shutdown(self):
        """LightStep Benchmarks' name for close()."""
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
