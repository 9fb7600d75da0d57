"""Run a command whose stdout is a real pipe, and stop and continue it while it is blocked writing to that pipe.

A blocking write of more than a pipe's 64 KB to a full pipe returns early, with the count written so far, when a
signal arrives (SIGSTOP then SIGCONT: what Ctrl-Z and ``fg``, a debugger or a profiler attaching do). Under
``PYTHONUNBUFFERED=1`` a plain ``sys.stdout.write`` then drops the rest. The writer is stopped only once it sleeps on
the full pipe (64 KB queued), so the cut is certain, not a race. Used by tests/robustness/test_partial_writes.py
and by the tests of each command that prints a report.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

from tests import procfs

REPO = Path(__file__).resolve().parent.parent


def _queued(fd: int) -> int:
    buf = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return int.from_bytes(buf, sys.byteorder)


def _wait(predicate: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _stop_and_continue_when_blocked(proc: subprocess.Popen[bytes]) -> None:
    """SIGSTOP the writer once it sleeps on a full pipe, then SIGCONT it once stopped."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    _wait(lambda: _queued(fd) >= 65536 and procfs.state(proc.pid) == "S", "the writer to block on the full pipe")
    os.kill(proc.pid, signal.SIGSTOP)
    _wait(lambda: procfs.state(proc.pid) == "T", "the writer to stop")
    os.kill(proc.pid, signal.SIGCONT)


def run_stopped_writer(argv: list[str], *, cwd: Path = REPO) -> tuple[bytes, int]:
    """Run ``argv`` under ``PYTHONUNBUFFERED=1``, stopped and continued once blocked on its full stdout pipe (it must
    print more than 64 KB); return everything it printed and its exit code."""
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
