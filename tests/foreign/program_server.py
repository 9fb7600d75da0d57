"""Fork server for the foreign-stack corpus: import the Pulumi SDK and the provider SDKs once, then fork a child per
case that runs the case's program through stackcheck's engine (``stackcheck.engine.run_program``, the code path
of ``stackcheck preview``) and writes what it registered to a JSON file.

Why: ``import pulumi_cloudflare`` alone costs ~2 s; a fresh interpreter per case would spend most of the corpus's
time importing. A forked child starts with everything imported (copy-on-write) and its own clean Pulumi runtime
state, so cases cannot leak into each other (module-level settings, the root Stack, ``sys.modules`` entries of a
case's own helper packages).

Protocol, JSON lines. stdin: ``{"id", "dir", "stack", "out", "mode": "program" | "cli"}``; one child per request,
at most ``--jobs`` at a time. stdout: ``{"ready": true}`` once imported, then ``{"id", "exit"}`` when a child ends
(its result is in ``out``). EOF on stdin: wait for the children, exit.
"""

from __future__ import annotations

import gc
import io
import json
import os
import select
import signal
import sys
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import asdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PRELOAD = ("pulumi", "pulumi.dynamic", "pulumi_cloudflare", "pulumi_docker", "pulumiverse_vercel", "pulumi_tls",
           "yaml", "stackcheck.engine", "stackcheck.cli")


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    gc.collect()
    gc.freeze()  # keep the imported objects out of the children's collections (and their pages shared)


def _run_program(request: dict[str, Any]) -> dict[str, Any]:
    from stackcheck.engine import ProgramError, UsageError, run_program

    started = time.perf_counter()
    try:
        result, _engine = run_program(Path(request["dir"]), request["stack"],
                                      dry_run=bool(request.get("dry_run", True)))
    except ProgramError as exc:
        original = exc.original
        return {"error": f"the program raised {type(original).__name__}: {original}",
                "kind": "program", "seconds": time.perf_counter() - started}
    except UsageError as exc:
        return {"error": f"stackcheck usage error: {exc}", "kind": "usage", "seconds": time.perf_counter() - started}
    return {
        "project": result.project,
        "stack": result.stack,
        "resources": [asdict(r) for r in result.resources],
        "seconds": time.perf_counter() - started,
    }


def _run_cli(request: dict[str, Any]) -> dict[str, Any]:
    """The whole `stackcheck preview --format json` (its own pack process), for cross-checking the fast path."""
    from stackcheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(["preview", "--stack", request["stack"], "--cwd", request["dir"], "--format", "json",
                         "--policy-pack", str(REPO / "policy")])
        except SystemExit as exc:
            code = int(exc.code or 0)
    doc: dict[str, Any] = {"exit": code, "stderr": err.getvalue()[-2000:], "seconds": time.perf_counter() - started}
    try:
        doc["report"] = json.loads(out.getvalue())
    except json.JSONDecodeError:
        doc["stdout"] = out.getvalue()[-2000:]
    return doc


CASE_TIMEOUT_S = int(os.environ.get("CORPUS_CASE_TIMEOUT", "120"))


def _child(request: dict[str, Any]) -> None:
    """In the forked child: run, write the result file, leave without running the parent's exit handlers.
    A program that hangs is killed by SIGALRM after CASE_TIMEOUT_S (the case then has no verdict)."""
    signal.alarm(CASE_TIMEOUT_S)
    code = 0
    try:
        sink = io.StringIO()  # a program's own prints must not reach the server's protocol stream
        with redirect_stdout(sink):
            doc = _run_cli(request) if request.get("mode") == "cli" else _run_program(request)
        doc["printed"] = sink.getvalue()[-2000:]
    except BaseException as exc:  # an engine crash is a result to report
        doc = {"error": f"stackcheck crashed: {type(exc).__name__}: {exc}", "kind": "crash",
               "traceback": traceback.format_exc()[-4000:]}
        code = 3
    try:
        Path(request["out"]).write_text(json.dumps(doc, default=str))
    except BaseException:  # the result file could not be written: the exit code says so
        code = 4
    sys.stdout.flush()
    os._exit(code)


def serve(jobs: int) -> int:
    _preload()
    print(json.dumps({"ready": True}), flush=True)
    running: dict[int, Any] = {}
    pending: list[dict[str, Any]] = []
    stdin_open = True
    buffer = b""
    fd = sys.stdin.fileno()
    while stdin_open or pending or running:
        while pending and len(running) < jobs:
            request = pending.pop(0)
            pid = os.fork()
            if pid == 0:
                _child(request)
            running[pid] = request["id"]
        if stdin_open:
            ready, _, _ = select.select([fd], [], [], 0.005 if running else None)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    stdin_open = False
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                pending.extend(json.loads(line) for line in lines if line.strip())
        elif running:
            time.sleep(0.002)
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            ident = running.pop(pid, None)
            if ident is not None:
                print(json.dumps({"id": ident, "exit": os.waitstatus_to_exitcode(status)}), flush=True)
    return 0


if __name__ == "__main__":
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    sys.exit(serve(int(sys.argv[1]) if len(sys.argv) > 1 else 2))
