"""Shared test helpers: the repo root and running the stackcheck CLI in-process. Tests need nothing outside the repo."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

pytest_plugins = ["tests.ci_no_skips", "tests.term_teardown", "tests.run_budget"]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Run `python -m stackcheck ARGV` in-process; return (exit code, stdout, stderr)."""
    from stackcheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def cli() -> Callable[[list[str]], tuple[int, str, str]]:
    return run_cli


def files_output(result: Any) -> dict[str, str]:
    """A run's rendered files: its ``files`` stack output (a map of path -> text), which is all stackcheck ``--out``
    and ``__main__.py`` write. Fails unless the map and every entry are known, non-secret text (as they must be)."""
    from stackcheck.wire import redact, secret_paths, unwrap

    raw = result.outputs.get("files")
    assert raw is not None, "the program exports no 'files' stack output"
    assert secret_paths(raw) == [], "rendered files must never be secret"
    files = unwrap(raw)
    assert isinstance(files, dict) and redact(raw) == files, "the 'files' stack output must be known"
    assert all(isinstance(text, str) for text in files.values())
    return dict(files)


# The robustness suite's counts line (tests/robustness/tally.py), summed over xdist workers.
sys.path.insert(0, str(REPO / "tests" / "robustness"))
from tally import pytest_sessionfinish, pytest_testnodedown  # noqa: E402, F401
from tally import pytest_terminal_summary as robustness_summary  # noqa: E402


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the foreign-stack corpus figures (tests/foreign) in every run that included it, xdist or not: the test
    stores its report as a user property, which travels from the worker with the test report. Then the robustness
    suite's counts (tests/robustness), when it ran."""
    for reports in terminalreporter.stats.values():
        for rep in reports:
            for key, value in getattr(rep, "user_properties", ()) or ():
                if key == "policy_corpus" and getattr(rep, "when", "call") == "call":
                    terminalreporter.section("policy corpus (tests/foreign)")
                    terminalreporter.write_line(str(value))
    robustness_summary(terminalreporter)
