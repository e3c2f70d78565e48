# SPDX-License-Identifier: MIT
"""conftest.py - the --client_name option of regression_tests.py, as LightStep Benchmarks
named it; --clients_file for a registry other than ./clients.conf; --runtime_scale to
shorten every runtime by a factor (the test suite runs them at a quarter)."""
import pytest


def pytest_addoption(parser):
    parser.addoption("--client_name", default="c", help="the client to test (clients.conf)")
    parser.addoption("--clients_file", default=None, help="the client registry")
    parser.addoption("--runtime_scale", type=float, default=1.0,
                     help="every runtime times this (default 1: LightStep Benchmarks' own)")


@pytest.fixture(scope="module")
def client_name(request):
    return request.config.getoption("--client_name")


@pytest.fixture(scope="module")
def scale(request):
    return request.config.getoption("--runtime_scale")


@pytest.fixture(scope="module")
def clients_file(request):
    return request.config.getoption("--clients_file")
