"""SIGTERM ends a test run the way Ctrl-C does, so session fixtures are torn down.

`timeout`, CI runners and process supervisors stop a run with SIGTERM. Python's default action for it is to die on
the spot: no ``finally``, no fixture teardown — and servers that daemonise (PostgreSQL through ``pg_ctl``) outlive
the run. Raising KeyboardInterrupt instead lets pytest run every finaliser (pg_ctl stop, dockerd and nginx
process-group kills) before it exits. A second SIGTERM during the teardown falls back to the default action.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

import pytest


def _interrupt(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise KeyboardInterrupt(f"signal {signum} (SIGTERM): stopping the run and tearing down its servers")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Only the main thread may install handlers; leave a handler someone else installed alone.
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
