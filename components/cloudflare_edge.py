"""`webstack:index:CloudflareEdge` — the Cloudflare zone in front of the site: DNS, TLS, edge rules, origin TLS,
health check.

Thin: records and rules come from :mod:`components.render.cloudflare`; this registers them. Args are plain data
(what another Pulumi language would send), built from stack config by :func:`cloudflare_edge_args_from_config`.
Secure defaults: SSL mode ``strict``, TLS ≥ 1.2 with 1.3 on, Always Use HTTPS, Automatic HTTPS Rewrites, HSTS from
the standard, one ruleset per phase (Cloudflare allows one zone entry point per phase).
"""

from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_cloudflare as cloudflare
import pulumi_tls as tls

from components.config.stack import StackConfig
from components.render import cloudflare as render
from components.standard.model import CacheRule, RateLimitRule, Standard

COMPONENT_TYPE = "webstack:index:CloudflareEdge"
PHASE_NAMES = {
    render.PHASE_REDIRECT: "canonical-redirect",
    render.PHASE_RATELIMIT: "rate-limits",
    render.PHASE_CACHE: "cache-rules",
    render.PHASE_HEADERS: "response-headers",
}
ORIGIN_REQUEST_TYPES = {"ecdsa": "origin-ecc", "rsa": "origin-rsa"}


class CaaDataArgs(TypedDict):
    """The data of a CAA record."""

    flags: int
    """0, or 128 (critical: a CA that does not understand the tag must refuse to issue)."""
    tag: str
    """issue | issuewild | iodef"""
    value: str
    """The CA's domain (issue, issuewild) or a mailto:/https: URL for reports (iodef)."""


class DnsRecordArgs(TypedDict):
    """One DNS record in the zone."""

    key: str
    """Stable suffix of the child resource name (renaming it replaces the record)."""
    name: str
    """Full record name inside the zone (``example.com``, ``www.example.com``)."""
    type: str
    """A | AAAA | CNAME | MX | TXT | CAA."""
    content: NotRequired[str | None]
    """Record content; omitted for CAA (see ``data``). Default: none."""
    data: NotRequired[CaaDataArgs | None]
    """CAA only. Default: none."""
    ttl: NotRequired[int]
    """Default 1 (automatic; required for proxied records)."""
    proxied: NotRequired[bool]
    """Default false."""
    priority: NotRequired[int | None]
    """MX only. Default: none."""
    comment: NotRequired[str | None]
    """Shown in the Cloudflare dashboard. Default: none."""


class HstsArgs(TypedDict):
    """Strict-Transport-Security as Cloudflare's ``security_header`` zone setting sends it."""

    max_age: int
    """Seconds."""
    include_subdomains: bool
    """Whether the policy covers every subdomain."""
    preload: bool
    """Whether the header asks for inclusion in browsers' preload lists."""
    nosniff: NotRequired[bool]
    """Default true (Cloudflare adds X-Content-Type-Options: nosniff with HSTS)."""


class CacheRuleArgs(TypedDict):
    """Edge and browser caching for one asset class."""

    asset_class: str
    """health | hashed-assets | html | static | default"""
    match: str
    """exact | prefix | suffix | default"""
    patterns: list[str]
    """Paths (exact), path prefixes (prefix) or file extensions (suffix) this rule matches."""
    cache_control: str
    """The Cache-Control the origin sends for this class."""
    edge_ttl: NotRequired[int | None]
    """Seconds at the edge. Default: none (bypass the edge cache)."""
    browser_ttl: NotRequired[int | None]
    """Seconds in the browser. Default: none (respect the origin's Cache-Control)."""


class RateLimitArgs(TypedDict):
    """One rate-limit rule (Cloudflare's ``http_ratelimit`` phase)."""

    path: str
    """``/api/*`` (prefix) or ``/login`` (exact)."""
    requests_per_period: int
    """Requests a client may send within ``period`` before ``action`` applies."""
    period: int
    """Seconds: 10, 60, 120, 300, 600 or 3600."""
    mitigation_timeout: int
    """Seconds the action stays in force once a client is over the limit."""
    action: str
    """block | managed_challenge | js_challenge | log"""


class HealthcheckArgs(TypedDict):
    """A Cloudflare health check probing one hostname over HTTPS."""

    name: str
    """Letters, digits, '-' and '_' only."""
    address: str
    """Hostname (or origin IP) to probe over HTTPS; also sent as the Host header."""
    path: str
    """The health endpoint; it must answer 200."""
    port: NotRequired[int]
    """Default 443."""
    follow_redirects: NotRequired[bool]
    """Default false; true for a host that redirects to the canonical one (the probe then checks both hops)."""
    timeout: NotRequired[int]
    """Seconds; default 3 (the runbook: slower than 3 s is unhealthy)."""
    interval: NotRequired[int]
    """Seconds; default 60."""
    retries: NotRequired[int]
    """Default 2."""
    consecutive_fails: NotRequired[int]
    """Default 2."""
    consecutive_successes: NotRequired[int]
    """Default 2."""


