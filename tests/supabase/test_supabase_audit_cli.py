"""`webstack-audit-db` (components.supabase.audit): findings with level and remediation, exit 1 on ERROR, the DSN
never printed."""

from __future__ import annotations

import contextlib
import io
import json

import psycopg
import pytest
from test_supabase_database import INSECURE, apply

from components.supabase.audit import main

pytestmark = pytest.mark.real_server


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_clean_database_exits_0_and_lists_policies(supabase_db: str) -> None:
    apply(supabase_db)
    code, out, _ = run(["--dsn", supabase_db])
    assert code == 0, out
    assert "0 error(s), 0 warning(s), 0 info" in out
    assert "public.todos" in out and "todos_owner_select" in out and "authenticated" in out


def test_insecure_database_exits_1_with_levels_and_remediation(supabase_db: str) -> None:
    with psycopg.connect(supabase_db, autocommit=True) as conn:
        conn.execute(INSECURE)
    code, out, _ = run(["--dsn", supabase_db, "--format", "json"])
    assert code == 1
    doc = json.loads(out)
    assert doc["summary"]["ERROR"] >= 5
    by_name = {f["name"]: f for f in doc["findings"]}
    assert by_name["rls_disabled_in_public"]["level"] == "ERROR"
    assert by_name["function_search_path_mutable"]["level"] == "WARN"
    assert by_name["rls_enabled_no_policy"]["level"] == "INFO"
    assert all(f["remediation"] for f in doc["findings"])
    assert {"schema": "public", "table": "half_done", "policy": "half_done_read", "command": "SELECT",
            "roles": ["authenticated"]} in doc["policies"]
    code, text, _ = run(["--dsn", supabase_db])
    assert code == 1 and "ERROR rls_disabled_in_public  public.open_notes" in text and "fix: " in text


def test_connection_error_hides_the_dsn() -> None:
    dsn = "postgresql://postgres:s3cret-pw@127.0.0.1:1/postgres?connect_timeout=2"
    code, out, err = run(["--dsn", dsn])
    assert code == 2
    assert "s3cret-pw" not in out + err and "error" in err


def test_dsn_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBSTACK_AUDIT_DSN", raising=False)
    code, _, err = run([])
    assert code == 2 and "--dsn" in err


def test_a_large_report_survives_a_stop_mid_write(supabase_db: str) -> None:
    """The real command, its stdout a real pipe: 400 tables without RLS make a JSON report of well over a pipe's
    64 KB; the process is stopped and continued while blocked writing it (Ctrl-Z and fg, a profiler attaching)
    under PYTHONUNBUFFERED, which cuts a plain sys.stdout.write short (tests/robustness/test_partial_writes.py)."""
    import sys

    from tests.stopped_writer import run_stopped_writer

    with psycopg.connect(supabase_db, autocommit=True) as conn:
        conn.execute("".join(f"create table public.open_{i} (id int primary key, note text);" for i in range(400)))
    out, code = run_stopped_writer([sys.executable, "-m", "components.supabase.audit", "--dsn", supabase_db,
                                    "--format", "json"])
    assert code == 1 and len(out) > 65536
    doc = json.loads(out)
    open_tables = {(f["schema"], f["object"]) for f in doc["findings"] if f["name"] == "rls_disabled_in_public"}
    assert {("public", f"open_{i}") for i in range(400)} <= open_tables


def test_sigterm_while_connecting_exits_130() -> None:
    """SIGTERM (a cancelled CI job) ends the real command as Ctrl-C does: exit 130 and one line, not death by
    signal. Here it waits on a server that accepted the connection and never answers."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    from tests.conftest import REPO

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(30)
        port = silent.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "components.supabase.audit", "--dsn",
                                 f"host=127.0.0.1 port={port} user=postgres password=s3cret-pw dbname=postgres"],
                                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
        try:
            conn, _ = silent.accept()  # the command is connecting now
            with conn:
                time.sleep(0.3)
                proc.send_signal(signal.SIGTERM)
                out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 130, (proc.returncode, err)
    assert err.strip() == "webstack-audit-db: interrupted" and out == ""
