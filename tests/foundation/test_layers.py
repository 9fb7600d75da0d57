"""The layer contracts in pyproject.toml (import-linter, run by `make lint`) hold, and they bite: an upward import
planted in a copy of the repo breaks them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    assert LINT_IMPORTS.exists(), "import-linter is missing: pip install -r requirements-dev.txt (make test does)"
    env = {**os.environ, "PYTHONPATH": str(root / "policy")}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_repo_keeps_every_contract() -> None:
    proc = lint_imports(REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_an_upward_import_and_a_cycle_are_caught(tmp_path: Path) -> None:
    for package in ("components", "stackcheck", "tools", "policy/webstack_policy"):
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    base = tmp_path / "components" / "config" / "base.py"
    base.write_text(base.read_text() + "\nfrom components.render import nginx as _upward  # noqa\n")
    pack = tmp_path / "policy" / "webstack_policy" / "core.py"
    pack.write_text(pack.read_text() + "\nimport stackcheck.model as _repo  # noqa\n")
    proc = lint_imports(tmp_path)
    assert proc.returncode == 1
    out = " ".join(proc.stdout.split())
    assert "Library layers: components on top, then render, standard, config" in out and "BROKEN" in out
    assert "components.config.base -> components.render.nginx" in out
    assert "webstack_policy.core -> stackcheck.model" in out
    assert "No cycles are allowed in components" in out  # render -> standard -> config -> render
