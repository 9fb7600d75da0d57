"""Output survives a write that a stop signal cuts short, on real processes and a real pipe.

A blocking write of more than a pipe's 64 KB to a full pipe returns early, with the count written so far, when a
signal arrives (here SIGSTOP then SIGCONT: what Ctrl-Z and ``fg``, a debugger or a profiler attaching do). With
``PYTHONUNBUFFERED=1`` — set on this machine, and in many CI and container images — ``sys.stdout`` writes straight
to the descriptor and drops the rest. Found when a ``py-spy record --subprocesses`` run of ``stackcheck preview``
ended in an internal error: the policy proxy's first message had lost its last 7 KB.

Each test stops the writer only once it is blocked on the full pipe (64 KB queued, process sleeping), so the cut is
certain, not a race. The first test shows the referee cuts plain ``sys.stdout.write`` (else the others prove
nothing).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from harness import REPO

from tests.stopped_writer import run_stopped_writer

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

PAYLOAD_CHARS = 300_000
WRITER = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from stackcheck.contract import write_stdout
payload = "é" * {PAYLOAD_CHARS // 2} + "x" * {PAYLOAD_CHARS // 2} + "\\n"
if sys.argv[1] == "plain":
    sys.stdout.write(payload)
    sys.stdout.flush()
else:
    write_stdout(payload)
"""


def test_the_referee_cuts_a_plain_unbuffered_write() -> None:
    out, code = run_stopped_writer([sys.executable, "-c", WRITER, "plain"])
    assert code == 0
    assert len(out) < len(("é" * (PAYLOAD_CHARS // 2)).encode()) + PAYLOAD_CHARS // 2 + 1, \
        "a stopped and continued unbuffered write was not cut short: this referee proves nothing here"


def test_write_stdout_delivers_every_byte() -> None:
    out, code = run_stopped_writer([sys.executable, "-c", WRITER, "whole"])
    assert code == 0
    assert out.decode("utf-8") == "é" * (PAYLOAD_CHARS // 2) + "x" * (PAYLOAD_CHARS // 2) + "\n"


def test_preview_report_survives_stop_and_continue(tmp_path: Path) -> None:
    """The whole CLI: a JSON report of ~300 resources (well over a pipe's buffer) piped out, the process stopped
    and continued mid-write, parses whole."""
    (tmp_path / "Pulumi.yaml").write_text("name: partial\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\n"
        "for i in range(300):\n"
        "    pulumi.CustomResource('test:index:Thing', f'thing-{i}', {'description': 'x' * 400, 'n': i})\n")
    out, code = run_stopped_writer([sys.executable, "-m", "stackcheck", "preview", "--stack", "dev", "--cwd",
                             str(tmp_path), "--no-policy", "--format", "json"])
    assert code == 0
    report = json.loads(out)
    assert sum(1 for r in report["resources"] if r["type"] == "test:index:Thing") == 300


def test_shipped_commands_print_reports_only_through_write_stdout() -> None:
    """Every command the distribution installs (stackcheck, webstack-audit-db, webstack-restore-drill) and the pack
    write stdout through stackcheck.contract.write_stdout: no plain sys.stdout.write, no print() to stdout.
    (print(..., file=sys.stderr) is fine: one short line, written whole.)"""
    import ast

    offenders = []
    for root in ("components", "stackcheck", "policy/webstack_policy"):
        for path in sorted((REPO / root).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = ast.unparse(node.func)
                stdout = ("sys.stdout", "sys.__stdout__")
                file = next((ast.unparse(k.value) for k in node.keywords if k.arg == "file"), None)
                printed = func == "print" and file in (None, *stdout)
                written = func.startswith(tuple(s + "." for s in stdout)) and func.endswith((".write", ".writelines"))
                handed = any(ast.unparse(arg) in stdout for arg in node.args)  # json.dump(doc, sys.stdout), …
                to_stdout = printed or written or handed
                if to_stdout and not (path.name == "contract.py" and path.parent.name == "stackcheck"):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: {func}(...)")
    assert offenders == []
