"""`webstack:cloudflare` — the zone that fronts the site: DNS, TLS, edge headers, caching, rate limits.

Every record value that Cloudflare would reject (or accept and then serve wrongly) fails here, naming its key:
TTLs outside 1 | 60..86400, proxied records that are not A/AAAA/CNAME, proxied private IPs (Cloudflare cannot
reach them and the record would black-hole traffic), TXT strings over the DNS limits, MX without a priority.
Rules that need the rest of the stack (names inside the zone, the hosting option) live in
:mod:`components.config.checks`.

Plan limits: with ``plan`` set, everything the zone's Cloudflare plan cannot do is refused (by
:func:`components.config.checks.cloudflare_plan_limits`) with the documented limit in the message: rate-limit rule
count, counting periods, mitigation timeouts, the `log` action, an explicitly enabled health check on Free. Features
the plan lacks that are on by default (health checks on Free, edge TTLs below the plan's minimum) are left out or
adapted by the component, with a warning. The numbers, and the page each comes from, are in
:data:`CLOUDFLARE_PLANS`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from components.config.base import (
    Email,
    HexId,
    Hostname,
    SafeText,
    StrictModel,
    ip_of_version,
    is_public_address,
)

if TYPE_CHECKING:
    from components.config.standard import RateLimit

KNOWN_CAS = {
    "letsencrypt.org": "Let's Encrypt",
    "pki.goog": "Google Trust Services",
    "sectigo.com": "Sectigo",
    "digicert.com": "DigiCert",
    "comodoca.com": "Comodo (Sectigo)",
    "ssl.com": "SSL.com",
}
"""CAA issuer domains accepted in `caa` (the value each CA documents for its CAA `issue` tag)."""

CaName = Literal["letsencrypt.org", "pki.goog", "sectigo.com", "digicert.com", "comodoca.com", "ssl.com"]

DEFAULT_CAS: tuple[CaName, ...] = ("letsencrypt.org", "pki.goog")
"""Let's Encrypt and Google Trust Services: the CAs Cloudflare's Universal SSL and the managed hosts issue from."""

HOSTING_CAS = {"vercel": "letsencrypt.org", "netlify": "letsencrypt.org"}
"""The CA each managed host issues its certificates from: a CAA set without it stops renewals on that host."""

_DNS_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\Z")
_QUOTED_CHUNK = re.compile(r'"((?:[^"\\]|\\.)*)"')
TXT_MAX_TOTAL = 2048
TXT_MAX_STRING = 255
CHALLENGE_ACTIONS = ("managed_challenge", "js_challenge")


PlanName = Literal["free", "pro", "business", "enterprise"]


@dataclass(frozen=True)
class CloudflarePlan:
    """What one Cloudflare plan allows, as documented (sources below, checked 2026-11)."""

    name: str
    rate_limit_rules: int
    """Rate limiting rules per zone. Source: developers.cloudflare.com/waf/rate-limiting-rules/ — "Availability"
    table (cloudflare-docs ``src/content/partials/waf/rate-limiting-availability-by-plan.mdx``), "Number of rules"."""
    periods: tuple[int, ...]
    """Counting periods (seconds) the plan offers: same table, "Counting periods" with footnote 3's value list."""
    mitigation_timeouts: tuple[int, ...]
    """Mitigation timeouts (seconds): same table, "Mitigation timeout periods"."""
    throttle: bool
    """``mitigationTimeout: 0`` with ``block`` ("Throttle requests above rate with block action"): Enterprise only,
    same table, "Rate limiting action behavior"."""
    log_action: bool
    """The ``log`` action: Enterprise only (developers.cloudflare.com/ruleset-engine/rules-language/actions/)."""
    edge_ttl_min: int
    """Minimum Edge Cache TTL in seconds: developers.cloudflare.com/cache/how-to/edge-browser-cache-ttl/ —
    "Availability" (cloudflare-docs ``src/content/plans/index.json``, ``cache.edge_cache_ttl.minimum``)."""
    health_checks: int
    """Standalone health checks per zone: developers.cloudflare.com/health-checks/ — "Availability"
    (``plans/index.json``, ``traffic.health_checks.number``)."""


