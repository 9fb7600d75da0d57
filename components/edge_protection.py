"""Edge protection resources (issue 16 item 4): registered by CloudflareEdge (WAF managed rulesets, bot protection,
security level, Browser Integrity Check, URL normalisation), VercelSite (Vercel Firewall managed rulesets, Attack
Challenge Mode) and WebApp (the cache purge after a deploy), from the intent Args below.

The Args are the ``webstack:protection`` keys in snake_case (docs/cloudflare.md, Edge protection); they are
validated with the same model and the same plan rules as the stack config, so a YAML or TypeScript program gets the
same defaults and refusals. Child names: ``<edge>-waf-managed`` (the ``http_request_firewall_managed`` entry point),
``<edge>-bot-management``, ``<edge>-security-level``, ``<edge>-browser-check``, ``<edge>-url-normalization``;
``<site>-firewall``, ``<site>-attack-challenge-mode``; ``purge-on-deploy`` under WebApp.
"""


from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_cloudflare as cloudflare
from pydantic import ValidationError

from components.config.cloudflare import AdoptedRuleset
from components.config.protection import (
    ProtectionConfig,
    PurgeConfig,
    ResolvedProtection,
    VercelFirewallConfig,
    protection_problems,
    resolve_protection,
)
from components.render.protection import purge_body, waf_rules

WAF_PHASE = "http_request_firewall_managed"
WAF_NAME = "waf-managed"
EDGE_KEYS = ("waf", "bots", "security_level", "browser_check", "url_normalization")
"""The ``webstack:protection`` keys CloudflareEdge takes (its ``protection`` input)."""


class WafArgs(TypedDict):
    """Cloudflare WAF managed rulesets (phase ``http_request_firewall_managed``)."""

    managed: NotRequired[bool | None]
    """Execute the Cloudflare Managed Ruleset. Default: on for Pro and above; refused on Free (the Cloudflare Free
    Managed Ruleset runs there by itself)."""
    owasp: NotRequired[bool | None]
    """Execute the Cloudflare OWASP Core Ruleset. Default: on for Pro and above; refused on Free."""


class BotsArgs(TypedDict):
    """Bot protection: Bot Fight Mode on Free, Super Bot Fight Mode on Pro and above."""

    enabled: NotRequired[bool]
    """Declare the zone's bot protection. Default true."""
    definitely_automated: NotRequired[str]
    """allow | block | managed_challenge (Pro+). Default managed_challenge."""
    likely_automated: NotRequired[str]
    """allow | block | managed_challenge (Business+). Default allow."""
    verified_bots: NotRequired[str]
    """allow | block. Default allow."""
    static_resource_protection: NotRequired[bool]
    """Challenge static files too (Pro+). Default false."""
    enable_js: NotRequired[bool]
    """JavaScript detections. Default true."""


class UrlNormalizationArgs(TypedDict):
    """How Cloudflare normalises request URLs."""

    type: NotRequired[str]
    """cloudflare | rfc3986. Default cloudflare."""
    scope: NotRequired[str]
    """incoming | both. Default both (the origin gets the URL the rules judged)."""


class EdgeProtectionArgs(TypedDict):
    """The zone's protection: WAF managed rulesets, bot protection, security level, Browser Integrity Check, URL
    normalisation. Every default is on and follows the zone's plan."""

    waf: NotRequired[WafArgs]
    """Managed rulesets. Default: Cloudflare Managed + OWASP Core on Pro and above, none declared on Free."""
    bots: NotRequired[BotsArgs]
    """Bot protection. Default: on (Bot Fight Mode on Free, Super Bot Fight Mode above)."""
    security_level: NotRequired[str]
    """off | essentially_off | low | medium | high | under_attack (off/essentially_off refused on production).
    Default medium."""
    browser_check: NotRequired[bool]
    """Browser Integrity Check (false refused on production). Default true."""
    url_normalization: NotRequired[UrlNormalizationArgs]
    """Default: type cloudflare, scope both."""


