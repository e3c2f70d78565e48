#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""python_api_test.py - the Python package over libtracebench, from outside, as a user
runs it:
  1. docs/api.md's snippet, copied unchanged into a file, runs and prints every line,
     with every span received;
  2. a Result has every field the library lists as an attribute, and LightStep
     Benchmarks' derived ones; bad arguments raise the documented exceptions;
  3. faults are calls on the satellite group, several clients a keyword, and compare()
     judges a results directory;
  4. Ctrl-C in the middle of a benchmark raises KeyboardInterrupt and leaves no process
     of the benchmark behind.

    python_api_test.py SOURCE_DIR BUILD_DIR [PACKAGE_DIR]

PACKAGE_DIR (default BUILD_DIR/python) is where `import tracebench` is found: an
installed prefix's dist-packages, for the install stage."""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(sys.argv[1]).resolve()
BUILD = Path(sys.argv[2]).resolve()
PACKAGE = Path(sys.argv[3]).resolve() if len(sys.argv) > 3 else BUILD / "python"
WORK = Path(tempfile.mkdtemp(prefix="tb-python-test-"))
# The scripts run in WORK, whose clients.conf (the registry a Controller reads by
# default) names this build's reference client.
(WORK / "clients.conf").write_text(f"[c]\ncommand = {BUILD}/client-shim/tb-client\n")
ENV = dict(os.environ, PYTHONPATH=str(PACKAGE), XDG_CACHE_HOME=str(WORK / "cache"),
           PYTHONUNBUFFERED="1")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"FAIL {what}", flush=True)


def script(name, text):
    path = WORK / name
    path.write_text(text)
    return path


def run(path, timeout):
    return subprocess.run([sys.executable, str(path)], cwd=WORK, env=ENV, capture_output=True,
                          text=True, timeout=timeout)


def snippet_runs_as_written():
    doc = (SRC / "docs/api.md").read_text()
    m = re.search(r"<!-- python-api-snippet -->\n```python\n(.*?)```", doc, re.S)
    check(m is not None, "docs/api.md has no python-api-snippet block")
    if m is None:
        return
    out = run(script("snippet.py", m.group(1)), 180)
    check(out.returncode == 0, f"the snippet exited {out.returncode}: {out.stderr[-2000:]}")
    want = [r"The test had CPU for [0-9.]+ seconds", r"The test took [0-9.]+ seconds to run",
            r"1000 spans were generated during the test\.",
            r"Percent CPU used, sampled each second: \[[0-9.e, -]+\]",
            r"Bytes memory used, sampled each second: \[[0-9., ]+\]",
            r"1000 spans were received by the mock satellites\.",
            r"0 spans were dropped\."]
    for w in want:
        check(re.search(w, out.stdout) is not None, f"the snippet printed no /{w}/:\n{out.stdout}")


ATTRIBUTES = r'''
import ctypes, math
from tracebench import Controller, MockSatelliteGroup, InvalidClient, TracebenchError
from tracebench._lib import lib
lib.tb_result_nfields.restype = ctypes.c_size_t
lib.tb_result_field_name.restype = ctypes.c_char_p
lib.tb_result_field_name.argtypes = [ctypes.c_size_t]
names = [lib.tb_result_field_name(i).decode() for i in range(lib.tb_result_nfields())]
try:
    Controller('no-such-client')
    print('no InvalidClient')
except InvalidClient as e:
    print('InvalidClient:', e)
with Controller('c') as c:
    try:
        c.benchmark(spans_per_second=0)
        print('no ValueError')
    except ValueError:
        print('ValueError for 0 spans/s')
    try:
        c.benchmark(spans_per_second=10, runtime=1, protocol='carrier-pigeon')
        print('no TracebenchError')
    except TracebenchError as e:
        print('TracebenchError:', e)
    with MockSatelliteGroup('typical') as sats:
        r = c.benchmark(satellites=sats, spans_per_second=200, runtime=1)
        missing = [n for n in names if not hasattr(r, n)]
        print('fields', len(names), 'missing', missing)
        print('spans_per_second', r.spans_per_second == r.sps_achieved > 0)
        print('memory', r.memory == r.memory_list[-1] > 0)
        print('dropped', r.dropped_spans, 'of', r.spans_sent)
        print('printout', str(r).splitlines()[0])
        m = c.benchmark(satellites=sats, spans_per_second=100, runtime=1, clients=3)
        print('copies', m.client_count, len(m.per_client), m.spans_received)
'''


def attributes_and_errors():
    out = run(script("attributes.py", ATTRIBUTES), 180)
    check(out.returncode == 0, f"the attributes script exited {out.returncode}: "
                               f"{out.stderr[-2000:]}")
    text = out.stdout
    for want in ["InvalidClient: ", "no-such-client", "ValueError for 0 spans/s",
                 "TracebenchError: ", "carrier-pigeon", "missing []",
                 "spans_per_second True", "memory True", "dropped 0 of 200",
                 "printout Result: ", "copies 3 3 300"]:
        check(want in text, f"the attributes script printed no {want!r}:\n{text}")
    m = re.search(r"fields (\d+)", text)
    check(m is not None and int(m.group(1)) > 50, f"too few fields listed:\n{text}")


