"""The resolved web-security standard for one stack: headers, cache policy per asset class, rate limits.

Pure data (no Pulumi import). Every edge renderer (nginx, Cloudflare, Vercel, Netlify) reads the same
:class:`Standard`, so the four renderings express one header set. Build it with
:func:`components.standard.resolve.resolve_standard`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from components.config.http_syntax import check_header, check_header_name, check_header_value
from components.standard.csp import Csp

STANDARD_VERSION = "2026.11"
"""Bumped whenever a default changes; shown in reports so a team sees why a preview diff appeared."""


@dataclass(frozen=True)
class Weakening:
    """A documented departure from the strict default, kept so the policy pack and reports can grade it."""

    setting: str  # config key, e.g. "webstack:headers.csp.allowInlineStyles"
    effect: str  # what it weakens, one sentence
    reason: str | None = None


@dataclass(frozen=True)
class CacheRule:
    """Cache-Control for one asset class.

    ``match`` kinds: ``prefix`` (URL path starts with one of ``patterns``), ``suffix`` (file extension such as
    ``.html``), ``exact`` (the path equals one of ``patterns``). Renderers order rules most specific first:
    exact, then prefix, then suffix, then the ``default`` rule.
    """

    asset_class: Literal["health", "hashed-assets", "html", "static", "default"]
    match: Literal["exact", "prefix", "suffix", "default"]
    patterns: tuple[str, ...]
    cache_control: str
    edge_ttl: int | None  # seconds at the CDN edge; None = do not cache at the edge
    browser_ttl: int | None  # seconds in the browser; None = revalidate every time


@dataclass(frozen=True)
class RateLimitRule:
    path: str  # "/api/*" style; trailing * = prefix
    requests_per_period: int
    period: int
    mitigation_timeout: int
    action: str
    burst: int

    @property
    def prefix(self) -> str:
        return self.path[:-1] if self.path.endswith("*") else self.path

    @property
    def is_prefix(self) -> bool:
        return self.path.endswith("*")


@dataclass(frozen=True)
class Standard:
    """Everything an edge needs to serve the app securely."""

    profile: str
    csp: Csp
    hsts_max_age: int
    hsts_include_subdomains: bool
    hsts_preload: bool
    headers: tuple[tuple[str, str], ...]  # HTML-response header set, in render order (includes CSP and HSTS)
    remove_headers: tuple[str, ...]
    cache_rules: tuple[CacheRule, ...]
    rate_limits: tuple[RateLimitRule, ...]
    health_path: str = "/healthz"
    assets_prefix: str = "/assets/"
    spa_fallback: str = "/index.html"
    weakenings: tuple[Weakening, ...] = field(default_factory=tuple)
    version: str = STANDARD_VERSION

    def __post_init__(self) -> None:
        # A Standard is what every renderer trusts; refuse to exist in a state that could inject into one.
        names: set[str] = set()
        for name, value in self.headers:
            check_header(name, value)
            if name.lower() in names:
                raise ValueError(f"header {name} appears twice in the standard")
            names.add(name.lower())
        for name in self.remove_headers:
            check_header_name(name)
            if name.lower() in names:
                raise ValueError(f"header {name} is both set and removed")
        for rule in self.cache_rules:
            check_header_value("Cache-Control", rule.cache_control)

    @property
    def header_map(self) -> dict[str, str]:
        return dict(self.headers)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def cache_rule(self, asset_class: str) -> CacheRule:
        for rule in self.cache_rules:
            if rule.asset_class == asset_class:
                return rule
        raise KeyError(asset_class)
