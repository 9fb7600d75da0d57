"""DSNs are secrets: no fragment of one survives into an error message (review finding)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from components.config.dsn import check_dsn, dsn_secrets, scrub_dsn
from tests.conftest import run_cli

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("dsn", [
    "postgresql://postgres:ZZLEAKPW%zz@127.0.0.1:5432/db",  # bad percent-escape: libpq would quote it
    "mysql://u:ZZLEAKPW@h/db",
    "postgresql://u:ZZLEAKPW@h:notaport/db",
    "postgresql://u:ZZLEAKPW@/db",
])
def test_bad_dsns_are_refused_without_echoing_them(dsn: str) -> None:
    with pytest.raises(ValueError) as info:
        check_dsn(dsn)
    assert "ZZLEAKPW" not in str(info.value)


def test_scrub_removes_password_user_and_their_encodings() -> None:
    dsn = "postgresql://app%5Fuser:p%40ss%21word@db.example.com:5432/postgres"
    text = f"FATAL: password authentication failed for user \"app_user\" (p@ss!word / {dsn} / p%40ss%21word)"
    scrubbed = scrub_dsn(text, dsn)
    for secret in ("p@ss!word", "p%40ss%21word", "app_user", dsn):
        assert secret not in scrubbed
    assert dsn in dsn_secrets(dsn)


def test_audit_db_never_prints_a_password_fragment() -> None:
    for dsn in ("postgresql://postgres:ZZLEAKPW%zz@127.0.0.1:1/db", "postgresql://postgres:ZZLEAKPW@127.0.0.1:1/db"):
        proc = subprocess.run([sys.executable, "-m", "components.supabase.audit", "--dsn", dsn], cwd=REPO,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2
        assert "ZZLEAKPW" not in proc.stdout + proc.stderr


def test_keyword_dsns_are_accepted_and_scrubbed() -> None:
    dsn = "host=127.0.0.1 port=5432 user=app_owner password='s3cret word' dbname=postgres"
    check_dsn(dsn)
    scrubbed = scrub_dsn("auth failed for app_owner with s3cret word", dsn)
    assert "s3cret word" not in scrubbed and "app_owner" not in scrubbed


def test_stackcheck_audit_db_points_to_the_library_command() -> None:
    """stackcheck is the generic preview and imports nothing of the library; the old spelling says where it went."""
    code, out, err = run_cli(["audit-db", "--dsn", "postgresql://u:ZZLEAKPW@127.0.0.1:1/db"])
    assert code == 2 and out == ""
    assert "webstack-audit-db" in err and "ZZLEAKPW" not in err
