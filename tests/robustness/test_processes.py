"""Whole processes, where the process is the point: no helper outlives stackcheck, on any exit path.

20 real `python -m stackcheck preview` runs with the policy pack, two at a time into the same --out: completed,
failed on bad config, interrupted with SIGINT and SIGTERM at varying points, and one SIGKILLed (only
PR_SET_PDEATHSIG can clean up after that). Every process started on behalf of these runs carries a marker in its
environment; the test counts marked processes in /proc before and after.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from harness import REPO
from tally import TALLY

from tests import procfs

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")

MARKER_VAR = "STACKCHECK_ROBUSTNESS_MARKER"


def marked_processes(marker: str) -> list[int]:
    needle = f"{MARKER_VAR}={marker}".encode()
    return [p.pid for p in procfs.processes() if needle in p.environ()]


def _settle(marker: str, seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while True:
        left = marked_processes(marker)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def _start(marker: str, out: Path, extra: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, MARKER_VAR: marker, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "stackcheck", "preview", "--stack", "prod", "--out", str(out),
                             *extra], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def _check_out(out: Path) -> list[str]:
    """The --out dir is complete: reports parse, every listed artifact exists, nothing half-written beside it."""
    problems = []
    if not out.exists():
        return problems
    try:
        report = json.loads((out / "report.json").read_text())
        missing = [a for a in report["artifacts"] if not (out / a).is_file()]
        if missing:
            problems.append(f"artifacts listed but missing: {missing[:3]}")
        json.loads((out / "report.sarif").read_text())
    except (OSError, ValueError, KeyError) as exc:
        problems.append(f"report unreadable: {exc}")
    leftovers = [p.name for p in out.parent.iterdir() if ".stackcheck-" in p.name or ".previous-" in p.name]
    if leftovers:
        problems.append(f"staging dirs left: {leftovers}")
    return problems


def test_no_process_outlives_20_runs_including_interrupted_ones(tmp_path: Path) -> None:
    marker = uuid.uuid4().hex
    assert marked_processes(marker) == []
    rng = random.Random(14)
    plans = (["complete"] * 6 + ["bad-config"] * 4 + ["sigint"] * 4 + ["sigterm"] * 4 + ["complete"] * 2)
    out = tmp_path / "out"
    wrong: list[str] = []
    for pair in range(10):
        procs = []
        for plan in plans[2 * pair: 2 * pair + 2]:
            extra = ["-c", "webstack:domain=not a domain"] if plan == "bad-config" else []
            procs.append((plan, _start(marker, out, extra), time.monotonic()))
        for plan, proc, started in procs:
            if plan in ("sigint", "sigterm"):
                time.sleep(max(0.0, rng.uniform(0.3, 2.5) - (time.monotonic() - started)))
                proc.send_signal(signal.SIGINT if plan == "sigint" else signal.SIGTERM)
        for plan, proc, _started in procs:
            with TALLY.case(f"processes/{plan}"):
                _, err = proc.communicate(timeout=240)
            expected = {"complete": {0, 1}, "bad-config": {2}, "sigint": {130, 0, 1},
                        "sigterm": {130, 0, 1}}[plan]
            if proc.returncode not in expected:
                TALLY.add("wrong exit codes")
                wrong.append(f"{plan}: exit {proc.returncode}: {err[-500:]}")
            if "Traceback" in err:
                TALLY.add("tracebacks")
                wrong.append(f"{plan}: traceback: {err[-1500:]}")
        left = marked_processes(marker)
        if left:
            TALLY.add("leaked processes", len(left))
            wrong.append(f"after pair {pair}: {len(left)} process(es) left: {left}")
        malformed = _check_out(out)
        if malformed:
            TALLY.add("malformed artifacts", len(malformed))
            wrong.extend(malformed)
    assert not wrong, "\n".join(wrong)
    assert _settle(marker) == []


def test_helpers_die_with_a_killed_stackcheck(tmp_path: Path) -> None:
    """SIGKILL leaves no exit path to run: the proxy and the pack must still go (PR_SET_PDEATHSIG)."""
    marker = uuid.uuid4().hex
    proc = _start(marker, tmp_path / "out", [])
    deadline = time.monotonic() + 60
    while len(marked_processes(marker)) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)  # stackcheck, the proxy and the pack are up
    with TALLY.case("processes/sigkill"):
        proc.kill()
        proc.wait()
        left = _settle(marker, 10.0)
    TALLY.add("leaked processes", len(left))
    assert not left, f"{len(left)} helper process(es) outlived a SIGKILLed stackcheck"
    assert not (tmp_path / "out").exists(), "a killed run must not leave a partial --out"
