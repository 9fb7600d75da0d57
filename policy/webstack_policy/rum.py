"""Real-user monitoring of Core Web Vitals: declared on production, able to collect, and not blocked by the CSP.

The runbook's pre-deployment checklist asks for "Core Web Vitals monitoring active". The declarable form is a
Cloudflare Web Analytics site (``cloudflare:index/webAnalyticsSite:WebAnalyticsSite``, inputs ``accountId``,
``zoneTag``, ``host``, ``autoInstall``, ``enabled``, ``lite``): with ``autoInstall`` the edge injects the beacon
into HTML passing its proxy, otherwise the app embeds the snippet (developers.cloudflare.com/web-analytics/
get-started/). Vercel Speed Insights has no provider resource (pulumiverse_vercel 5.21), so a stack relying on it
shows the pack nothing — ``rumTypes`` lets an org name its own marker resource type.

* ``rum-declared`` (advisory, production): a stack that serves a site (proxied web records, a Vercel project)
  declares a RUM resource. Advisory because RUM often lives outside the stack (a dashboard toggle, a SaaS, the
  app's own web-vitals reporting) where the pack cannot see it — 29 of the 60 compliant programs of the foreign
  corpus declare none; an org that declares RUM as code sets it mandatory in the pack config.
* ``web-analytics-site-collects`` (mandatory): a declared site can collect — it names a zone or a host, auto-install
  has a zone to inject on, and on production it is not switched off.
* ``rum-beacon-allowed-by-csp`` (mandatory): where a stack declares Cloudflare Web Analytics, every CSP it sets on
  HTML lets the beacon run — Cloudflare does not add it to a site's CSP, and a refused beacon collects nothing,
  silently. Auto-install injects ``https://static.cloudflareinsights.com/beacon.min.js/v<version>`` (no nonce) and
  reports to the site's own ``/cdn-cgi/rum``; the embedded snippet loads ``…/beacon.min.js`` and reports to
  ``https://cloudflareinsights.com/cdn-cgi/rum`` (developers.cloudflare.com/web-analytics/faq/, CSP entry).

Pure: no Pulumi import beyond the SDK's policy types.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pulumi_policy import EnforcementLevel, Severity

from .core import Check, Meta, StackResource, is_unknown, resource_policy, stack_policy
from .csp import directives
from .header_sources import sources_of

WEB_ANALYTICS_SITE = "cloudflare:index/webAnalyticsSite:WebAnalyticsSite"
DNS_RECORD_TYPES = ["cloudflare:index/dnsRecord:DnsRecord", "cloudflare:index/record:Record"]
SITE_TYPES = ["vercel:index/project:Project"]
_PROXYABLE = ("A", "AAAA", "CNAME")

INJECTED_BEACON = "https://static.cloudflareinsights.com/beacon.min.js/v2024.11.0"
"""A URL of the shape auto-install injects (a version under ``beacon.min.js/``)."""
SNIPPET_BEACON = "https://static.cloudflareinsights.com/beacon.min.js"
SNIPPET_ENDPOINT = "https://cloudflareinsights.com/cdn-cgi/rum"
FAQ = "https://developers.cloudflare.com/web-analytics/faq/"


# ------------------------------------------------------------------------------------------ CSP source matching


_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def source_allows(source: str, url: str) -> bool | None:
    """Whether one CSP source expression (lower-case) allows ``url``, an https URL of another origin than the page
    (CSP3 §6.7.2.5 "Does url match expression"); None for sources whose verdict depends on more than the URL
    ('strict-dynamic', nonces, hashes)."""
    target = urlsplit(url)
    if source == "*":
        return True
    if source.startswith("'"):
        return None if source in ("'strict-dynamic'",) or source.startswith(("'nonce-", "'sha")) else False
    if source.endswith(":") and "/" not in source:  # scheme-source
        return source[:-1] in (target.scheme, "http" if target.scheme == "https" else "")
    scheme, sep, rest = source.partition("://")
    if not sep:
        scheme, rest = "", source
    if scheme and scheme not in (target.scheme, "http" if target.scheme == "https" else ""):
        return False
    host_port, slash, path = rest.partition("/")
    path = slash + path
    host, _, port = host_port.partition(":")
    wanted = (target.hostname or "").lower()
    if host == "*":
        pass
    elif host.startswith("*."):
        if not wanted.endswith(host[1:]):
            return False
    elif host != wanted:
        return False
    url_port = target.port or _DEFAULT_PORTS.get(target.scheme)
    if port and port != "*" and (not port.isdigit() or int(port) != url_port):
        return False
    if not port and url_port != _DEFAULT_PORTS.get(target.scheme):
        return False
    if path and path != "/":
        return target.path.startswith(path) if path.endswith("/") else target.path == path
    return True


def list_allows(sources: list[str], url: str) -> bool:
    return any(source_allows(s, url) for s in sources)


def _effective(csp: dict[str, list[str]], *names: str) -> list[str] | None:
    for name in (*names, "default-src"):
        if name in csp:
            return csp[name]
    return None  # the directive does not apply: allowed


# ------------------------------------------------------------------------------------------ rum-declared


def _serves_site(resources: list[StackResource]) -> StackResource | None:
    for r in resources:
        if r.type in DNS_RECORD_TYPES and r.props.get("proxied") is True and r.props.get("type") in _PROXYABLE:
            return r
        if r.type in SITE_TYPES:
            return r
    return None


def _switched_on(r: StackResource) -> bool:
    return not (r.props.get("autoInstall") is True and r.props.get("enabled") is False)


def _declared(resources: list[StackResource], check: Check) -> None:
    if not check.prod:
        return
    site = _serves_site(resources)
    if site is None:
        return
    rum_types = set(map(str, check.config["rumTypes"]))
    declared = [r for r in resources if r.type in rum_types]
    if not declared:
        check.fail("The stack serves a site but declares no real-user monitoring of Core Web Vitals (the runbook's "
                   "'Core Web Vitals monitoring active'): no resource of the rumTypes is in the stack.", site.urn)
    elif not any(_switched_on(r) for r in declared):
        check.fail("Real-user monitoring is declared but switched off (autoInstall with enabled: false).",
                   declared[0].urn)


RUM_DECLARED = stack_policy(
    Meta(
        name="rum-declared",
        description="A production stack that serves a site declares real-user monitoring of Core Web Vitals "
        "(Cloudflare Web Analytics).",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.ADVISORY,
        remediation=(
            "Declare a Cloudflare Web Analytics site (cloudflare.WebAnalyticsSite with the zone's zone_tag and "
            "auto_install, or a host and the snippet in the app); webstack: webstack:performance.rum.enabled: true. "
            "RUM run elsewhere (Vercel Speed Insights, a SaaS): name its marker resource type in rumTypes, or "
            "suppress with the reason."
        ),
        config={
            "rumTypes": {"type": "array", "items": {"type": "string"}, "default": [WEB_ANALYTICS_SITE],
                         "description": "resource types that declare RUM"},
        },
        prod=True,
        url="https://developers.cloudflare.com/web-analytics/",
        tags=("monitoring", "performance"),
    ),
    _declared,
)


# ------------------------------------------------------------------------------------------ web-analytics-site-collects


def _collects(resource_type: str, props: dict[str, object], check: Check) -> None:
    zone, host = props.get("zoneTag"), props.get("host")
    auto, enabled = props.get("autoInstall"), props.get("enabled")
    for name, value in (("zoneTag", zone), ("host", host), ("autoInstall", auto), ("enabled", enabled)):
        if is_unknown(value):
            check.unknown(name)
    if any(is_unknown(v) for v in (zone, host, auto, enabled)):
        return
    if not zone and not host:
        check.fail("The Web Analytics site names neither a zone (zoneTag, proxied sites) nor a host (hostname of a "
                   "DNS-only site): no page is measured.")
    elif auto is True and not zone:
        check.fail("autoInstall is on but the site has no zoneTag: Cloudflare injects the beacon only into a "
                   "proxied zone's HTML, so nothing is measured (set zoneTag, or autoInstall false and embed the "
                   "snippet).")
    elif check.prod and auto is True and enabled is False:
        check.fail("The production Web Analytics site is switched off (autoInstall with enabled: false).")


SITE_COLLECTS = resource_policy(
    Meta(
        name="web-analytics-site-collects",
        description="A declared Cloudflare Web Analytics site can collect: it names a zone or a host, auto-install "
        "has a zone, and on production it is switched on.",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Proxied site: zone_tag = the zone id, auto_install = true, enabled = true. DNS-only site: host = the "
            "apex domain, auto_install = false, and embed the snippet with the site token."
        ),
        prod=True,
        url="https://developers.cloudflare.com/web-analytics/get-started/",
        tags=("monitoring", "performance"),
    ),
    [WEB_ANALYTICS_SITE],
    _collects,
)


# ------------------------------------------------------------------------------------------ rum-beacon-allowed-by-csp


def _beacon_problems(csp: dict[str, list[str]], auto: bool) -> list[str]:
    problems = []
    script = _effective(csp, "script-src-elem", "script-src")
    beacon = INJECTED_BEACON if auto else SNIPPET_BEACON
    if script is not None:
        if "'strict-dynamic'" in script:
            # Host sources are ignored under 'strict-dynamic'; an embedded snippet may carry the page's nonce.
            if auto:
                problems.append("script-src uses 'strict-dynamic', which ignores host sources; the beacon Cloudflare "
                                "injects carries no nonce, so it is refused")
        elif not list_allows(script, beacon):
            where = "script-src-elem" if "script-src-elem" in csp else ("script-src" if "script-src" in csp
                                                                         else "default-src")
            wanted = "https://static.cloudflareinsights.com/beacon.min.js/" if auto else SNIPPET_BEACON
            problems.append(f"{where} does not allow the beacon script ({wanted})")
    connect = _effective(csp, "connect-src")
    if connect is not None:
        if auto:
            if not any(s in ("'self'", "*", "https:") for s in connect):
                problems.append("connect-src lacks 'self' (the injected beacon reports to the site's /cdn-cgi/rum)")
        elif not list_allows(connect, SNIPPET_ENDPOINT):
            problems.append(f"connect-src does not allow the beacon's endpoint ({SNIPPET_ENDPOINT})")
    return problems


def _beacon_allowed(resources: list[StackResource], check: Check) -> None:
    sites = [r for r in resources if r.type == WEB_ANALYTICS_SITE]
    if not sites:
        return
    autos = {r.props.get("autoInstall") for r in sites}
    if any(is_unknown(a) for a in autos):
        check.unknown("autoInstall")
        return
    modes = sorted({a is True for a in autos})
    for r in resources:
        for src in sources_of(r.type, r.props):
            header = src.headers.get("content-security-policy")
            if header is None or not src.html:
                continue
            if is_unknown(header.value):
                check.unknown(f"{src.label}: Content-Security-Policy")
                continue
            csp = directives(header.value)
            if csp is None:
                continue  # an unparsable CSP is csp-observatory-grade's finding
            for auto in modes:
                problems = _beacon_problems(csp, auto)
                if problems:
                    how = "injects" if auto else "has the app embed"
                    check.fail(f"{src.label}: the stack declares Cloudflare Web Analytics, which {how} its beacon, but "
                               f"the Content-Security-Policy refuses it — {'; '.join(problems)}. A refused beacon "
                               "measures nothing, silently.", r.urn)


BEACON_ALLOWED = stack_policy(
    Meta(
        name="rum-beacon-allowed-by-csp",
        description="Where Cloudflare Web Analytics is declared, every CSP on HTML lets its beacon load and report.",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Auto-install: script-src https://static.cloudflareinsights.com/beacon.min.js/ and connect-src 'self'. "
            "Embedded snippet: script-src https://static.cloudflareinsights.com/beacon.min.js and connect-src "
            "https://cloudflareinsights.com/cdn-cgi/rum. webstack adds exactly these when webstack:performance.rum "
            "is on."
        ),
        url=FAQ,
        tags=("monitoring", "csp"),
    ),
    _beacon_allowed,
)

POLICIES = [RUM_DECLARED, SITE_COLLECTS, BEACON_ALLOWED]
