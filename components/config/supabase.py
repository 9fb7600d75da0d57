"""`webstack:supabase` — the Supabase project the app talks to, its settings and its database security model.

Ranges are the ones the Management API documents (``UpdateAuthConfigBody``, ``V1UpdatePostgrestConfigBody``);
defaults are the secure choice. `site_url` and the redirect allow-list are not configured here: they are derived
from the stack's domains (see :mod:`components.supabase.settings`), and the per-IP auth rate limits are derived
from the stack's `rateLimits` unless overridden under ``auth.rateLimits``.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from components.config.backups import BackupsConfig
from components.config.base import Email, Hostname, HttpsUrl, SafeText, StrictModel, Url, UrlPath
from components.config.function_source import SLUG, FunctionSourceError, collect_sources
from components.config.hosting import relative_dir

_REF = re.compile(r"^[a-z]{20}\Z")
_SQL_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}\Z")
_SECRET_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,255}\Z")
INT32_MAX = 2_147_483_647
# Schemas PostgREST must never expose (Supabase-internal or catalog).
_UNEXPOSABLE = frozenset({
    "auth", "pg_catalog", "information_schema", "vault", "pgsodium", "pgsodium_masks", "supabase_functions",
    "supabase_migrations", "extensions", "pgbouncer", "realtime", "net", "cron",
})


def _ref(value: str) -> str:
    if not _REF.match(value):
        raise ValueError("must be the 20-letter lower-case Supabase project ref (Project Settings > General)")
    return value


def _sql_ident(value: str) -> str:
    if not _SQL_IDENT.match(value):
        raise ValueError("must be a lower-case SQL identifier: a-z, 0-9, _ (1-63 characters, no leading digit)")
    return value


def _secret_name(value: str) -> str:
    if not _SECRET_NAME.match(value):
        raise ValueError("must be an upper-case environment variable name (A-Z, 0-9, _; at most 256 characters)")
    if value.startswith("SUPABASE_"):
        raise ValueError("must not start with SUPABASE_ (reserved by Supabase)")
    return value


def _cidr(value: str) -> str:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"must be a CIDR block like 203.0.113.0/24 with no host bits set ({exc})") from None
    return str(net)


def _sql_expr(value: str) -> str:
    """A policy expression: it is written inside ``using ( … )``, so it must not be able to close that context."""
    if not value.isascii() or re.search(r"[\x00-\x1f\x7f]", value):
        raise ValueError("must be ASCII on one line")
    if len(value) > 2000:
        raise ValueError("must be at most 2000 characters")
    for bad in (";", "--", "/*", "*/", "$", "\\"):
        if bad in value:
            raise ValueError(f"must not contain {bad!r} (statement separators, comments and dollar quotes)")
    depth, quote = 0, ""
    for ch in value:
        if quote:
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ValueError("has a ')' without a matching '('")
    if quote:
        raise ValueError("has an unterminated quoted string or identifier")
    if depth:
        raise ValueError("has unbalanced parentheses")
    if not value.strip():
        raise ValueError("must not be empty")
    return value


ProjectRef = Annotated[str, AfterValidator(_ref)]
SqlIdent = Annotated[str, AfterValidator(_sql_ident)]
"""A lower-case SQL identifier (always double-quoted when rendered)."""
SecretName = Annotated[str, AfterValidator(_secret_name)]
Cidr = Annotated[str, AfterValidator(_cidr)]
SqlExpr = Annotated[str, AfterValidator(_sql_expr)]

PASSWORD_CHARACTER_SETS: dict[str, str] = {
    "none": "",
    "letters_digits": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789",
    "lower_upper_digits": "abcdefghijklmnopqrstuvwxyz:ABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789",
    "lower_upper_digits_symbols": (
        "abcdefghijklmnopqrstuvwxyz:ABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789:!@#$%^&*()_+-=[]{};'\\\\:\"|<>?,./`~"
    ),
}
"""Config names for the API's ``password_required_characters`` enum (values verbatim from the OpenAPI doc)."""