SUPPORTED_PERIODS = (10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600,
                     65535, 86400)
"""Footnote 3 of the rate-limiting availability table: every period/timeout value Cloudflare accepts."""


def _upto(limit: int) -> tuple[int, ...]:
    return tuple(v for v in SUPPORTED_PERIODS if v <= limit)


CLOUDFLARE_PLANS: dict[str, CloudflarePlan] = {
    "free": CloudflarePlan("Free", 1, (10,), (10,), False, False, 7200, 0),
    "pro": CloudflarePlan("Pro", 2, _upto(60), _upto(3600), False, False, 3600, 10),
    "business": CloudflarePlan("Business", 5, _upto(600), _upto(86400), False, False, 1, 50),
    "enterprise": CloudflarePlan("Enterprise", 100, _upto(65535), _upto(86400), True, True, 1, 1000),
}
"""Per-plan limits; see :class:`CloudflarePlan` for the page each number comes from."""


def _seconds(value: int) -> str:
    if value % 3600 == 0 and value >= 3600:
        hours = value // 3600
        return f"{hours} h" if hours < 24 or hours % 24 else f"{hours // 24} day" + ("s" if hours > 24 else "")
    if value % 60 == 0 and value >= 60:
        return f"{value // 60} min"
    return f"{value} s"


def plan_rate_limit_problems(plan_name: str, limits: Sequence[RateLimit]) -> list[tuple[str, str]]:
    """Every rate limit the plan cannot run, as (path relative to the stack config — ``rateLimits[0].period`` —,
    message with the documented limit)."""
    plan = CLOUDFLARE_PLANS[plan_name]
    where = f"on the Cloudflare {plan.name} plan"
    problems: list[tuple[str, str]] = []
    if len(limits) > plan.rate_limit_rules:
        problems.append(("rateLimits", f"{len(limits)} rate-limit rules given; {where} a zone has at most "
                         f"{plan.rate_limit_rules} rate limiting rule{'s' if plan.rate_limit_rules > 1 else ''} "
                         "(developers.cloudflare.com/waf/rate-limiting-rules/ — Availability): remove rules or set "
                         "webstack:cloudflare.plan to the zone's real plan"))
    for i, limit in enumerate(limits):
        key = f"rateLimits[{i}]"
        if limit.period not in plan.periods:
            allowed = ", ".join(_seconds(v) for v in plan.periods)
            problems.append((f"{key}.period", f"{_seconds(limit.period)} is not offered {where}: counting periods "
                             f"allowed are {allowed}"))
        if limit.action == "log" and not plan.log_action:
            problems.append((f"{key}.action", f"'log' is an Enterprise-only action; {where} use block or "
                             "managed_challenge"))
        if limit.action in CHALLENGE_ACTIONS:
            continue  # challenges run per request without a timeout (see cloudflare_matches_stack)
        timeout = limit.mitigation_timeout
        allowed = ", ".join(_seconds(v) for v in plan.mitigation_timeouts)
        if timeout == 0:
            if not plan.throttle:
                problems.append((f"{key}.mitigationTimeout", f"0 (throttle above the rate) is Enterprise-only; {where} "
                                 f"the mitigation timeout is one of {allowed}"))
        elif timeout not in plan.mitigation_timeouts:
            problems.append((f"{key}.mitigationTimeout", f"{_seconds(timeout)} is not offered {where}: mitigation "
                             f"timeouts allowed are {allowed}"))
    return problems


def _dns_name(value: str) -> str:
    """A record name or target: like a hostname, but `_service` labels and a leading `*` label are allowed."""
    if value != value.lower():
        raise ValueError("must be lower-case")
    if value.endswith("."):
        raise ValueError("must not end with a dot (write the full name, e.g. _dmarc.example.com)")
    if not value.isascii() or len(value) > 253:
        raise ValueError("must be at most 253 ASCII characters (use punycode for international names)")
    labels = value.split(".")
    if len(labels) < 2:
        raise ValueError("must be a fully qualified name such as mail.example.com")
    for i, label in enumerate(labels):
        if label == "*" and i == 0:
            continue
        if not _DNS_LABEL.match(label):
            raise ValueError(f"label {label!r} is not a valid DNS label (a-z, 0-9, '-', '_', 1-63 chars)")
    return value


