"""What every stackcheck command promises its caller: exit codes, bounded error text, and no stray processes.

Exit codes (the same for every command):

* 0 — ok;
* 1 — a mandatory policy violation (or an audit ERROR): the verdict CI acts on;
* 2 — bad config or usage (the message names the key or option and what is expected);
* 3 — internal error (a bug: one line says where to report it; ``--debug`` prints the traceback);
* 130 — interrupted (Ctrl-C, SIGTERM, SIGHUP), after a clean stop.

Child processes (the policy proxy and the pack) run in their own process group, are ended together on every exit
path, and on Linux also die with their parent (``PR_SET_PDEATHSIG``) should stackcheck itself be killed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130

REPORT_BUG = ("this is a bug in stackcheck or the program it ran: please report it to the webstack maintainers "
              "(see 'Reporting a bug' in docs/stackcheck.md) with the output of the same command run with --debug")

MAX_ERROR_LINES = 25
"""At most this many problems are listed; the rest are counted (100,000 unknown keys must not print megabytes)."""
MAX_ERROR_CHARS = 400
"""One problem's text is cut to this many characters."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM/SIGHUP arrive as this (a KeyboardInterrupt), so every ``finally`` runs as it does for Ctrl-C."""


def key_value(text: str) -> tuple[str, str]:
    """argparse type for ``KEY=VALUE`` options (the value is never echoed: it may be a secret)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text.split('=')[0][:80]!r}=…")
    return key, value


def write_stdout(text: str) -> None:
    """Write ``text`` to stdout whole, even when a write is cut short.

    A blocking write of more than a pipe's buffer that a signal or a stop interrupts (Ctrl-Z and ``fg`` on
    ``stackcheck preview --format json | jq``, a profiler or debugger attaching) returns how much went through.
    Under ``python -u`` or ``PYTHONUNBUFFERED`` (set in many CI and container images) ``sys.stdout`` writes straight
    to the file descriptor and drops the rest without a word: a report truncated mid-JSON, or the policy proxy's
    messages cut (a py-spy run showed its 80 KB first message lose its last 7 KB). Here the bytes are written in a
    loop until every one went through."""
    stream = sys.stdout
    binary = getattr(stream, "buffer", None)
    if binary is None:  # a replaced stdout (StringIO, pytest capture): no file descriptor, no partial writes
        stream.write(text)
        stream.flush()
        return
    stream.flush()
    data = memoryview(text.encode(stream.encoding or "utf-8", stream.errors or "strict"))
    while data:
        written = binary.write(data)
        data = data[written or 0:]
    binary.flush()


MAX_JSON_BYTES = 200 * 1024 * 1024
MAX_JSON_DEPTH = 200


class InputFileError(ValueError):
    """An input file cannot be used; the message names the file and why."""


def read_json_file(path: Path, what: str) -> Any:
    """A JSON file given on the command line: a readable regular file, UTF-8, valid JSON, nested at most
    MAX_JSON_DEPTH levels (checked before parsing: 100k-deep input must not reach the parser's recursion)."""
    try:
        if path.is_dir():
            raise InputFileError(f"{what} {path}: is a directory, not a JSON file")
        with open(path, "rb") as fh:
            data = fh.read(MAX_JSON_BYTES + 1)
    except FileNotFoundError:
        raise InputFileError(f"{what} {path}: no such file") from None
    except OSError as exc:
        raise InputFileError(f"{what} {path}: cannot read ({exc.strerror})") from None
    if len(data) > MAX_JSON_BYTES:
        raise InputFileError(f"{what} {path}: larger than {MAX_JSON_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{what} {path}: not UTF-8 text (byte {exc.start})") from None
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:  # bracket depth outside strings
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    raise InputFileError(f"{what} {path}: nested more than {MAX_JSON_DEPTH} levels deep")
        elif ch in "]}":
            depth -= 1
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{what} {path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise InputFileError(f"{what} {path}: nested too deeply") from None


def usage_message(message: str) -> str:
    """argparse's message, bounded, without echoing stray arguments (a misplaced DSN or secret value)."""
    head, sep, rest = message.partition("unrecognized arguments: ")
    if sep:
        words = rest.split()
        options = [w for w in words if w.startswith("-") and "=" not in w and len(w) <= 60]
        hidden = len(words) - len(options)
        message = head + sep + " ".join(options) + (f" (and {hidden} value(s), not echoed)" if hidden else "")
    return message if len(message) <= 500 else message[:499] + "…"


def out_dir(text: str) -> str:
    """argparse type for ``--out``: an empty path would mean the current directory, which is never intended."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a directory (got an empty path)")
    if "\0" in text:
        raise argparse.ArgumentTypeError("must not contain a NUL character")
    return text


def bounded(lines: list[str], *, limit: int = MAX_ERROR_LINES, width: int = MAX_ERROR_CHARS) -> list[str]:
    """The first ``limit`` lines, each cut to ``width`` characters, plus a count of the rest."""
    shown = [line if len(line) <= width else line[: width - 1] + "…" for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"… and {len(lines) - limit} more problem(s) of the same kind")
    return shown


_received: list[int] = []
_held = 0  # depth of interrupts_held() blocks
_deferred: list[int] = []  # signals that arrived inside one


def was_interrupted() -> bool:
    """A signal arrived during the current command: whatever exception it turned into on the way up (a library
    may wrap it, e.g. pydantic-core reports an exception raised inside a validator as a SchemaError), the outcome
    is "interrupted"."""
    return bool(_received)


@contextlib.contextmanager
def interrupts_as_keyboard_interrupt() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` in the main thread while inside, and are remembered
    (:func:`was_interrupted`); the previous handlers are restored after."""
    _received.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        _received.append(signum)
        if _held:  # inside interrupts_held(): raised when the block ends
            _deferred.append(signum)
            return
        raise Interrupted(signal.Signals(signum).name)

    # A signal that lands while Python runs a __del__ or a weakref callback raises there, where an exception cannot
    # propagate: Python would print "Exception ignored in: …" with a traceback and carry on. Such an interrupt is
    # already remembered; say nothing and raise it again 20 ms later through SIGALRM (a kernel timer: no thread
    # is started from inside a finaliser, which could deadlock on a lock the interrupted code holds), so the main
    # thread meets it once it is back in ordinary code (raised at once, it would land inside this hook and be lost).
    previous_hook = sys.unraisablehook

    def unraisable(info: Any) -> None:
        if isinstance(info.exc_value, Interrupted) and _received:
            signal.setitimer(signal.ITIMER_REAL, 0.02)
            return
        previous_hook(info)

    def redeliver(signum: int, frame: Any) -> None:
        if _received and not _held:
            raise Interrupted(signal.Signals(_received[-1]).name)

    saved: dict[int, Any] = {}
    for sig in (int(signal.SIGINT), int(signal.SIGTERM), int(signal.SIGHUP)):
        try:
            saved[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):  # pragma: no cover - not the main thread / unsupported
            continue
    previous_alarm = signal.signal(signal.SIGALRM, redeliver)
    sys.unraisablehook = unraisable
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_alarm)
        for sig, previous in saved.items():
            signal.signal(sig, previous)



_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM}


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Steps that must not be cut in half (a rename pair, a CREATE DATABASE and the drop that undoes it) run to
    their end; an interrupt that arrives meanwhile is raised when the block ends.

    Two layers, because Python runs signal handlers in the main thread but the kernel may deliver a signal to any
    thread: the calling thread blocks SIGINT, SIGTERM, SIGHUP and SIGALRM (SIGALRM re-delivers an interrupt that
    landed in a finaliser, see :func:`interrupts_as_keyboard_interrupt`), and the handler installed by
    :func:`interrupts_as_keyboard_interrupt` defers a signal that another thread took. Outside that context
    manager Python's default SIGINT handler is not deferred: the mask still holds it for a single-threaded caller.
    An interrupt deferred while the block raised something else stays recorded (:func:`was_interrupted`). In a
    thread other than the main one there is nothing to hold: interrupts are raised in the main thread only."""
    global _held
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    _held += 1
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a pending signal's handler runs from here on
        _held -= 1
    if not _held and _deferred:
        signum = _deferred[-1]
        _deferred.clear()
        raise Interrupted(signal.Signals(signum).name)

# --------------------------------------------------------------------------------------------------------------------
# Child processes

PYTHONPATH_ENV = "STACKCHECK_USER_PYTHONPATH"
"""The user's own PYTHONPATH, kept by the policy proxy (which needs stackcheck's root on the path) for the pack."""

_DIE_WITH_PARENT = """\
import ctypes, os, runpy, signal, sys
if sys.platform.startswith("linux"):
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
if os.getppid() != int(sys.argv[1]):
    sys.exit("stackcheck: the parent process ended before this helper started")