class AuthRateLimits(StrictModel):
    """Explicit overrides of Supabase Auth's ``rate_limit_*`` (unset: derived from `webstack:rateLimits`)."""

    email_sent: int | None = Field(None, alias="emailSent", ge=1, le=INT32_MAX, description="emails per hour")
    sms_sent: int | None = Field(None, alias="smsSent", ge=1, le=INT32_MAX, description="SMS per hour")
    verify: int | None = Field(None, ge=1, le=INT32_MAX, description="verifications per 5 minutes per IP")
    token_refresh: int | None = Field(
        None, alias="tokenRefresh", ge=1, le=INT32_MAX, description="token refreshes per 5 minutes per IP"
    )
    otp: int | None = Field(None, ge=1, le=INT32_MAX, description="OTP / magic-link requests per 5 minutes per IP")
    anonymous_users: int | None = Field(
        None, alias="anonymousUsers", ge=1, le=INT32_MAX, description="anonymous sign-ins per hour per IP"
    )
    web3: int | None = Field(None, ge=1, le=INT32_MAX, description="Web3 sign-ins per 5 minutes per IP")


HIBP_PLAN_SOURCE = (
    "supabase.com/docs/guides/auth/password-security — \"Leaked password protection is available on the Pro Plan "
    "and above\"")
SMTP_SOURCE = ("supabase.com/docs/guides/auth/auth-smtp and supabase.com/docs/guides/auth/rate-limits — the email "
               "rate limit can only be changed with custom SMTP")

_SMTP_USER = re.compile(r"^[\x21-\x7e]{1,256}\Z")


def _smtp_user(value: str) -> str:
    if not _SMTP_USER.match(value):
        raise ValueError("must be 1-256 printable ASCII characters without spaces")
    return value


class SmtpConfig(StrictModel):
    """Custom SMTP for Supabase Auth's e-mails (confirmations, magic links, resets).

    The password is not here: it is the secret key ``webstack:supabaseSmtpPassword``
    (``pulumi config set --secret webstack:supabaseSmtpPassword …``) and stays a Pulumi secret end to end. Only with
    custom SMTP does Supabase let a project change ``rate_limit_email_sent`` (its built-in sender is fixed).
    """

    host: Hostname = Field(description="the SMTP server, e.g. smtp.postmarkapp.com")
    port: Literal[25, 465, 587, 2525] = Field(587, description="587 (STARTTLS) by default; 465 = implicit TLS")
    user: Annotated[str, AfterValidator(_smtp_user)] = Field(description="the SMTP user name")
    admin_email: Email = Field(alias="adminEmail", description="the sender address (From:)")
    sender_name: SafeText = Field(alias="senderName", description="the sender name shown in mail clients")
    max_frequency: int = Field(60, alias="maxFrequency", ge=0, le=32767,
                               description="minimum seconds between e-mails to one address")


