# SPDX-License-Identifier: MIT
"""satellite.py - MockSatelliteGroup: the mock collector a benchmark's tracer reports to.

As in LightStep Benchmarks it is made from its mode alone and may serve many benchmarks.
The library starts a group where a controller's clients can reach it, so the group
starts with the first benchmark that uses it (or at once, inside a `with Controller`)
and stops when it is closed."""
import ctypes

from ._lib import call, lib

MODES = ("typical", "slow_succeed", "slow_fail")


class MockSatelliteGroup:
    def __init__(self, mode="typical"):
        if mode not in MODES:
            raise ValueError(f"satellite mode {mode!r}: expected one of {', '.join(MODES)}")
        self.mode = mode
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
