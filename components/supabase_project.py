"""SupabaseProject: a Supabase project's settings and database security, managed through the Management API.

Secure defaults (each an explicit opt-out in ``webstack:supabase``): SSL enforced on the database; auth with
leaked-password protection, TOTP MFA, refresh-token rotation, 12-character passwords, no anonymous sign-ins,
redirects only to the site's own hostnames and every ``rate_limit_*`` set (per-IP ones no looser than the edge's
/auth limit); PostgREST exposing only ``public`` with ``max_rows`` 1000; RLS on every declared table with exactly
the declared policies, ``search_path`` pinned on exposed functions, and API roles granted only what policies need.
"""

import json
from typing import Any, NotRequired, TypedDict

import pulumi

from components import artifacts
from components.config.base import ConfigError
from components.config.stack import SECURE_PLACEHOLDER, StackConfig, secret_value
from components.supabase import settings as derive
from components.supabase import sql as sqlgen
from components.supabase.backups import DatabaseBackups
from components.supabase.provider import (
    AuthSettings,
    DatabaseSecurity,
    EdgeFunctionSecrets,
    NetworkRestrictions,
    PostgrestSettings,
    SslEnforcement,
    sql_digest,
)


class SupabaseProjectArgs(TypedDict):
    project_ref: str
    """The 20-letter project ref."""
    api_url: str
    """https://<ref>.supabase.co (or a custom domain): what the browser app calls."""
    anon_key: pulumi.Input[str]
    """The anon/publishable key (safe in browsers, still handled as a secret)."""
    access_token: NotRequired[pulumi.Input[str] | None]
    """Management API personal access token; required when ``manage_settings`` (always made a secret).
    Default: none."""
    manage_settings: NotRequired[bool]
    """Default True: register the settings resources. False: only outputs and the rendered SQL."""
    management_api_url: NotRequired[str]
    """Default https://api.supabase.com."""
    auth: NotRequired[dict[str, Any]]
    """``UpdateAuthConfigBody`` fields to manage (only these are diffed and written). Default: none (unmanaged)."""
    smtp_password: NotRequired[pulumi.Input[str] | None]
    """The custom SMTP password, sent as the auth body's ``smtp_pass`` (always made a secret). Default: none."""
    postgrest: NotRequired[dict[str, Any]]
    """``V1UpdatePostgrestConfigBody`` fields to manage. Default: none (unmanaged)."""
    enforce_ssl: NotRequired[bool]
    """Default True."""
    network_restrictions: NotRequired[dict[str, list[str]] | None]
    """``{"dbAllowedCidrs": [...], "dbAllowedCidrsV6": [...]}``; None (default) leaves them unmanaged."""
    function_secret_names: NotRequired[list[str]]
    """Edge Function secret names (the values are ``function_secret_values``). Default: none."""
    function_secret_values: NotRequired[pulumi.Input[dict[str, str]] | None]
    """name -> value (always made a secret). Default: none."""
    sql_files: NotRequired[dict[str, str]]
    """The database security bundle: ``supabase/NN_name.sql`` -> content, applied in name order in one transaction.
    Default: none (no database changes)."""
    tables: NotRequired[list[dict[str, Any]]]
    """Per-table summary of the security model (schema, name, rls_enabled, force_rls, policies). Default: none."""
    backups: NotRequired[dict[str, Any] | None]
    """``{"plan": …, "pitr": {"enabled", "retention_days", "waiver"}, "schedule_for": "HH:MM:SS" | None}`` — the
    PITR add-on or its waiver (:mod:`components.supabase.backups`). Default: none (backups unmanaged)."""
    db_url: NotRequired[pulumi.Input[str] | None]
    """A postgresql:// DSN: apply the bundle over a direct connection instead of the query endpoint (secret).
    Default: none (the Management API's query endpoint)."""


