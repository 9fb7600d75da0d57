"""`webstack:index:CloudflareEdge` — the Cloudflare zone in front of the site: DNS, TLS, edge rules, origin TLS,
health check.

The Args say what the user wants — the zone and domain, which host is canonical, where the site is hosted and
whether it is proxied, the web-security standard's intent (:class:`~components.intent.StandardArgs`), CAA, extra
records, a health check, origin TLS. The component validates that intent with the same models that check stack
config (an error names the input), resolves the standard, renders the records and rules
(:mod:`components.render.cloudflare`) and registers them. :func:`cloudflare_edge_args_from_config` is one way to
fill the Args (from a stack's config); a YAML or TypeScript program fills them by hand and gets the same checks
and defaults.

Secure defaults: SSL mode ``strict``, TLS ≥ 1.2 with 1.3 on, Always Use HTTPS, Automatic HTTPS Rewrites, HSTS from
the standard, one ruleset per phase (Cloudflare allows one zone entry point per phase).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NotRequired, TypedDict, cast

import pulumi
import pulumi_cloudflare as cloudflare
import pulumi_tls as tls
from pydantic import Field, ValidationError

from components.alerts import (
    Alerts,
    AlertsArgs,
    alerts_args_from_config,
    cloudflare_policies,
    cloudflare_policy_plans,
    cloudflare_webhooks,
    mechanisms,
    resolve_alerts,
)
from components.config.alerts import cloudflare_alert_problems
from components.config.base import Hostname, Ident, StrictModel
from components.config.checks import edge_problems
from components.config.cloudflare import CLOUDFLARE_PLANS, CloudflareConfig, plan_rate_limit_problems
from components.config.hosting import PublicIPv4, PublicIPv6
from components.config.stack import StackConfig
from components.edge_protection import (
    WAF_PHASE,
    EdgeProtectionArgs,
    ResolvedProtection,
    register_edge_protection,
    validate_edge_protection,
)
from components.intent import (
    IntentError,
    Problems,
    ResolvedStandard,
    StandardArgs,
    camel,
    explain,
    resolve_standard_intent,
    standard_args_from_config,
    validate,
)
from components.render import cloudflare as render

COMPONENT_TYPE = "webstack:index:CloudflareEdge"
PHASE_NAMES = {
    render.PHASE_REDIRECT: "canonical-redirect",
    render.PHASE_RATELIMIT: "rate-limits",
    render.PHASE_CACHE: "cache-rules",
    render.PHASE_HEADERS: "response-headers",
}
ORIGIN_REQUEST_TYPES = {"ecdsa": "origin-ecc", "rsa": "origin-rsa"}
EDGE_FILE = "cloudflare/edge.json"


class EdgeHostingArgs(TypedDict):
    """Where the site is hosted: decides the apex and www records."""

    provider: str
    """vercel | netlify | nginx (an origin server of your own, reached by its address)."""
    netlify_site_name: NotRequired[str | None]
    """Netlify only, and required there: the site's name (www is a CNAME to ``<name>.netlify.app``). Default:
    none."""
    origin_ipv4: NotRequired[str | None]
    """nginx only, and required there: the origin's public IPv4 address. Default: none."""
    origin_ipv6: NotRequired[str | None]
    """nginx only: the origin's public IPv6 address (adds AAAA records). Default: none."""
    proxied: NotRequired[bool]
    """Proxy apex and www through Cloudflare. Default true (required for nginx, whose Origin CA certificate only
    Cloudflare trusts); false follows Vercel's and Netlify's advice of DNS-only records — then the edge rules do
    not apply to the site and the host serves headers and redirects itself."""


class ExtraRecordArgs(TypedDict):
    """One additional DNS record (mail, verification, SPF/DMARC…)."""

    type: str
    """MX | TXT | CNAME | A | AAAA."""
    name: str
    """Full record name inside the zone (``_dmarc.example.com``); not the site's own apex/www for A/AAAA/CNAME."""
    content: str
    """An address (A/AAAA), a hostname (CNAME/MX) or text (TXT, up to 255 characters per quoted string)."""
    ttl: NotRequired[int]
    """1 = automatic, otherwise 60..86400 seconds. Default 1."""
    priority: NotRequired[int | None]
    """MX only, and required there: 0..65535. Default: none."""
    proxied: NotRequired[bool]
    """A/AAAA/CNAME to a public target only. Default false."""