class AuthConfig(StrictModel):
    jwt_expiry: int = Field(3600, alias="jwtExpiry", ge=60, le=604800, description="access-token lifetime, seconds")
    password_min_length: int = Field(12, alias="passwordMinLength", ge=6, le=32767)
    password_required_characters: Literal["none", "letters_digits", "lower_upper_digits",
                                          "lower_upper_digits_symbols"] = Field(
        "lower_upper_digits", alias="passwordRequiredCharacters"
    )
    leaked_password_protection: bool = Field(
        True, alias="leakedPasswordProtection",
        description="reject passwords found in HaveIBeenPwned (Pro plan and above; on plan free it is left out with "
        "a warning unless set explicitly, which is refused)"
    )
    mfa_totp: bool = Field(True, alias="mfaTotp", description="allow users to enrol and verify TOTP factors")
    mfa_max_enrolled_factors: int = Field(10, alias="mfaMaxEnrolledFactors", ge=1, le=INT32_MAX)
    refresh_token_rotation: bool = Field(True, alias="refreshTokenRotation")
    refresh_token_reuse_interval: int = Field(
        10, alias="refreshTokenReuseInterval", ge=0, le=INT32_MAX, description="seconds a rotated token stays valid"
    )
    allow_signup: bool = Field(True, alias="allowSignup")
    anonymous_sign_ins: bool = Field(False, alias="anonymousSignIns")
    redirect_paths: list[UrlPath] = Field(
        default_factory=lambda: ["/auth/callback"], alias="redirectPaths",
        description="paths on every site hostname that auth may redirect to",
    )
    extra_redirect_urls: list[Url] = Field(
        default_factory=list, alias="extraRedirectUrls", description="e.g. http://localhost:5173 on dev stacks"
    )
    rate_limits: AuthRateLimits = Field(default_factory=lambda: AuthRateLimits.model_validate({}), alias="rateLimits")
    smtp: SmtpConfig | None = Field(
        None, description="custom SMTP (password: the secret key webstack:supabaseSmtpPassword). Unset: Supabase's "
        "built-in sender, and rateLimits.emailSent is not sent (Supabase only accepts it with custom SMTP)")


class PostgrestConfig(StrictModel):
    schemas: list[SqlIdent] = Field(default_factory=lambda: ["public"], min_length=1)
    max_rows: int = Field(1000, alias="maxRows", ge=1, le=1_000_000)
    extra_search_path: list[SqlIdent] = Field(
        default_factory=lambda: ["public", "extensions"], alias="extraSearchPath"
    )

    @model_validator(mode="after")
    def _safe_schemas(self) -> PostgrestConfig:
        bad = sorted(set(self.schemas) & _UNEXPOSABLE)
        if bad:
            raise ValueError(f"schemas must not expose internal schema(s) {', '.join(bad)} through the API")
        if len(set(self.schemas)) != len(self.schemas):
            raise ValueError("schemas lists a schema twice")
        return self


class NetworkRestrictionsConfig(StrictModel):
    allowed_cidrs: list[Cidr] = Field(alias="allowedCidrs", min_length=1)
    reason: SafeText | None = Field(None, description="required when a CIDR allows the whole internet")

    @model_validator(mode="after")
    def _open_needs_reason(self) -> NetworkRestrictionsConfig:
        if {"0.0.0.0/0", "::/0"} & set(self.allowed_cidrs) and not self.reason:
            raise ValueError("allowedCidrs opens the database to the whole internet; say why in `reason`")
        return self


PolicyKind = Literal["public_read", "owner", "authenticated_read", "no_access", "sql"]
Command = Literal["select", "insert", "update", "delete"]
ALL_COMMANDS: tuple[Command, ...] = ("select", "insert", "update", "delete")