module = sys.argv[2]
sys.argv = [module, *sys.argv[3:]]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""
"""Run as ``python -c`` before the module: the child asks Linux for SIGTERM when its parent dies
(``PR_SET_PDEATHSIG``), checks the parent did not already die, then runs the module as ``python -m`` would. Done in
the child rather than in a ``preexec_fn``, which is unsafe in a process with threads (gRPC's): it crashed there."""


def python_module_argv(python: str, module: str, args: list[str], *, unbuffered: bool = False) -> list[str]:
    """``python [-u] -m module args…``, with the parent-death prelude (see :data:`_DIE_WITH_PARENT`)."""
    return [python, *(["-u"] if unbuffered else []), "-c", _DIE_WITH_PARENT, str(os.getpid()), module, *args]


def popen_child(argv: list[str], *, new_group: bool, **kwargs: Any) -> subprocess.Popen[Any]:
    """Start a helper process; in its own process group when ``new_group`` (it then leads the group its own
    children join, and :func:`end_process_group` ends them all)."""
    return subprocess.Popen(argv, start_new_session=new_group, **kwargs)


def end_process_group(proc: subprocess.Popen[Any], *, grace: float = 5.0) -> None:
    """SIGTERM the group ``proc`` leads (``proc`` and every child it started), then SIGKILL what is left.

    Always reaps ``proc``. Safe to call twice and after the process ended.
    """
    def signal_group(sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)

    if proc.poll() is None:
        signal_group(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            signal_group(signal.SIGKILL)
            proc.wait()
    # The leader may be gone while a child it started lingers in the group: end those too.
    signal_group(signal.SIGKILL)


def end_process(proc: subprocess.Popen[Any], *, grace: float = 5.0) -> None:
    """SIGTERM one process, SIGKILL after ``grace`` seconds; reaps it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
