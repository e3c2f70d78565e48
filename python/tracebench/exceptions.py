# SPDX-License-Identifier: MIT
"""exceptions.py - what the package raises: LightStep Benchmarks' two exceptions, both
TracebenchErrors, which carry the library's message and tb_err code."""


class TracebenchError(Exception):
    """A libtracebench call failed; str() is the library's message."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code


class InvalidClient(TracebenchError):
    """The client's name is not in the registry (clients.conf)."""


class ClientTimeout(TracebenchError):
    """The client outlived 2 x runtime + 5 s and was stopped (no_timeout=False)."""
