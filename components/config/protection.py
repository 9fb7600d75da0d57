"""`webstack:protection` — edge protection: WAF managed rulesets, bot protection, the zone's security level,
browser integrity check and URL normalisation on Cloudflare; the Vercel Firewall's managed rulesets and Attack
Challenge Mode; a cache purge after each deploy.

Every default is on and follows the zone's plan (``webstack:cloudflare.plan``). What a plan cannot do is refused
when the stack asks for it explicitly (the message names the key and quotes the documented limit) and left out,
with the plan's own equivalent, when it is only the default:

- WAF managed rulesets declared: none on Free (the Cloudflare Free Managed Ruleset runs by itself); Cloudflare
  Managed + OWASP Core on Pro, Business, Enterprise;
- bot protection (``BotManagement``): Bot Fight Mode (``fight_mode``) on Free; Super Bot Fight Mode on Pro
  (definitely automated, verified bots, static resources), Business and Enterprise (+ likely automated).

Sources (checked 2026-11): developers.cloudflare.com/waf/managed-rules/ (the rulesets, their ids, "Cloudflare Free
Managed Ruleset — available on all plans"; the Managed and OWASP rulesets need a paid plan),
developers.cloudflare.com/bots/plans/ (Free: Bot Fight Mode; Pro: Super Bot Fight Mode with definitely automated,
verified bots, static resource protection; Business adds likely automated), developers.cloudflare.com/rules/
normalization/ (types ``cloudflare`` / ``rfc3986``, scopes ``incoming`` / ``both`` / ``none``), the zone settings
``security_level`` and ``browser_check`` (developers.cloudflare.com/waf/tools/security-level/,
developers.cloudflare.com/waf/tools/browser-integrity-check/), developers.cloudflare.com/cache/how-to/purge-cache/
(purge options and limits), vercel.com/docs/vercel-firewall/vercel-waf/managed-rulesets (OWASP Core Ruleset on
Enterprise plans; Bot Protection and AI Bots on all plans) and vercel.com/docs/vercel-firewall/attack-mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field

from components.config.base import StrictModel

CLOUDFLARE_MANAGED_RULESET = "efb7b8c949ac4650a09736fc376e9aee"
"""Ruleset id of the Cloudflare Managed Ruleset (developers.cloudflare.com/waf/managed-rules/, "Ruleset ID")."""
CLOUDFLARE_OWASP_RULESET = "4814384a9e5d4991b9815dcfc25d2f1f"
"""Ruleset id of the Cloudflare OWASP Core Ruleset (same page)."""
CLOUDFLARE_FREE_MANAGED_RULESET = "77454fe2d30c4220b5701f6fdfb893ba"
"""Ruleset id of the Cloudflare Free Managed Ruleset (same page): deployed by Cloudflare on every zone; webstack
never declares it (a Free zone gets it without a ruleset of its own)."""
MANAGED_RULESETS = {"managed": CLOUDFLARE_MANAGED_RULESET, "owasp": CLOUDFLARE_OWASP_RULESET}
PAID_PLANS = ("pro", "business", "enterprise")
WAF_SOURCE = "developers.cloudflare.com/waf/managed-rules/ — the Cloudflare Managed and OWASP Core Rulesets need Pro"
BOTS_SOURCE = "developers.cloudflare.com/bots/plans/"

SecurityLevel = Literal["off", "essentially_off", "low", "medium", "high", "under_attack"]
WEAK_SECURITY_LEVELS = ("off", "essentially_off")
SbfmAction = Literal["allow", "block", "managed_challenge"]

PURGE_SOURCE = ("developers.cloudflare.com/cache/how-to/purge-cache/ (Availability and limits) and "
                ".../purge_by_prefix/ (30 prefixes per request, at most 31 path separators, no query string or "
                "fragment)")
PURGE_PREFIXES_PER_REQUEST = 30
"""Purge by prefix: "Purge requests are limited to 30 prefixes per request" (purge_by_prefix/, Limitations) — the
stricter of that page and the availability table's 100 operations per request."""
PURGE_HOSTS_PER_REQUEST = 100
"""Purge by hostname: "Max operations per request" 100 on every plan (purge-cache/, Availability and limits)."""
PURGE_FILES_PER_REQUEST = {"free": 100, "pro": 100, "business": 100, "enterprise": 500}
"""Purge by URL: "Max operations per request" per plan (same table, URLs)."""