class VercelFirewallArgs(TypedDict):
    """The Vercel Firewall of the project: managed rulesets and Attack Challenge Mode."""

    plan: NotRequired[str]
    """hobby | pro | enterprise: the team's plan (the OWASP Core Ruleset is Enterprise-only). Default pro."""
    bot_protection: NotRequired[str]
    """challenge | log | off. Default challenge."""
    ai_bots: NotRequired[str]
    """deny | log | off. Default deny."""
    owasp: NotRequired[bool | None]
    """OWASP Core Ruleset (Enterprise only). Default: on for enterprise."""
    attack_challenge_mode_until: NotRequired[str | None]
    """Turn Attack Challenge Mode on until this time (ISO 8601 with a zone, e.g. 2026-12-01T00:00:00Z): every visitor
    is challenged (an opt-in during an attack). Default: none (off)."""


Problems = list[tuple[str, str]]


def _camel(path: str) -> str:
    head, *rest = path.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _explain(exc: ValidationError, prefix: str) -> Problems:
    out = []
    for err in exc.errors():
        where = ".".join(_camel(str(p)) for p in err["loc"])
        out.append((f"{prefix}.{where}" if where else prefix, err["msg"]))
    return out


def validate_edge_protection(raw: Mapping[str, Any] | None, *, plan: str | None, production: bool,
                             prefix: str = "protection") -> tuple[ResolvedProtection | None, Problems]:
    """Validate CloudflareEdge's ``protection`` input like ``webstack:protection`` (same model, same plan rules)."""
    data = dict(raw or {})
    unknown = sorted(set(data) - set(EDGE_KEYS))
    problems: Problems = [(f"{prefix}.{_camel(k)}", "unknown input (check the spelling; see docs/reference/)")
                          for k in unknown]
    try:
        cfg = ProtectionConfig.model_validate({k: v for k, v in data.items() if k in EDGE_KEYS})
    except ValidationError as exc:
        return None, problems + _explain(exc, prefix)
    problems += [(prefix + key.removeprefix("webstack:protection"), msg)
                 for key, msg in protection_problems(cfg, plan, production=production)]
    return (None if problems else resolve_protection(cfg, plan)), problems


def validate_vercel_firewall(raw: Mapping[str, Any] | None, prefix: str = "firewall"
                             ) -> tuple[VercelFirewallConfig | None, Problems]:
    try:
        cfg = VercelFirewallConfig.model_validate(dict(raw or {}))
    except ValidationError as exc:
        return None, _explain(exc, prefix)
    problems = [(f"{prefix}.owasp", msg) for key, msg in
                protection_problems(ProtectionConfig.model_validate({"vercel": cfg}), None, production=False)
                if key.endswith(".vercel.owasp")]
    return (None if problems else cfg), problems


# ---------------------------------------------------------------------------------------------------------------
# Cloudflare


def register_edge_protection(name: str, zone_id: str, protection: ResolvedProtection, parent: pulumi.Resource,
                             adopted: AdoptedRuleset | None = None) -> dict[str, pulumi.CustomResource]:
    """The zone's protection resources, children of ``parent`` (the CloudflareEdge). Zone settings and the WAF entry
    point are per-zone singletons: deleted before a replacement is created (docs/cloudflare.md)."""
    singleton = pulumi.ResourceOptions(parent=parent, delete_before_replace=True)
    out: dict[str, pulumi.CustomResource] = {}
    for note in protection.notes:
        pulumi.log.warn(f"CloudflareEdge {name}: {note}", parent)
    if protection.managed_rulesets:
        opts = pulumi.ResourceOptions(parent=parent, delete_before_replace=True,
                                      import_=f"zones/{zone_id}/{adopted.id}" if adopted is not None else None)
        out[WAF_PHASE] = cloudflare.Ruleset(
            f"{name}-{WAF_NAME}", zone_id=zone_id, kind="zone", phase=WAF_PHASE,
            name=adopted.name if adopted is not None else f"webstack {WAF_NAME}",
            description="Managed by webstack (CloudflareEdge): WAF managed rulesets",
            rules=cast(Any, waf_rules(protection.managed_rulesets)), opts=opts)
    if protection.bot_management is not None:
        out["bot_management"] = cloudflare.BotManagement(
            f"{name}-bot-management", zone_id=zone_id, **cast(dict[str, Any], protection.bot_management),
            opts=singleton)
    out["security_level"] = cloudflare.ZoneSetting(
        f"{name}-security-level", zone_id=zone_id, setting_id="security_level", value=protection.security_level,
        opts=singleton)
    out["browser_check"] = cloudflare.ZoneSetting(
        f"{name}-browser-check", zone_id=zone_id, setting_id="browser_check", value=protection.browser_check,
        opts=singleton)
    kind, scope = protection.url_normalization
    out["url_normalization"] = cloudflare.UrlNormalizationSettings(
        f"{name}-url-normalization", zone_id=zone_id, type=kind, scope=scope, opts=singleton)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Vercel


