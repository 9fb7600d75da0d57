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

import fcntl
import json
import os
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from harness import REPO

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


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def _queued(fd: int) -> int:
    buf = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return int.from_bytes(buf, sys.byteorder)


def _wait(predicate, what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _stop_and_continue_when_blocked(proc: subprocess.Popen[bytes]) -> None:
    """SIGSTOP the writer once it sleeps on a full pipe, then SIGCONT it once stopped."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    _wait(lambda: _queued(fd) >= 65536 and _state(proc.pid) == "S", "the writer to block on the full pipe")
    os.kill(proc.pid, signal.SIGSTOP)
    _wait(lambda: _state(proc.pid) == "T", "the writer to stop")
    os.kill(proc.pid, signal.SIGCONT)


def _run_writer(argv: list[str], *, cwd: Path = REPO) -> tuple[bytes, int]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        _stop_and_continue_when_blocked(proc)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return out, proc.returncode


def test_the_referee_cuts_a_plain_unbuffered_write() -> None:
    out, code = _run_writer([sys.executable, "-c", WRITER, "plain"])
    assert code == 0
    assert len(out) < len(("é" * (PAYLOAD_CHARS // 2)).encode()) + PAYLOAD_CHARS // 2 + 1, \
        "a stopped and continued unbuffered write was not cut short: this referee proves nothing here"


def test_write_stdout_delivers_every_byte() -> None:
    out, code = _run_writer([sys.executable, "-c", WRITER, "whole"])
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
    out, code = _run_writer([sys.executable, "-m", "stackcheck", "preview", "--stack", "dev", "--cwd",
                             str(tmp_path), "--no-policy", "--format", "json"])
    assert code == 0
    report = json.loads(out)
    assert sum(1 for r in report["resources"] if r["type"] == "test:index:Thing") == 300
