# ruff: noqa: S608 — this module renders SQL text; identifiers are validated and quoted, literals escaped
"""The database security model rendered to an idempotent SQL bundle. Pure: no Pulumi import, no database.

Files (applied in name order, all in one transaction — see :func:`bundle`):

- ``supabase/00_schema.sql``    the example app's tables and functions (only with ``database.exampleApp``)
- ``supabase/10_rls.sql``       RLS on (and forced where configured) on every declared table; its policies exactly
                                as declared — undeclared policies on those tables are dropped
- ``supabase/20_functions.sql`` ``search_path`` pinned on every function in the API-exposed schemas
- ``supabase/30_grants.sql``    table privileges reduced to what the policies need; definer functions not callable
                                by API roles; anon's default privileges revoked

Every identifier comes from validated config (``[a-z_][a-z0-9_]*``) and is still double-quoted; every literal is
single-quoted with quotes doubled. Running the bundle twice leaves the catalog as the first run left it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from components.config.supabase import ALL_COMMANDS, DatabaseConfig, PolicyConfig, TableConfig

API_ROLES = ("anon", "authenticated")
FILE_PREFIX = "supabase/"
UID = "(select auth.uid())"


def ident(name: str) -> str:
    """A double-quoted SQL identifier."""
    if not name or "\x00" in name:
        raise ValueError("empty identifier")
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A single-quoted SQL string literal (standard_conforming_strings: backslashes are literal)."""
    if "\x00" in text:
        raise ValueError("NUL in literal")
    return "'" + text.replace("'", "''") + "'"


def qualified(schema: str, name: str) -> str:
    return f"{ident(schema)}.{ident(name)}"


@dataclass(frozen=True)
class Policy:
    """One rendered ``create policy`` (the normalized form of a :class:`PolicyConfig`)."""

    name: str
    command: str  # select | insert | update | delete | all
    roles: tuple[str, ...]
    using: str | None
    with_check: str | None
    permissive: bool = True
    grants: tuple[tuple[str, str], ...] = field(default=())  # (role, privilege) this policy needs


def expand(table: TableConfig) -> list[Policy]:
    """The vocabulary, expanded to concrete policies (names default to <table>_<kind>[_<command>])."""
    out: list[Policy] = []
    for p in table.policies:
        out += _expand_one(table.name, p)
    names = [p.name for p in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"table {table.schema_name}.{table.name}: policy name(s) used twice: {', '.join(dup)}")
    return out


def _expand_one(table: str, p: PolicyConfig) -> list[Policy]:
    base = p.name or f"{table}_{p.kind}"
    if p.kind == "public_read":
        reads = (("anon", "select"), ("authenticated", "select"))
        return [Policy(base, "select", API_ROLES, "true", None, grants=reads)]
    if p.kind == "authenticated_read":
        return [Policy(base, "select", ("authenticated",), "true", None, grants=(("authenticated", "select"),))]
    if p.kind == "no_access":
        # An explicit restrictive deny: the intent is visible in pg_policies, and no grant is made.
        return [Policy(base, "all", API_ROLES, "false", "false", permissive=False)]
    if p.kind == "owner":
        owns = f"{UID} = {ident(p.column)}"
        policies = []
        for cmd in p.commands or ALL_COMMANDS:
            using = owns if cmd in ("select", "update", "delete") else None
            check = owns if cmd in ("insert", "update") else None
            policies.append(Policy(f"{base}_{cmd}", cmd, ("authenticated",), using, check,
                                   grants=(("authenticated", cmd),)))
        return policies
    # kind == "sql"
    roles = tuple(sorted(set(p.roles or ())))
    cmds = p.commands or list(ALL_COMMANDS)
    command = cmds[0] if len(cmds) == 1 else "all"
    grants = tuple((role, cmd) for role in roles for cmd in cmds) if not p.restrictive else ()
    name = p.name or (f"{base}_{command}")
    return [Policy(name, command, roles, p.using, p.with_check, permissive=not p.restrictive, grants=grants)]


def _create_policy(schema: str, table: str, pol: Policy) -> str:
    parts = [f"create policy {ident(pol.name)} on {qualified(schema, table)}",
             f"  as {'permissive' if pol.permissive else 'restrictive'}",
             f"  for {pol.command}",
             f"  to {', '.join(ident(r) for r in pol.roles)}"]
    if pol.using is not None:
        parts.append(f"  using ({pol.using})")
    if pol.with_check is not None:
        parts.append(f"  with check ({pol.with_check})")
    return "\n".join(parts) + ";"


def _array(values: list[str]) -> str:
    return "array[" + ", ".join(literal(v) for v in values) + "]::text[]" if values else "array[]::text[]"