class EdgeHealthcheckArgs(TypedDict):
    """Cloudflare health checks probing every public hostname over HTTPS on the standard's health path (needs a
    Pro plan or above)."""

    timeout_seconds: NotRequired[int]
    """1..3 (the runbook treats a page slower than 3 s as down). Default 3."""
    interval_seconds: NotRequired[int]
    """15..3600. Default 60."""
    retries: NotRequired[int]
    """Immediate retries after a timeout, 0..5. Default 2."""
    consecutive_fails: NotRequired[int]
    """1..10. Default 2."""
    consecutive_successes: NotRequired[int]
    """1..10. Default 2."""
    notification_email: NotRequired[str | None]
    """E-mailed when any check changes state (a notification policy; needs ``account_id``). Default: none."""


class OriginTlsArgs(TypedDict):
    """A Cloudflare Origin CA certificate for a self-hosted origin (key generated with pulumi-tls)."""

    hostnames: NotRequired[list[str]]
    """Hostnames the certificate covers, inside the zone (the first is the subject's common name). Default: the
    apex and www."""
    key_algorithm: NotRequired[str]
    """ecdsa (P-256) | rsa (2048 bits). Default ecdsa."""
    validity_days: NotRequired[int]
    """7, 30, 90, 365, 730, 1095 or 5475. Default 5475 (15 years, Cloudflare's maximum)."""
    authenticated_origin_pulls: NotRequired[bool]
    """Turn on the zone's Authenticated Origin Pulls (zone setting ``tls_client_auth``): the edge presents
    Cloudflare's origin-pull client certificate to the origin, which an nginx origin with
    ``authenticated_origin_pulls`` requires. Default false."""


class EdgeRumArgs(TypedDict):
    """Cloudflare Web Analytics: real-user monitoring of Core Web Vitals (LCP, INP, CLS, TTFB…) in visitors'
    browsers, as a ``WebAnalyticsSite`` of the account (needs ``account_id``). The standard's CSP then allows the
    beacon's script (and, for the embedded snippet, its endpoint) — exactly those (docs/monitoring.md)."""

    auto_install: NotRequired[bool]
    """Cloudflare injects the beacon into HTML passing its proxy (needs ``hosting.proxied``); false: the app embeds
    the snippet with the ``web_analytics_site_token`` output. Default: true when proxied, else false."""
    lite: NotRequired[bool]
    """No beacon for visitors from the EU (fewer measurements). Default false."""


class AdoptedRulesetArgs(TypedDict):
    """An existing entry-point ruleset of the zone."""

    id: str
    """Its ruleset id (32 hex)."""
    name: str
    """Its current name (kept: a new name would replace it)."""


class CloudflareEdgeArgs(TypedDict):
    """Inputs of :class:`CloudflareEdge`: what the site wants from its Cloudflare zone. Optional keys may be left
    out; every default is stated."""

    zone_id: str
    """The Cloudflare zone id (32 hex characters)."""
    domain: str
    """The zone's apex domain."""
    hosting: EdgeHostingArgs
    """Where the site is hosted, and whether its records are proxied."""
    canonical_host: NotRequired[str]
    """apex | www — the other one 301-redirects to it. Default apex."""
    standard: NotRequired[StandardArgs]
    """The web-security standard's intent: header profile, CSP extras, weakenings with their reason, the Supabase
    URL, rate limits, cache classes. Default: the strict standard with the default rate limits and production
    rules."""
    account_id: NotRequired[str | None]
    """The Cloudflare account id; needed for notification policies (``alerts``, the health-check e-mail).
    Default: none."""
    caa: NotRequired[list[str]]
    """CAs allowed to issue for the domain: letsencrypt.org, pki.goog, sectigo.com, digicert.com, comodoca.com,
    ssl.com (Vercel and Netlify issue from letsencrypt.org). Default letsencrypt.org and pki.goog."""
    caa_report_email: NotRequired[str | None]
    """Where CAs report refused issuance (a CAA iodef record). Default: none."""
    extra_records: NotRequired[list[ExtraRecordArgs]]
    """Additional DNS records. Default: none."""
    min_tls_version: NotRequired[str]
    """1.2 | 1.3. Default 1.2."""
    dnssec: NotRequired[bool]
    """Sign the zone. Default false."""
    healthcheck: NotRequired[EdgeHealthcheckArgs | None]
    """Health checks of the apex and www. Default: none."""
    origin_tls: NotRequired[OriginTlsArgs | None]
    """Issue an Origin CA certificate (self-hosted origins). Default: none; required for nginx hosting on
    production (the zone's SSL mode is strict)."""
    plan: NotRequired[str | None]
    """The zone's Cloudflare plan: free | pro | business | enterprise. Rate limits beyond it are refused; health
    checks (none on Free) are left out and edge TTLs under its minimum left to the origin, with a warning.
    Default: none (no plan checks)."""
    rum: NotRequired[EdgeRumArgs | None]
    """Real-user monitoring with Cloudflare Web Analytics. Default: none."""
    alerts: NotRequired[AlertsArgs | None]
    """Account-level notification policies (docs/alerts.md): origin errors, health-check status, HTTP DDoS attacks,
    Universal SSL events, to e-mail addresses and webhook destinations; what the plan lacks is left out or replaced
    with a warning (an Enterprise-only SLO is refused). Needs ``account_id``. Default: none."""
    adopt_rulesets: NotRequired[dict[str, AdoptedRulesetArgs] | None]
    """Existing zone entry-point rulesets to adopt, per phase (``python -m stackcheck cloudflare-entrypoints``
    prints them): the phase's Ruleset is imported (``import_``) under its current name instead of created, so a
    zone with rules made in the dashboard does not fail with "A similar configuration with rules already exists".
    Default: none."""
    protection: NotRequired[EdgeProtectionArgs | None]
    """Edge protection (keys as ``webstack:protection``, docs/cloudflare.md — Edge protection): WAF managed
    rulesets, bot protection, security level, Browser Integrity Check, URL normalisation, each following ``plan``.
    Default: all on (None: the zone's protection is left unmanaged)."""


