"""A run stopped with SIGTERM (timeout, CI cancel) still tears its servers down (tests/term_teardown.py).

Checked on a real pytest process: an inner suite whose session fixture records its teardown, stopped by SIGTERM
while a test is running. Without the plugin Python dies on the spot and the teardown never runs (that is how a
killed run used to leave PostgreSQL behind).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

INNER = '''
import time
from pathlib import Path
import pytest

@pytest.fixture(scope="session")
def server():
    Path("started").write_text("1")
    yield
    Path("torn-down").write_text("1")

def test_long(server):
    time.sleep(60)
'''


@pytest.mark.parametrize("plugin", [True, False], ids=["with-plugin", "without-plugin"])
def test_sigterm_runs_session_teardown(tmp_path: Path, plugin: bool) -> None:
    (tmp_path / "test_inner.py").write_text(INNER)
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "test_inner.py"]
    if plugin:
        args[3:3] = ["-p", "tests.term_teardown"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "the inner suite never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=60)[0].decode()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert (tmp_path / "torn-down").exists() is plugin, out
    if plugin:
        assert proc.returncode == pytest.ExitCode.INTERRUPTED, out
    else:
        assert proc.returncode == -signal.SIGTERM, out
