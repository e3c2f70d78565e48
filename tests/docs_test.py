#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""docs_test.py - what README.md, docs/*.md and the component READMEs name exists: every
file path, every option of our programs (against each program's own --help), every
client (against clients.conf), every plan in a code block (checked by `orchestrator
--plan FILE --check`) and every Result field an assertion names (against the field
table docs/plan-format.md carries, which tests/plan_test.c checks against the code).
Every example registry entry is registered and run for a second, and the worked Python
client is run, both through `orchestrator run`.

    docs_test.py SOURCE_DIR BUILD_DIR [DOC...]
    docs_test.py SOURCE_DIR BUILD_DIR --mutated

With DOCs, only those are read. --mutated is the test of the test: each of a list of
mistakes, written into a copy of a doc, must be found.
An example that is a template for another repository says so in an HTML comment on the
line before its code block: <!-- docs-test: template -->.
"""
import configparser
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

SRC = Path(sys.argv[1]).resolve()
BUILD = Path(sys.argv[2]).resolve()
ORC = BUILD / "orchestrator" / "orchestrator"
failures = []
checked = {"paths": 0, "options": 0, "clients": 0, "plans": 0, "fields": 0, "entries run": 0}

TOP_DIRS = ("docs", "tests", "scripts", "bench", "plans", "common", "orchestrator", "libtracebench",
            "satellite", "sampler", "client-shim", "proto", "contrib", "include", ".ci",
            "python")
TOP_FILES = ("README.md", "CMakeLists.txt", "clients.conf", "LICENSE")
BUILT = {"build", "build-asan", "build-Release"}
SOURCE_EXT = (".c", ".h", ".js", ".proto", ".sh", ".py", ".plan", ".conf")
# Programs whose options the docs may name, with the command that prints their help.
PROGRAMS = {
    "orchestrator": [str(ORC), "--help"],
    "satellite": [str(BUILD / "satellite" / "satellite"), "--help"],
    "sampler": [str(BUILD / "sampler" / "sampler"), "--help"],
    "tb-client": [str(BUILD / "client-shim" / "tb-client"), "--help"],
    "tb-lsb-client": [str(BUILD / "client-shim" / "tb-lsb-client"), "--help"],
    "satellite_bench": [str(BUILD / "bench" / "satellite_bench"), "--help"],
    "sampler_bench": [str(BUILD / "bench" / "sampler_bench"), "--help"],
    "many_clients_bench": [str(BUILD / "bench" / "many_clients_bench"), "--help"],
    "js-otel.js": ["node", str(SRC / "client-shim/js/js-otel.js"), "--help"],
    "js-lightstep.js": ["node", str(SRC / "client-shim/js/js-lightstep.js"), "--help"],
}
PLAN_WORDS = {"client", "sampling", "calibrate", "satellites", "sampler", "tls", "run",
              "ramp", "assert", "graph", "max_cv", "quiet_host", "on_failure", "budget"}


def fail(doc, line, what):
    failures.append(f"{doc.relative_to(SRC) if doc.is_relative_to(SRC) else doc}:{line}: {what}")


def docs():
    if len(sys.argv) > 3:
        return [Path(p).resolve() for p in sys.argv[3:]]
    found = [SRC / "README.md", *sorted((SRC / "docs").glob("*.md"))]
    found += sorted(p for p in SRC.glob("*/README.md") if p.parent.name not in BUILT)
    return found


def help_options():
    opts = {}
    for name, argv in PROGRAMS.items():
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        opts[name] = set(re.findall(r"--[a-z][a-z0-9_-]*", out.stdout + out.stderr))
        if not opts[name]:
            failures.append(f"{name} --help names no option: {argv}")
    return opts


def blocks(text):
    """(line, language, body, marked-as-template) of every fenced code block."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"\s*```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group(1)
        template = i > 0 and "docs-test: template" in lines[i - 1]
        i += 1
        body = []
        while i < len(lines) and not re.match(r"\s*```\s*$", lines[i]):
            body.append(lines[i])
            i += 1
        yield start + 1, lang, "\n".join(body), template
        i += 1


def inline_spans(text):
    """(line, text) of every `span` outside fenced blocks."""
    fenced = False
    for n, line in enumerate(text.split("\n"), 1):
        if re.match(r"\s*```", line):
            fenced = not fenced
            continue
        if not fenced:
            for m in re.finditer(r"`([^`]+)`", line):
                yield n, m.group(1)


def check_path(doc, n, word):
    word = re.sub(r":\d+(:\d+)?$", "", word.rstrip(".,:;)"))
    if any(c in word for c in "<>$") or re.search(r"\b[A-Z]{2,}\b", word):
        return  # a placeholder: DIR, <plan>-<time>, $HOME
    head = word.split("/")[0]
    if head in BUILT:
        target = BUILD / word.split("/", 1)[1] if "/" in word else BUILD
    elif head in TOP_DIRS or word in TOP_FILES:
        target = SRC / word
    else:
        return
    checked["paths"] += 1
    hits = list(target.parent.glob(target.name)) if "*" in word else [target]
    if not any(h.exists() for h in hits):
        fail(doc, n, f"{word} does not exist")


def check_bare_file(doc, n, word):
    """A bare source file name is next to the doc, or somewhere in the tree."""
    if "/" in word or not word.endswith(SOURCE_EXT) or not re.match(r"^[\w.-]+$", word):
        return
    if (doc.parent / word).exists():
        return
    if not any(p for p in SRC.rglob(word) if "node_modules" not in p.parts
               and not (set(p.parts) & BUILT)):
        fail(doc, n, f"{word} is not a file here")


def words_of(text):
    try:
        return shlex.split(text, comments=True)
    except ValueError:
        return text.split()


def check_options(doc, n, text, opts):
    for line in text.split("\n"):
        words = words_of(line)
        prog = None
        for w in words:
            if w in ("|", "&&", ";", "||", "--") or w.startswith(">"):
                prog = None  # another command, or the words of another program
                continue
            base = os.path.basename(w)
            if base in opts:
                prog = base
            elif prog and re.match(r"^--[a-z][a-z0-9_-]*(=|$)", w):
                opt = w.split("=", 1)[0]
                checked["options"] += 1
                if opt not in opts[prog]:
                    fail(doc, n, f"{prog} has no option {opt} (its --help does not name it)")


def check_clients(doc, n, text, clients):
    for m in re.finditer(r"(?:--client|^client|\bclient) ([a-z][\w-]*)", text):
        name = m.group(1)
        checked["clients"] += 1
        if name in ("c", "NAME") or name in clients:
            continue
        if re.match(r"^(is|of|the|a|an|in|with|that|and|to|from|x\d+|process|libraries)$", name):
            continue
        fail(doc, n, f"client '{name}' is not in clients.conf")


def plan_like(body):
    first = [l.split()[0] for l in body.split("\n") if l.strip() and not l.startswith("#")]
    return first and all(w in PLAN_WORDS or w in ("}", "at") for w in first) and \
        any(w in ("run", "ramp") for w in first)


def check_plan(doc, n, body, work):
    checked["plans"] += 1
    path = work / f"doc-{n}.plan"
    path.write_text(body + "\n")
    out = subprocess.run([str(ORC), "--plan", str(path), "--check"], capture_output=True,
                         text=True, timeout=30)
    if out.returncode != 0:
        fail(doc, n, f"the plan in this block does not check: {out.stderr.strip()}")


def field_names():
    text = (SRC / "docs/plan-format.md").read_text()
    return set(re.findall(r"^\| `(\w+)` \| (?:run|sample)", text, re.M))


def check_fields(doc, n, text, fields):
    for line in text.split("\n"):
        if not line.lstrip().startswith("assert "):
            continue
        for m in re.finditer(r"\b[a-z_][\w]*\.(client\.)?([a-z_]+)\b", line):
            checked["fields"] += 1
            if m.group(2) not in fields:
                fail(doc, n, f"field '{m.group(2)}' in {m.group(0)} is not a Result field")


def run_client(doc, n, conf_text, name, work, extra_files=()):
    checked["entries run"] += 1
    conf = work / f"doc-{n}-{name}.conf"
    conf.write_text(conf_text)
    out = subprocess.run([str(ORC), "run", "--client", name, "--clients", str(conf),
                          "--sps", "20", "--runtime", "1", "--uncalibrated", "--no-trace",
                          "--control-port", "0", "--ports", "0,0"],
                         capture_output=True, text=True, timeout=120, cwd=work)
    if out.returncode != 0:
        fail(doc, n, f"the client entry [{name}] did not run: {out.stderr.strip()[-400:]}")


def check_ini(doc, n, body, template, work):
    parser = configparser.ConfigParser(inline_comment_prefixes=(";",), interpolation=None)
    try:
        parser.read_string(body)
    except configparser.Error as e:
        fail(doc, n, f"not an INI registry: {e}")
        return
    for name in parser.sections():
        cmd = parser[name].get("command", "")
        first = words_of(cmd)
        prog = first[1] if first and first[0] == "node" and len(first) > 1 else \
            (first[0] if first else "")
        if template:
            continue
        # Paths in the docs are relative to the source tree and its build/.
        cmd = re.sub(r"(?<![\w/])\./build/", str(BUILD) + "/", cmd)
        cmd = re.sub(r"(?<![\w/])client-shim/", str(SRC / "client-shim") + "/", cmd)
        entry = f"[{name}]\ncommand = {cmd}\n"
        for key in ("mode", "env", "sleep_interval", "description"):
            if key in parser[name]:
                entry += f"{key} = {parser[name][key]}\n"
        if not prog:
            fail(doc, n, f"[{name}] has no command")
            continue
        run_client(doc, n, entry, name, work)


def check_python_client(doc, n, body, work):
    script = work / f"doc-{n}.py"
    script.write_text(body + "\n")
    run_client(doc, n, f"[py]\ncommand = python3 {script}\n", "py", work)


def main():
    opts = help_options()
    cfg = configparser.ConfigParser(inline_comment_prefixes=(";",), interpolation=None)
    cfg.read(SRC / "clients.conf")
    clients = set(cfg.sections())
    fields = field_names()
    if len(fields) < 20:
        failures.append(f"docs/plan-format.md's field table gave only {len(fields)} fields")
    with tempfile.TemporaryDirectory(prefix="tb-docs-test-") as tmp:
        work = Path(tmp)
        for doc in docs():
            text = doc.read_text()
            for n, span in inline_spans(text):
                for w in span.split():
                    check_path(doc, n, w)
                    check_bare_file(doc, n, w)
                check_options(doc, n, span, opts)
                check_clients(doc, n, span, clients)
                check_fields(doc, n, span, fields)
            for n, lang, body, template in blocks(text):
                if lang in ("sh", "bash", ""):
                    check_options(doc, n, body, opts)
                    for line in body.split("\n"):
                        for w in words_of(line):
                            check_path(doc, n, w)
                if lang == "ini":
                    check_ini(doc, n, body, template, work)
                elif lang == "python" and "/control" in body and not template:
                    check_python_client(doc, n, body, work)
                elif plan_like(body):
                    check_plan(doc, n, body, work)
                    check_fields(doc, n, body, fields)
                    for m in re.finditer(r"^client ([\w-]+)", body, re.M):
                        check_clients(doc, n, f"client {m.group(1)}", clients)
    for f in failures:
        print(f"docs_test: {f}")
    print(f"docs_test: {len(docs())} documents; checked " +
          ", ".join(f"{v} {k}" for k, v in checked.items()) + f"; {len(failures)} problems")
    return 1 if failures else 0


# Each mistake a doc could make, and what the test must then say.
MUTATIONS = [
    ("`orchestrator --plan plans/quick.plan --scael 2`", "orchestrator has no option --scael"),
    ("```sh\nbuild/client-shim/tb-client --tracer report\n```", "tb-client has no option --tracer"),
    ("See `docs/no-such-guide.md`.", "docs/no-such-guide.md does not exist"),
    ("`scripts/no-such.sh`", "scripts/no-such.sh does not exist"),
    ("`orchestrator run --client js-nope --sps 10 --runtime 1`", "client 'js-nope' is not"),
    ("```\nclient c\nrun a sps 10 runtim 1s\n```", "does not check"),
    ("```\nclient c\nrun a sps 10 runtime 1s\nassert a.cpu_usag < 1\n```",
     "field 'cpu_usag'"),
    ("```ini\n[gone]\ncommand = ./build/client-shim/tb-no-such-client\n```",
     "[gone] did not run"),
]


def mutated():
    base = (SRC / "docs/statistics.md").read_text()
    missed = []
    with tempfile.TemporaryDirectory(prefix="tb-docs-mutated-") as tmp:
        for i, (mistake, said) in enumerate(MUTATIONS):
            doc = Path(tmp) / "docs" / f"mutated-{i}.md"
            doc.parent.mkdir(exist_ok=True)
            doc.write_text(base + "\n" + mistake + "\n")
            failures.clear()
            sys.argv[3:] = [str(doc)]
            main_quiet()
            if not any(said in f for f in failures):
                missed.append(f"{mistake!r}: wanted {said!r}, got {failures}")
            else:
                print(f"docs_test: found {said!r}")
    for m in missed:
        print(f"docs_test: a mistake went unnoticed: {m}")
    print(f"docs_test: {len(MUTATIONS) - len(missed)} of {len(MUTATIONS)} mistakes found")
    return 1 if missed else 0


def main_quiet():
    out = sys.stdout
    try:
        sys.stdout = open(os.devnull, "w")
        main()
    finally:
        sys.stdout.close()
        sys.stdout = out


if __name__ == "__main__":
    if sys.argv[3:] == ["--mutated"]:
        sys.exit(mutated())
    sys.exit(main())
