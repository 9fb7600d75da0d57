# ruff: noqa: S608 — queries are assembled from constant fragments; values travel as bound parameters
"""Database security lints, with the names, meanings and levels of Supabase's database linter (splinter).

Each lint is one catalog query returning (schema, object, detail). Schemas "exposed to the API" are PostgREST's
``pgrst.db_schemas`` setting when the database has it, else the schemas given (default ``public``). Also here: the
runbook's audit listing of ``pg_policies``. Pure SQL text plus a runner that takes any DB-API-like connection
(psycopg 3 in practice); no Pulumi import.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Level = Literal["ERROR", "WARN", "INFO"]
DOCS = "https://supabase.com/docs/guides/database/database-linter?lint="

# Schemas Supabase manages itself; splinter leaves them out of most lints.
SYSTEM_SCHEMAS = (
    "_timescaledb_cache", "_timescaledb_catalog", "_timescaledb_config", "_timescaledb_internal", "auth", "cron",
    "extensions", "graphql", "graphql_public", "information_schema", "net", "pgmq", "pgroonga", "pgsodium",
    "pgsodium_masks", "pgtle", "pgbouncer", "pg_catalog", "realtime", "repack", "storage", "supabase_functions",
    "supabase_migrations", "tiger", "topology", "vault",
)

_INVOKER = ("lower(coalesce(c.reloptions::text, '{}'))::text[] && "
            "array['security_invoker=1', 'security_invoker=true', 'security_invoker=yes', 'security_invoker=on']")
_API_CAN_SELECT = ("(pg_catalog.has_table_privilege('anon', c.oid, 'SELECT') or "
                   "pg_catalog.has_table_privilege('authenticated', c.oid, 'SELECT'))")
_NOT_SYSTEM = "n.nspname <> all (%(system)s)"
_EXPOSED = "n.nspname = any (%(exposed)s)"
_NOT_EXTENSION = ("not exists (select 1 from pg_catalog.pg_depend dep where dep.objid = c.oid and "
                  "dep.deptype = 'e')")


@dataclass(frozen=True)
class Lint:
    name: str
    code: str  # splinter's file number, used in the docs URL
    level: Level
    title: str
    remediation: str
    query: str


@dataclass(frozen=True)
class Finding:
    name: str
    level: Level
    schema: str
    object: str
    detail: str
    remediation: str
    url: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


LINTS: tuple[Lint, ...] = (
    Lint(
        "rls_disabled_in_public", "0013_rls_disabled_in_public", "ERROR", "RLS disabled in an API-exposed schema",
        "ALTER TABLE <schema>.<table> ENABLE ROW LEVEL SECURITY, then declare its policies (webstack:supabase."
        "database.tables).",
        f"""select n.nspname, c.relname, 'table is readable by the API roles but RLS is off: every row is public'
            from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and not c.relrowsecurity and {_API_CAN_SELECT}
              and {_EXPOSED} and {_NOT_SYSTEM}""",
    ),
    Lint(
        "policy_exists_rls_disabled", "0007_policy_exists_rls_disabled", "ERROR", "Policies exist but RLS is off",
        "Enable RLS on the table: its policies are ignored while RLS is disabled.",
        f"""select n.nspname, c.relname,
                   'RLS is off, so its policies (' || string_agg(p.polname, ', ' order by p.polname) ||
                   ') are not applied'
            from pg_catalog.pg_policy p join pg_catalog.pg_class c on c.oid = p.polrelid
            join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and not c.relrowsecurity and {_NOT_SYSTEM} and {_NOT_EXTENSION}
            group by n.nspname, c.relname""",
    ),
    Lint(
        "rls_enabled_no_policy", "0008_rls_enabled_no_policy", "INFO", "RLS enabled without any policy",
        "Declare the intended access (a no_access policy states 'nobody through the API' explicitly).",
        f"""select n.nspname, c.relname, 'RLS is on but no policy exists: the API roles see no rows'
            from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and c.relrowsecurity and {_NOT_SYSTEM} and {_NOT_EXTENSION}
              and not exists (select 1 from pg_catalog.pg_policy p where p.polrelid = c.oid)""",
    ),
    Lint(
        "function_search_path_mutable", "0011_function_search_path_mutable", "WARN", "Function search_path mutable",
        "ALTER FUNCTION … SET search_path = '' (and schema-qualify names in its body); webstack's "
        "20_functions.sql does this for exposed schemas.",
        f"""select n.nspname, p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
                   'search_path is not set: the caller''s search_path decides what the body resolves to'
            from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
            where {_NOT_SYSTEM} and n.nspname not like 'pg\\_%%'
              and not exists (select 1 from pg_catalog.pg_depend dep where dep.objid = p.oid and dep.deptype = 'e')
              and not exists (select 1 from unnest(coalesce(p.proconfig, '{{}}'::text[])) cfg
                              where cfg like 'search_path=%%')""",
    ),
    Lint(
        "security_definer_view", "0010_security_definer_view", "ERROR", "Security definer view",
        "ALTER VIEW <view> SET (security_invoker = on) so the caller's privileges and RLS apply.",
        f"""select n.nspname, c.relname,
                   'view runs with its owner''s privileges and bypasses the callers'' RLS'
            from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where c.relkind = 'v' and {_API_CAN_SELECT} and {_EXPOSED} and {_NOT_SYSTEM} and {_NOT_EXTENSION}
              and not ({_INVOKER})""",
    ),
    Lint(
        "auth_users_exposed", "0002_auth_users_exposed", "ERROR", "auth.users exposed",
        "Do not expose auth.users through an API schema: keep public user data in a profiles table with RLS.",
        f"""select distinct n.nspname, c.relname,
                   'view/materialized view over auth.users is readable by the API roles'
            from pg_catalog.pg_class au
            join pg_catalog.pg_namespace aun on aun.oid = au.relnamespace and aun.nspname = 'auth'
                 and au.relname = 'users'
            join pg_catalog.pg_depend d on d.refobjid = au.oid and d.deptype = 'n'
            join pg_catalog.pg_rewrite r on r.oid = d.objid
            join pg_catalog.pg_class c on c.oid = r.ev_class
            join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where {_API_CAN_SELECT} and {_EXPOSED}
              and (c.relkind = 'm' or (c.relkind = 'v' and not ({_INVOKER}))
                   or (c.relkind = 'v' and ({_INVOKER}) and not au.relrowsecurity))""",
    ),
    Lint(
        "extension_in_public", "0014_extension_in_public", "WARN", "Extension in public",
        "Move it: ALTER EXTENSION <name> SET SCHEMA extensions.",
        """select e.extnamespace::regnamespace::text, e.extname,
                  'extension objects are installed in public, where the API can see them'
           from pg_catalog.pg_extension e
           where e.extname <> 'plpgsql' and e.extnamespace::regnamespace::text = 'public'""",
    ),
    Lint(
        "rls_policy_always_true", "0024_rls_policy_always_true", "WARN", "RLS policy always true",
        "Compare a column with (select auth.uid()) (an owner policy), or restrict the command; write access must "
        "not be USING (true) / WITH CHECK (true).",
        f"""select n.nspname, c.relname,
                   'policy ' || pa.polname || ' lets ' || coalesce(
                     (select string_agg(x.r::regrole::text, ', ') from unnest(pa.polroles) as x(r)
                      where x.r <> 0), 'public') ||
                   ' ' || (case pa.polcmd when 'a' then 'INSERT' when 'w' then 'UPDATE' when 'd' then 'DELETE'
                           when '*' then 'ALL' else 'SELECT' end) || ' every row'
            from pg_catalog.pg_policy pa join pg_catalog.pg_class c on c.oid = pa.polrelid
            join pg_catalog.pg_namespace n on n.oid = c.relnamespace,
            lateral (select replace(replace(replace(lower(coalesce(pg_catalog.pg_get_expr(pa.polqual, pa.polrelid),
                       '')), ' ', ''), E'\\n', ''), E'\\t', '') as q,
                            replace(replace(replace(lower(coalesce(pg_catalog.pg_get_expr(pa.polwithcheck,
                       pa.polrelid), '')), ' ', ''), E'\\n', ''), E'\\t', '') as w,
                            pa.polqual is null as q_null, pa.polwithcheck is null as w_null) e
            where c.relkind = 'r' and c.relrowsecurity and pa.polpermissive and {_NOT_SYSTEM}
              and (pa.polroles = array[0::oid] or exists (select 1 from unnest(pa.polroles) as y(r)
                   where y.r <> 0 and y.r::regrole::text in ('anon', 'authenticated')))
              and (
                (pa.polcmd in ('w', 'd', '*') and (e.q in ('true', '(true)', '1=1', '(1=1)') or e.q_null))
                or e.w in ('true', '(true)', '1=1', '(1=1)')
                or (e.w_null and pa.polcmd = 'a')
                or (e.w_null and pa.polcmd in ('w', '*') and e.q in ('true', '(true)', '1=1', '(1=1)'))
              )""",
    ),
)
LINT_NAMES = tuple(lint.name for lint in LINTS)

POLICY_LISTING = """
select schemaname, tablename, policyname, cmd, roles
from pg_catalog.pg_policies
where schemaname = any (%(exposed)s)
order by tablename, policyname
"""
"""The runbook's audit query (there for ``public``; here every API-exposed schema)."""


