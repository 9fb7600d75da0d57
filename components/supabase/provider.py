"""Supabase project settings as Pulumi dynamic resources (there is no maintained Supabase provider).

Each resource class has its own type token (``pulumi-python:dynamic/supabase:<Name>``) so policies can target it.
Behaviour shared by all of them:

- **Only managed fields are diffed and written.** Inputs hold just the fields the stack manages; server-side
  fields the stack does not mention never cause a diff and are never sent.
- **Idempotent create/update**: the provider reads the server first and sends only what differs (nothing if
  nothing differs); re-running an apply is a no-op.
- **Delete restores nothing it did not set, and says so**: settings are left as they are on the project (Supabase
  has no "unset"; the previous values were the project's own); Edge Function secrets this resource created are
  deleted; database objects are left in place.
- **Failed updates do not lie**: after a failed write the provider reads the server back. If the change landed
  (e.g. the answer was lost to a timeout) the update succeeds; if part of it landed it is rolled back to the
  recorded values before the error is raised — so the recorded state stays equal to the server's.
- **The access token is not an input.** Rotating it must not diff (or rewrite) every resource, and state should
  not keep a copy: the provider reads it when it runs, from the stack config key named by the plain input
  ``access_token_config`` (e.g. ``webstack:supabaseAccessToken``; the engine hands dynamic providers the stack's
  config, secrets decrypted), else from ``$SUPABASE_ACCESS_TOKEN`` (the Supabase CLI's variable).
"""

from __future__ import annotations

import hashlib
import os
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from components.supabase.management import DEFAULT_BASE_URL, ManagementApiError, ManagementClient

SECRET_OUTPUTS = ["db_url", "values"]
TOKEN_ENV = "SUPABASE_ACCESS_TOKEN"  # noqa: S105 — the variable's name, not a token
"""Where the token comes from when the stack config has none (the Supabase CLI reads the same variable)."""


def _say(message: str) -> None:
    """Tell the person running `pulumi up` (engine log when available, stderr otherwise)."""
    try:
        pulumi.log.warn(message)
    except Exception:  # noqa: BLE001 — logging must never fail an operation
        import sys

        print(f"warning: {message}", file=sys.stderr)


class MissingTokenError(RuntimeError):
    """No Management API token at run time."""


class _ManagementProvider(ResourceProvider):
    """Reads the Management API token when the engine runs the provider, never from the resource's inputs."""

    _config: Any = None  # set by configure() in the provider process; never serialized with the provider

    def configure(self, req: ConfigureRequest) -> None:
        self._config = req.config

    def token(self, props: dict[str, Any]) -> str:
        key = props.get("access_token_config")
        value = self._config.get(str(key)) if self._config is not None and key else None
        token = str(value) if value else os.environ.get(TOKEN_ENV, "")
        if not token:
            raise MissingTokenError(
                f"no Supabase Management API token: set it with `pulumi config set --secret {key or '<key>'} sbp_…` "
                f"(read by the provider when it runs, so rotating it changes no resource), or export {TOKEN_ENV}")
        return token

    def client(self, props: dict[str, Any]) -> ManagementClient:
        return client_for(self.token(props), str(props.get("api_base_url") or DEFAULT_BASE_URL))


def client_for(token: str, base_url: str) -> ManagementClient:
    return ManagementClient(token, base_url)


