# SPDX-License-Identifier: MIT
"""conftest.py - the --client_name option of regression_tests.py, as LightStep Benchmarks
named it; --clients_file for a registry other than ./clients.conf; --runtime_scale to
shorten every runtime by a factor (the test suite runs them at a quarter); --pairs for
how many alternated traced and untraced runs the tracer's own CPU is judged on;
--max_tracer_cpu to gate a tracer on its own budget instead of LightStep Benchmarks' 10%
(as a plan's `budget max_tracer_cpu`)."""
import pytest


def pytest_addoption(parser):
    parser.addoption("--client_name", default="c", help="the client to test (clients.conf)")
    parser.addoption("--clients_file", default=None, help="the client registry")
    parser.addoption("--runtime_scale", type=float, default=1.0,
                     help="every runtime times this (default 1: LightStep Benchmarks' own)")
    parser.addoption("--pairs", type=int, default=5,
                     help="traced and untraced runs, alternated, behind the tracer CPU test "
                          "(default 5; 1: LightStep Benchmarks' single trial)")
    parser.addoption("--max_tracer_cpu", type=float, default=0.10,
                     help="the tracer's own CPU share it may use at 3000 spans/s (default "
                          "0.10, LightStep Benchmarks' threshold)")


@pytest.fixture(scope="module")
def client_name(request):
    return request.config.getoption("--client_name")


@pytest.fixture(scope="module")
def scale(request):
    return request.config.getoption("--runtime_scale")


@pytest.fixture(scope="module")
def clients_file(request):
    return request.config.getoption("--clients_file")


@pytest.fixture(scope="module")
def pairs(request):
    return max(1, request.config.getoption("--pairs"))


@pytest.fixture(scope="module")
def max_tracer_cpu(request):
    return request.config.getoption("--max_tracer_cpu")