def vercel_managed_rulesets(cfg: VercelFirewallConfig) -> dict[str, Any]:
    """``FirewallConfig.managed_rulesets``: Bot Protection and AI Bots (all plans), OWASP (Enterprise)."""
    rulesets: dict[str, Any] = {}
    if cfg.bot_protection != "off":
        rulesets["bot_protection"] = {"active": True, "action": cfg.bot_protection}
    if cfg.ai_bots != "off":
        rulesets["ai_bots"] = {"active": True, "action": cfg.ai_bots}
    owasp = cfg.owasp if cfg.owasp is not None else cfg.plan == "enterprise"
    if owasp:
        # Every OWASP group (sqli, xss, rce, lfi, rfi, php, java, gen, ma, sd, sf) on deny.
        rulesets["owasp"] = {group: {"active": True, "action": "deny"}
                             for group in ("gen", "java", "lfi", "ma", "php", "rce", "rfi", "sd", "sf", "sqli", "xss")}
    return rulesets


def register_vercel_firewall(name: str, project_id: pulumi.Input[str], team_id: str | None,
                             cfg: VercelFirewallConfig, parent: pulumi.Resource,
                             rules: list[dict[str, Any]] | None = None) -> dict[str, pulumi.CustomResource]:
    """One ``FirewallConfig`` per project (a second one would overwrite the first): the managed rulesets merged with
    any custom ``rules`` (e.g. rate limits) the caller has; plus Attack Challenge Mode when opted in."""
    child = pulumi.ResourceOptions(parent=parent)
    out: dict[str, pulumi.CustomResource] = {}
    managed = vercel_managed_rulesets(cfg)
    if managed or rules:
        import pulumiverse_vercel as vercel

        out["firewall"] = vercel.FirewallConfig(
            f"{name}-firewall", project_id=project_id, team_id=team_id, enabled=True,
            managed_rulesets=cast(Any, managed) if managed else None,
            rules=cast(Any, {"rules": rules}) if rules else None, opts=child)
    until = cfg.attack_challenge_mode_until
    if until is not None:
        import pulumiverse_vercel as vercel

        # Vercel takes the end as a Unix timestamp in milliseconds (attack_mode_active_until).
        out["attack_challenge_mode"] = vercel.AttackChallengeMode(
            f"{name}-attack-challenge-mode", project_id=project_id, team_id=team_id, enabled=True,
            attack_mode_active_until=int(until.timestamp() * 1000), opts=child)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Cache purge after a deploy


def register_purge_on_deploy(name: str, zone_id: str, trigger: pulumi.Input[str], cfg: PurgeConfig,
                             opts: pulumi.ResourceOptions | None = None) -> pulumi.CustomResource | None:
    """A :class:`~components.cache_purge.CachePurge` replaced whenever ``trigger`` (the deploy identity) changes."""
    if not cfg.enabled:
        return None
    from components.cache_purge import CachePurge

    return CachePurge(name, zone_id=zone_id, trigger=trigger, body=purge_body(cfg), opts=opts)


__all__ = ["EdgeProtectionArgs", "VercelFirewallArgs", "register_edge_protection", "register_purge_on_deploy",
           "register_vercel_firewall", "validate_edge_protection", "validate_vercel_firewall"]