class OriginTlsArgs(TypedDict):
    """A Cloudflare Origin CA certificate for a self-hosted origin (key generated with pulumi-tls)."""

    hostnames: list[str]
    """Hostnames the certificate covers (the first is the subject's common name)."""
    key_algorithm: NotRequired[str]
    """ecdsa (P-256, default) | rsa (2048 bits)."""
    validity_days: NotRequired[int]
    """Default 5475 (15 years, Cloudflare's maximum)."""


class CloudflareEdgeArgs(TypedDict):
    zone_id: str
    """The Cloudflare zone id."""
    domain: str
    """The zone's apex domain."""
    canonical_host: NotRequired[str]
    """apex (default) | www — the other one 301-redirects to it."""
    account_id: NotRequired[str | None]
    """Needed only for the health-check notification policy. Default: none."""
    records: list[DnsRecordArgs]
    """Every DNS record of the site (web, CAA, extra records)."""
    min_tls_version: NotRequired[str]
    """Default "1.2"."""
    hsts: HstsArgs
    """Strict-Transport-Security sent by the edge."""
    dnssec: NotRequired[bool]
    """Default false."""
    headers: dict[str, str]
    """Response headers set on every response (the standard's header set)."""
    remove_headers: NotRequired[list[str]]
    """Removed where Cloudflare allows (not ``Server``). Default: none."""
    cache_rules: NotRequired[list[CacheRuleArgs]]
    """Caching per asset class. Default: none (Cloudflare's default caching)."""
    rate_limits: NotRequired[list[RateLimitArgs]]
    """Default: none."""
    healthchecks: NotRequired[list[HealthcheckArgs]]
    """Default: none."""
    health_notification_email: NotRequired[str | None]
    """With ``account_id``: a notification policy e-mails this address when any health check changes state.
    Default: none."""
    origin_tls: NotRequired[OriginTlsArgs | None]
    """Default: no Origin CA certificate (only self-hosted origins need one)."""


def _cache_rule(arg: CacheRuleArgs) -> CacheRule:
    return CacheRule(arg["asset_class"], arg["match"], tuple(arg.get("patterns", [])),  # type: ignore[arg-type]
                     arg["cache_control"], arg.get("edge_ttl"), arg.get("browser_ttl"))


def _rate_limit(arg: RateLimitArgs) -> RateLimitRule:
    return RateLimitRule(path=arg["path"], requests_per_period=int(arg["requests_per_period"]),
                         period=int(arg["period"]), mitigation_timeout=int(arg["mitigation_timeout"]),
                         action=arg["action"], burst=0)