class PolicyConfig(StrictModel):
    """One entry of the policy vocabulary (see docs/supabase.md)."""

    kind: PolicyKind
    name: SqlIdent | None = Field(None, description="default: <table>_<kind>[_<command>]")
    commands: list[Command] | None = Field(None, description="owner: default all four; sql: exactly one or all")
    column: SqlIdent = Field("user_id", description="owner: the uuid column compared to (select auth.uid())")
    roles: list[Literal["anon", "authenticated"]] | None = Field(None, description="sql: who the policy is for")
    using: SqlExpr | None = None
    with_check: SqlExpr | None = Field(None, alias="withCheck")
    restrictive: bool = False
    reason: SafeText | None = Field(None, description="sql: why a hand-written expression is needed (required)")

    @model_validator(mode="after")
    def _shape(self) -> PolicyConfig:
        sql_only = {"roles": self.roles, "using": self.using, "withCheck": self.with_check}
        if self.kind != "sql":
            extra = [k for k, v in sql_only.items() if v is not None] + (["restrictive"] if self.restrictive else [])
            if extra:
                raise ValueError(f"{', '.join(extra)} only apply to kind: sql")
            if self.kind != "owner" and self.commands is not None:
                raise ValueError(f"commands do not apply to kind: {self.kind}")
        if self.commands is not None and (not self.commands or len(set(self.commands)) != len(self.commands)):
            raise ValueError("commands must be a non-empty list without repeats")
        if self.kind == "sql":
            if not self.reason:
                raise ValueError("kind: sql needs a `reason` (reviewers read it next to the expression)")
            if not self.roles:
                raise ValueError("kind: sql needs `roles` (anon and/or authenticated)")
            if self.commands is not None and len(self.commands) not in (1, 4):
                raise ValueError("kind: sql takes one command, or all four (omit `commands`)")
            cmds = set(self.commands or ALL_COMMANDS)
            if self.using is None and cmds & {"select", "update", "delete"}:
                raise ValueError("kind: sql needs `using` for select/update/delete")
            if self.with_check is not None and cmds <= {"select", "delete"}:
                raise ValueError("withCheck does not apply to select/delete")
            if self.using is not None and cmds == {"insert"}:
                raise ValueError("insert policies take `withCheck`, not `using`")
            if cmds == {"insert"} and self.with_check is None:
                raise ValueError("kind: sql insert needs `withCheck`")
        return self


class TableConfig(StrictModel):
    schema_name: SqlIdent = Field("public", alias="schema")
    name: SqlIdent
    force_rls: bool = Field(False, alias="forceRls", description="apply policies to the table owner too")
    policies: list[PolicyConfig] = Field(min_length=1)


class DatabaseConfig(StrictModel):
    example_app: bool = Field(
        False, alias="exampleApp", description="ship the example app's schema (profiles, todos, posts) and policies"
    )
    tables: list[TableConfig] = Field(default_factory=list)
    harden_functions: bool = Field(True, alias="hardenFunctions", description="pin search_path in exposed schemas")
    function_search_path: list[SqlIdent] = Field(
        default_factory=list, alias="functionSearchPath", description="empty = '' (every name schema-qualified)"
    )
    revoke_anon_defaults: bool = Field(
        True, alias="revokeAnonDefaults",
        description="anon gets no table/function privileges by default; grants follow the declared policies",
    )

    @model_validator(mode="after")
    def _unique_tables(self) -> DatabaseConfig:
        seen: set[tuple[str, str]] = set()
        for t in self.tables:
            key = (t.schema_name, t.name)
            if key in seen:
                raise ValueError(f"table {t.schema_name}.{t.name} is declared twice")
            seen.add(key)
        return self




def _function_slug(value: str) -> str:
    if not SLUG.match(value) or len(value) > 63:
        raise ValueError("must be a function slug: a letter, then letters, digits, '_' or '-' (at most 63)")
    return value


FunctionSlug = Annotated[str, AfterValidator(_function_slug)]


