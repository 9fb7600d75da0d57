"""A PostgreSQL server left behind by a run that was killed outright (SIGKILL: no teardown can run, and pg_ctl
daemonises the server) is stopped and deleted by the next run's pg_server fixture — on the real server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.supabase.conftest import OWNER_FILE, PG_BIN, PG_PREFIX, _as_postgres, _free_port, reap_stale_servers

pytestmark = pytest.mark.real_server


def _running(pid: int) -> bool:
    """Alive and not a zombie (a stopped postmaster waits for its new parent to reap it)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _start(base: Path, owner: int) -> int:
    (base / OWNER_FILE).write_text(str(owner))
    shutil.chown(base, "postgres", "postgres")
    data = base / "data"
    _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync",
                 "--locale=C")
    _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o",
                 f"-c fsync=off -c listen_addresses=127.0.0.1 -p {_free_port()} -k {base}", "-l",
                 str(base / "log"), "-w", "start")
    return int((data / "postmaster.pid").read_text().split()[0])


def test_a_dead_runs_server_is_reaped_and_a_live_runs_is_not() -> None:
    if not (PG_BIN / "postgres").exists() or os.geteuid() != 0:
        pytest.fail("needs PostgreSQL 15 and root (as the pg_server fixture)") if os.environ.get("CI") else pytest.skip(
            "PostgreSQL 15 / root not available")
    tmp = Path(tempfile.mkdtemp(prefix="reaper-"))
    tmp.chmod(0o755)
    try:
        stale, live = tmp / f"{PG_PREFIX}stale", tmp / f"{PG_PREFIX}live"
        stale.mkdir()
        live.mkdir()
        stale_pid = _start(stale, _dead_pid())
        live_pid = _start(live, os.getpid())
        (tmp / f"{PG_PREFIX}foreign").mkdir()  # no owner file: not ours, left alone
        assert reap_stale_servers(tmp) == [stale]
        assert not stale.exists()
        assert not _running(stale_pid)
        assert _running(live_pid)
        assert (tmp / f"{PG_PREFIX}foreign").exists()
    finally:
        data = tmp / f"{PG_PREFIX}live" / "data"
        if (data / "postmaster.pid").exists():
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(tmp, ignore_errors=True)