_PREFIX = re.compile(r"[a-z0-9.-]+\.[a-z]{2,63}(?:/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)*\Z")
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\Z")
_URL = re.compile(r"https?://[a-z0-9.-]+\.[a-z]{2,63}(?:/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?\Z")


def _prefix(value: str) -> str:
    if "?" in value or "#" in value:
        raise ValueError("a purge prefix cannot carry a query string or fragment (Cloudflare purges by path)")
    if value.startswith(("http://", "https://")):
        raise ValueError("write a purge prefix without the scheme: www.example.com/assets (Cloudflare's format)")
    if not _PREFIX.fullmatch(value):
        raise ValueError("must be a hostname and optional path, e.g. www.example.com/assets")
    if value.count("/") > 31:
        raise ValueError("Cloudflare allows at most 31 path separators in a purge prefix")
    return value


def _host(value: str) -> str:
    if not _HOST.fullmatch(value):
        raise ValueError("must be a lower-case hostname, e.g. www.example.com")
    return value


def _url(value: str) -> str:
    if not _URL.fullmatch(value):
        raise ValueError("must be a full http(s) URL without query string, e.g. https://example.com/robots.txt")
    return value


PurgePrefix = Annotated[str, AfterValidator(_prefix)]
PurgeHost = Annotated[str, AfterValidator(_host)]
PurgeUrl = Annotated[str, AfterValidator(_url)]


class WafConfig(StrictModel):
    """Cloudflare WAF managed rulesets, executed from the zone's ``http_request_firewall_managed`` entry point."""

    managed: bool | None = Field(
        None, description="execute the Cloudflare Managed Ruleset. Default: on for Pro and above; on Free the "
        "Cloudflare Free Managed Ruleset already runs and this is refused")
    owasp: bool | None = Field(
        None, description="execute the Cloudflare OWASP Core Ruleset. Default: on for Pro and above (refused on Free)")


class BotsConfig(StrictModel):
    """Bot protection (``cloudflare.BotManagement``): Bot Fight Mode on Free, Super Bot Fight Mode on paid plans."""

    enabled: bool = Field(True, description="declare bot protection for the zone")
    definitely_automated: SbfmAction = Field(
        "managed_challenge", alias="definitelyAutomated",
        description="Super Bot Fight Mode (Pro+): what happens to definitely automated traffic")
    likely_automated: SbfmAction = Field(
        "allow", alias="likelyAutomated",
        description="Super Bot Fight Mode (Business+): likely automated traffic. Default allow (a challenge here "
        "also meets API clients)")
    verified_bots: Literal["allow", "block"] = Field("allow", alias="verifiedBots",
                                                     description="search engines and other verified bots")
    static_resource_protection: bool = Field(
        False, alias="staticResourceProtection",
        description="also challenge requests for static files (Pro+); off keeps assets cacheable for every client")
    enable_js: bool = Field(True, alias="enableJs", description="JavaScript detections (all plans)")


class UrlNormalizationConfig(StrictModel):
    type: Literal["cloudflare", "rfc3986"] = Field(
        "cloudflare", description="cloudflare (RFC 3986 plus merging slashes and backslashes) or rfc3986")
    scope: Literal["incoming", "both"] = Field(
        "both", description="incoming: rules see the normalised URL, the origin the original; both: the origin "
        "gets the normalised URL too, so rules and origin judge the same path ('none' is refused: rules could be "
        "bypassed with encoded paths)")


class VercelFirewallConfig(StrictModel):
    """Vercel Firewall managed rulesets (one ``vercel.FirewallConfig`` per project) and Attack Challenge Mode."""

    plan: Literal["hobby", "pro", "enterprise"] = Field(
        "pro", description="the Vercel team's plan: the OWASP Core Ruleset is Enterprise-only")
    bot_protection: Literal["challenge", "log", "off"] = Field(
        "challenge", alias="botProtection", description="Bot Protection managed ruleset (all plans)")
    ai_bots: Literal["deny", "log", "off"] = Field("deny", alias="aiBots",
                                                   description="AI Bots managed ruleset (all plans)")
    owasp: bool | None = Field(None, description="OWASP Core Ruleset (Enterprise only). Default: on for enterprise")
    attack_challenge_mode_until: AwareDatetime | None = Field(
        None, alias="attackChallengeModeUntil",
        description="turn Attack Challenge Mode on until this time (ISO 8601 with a zone, e.g. "
        "2026-12-01T00:00:00Z): every visitor is challenged — an opt-in for an ongoing attack that also meets API "
        "clients; Vercel ends it by itself at that time")


