"""The whole stack's configuration as one typed model (keys under the `webstack:` namespace)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from components.config.alerts import AlertsConfig
from components.config.base import Hostname, Ident, StrictModel
from components.config.cloudflare import CloudflareConfig
from components.config.dsn import check_dsn
from components.config.env import EnvConfig, EnvName
from components.config.hosting import HostingConfig
from components.config.performance import PerformanceConfig
from components.config.protection import ProtectionConfig
from components.config.standard import HeadersConfig, RateLimit
from components.config.supabase import SupabaseConfig

SECURE_PLACEHOLDER = "stackcheck:unresolved-secure-value"
"""What the offline run sees for a `secure:` stack value it cannot decrypt (and no `--secret` override gave)."""

SECRET_KEYS = ("supabaseAnonKey", "supabaseAccessToken", "supabaseDbUrl", "supabaseFunctionSecrets", "secretEnv",
               "supabaseSmtpPassword", "alertWebhooks")
"""Top-level keys that must be set with `pulumi config set --secret`."""


def default_rate_limits() -> list[RateLimit]:
    return [
        RateLimit.model_validate({"path": "/api/*", "requestsPerPeriod": 100, "period": 60, "burst": 20}),
        RateLimit.model_validate({"path": "/auth/*", "requestsPerPeriod": 20, "period": 60, "burst": 5}),
    ]


class StackConfig(StrictModel):
    project: Ident = "webstack"
    stack: Ident = "dev"
    environment: Literal["production", "staging", "development"] = Field(
        "production", description="production stacks get the strict rules (NODE_ENV, weakening reasons, health checks)"
    )
    domain: Hostname = Field(description="the apex domain of the site (the Cloudflare zone), e.g. example.com")
    canonical_host: Literal["apex", "www"] = Field(
        "apex", alias="canonicalHost", description="which hostname serves the site; the other redirects to it"
    )
    hosting: HostingConfig = Field(description="the runbook's deployment option and its settings")
    cloudflare: CloudflareConfig = Field(description="the Cloudflare zone in front of the site")
    supabase: SupabaseConfig = Field(description="the Supabase project the app talks to")
    headers: HeadersConfig = Field(
        default_factory=lambda: HeadersConfig.model_validate({}),
        description="security-header profile, extra CSP sources, reasoned opt-outs",
    )
    rate_limits: list[RateLimit] = Field(
        default_factory=default_rate_limits, alias="rateLimits",
        description="rate-limited paths (Cloudflare, nginx, Supabase auth); default /api/* 100/min, /auth/* 20/min",
    )
    performance: PerformanceConfig = Field(
        default_factory=lambda: PerformanceConfig.model_validate({}),
        description="Core Web Vitals targets (LCP 2500 ms, INP 200 ms, CLS 0.1, TTFB 600 ms) and real-user monitoring",
    )
    env: EnvConfig = Field(
        default_factory=lambda: EnvConfig({"NODE_ENV": "production"}),
        description="the app's build environment (NODE_ENV, VITE_* flags); VITE_SUPABASE_* are derived",
    )
    supabase_anon_key: SecretStr = Field(
        alias="supabaseAnonKey",
        description="secret: the anon or publishable key (safe in browsers, never service_role)",
    )
    supabase_access_token: SecretStr | None = Field(
        None,
        alias="supabaseAccessToken",
        description="secret: Management API token (sbp_…); settings unmanaged without it",
    )
    supabase_db_url: SecretStr | None = Field(
        None, alias="supabaseDbUrl", description="secret: postgresql:// DSN; applies the SQL bundle directly when set"
    )
    secret_env: dict[EnvName, SecretStr] = Field(default_factory=dict, alias="secretEnv")
    """Server/build-side secret variables (never VITE_*): set each with `pulumi config set --secret --path`."""

    supabase_function_secrets: SecretStr | None = Field(
        None,
        alias="supabaseFunctionSecrets",
        description="secret: JSON object of Edge Function secret values, keys = webstack:supabase.functionSecrets",
    )

    protection: ProtectionConfig = Field(
        default_factory=lambda: ProtectionConfig.model_validate({}),
        description="edge protection: WAF managed rulesets, bot protection, security level, browser check, URL "
        "normalisation, Vercel Firewall, cache purge after deploy (docs/cloudflare.md, Edge protection)")

    supabase_smtp_password: SecretStr | None = Field(
        None, alias="supabaseSmtpPassword",
        description="secret: the SMTP password for webstack:supabase.auth.smtp (sent to Supabase as a secret)",
    )

    alerts: AlertsConfig | None = Field(
        None, description="alerts as code: e-mail/webhook targets and which alerts to declare (docs/alerts.md)")
    alert_webhooks: SecretStr | None = Field(
        None, alias="alertWebhooks",
        description='secret: JSON object of webhook destinations, name -> {"url": "https://…", "secret": "…"}, '
        "names = webstack:alerts.webhooks")

    @field_validator("supabase_access_token")
    @classmethod
    def _access_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        plain = secret_value(value)
        if plain is not None and not re.fullmatch(r"sbp_[A-Za-z0-9_]{20,200}", plain):
            raise ValueError(
                "must be a Supabase personal access token (sbp_…), from supabase.com/dashboard/account/tokens"
            )
        return value

    @field_validator("supabase_db_url")
    @classmethod
    def _db_url_shape(cls, value: SecretStr | None) -> SecretStr | None:
        plain = secret_value(value)
        if plain is not None:
            check_dsn(plain)
        return value

    @property
    def is_prod(self) -> bool:
        return self.environment == "production"

    @property
    def nginx_origin_pulls(self) -> bool:
        """Authenticated Origin Pulls for the nginx origin: ``hosting.nginx.authenticatedOriginPulls``, else on for a
        production nginx stack whose site records are proxied with origin TLS on (docs/nginx.md)."""
        nginx = self.hosting.nginx
        if self.hosting.provider != "nginx" or nginx is None:
            return False
        if nginx.authenticated_origin_pulls is not None:
            return nginx.authenticated_origin_pulls
        return self.is_prod and self.cloudflare.web_records_proxied and nginx.origin_tls

    @property
    def canonical_hostname(self) -> str:
        return self.domain if self.canonical_host == "apex" else f"www.{self.domain}"

    @property
    def hostnames(self) -> list[str]:
        """Every public web hostname of the site (apex and www)."""
        return [self.domain, f"www.{self.domain}"]


def secret_value(secret: SecretStr | None) -> str | None:
    """The plain value of a secret, or None when absent or an unresolved offline placeholder."""
    if secret is None:
        return None
    value = secret.get_secret_value()
    return None if value == SECURE_PLACEHOLDER else value
