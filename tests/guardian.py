"""Servers a test process starts are stopped even when that process dies without running its teardown.

pytest-timeout ends a hung test's xdist worker with ``os._exit``; an out-of-memory kill or SIGKILL gives no warning
either. No ``finally`` runs then, and the worker's servers live on: a dockerd of a worker killed this way was found
running twenty minutes after its run had ended. Each test process that starts a server therefore starts one
guardian first: a small process in a session of its own that holds the read end of a pipe only the test process
can write. The test process tells it which process groups to kill or which commands to run should it die; a
fixture that stops its server itself withdraws the request. When the pipe reaches end-of-file — the test process
is gone, however it went — the guardian carries out what is still requested (last registered first, as teardowns
run) and exits. A clean run withdraws everything, so its guardian just exits with it.

Run as a script, this file is the guardian.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import IO, Any

GRACE = 10.0
"""Seconds a process group gets between SIGTERM and SIGKILL (dockerd stops its containers and containerd)."""

_lock = threading.Lock()
_state: dict[str, Any] = {"pid": None, "pipe": None, "proc": None}
_ids = itertools.count(1)


def _pipe() -> IO[str]:
    """This process's guardian, started on first use (a forked child starts its own)."""
    if _state["pid"] != os.getpid() or _state["pipe"] is None:
        proc = subprocess.Popen([sys.executable, os.path.abspath(__file__)], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
                                start_new_session=True)
        assert proc.stdin is not None
        _state.update(pid=os.getpid(), pipe=proc.stdin, proc=proc)
    pipe: IO[str] = _state["pipe"]
    return pipe


def _send(message: dict[str, Any]) -> None:
    """Best effort: a guardian that is gone (killed by the OOM killer, say) must not fail the fixture using it."""
    with _lock:
        try:
            pipe = _pipe()
            pipe.write(json.dumps(message) + "\n")
            pipe.flush()
        except OSError as exc:
            _state["pipe"] = None
            print(f"tests/guardian.py: cannot reach the guardian ({exc}); servers may outlive a crash",
                  file=sys.stderr)


def _start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat (start time in clock ticks since boot): with the pid, it names one process."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def watch_group(pgid: int, grace: float = GRACE) -> int:
    """Should this process die, SIGTERM process group ``pgid`` (SIGKILL after ``grace`` s); ``pgid`` is the pid of
    the group's leader, just started. Returns a token."""
    token = next(_ids)
    _send({"op": "add", "id": token, "group": pgid, "grace": grace, "leader_start": _start_time(pgid)})
    return token


def watch_command(argv: list[str]) -> int:
    """Should this process die, run ``argv`` (60 s at most). Returns a token."""
    token = next(_ids)
    _send({"op": "add", "id": token, "command": list(argv)})
    return token


def watch_directory(path: str | os.PathLike[str]) -> int:
    """Should this process die, clear a server's scratch directory: kill what still names it on its command line
    (containerd and its shims outlive a dockerd killed outright), lazily unmount what is mounted under it, delete it.
    Register it before the server's own request: requests are carried out last registered first."""
    token = next(_ids)
    _send({"op": "add", "id": token, "directory": os.fspath(path)})
    return token


def release(token: int) -> None:
    """Withdraw a request: the fixture stopped its server itself."""
    _send({"op": "del", "id": token})


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _end_group(pgid: int, grace: float, leader_start: str | None) -> None:
    # A request left standing after its group ended (a teardown that raised before withdrawing it) must not hit a
    # new group that reuses the number: while any process of the original group lives, its leader's pid cannot be
    # reused; a live process with that pid and another start time means the original group is gone.
    now = _start_time(pgid)
    if leader_start is not None and now is not None and now != leader_start:
        return
    try:
        os.killpg(pgid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _group_alive(pgid):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def unmount_under(path: str) -> None:
    """Lazily unmount everything mounted under ``path`` (deepest first): what dockerd leaves in its directories."""
    try:
        with open("/proc/self/mountinfo") as mountinfo:
            points = [line.split()[4] for line in mountinfo if len(line.split()) > 4]
    except OSError:
        return
    for point in sorted((p for p in points if p.startswith(path + "/")), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30, check=False)


def clear_directory(path: str) -> None:
    """Kill what names ``path`` on its command line, unmount what is mounted under it, delete it."""
    marker = path.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if marker in cmdline.read():
                    os.kill(int(entry), signal.SIGKILL)
        except OSError:
            continue
    unmount_under(path)
    shutil.rmtree(path, ignore_errors=True)


def guard(lines: IO[str]) -> None:
    """Collect requests until end-of-file, then carry out what is left, last registered first."""
    pending: dict[int, dict[str, Any]] = {}
    for line in lines:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if message.get("op") == "add":
            pending[int(message["id"])] = message
        elif message.get("op") == "del":
            pending.pop(int(message["id"]), None)
    for message in reversed(list(pending.values())):
        if "group" in message:
            _end_group(int(message["group"]), float(message.get("grace", GRACE)), message.get("leader_start"))
        elif "directory" in message:
            clear_directory(str(message["directory"]))
        elif "command" in message:
            try:
                subprocess.run(message["command"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=60, check=False)
            except (OSError, subprocess.SubprocessError):
                pass


if __name__ == "__main__":
    guard(sys.stdin)