def _split(value: Any) -> Any:
    """Comma-separated lists compare as lists (the API may answer "public, storage" for "public,storage")."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class _SettingsProvider(_ManagementProvider):
    """A group of fields of one settings endpoint. Subclasses say where the fields live and how to read/write."""

    fields_key: ClassVar[str] = "settings"
    kind: ClassVar[str] = "settings"
    list_fields: ClassVar[frozenset[str]] = frozenset()

    # -- endpoint specifics
    def fetch(self, client: ManagementClient, ref: str) -> dict[str, Any]:
        raise NotImplementedError

    def write(self, client: ManagementClient, ref: str, changes: dict[str, Any], desired: dict[str, Any]) -> None:
        raise NotImplementedError

    # -- shared behaviour
    def _same(self, key: str, a: Any, b: Any) -> bool:
        if key in self.list_fields:
            return _split(a) == _split(b)
        return a == b

    def _managed(self, props: dict[str, Any]) -> dict[str, Any]:
        return dict(props.get(self.fields_key) or {})

    def _changes(self, current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in desired.items() if not self._same(k, current.get(k), v)}

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        ref = news.get("project_ref")
        if not isinstance(ref, str) or len(ref) != 20:
            failures.append(CheckFailure("project_ref", "must be the 20-letter project ref"))
        if not isinstance(news.get(self.fields_key), dict):
            failures.append(CheckFailure(self.fields_key, "must be a mapping of managed fields"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old, new = self._managed(olds), self._managed(news)
        changed = sorted(k for k in set(old) | set(new) if k not in old or k not in new or
                         not self._same(k, old[k], new[k]))
        replaces = ["project_ref"] if olds.get("project_ref") != news.get("project_ref") else []
        plumbing = ["api_base_url"] if olds.get("api_base_url") != news.get("api_base_url") else []
        keys = [f"{self.fields_key}.{k}" for k in changed] + replaces + plumbing
        return DiffResult(changes=bool(keys), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        ref = props["project_ref"]
        client = self.client(props)
        desired = self._managed(props)
        self._converge(client, ref, before={}, desired=desired, fetch_first=True)
        return CreateResult(f"{ref}/{self.kind}", outs=dict(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = self.client(news)
        self._converge(client, news["project_ref"], before=self._managed(olds), desired=self._managed(news),
                       fetch_first=False)
        return UpdateResult(outs=dict(news))

    def _converge(self, client: ManagementClient, ref: str, before: dict[str, Any], desired: dict[str, Any],
                  fetch_first: bool) -> None:
        if fetch_first:
            changes = self._changes(self.fetch(client, ref), desired)
        else:  # partial update: only what the stack changed since the recorded state
            changes = {k: v for k, v in desired.items() if k not in before or not self._same(k, before[k], v)}
        if not changes:
            return
        try:
            self.write(client, ref, changes, desired)
        except ManagementApiError as failure:
            self._after_failure(client, ref, before, changes, desired, failure)

    def _after_failure(self, client: ManagementClient, ref: str, before: dict[str, Any], changes: dict[str, Any],
                       desired: dict[str, Any], failure: ManagementApiError) -> None:
        try:
            current = self.fetch(client, ref)
        except ManagementApiError:
            raise failure from None
        landed = [k for k in changes if self._same(k, current.get(k), changes[k])]
        if len(landed) == len(changes):
            _say(f"Supabase {self.kind} on {ref}: the change was applied although the API answered with an error "
                 f"({failure.api_message}); recording it as applied.")
            return
        rollback = {k: before[k] for k in landed if k in before}
        if rollback:
            try:
                self.write(client, ref, rollback, {**desired, **rollback})
            except ManagementApiError:
                raise ManagementApiError(
                    failure.setting,
                    f"{failure.api_message}; fields {', '.join(sorted(rollback))} were applied and could not be "
                    "rolled back — run `pulumi refresh`",
                    failure.status,
                ) from None
        raise failure

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = self.client(props)
        current = self.fetch(client, props["project_ref"])
        managed = self._managed(props)
        observed = {k: current.get(k) for k in managed}
        return ReadResult(id_, outs={**props, self.fields_key: observed})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        fields = ", ".join(sorted(self._managed(props)))
        _say(f"Supabase {self.kind} on {props.get('project_ref')}: left as they are ({fields}); webstack restores "
             "nothing it did not set and Supabase has no 'unset'. Change them in the dashboard if needed.")


class AuthSettingsProvider(_SettingsProvider):
    kind = "auth settings"
    list_fields = frozenset({"uri_allow_list"})

    def _managed(self, props: dict[str, Any]) -> dict[str, Any]:
        # The SMTP password arrives as its own secret input (`smtp_pass`) and is written with the other fields.
        managed = super()._managed(props)
        if props.get("smtp_pass"):
            managed["smtp_pass"] = props["smtp_pass"]
        return managed

    def fetch(self, client: ManagementClient, ref: str) -> dict[str, Any]:
        return client.get_auth_config(ref) or {}

    def write(self, client: ManagementClient, ref: str, changes: dict[str, Any], desired: dict[str, Any]) -> None:
        client.update_auth_config(ref, changes)


class PostgrestSettingsProvider(_SettingsProvider):
    kind = "PostgREST settings"
    list_fields = frozenset({"db_schema", "db_extra_search_path"})

    def fetch(self, client: ManagementClient, ref: str) -> dict[str, Any]:
        return client.get_postgrest(ref) or {}

    def write(self, client: ManagementClient, ref: str, changes: dict[str, Any], desired: dict[str, Any]) -> None:
        client.update_postgrest(ref, changes)


class SslEnforcementProvider(_SettingsProvider):
    kind = "SSL enforcement"
    fields_key = "requestedConfig"

    def fetch(self, client: ManagementClient, ref: str) -> dict[str, Any]:
        answer = client.get_ssl_enforcement(ref) or {}
        return {"database": (answer.get("currentConfig") or {}).get("database")}

    def write(self, client: ManagementClient, ref: str, changes: dict[str, Any], desired: dict[str, Any]) -> None:
        answer = client.set_ssl_enforcement(ref, bool(desired["database"])) or {}
        if answer.get("appliedSuccessfully") is False:
            raise ManagementApiError("SSL enforcement", "the API accepted the request but did not apply it", 200)


class NetworkRestrictionsProvider(_SettingsProvider):
    kind = "network restrictions"

    def _same(self, key: str, a: Any, b: Any) -> bool:
        return sorted(a or []) == sorted(b or [])

    def fetch(self, client: ManagementClient, ref: str) -> dict[str, Any]:
        config = (client.get_network_restrictions(ref) or {}).get("config") or {}
        return {"dbAllowedCidrs": config.get("dbAllowedCidrs") or [],
                "dbAllowedCidrsV6": config.get("dbAllowedCidrsV6") or []}

    def write(self, client: ManagementClient, ref: str, changes: dict[str, Any], desired: dict[str, Any]) -> None:
        # The endpoint replaces the whole allow-list: always send both families.
        client.apply_network_restrictions(ref, list(desired.get("dbAllowedCidrs") or []),
                                          list(desired.get("dbAllowedCidrsV6") or []))


class EdgeFunctionSecretsProvider(_ManagementProvider):
    """Secrets for Edge Functions: names are plain inputs, values a secret map. Owns only the names it lists."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        names = news.get("names") or []
        values = news.get("values") or {}
        if isinstance(values, dict) and isinstance(names, list) and sorted(values) != sorted(names):
            failures.append(CheckFailure("values", "must have exactly one value per name in `names`"))
        for name in names if isinstance(names, list) else []:
            if not isinstance(name, str) or name.startswith("SUPABASE_"):
                failures.append(CheckFailure("names", "secret names must not start with SUPABASE_"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = [k for k in ("names", "values", "api_base_url") if olds.get(k) != news.get(k)]
        replaces = ["project_ref"] if olds.get("project_ref") != news.get("project_ref") else []
        return DiffResult(changes=bool(keys or replaces), replaces=replaces, delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        values = dict(props.get("values") or {})
        if values:
            self.client(props).upsert_secrets(props["project_ref"], values)
        return CreateResult(f"{props['project_ref']}/secrets", outs=dict(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client, ref = self.client(news), news["project_ref"]
        old_values, new_values = dict(olds.get("values") or {}), dict(news.get("values") or {})
        changed = {k: v for k, v in new_values.items() if old_values.get(k) != v}
        removed = sorted(set(old_values) - set(new_values))
        if changed:
            client.upsert_secrets(ref, changed)
        if removed:
            try:
                client.delete_secrets(ref, removed)
            except ManagementApiError as failure:
                restore = {k: old_values[k] for k in changed if k in old_values}
                added = sorted(set(changed) - set(old_values))
                try:
                    if restore:
                        client.upsert_secrets(ref, restore)
                    if added:
                        client.delete_secrets(ref, added)
                except ManagementApiError:
                    raise ManagementApiError(
                        failure.setting,
                        f"{failure.api_message}; new values were set and could not be rolled back — "
                        "run `pulumi refresh`",
                        failure.status,
                    ) from None
                raise
        return UpdateResult(outs=dict(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        present = set(self.client(props).list_secret_names(props["project_ref"]))
        names = [n for n in props.get("names") or [] if n in present]
        values = {k: v for k, v in (props.get("values") or {}).items() if k in present}
        return ReadResult(id_, outs={**props, "names": names, "values": values})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        names = sorted(props.get("names") or [])
        if names:
            self.client(props).delete_secrets(props["project_ref"], names)
        _say(f"Supabase Edge Function secrets on {props.get('project_ref')}: deleted the {len(names)} this stack "
             "created; other secrets were not touched.")


def sql_digest(sql: str) -> str:
    return hashlib.sha256(sql.encode()).hexdigest()


class DatabaseSecurityProvider(_ManagementProvider):
    """Applies the SQL bundle (one transaction) through the query endpoint, or psycopg when a DSN is configured."""

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = [k for k in ("sql_sha256", "tables", "db_url", "api_base_url") if olds.get(k) != news.get(k)]
        replaces = ["project_ref"] if olds.get("project_ref") != news.get("project_ref") else []
        return DiffResult(changes=bool(keys or replaces), replaces=replaces, delete_before_replace=False)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        sql = news.get("sql")
        if isinstance(sql, str) and news.get("sql_sha256") not in (None, sql_digest(sql)):
            failures.append(CheckFailure("sql_sha256", "does not match the bundle"))
        return CheckResult(news, failures)

    def _apply(self, props: dict[str, Any]) -> None:
        sql = str(props["sql"])
        dsn = props.get("db_url") or ""
        if dsn:
            apply_with_dsn(str(dsn), sql)
        else:
            self.client(props).run_query(props["project_ref"], sql, setting="database security bundle")

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._apply(props)
        return CreateResult(f"{props['project_ref']}/database-security", outs=dict(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # A new bundle, or drift found by a refresh (the recorded tables then differ from the declared ones): the
        # bundle is idempotent, so applying it again restores the declared security. One transaction: a failure
        # leaves the database (and so the recorded state) as it was.
        if olds.get("sql_sha256") != news.get("sql_sha256") or olds.get("tables") != news.get("tables"):
            self._apply(news)
        return UpdateResult(outs=dict(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The declared tables as the database has them now (RLS on, forced, which policies), so `pulumi refresh`
        shows drift — RLS switched off or a policy dropped in the dashboard — and the next `up` re-applies."""
        declared = [t for t in props.get("tables") or [] if isinstance(t, dict)]
        if not declared:
            return ReadResult(id_, outs=dict(props))
        query = rls_state_query([(str(t["schema"]), str(t["name"])) for t in declared])
        dsn = props.get("db_url") or ""
        if dsn:
            rows = query_with_dsn(str(dsn), query)
        else:
            rows = self.client(props).run_query(props["project_ref"], query, setting="database security state") or []
        return ReadResult(id_, outs={**props, "tables": observed_tables(declared, rows)})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        _say(f"Supabase database security on {props.get('project_ref')}: tables, policies and grants were left in "
             "place (dropping security would expose data). Remove them with a migration if intended.")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def rls_state_query(tables: list[tuple[str, str]]) -> str:
    """One row per existing table: schema, name, rls_enabled, force_rls, policies (names, sorted)."""
    # Literals, quoted: the query endpoint takes no parameters (names are validated identifiers anyway).
    wanted = ", ".join(f"({_literal(schema)}, {_literal(name)})" for schema, name in tables)
    head = ("select n.nspname::text as schema, c.relname::text as name, c.relrowsecurity as rls_enabled, "
            "c.relforcerowsecurity as force_rls, array(select p.polname::text from pg_policy p "
            "where p.polrelid = c.oid order by p.polname) as policies "
            "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where c.relkind in ('r', 'p') and (n.nspname::text, c.relname::text) in (values ")
    return head + wanted + ") order by 1, 2"


def observed_tables(declared: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``declared`` as found: equal to it when nothing drifted; a missing table reads as no RLS, no policies.
    Policies keep the declared order, then any the stack did not declare (sorted)."""
    found = {(str(r.get("schema")), str(r.get("name"))): r for r in rows}
    out = []
    for table in declared:
        row = found.get((str(table["schema"]), str(table["name"])))
        present = [str(p) for p in (row or {}).get("policies") or []]
        wanted = [str(p) for p in table.get("policies") or []]
        policies = [p for p in wanted if p in present] + sorted(p for p in present if p not in wanted)
        out.append({**table, "rls_enabled": bool(row and row.get("rls_enabled")),
                    "force_rls": bool(row and row.get("force_rls")), "policies": policies})
    return out


def query_with_dsn(dsn: str, query: str) -> list[dict[str, Any]]:
    import psycopg
    from psycopg.rows import dict_row

    from components.config.dsn import scrub_dsn

    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=15, row_factory=dict_row) as conn:
            return list(conn.execute(query.encode()).fetchall())
    except psycopg.Error as exc:
        raise DatabaseApplyError(f"reading the database security state failed: {scrub_dsn(str(exc), dsn)}") from None


class DatabaseApplyError(Exception):
    """Applying the bundle failed (message from PostgreSQL; never contains the connection string)."""


def apply_with_dsn(dsn: str, sql: str) -> None:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - depends on the environment
        raise DatabaseApplyError("applying over a DSN needs psycopg: pip install 'psycopg[binary]'") from None
    from components.config.dsn import check_dsn, scrub_dsn

    try:
        check_dsn(dsn)
    except ValueError as exc:
        raise DatabaseApplyError(f"webstack:supabaseDbUrl {exc}") from None
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=15) as conn:
            conn.execute(sql.encode())  # simple query protocol: the bundle's BEGIN/COMMIT make it one transaction
    except psycopg.Error as exc:
        message = scrub_dsn(str(exc), dsn)
        raise DatabaseApplyError(f"database security bundle failed and was rolled back: {message}") from None


class AuthSettings(pulumi.dynamic.Resource, module="supabase", name="AuthSettings"):
    """Auth config fields of a Supabase project (``PATCH /v1/projects/{ref}/config/auth``), under ``settings``."""

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(AuthSettingsProvider(), name, props, _secret_opts(opts))


class PostgrestSettings(pulumi.dynamic.Resource, module="supabase", name="PostgrestSettings"):
    """PostgREST config (exposed schemas, max_rows, extra search path), under ``settings``."""

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(PostgrestSettingsProvider(), name, props, _secret_opts(opts))


class SslEnforcement(pulumi.dynamic.Resource, module="supabase", name="SslEnforcement"):
    """Database SSL enforcement, under ``requestedConfig.database`` (the API's own shape)."""

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SslEnforcementProvider(), name, props, _secret_opts(opts))


class NetworkRestrictions(pulumi.dynamic.Resource, module="supabase", name="NetworkRestrictions"):
    """Database network allow-list (``dbAllowedCidrs``/``dbAllowedCidrsV6``), under ``settings``."""

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(NetworkRestrictionsProvider(), name, props, _secret_opts(opts))


class EdgeFunctionSecrets(pulumi.dynamic.Resource, module="supabase", name="EdgeFunctionSecrets"):
    """Edge Function secrets: ``names`` (plain) and ``values`` (secret map)."""

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(EdgeFunctionSecretsProvider(), name, props, _secret_opts(opts))


class DatabaseSecurity(pulumi.dynamic.Resource, module="supabase", name="DatabaseSecurity"):
    """The RLS/policy/function/grant bundle (``sql``), its digest and a per-table summary (``tables``)."""

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(DatabaseSecurityProvider(), name, props, _secret_opts(opts))


def _secret_opts(opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS))
