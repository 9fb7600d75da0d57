"""A whole test run has a time budget; over it, the run prints where every pytest process is and stops.

pytest-timeout ends a test that hangs (300 s, pyproject.toml). It cannot see a hang outside any test: an xdist
scheduler that hands no more work out after a crashed worker was replaced, a worker that does not exit. One such
stall ran a CI job into its 90-minute limit with no word of where it stood. Over ``WEBSTACK_TEST_BUDGET`` seconds
(default 1500; ``make test`` takes ~3 minutes on 2 cores), the controller

- says so on stderr, with the budget's variable name;
- prints the Python stack of every thread of itself and of every xdist worker: each worker registered a
  ``faulthandler`` dump on SIGUSR1 into a file of its own (fd-level capture owns a worker's stderr during a test),
  which the controller copies out;
- stops the run with SIGTERM, which ``tests/term_teardown.py`` turns into an interrupt that tears the servers down;
  if the run is still there two minutes later, it exits at once (status 3).
"""

from __future__ import annotations

import faulthandler
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from tests import procfs

BUDGET_ENV = "WEBSTACK_TEST_BUDGET"
DEFAULT_BUDGET = 1500.0
STACKS_ENV = "WEBSTACK_TEST_STACKS_DIR"  # set by the controller, inherited by its xdist workers
DUMP_WAIT = 3.0
STOP_GRACE = 120.0

_stack_file: IO[str] | None = None  # a worker's SIGUSR1 dump target, kept open for the process's life
_timer: threading.Timer | None = None
_stderr = 2  # the controller's real stderr, duplicated while capture is suspended (pytest_configure)
_finished = threading.Event()  # the run ended normally: an expiry racing it does nothing
_dir_key = pytest.StashKey[Path]()


def budget() -> float:
    raw = os.environ.get(BUDGET_ENV, "")
    try:
        value = float(raw) if raw else DEFAULT_BUDGET
    except ValueError:
        raise pytest.UsageError(f"{BUDGET_ENV}={raw!r}: give the test run's budget in seconds (e.g. 1500)") from None
    if value <= 0:
        raise pytest.UsageError(f"{BUDGET_ENV}={raw!r}: the budget must be a positive number of seconds")
    return value


def _write(text: str) -> None:
    data = text.encode(errors="replace")
    try:
        while data:
            data = data[os.write(_stderr, data):]
    except OSError:  # the run ended meanwhile and closed it
        pass


def _over_budget(seconds: float, stacks_dir: Path | None) -> None:
    if _finished.is_set():
        return
    _write(f"\n{'!' * 30} test run over its budget {'!' * 30}\n"
           f"The run has taken more than {seconds:.0f} s ({BUDGET_ENV}); a test that hangs is ended by pytest-timeout, "
           f"so something hangs outside any one test (the xdist scheduler, a worker that does not exit). The stacks "
           f"of every pytest process follow; then the run is stopped.\n")
    # Only workers that registered their dump (its file exists): SIGUSR1's default action would kill anything else.
    workers = [] if stacks_dir is None else \
        [pid for pid in procfs.children(os.getpid()) if (stacks_dir / f"{pid}.txt").exists()]
    for pid in workers:
        try:
            os.kill(pid, signal.SIGUSR1)
        except OSError:
            pass
    _write(f"--- controller (pid {os.getpid()}) ---\n")
    faulthandler.dump_traceback(file=_stderr, all_threads=True)
    time.sleep(DUMP_WAIT)
    for pid in workers:
        try:
            text = (stacks_dir / f"{pid}.txt").read_text(errors="replace")  # workers is empty without a dir
        except OSError:
            text = "(no stack: it did not answer)\n"
        _write(f"--- child process {pid} ---\n{text}")
    if _finished.is_set():
        return
    killer = threading.Timer(STOP_GRACE, os._exit, args=(3,))
    killer.daemon = True
    killer.start()
    os.kill(os.getpid(), signal.SIGTERM)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    global _stack_file, _timer, _stderr
    if threading.current_thread() is not threading.main_thread():
        return
    if hasattr(config, "workerinput"):  # an xdist worker: answer SIGUSR1 with its stacks, into its own file
        stacks_dir = os.environ.get(STACKS_ENV)
        if stacks_dir and Path(stacks_dir).is_dir():
            _stack_file = open(Path(stacks_dir) / f"{os.getpid()}.txt", "w")
            faulthandler.register(signal.SIGUSR1, file=_stack_file, all_threads=True)
        return
    seconds = budget()
    _finished.clear()
    _stderr = os.dup(2)  # capture is suspended during pytest_configure: this is the terminal's (or CI log's) stderr
    stacks_dir = None
    if getattr(config.option, "numprocesses", None):
        stacks_dir = Path(tempfile.mkdtemp(prefix="webstack-test-stacks-"))
        os.environ[STACKS_ENV] = str(stacks_dir)
        config.stash[_dir_key] = stacks_dir
    # Without xdist workers pytest-timeout's own dump covers a hung test, but a hang outside one can still happen
    # (a session fixture's teardown): the budget holds, with the controller's stacks only.
    _timer = threading.Timer(seconds, _over_budget, args=(seconds, stacks_dir))
    _timer.daemon = True
    _timer.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _timer, _stderr
    _finished.set()
    if _timer is not None:
        _timer.cancel()
        _timer = None
    if _stderr != 2:
        os.close(_stderr)
        _stderr = 2
    os.environ.pop(STACKS_ENV, None)
    stacks_dir = config.stash.get(_dir_key, None)
    if stacks_dir is not None:
        shutil.rmtree(stacks_dir, ignore_errors=True)