# ---------------------------------------------------------------------------------------------------------------
# The intent, validated


class _Hosting(StrictModel):
    provider: Literal["vercel", "netlify", "nginx"]
    netlify_site_name: Ident | None = None
    origin_ipv4: PublicIPv4 | None = None
    origin_ipv6: PublicIPv6 | None = None
    proxied: bool = True


class _Site(StrictModel):
    """The inputs that are not Cloudflare zone settings (those are validated as ``CloudflareConfig``)."""

    domain: Hostname
    canonical_host: Literal["apex", "www"] = "apex"
    hosting: _Hosting
    origin_tls: bool = False
    origin_hostnames: list[Hostname] = Field(default_factory=list)


class _Rum(StrictModel):
    auto_install: bool | None = None
    lite: bool = False


@dataclass(frozen=True)
class Edge:
    """Everything the component registers, resolved from its Args (pure data)."""

    zone: CloudflareConfig
    domain: str
    canonical_host: str
    hosting: _Hosting
    standard: ResolvedStandard
    healthcheck: bool
    origin_tls: bool
    origin_hostnames: list[str]
    authenticated_origin_pulls: bool = False
    rum: _Rum | None = None
    alerts: Alerts | None = None
    protection: ResolvedProtection | None = None

    @property
    def canonical(self) -> str:
        return self.domain if self.canonical_host == "apex" else f"www.{self.domain}"

    @property
    def hostnames(self) -> list[str]:
        return [self.domain, f"www.{self.domain}"]

    def records(self) -> list[render.Record]:
        h = self.hosting
        web = render.web_records(self.domain, h.provider, h.proxied, netlify_site=h.netlify_site_name,
                                 origin_ipv4=h.origin_ipv4, origin_ipv6=h.origin_ipv6)
        return (web + render.caa_records(self.domain, self.zone.caa, self.zone.caa_report_email)
                + render.extra_records(self.zone.extra_records))

    @property
    def min_edge_ttl(self) -> int:
        return CLOUDFLARE_PLANS[self.zone.plan].edge_ttl_min if self.zone.plan else 0

    @property
    def health_checks_allowed(self) -> bool:
        return self.zone.plan is None or CLOUDFLARE_PLANS[self.zone.plan].health_checks > 0

    def rulesets(self) -> dict[str, list[dict[str, Any]]]:
        passthrough = render.HOST_PASSTHROUGH_PATHS.get(self.hosting.provider, ()) if self.hosting.proxied else ()
        return render.rulesets(self.standard.standard, self.domain, self.canonical_host,
                               min_edge_ttl=self.min_edge_ttl, passthrough=passthrough)


# Where each CloudflareConfig key comes from in the Args (for error paths).
_ZONE_INPUTS = {"proxied": "hosting.proxied", "originHostnames": "originTls.hostnames",
                "originCertificate": "originTls", "rateLimits": "standard.rateLimits"}


def _input_path(config_path: str) -> str:
    head, sep, rest = config_path.partition(".")
    bracket = head.find("[")
    key, index = (head[:bracket], head[bracket:]) if bracket >= 0 else (head, "")
    mapped = _ZONE_INPUTS.get(key)
    if mapped is None:
        return config_path
    return f"{mapped}{index}{sep}{rest}"


