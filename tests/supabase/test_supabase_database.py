"""The SQL security bundle on a real PostgreSQL 15 shaped like Supabase: applies, re-applies with no change,
passes the audit, and enforces RLS for anon and for two different signed-in users."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from components.config.supabase import DatabaseConfig
from components.supabase import sql as sqlgen
from components.supabase.lints import LINT_NAMES, list_policies, run_lints
from components.supabase.provider import DatabaseApplyError, DatabaseSecurityProvider, apply_with_dsn, sql_digest

pytestmark = pytest.mark.real_server

EXAMPLE = DatabaseConfig.model_validate({"exampleApp": True})

SNAPSHOT = {
    "tables": """select n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
                        coalesce(c.relacl::text, ''), coalesce(c.reloptions::text, '')
                 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 where n.nspname in ('public', 'auth') order by 1, 2""",
    "columns": """select table_schema, table_name, column_name, data_type, column_default, is_nullable
                  from information_schema.columns where table_schema in ('public', 'auth') order by 1, 2, 3""",
    "policies": """select schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check
                   from pg_policies order by 1, 2, 3""",
    "functions": """select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prosecdef,
                           coalesce(p.proconfig::text, ''), coalesce(p.proacl::text, ''), md5(p.prosrc)
                    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                    where n.nspname in ('public', 'auth') order by 1, 2, 3""",
    "triggers": """select tgrelid::regclass::text, tgname, tgfoid::regproc::text from pg_trigger
                   where not tgisinternal order by 1, 2""",
    "default_acl": """select defaclrole::regrole::text, coalesce(defaclnamespace::regnamespace::text, ''),
                             defaclobjtype, defaclacl::text from pg_default_acl order by 1, 2, 3""",
    "schemas": "select nspname, coalesce(nspacl::text, '') from pg_namespace order by 1",
    "constraints": """select conrelid::regclass::text, conname, pg_get_constraintdef(oid) from pg_constraint
                      where connamespace = 'public'::regnamespace order by 1, 2""",
}


def snapshot(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(dsn) as conn:
        return {name: conn.execute(q).fetchall() for name, q in SNAPSHOT.items()}


def apply(dsn: str, db: DatabaseConfig = EXAMPLE) -> str:
    bundle = sqlgen.bundle(sqlgen.render_files(db, ["public"]))
    apply_with_dsn(dsn, bundle)
    return bundle


def new_user(conn: psycopg.Connection[Any], email: str) -> str:
    uid = str(uuid.uuid4())
    conn.execute("insert into auth.users (id, email) values (%s, %s)", (uid, email))
    return uid


@contextlib.contextmanager
def acting_as(dsn: str, user: str | None) -> Iterator[psycopg.Connection[Any]]:
    """A transaction as PostgREST runs it: JWT claims for this transaction only, then the API role."""
    with psycopg.connect(dsn) as conn:
        role = "authenticated" if user else "anon"
        claims = {"role": role, **({"sub": user} if user else {})}
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        conn.execute(f"set local role {role}")
        yield conn
        conn.rollback()


def denied(dsn: str, user: str | None, statement: str, params: tuple[Any, ...] = ()) -> bool:
    with acting_as(dsn, user) as conn:
        try:
            conn.execute(statement, params)
        except psycopg.errors.InsufficientPrivilege:
            return True
    return False


def test_bundle_applies_twice_without_change_and_audits_clean(supabase_db: str) -> None:
    apply(supabase_db)
    first = snapshot(supabase_db)
    assert any(r[1] == "todos" and r[3] and r[4] for r in first["tables"]), "todos: RLS on and forced"
    apply(supabase_db)
    assert snapshot(supabase_db) == first
    with psycopg.connect(supabase_db) as conn:
        findings = run_lints(conn, ["public"])
        policies = list_policies(conn, ["public"])
    assert findings == [], [f"{f.level} {f.name} {f.schema}.{f.object}" for f in findings]
    assert {(p["table"], p["policy"], p["command"]) for p in policies} == {
        ("moderation_notes", "moderation_notes_no_access", "ALL"),
        ("posts", "posts_owner_delete", "DELETE"), ("posts", "posts_owner_insert", "INSERT"),
        ("posts", "posts_owner_update", "UPDATE"), ("posts", "posts_public_read", "SELECT"),
        ("profiles", "profiles_authenticated_read", "SELECT"), ("profiles", "profiles_owner_update", "UPDATE"),
        ("todos", "todos_owner_delete", "DELETE"), ("todos", "todos_owner_insert", "INSERT"),
        ("todos", "todos_owner_select", "SELECT"), ("todos", "todos_owner_update", "UPDATE"),
    }


def test_undeclared_policies_and_grants_are_reconciled(supabase_db: str) -> None:
    apply(supabase_db)
    with psycopg.connect(supabase_db, autocommit=True) as conn:
        conn.execute("create policy sneaky on public.todos for select to anon using (true)")
        conn.execute("grant select on public.todos to anon")
        conn.execute("alter table public.posts disable row level security")
        conn.execute("create function public.helper() returns int language sql as 'select 1'")
    apply(supabase_db)
    with psycopg.connect(supabase_db) as conn:
        names = {p["policy"] for p in list_policies(conn) if p["table"] == "todos"}
        assert "sneaky" not in names
        assert conn.execute("select has_table_privilege('anon', 'public.todos', 'select')").fetchone() == (False,)
        assert conn.execute("select relrowsecurity from pg_class where oid = 'public.posts'::regclass").fetchone() \
            == (True,)
        assert conn.execute("select proconfig from pg_proc where proname = 'helper'").fetchone() == (
            ['search_path=""'],)
        assert run_lints(conn) == []


def test_rls_enforced_for_anon_and_two_users(supabase_db: str) -> None:
    apply(supabase_db)
    with psycopg.connect(supabase_db, autocommit=True) as conn:
        alice, bob = new_user(conn, "alice@example.com"), new_user(conn, "bob@example.com")
        # The definer trigger created a profile for each; seed data as the owner (bypasses RLS).
        assert conn.execute("select count(*) from public.profiles").fetchone() == (2,)
        conn.execute("insert into public.todos (user_id, title) values (%s, 'alice 1'), (%s, 'alice 2'), "
                     "(%s, 'bob 1')", (alice, alice, bob))
        conn.execute("insert into public.posts (author_id, title) values (%s, 'hello from alice')", (alice,))
        conn.execute("insert into public.moderation_notes (post_id, note) select id, 'ok' from public.posts")

    # todos: each user sees and changes only their own rows
    for me, other, mine in ((alice, bob, {"alice 1", "alice 2"}), (bob, alice, {"bob 1"})):
        with acting_as(supabase_db, me) as c:
            assert {r[0] for r in c.execute("select title from public.todos").fetchall()} == mine
            assert c.execute("update public.todos set done = true where user_id = %s", (other,)).rowcount == 0
            assert c.execute("delete from public.todos where user_id = %s", (other,)).rowcount == 0
            assert c.execute("update public.todos set done = true").rowcount == len(mine)
            c.execute("insert into public.todos (title) values ('new')")  # user_id defaults to auth.uid()
            assert c.execute("select count(*) from public.todos where user_id = %s", (me,)).fetchone() == (
                len(mine) + 1,)
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                c.execute("insert into public.todos (user_id, title) values (%s, 'forged')", (other,))
        with acting_as(supabase_db, me) as c:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                c.execute("update public.todos set user_id = %s where user_id = %s", (other, me))

    # posts: everyone reads; only the author writes
    with acting_as(supabase_db, None) as c:
        assert c.execute("select title from public.posts").fetchall() == [("hello from alice",)]
    assert denied(supabase_db, None, "insert into public.posts (author_id, title) values (%s, 'x')", (alice,))
    with acting_as(supabase_db, bob) as c:
        assert c.execute("select count(*) from public.posts").fetchone() == (1,)
        assert c.execute("update public.posts set title = 'defaced'").rowcount == 0
        assert c.execute("delete from public.posts").rowcount == 0
    with acting_as(supabase_db, alice) as c:
        assert c.execute("update public.posts set title = 'edited'").rowcount == 1

    # profiles: signed-in users read all; each updates only their own; anon reads nothing
    assert denied(supabase_db, None, "select * from public.profiles")
    with acting_as(supabase_db, bob) as c:
        assert c.execute("select count(*) from public.profiles").fetchone() == (2,)
        assert c.execute("update public.profiles set display_name = 'B' where id = %s", (alice,)).rowcount == 0
        assert c.execute("update public.profiles set display_name = 'B' where id = %s", (bob,)).rowcount == 1
    assert denied(supabase_db, bob, "insert into public.profiles (id) values (%s)", (str(uuid.uuid4()),))

    # anon: no todos at all, not even a count; nobody reads moderation notes through the API
    assert denied(supabase_db, None, "select * from public.todos")
    assert denied(supabase_db, alice, "select * from public.moderation_notes")
    assert denied(supabase_db, None, "select * from public.moderation_notes")
    # the definer function is not callable through the API
    assert denied(supabase_db, alice, "select public.handle_new_user()")
    assert denied(supabase_db, None, "select public.handle_new_user()")


def test_declared_sql_policy_with_reason(supabase_db: str) -> None:
    with psycopg.connect(supabase_db, autocommit=True) as conn:
        conn.execute("create table public.events (id int primary key, published boolean not null)")
        conn.execute("insert into public.events values (1, true), (2, false)")
    db = DatabaseConfig.model_validate({"tables": [{"name": "events", "policies": [
        {"kind": "sql", "roles": ["anon", "authenticated"], "commands": ["select"], "using": "published = true",
         "reason": "drafts stay private"}]}]})
    apply(supabase_db, db)
    with acting_as(supabase_db, None) as c:
        assert c.execute("select id from public.events").fetchall() == [(1,)]
    assert denied(supabase_db, None, "delete from public.events")


def test_failed_bundle_rolls_back_and_hides_the_dsn(pg_server: Any, supabase_db: str) -> None:
    before = snapshot(supabase_db)
    db = DatabaseConfig.model_validate({"exampleApp": True, "tables": [
        {"name": "missing_table", "policies": [{"kind": "no_access"}]}]})
    secret_dsn = supabase_db + " password=hunter2-not-used"
    with pytest.raises(DatabaseApplyError, match="missing_table") as err:
        apply(secret_dsn, db)
    assert "hunter2" not in str(err.value)
    assert snapshot(supabase_db) == before  # nothing from 00_schema.sql survived


def test_database_security_provider_over_dsn(supabase_db: str) -> None:
    bundle = sqlgen.bundle(sqlgen.render_files(EXAMPLE, ["public"]))
    props = {"project_ref": "abcdefghijklmnopqrst", "access_token_config": "webstack:supabaseAccessToken",
             "db_url": supabase_db,
             "sql": bundle, "sql_sha256": sql_digest(bundle), "tables": sqlgen.table_summary(EXAMPLE)}
    provider = DatabaseSecurityProvider()
    assert provider.check({}, props).failures == []
    created = provider.create(props)
    assert created.id == "abcdefghijklmnopqrst/database-security"
    first = snapshot(supabase_db)
    assert not provider.diff(created.id, created.outs or {}, props).changes
    provider.update(created.id, created.outs or {}, props)
    assert snapshot(supabase_db) == first
    provider.delete(created.id, props)
    assert snapshot(supabase_db) == first  # delete leaves security in place


def test_database_security_read_reports_rls_drift(supabase_db: str) -> None:
    """`pulumi refresh` reads the declared tables back from the database: nothing drifted → the recorded tables
    equal the declared ones (no diff); RLS switched off and a policy dropped by hand → both show, the diff asks for
    an update, and the update re-applies the bundle, restoring them."""
    bundle = sqlgen.bundle(sqlgen.render_files(EXAMPLE, ["public"]))
    props = {"project_ref": "abcdefghijklmnopqrst", "access_token_config": "webstack:supabaseAccessToken",
             "db_url": supabase_db, "sql": bundle, "sql_sha256": sql_digest(bundle),
             "tables": sqlgen.table_summary(EXAMPLE)}
    provider = DatabaseSecurityProvider()
    created = provider.create(props)
    fresh = provider.read(created.id, created.outs or {})
    assert fresh.outs is not None and fresh.outs["tables"] == props["tables"]
    assert not provider.diff(created.id, fresh.outs, props).changes

    todos = next(t for t in props["tables"] if t["name"] == "todos")
    dropped = todos["policies"][0]
    with psycopg.connect(supabase_db, autocommit=True) as conn:
        conn.execute("alter table public.todos disable row level security")
        conn.execute(f'drop policy "{dropped}" on public.todos')
    drifted = provider.read(created.id, created.outs or {})
    assert drifted.outs is not None
    seen = next(t for t in drifted.outs["tables"] if t["name"] == "todos")
    assert seen["rls_enabled"] is False and dropped not in seen["policies"]
    others = [t for t in drifted.outs["tables"] if t["name"] != "todos"]
    assert others == [t for t in props["tables"] if t["name"] != "todos"]
    diff = provider.diff(created.id, drifted.outs, props)
    assert diff.changes and not diff.replaces

    provider.update(created.id, drifted.outs, props)
    restored = provider.read(created.id, created.outs or {})
    assert restored.outs is not None and restored.outs["tables"] == props["tables"]


INSECURE = """
create extension if not exists pgcrypto schema public;
create table public.open_notes (id int primary key, body text);
create table public.half_done (id int primary key);
create policy half_done_read on public.half_done for select to authenticated using (true);
create table public.locked (id int primary key);
alter table public.locked enable row level security;
create table public.wide_open (id int primary key, owner uuid);
alter table public.wide_open enable row level security;
create policy wide_open_write on public.wide_open for update to authenticated using (true) with check (true);
create function public.add_one(i int) returns int language sql as 'select i + 1';
create view public.definer_view as select id from public.open_notes;
create view public.user_emails with (security_invoker = on) as select id, email from auth.users;
"""


def test_insecure_schema_trips_every_lint(supabase_db: str) -> None:
    with psycopg.connect(supabase_db, autocommit=True) as conn:
        conn.execute(INSECURE)
        findings = run_lints(conn, ["public"])
    got = {(f.name, f.level, f.object) for f in findings}
    expected = {
        ("rls_disabled_in_public", "ERROR", "open_notes"),
        ("rls_disabled_in_public", "ERROR", "half_done"),
        ("policy_exists_rls_disabled", "ERROR", "half_done"),
        ("rls_enabled_no_policy", "INFO", "locked"),
        ("function_search_path_mutable", "WARN", "add_one(i integer)"),
        ("security_definer_view", "ERROR", "definer_view"),
        ("auth_users_exposed", "ERROR", "user_emails"),
        ("extension_in_public", "WARN", "pgcrypto"),
        ("rls_policy_always_true", "WARN", "wide_open"),
    }
    assert expected <= got, expected - got
    assert {f.name for f in findings} == set(LINT_NAMES)
    assert all(f.remediation and f.url.startswith("https://supabase.com/docs/") for f in findings)
    # ERROR-level findings are not a matter of opinion: nothing else was reported at ERROR
    assert {(n, o) for n, lvl, o in got if lvl == "ERROR"} == {
        (n, o) for n, lvl, o in expected if lvl == "ERROR"}


def test_audit_fixes_the_insecure_schema_when_declared(supabase_db: str) -> None:
    """Declaring the insecure tables in the model and applying the bundle clears the RLS/function lints."""
    with psycopg.connect(supabase_db, autocommit=True) as conn:
        conn.execute(INSECURE)
        conn.execute("drop view public.definer_view, public.user_emails")
        conn.execute("alter extension pgcrypto set schema auth")
    db = DatabaseConfig.model_validate({"tables": [
        {"name": "open_notes", "policies": [{"kind": "public_read"}]},
        {"name": "half_done", "policies": [{"kind": "authenticated_read", "name": "half_done_read"}]},
        {"name": "locked", "policies": [{"kind": "no_access"}]},
        {"name": "wide_open", "policies": [{"kind": "owner", "column": "owner"}]},
    ]})
    apply(supabase_db, db)
    with psycopg.connect(supabase_db) as conn:
        assert run_lints(conn, ["public"]) == []


def test_digest_tracks_content() -> None:
    a = sqlgen.bundle(sqlgen.render_files(EXAMPLE, ["public"]))
    b = sqlgen.bundle(sqlgen.render_files(DatabaseConfig.model_validate({"exampleApp": True,
                                                                         "hardenFunctions": False}), ["public"]))
    assert sql_digest(a) != sql_digest(b)
    assert a.startswith("begin;") and a.rstrip().endswith("commit;")