def edge_rulesets(args: CloudflareEdgeArgs) -> dict[str, list[dict[str, Any]]]:
    """Every rule from the args, one list per phase (pure; the component registers one Ruleset per entry)."""
    by_phase: dict[str, list[dict[str, Any]]] = {}
    by_phase[render.PHASE_REDIRECT] = render.redirect_rules(args["domain"], args.get("canonical_host", "apex"))
    by_phase[render.PHASE_RATELIMIT] = render.ratelimit_rules_from([_rate_limit(r) for r in
                                                                    args.get("rate_limits", [])])
    by_phase[render.PHASE_CACHE] = render.cache_rules_from([_cache_rule(r) for r in args.get("cache_rules", [])])
    if args.get("headers") or args.get("remove_headers"):
        by_phase[render.PHASE_HEADERS] = render.header_rules(list(args.get("headers", {}).items()),
                                                             args.get("remove_headers", []))
    return {phase: rules for phase, rules in by_phase.items() if rules}


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

    def __init__(self, name: str, args: CloudflareEdgeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT_TYPE, name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        zone_id = args["zone_id"]
        domain = args["domain"]
        canonical_host = args.get("canonical_host", "apex")
        canonical = domain if canonical_host == "apex" else f"www.{domain}"

        names = []
        for rec in args["records"]:
            self._record(name, zone_id, rec, child)
            names.append(rec["name"])

        self._tls_settings(name, zone_id, args, child)
        if args.get("dnssec", False):
            cloudflare.ZoneDnssec(f"{name}-dnssec", zone_id=zone_id, status="active", opts=child)

        self.rulesets: dict[str, cloudflare.Ruleset] = {}
        """The Ruleset per phase (for ``depends_on``; read its outputs with ``.apply``, never ``Output.all``)."""
        ids: dict[str, pulumi.Output[str]] = {}
        for phase, rules in edge_rulesets(args).items():
            ruleset = cloudflare.Ruleset(
                f"{name}-{PHASE_NAMES[phase]}", zone_id=zone_id, kind="zone", phase=phase,
                name=f"webstack {PHASE_NAMES[phase]}", description="Managed by webstack (CloudflareEdge)",
                rules=cast(Any, rules), opts=child)
            self.rulesets[phase] = ruleset
            ids[phase] = ruleset.id

        cert_pem: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        key_pem: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        origin_tls = args.get("origin_tls")
        if origin_tls:
            cert_pem, key_pem = self._origin_certificate(name, origin_tls, child)

        health_ids = [self._healthcheck(name, health, zone_id, child) for health in args.get("healthchecks", [])]
        email, account_id = args.get("health_notification_email"), args.get("account_id")
        if health_ids and email and account_id:
            cloudflare.NotificationPolicy(
                f"{name}-health-alert", account_id=account_id, name=f"webstack {domain} health",
                alert_type="health_check_status_notification", enabled=True,
                description=f"webstack: a health check of {domain} changed state",
                mechanisms={"emails": [{"id": email}]}, filters={"health_check_ids": health_ids}, opts=child)

        self.zone_id = pulumi.Output.from_input(zone_id)
        self.record_names = pulumi.Output.from_input(names)
        # Only the ids (plain strings) are combined: provider output objects must never reach Output.all.
        self.ruleset_ids = pulumi.Output.all(**ids) if ids else pulumi.Output.from_input({})
        self.canonical_url = pulumi.Output.from_input(f"https://{canonical}")
        self.origin_certificate_pem = cert_pem
        self.origin_private_key_pem = key_pem
        self.healthcheck_ids = pulumi.Output.all(*health_ids) if health_ids else pulumi.Output.from_input([])
        self.register_outputs({
            "zoneId": self.zone_id, "recordNames": self.record_names, "rulesetIds": self.ruleset_ids,
            "canonicalUrl": self.canonical_url, "originCertificatePem": self.origin_certificate_pem,
            "originPrivateKeyPem": self.origin_private_key_pem, "healthcheckIds": self.healthcheck_ids,
        })

    @staticmethod
    def _record(name: str, zone_id: str, rec: DnsRecordArgs, opts: pulumi.ResourceOptions) -> None:
        data = rec.get("data")
        cloudflare.DnsRecord(
            f"{name}-{rec['key']}", zone_id=zone_id, name=rec["name"], type=rec["type"],
            content=rec.get("content"), ttl=rec.get("ttl", 1), proxied=rec.get("proxied", False),
            priority=rec.get("priority"), comment=rec.get("comment"),
            data=cast(Any, dict(data)) if data else None, opts=opts)

    @staticmethod
    def _tls_settings(name: str, zone_id: str, args: CloudflareEdgeArgs, opts: pulumi.ResourceOptions) -> None:
        hsts = args["hsts"]
        settings: list[tuple[str, str, Any]] = [
            ("ssl", "ssl", "strict"),
            ("min-tls-version", "min_tls_version", args.get("min_tls_version", "1.2")),
            ("tls-1-3", "tls_1_3", "on"),
            ("always-use-https", "always_use_https", "on"),
            ("automatic-https-rewrites", "automatic_https_rewrites", "on"),
            # snake_case keys: the API echoes them so, and camelCase here diffs forever (pulumi-cloudflare#1579).
            ("hsts", "security_header", {"strict_transport_security": {
                "enabled": True,
                "max_age": int(hsts["max_age"]),
                "include_subdomains": bool(hsts["include_subdomains"]),
                "preload": bool(hsts["preload"]),
                "nosniff": bool(hsts.get("nosniff", True)),
            }}),
        ]
        for suffix, setting_id, value in settings:
            cloudflare.ZoneSetting(f"{name}-{suffix}", zone_id=zone_id, setting_id=setting_id, value=value,
                                   opts=opts)

    @staticmethod
    def _origin_certificate(name: str, origin: OriginTlsArgs, opts: pulumi.ResourceOptions
                            ) -> tuple[pulumi.Output[str | None], pulumi.Output[str | None]]:
        algorithm = origin.get("key_algorithm", "ecdsa")
        if algorithm not in ORIGIN_REQUEST_TYPES:
            raise ValueError(f"origin_tls.key_algorithm must be 'ecdsa' or 'rsa', not {algorithm!r}")
        if algorithm == "ecdsa":
            key = tls.PrivateKey(f"{name}-origin-key", algorithm="ECDSA", ecdsa_curve="P256", opts=opts)
        else:
            key = tls.PrivateKey(f"{name}-origin-key", algorithm="RSA", rsa_bits=2048, opts=opts)
        hostnames = list(origin["hostnames"])
        csr = tls.CertRequest(f"{name}-origin-csr", private_key_pem=key.private_key_pem, dns_names=hostnames,
                              subject={"common_name": hostnames[0]}, opts=opts)
        cert = cloudflare.OriginCaCertificate(
            f"{name}-origin-cert", csr=csr.cert_request_pem, hostnames=hostnames,
            request_type=ORIGIN_REQUEST_TYPES[algorithm], requested_validity=origin.get("validity_days", 5475),
            opts=opts)
        return cert.certificate, pulumi.Output.secret(key.private_key_pem)

    @staticmethod
    def _healthcheck(name: str, health: HealthcheckArgs, zone_id: str, opts: pulumi.ResourceOptions
                     ) -> pulumi.Output[str]:
        timeout = health.get("timeout", 3)
        check = cloudflare.Healthcheck(
            f"{name}-health-{health['name']}", zone_id=zone_id, name=health["name"], address=health["address"],
            type="HTTPS", description=f"webstack: {health['address']}{health['path']} answers 200 within {timeout}s",
            timeout=timeout, interval=health.get("interval", 60), retries=health.get("retries", 2),
            consecutive_fails=health.get("consecutive_fails", 2),
            consecutive_successes=health.get("consecutive_successes", 2),
            http_config={
                "method": "GET", "path": health["path"], "port": health.get("port", 443),
                "expected_codes": ["200"], "follow_redirects": health.get("follow_redirects", False),
                "allow_insecure": False, "header": {"Host": [health["address"]]},
            },
            opts=opts)
        return check.id


def cloudflare_edge_args_from_config(cfg: StackConfig, std: Standard) -> CloudflareEdgeArgs:
    """The component's args for this stack: records for its hosting option, the standard's rules, origin TLS for
    nginx, a health check on prod."""
    cf = cfg.cloudflare
    proxied = cfg.cloudflare.web_records_proxied
    args: CloudflareEdgeArgs = {
        "zone_id": cf.zone_id,
        "domain": cfg.domain,
        "canonical_host": cfg.canonical_host,
        "account_id": cf.account_id,
        "records": [r.as_args() for r in render.all_records(cfg, proxied)],  # type: ignore[misc]
        "min_tls_version": cf.min_tls_version,
        "hsts": {"max_age": std.hsts_max_age, "include_subdomains": std.hsts_include_subdomains,
                 "preload": std.hsts_preload, "nosniff": std.header("X-Content-Type-Options") == "nosniff"},
        "dnssec": cf.dnssec,
        "headers": dict(std.headers),
        "remove_headers": list(std.remove_headers),
        "cache_rules": [{"asset_class": r.asset_class, "match": r.match, "patterns": list(r.patterns),
                         "cache_control": r.cache_control, "edge_ttl": r.edge_ttl, "browser_ttl": r.browser_ttl}
                        for r in std.cache_rules],
        "rate_limits": [{"path": r.path, "requests_per_period": r.requests_per_period, "period": r.period,
                         "mitigation_timeout": r.mitigation_timeout, "action": r.action} for r in std.rate_limits],
        "healthchecks": [],
        "health_notification_email": None,
        "origin_tls": None,
    }
    hc = cf.healthcheck
    if cfg.is_prod and hc.enabled:
        # Every public hostname is probed end to end through the edge (what visitors get); the redirecting host
        # follows its 301, so a broken redirect is caught too.
        args["healthchecks"] = [{
            "name": render.healthcheck_name(cfg.project, cfg.stack, "apex" if host == cfg.domain else "www"),
            "address": host,
            "path": std.health_path,
            "port": 443,
            "follow_redirects": host != cfg.canonical_hostname,
            "timeout": hc.timeout_seconds,
            "interval": hc.interval_seconds,
            "retries": hc.retries,
            "consecutive_fails": hc.consecutive_fails,
            "consecutive_successes": hc.consecutive_successes,
        } for host in cfg.hostnames]
        args["health_notification_email"] = hc.notification_email
    if cfg.hosting.provider == "nginx" and cfg.hosting.nginx is not None and cfg.hosting.nginx.origin_tls:
        args["origin_tls"] = {"hostnames": render.origin_hostnames(cfg),
                              "key_algorithm": cf.origin_certificate.key_algorithm,
                              "validity_days": cf.origin_certificate.validity_days}
    return args
