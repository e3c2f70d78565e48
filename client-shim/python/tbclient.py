# SPDX-License-Identifier: MIT
"""tbclient.py - what every tracebench Python client shares: the control channel (GET
/control, POST /result, with the standard library's urllib), LightStep Benchmarks' argv
form, and the workload the other clients run (6 spans per loop as two client -> server
-> db chains; NumTags tags, Work units of floating-point work, NumLogs logs, Sleep owed
per span and paid in SleepInterval chunks), on asyncio so that an asyncio tracer's own
tasks run while the workload sleeps.

A client calls run(make_tracer, about): make_tracer(cmd) is a coroutine returning an
adapter with name (the tracer library and version), start(name, parent), tag(span, k,
v), log(span, k, v), finish(span), flush() (a coroutine) and dropped() (a count, or
None when the tracer cannot tell). docs/client-protocol.md describes the channel.
"""
import asyncio
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8023"
ARGV_FLAGS = {"--trace": "Trace", "--sleep": "Sleep", "--sleep_interval": "SleepInterval",
              "--work": "Work", "--repeat": "Repeat", "--no_flush": "NoFlush",
              "--num_tags": "NumTags", "--num_logs": "NumLogs"}
WHOLE = ("Sleep", "SleepInterval", "Work", "Repeat", "RunId", "NumTags", "NumLogs",
         "ClientIndex", "Clients")


def fail(msg):
    sys.stderr.write(f"{os.path.basename(sys.argv[0])}: {msg}\n")
    sys.exit(1)


def check_command(c):
    """The command with defaults filled in, or ValueError naming the bad field (the rules
    of common/command.c)."""
    if not isinstance(c, dict):
        raise ValueError("the command is not a JSON object")
    if "Repeat" not in c:
        raise ValueError("Repeat is missing")
    out = {"Trace": True, "Sleep": 0, "SleepInterval": 1000000, "Work": 0, "NoFlush": False,
           "NumTags": 10, "NumLogs": 15, "Satellites": ["127.0.0.1:8360"],
           "Protocol": "lightstep", "RunId": 0, "ClientIndex": 0, "Clients": 1,
           "AccessToken": os.environ.get("TB_ACCESS_TOKEN") or "tracebench"}
    for k in WHOLE:
        if k in c:
            if type(c[k]) is not int or c[k] < 0:
                raise ValueError(f"{k} must be a whole number")
            out[k] = c[k]
    for k in ("Trace", "NoFlush"):
        if k in c:
            if type(c[k]) is not bool:
                raise ValueError(f"{k} must be true or false")
            out[k] = c[k]
    if "Satellites" in c:
        sats = c["Satellites"]
        if not isinstance(sats, list) or not sats or not all(
                isinstance(s, str) and re.fullmatch(r".+:\d+", s) for s in sats):
            raise ValueError('Satellites must be a list of "host:port"')
        out["Satellites"] = sats
    if "Protocol" in c:
        out["Protocol"] = c["Protocol"]
    if "AccessToken" in c:
        if not isinstance(c["AccessToken"], str) or \
                not re.fullmatch(r"[A-Za-z0-9._-]{1,63}", c["AccessToken"]):
            raise ValueError("AccessToken must be 1 to 63 letters, digits or -_.")
        out["AccessToken"] = c["AccessToken"]
    if out["ClientIndex"] >= out["Clients"]:
        raise ValueError(f"ClientIndex must be below Clients ({out['Clients']})")
    if out["NumTags"] > 1000 or out["NumLogs"] > 1000:
        raise ValueError("NumTags and NumLogs must be at most 1000")
    return out