def render_rls(tables: list[TableConfig]) -> str:
    lines = ["-- Row Level Security: on for every declared table; policies exactly as declared (webstack).", ""]
    for t in tables:
        q = qualified(t.schema_name, t.name)
        policies = expand(t)
        lines.append(f"-- {t.schema_name}.{t.name}")
        lines.append(f"alter table {q} enable row level security;")
        lines.append(f"alter table {q} {'force' if t.force_rls else 'no force'} row level security;")
        lines.append(
            "do $webstack$\ndeclare p record;\nbegin\n"
            "  for p in select policyname from pg_catalog.pg_policies\n"
            f"    where schemaname = {literal(t.schema_name)} and tablename = {literal(t.name)}\n"
            f"      and policyname <> all ({_array([p.name for p in policies])})\n"
            "  loop\n"
            f"    execute format('drop policy %I on %I.%I', p.policyname, {literal(t.schema_name)}, "
            f"{literal(t.name)});\n"
            "  end loop;\nend\n$webstack$;"
        )
        for pol in policies:
            lines.append(f"drop policy if exists {ident(pol.name)} on {q};")
            lines.append(_create_policy(t.schema_name, t.name, pol))
        lines.append("")
    return "\n".join(lines)


def _search_path_clause(schemas: list[str]) -> str:
    return "search_path to " + (", ".join(ident(s) for s in schemas) if schemas else "''")


def render_functions(exposed: list[str], search_path: list[str]) -> str:
    clause = _search_path_clause(search_path)
    return (
        "-- Functions in API-exposed schemas get a fixed search_path (lint function_search_path_mutable):\n"
        "-- a caller's search_path must not decide which objects a function body resolves to.\n"
        "-- Functions owned by extensions, or by roles we are not a member of, are left to the audit.\n"
        "do $webstack$\ndeclare f record;\nbegin\n"
        "  for f in\n"
        "    select p.oid::regprocedure as signature\n"
        "    from pg_catalog.pg_proc p\n"
        "    join pg_catalog.pg_namespace n on n.oid = p.pronamespace\n"
        "    left join pg_catalog.pg_depend d on d.objid = p.oid and d.deptype = 'e'\n"
        f"    where n.nspname = any ({_array(exposed)})\n"
        "      and p.prokind in ('f', 'p')\n"
        "      and d.objid is null\n"
        "      and pg_catalog.pg_has_role(current_user, p.proowner, 'MEMBER')\n"
        "      and not exists (select 1 from unnest(coalesce(p.proconfig, '{}'::text[])) c\n"
        "                      where c like 'search_path=%')\n"
        "  loop\n"
        f"    execute format('alter routine %s set ' || {literal(clause)}, f.signature);\n"
        "  end loop;\nend\n$webstack$;\n"
    )


def render_grants(tables: list[TableConfig], exposed: list[str], revoke_anon_defaults: bool) -> str:
    lines = [
        "-- Privileges: API roles get exactly what the declared policies need (RLS then filters rows).",
        "revoke create on schema public from public;",
        "",
    ]
    for t in tables:
        q = qualified(t.schema_name, t.name)
        lines.append(f"revoke all on table {q} from public, {', '.join(ident(r) for r in API_ROLES)};")
        wanted: dict[str, set[str]] = {}
        for pol in expand(t):
            for role, cmd in pol.grants:
                wanted.setdefault(role, set()).add(cmd)
        for role in sorted(wanted):
            privs = ", ".join(c for c in ALL_COMMANDS if c in wanted[role])
            lines.append(f"grant {privs} on table {q} to {ident(role)};")
    lines += [
        "",
        "-- SECURITY DEFINER functions run with their owner's rights: not callable through the API",
        "-- (lints anon_/authenticated_security_definer_function_executable).",
        "do $webstack$\ndeclare f record;\nbegin\n"
        "  for f in\n"
        "    select p.oid::regprocedure as signature\n"
        "    from pg_catalog.pg_proc p\n"
        "    join pg_catalog.pg_namespace n on n.oid = p.pronamespace\n"
        "    left join pg_catalog.pg_depend d on d.objid = p.oid and d.deptype = 'e'\n"
        f"    where n.nspname = any ({_array(exposed)}) and p.prosecdef and d.objid is null\n"
        "      and pg_catalog.pg_has_role(current_user, p.proowner, 'MEMBER')\n"
        "  loop\n"
        "    execute format('revoke execute on function %s from public, anon, authenticated', f.signature);\n"
        "  end loop;\nend\n$webstack$;",
    ]
    if revoke_anon_defaults:
        lines += ["", "-- New objects are not readable by anon until a policy and a grant say so."]
        for schema in exposed:
            s = ident(schema)
            lines.append(f"alter default privileges in schema {s} revoke all on tables from {ident('anon')};")
            lines.append(f"alter default privileges in schema {s} revoke all on sequences from {ident('anon')};")
            lines.append(
                f"alter default privileges in schema {s} revoke execute on functions from public, {ident('anon')};"
            )
    return "\n".join(lines) + "\n"