FAULTS = r'''
import sys
from tracebench import Controller, MockSatelliteGroup, TracebenchError, compare
with Controller('c') as c:
    with MockSatelliteGroup('typical') as sats:
        sats.down(at=0.5).up(at=1.5)
        r = c.benchmark(satellites=sats, spans_per_second=300, runtime=3)
        print('events', [e['event'] for e in r.events])
        print('recoveries', len(r.recovery_first_ack), 'unexplained', r.unexplained)
        sats.clear_faults().errors(1.0, status=503)
        r = c.benchmark(satellites=sats, spans_per_second=100, runtime=1)
        print('refused', r.refused_spans > 0, 'received', r.spans_received)
        sats.clear_faults()
        try:
            c.benchmark(satellites=sats, spans_per_second=10, runtime=1, events=['0.5s:dwn'])
            print('no TracebenchError')
        except TracebenchError as e:
            print('bad event:', e)
        m = c.benchmark(satellites=sats, spans_per_second=200, runtime=1, mix='c x2',
                        total_sps=True)
        print('mix', m.client_count, m.spans_sent, m.spans_received)
same = compare(sys.argv[1], sys.argv[1])
print('compare', same.regressed, bool(same), 'unchanged' in same.text or 'inconclusive' in same.text)
try:
    compare(sys.argv[1], '/no/such/results')
    print('no TracebenchError')
except TracebenchError as e:
    print('compare error:', e)
'''

TINY_PLAN = """
client c
calibrate off
satellites local
run a sps 100 runtime 1 repeat 3
"""


def faults_clients_and_compare():
    plan = script("tiny.plan", TINY_PLAN)
    results = WORK / "results"
    done = subprocess.run([str(BUILD / "orchestrator/orchestrator"), "--plan", str(plan),
                           "--results", str(results), "--control-port", "0", "-q"], cwd=WORK,
                          env=ENV, capture_output=True, text=True, timeout=120)
    check(done.returncode == 0, f"the tiny plan exited {done.returncode}: {done.stderr[-2000:]}")
    dirs = sorted(results.glob("tiny-*"))
    check(len(dirs) == 1, f"no results directory of the tiny plan: {dirs}")
    if len(dirs) != 1:
        return
    out = subprocess.run([sys.executable, str(script("faults.py", FAULTS)), str(dirs[0])],
                         cwd=WORK, env=ENV, capture_output=True, text=True, timeout=180)
    check(out.returncode == 0, f"the faults script exited {out.returncode}: "
                               f"{out.stderr[-2000:]}")
    text = out.stdout
    for want in ["events ['satellites down', 'satellites up']", "recoveries 1 unexplained 0",
                 "refused True received 0", "bad event: event \"0.5s:dwn\"", "got 'dwn'",
                 "mix 2 200 200", "compare False True True", "compare error: "]:
        check(want in text, f"the faults script printed no {want!r}:\n{text}")


INTERRUPTED = r'''
from tracebench import Controller, MockSatelliteGroup
with Controller('c') as c:
    with MockSatelliteGroup('typical') as sats:
        print('benchmarking', flush=True)
        c.benchmark(satellites=sats, spans_per_second=100, runtime=60, no_timeout=True)
print('the benchmark was not interrupted')
'''


def descendants(pid):
    """Every process below pid, from /proc's parent links."""
    parent = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                parent[int(d.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError):
                pass
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        found.update(kids)
        todo.extend(kids)
    return found


def comm(pid):
    try:
        return (Path("/proc") / str(pid) / "comm").read_text().strip()
    except OSError:
        return None


def ctrl_c_leaves_nothing_behind():
    proc = subprocess.Popen([sys.executable, str(script("interrupted.py", INTERRUPTED))],
                            cwd=WORK, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    # Wait for the client itself: then the harness is all up.
    deadline, seen = time.monotonic() + 120, set()
    while time.monotonic() < deadline and proc.poll() is None:
        seen = descendants(proc.pid)
        if any(comm(p) == "tb-client" for p in seen):
            break
        time.sleep(0.1)
    names = sorted(filter(None, (comm(p) for p in seen)))
    check("tb-client" in names, f"no client started below the script: {names}")
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        check(False, "the script outlived Ctrl-C by 30 s")
    check("KeyboardInterrupt" in err, f"no KeyboardInterrupt: {err[-2000:]}")
    check("not interrupted" not in out, f"the benchmark ran to its end: {out}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(comm(p) for p in seen):
        time.sleep(0.1)
    left = [f"{p} {comm(p)}" for p in seen if comm(p)]
    check(not left, f"processes left behind after Ctrl-C: {left} (of {names})")


for test in (snippet_runs_as_written, attributes_and_errors, faults_clients_and_compare,
             ctrl_c_leaves_nothing_behind):
    print(f"RUN  {test.__name__}", flush=True)
    before = len(failures)
    test()
    print(f"{'PASS' if len(failures) == before else 'FAIL'} {test.__name__}", flush=True)
subprocess.run(["rm", "-rf", str(WORK)])
sys.exit(1 if failures else 0)