def exposed_schemas(conn: Any, default: list[str]) -> list[str]:
    """PostgREST's ``pgrst.db_schemas`` when the database carries it (Supabase does), else ``default``."""
    row = conn.execute("select current_setting('pgrst.db_schemas', true)").fetchone()
    setting = (row[0] if row else None) or ""
    schemas = [s.strip() for s in setting.split(",") if s.strip()]
    return schemas or list(default)


def run_lints(conn: Any, schemas: list[str] | None = None) -> list[Finding]:
    exposed = exposed_schemas(conn, schemas or ["public"])
    params = {"exposed": exposed, "system": list(SYSTEM_SCHEMAS)}
    findings: list[Finding] = []
    for lint in LINTS:
        for schema, obj, detail in conn.execute(lint.query, params).fetchall():
            findings.append(Finding(lint.name, lint.level, str(schema), str(obj), str(detail), lint.remediation,
                                    DOCS + lint.code))
    order = {"ERROR": 0, "WARN": 1, "INFO": 2}
    return sorted(findings, key=lambda f: (order[f.level], f.name, f.schema, f.object))


def list_policies(conn: Any, schemas: list[str] | None = None) -> list[dict[str, Any]]:
    exposed = exposed_schemas(conn, schemas or ["public"])
    rows = conn.execute(POLICY_LISTING, {"exposed": exposed}).fetchall()
    return [{"schema": r[0], "table": r[1], "policy": r[2], "command": r[3], "roles": list(r[4])} for r in rows]
