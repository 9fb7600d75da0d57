"""SupabaseProject: a Supabase project's settings and database security, managed through the Management API.

Secure defaults (each an explicit opt-out in ``webstack:supabase``): SSL enforced on the database; auth with
leaked-password protection, TOTP MFA, refresh-token rotation, 12-character passwords, no anonymous sign-ins,
redirects only to the site's own hostnames and every ``rate_limit_*`` set (per-IP ones no looser than the edge's
/auth limit); PostgREST exposing only ``public`` with ``max_rows`` 1000; RLS on every declared table with exactly
the declared policies, ``search_path`` pinned on exposed functions, and API roles granted only what policies need.
"""

import json
from typing import Any, Literal, NotRequired, TypedDict, cast

import pulumi
from pydantic import Field

from components.config.base import ConfigError, Hostname, StrictModel
from components.config.stack import StackConfig, default_rate_limits, secret_value
from components.config.standard import RateLimit
from components.config.supabase import SupabaseConfig
from components.intent import (
    IntentError,
    Problems,
    RateLimitArgs,
    dump_fields,
    input_path,
    partial_config,
    rate_limit_args,
    secret_input,
    unknown_secret,
    validate,
)
from components.supabase import settings as derive
from components.supabase import sql as sqlgen
from components.supabase.backups import DatabaseBackups
from components.supabase.functions import EdgeFunction, edge_function_inputs
from components.supabase.provider import (
    AuthSettings,
    DatabaseSecurity,
    EdgeFunctionSecrets,
    NetworkRestrictions,
    PostgrestSettings,
    SslEnforcement,
    sql_digest,
)

TOKEN_CONFIG_KEY = "supabaseAccessToken"  # noqa: S105 — a config key name, not a token
"""The stack config key (in the program's project namespace) the settings provider reads the token from."""


class SupabaseProjectArgs(TypedDict):
    """The project and what the stack wants of it; keys as ``webstack:supabase`` in docs/config.md. The component
    derives the Management API bodies (auth, PostgREST, SSL, network) and the database security SQL from them."""

    project_ref: str
    """The 20-letter project ref."""
    domain: str
    """The site's apex domain: auth's site URL and redirect allow-list are built from it and www.<domain>."""
    anon_key: pulumi.Input[str]
    """The anon/publishable key (safe in browsers, still handled as a secret)."""
    canonical_host: NotRequired[str]
    """apex or www (the auth site URL). Default: apex."""
    url: NotRequired[str]
    """The API URL. Default: https://<projectRef>.supabase.co."""
    plan: NotRequired[str]
    """free, pro, team or enterprise: paid-plan features are refused on free, or left out with a warning.
    Default: none (not plan-checked)."""
    manage_settings: NotRequired[bool]
    """Register the settings resources (needs a Management API token at `pulumi up`, read by the provider from
    the stack config key ``accessTokenConfig`` or $SUPABASE_ACCESS_TOKEN — never an input). Default: true."""
    access_token_config: NotRequired[str]
    """The stack config key holding the Management API token. Default: ``<project>:supabaseAccessToken``."""
    management_api_url: NotRequired[str]
    """Default: https://api.supabase.com."""
    smtp_password: NotRequired[pulumi.Input[str]]
    """The custom SMTP password (``auth.smtp``), sent as the auth body's ``smtp_pass`` beside the settings (always
    made a secret). Default: none."""
    auth: NotRequired[dict[str, Any]]
    """Auth choices (jwtExpiry, passwordMinLength, mfaTotp, redirectPaths, rateLimits, …). Default: the secure
    defaults in docs/supabase.md."""
    postgrest: NotRequired[dict[str, Any]]
    """schemas, maxRows, extraSearchPath. Default: public only, 1000 rows."""
    enforce_ssl: NotRequired[bool]
    """Default: true."""
    network_restrictions: NotRequired[dict[str, Any]]
    """allowedCidrs (+ reason when one allows the whole internet). Default: unmanaged."""
    function_secrets: NotRequired[list[str]]
    """Edge Function secret names (values in ``functionSecretValues``). Default: none."""
    function_secret_values: NotRequired[pulumi.Input[dict[str, str]]]
    """name -> value (always made a secret). Default: none."""
    database: NotRequired[dict[str, Any]]
    """The tables and their RLS policies (exampleApp, tables, hardenFunctions, …). Default: no database changes."""
    rate_limits: NotRequired[list[RateLimitArgs]]
    """The edge's rate limits (``standard.rate_limits`` of CloudflareEdge, ``webstack:rateLimits``): per-IP auth
    limits are capped by the /auth one. Default: /api/* 100/min, /auth/* 20/min."""
    environment: NotRequired[str]
    """production, staging or development. Default: production."""
    backups: NotRequired[dict[str, Any]]
    """PITR and the daily backup time (``webstack:supabase.backups``): ``pitr`` {enabled, retentionDays} or
    {waiver} with its reason, ``scheduleFor`` HH:MM:SS (docs/supabase.md). Default: none (backups unmanaged)."""
    db_url: NotRequired[pulumi.Input[str]]
    """A postgresql:// DSN: apply the bundle over a direct connection instead of the query endpoint (secret).
    Default: none (the Management API's query endpoint)."""


