"""The robustness suite's counts, summed over xdist workers and printed in the terminal summary of every run:

    robustness: 620 cases, 0 tracebacks, 0 leaked processes, 0 malformed artifacts, 0 wrong exit codes,
    0 secret fragments (slowest case 2.31 s: signals/preview-sigterm)

Each case records what it observed; the tests also assert on it, so a non-zero count is also a failing test.
The hooks are re-exported by tests/conftest.py (the controller of an xdist run only loads that conftest).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

COUNTERS = ("cases", "tracebacks", "leaked processes", "malformed artifacts", "wrong exit codes", "secret fragments")


class Tally:
    def __init__(self) -> None:
        self.counts = dict.fromkeys(COUNTERS, 0)
        self.slowest: tuple[float, str] = (0.0, "")

    def add(self, counter: str, n: int = 1) -> None:
        self.counts[counter] += n

    @contextmanager
    def case(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.counts["cases"] += 1
            if elapsed > self.slowest[0]:
                self.slowest = (elapsed, name)

    def as_dict(self) -> dict[str, Any]:
        return {"counts": self.counts, "slowest": list(self.slowest)}

    def merge(self, data: dict[str, Any]) -> None:
        for key, value in data["counts"].items():
            self.counts[key] = self.counts.get(key, 0) + int(value)
        seconds, name = data["slowest"]
        if seconds > self.slowest[0]:
            self.slowest = (float(seconds), str(name))

    def line(self) -> str:
        c = self.counts
        parts = [f"{c['cases']} cases"] + [f"{c[k]} {k}" for k in COUNTERS[1:]]
        return "robustness: " + ", ".join(parts) + (
            f" (slowest case {self.slowest[0]:.2f} s: {self.slowest[1]})" if self.slowest[1] else "")


TALLY = Tally()
_WORKER_KEY = "robustness_tally"


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the counts to the controller
        workeroutput[_WORKER_KEY] = json.dumps(TALLY.as_dict())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    data = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if data:
        TALLY.merge(json.loads(data))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TALLY.counts["cases"]:
        terminalreporter.write_sep("-", "robustness")
        terminalreporter.write_line(TALLY.line())