DnsName = Annotated[str, AfterValidator(_dns_name)]


def is_public_ip(text: str) -> bool:
    """Global unicast, or an RFC 5737/3849 documentation address (so example stacks stay obviously fake)."""
    ip = ipaddress.ip_address(text)
    return is_public_address(ip)


def _txt_content(value: str) -> str:
    if not value.isascii() or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError("TXT content must be printable ASCII without control characters")
    if len(value) > TXT_MAX_TOTAL:
        raise ValueError(f"TXT content is {len(value)} characters; Cloudflare accepts at most {TXT_MAX_TOTAL}")
    if value.startswith('"'):
        chunks = _QUOTED_CHUNK.findall(value)
        if " ".join(f'"{c}"' for c in chunks) != value:
            raise ValueError('quoted TXT content must be strings like "part one" "part two" separated by spaces')
    else:
        chunks = [value]
    for chunk in chunks:
        if len(chunk) > TXT_MAX_STRING:
            raise ValueError(f"a TXT string is {len(chunk)} characters; DNS allows {TXT_MAX_STRING} per string — "
                             'split it into quoted strings: "first 255 chars" "rest"')
    return value


class ExtraRecord(StrictModel):
    """One additional DNS record (mail, verification, SPF/DMARC…). ``name`` is the full name inside the zone."""

    type: Literal["MX", "TXT", "CNAME", "A", "AAAA"]
    name: DnsName
    content: str
    ttl: int = Field(1, description="1 = automatic; otherwise 60..86400 seconds")
    priority: int | None = Field(None, validate_default=True, description="MX only: 0..65535")
    proxied: bool = Field(False, validate_default=True, description="A/AAAA/CNAME only; public targets only")

    @field_validator("content")
    @classmethod
    def _content_matches_type(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("type")
        if kind in ("A", "AAAA"):
            version = 4 if kind == "A" else 6
            ip_of_version(value, version, f"an {kind} record needs an IPv{version} address")
        elif kind in ("CNAME", "MX"):
            _dns_name(value)
        elif kind == "TXT":
            _txt_content(value)
        return value

    @field_validator("ttl")
    @classmethod
    def _ttl_range(cls, value: int) -> int:
        if value != 1 and not 60 <= value <= 86400:
            raise ValueError("must be 1 (automatic) or between 60 and 86400 seconds")
        return value

    @field_validator("priority")
    @classmethod
    def _priority_for_mx(cls, value: int | None, info: ValidationInfo) -> int | None:
        kind = info.data.get("type")
        if kind == "MX" and value is None:
            raise ValueError("an MX record needs a priority (0..65535; lower is preferred)")
        if kind != "MX" and value is not None:
            raise ValueError(f"priority applies to MX records only, not {kind}")
        if value is not None and not 0 <= value <= 65535:
            raise ValueError("must be between 0 and 65535")
        return value

    @field_validator("proxied")
    @classmethod
    def _proxiable(cls, value: bool, info: ValidationInfo) -> bool:
        if not value:
            return value
        kind = info.data.get("type")
        if kind not in ("A", "AAAA", "CNAME"):
            raise ValueError(f"only A, AAAA and CNAME records can be proxied, not {kind}")
        content = info.data.get("content")
        if kind in ("A", "AAAA") and content is not None and not is_public_ip(content):
            raise ValueError(f"a proxied record must point to a public address; {content} is private, loopback or "
                             "reserved, which Cloudflare cannot reach")
        ttl = info.data.get("ttl")
        if ttl is not None and ttl != 1:
            raise ValueError("a proxied record's TTL is set by Cloudflare: use ttl 1 (automatic)")
        return value


class HealthcheckConfig(StrictModel):
    """Cloudflare standalone health check on the standard's health path (prod stacks; needs a Pro plan or above).

    The runbook treats a page slower than 3 seconds as a critical alert, so the timeout cannot exceed 3 s.
    """

    enabled: bool = True
    timeout_seconds: int = Field(3, alias="timeoutSeconds", ge=1, le=3)
    interval_seconds: int = Field(60, alias="intervalSeconds", ge=15, le=3600)
    retries: int = Field(2, ge=0, le=5, description="immediate retries after a timeout")
    consecutive_fails: int = Field(2, alias="consecutiveFails", ge=1, le=10)
    consecutive_successes: int = Field(2, alias="consecutiveSuccesses", ge=1, le=10)
    notification_email: Email | None = Field(None, alias="notificationEmail")


class OriginCertificateConfig(StrictModel):
    """Cloudflare Origin CA certificate for the self-hosted (nginx) origin."""

    key_algorithm: Literal["ecdsa", "rsa"] = Field("ecdsa", alias="keyAlgorithm",
                                                   description="ecdsa = P-256 (origin-ecc); rsa = 2048 bits")
    validity_days: Literal[7, 30, 90, 365, 730, 1095, 5475] = Field(5475, alias="validityDays")


RulesetPhase = Literal["http_request_dynamic_redirect", "http_ratelimit", "http_request_cache_settings",
                      "http_response_headers_transform", "http_request_firewall_managed"]
"""The zone entry-point phases webstack manages (one ruleset each)."""


class AdoptedRuleset(StrictModel):
    """An entry-point ruleset that already exists in the zone (made in the dashboard or by another tool).

    Written by ``python -m stackcheck cloudflare-entrypoints`` from ``GET /zones/{zone_id}/rulesets``. The component
    registers that phase's Ruleset with ``import_`` (the id) and keeps the existing ``name`` (a changed name would
    force a replacement), so the first ``pulumi up`` adopts the entry point and then replaces its rules with
    webstack's, instead of failing with "A similar configuration with rules already exists".
    """

    id: HexId = Field(description="the entry point's ruleset id (32 hex)")
    name: SafeText = Field(description="the entry point's current name (kept, so adoption does not replace it)")


class CloudflareConfig(StrictModel):
    zone_id: HexId = Field(alias="zoneId")
    plan: PlanName | None = Field(
        None, description="the zone's Cloudflare plan (free | pro | business | enterprise): the config refuses what "
        "the plan cannot do and the component leaves out what it lacks. Unset: no plan checks (a warning says so)")
    adopt_rulesets: dict[RulesetPhase, AdoptedRuleset] = Field(
        default_factory=dict, alias="adoptRulesets",
        description="existing zone entry-point rulesets to adopt, per phase (generate with `python -m stackcheck "
        "cloudflare-entrypoints`); see docs/cloudflare.md, First `pulumi up` on a zone that already has rules")
    account_id: HexId | None = Field(None, alias="accountId")
    proxied: bool | None = Field(
        None, description="proxy the site's apex/www records through Cloudflare. Default: true for nginx (required), "
        "true for vercel/netlify too — set false to follow those vendors' advice of DNS-only records (then the "
        "edge rules below do not apply to the site and the hosting serves headers and redirects itself)")
    caa: list[CaName] = Field(default_factory=lambda: list(DEFAULT_CAS), min_length=1)
    caa_report_email: Email | None = Field(None, alias="caaReportEmail")
    dnssec: bool = False
    min_tls_version: Literal["1.2", "1.3"] = Field("1.2", alias="minTlsVersion")
    extra_records: list[ExtraRecord] = Field(default_factory=list, alias="extraRecords")
    healthcheck: HealthcheckConfig = Field(default_factory=lambda: HealthcheckConfig.model_validate({}))
    origin_hostnames: list[Hostname] = Field(default_factory=list, alias="originHostnames")
    origin_certificate: OriginCertificateConfig = Field(
        default_factory=lambda: OriginCertificateConfig.model_validate({}), alias="originCertificate")

    @property
    def web_records_proxied(self) -> bool:
        """Whether the site's apex/www records are proxied (the config's explicit choice, else true)."""
        return True if self.proxied is None else self.proxied