def resolve_edge(args: Mapping[str, Any], component: str) -> Edge:
    """Validate the Args (snake_case keys, as Python callers and the component host pass them) and resolve them;
    :class:`IntentError` names every bad input."""
    problems: Problems = []
    raw = dict(args)
    hosting_raw = raw.get("hosting")
    origin = raw.get("origin_tls")
    origin = dict(origin) if isinstance(origin, Mapping) else origin
    healthcheck = raw.get("healthcheck")
    zone_raw: dict[str, Any] = {key: raw[key] for key in ("zone_id", "account_id", "caa", "caa_report_email",
                                                          "dnssec", "min_tls_version", "extra_records", "plan",
                                                          "adopt_rulesets")
                                if raw.get(key) is not None}
    if isinstance(hosting_raw, Mapping) and "proxied" in hosting_raw:
        zone_raw["proxied"] = hosting_raw["proxied"]
    zone_raw["healthcheck"] = healthcheck if healthcheck is not None else {"enabled": False}
    origin_pulls = origin.get("authenticated_origin_pulls", False) if isinstance(origin, Mapping) else False
    if not isinstance(origin_pulls, bool):
        problems.append(("originTls.authenticatedOriginPulls", "must be true or false"))
    if isinstance(origin, Mapping):
        cert = {k: origin[k] for k in ("key_algorithm", "validity_days") if origin.get(k) is not None}
        zone_raw["origin_certificate"] = cert
    zone = None
    try:
        zone = CloudflareConfig.model_validate(zone_raw)
    except ValidationError as exc:
        problems += [(_input_path(path), msg) for path, msg in explain(exc, "")]

    site_raw: dict[str, Any] = {key: raw[key] for key in ("domain", "hosting", "canonical_host")
                                if raw.get(key) is not None}
    site_raw["origin_tls"] = origin is not None
    if isinstance(origin, Mapping) and origin.get("hostnames") is not None:
        site_raw["origin_hostnames"] = origin["hostnames"]
    site_problems: Problems = []
    site = validate(_Site, site_raw, "", site_problems)
    problems += [(_input_path(path), msg) for path, msg in site_problems]
    unknown = set(raw) - set(CloudflareEdgeArgs.__annotations__)
    problems += [(camel(key), "unknown input (check the spelling; see docs/reference/)") for key in sorted(unknown)]
    rum = _rum_intent(raw, problems)
    if rum is not None:
        proxied = not (isinstance(hosting_raw, Mapping) and hosting_raw.get("proxied") is False)
        rum = rum.model_copy(update={"auto_install": proxied if rum.auto_install is None else rum.auto_install})
        if rum.auto_install and not proxied:
            problems.append(("rum.autoInstall", "Cloudflare injects the beacon only into HTML passing its proxy: set "
                             "hosting.proxied true, or autoInstall false and embed the snippet"))
        if not raw.get("account_id"):
            problems.append(("rum", "a Web Analytics site belongs to an account: set accountId"))
        raw["standard"] = _with_beacon(raw.get("standard"), "cloudflare-auto" if rum.auto_install
                                       else "cloudflare-snippet", problems)
    standard = resolve_standard_intent(raw.get("standard"), "standard", problems)
    alerts = resolve_alerts(raw.get("alerts"), "alerts", problems)
    if zone is None or site is None or standard is None:
        raise IntentError(component, problems)

    found = edge_problems(zone, domain=site.domain, provider=site.hosting.provider, rate_limits=standard.rate_limits)
    if zone.plan is not None:
        found += plan_rate_limit_problems(zone.plan, standard.rate_limits)
    problems += [(_input_path(path), msg) for path, msg in found]
    problems += _site_problems(site, production=standard.production)
    if alerts is not None:
        raw_alerts = raw.get("alerts") or {}
        problems += [(path.removeprefix("cloudflare."), msg) for path, msg in cloudflare_alert_problems(
            alerts.settings, plan=zone.plan, account_id=zone.account_id,
            health_explicit=raw_alerts.get("health") is not None)]
    protection = None
    if raw.get("protection", {}) is not None:
        protection, found_protection = validate_edge_protection(raw.get("protection"), plan=zone.plan,
                                                                production=standard.production)
        problems += found_protection
    if problems:
        raise IntentError(component, problems)
    return Edge(zone=zone, domain=site.domain, canonical_host=site.canonical_host, hosting=site.hosting,
                standard=standard, healthcheck=healthcheck is not None, origin_tls=site.origin_tls,
                origin_hostnames=list(site.origin_hostnames) or [site.domain, f"www.{site.domain}"],
                authenticated_origin_pulls=origin_pulls is True, rum=rum, alerts=alerts, protection=protection)


def _rum_intent(raw: Mapping[str, Any], problems: Problems) -> _Rum | None:
    value = raw.get("rum")
    return None if value is None else validate(_Rum, value, "rum", problems)