def _request(method, url, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if os.environ.get("TB_CONTROL_TOKEN"):
        headers["X-Tracebench-Token"] = os.environ["TB_CONTROL_TOKEN"]
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, res.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as e:
        fail(f"cannot reach the orchestrator at {url}: {e}")


def fetch_command(base):
    status, body = _request("GET", f"{base}/control")
    if status != 200:
        fail(f"GET {base}/control answered {status}: {body.splitlines()[0] if body else ''}")
    try:
        return check_command(json.loads(body))
    except (ValueError, json.JSONDecodeError) as e:
        fail(f"GET {base}/control answered nonsense: {e}")


def parse_argv(argv):
    """(command or None, control URL or None, help wanted) from the command line."""
    c = {}
    if os.environ.get("TB_SATELLITES"):
        c["Satellites"] = os.environ["TB_SATELLITES"].split(",")
    if os.environ.get("TB_PROTOCOL"):
        c["Protocol"] = os.environ["TB_PROTOCOL"]
    control, any_flag = None, False
    i = 0
    while i < len(argv):
        flag = argv[i]
        if flag in ("-h", "--help"):
            return None, None, True
        if i + 1 >= len(argv):
            fail(f"{flag} needs a value")
        val = argv[i + 1]
        i += 2
        if flag == "--control":
            control = val
        elif flag == "--satellites":
            c["Satellites"], any_flag = val.split(","), True
        elif flag == "--protocol":
            c["Protocol"], any_flag = val, True
        elif flag in ARGV_FLAGS:
            if not val.isdigit():
                fail(f"{flag} {val}: not a whole number")
            k = ARGV_FLAGS[flag]
            c[k] = val != "0" if k in ("Trace", "NoFlush") else int(val)
            any_flag = True
        else:
            fail(f"unknown option {flag}")
    return (c if any_flag else None), control, False


def usage(about):
    name = os.path.basename(sys.argv[0])
    return f"""usage: {name} [--control URL]
       {name} --repeat N [--trace 0|1] [--sleep NS] [--sleep_interval NS] [--work N]
               [--no_flush 0|1] [--num_tags N] [--num_logs N] [--satellites H:P,...]

{about}

With --control URL (or TB_CONTROL_URL; default {DEFAULT_URL}) it fetches its
command from the orchestrator's channel and posts its result there
(docs/client-protocol.md). With LightStep Benchmarks' flags it runs them and prints
the result as one line of JSON.

  -h, --help         this help
"""


def do_work(units):
    x = 1.0
    for _ in range(units):
        x = x * 1.0000001 + 0.0000001
    return x


async def workload(cmd, tracer):
    ops = ("client", "server", "db")
    tag_keys = [f"tag.{i}" for i in range(cmd["NumTags"])]
    log_keys = [f"event.{i}" for i in range(cmd["NumLogs"])]
    state = {"made": 0, "owed": 0}

    async def chain(parent, depth):
        if state["made"] == cmd["Repeat"]:
            return
        state["made"] += 1
        span = tracer.start(ops[depth], parent)
        for k in tag_keys:
            tracer.tag(span, k, "some-tag-value")
        do_work(cmd["Work"])
        for k in log_keys:
            tracer.log(span, k, "a log message of moderate length")
        # What is paid off is the time actually slept: sleeps overrun, and the overrun is
        # credited so the client keeps the rate asked for.
        state["owed"] += cmd["Sleep"]
        while cmd["SleepInterval"] > 0 and state["owed"] >= cmd["SleepInterval"]:
            t0 = time.monotonic_ns()
            await asyncio.sleep(state["owed"] / 1e9)
            state["owed"] -= time.monotonic_ns() - t0
        if depth < 2:
            await chain(span, depth + 1)
        tracer.finish(span)

    while state["made"] < cmd["Repeat"]:
        await chain(None, 0)
    if state["owed"] > 0:
        await asyncio.sleep(state["owed"] / 1e9)
    return state["made"]


async def _main(make_tracer, command, base):
    cmd = command if command is not None else fetch_command(base)
    tracer = await make_tracer(cmd)
    cpu0, t0 = time.process_time(), time.monotonic()
    made = await workload(cmd, tracer)
    if not cmd["NoFlush"]:
        await tracer.flush()
    result = {"SpansSent": made, "ProgramTime": time.process_time() - cpu0,
              "ClockTime": time.monotonic() - t0, "Tracer": tracer.name}
    dropped = tracer.dropped() if not cmd["NoFlush"] else None
    if dropped is not None:
        result["SpansDropped"] = dropped
    return result


def run(make_tracer, about):
    """A client's main: the command, the workload under the tracer, flush unless
    NoFlush, the result (posted, or printed in argv mode), exit."""
    command, control, want_help = parse_argv(sys.argv[1:])
    if want_help:
        sys.stdout.write(usage(about))
        sys.exit(0)
    if command is not None:
        try:
            command = check_command(command)
        except ValueError as e:
            fail(str(e))
    base = control or os.environ.get("TB_CONTROL_URL") or DEFAULT_URL
    result = asyncio.run(_main(make_tracer, command, base))
    if command is not None:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        status, body = _request("POST", f"{base}/result", json.dumps(result).encode())
        if status != 200:
            fail(f"POST {base}/result answered {status}: {body.splitlines()[0] if body else ''}")
    sys.stdout.flush()
    os._exit(0)  # NoFlush: leave at once, with whatever the tracer still holds
