"""Running stackcheck as a hostile user would, and judging each outcome against the contract.

In-process (the CLI entry point as a function with captured streams) wherever the process is not the point: one
case costs a few milliseconds when the config is refused, a program run otherwise. Whole processes only for
signals, leaks and concurrency (see test_processes.py).
"""

from __future__ import annotations

import io
import os
import shutil
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

from tally import TALLY

REPO = Path(__file__).resolve().parents[2]
STACKS = ("prod", "selfhosted", "netlify")
CONTRACT_CODES = {0, 1, 2, 3, 130}
MAX_STDERR = 16 * 1024
"""An error report longer than this is unbounded (one problem per line, at most 25 problems, each ≤ 600 chars)."""


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    problems: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.out + self.err


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``stackcheck ARGV`` in-process; ``["webstack-audit-db", ...]`` runs the library's audit command instead."""
    if argv[:1] == ["webstack-audit-db"]:
        from components.supabase.audit import main

        argv = argv[1:]
    else:
        from stackcheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # must not happen: main() returns every code
            code = -1 if exc.code is None else int(exc.code) if isinstance(exc.code, int) else -1
    return code, out.getvalue(), err.getvalue()


def judge(name: str, argv: list[str], *, allowed: set[int], secrets: tuple[str, ...] = (),
          must_name: tuple[str, ...] = ()) -> Outcome:
    """Run one case and count what is wrong with it: a traceback, an exit code outside ``allowed``, a secret
    fragment in any output, an unbounded or anonymous error (exit 2 must say what to fix)."""
    with TALLY.case(name):
        code, out, err = run_cli(argv)
    outcome = Outcome(code, out, err)
    if "Traceback (most recent call last)" in out + err and "--debug" not in argv:
        TALLY.add("tracebacks")
        outcome.problems.append("traceback")
    if code not in allowed or code not in CONTRACT_CODES:
        TALLY.add("wrong exit codes")
        outcome.problems.append(f"exit {code} not in {sorted(allowed)}")
    leaked = [s for s in secrets if s and s in out + err]
    if leaked:
        TALLY.add("secret fragments", len(leaked))
        outcome.problems.append(f"secret fragment(s) printed: {len(leaked)}")
    if len(err) > MAX_STDERR:
        outcome.problems.append(f"stderr of {len(err)} characters (unbounded error)")
    if code == 2 and not err.strip():
        outcome.problems.append("exit 2 without a message")
    for needle in must_name:
        if needle not in err:
            outcome.problems.append(f"the error does not name {needle!r}")
    return outcome


def scratch_project(base: Path, stack: str, stack_text: str | bytes, *, policy: bool = False) -> Path:
    """A project dir whose Pulumi.yaml runs the repo's program (``main`` is absolute) with ``stack_text`` as its
    stack file; with ``policy`` the repo's pack is linked in as ./policy."""
    base.mkdir(parents=True, exist_ok=True)
    project = (REPO / "Pulumi.yaml").read_text(encoding="utf-8").replace("main: .", f"main: {REPO}")
    (base / "Pulumi.yaml").write_text(project, encoding="utf-8")
    path = base / f"Pulumi.{stack}.yaml"
    if isinstance(stack_text, bytes):
        path.write_bytes(stack_text)
    else:
        path.write_text(stack_text, encoding="utf-8")
    if policy and not (base / "policy").exists():
        os.symlink(REPO / "policy", base / "policy")
    return base


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
