#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ci_files_test.py - contrib/ci's GitHub Actions workflow and GitLab CI file are YAML
that parses, have the jobs docs/ci.md promises (the gate on every push, compare on pull
requests, graphs by hand), and name only tracebench commands, options, plans and scripts
that exist.

    ci_files_test.py ORCHESTRATOR_BINARY SOURCE_DIR
"""
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

SUBCOMMANDS = {"run", "calibrate", "report", "compare"}
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def scripts_of(node):
    """Every shell line under run:, script: or before_script: keys, anywhere in node."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("run", "script", "before_script"):
                lines = value if isinstance(value, list) else [value]
                for text in lines:
                    if isinstance(text, str):
                        yield from text.replace("\\\n", " ").splitlines()
            else:
                yield from scripts_of(value)
    elif isinstance(node, list):
        for item in node:
            yield from scripts_of(item)


def check_commands(name, lines, help_text, source):
    seen = 0
    for line in lines:
        try:
            words = shlex.split(line, comments=True)
        except ValueError as e:
            failures.append(f"{name}: cannot split {line!r}: {e}")
            continue
        for i, w in enumerate(words):
            m = re.search(r"/share/tracebench/(plans/[\w.-]+)$", w)
            if m:
                check((source / m.group(1)).is_file(), f"{name}: {m.group(1)} does not exist")
            m = re.search(r"tracebench-src/(scripts/[\w.-]+)$", w)
            if m:
                check((source / m.group(1)).is_file(), f"{name}: {m.group(1)} does not exist")
            if w != "orchestrator":
                continue
            seen += 1
            args = words[i + 1:]
            if args and not args[0].startswith("-"):
                check(args[0] in SUBCOMMANDS, f"{name}: orchestrator {args[0]}: no such command")
            for a in args:
                if a in ("|", ">", "||", "&&"):
                    break
                if a.startswith("--"):
                    opt = a.split("=")[0]
                    check(re.search(re.escape(opt) + r"\b", help_text) is not None,
                          f"{name}: orchestrator {opt}: not in orchestrator --help")
    return seen


def github(path, help_text, source):
    doc = yaml.safe_load(path.read_text())
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
    check(isinstance(on, dict), f"{path.name}: no on: triggers")
    for trigger in ("push", "pull_request", "workflow_dispatch"):
        check(trigger in (on or {}), f"{path.name}: not run on {trigger}")
    jobs = doc.get("jobs", {})
    check({"gate", "graphs"} <= set(jobs), f"{path.name}: jobs gate and graphs expected")
    gate = "\n".join(scripts_of(jobs.get("gate", {})))
    check("regress.plan" in gate and "orchestrator compare" in gate,
          f"{path.name}: the gate runs regress.plan and compare")
    check("graphs.plan" in "\n".join(scripts_of(jobs.get("graphs", {}))),
          f"{path.name}: the graphs job runs graphs.plan")
    check("workflow_dispatch" in str(jobs.get("graphs", {}).get("if", "")),
          f"{path.name}: graphs runs by hand only")
    uploads = [s for s in jobs.get("gate", {}).get("steps", [])
               if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    kept = "\n".join(str(s.get("with", {}).get("path", "")) for s in uploads)
    for f in ("junit.xml", "summary.md", "report.html", "runs.jsonl"):
        check(f in kept, f"{path.name}: the gate does not keep {f}")
    return check_commands(path.name, scripts_of(doc), help_text, source)


def gitlab(path, help_text, source):
    doc = yaml.safe_load(path.read_text())
    for job in ("tracebench-gate", "tracebench-compare", "tracebench-graphs"):
        check(job in doc, f"{path.name}: no job {job}")
    gate = doc.get("tracebench-gate", {})
    check(gate.get("artifacts", {}).get("reports", {}).get("junit", "").endswith("junit.xml"),
          f"{path.name}: the gate does not report junit.xml")
    check(any(r.get("when") == "manual" for r in doc.get("tracebench-graphs", {}).get("rules", [])),
          f"{path.name}: graphs runs by hand only")
    check(any("merge_request_event" in str(r.get("if", ""))
              for r in doc.get("tracebench-compare", {}).get("rules", [])),
          f"{path.name}: compare runs on merge requests")
    return check_commands(path.name, scripts_of(doc), help_text, source)


def main():
    orchestrator, source = sys.argv[1], Path(sys.argv[2])
    help_text = subprocess.run([orchestrator, "--help"], capture_output=True, text=True).stdout
    check("compare BASE_DIR NEW_DIR" in help_text, "orchestrator --help says nothing of compare")
    n = github(source / "contrib/ci/github-actions.yml", help_text, source)
    n += gitlab(source / "contrib/ci/gitlab-ci.yml", help_text, source)
    check(n >= 6, f"only {n} orchestrator commands found in the CI files")
    for f in failures:
        print("FAIL:", f)
    print(f"{n} orchestrator commands checked, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
