"""Fixtures for the Supabase tests: one real PostgreSQL 15 per session (as the `postgres` user, on 127.0.0.1),
a fresh Supabase-shaped database per test, and helpers to act as anon / an authenticated user."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import guardian

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))

# What a Supabase project's database looks like to the app, minus the services: the API roles, the auth schema
# with its claim-reading functions, auth.users, and Supabase's default privileges for the API roles.
SUPABASE_ROLES = """
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end $$;
"""

SUPABASE_SHAPE = """
create schema auth;
create table auth.users (
  id uuid primary key default gen_random_uuid(),
  email text unique,
  raw_user_meta_data jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create function auth.jwt() returns jsonb language sql stable set search_path = '' as $$
  select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;
create function auth.uid() returns uuid language sql stable set search_path = '' as $$
  select nullif(auth.jwt() ->> 'sub', '')::uuid
$$;
create function auth.role() returns text language sql stable set search_path = '' as $$
  select nullif(auth.jwt() ->> 'role', '')
$$;
grant usage on schema auth to anon, authenticated, service_role;
grant execute on all functions in schema auth to anon, authenticated, service_role;
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant execute on functions to anon, authenticated, service_role;
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True, text=True,
                          timeout=60)


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user=postgres dbname={dbname}"


PG_PREFIX = "webstack-pg-"
OWNER_FILE = "owner.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_stale_servers(tmp: Path | None = None) -> list[Path]:
    """Stop and delete the servers of earlier runs whose pytest process is gone. A run killed outright (SIGKILL,
    an out-of-memory kill) cannot tear its server down — pg_ctl daemonises it — so the next run does it. Returns
    the directories reaped."""
    reaped = []
    for base in sorted(Path(tmp or tempfile.gettempdir()).glob(PG_PREFIX + "*")):
        try:
            owner = int((base / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not ours, or still being set up
        if _alive(owner):
            continue
        if (base / "data" / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError):
                _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(base / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)
        reaped.append(base)
    return reaped


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    # Locally a missing server skips; in CI (.ci/run installs it) a skip would hide the real-database tests.
    missing = pytest.fail if os.environ.get("CI") else pytest.skip
    if not (PG_BIN / "postgres").exists() or shutil.which("runuser") is None:
        missing("PostgreSQL 15 (Debian postgresql-15) is not installed: `make system-deps`")
    if os.geteuid() != 0:
        missing("starting PostgreSQL as the postgres user needs root (runuser)")
    reap_stale_servers()
    base = Path(tempfile.mkdtemp(prefix=PG_PREFIX))
    (base / OWNER_FILE).write_text(str(os.getpid()))
    shutil.chown(base, "postgres", "postgres")
    data, sock = base / "data", base / "sock"
    port = _free_port()
    _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--no-sync", "--locale=C")
    _as_postgres("mkdir", str(sock))
    opts = f"-c fsync=off -c listen_addresses=127.0.0.1 -p {port} -k {sock} -c max_connections=50"
    # pg_ctl daemonises the server: should this process die before the `finally` below, the guardian stops it and
    # deletes its directory (reap_stale_servers is the fallback for a guardian that was killed too).
    watches = [guardian.watch_directory(base),
               guardian.watch_command(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(data),
                                       "-m", "immediate", "-w", "stop"])]
    _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "-t", "60",
                 "start")
    try:
        server = PgServer("127.0.0.1", port)
        import psycopg

        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute(SUPABASE_ROLES)
        yield server
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)
        for watch in watches:
            guardian.release(watch)


@pytest.fixture
def supabase_db(pg_server: PgServer) -> Iterator[str]:
    """A fresh database shaped like a Supabase project; yields its DSN (dropped afterwards)."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server.dsn(), autocommit=True) as admin:
        admin.execute(f'create database "{name}" template template0')
    dsn = pg_server.dsn(name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SUPABASE_SHAPE)
    yield dsn
    with psycopg.connect(pg_server.dsn(), autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')