def example_tables() -> list[TableConfig]:
    """The example app's security model: profiles, todos, posts, and an internal table nobody reads via the API."""
    raw = [
        {"name": "profiles", "policies": [{"kind": "authenticated_read"},
                                          {"kind": "owner", "column": "id", "commands": ["update"]}]},
        {"name": "todos", "forceRls": True, "policies": [{"kind": "owner"}]},
        {"name": "posts", "policies": [{"kind": "public_read"},
                                       {"kind": "owner", "column": "author_id",
                                        "commands": ["insert", "update", "delete"]}]},
        {"name": "moderation_notes", "policies": [{"kind": "no_access"}]},
    ]
    return [TableConfig.model_validate(t) for t in raw]


EXAMPLE_SCHEMA = """\
-- The example app (a Vite + Supabase notes/todos/blog app): tables owned by auth users.
-- Idempotent: safe to apply on every deploy. Columns are added here only by new, additive statements.

create table if not exists public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  username text unique check (char_length(username) between 3 and 32),
  display_name text check (char_length(display_name) <= 80),
  avatar_url text check (avatar_url ~ '^https://'),
  updated_at timestamptz not null default now()
);

create table if not exists public.todos (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  title text not null check (char_length(title) between 1 and 200),
  done boolean not null default false,
  created_at timestamptz not null default now()
);
create index if not exists todos_user_id_idx on public.todos (user_id);

create table if not exists public.posts (
  id bigint generated always as identity primary key,
  author_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  title text not null check (char_length(title) between 1 and 200),
  body text not null default '',
  created_at timestamptz not null default now()
);
create index if not exists posts_author_id_idx on public.posts (author_id);

create table if not exists public.moderation_notes (
  id bigint generated always as identity primary key,
  post_id bigint not null references public.posts (id) on delete cascade,
  note text not null,
  created_at timestamptz not null default now()
);
create index if not exists moderation_notes_post_id_idx on public.moderation_notes (post_id);

-- Keeps profiles.updated_at honest. Invoker rights; every name schema-qualified, search_path empty.
create or replace function public.set_updated_at()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $fn$
begin
  new.updated_at := pg_catalog.now();
  return new;
end;
$fn$;

create or replace trigger profiles_set_updated_at
  before update on public.profiles
  for each row execute function public.set_updated_at();

-- A profile row for every new auth user. Definer rights (it writes public.profiles for a user who has no
-- insert grant); search_path empty; execute revoked from the API roles in 30_grants.sql.
create or replace function public.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $fn$
begin
  insert into public.profiles (id) values (new.id) on conflict (id) do nothing;
  return new;
end;
$fn$;

create or replace trigger on_auth_user_created
  after insert on auth.users
  for each row execute function public.handle_new_user();
"""


def render_files(db: DatabaseConfig, exposed_schemas: list[str]) -> dict[str, str]:
    """``{relative path: content}`` of the bundle, in apply order."""
    tables = merged_tables(db)
    files: dict[str, str] = {}
    if db.example_app:
        files[f"{FILE_PREFIX}00_schema.sql"] = EXAMPLE_SCHEMA
    files[f"{FILE_PREFIX}10_rls.sql"] = render_rls(tables)
    if db.harden_functions:
        files[f"{FILE_PREFIX}20_functions.sql"] = render_functions(exposed_schemas, db.function_search_path)
    files[f"{FILE_PREFIX}30_grants.sql"] = render_grants(tables, exposed_schemas, db.revoke_anon_defaults)
    return dict(sorted(files.items()))


def merged_tables(db: DatabaseConfig) -> list[TableConfig]:
    """Declared tables; with ``exampleApp`` the example's tables first (a declared table of the same name wins)."""
    declared = {(t.schema_name, t.name) for t in db.tables}
    base = [t for t in example_tables() if (t.schema_name, t.name) not in declared] if db.example_app else []
    return base + list(db.tables)


def bundle(files: dict[str, str]) -> str:
    """All files in name order as one transaction (one simple-query round trip; any error rolls back all)."""
    body = "\n".join(f"-- ==== {name}\n{files[name]}" for name in sorted(files))
    return f"begin;\n\n{body}\ncommit;\n"


def table_summary(db: DatabaseConfig) -> list[dict[str, object]]:
    """What the DatabaseSecurity resource declares per table (read by the policy pack's supabase-rls-enabled)."""
    return [
        {"schema": t.schema_name, "name": t.name, "rls_enabled": True, "force_rls": t.force_rls,
         "policies": [p.name for p in expand(t)]}
        for t in merged_tables(db)
    ]