class PurgeConfig(StrictModel):
    """Purge Cloudflare's cache when the deployed site changes (the Vercel deployment or the nginx image)."""

    enabled: bool = Field(True, description="purge after each deploy (needs a deploy identity: a Vercel "
                          "deploymentDir or the nginx image)")
    everything: bool | None = Field(None, description="purge the whole zone. Default: true unless prefixes, "
                                    "hosts or files are given")
    prefixes: list[PurgePrefix] = Field(default_factory=list, description="host/path prefixes to purge")
    hosts: list[PurgeHost] = Field(default_factory=list, description="hostnames to purge")
    files: list[PurgeUrl] = Field(default_factory=list, description="single URLs to purge")


class ProtectionConfig(StrictModel):
    waf: WafConfig = Field(default_factory=lambda: WafConfig.model_validate({}))
    bots: BotsConfig = Field(default_factory=lambda: BotsConfig.model_validate({}))
    security_level: SecurityLevel = Field(
        "medium", alias="securityLevel", description="the zone's security level (under_attack challenges "
        "everyone; off/essentially_off are refused on production)")
    browser_check: bool = Field(True, alias="browserCheck", description="Browser Integrity Check")
    url_normalization: UrlNormalizationConfig = Field(
        default_factory=lambda: UrlNormalizationConfig.model_validate({}), alias="urlNormalization")
    vercel: VercelFirewallConfig = Field(default_factory=lambda: VercelFirewallConfig.model_validate({}))
    purge_on_deploy: PurgeConfig = Field(default_factory=lambda: PurgeConfig.model_validate({}),
                                         alias="purgeOnDeploy")


# ---------------------------------------------------------------------------------------------------------------
# Resolution per plan (pure)


@dataclass(frozen=True)
class ResolvedProtection:
    """What the components register, after the plan decided (pure data)."""

    managed_rulesets: tuple[str, ...]
    """Keys of :data:`MANAGED_RULESETS` executed in ``http_request_firewall_managed`` (empty: no ruleset)."""
    bot_management: dict[str, object] | None
    """``BotManagement`` inputs (snake_case) or None."""
    security_level: str
    browser_check: str
    url_normalization: tuple[str, str]
    notes: tuple[str, ...]
    """Warnings for what the plan made the component leave out (said once, at registration)."""


