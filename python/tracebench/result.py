# SPDX-License-Identifier: MIT
"""result.py - a benchmark's Result: every field of the library's field table as an
attribute under its one name (docs/plan-format.md lists them), read from tb_result_json,
plus LightStep Benchmarks' derived attributes."""
import ctypes
import json
import os
import tempfile

from ._lib import lib, libc, text


class Result:
    """What one benchmark measured. `result.spans_sent`, `result.cpu_list`,
    `result.dropped_spans`, ... as in LightStep Benchmarks; `result.fields` is every
    field by name."""

    def __init__(self, handle):
        self.fields = json.loads(text(lib.tb_result_json(handle)))
        self._printout = _printout(handle)
        # A count nobody told (client_dropped from a tracer that keeps none, proxy_held
        # from a proxy that cannot say) is absent from the JSON: None here.
        for i in range(lib.tb_result_nfields()):
            setattr(self, lib.tb_result_field_name(i).decode(), None)
        for name, value in self.fields.items():
            setattr(self, name, value)

    # LightStep Benchmarks' own derived attributes.
    @property
    def spans_per_second(self):
        """Spans sent per second of the client's wall time."""
        return self.fields["sps_achieved"]

    @property
    def memory(self):
        """The client's memory at the last sample, in bytes."""
        memory = self.fields["memory_list"]
        return memory[-1] if memory else 0

    def __str__(self):
        return self._printout

    def __repr__(self):
        return (f"<tracebench.Result {self.fields['client']}: "
                f"{self.fields['spans_sent']} spans sent, "
                f"{self.fields['dropped_spans']} dropped>")


def _printout(handle):
    """tb_result_print's text: LightStep Benchmarks' printout and the fields it adds."""
    with tempfile.TemporaryFile() as f:
        stream = libc.fdopen(os.dup(f.fileno()), b"w")
        if not stream:
            return ""
        lib.tb_result_print(handle, ctypes.c_void_p(stream))
        libc.fclose(stream)
        f.seek(0)
        return f.read().decode(errors="replace")
