"""A skip under CI is a failure (tests/ci_no_skips.py); locally it stays a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

SAMPLE = '''
import pytest

def test_needs_a_server():
    pytest.skip("PostgreSQL is not installed")

@pytest.mark.xfail(reason="known")
def test_known_failure():
    assert False

def test_plain():
    pass
'''


def run(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    env = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": "true"} if ci else {})
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.ci_no_skips",
                           "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path / "test_sample.py")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_a_skip_fails_under_ci(tmp_path: Path) -> None:
    proc = run(tmp_path, ci=True)
    assert proc.returncode == 1, proc.stdout
    assert "1 failed, 1 passed, 1 xfailed" in proc.stdout
    assert "skipped under CI" in proc.stdout and "PostgreSQL is not installed" in proc.stdout


def test_a_skip_stays_a_skip_locally(tmp_path: Path) -> None:
    proc = run(tmp_path, ci=False)
    assert proc.returncode == 0, proc.stdout
    assert "1 passed, 1 skipped, 1 xfailed" in proc.stdout