def _with_beacon(standard: Any, beacon: str, problems: Problems) -> Any:
    """The standard intent with this edge's Web Analytics beacon among its ``rum_beacons`` (so the CSP allows it)."""
    if standard is not None and not isinstance(standard, Mapping):
        return standard  # reported by the standard's own validation
    out = dict(standard or {})
    beacons = list(out.get("rum_beacons") or [])
    other = "cloudflare-snippet" if beacon == "cloudflare-auto" else "cloudflare-auto"
    if other in beacons:
        problems.append(("standard.rumBeacons", f"{other} contradicts rum.autoInstall (the edge's beacon is {beacon})"))
    elif beacon not in beacons:
        out["rum_beacons"] = [*beacons, beacon]
    return out


def _site_problems(site: _Site, *, production: bool) -> Problems:
    h = site.hosting
    problems: Problems = []
    if h.provider == "netlify" and not h.netlify_site_name:
        problems.append(("hosting.netlifySiteName", "required for Netlify hosting (www is a CNAME to "
                         "<name>.netlify.app)"))
    if h.provider != "netlify" and h.netlify_site_name:
        problems.append(("hosting.netlifySiteName", f"applies to Netlify hosting only, not {h.provider}"))
    if h.provider == "nginx" and not h.origin_ipv4:
        problems.append(("hosting.originIpv4", "required for nginx hosting: the apex and www A records point "
                         "to it"))
    for key, value in (("originIpv4", h.origin_ipv4), ("originIpv6", h.origin_ipv6)):
        if h.provider != "nginx" and value:
            problems.append((f"hosting.{key}", f"applies to nginx hosting only; {h.provider} publishes its own "
                             "addresses"))
    for i, host in enumerate(site.origin_hostnames):
        if host != site.domain and not host.endswith("." + site.domain):
            problems.append((f"originTls.hostnames[{i}]", f"{host!r} is not in {site.domain!r}"))
    if production and h.provider == "nginx" and not site.origin_tls:
        problems.append(("originTls", "required for nginx hosting on production: the zone's SSL mode is strict, "
                         "which needs a valid certificate at the origin"))
    return problems


# ---------------------------------------------------------------------------------------------------------------
# The component