def protection_problems(cfg: ProtectionConfig, plan: str | None, *, production: bool,
                        prefix: str = "webstack:protection") -> list[tuple[str, str]]:
    """What the zone's plan or the environment refuses, as (key, message)."""
    problems: list[tuple[str, str]] = []
    if plan == "free":
        for key in ("managed", "owasp"):
            if getattr(cfg.waf, key) is True:
                problems.append((f"{prefix}.waf.{key}", f"not available on the Cloudflare Free plan ({WAF_SOURCE} "
                                 "or above); Free zones run the Cloudflare Free Managed Ruleset by themselves — "
                                 "remove the key or set webstack:cloudflare.plan to the zone's real plan"))
    bots = cfg.bots
    if plan in ("free", "pro") and "likely_automated" in bots.model_fields_set and bots.likely_automated != "allow":
        problems.append((f"{prefix}.bots.likelyAutomated", f"Super Bot Fight Mode's likely-automated group needs "
                         f"Business or above ({BOTS_SOURCE}); on {plan} leave it out"))
    if plan == "free" and "static_resource_protection" in bots.model_fields_set and bots.static_resource_protection:
        problems.append((f"{prefix}.bots.staticResourceProtection", f"a Super Bot Fight Mode setting (Pro or above, "
                         f"{BOTS_SOURCE}); Free has Bot Fight Mode only"))
    if plan == "free" and "definitely_automated" in bots.model_fields_set:
        problems.append((f"{prefix}.bots.definitelyAutomated", f"a Super Bot Fight Mode setting (Pro or above, "
                         f"{BOTS_SOURCE}); Free has Bot Fight Mode only (on/off: bots.enabled)"))
    if production and cfg.security_level in WEAK_SECURITY_LEVELS:
        problems.append((f"{prefix}.securityLevel", f"{cfg.security_level!r} turns the zone's threat-score "
                         "challenges off on production; use low, medium (default), high or under_attack"))
    if production and not cfg.browser_check:
        problems.append((f"{prefix}.browserCheck", "false turns the Browser Integrity Check off on production; "
                         "keep it on (exempt paths with a WAF skip rule if a client needs it)"))
    vc = cfg.vercel
    if vc.owasp is True and vc.plan != "enterprise":
        problems.append((f"{prefix}.vercel.owasp", f"the OWASP Core Ruleset is available on Vercel Enterprise plans "
                         f"only (vercel.com/docs/vercel-firewall/vercel-waf/managed-rulesets); this team is on "
                         f"{vc.plan} — remove the key or set {prefix}.vercel.plan"))
    purge = cfg.purge_on_deploy
    chosen = [k for k in ("prefixes", "hosts", "files") if getattr(purge, k)]
    if purge.everything is True and chosen:
        problems.append((f"{prefix}.purgeOnDeploy.everything", f"purge everything or by {', '.join(chosen)}, not "
                         "both (Cloudflare takes one kind per request)"))
    if len(chosen) > 1:
        problems.append((f"{prefix}.purgeOnDeploy", f"one kind per purge: {' or '.join(chosen)} (Cloudflare takes "
                         "one kind per request)"))
    if len(purge.prefixes) > PURGE_PREFIXES_PER_REQUEST:
        problems.append((f"{prefix}.purgeOnDeploy.prefixes", f"{len(purge.prefixes)} given; Cloudflare purges at "
                         f"most {PURGE_PREFIXES_PER_REQUEST} prefixes per request ({PURGE_SOURCE})"))
    if len(purge.hosts) > PURGE_HOSTS_PER_REQUEST:
        problems.append((f"{prefix}.purgeOnDeploy.hosts", f"{len(purge.hosts)} given; at most "
                         f"{PURGE_HOSTS_PER_REQUEST} per request ({PURGE_SOURCE})"))
    files_max = PURGE_FILES_PER_REQUEST.get(plan or "free", 100)
    if len(purge.files) > files_max:
        problems.append((f"{prefix}.purgeOnDeploy.files", f"{len(purge.files)} given; the {plan or 'free'} plan "
                         f"purges at most {files_max} URLs per request ({PURGE_SOURCE})"))
    return problems


def resolve_protection(cfg: ProtectionConfig, plan: str | None) -> ResolvedProtection:
    """The plan-aware resources (call after :func:`protection_problems` found nothing)."""
    paid = plan is None or plan in PAID_PLANS
    notes: list[str] = []
    rulesets: list[str] = []
    for key in ("managed", "owasp"):
        wanted = getattr(cfg.waf, key)
        if wanted is None and not paid:
            continue
        if wanted is not False:
            rulesets.append(key)
    if not paid and (cfg.waf.managed is None or cfg.waf.owasp is None):
        notes.append("no WAF managed ruleset is declared on the Free plan: the Cloudflare Free Managed Ruleset runs "
                     f"on every zone by itself; the Cloudflare Managed and OWASP Core Rulesets need Pro ({WAF_SOURCE})")
    bots: dict[str, object] | None = None
    b = cfg.bots
    if b.enabled:
        if plan == "free":
            bots = {"fight_mode": True, "enable_js": b.enable_js}
        else:
            bots = {"sbfm_definitely_automated": b.definitely_automated, "sbfm_verified_bots": b.verified_bots,
                    "sbfm_static_resource_protection": b.static_resource_protection, "enable_js": b.enable_js}
            if plan in ("business", "enterprise"):
                bots["sbfm_likely_automated"] = b.likely_automated
    return ResolvedProtection(
        managed_rulesets=tuple(rulesets), bot_management=bots, security_level=cfg.security_level,
        browser_check="on" if cfg.browser_check else "off",
        url_normalization=(cfg.url_normalization.type, cfg.url_normalization.scope), notes=tuple(notes))