class SupabaseProject(pulumi.ComponentResource):
    """A Supabase project's settings and database security, managed through the Management API."""

    api_url: pulumi.Output[str]
    """The project's API URL (for the app's VITE_SUPABASE_URL and the CSP connect-src)."""
    anon_key: pulumi.Output[str]
    """The anon/publishable key, as a secret."""
    sql_sha256: pulumi.Output[str]
    """Digest of the applied database security bundle."""

    def __init__(self, name: str, args: SupabaseProjectArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("webstack:index:SupabaseProject", name, {}, opts)
        ref = args["project_ref"]
        files = dict(args.get("sql_files") or {})
        for rel, content in sorted(files.items()):
            artifacts.emit(rel, content)
        bundle = sqlgen.bundle(files) if files else ""
        child = pulumi.ResourceOptions(parent=self)
        self.settings: dict[str, pulumi.CustomResource] = {}

        if args.get("manage_settings", True):
            token = args.get("access_token")
            if token is None:
                raise ValueError(f"SupabaseProject {name}: access_token is required when manage_settings is true")
            common: dict[str, Any] = {
                "project_ref": ref,
                "access_token": pulumi.Output.secret(token),
                "api_base_url": args.get("management_api_url") or "https://api.supabase.com",
            }
            if args.get("auth"):
                auth_props: dict[str, Any] = {**common, "settings": dict(args["auth"])}
                smtp_password = args.get("smtp_password")
                if smtp_password is not None:
                    # Beside `settings`, not in it: the settings stay readable in previews; only this is secret.
                    auth_props["smtp_pass"] = pulumi.Output.secret(smtp_password)
                self.settings["auth"] = AuthSettings(f"{name}-auth", auth_props, child)
            if args.get("postgrest"):
                self.settings["postgrest"] = PostgrestSettings(
                    f"{name}-postgrest", {**common, "settings": dict(args["postgrest"])}, child)
            self.settings["ssl"] = SslEnforcement(
                f"{name}-ssl", {**common, "requestedConfig": {"database": bool(args.get("enforce_ssl", True))}}, child)
            restrictions = args.get("network_restrictions")
            if restrictions is not None:
                self.settings["network"] = NetworkRestrictions(
                    f"{name}-network", {**common, "settings": dict(restrictions)}, child)
            names = list(args.get("function_secret_names") or [])
            if names:
                values = args.get("function_secret_values")
                if values is None:
                    raise ValueError(f"SupabaseProject {name}: function_secret_values is required for "
                                     f"function_secret_names {names}")
                self.settings["secrets"] = EdgeFunctionSecrets(
                    f"{name}-function-secrets",
                    {**common, "names": sorted(names), "values": pulumi.Output.secret(values)}, child)
            backups = args.get("backups")
            if backups:
                self.settings["backups"] = DatabaseBackups(f"{name}-backups", {**common, **backups}, child)
            if files:
                db_url = args.get("db_url")
                self.settings["database"] = DatabaseSecurity(
                    f"{name}-database-security",
                    {**common, "sql": bundle, "sql_sha256": sql_digest(bundle),
                     "files": sorted(files), "tables": list(args.get("tables") or []),
                     "db_url": pulumi.Output.secret(db_url) if db_url is not None else None},
                    child)

        self.api_url = pulumi.Output.from_input(args["api_url"])
        self.anon_key = pulumi.Output.secret(args["anon_key"])
        self.sql_sha256 = pulumi.Output.from_input(sql_digest(bundle) if bundle else "")
        self.register_outputs({"api_url": self.api_url, "anon_key": self.anon_key, "sql_sha256": self.sql_sha256})


def _secret_or_placeholder(cfg_value: Any) -> str | None:
    """The plain secret; the offline placeholder passes through (the run never calls the API offline)."""
    if cfg_value is None:
        return None
    plain = secret_value(cfg_value)
    return plain if plain is not None else SECURE_PLACEHOLDER


def supabase_args_from_config(cfg: StackConfig) -> SupabaseProjectArgs:
    """The component's args for one stack (pure: derives every value from the validated config)."""
    sb = cfg.supabase
    token = _secret_or_placeholder(cfg.supabase_access_token)
    if sb.manage_settings and token is None:
        raise ConfigError([("webstack:supabaseAccessToken",
                            "required when webstack:supabase.manageSettings is true (a personal access token, set "
                            "with `pulumi config set --secret webstack:supabaseAccessToken sbp_…`), or set "
                            "manageSettings: false")])
    files = sqlgen.render_files(sb.database, list(sb.postgrest.schemas))
    for note in derive.plan_warnings(cfg):
        pulumi.log.warn(note)
    args: SupabaseProjectArgs = {
        "project_ref": sb.project_ref,
        "api_url": sb.api_url,
        "anon_key": _secret_or_placeholder(cfg.supabase_anon_key) or "",
        "access_token": token,
        "manage_settings": sb.manage_settings,
        "management_api_url": sb.management_api_url,
        "auth": derive.auth_settings(cfg),
        "smtp_password": _secret_or_placeholder(getattr(cfg, "supabase_smtp_password", None)),
        "postgrest": derive.postgrest_settings(cfg),
        "enforce_ssl": sb.enforce_ssl,
        "network_restrictions": derive.network_restrictions(cfg),
        "function_secret_names": list(sb.function_secrets),
        "function_secret_values": _function_secret_values(cfg),
        "sql_files": files,
        "tables": sqlgen.table_summary(sb.database),
        "db_url": _secret_or_placeholder(cfg.supabase_db_url),
        "backups": None if sb.backups is None else {
            "plan": sb.plan, "schedule_for": sb.backups.schedule_for,
            "pitr": {k: v for k, v in sb.backups.pitr.model_dump().items() if v is not None}},
    }
    return args


def _function_secret_values(cfg: StackConfig) -> dict[str, str] | None:
    """Values for ``functionSecrets`` from the secret key ``webstack:supabaseFunctionSecrets`` (a JSON object)."""
    names = list(cfg.supabase.function_secrets)
    if not names:
        return None
    raw = getattr(cfg, "supabase_function_secrets", None)
    plain = secret_value(raw) if raw is not None else None
    if raw is None:
        raise ConfigError([("webstack:supabaseFunctionSecrets",
                            f"required for webstack:supabase.functionSecrets ({', '.join(names)}): a JSON object "
                            "name -> value, set with `pulumi config set --secret`")])
    if plain is None:  # offline placeholder: values unknown, names known
        return {name: SECURE_PLACEHOLDER for name in names}
    try:
        values = json.loads(plain)
    except json.JSONDecodeError:
        raise ConfigError([("webstack:supabaseFunctionSecrets", "must be a JSON object of name -> value")]) from None
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        raise ConfigError([("webstack:supabaseFunctionSecrets", "must be a JSON object of name -> string value")])
    if sorted(values) != sorted(names):
        # Only the public names (from functionSecrets) are named; the secret object's own keys are never echoed.
        missing = sorted(set(names) - set(values))
        extra = len(set(values) - set(names))
        detail = "; ".join(part for part in (f"missing {', '.join(missing)}" if missing else "",
                                              f"{extra} other key(s), not shown (the object is secret)" if extra
                                              else "") if part)
        raise ConfigError([("webstack:supabaseFunctionSecrets",
                            f"keys must be exactly webstack:supabase.functionSecrets ({', '.join(sorted(names))}): "
                            f"{detail}")])
    return {k: values[k] for k in sorted(values)}
