"""The parent-death prelude really asks Linux for SIGTERM when stackcheck dies (PR_SET_PDEATHSIG).

The process-count tests cannot tell this apart from the proxy ending its own group: this reads the setting back in
the child with PR_GET_PDEATHSIG, and kills a parent to see its helper go.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from stackcheck.contract import python_module_argv

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")

PROBE = """\
import ctypes, signal
value = ctypes.c_int(0)
ctypes.CDLL(None).prctl(2, ctypes.byref(value), 0, 0, 0)  # PR_GET_PDEATHSIG
print(signal.Signals(value.value).name if value.value else "none")
"""


def test_the_prelude_sets_the_parent_death_signal(tmp_path: Path) -> None:
    (tmp_path / "pdeath_probe.py").write_text(PROBE)
    argv = python_module_argv(sys.executable, "pdeath_probe", [])
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False,
                         env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "SIGTERM"


def test_a_helper_goes_when_its_parent_is_killed(tmp_path: Path) -> None:
    (tmp_path / "sleeper.py").write_text("import time\nprint('up', flush=True)\ntime.sleep(120)\n")
    pid_file = tmp_path / "helper.pid"
    parent_code = textwrap.dedent(f"""\
        import subprocess, sys, time
        sys.path.insert(0, {str(Path.cwd())!r})
        from stackcheck.contract import python_module_argv
        child = subprocess.Popen(python_module_argv(sys.executable, "sleeper", []), stdout=subprocess.PIPE,
                                 start_new_session=True)
        child.stdout.readline()
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(120)
        """)
    parent = subprocess.Popen([sys.executable, "-c", parent_code], env={**os.environ, "PYTHONPATH": str(tmp_path)},
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline and parent.poll() is None, "the helper did not start"
            time.sleep(0.05)
        helper = int(pid_file.read_text())
        parent.kill()  # no exit path runs: only the kernel can end the helper now
        parent.wait()
        deadline = time.monotonic() + 10
        while Path(f"/proc/{helper}").exists() and Path(f"/proc/{helper}/stat").read_text().split()[2] != "Z":
            assert time.monotonic() < deadline, "the helper outlived its SIGKILLed parent"
            time.sleep(0.05)
    finally:
        if parent.poll() is None:
            os.killpg(parent.pid, signal.SIGKILL)
            parent.wait()
        if pid_file.exists() and pid_file.read_text():
            try:
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
            except ProcessLookupError:
                pass
