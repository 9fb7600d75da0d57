"""`webstack-restore-drill` (components.supabase.restore_drill) on the real PostgreSQL 15 of the suite: the project's
own SQL bundle survives a schema dump + restore with an equal catalog; a policy dropped between dump and compare
is named; DSN passwords never printed."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

import psycopg
import pytest
from test_supabase_database import apply

from components.supabase import restore_drill as rd
from tests.supabase.conftest import PG_BIN, SUPABASE_SHAPE, PgServer

pytestmark = pytest.mark.real_server

# The bundle's policies call auth.uid(): the drill dumps the platform schema too when the scratch is a bare database.
SCHEMAS = ["public", "auth"]


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = rd.main(argv)
    return code, out.getvalue(), err.getvalue()


def _args(dsn: str, *extra: str) -> list[str]:
    return ["--dsn", dsn, "--pg-bin", str(PG_BIN), *(a for s in SCHEMAS for a in ("--schema", s)), *extra]


def test_drill_passes_on_the_projects_bundle(supabase_db: str) -> None:
    apply(supabase_db)
    code, out, err = run(_args(supabase_db))
    assert (code, err) == (0, ""), out
    assert "catalogs equal after restore" in out
    with psycopg.connect(supabase_db) as conn:  # the scratch database was dropped
        assert not conn.execute("select datname from pg_database where datname like 'webstack_drill_%'").fetchall()


def test_snapshot_sees_rls_flags_policies_and_search_path(supabase_db: str) -> None:
    apply(supabase_db)
    with psycopg.connect(supabase_db) as conn:
        snap = rd.snapshot(conn, SCHEMAS)
    todos = snap["relation"][("public", "todos")]
    assert todos["rls_enabled"] == "true" and todos["kind"] == "r"
    assert any(k[:2] == ("public", "todos") for k in snap["policy"])
    assert snap["function"][("auth", "uid", "")]["config"] == '{"search_path=\\"\\""}'


def test_policy_dropped_between_dump_and_compare_is_named(supabase_db: str) -> None:
    apply(supabase_db)
    with psycopg.connect(supabase_db) as conn:
        victim = conn.execute("select policyname from pg_policies where tablename = 'todos' order by 1").fetchone()
    assert victim is not None
    policy = victim[0]
    with tempfile.TemporaryDirectory() as tmp:
        archive = rd.dump(supabase_db, SCHEMAS, Path(tmp) / "s.dump", str(PG_BIN))
        with rd.scratch_database(supabase_db, None, SCHEMAS) as scratch:
            rd.restore(archive, scratch, str(PG_BIN))
            with psycopg.connect(scratch, autocommit=True) as conn:  # the restore lost a policy
                conn.execute(f'drop policy "{policy}" on public.todos')
            restored = rd.read_snapshot(scratch, SCHEMAS, "scratch")
    diffs = rd.compare(rd.read_snapshot(supabase_db, SCHEMAS, "source"), restored)
    assert [(d.kind, d.name, d.change) for d in diffs] == [("policy", f"public.todos.{policy}",
                                                            "missing after restore")]


def test_cli_fails_naming_the_policy_dropped_in_the_source(supabase_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    apply(supabase_db)
    real_restore = rd.restore

    def restore_then_drop(archive: Path, scratch: str, pg_bin: str | None = None) -> None:
        real_restore(archive, scratch, pg_bin)
        with psycopg.connect(supabase_db, autocommit=True) as conn:  # the source changes after the dump
            conn.execute('drop policy "todos_owner_select" on public.todos')

    monkeypatch.setattr(rd, "restore", restore_then_drop)
    code, out, _ = run(_args(supabase_db, "--format", "json"))
    assert code == 1
    doc = json.loads(out)
    assert doc["equal"] is False
    assert {"kind": "policy", "name": "public.todos.todos_owner_select", "change": "only in the restore",
            "fields": []} in doc["differences"]
    monkeypatch.undo()
    code, text, _ = run(_args(supabase_db))  # now both sides lack it: equal again
    assert code == 0, text


def test_rls_flag_difference_is_a_changed_field(supabase_db: str) -> None:
    apply(supabase_db)
    with psycopg.connect(supabase_db) as conn:
        before = rd.snapshot(conn, SCHEMAS)
    with psycopg.connect(supabase_db, autocommit=True) as conn:
        conn.execute("alter table public.todos no force row level security")
        conn.execute("alter table public.todos disable row level security")
        after = rd.snapshot(conn, SCHEMAS)
    diffs = rd.compare(before, after)
    assert [d.name for d in diffs] == ["public.todos"]
    assert ("rls_enabled", "true", "false") in diffs[0].fields


def test_given_scratch_project_with_supabase_default_grants_widens_grants(supabase_db: str,
                                                                          pg_server: PgServer) -> None:
    """A restore into a fresh Supabase-shaped project: its default privileges grant anon everything on each table
    the restore creates, and pg_dump only GRANTs (never REVOKEs what a default added) — the drill shows the widened
    grants (docs/supabase.md: re-apply the bundle after a restore)."""
    apply(supabase_db)
    name = "scratch_" + supabase_db.rsplit("=", 1)[1]
    with psycopg.connect(pg_server.dsn(), autocommit=True) as admin:
        admin.execute(f'create database "{name}" template template0')
    scratch = pg_server.dsn(name)
    try:
        with psycopg.connect(scratch, autocommit=True) as conn:
            conn.execute(SUPABASE_SHAPE)  # a scratch project that has the platform schema: only public is drilled
        code, out, err = run(["--dsn", supabase_db, "--scratch-dsn", scratch, "--pg-bin", str(PG_BIN),
                              "--format", "json"])
        assert (code, err) == (1, "")
        changed = {d["name"]: d for d in json.loads(out)["differences"]}
        grants = changed["public.todos"]["fields"][0]
        assert grants["field"] == "grants" and "anon=" not in grants["source"] and "anon=arwd" in grants["restored"]
        assert {d["change"] for d in changed.values()} == {"changed"}
        assert not any(d["kind"] == "policy" for d in changed.values())  # RLS and policies came through intact
        code, _, err = run(["--dsn", supabase_db, "--scratch-dsn", scratch, "--pg-bin", str(PG_BIN)])
        assert code == 2 and "already has tables" in err
        apply(scratch)  # the documented remedy: the bundle revokes the defaults' grants
        with psycopg.connect(scratch) as a, psycopg.connect(supabase_db) as b:
            assert rd.compare(rd.snapshot(b, ["public"]), rd.snapshot(a, ["public"])) == []
    finally:
        with psycopg.connect(pg_server.dsn(), autocommit=True) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')


def test_usage_and_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(rd.DSN_ENV, raising=False)
    assert run([])[0] == 2
    dsn = "postgresql://postgres:s3cret-pw@127.0.0.1:1/postgres?connect_timeout=2"
    code, out, err = run(["--dsn", dsn, "--pg-bin", str(PG_BIN)])
    assert code in (1, 2) and "s3cret-pw" not in out + err and err
    code, out, err = run(["postgresql://u:s3cret-pw@h/db"])
    assert code == 2 and "s3cret-pw" not in out + err
    code, out, err = run(["--dsn", "host=x", "--scratch-dsn", "postgresql://u:s3cret-pw@x@h/db"])
    assert code == 2 and "--scratch-dsn" in err and "%40" in err and "s3cret-pw" not in out + err
    code, _, err = run(["--dsn", "host=x", "--pg-bin", "/nonexistent"])
    assert code == 2 and "pg_dump" in err


def test_sigterm_mid_drill_exits_130_and_drops_the_scratch_database(supabase_db: str) -> None:
    """A cancelled CI job sends SIGTERM: the real command, stopped while its scratch database exists on the
    source's server, still drops it, ends its pg_dump/pg_restore, and exits 130 (it used to die on the spot and
    leave `webstack_drill_<random>` behind on the user's server)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import REPO

    with psycopg.connect(supabase_db, autocommit=True) as conn:  # enough catalog for the drill to take a while
        conn.execute("".join(f"create table public.t{i} (id int primary key, v text); "
                             f"alter table public.t{i} enable row level security;" for i in range(600)))

    def drill_databases() -> list[str]:
        with psycopg.connect(supabase_db, autocommit=True) as conn:
            return [r[0] for r in conn.execute("select datname from pg_database where datname like 'webstack_drill_%'")]

    assert drill_databases() == []
    proc = subprocess.Popen([sys.executable, "-m", "components.supabase.restore_drill", *_args(supabase_db)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.monotonic() + 60
        while not drill_databases():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the drill never created its scratch database"
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    assert "interrupted" in err and "Traceback" not in err and out == ""
    assert drill_databases() == []


def test_a_scratch_database_that_cannot_be_dropped_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    """The server went away before the drop (a restart, max_connections): the run goes on to its outcome and the
    user is told which database to drop by hand, without the DSN's password."""
    rd._drop_scratch("host=127.0.0.1 port=1 user=postgres password=s3cret-pw dbname=postgres connect_timeout=2",
                     "webstack_drill_0123456789ab")
    err = capsys.readouterr().err
    assert "could not drop the scratch database webstack_drill_0123456789ab" in err
    assert "DROP DATABASE webstack_drill_0123456789ab WITH (FORCE);" in err and "s3cret-pw" not in err