class EdgeFunctionConfig(StrictModel):
    """An Edge Function deployed from a directory of the project (Management API ``functions/deploy``)."""

    slug: FunctionSlug = Field(description="the URL name: https://<ref>.supabase.co/functions/v1/<slug>")
    source: Annotated[SafeText, AfterValidator(relative_dir)] | None = Field(
        None, description="the function's directory, relative to the Pulumi project; default "
                          "supabase/functions/<slug> (the Supabase CLI's layout)")
    entrypoint: SafeText = Field("index.ts", description="the entry file, relative to source")
    name: SafeText | None = Field(None, description="display name; default: the slug")
    verify_jwt: bool = Field(
        True, alias="verifyJwt", description="the platform rejects requests without a valid Supabase JWT (anon key "
        "or a user's session) before the function runs. false only with verifyJwtWaiver (webhooks that sign "
        "their own requests, say)")
    verify_jwt_waiver: SafeText | None = Field(None, alias="verifyJwtWaiver",
                                               description="why this function accepts requests without a JWT")
    import_map: SafeText | None = Field(None, alias="importMap", description="import map, relative to source")
    static_patterns: list[SafeText] = Field(default_factory=list, alias="staticPatterns",
                                            description="globs of static files the function reads")

    @model_validator(mode="after")
    def _source_there(self) -> EdgeFunctionConfig:
        if self.source is None:
            object.__setattr__(self, "source", f"supabase/functions/{self.slug}")
        if not self.verify_jwt and not (self.verify_jwt_waiver or "").strip():
            raise ValueError("verifyJwt: false needs verifyJwtWaiver saying why the function takes requests without "
                             "a JWT (e.g. a webhook that verifies its own signature)")
        if self.verify_jwt and self.verify_jwt_waiver:
            raise ValueError("verifyJwtWaiver is set but verifyJwt is true: remove the waiver")
        assert self.source is not None
        entry = Path(self.source) / self.entrypoint
        if not Path(self.source).is_dir():
            raise ValueError(f"source {self.source!r} is not a directory (paths are relative to the Pulumi project "
                             "directory; create it, e.g. with `supabase functions new <slug>`)")
        if not entry.is_file():
            raise ValueError(f"entrypoint {self.entrypoint!r} is not a file in {self.source}")
        try:
            collect_sources(Path(self.source))
        except (FunctionSourceError, OSError) as exc:
            raise ValueError(f"source: {exc}") from None
        return self


class SupabaseConfig(StrictModel):
    project_ref: ProjectRef = Field(alias="projectRef")
    plan: Literal["free", "pro", "team", "enterprise"] | None = Field(
        None, description="the organisation's Supabase plan: the config refuses paid-plan features on free, and "
        "leaves out defaults the plan lacks (leaked-password protection) with a warning. Unset: no plan checks")
    url: HttpsUrl | None = Field(None, description="defaults to https://<projectRef>.supabase.co")
    manage_settings: bool = Field(
        True, alias="manageSettings", description="manage auth/PostgREST/SSL settings through the Management API"
    )
    auth: AuthConfig = Field(default_factory=lambda: AuthConfig.model_validate({}))
    postgrest: PostgrestConfig = Field(default_factory=lambda: PostgrestConfig.model_validate({}))
    enforce_ssl: bool = Field(True, alias="enforceSsl", description="database refuses non-TLS connections")
    network_restrictions: NetworkRestrictionsConfig | None = Field(
        None, alias="networkRestrictions", description="unset: not managed (Supabase allows every address)"
    )
    function_secrets: list[SecretName] = Field(
        default_factory=list, alias="functionSecrets",
        description="Edge Function secret NAMES; values come from the secret key webstack:supabaseFunctionSecrets",
    )
    functions: list[EdgeFunctionConfig] = Field(
        default_factory=list, description="Edge Functions deployed from the project's directories (each needs "
        "manageSettings: true; their secrets are functionSecrets)")
    database: DatabaseConfig = Field(default_factory=lambda: DatabaseConfig.model_validate({}))
    backups: BackupsConfig | None = Field(
        None, description="PITR add-on or its waiver, daily backup time (unset: not managed; production should "
        "declare it)")
    management_api_url: HttpsUrl = Field("https://api.supabase.com", alias="managementApiUrl")

    @model_validator(mode="after")
    def _default_url(self) -> SupabaseConfig:
        if self.url is None:
            object.__setattr__(self, "url", f"https://{self.project_ref}.supabase.co")
        if len(set(self.function_secrets)) != len(self.function_secrets):
            raise ValueError("functionSecrets lists a name twice")
        slugs = [f.slug for f in self.functions]
        if len(set(slugs)) != len(slugs):
            raise ValueError("functions declares a slug twice")
        if self.functions and not self.manage_settings:
            raise ValueError("functions are deployed through the Management API: set manageSettings: true")
        return self

    @property
    def api_url(self) -> str:
        assert self.url is not None
        return self.url
