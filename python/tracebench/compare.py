# SPDX-License-Identifier: MIT
"""compare.py - compare(base, new): `orchestrator compare` from Python. For each run name
of two results directories and each headline metric: the medians, the change, its 95%
bootstrap interval and a verdict (improved, regressed, unchanged or inconclusive)."""
import ctypes
import os
import tempfile
from dataclasses import dataclass

from ._lib import CompareOpts, call, lib, libc


@dataclass
class Comparison:
    """What compare() found: the table as `orchestrator compare` prints it (text, md or
    json), and whether any metric regressed."""
    text: str
    regressed: bool

    def __str__(self):
        return self.text

    def __bool__(self):
        """True when nothing regressed, so `assert compare(a, b)` gates on it."""
        return not self.regressed


def compare(base, new, metric=None, threshold=0.05, format="text",
            allow_different_hosts=False):
    """Compares results directory new against base (each a plan's results, as
    `orchestrator --plan` writes them). Raises TracebenchError when a run of base is
    missing from new, or the two come from different hosts unless
    allow_different_hosts."""
    opts = CompareOpts(metric=metric.encode() if metric else None, threshold=threshold,
                       format=format.encode(), allow_different_hosts=allow_different_hosts)
    regressed = ctypes.c_bool()
    with tempfile.TemporaryFile(mode="w+b") as out:
        stream = libc.fdopen(os.dup(out.fileno()), b"w")
        if not stream:
            raise OSError(ctypes.get_errno(), "fdopen")
        try:
            call(lib.tb_compare, os.fsencode(base), os.fsencode(new), ctypes.byref(opts),
                 stream, ctypes.byref(regressed))
        finally:
            libc.fclose(stream)
        out.seek(0)
        text = out.read().decode(errors="replace")
    return Comparison(text, regressed.value)