class CloudflareEdge(pulumi.ComponentResource):
    """DNS records, TLS settings, edge rulesets, optional Origin CA certificate and health check for one zone."""

    zone_id: pulumi.Output[str]
    """The zone's id."""
    record_names: pulumi.Output[list[str]]
    """Names of every DNS record registered (web, CAA, extra), in registration order."""
    ruleset_ids: pulumi.Output[dict[str, str]]
    """Ruleset id per phase (http_response_headers_transform, http_request_cache_settings, …)."""
    canonical_url: pulumi.Output[str]
    """https:// URL of the canonical host."""
    origin_certificate_pem: pulumi.Output[str | None]
    """Origin CA certificate (PEM) for the origin server; None without ``origin_tls``."""
    origin_private_key_pem: pulumi.Output[str | None]
    """The certificate's private key (PEM, secret); None without ``origin_tls``."""
    healthcheck_ids: pulumi.Output[list[str]]
    """Ids of the Cloudflare health checks (one per probed hostname)."""
    web_analytics_site_tag: pulumi.Output[str | None]
    """The Web Analytics site's tag (its id); None without ``rum``."""
    web_analytics_site_token: pulumi.Output[str | None]
    """The Web Analytics site token the embedded snippet carries (public by design: it ships in every page);
    None without ``rum``."""
    files: pulumi.Output[dict[str, str]]
    """Rendered files (path → text): ``cloudflare/edge.json``, every record and ruleset rule for review."""

    def __init__(self, name: str, args: CloudflareEdgeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        edge = resolve_edge(args, f"{COMPONENT_TYPE} '{name}'")  # before anything registers
        super().__init__(COMPONENT_TYPE, name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        zone_id = edge.zone.zone_id

        records = edge.records()
        for rec in records:
            self._record(name, zone_id, rec, child)

        # Zone settings and DNSSEC are per-zone singletons: a replacement created before the old one is deleted
        # would be reset by that delete.
        singleton = pulumi.ResourceOptions(parent=self, delete_before_replace=True)
        self._tls_settings(name, edge, singleton)
        if edge.zone.dnssec:
            cloudflare.ZoneDnssec(f"{name}-dnssec", zone_id=zone_id, status="active", opts=singleton)
        if edge.zone.plan is not None:
            lowered = render.below_edge_ttl_minimum(edge.standard.standard, edge.min_edge_ttl)
            if lowered:
                plan = CLOUDFLARE_PLANS[edge.zone.plan]
                pulumi.log.warn(f"CloudflareEdge {name}: the Cloudflare {plan.name} plan's minimum edge TTL is "
                                f"{plan.edge_ttl_min} s; the cache class(es) {', '.join(lowered)} keep the origin's "
                                "Cache-Control at the edge instead of a shorter override", self)

        self.rulesets: dict[str, cloudflare.Ruleset] = {}
        """The Ruleset per phase (for ``depends_on``; read its outputs with ``.apply``, never ``Output.all``)."""
        ids: dict[str, pulumi.Output[str]] = {}
        by_phase = edge.rulesets()
        adopted = edge.zone.adopt_rulesets
        for phase, rules in by_phase.items():
            existing = adopted.get(phase)  # type: ignore[call-overload]
            # One entry point per phase and zone: Pulumi must delete before it creates a replacement, or the new
            # one collides with the old ("A similar configuration with rules already exists").
            opts = pulumi.ResourceOptions(
                parent=self, delete_before_replace=True,
                import_=f"zones/{zone_id}/{existing.id}" if existing is not None else None)
            ruleset = cloudflare.Ruleset(
                f"{name}-{PHASE_NAMES[phase]}", zone_id=zone_id, kind="zone", phase=phase,
                name=existing.name if existing is not None else f"webstack {PHASE_NAMES[phase]}",
                description="Managed by webstack (CloudflareEdge)", rules=cast(Any, rules), opts=opts)
            self.rulesets[phase] = ruleset
            ids[phase] = ruleset.id

        if edge.protection is not None:
            # WAF managed rulesets, bot protection, security level, browser check, URL normalisation.
            registered = register_edge_protection(name, zone_id, edge.protection, self,
                                                  adopted.get(WAF_PHASE))  # type: ignore[call-overload]
            waf = registered.get(WAF_PHASE)
            if isinstance(waf, cloudflare.Ruleset):
                self.rulesets[WAF_PHASE] = waf
                ids[WAF_PHASE] = waf.id

        cert_pem: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        key_pem: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        if edge.origin_tls:
            cert_pem, key_pem = self._origin_certificate(name, edge, child)

        health = edge.healthcheck and edge.health_checks_allowed
        if edge.healthcheck and not health:
            pulumi.log.warn(f"CloudflareEdge {name}: health checks are left out — the Cloudflare "
                            f"{CLOUDFLARE_PLANS[edge.zone.plan or 'free'].name} plan has none (developers."
                            "cloudflare.com/health-checks/, Availability); monitor the site from outside", self)
        health_ids = self._healthchecks(name, edge, child) if health else []
        self._alerts(name, edge, health_ids, child)

        site_tag: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        site_token: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        if edge.rum is not None:
            site = self._web_analytics(name, edge, child)
            site_tag, site_token = site.site_tag, site.site_token

        self.zone_id = pulumi.Output.from_input(zone_id)
        self.record_names = pulumi.Output.from_input([r.name for r in records])
        # Only the ids (plain strings) are combined: provider output objects must never reach Output.all.
        self.ruleset_ids = pulumi.Output.all(**ids) if ids else pulumi.Output.from_input({})
        self.canonical_url = pulumi.Output.from_input(f"https://{edge.canonical}")
        self.origin_certificate_pem = cert_pem
        self.origin_private_key_pem = key_pem
        self.healthcheck_ids = pulumi.Output.all(*health_ids) if health_ids else pulumi.Output.from_input([])
        self.web_analytics_site_tag = site_tag
        self.web_analytics_site_token = site_token
        self.files = pulumi.Output.from_input({EDGE_FILE: render.edge_json(records, by_phase)})
        self.register_outputs({
            "zoneId": self.zone_id, "recordNames": self.record_names, "rulesetIds": self.ruleset_ids,
            "canonicalUrl": self.canonical_url, "originCertificatePem": self.origin_certificate_pem,
            "originPrivateKeyPem": self.origin_private_key_pem, "healthcheckIds": self.healthcheck_ids,
            "webAnalyticsSiteTag": self.web_analytics_site_tag, "webAnalyticsSiteToken": self.web_analytics_site_token,
            "files": self.files,
        })

    def _alerts(self, name: str, edge: Edge, health_ids: list[pulumi.Output[str]],
                opts: pulumi.ResourceOptions) -> None:
        """Notification policies (components/alerts.py). The health alert keeps its name (and URN) from before
        ``alerts`` existed; its targets are the health-check e-mail and the alert targets."""
        account_id = edge.zone.account_id
        if account_id is None:
            return
        alerts = edge.alerts
        hc = edge.zone.healthcheck
        emails = list(dict.fromkeys([*([hc.notification_email] if hc.notification_email else []),
                                     *(alerts.settings.emails if alerts else [])]))
        webhook_ids = cloudflare_webhooks(name, account_id, alerts, opts) if alerts else []
        health_wanted = hc.notification_email is not None or (alerts is not None and alerts.settings.health)
        if health_ids and health_wanted:
            cloudflare.NotificationPolicy(
                f"{name}-health-alert", account_id=account_id, name=f"webstack {edge.domain} health",
                alert_type="health_check_status_notification", enabled=True,
                description=f"webstack: a health check of {edge.domain} changed state",
                mechanisms=cast(Any, mechanisms(emails, webhook_ids)),
                filters=cast(Any, {"health_check_ids": health_ids}), opts=opts)
        if alerts is None:
            return
        plans, warnings = cloudflare_policy_plans(alerts.settings, zone_id=edge.zone.zone_id, domain=edge.domain,
                                                  plan=edge.zone.plan)
        for warning in warnings:
            pulumi.log.warn(f"CloudflareEdge {name}: {warning}", self)
        cloudflare_policies(name, account_id, plans, mechanisms(alerts.settings.emails, webhook_ids), opts)

    @staticmethod
    def _record(name: str, zone_id: str, rec: render.Record, opts: pulumi.ResourceOptions) -> None:
        cloudflare.DnsRecord(
            f"{name}-{rec.key}", zone_id=zone_id, name=rec.name, type=rec.type, content=rec.content, ttl=rec.ttl,
            proxied=rec.proxied, priority=rec.priority, comment=rec.comment,
            data=cast(Any, dict(rec.data)) if rec.data else None, opts=opts)

    @staticmethod
    def _tls_settings(name: str, edge: Edge, opts: pulumi.ResourceOptions) -> None:
        std = edge.standard.standard
        settings: list[tuple[str, str, Any]] = [
            ("ssl", "ssl", "strict"),
            ("min-tls-version", "min_tls_version", edge.zone.min_tls_version),
            ("tls-1-3", "tls_1_3", "on"),
            ("always-use-https", "always_use_https", "on"),
            ("automatic-https-rewrites", "automatic_https_rewrites", "on"),
            # snake_case keys: the API echoes them so, and camelCase here diffs forever (pulumi-cloudflare#1579).
            ("hsts", "security_header", {"strict_transport_security": {
                "enabled": True,
                "max_age": std.hsts_max_age,
                "include_subdomains": std.hsts_include_subdomains,
                "preload": std.hsts_preload,
                "nosniff": std.header("X-Content-Type-Options") == "nosniff",
            }}),
        ]
        if edge.authenticated_origin_pulls:  # the edge presents the origin-pull certificate (origin lockdown)
            settings.append(("tls-client-auth", "tls_client_auth", "on"))
        for suffix, setting_id, value in settings:
            cloudflare.ZoneSetting(f"{name}-{suffix}", zone_id=edge.zone.zone_id, setting_id=setting_id,
                                   value=value, opts=opts)

    @staticmethod
    def _origin_certificate(name: str, edge: Edge, opts: pulumi.ResourceOptions
                            ) -> tuple[pulumi.Output[str | None], pulumi.Output[str | None]]:
        origin = edge.zone.origin_certificate
        if origin.key_algorithm == "ecdsa":
            key = tls.PrivateKey(f"{name}-origin-key", algorithm="ECDSA", ecdsa_curve="P256", opts=opts)
        else:
            key = tls.PrivateKey(f"{name}-origin-key", algorithm="RSA", rsa_bits=2048, opts=opts)
        hostnames = edge.origin_hostnames
        csr = tls.CertRequest(f"{name}-origin-csr", private_key_pem=key.private_key_pem, dns_names=hostnames,
                              subject={"common_name": hostnames[0]}, opts=opts)
        cert = cloudflare.OriginCaCertificate(
            f"{name}-origin-cert", csr=csr.cert_request_pem, hostnames=hostnames,
            request_type=ORIGIN_REQUEST_TYPES[origin.key_algorithm], requested_validity=origin.validity_days,
            opts=opts)
        return cert.certificate, pulumi.Output.secret(key.private_key_pem)

    @staticmethod
    def _web_analytics(name: str, edge: Edge, opts: pulumi.ResourceOptions) -> cloudflare.WebAnalyticsSite:
        """The zone's Web Analytics site. Proxied: registered by zone (``zone_tag``), the beacon injected by the edge
        when ``auto_install`` (``enabled`` switches RUM on; it applies only then); DNS-only: registered by host (the
        apex covers its subdomains), the app embeds the snippet. Source: developers.cloudflare.com/web-analytics/
        get-started/ and the provider's ``cloudflare_web_analytics_site`` schema."""
        assert edge.rum is not None and edge.zone.account_id is not None
        auto = bool(edge.rum.auto_install)
        proxied = edge.hosting.proxied
        return cloudflare.WebAnalyticsSite(
            f"{name}-web-analytics", account_id=edge.zone.account_id,
            zone_tag=edge.zone.zone_id if proxied else None, host=None if proxied else edge.domain,
            auto_install=auto, enabled=True if auto else None, lite=edge.rum.lite, opts=opts)

    @staticmethod
    def _healthchecks(name: str, edge: Edge, opts: pulumi.ResourceOptions) -> list[pulumi.Output[str]]:
        """Every public hostname probed end to end through the edge (what visitors get); the redirecting host
        follows its 301, so a broken redirect is caught too."""
        hc = edge.zone.healthcheck
        path = edge.standard.standard.health_path
        ids = []
        for host in edge.hostnames:
            check_name = render.healthcheck_name(pulumi.get_project(), pulumi.get_stack(),
                                                 "apex" if host == edge.domain else "www")
            check = cloudflare.Healthcheck(
                f"{name}-health-{check_name}", zone_id=edge.zone.zone_id, name=check_name, address=host,
                type="HTTPS", description=f"webstack: {host}{path} answers 200 within {hc.timeout_seconds}s",
                timeout=hc.timeout_seconds, interval=hc.interval_seconds, retries=hc.retries,
                consecutive_fails=hc.consecutive_fails, consecutive_successes=hc.consecutive_successes,
                http_config={
                    "method": "GET", "path": path, "port": 443, "expected_codes": ["200"],
                    "follow_redirects": host != edge.canonical, "allow_insecure": False, "header": {"Host": [host]},
                },
                opts=opts)
            ids.append(check.id)
        return ids


# ---------------------------------------------------------------------------------------------------------------
# Stack config → Args (one way to fill them)


def cloudflare_edge_args_from_config(cfg: StackConfig) -> CloudflareEdgeArgs:
    """The component's Args for this stack: its hosting option, zone settings and standard intent; a health check
    on production stacks; origin TLS for nginx. Keys the stack leaves unset are left out (the defaults match)."""
    cf = cfg.cloudflare
    hosting: EdgeHostingArgs = {"provider": cfg.hosting.provider, "proxied": cf.web_records_proxied}
    if cfg.hosting.netlify is not None and cfg.hosting.provider == "netlify":
        hosting["netlify_site_name"] = cfg.hosting.netlify.site_name
    nginx = cfg.hosting.nginx if cfg.hosting.provider == "nginx" else None
    if nginx is not None:
        hosting["origin_ipv4"] = nginx.origin_ipv4
        if nginx.origin_ipv6:
            hosting["origin_ipv6"] = nginx.origin_ipv6
    args: CloudflareEdgeArgs = {"zone_id": cf.zone_id, "domain": cfg.domain, "hosting": hosting,
                                "canonical_host": cfg.canonical_host, "standard": standard_args_from_config(cfg)}
    if cf.account_id:
        args["account_id"] = cf.account_id
    args["caa"] = list(cf.caa)
    if cf.caa_report_email:
        args["caa_report_email"] = cf.caa_report_email
    if cf.extra_records:
        args["extra_records"] = [cast(ExtraRecordArgs, r.model_dump(exclude_unset=True)) for r in cf.extra_records]
    if "min_tls_version" in cf.model_fields_set:
        args["min_tls_version"] = cf.min_tls_version
    if cf.dnssec:
        args["dnssec"] = True
    if cf.plan is not None:
        args["plan"] = cf.plan
    rum = cfg.performance.rum
    if rum.enabled and "cloudflare" in rum.providers:
        args["rum"] = {"auto_install": rum.auto_install_for(cf.web_records_proxied), "lite": rum.lite}
    if cf.adopt_rulesets:
        args["adopt_rulesets"] = {phase: {"id": r.id, "name": r.name} for phase, r in cf.adopt_rulesets.items()}
    alerts = alerts_args_from_config(cfg)
    if alerts is not None:
        args["alerts"] = alerts
    if cfg.is_prod and cf.healthcheck.enabled:
        args["healthcheck"] = cast(EdgeHealthcheckArgs,
                                   cf.healthcheck.model_dump(exclude_unset=True, exclude={"enabled"}))
    args["protection"] = edge_protection_args_from_config(cfg)
    if nginx is not None and nginx.origin_tls:
        origin: OriginTlsArgs = cast(OriginTlsArgs, cf.origin_certificate.model_dump(exclude_unset=True))
        hostnames = cf.origin_hostnames or nginx.origin_hostnames
        if hostnames:
            origin["hostnames"] = list(hostnames)
        if cfg.nginx_origin_pulls:
            origin["authenticated_origin_pulls"] = True
        args["origin_tls"] = origin
    return args


def edge_protection_args_from_config(cfg: StackConfig) -> EdgeProtectionArgs:
    """The zone's part of ``webstack:protection`` (keys the stack leaves unset are left out)."""
    dumped = cfg.protection.model_dump(mode="json", exclude_unset=True)
    return cast(EdgeProtectionArgs, {k: v for k, v in dumped.items()
                                     if k in ("waf", "bots", "security_level", "browser_check", "url_normalization")})