class _SiteOfProject(StrictModel):
    domain: Hostname
    canonical_host: Literal["apex", "www"] = Field("apex", alias="canonicalHost")
    environment: Literal["production", "staging", "development"] = "production"
    rate_limits: list[RateLimit] = Field(default_factory=default_rate_limits, alias="rateLimits")


RENAMES = {"supabase": ""}
"""The component takes the ``webstack:supabase`` keys at top level."""
OTHER_KEYS = frozenset({"domain", "anon_key", "smtp_password", "canonical_host", "access_token_config",
                        "function_secret_values", "rate_limits", "environment", "db_url"})
"""Inputs that are not ``webstack:supabase`` keys."""


class SupabaseProject(pulumi.ComponentResource):
    """A Supabase project's settings and database security, managed through the Management API."""

    api_url: pulumi.Output[str]
    """The project's API URL (for the app's VITE_SUPABASE_URL and the CSP connect-src)."""
    anon_key: pulumi.Output[str]
    """The anon/publishable key, as a secret."""
    sql_sha256: pulumi.Output[str]
    """Digest of the applied database security bundle."""
    files: pulumi.Output[dict[str, str]]
    """Rendered files (path -> text): the database security bundle, ``supabase/NN_name.sql``."""

    def __init__(self, name: str, args: SupabaseProjectArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("webstack:index:SupabaseProject", name, {}, opts)
        cfg = supabase_config(name, args)
        sb = cfg.supabase
        ref = sb.project_ref
        for note in derive.plan_warnings(cfg):
            pulumi.log.warn(note, self)
        files = sqlgen.render_files(sb.database, list(sb.postgrest.schemas))
        bundle = sqlgen.bundle(files) if files else ""
        child = pulumi.ResourceOptions(parent=self)
        self.settings: dict[str, pulumi.CustomResource] = {}

        if sb.manage_settings:
            common: dict[str, Any] = {
                "project_ref": ref,
                "access_token_config": args.get("access_token_config")
                or f"{pulumi.get_project()}:{TOKEN_CONFIG_KEY}",
                "api_base_url": sb.management_api_url,
            }
            auth_props: dict[str, Any] = {**common, "settings": derive.auth_settings(cfg)}
            smtp_password = args.get("smtp_password")
            if smtp_password is not None:
                # Beside `settings`, not in it: the settings stay readable in previews; only this is secret.
                auth_props["smtp_pass"] = secret_input(smtp_password)
            self.settings["auth"] = AuthSettings(f"{name}-auth", auth_props, child)
            self.settings["postgrest"] = PostgrestSettings(
                f"{name}-postgrest", {**common, "settings": derive.postgrest_settings(cfg)}, child)
            self.settings["ssl"] = SslEnforcement(
                f"{name}-ssl", {**common, "requestedConfig": {"database": bool(sb.enforce_ssl)}}, child)
            restrictions = derive.network_restrictions(cfg)
            if restrictions is not None:
                self.settings["network"] = NetworkRestrictions(
                    f"{name}-network", {**common, "settings": dict(restrictions)}, child)
            names = list(sb.function_secrets)
            if names:
                values = args.get("function_secret_values")
                if values is None:
                    raise IntentError(f"SupabaseProject '{name}'", [(
                        "functionSecretValues", f"required for functionSecrets {names} (name -> value)")])
                self.settings["secrets"] = EdgeFunctionSecrets(
                    f"{name}-function-secrets", {**common, "names": sorted(names), "values": secret_input(values)},
                    child)
            for fn in sb.functions:
                self.settings[f"function:{fn.slug}"] = EdgeFunction(
                    f"{name}-function-{fn.slug}", {**common, **edge_function_inputs(fn)},
                    pulumi.ResourceOptions(parent=self, depends_on=[r for k, r in self.settings.items()
                                                                    if k == "secrets"]))
            if sb.backups is not None:
                backups = {"plan": sb.plan, "schedule_for": sb.backups.schedule_for,
                           "pitr": {k: v for k, v in sb.backups.pitr.model_dump().items() if v is not None}}
                self.settings["backups"] = DatabaseBackups(f"{name}-backups", {**common, **backups}, child)
            if files:
                db_url = args.get("db_url")
                self.settings["database"] = DatabaseSecurity(
                    f"{name}-database-security",
                    {**common, "sql": bundle, "sql_sha256": sql_digest(bundle),
                     "files": sorted(files), "tables": sqlgen.table_summary(sb.database),
                     "db_url": secret_input(db_url) if db_url is not None else None},
                    child)

        self.api_url = pulumi.Output.from_input(sb.api_url)
        self.anon_key = secret_input(args["anon_key"])
        self.sql_sha256 = pulumi.Output.from_input(sql_digest(bundle) if bundle else "")
        self.files = pulumi.Output.from_input(dict(sorted(files.items())))
        self.register_outputs({"api_url": self.api_url, "anon_key": self.anon_key, "sql_sha256": self.sql_sha256,
                               "files": self.files})


def supabase_config(name: str, args: SupabaseProjectArgs) -> StackConfig:
    """The Args checked by the stack config's own models (errors name the input), as a partial stack config."""
    component = f"SupabaseProject '{name}'"
    raw = {k: v for k, v in args.items() if k not in OTHER_KEYS}
    problems: Problems = []
    sb = validate(SupabaseConfig, raw, "", problems, RENAMES)
    site = validate(_SiteOfProject, {k: args[k] for k in ("domain", "canonical_host", "rate_limits", "environment")
                                    if args.get(k) is not None}, "", problems, RENAMES)
    if sb is None or site is None:
        raise IntentError(component, problems)
    from components.config.checks import supabase_auth_matches_environment

    cfg = partial_config(domain=site.domain, canonical_host=site.canonical_host, environment=site.environment,
                         supabase=sb, rate_limits=site.rate_limits)
    found = supabase_auth_matches_environment(cfg)
    if found:
        raise IntentError(component, [(input_path(k, RENAMES), m) for k, m in found])
    return cfg


def require_access_token(cfg: StackConfig) -> None:
    """Settings are managed with a token the provider reads from the stack config when it runs: it must be set."""
    if cfg.supabase.manage_settings and cfg.supabase_access_token is None:
        raise ConfigError([("webstack:supabaseAccessToken",
                            "required when webstack:supabase.manageSettings is true (a personal access token, set "
                            "with `pulumi config set --secret webstack:supabaseAccessToken sbp_…`), or set "
                            "manageSettings: false")])


def supabase_args_from_config(cfg: StackConfig, require_token: bool = True) -> SupabaseProjectArgs:
    """The component's intent Args for one stack (pure apart from making secrets secret inputs)."""
    if require_token:
        require_access_token(cfg)
    sb = cfg.supabase
    args: dict[str, Any] = {
        **dump_fields(sb),
        "project_ref": sb.project_ref,
        "url": sb.api_url,
        "domain": cfg.domain,
        "canonical_host": cfg.canonical_host,
        "environment": cfg.environment,
        "anon_key": secret_input(cfg.supabase_anon_key),
        "access_token_config": f"{cfg.project}:{TOKEN_CONFIG_KEY}",
    }
    if "rate_limits" in cfg.model_fields_set:
        args["rate_limits"] = rate_limit_args(cfg.rate_limits)
    values = function_secret_values(cfg)
    if values is not None:
        args["function_secret_values"] = values
    if cfg.supabase_db_url is not None:
        args["db_url"] = secret_input(cfg.supabase_db_url)
    smtp_password = getattr(cfg, "supabase_smtp_password", None)
    if smtp_password is not None:
        args["smtp_password"] = secret_input(smtp_password)
    return cast(SupabaseProjectArgs, args)


def function_secret_values(cfg: StackConfig) -> Any:
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
    if plain is None:  # offline placeholder: values unknown (names known), as every undecryptable secret
        return unknown_secret()
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
