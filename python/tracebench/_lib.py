# SPDX-License-Identifier: MIT
"""_lib.py - libtracebench loaded with ctypes: the prototypes of include/tracebench.h that
the package calls, and call(), which turns a tb_err into an exception with the library's
message.

The library is found at $TRACEBENCH_LIBRARY, else beside this package as the build tree
(BUILD/python/tracebench, BUILD/libtracebench/libtracebench.so) or an install
(PREFIX/lib/python3/dist-packages/tracebench, PREFIX/lib/libtracebench.so.0) lays them
out, else by the system's search (ldconfig)."""
import ctypes
import ctypes.util
import os

from .exceptions import TracebenchError

ERRLEN = 1024
TB_OK = 0
TB_EINVAL = 2
TB_EINTR = 17


def _path():
    given = os.environ.get("TRACEBENCH_LIBRARY")
    if given:
        return given
    here = os.path.dirname(os.path.abspath(__file__))
    for beside in ("../../libtracebench/libtracebench.so", "../../../libtracebench.so.0"):
        path = os.path.normpath(os.path.join(here, beside))
        if os.path.exists(path):
            return path
    found = ctypes.util.find_library("tracebench")
    if found is None:
        raise TracebenchError("libtracebench not found: build tracebench, or set "
                              "TRACEBENCH_LIBRARY to its libtracebench.so")
    return found


class ControllerOpts(ctypes.Structure):
    _fields_ = [("clients_file", ctypes.c_char_p), ("sampler_url", ctypes.c_char_p),
                ("target_cpu", ctypes.c_double), ("sample_period_ns", ctypes.c_uint64),
                ("control_port", ctypes.c_uint), ("progress", ctypes.c_bool),
                ("tls_cert", ctypes.c_char_p), ("tls_key", ctypes.c_char_p),
                ("tls_ca", ctypes.c_char_p)]


class BenchmarkParams(ctypes.Structure):
    _fields_ = [("trace", ctypes.c_bool), ("spans_per_second", ctypes.c_double),
                ("runtime_s", ctypes.c_double), ("no_timeout", ctypes.c_bool),
                ("protocol", ctypes.c_char_p), ("no_flush", ctypes.c_bool),
                ("samples_path", ctypes.c_char_p), ("sleep_interval_ns", ctypes.c_uint64),
                ("clients", ctypes.c_uint), ("mix", ctypes.c_char_p),
                ("total_sps", ctypes.c_bool), ("events", ctypes.POINTER(ctypes.c_char_p)),
                ("nevents", ctypes.c_size_t), ("proxy", ctypes.c_char_p)]


class CompareOpts(ctypes.Structure):
    _fields_ = [("metric", ctypes.c_char_p), ("threshold", ctypes.c_double),
                ("format", ctypes.c_char_p), ("allow_different_hosts", ctypes.c_bool)]


_P = ctypes.c_void_p
_ERR = [ctypes.c_char_p, ctypes.c_size_t]
_PROTOTYPES = {
    "tb_strerror": (ctypes.c_char_p, [ctypes.c_int]),
    "tb_stop_on_signals": (None, []),
    "tb_controller_open": (ctypes.c_int, [ctypes.POINTER(_P), ctypes.c_char_p,
                                          ctypes.POINTER(ControllerOpts)] + _ERR),
    "tb_controller_close": (None, [_P]),
    "tb_calibrate": (ctypes.c_int, [_P, ctypes.c_bool, _P] + _ERR),
    "tb_satellites_open": (ctypes.c_int, [ctypes.POINTER(_P), _P, ctypes.c_char_p] + _ERR),
    "tb_satellites_close": (None, [_P]),
    "tb_benchmark": (ctypes.c_int, [_P, _P, ctypes.POINTER(BenchmarkParams),
                                    ctypes.POINTER(_P)] + _ERR),
    "tb_result_json": (_P, [_P]),
    "tb_result_print": (None, [_P, _P]),
    "tb_stop_requested": (ctypes.c_bool, []),
    "tb_result_free": (None, [_P]),
    "tb_result_nfields": (ctypes.c_size_t, []),
    "tb_result_field_name": (ctypes.c_char_p, [ctypes.c_size_t]),
    "tb_compare": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_char_p,
                                  ctypes.POINTER(CompareOpts), _P,
                                  ctypes.POINTER(ctypes.c_bool)] + _ERR),
}

lib = ctypes.CDLL(_path())
for _name, (_restype, _argtypes) in _PROTOTYPES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _restype
    _fn.argtypes = _argtypes

libc = ctypes.CDLL(None)
libc.free.argtypes = [_P]
libc.fdopen.restype = _P
libc.fdopen.argtypes = [ctypes.c_int, ctypes.c_char_p]
libc.fclose.argtypes = [_P]


def call(fn, *args, error=TracebenchError):
    """Calls fn(*args, err, errlen); raises error with the library's message unless it
    returned TB_OK, and KeyboardInterrupt when a signal stopped it."""
    err = ctypes.create_string_buffer(ERRLEN)
    rc = fn(*args, err, ERRLEN)
    if rc == TB_EINTR:
        raise KeyboardInterrupt(err.value.decode(errors="replace"))
    if rc != TB_OK:
        name = lib.tb_strerror(rc).decode()
        raise error(err.value.decode(errors="replace") or name, rc)
    return rc


def text(p):
    """The malloc'd C string at p as str, freed."""
    if not p:
        raise MemoryError("libtracebench: out of memory")
    try:
        return ctypes.string_at(p).decode(errors="replace")
    finally:
        libc.free(p)
