"""Cloudflare edge rendering: DNS records per hosting option and ruleset rules, from the standard.

Pure (no Pulumi import). The one path from the standard to the provider: :func:`rulesets` turns a
:class:`~components.standard.Standard` straight into ``pulumi_cloudflare.Ruleset(rules=[...])`` inputs (snake_case
keys, the provider's Python argument shape), and :func:`edge_json` writes the same records and rules as the
reviewable ``cloudflare/edge.json``. Cloudflare allows one zone entry-point ruleset per phase, so each function
returns every rule of its phase, and :func:`rulesets` merges them into one ruleset per phase.

Expressions are written in Cloudflare's Rules language (wirefilter). Every string spliced into one comes from a
validated config value and is still quoted with :func:`wirefilter_string`, so a value can never end the string.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from components.standard.model import CacheRule, RateLimitRule, Standard

if TYPE_CHECKING:
    from components.config.cloudflare import ExtraRecord

VERCEL_APEX_IPV4 = "76.76.21.21"
"""Vercel's documented A record for an apex domain on external DNS."""
VERCEL_CNAME = "cname.vercel-dns.com"
"""Vercel's documented CNAME target for subdomains (www) on external DNS."""
NETLIFY_APEX_IPV4 = "75.2.60.5"
"""Netlify's load balancer, documented for apex A records on external DNS since 2021."""

PHASE_HEADERS = "http_response_headers_transform"
PHASE_CACHE = "http_request_cache_settings"
PHASE_RATELIMIT = "http_ratelimit"
PHASE_REDIRECT = "http_request_dynamic_redirect"
PHASES = (PHASE_REDIRECT, PHASE_RATELIMIT, PHASE_CACHE, PHASE_HEADERS)

UNREMOVABLE_HEADERS = frozenset({"server"})
"""Cloudflare writes its own ``Server: cloudflare`` on proxied responses; transform rules cannot remove it."""

RATELIMIT_CHARACTERISTICS = ("cf.colo.id", "ip.src")
"""Counted per data centre (Cloudflare requires ``cf.colo.id``) and per client IP."""

CACHE_ORDER = ("default", "suffix", "prefix", "exact")

HOST_PASSTHROUGH_PATHS = {"vercel": ("/.well-known/acme-challenge/", "/.well-known/vercel/")}
"""Paths the host itself must answer when Cloudflare proxies it: Vercel's guidance for a reverse proxy in front of
Vercel (vercel.com/guides/how-to-setup-cloudflare-with-vercel, "certificate issuance") is to let
``/.well-known/acme-challenge/*`` (HTTP-01 challenges for the certificates Vercel issues, www included) and
``/.well-known/vercel/*`` through untouched — no redirect, no caching — or issuance for the redirected host fails."""
"""Cache rules all apply and a later rule's setting wins, so the most specific match kind goes last."""


@dataclass(frozen=True)
class Record:
    """One DNS record to register (``data`` for CAA)."""

    key: str  # stable resource-name suffix
    name: str
    type: str
    content: str | None = None
    proxied: bool = False
    ttl: int = 1
    priority: int | None = None
    data: Mapping[str, Any] | None = None
    comment: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The record as plain data (what ``cloudflare/edge.json`` lists; None fields left out)."""
        out: dict[str, Any] = {"key": self.key, "name": self.name, "type": self.type, "ttl": self.ttl,
                               "proxied": self.proxied}
        for field, value in (("content", self.content), ("priority", self.priority), ("comment", self.comment)):
            if value is not None:
                out[field] = value
        if self.data is not None:
            out["data"] = dict(self.data)
        return out


# ---------------------------------------------------------------------------------------------------------------
# Expressions


def wirefilter_string(value: str) -> str:
    """A double-quoted Rules-language string literal (backslash and quote escaped)."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError(f"control characters cannot appear in a Cloudflare expression: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _any(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else " or ".join(f"({p})" for p in parts)


def path_expression(kind: str, patterns: Iterable[str]) -> str:
    """Match the request path: ``exact`` (equals), ``prefix`` (starts with), ``suffix`` (ends with), ``default``."""
    pats = list(patterns)
    field = "http.request.uri.path"
    if kind == "default":
        return "true"
    if not pats:
        raise ValueError(f"a {kind!r} match needs at least one pattern")
    if kind == "exact":
        if len(pats) == 1:
            return f"{field} eq {wirefilter_string(pats[0])}"
        return f"{field} in {{{' '.join(wirefilter_string(p) for p in pats)}}}"
    if kind == "prefix":
        return _any([f"starts_with({field}, {wirefilter_string(p)})" for p in pats])
    if kind == "suffix":
        return _any([f"ends_with({field}, {wirefilter_string(p)})" for p in pats])
    raise ValueError(f"unknown match kind {kind!r}")


# ---------------------------------------------------------------------------------------------------------------
# Rules, one function per phase


NOT_MODIFIED_EXCLUDED = "http.response.code ne 304"
"""The security-header rule's filter: every response except a 304 Not Modified.

RFC 9110 §15.4.5: a 304 carries only what updates the stored response (Cache-Control, Content-Location, Date, ETag,
Expires, Vary); the browser keeps the headers stored with the 200 (verified in Chromium for the nginx origin,
tests/nginx/test_nginx_browser_revalidation.py). Response Header Transform Rules otherwise apply to every response
Cloudflare sends, 304s included (developers.cloudflare.com/rules/transform/response-header-modification/), so a
proxied zone would put ~1 KB of headers back on each revalidation of ``index.html``.

``http.response.code`` is "the HTTP status code returned to the client, either set by a Cloudflare product or
returned by the origin server" (developers.cloudflare.com/ruleset-engine/rules-language/fields/reference/
http.response.code/) and is one of the response fields of Response Header Transform Rules
(developers.cloudflare.com/rules/transform/response-header-modification/reference/fields-functions/; Cloudflare's
own example filters such a rule on ``http.response.code eq 403``: developers.cloudflare.com/ai-crawl-control/
configuration/ai-crawl-control-with-transform-rules/). So the filter also covers the 304s Cloudflare answers from
its cache (developers.cloudflare.com/cache/concepts/revalidation/, "Smart revalidation towards users": the edge
answers a browser's If-None-Match/If-Modified-Since itself) as well as the origin's. The rule touches no
Cache-Control/ETag/Vary/Expires/Date/Content-Location: those come from the origin and the cache rules' browser TTL
(not this phase), on 304s as on 200s."""


def response_header_rules(std: Standard) -> list[dict[str, Any]]:
    """The ``http_response_headers_transform`` rules for ``std``: one rewrite rule setting every header (and
    removing what Cloudflare allows) on every response but a 304 Not Modified (:data:`NOT_MODIFIED_EXCLUDED`), as a
    mapping header → {operation, value}. The removals skip 304s too: no supported origin sends ``X-Powered-By``,
    and ``Server`` cannot be removed at all."""
    mapping: dict[str, dict[str, str]] = {name: {"operation": "set", "value": value} for name, value in std.headers}
    for name in std.remove_headers:
        if name.lower() not in UNREMOVABLE_HEADERS and name not in mapping:
            mapping[name] = {"operation": "remove"}
    return [{
        "ref": "webstack_security_headers",
        "description": "webstack standard: security headers on every response but a 304 Not Modified",
        "expression": NOT_MODIFIED_EXCLUDED,
        "action": "rewrite",
        "action_parameters": {"headers": mapping},
        "enabled": True,
    }]


def cache_rule(rule: CacheRule, min_edge_ttl: int = 0) -> dict[str, Any]:
    """One ``set_cache_settings`` rule: cache with explicit edge/browser TTLs, or bypass the edge cache.

    An edge TTL under ``min_edge_ttl`` (the zone plan's minimum, which Cloudflare refuses to go under) is not
    overridden: the origin's ``Cache-Control`` decides at the edge instead (``respect_origin``)."""
    params: dict[str, Any]
    if rule.edge_ttl is None:
        params = {"cache": False}
    else:
        if rule.edge_ttl < min_edge_ttl:
            params = {"cache": True, "edge_ttl": {"mode": "respect_origin"}}
        else:
            params = {"cache": True, "edge_ttl": {"mode": "override_origin", "default": rule.edge_ttl}}
        if rule.browser_ttl is None:
            params["browser_ttl"] = {"mode": "respect_origin"}
        else:
            params["browser_ttl"] = {"mode": "override_origin", "default": rule.browser_ttl}
    verb = ("bypass the edge cache" if rule.edge_ttl is None else
            "edge TTL from the origin's Cache-Control" if rule.edge_ttl < min_edge_ttl else f"edge {rule.edge_ttl}s")
    return {
        "ref": f"webstack_cache_{rule.asset_class.replace('-', '_')}",
        "description": f"webstack standard: {rule.asset_class} — {verb}",
        "expression": path_expression(rule.match, rule.patterns),
        "action": "set_cache_settings",
        "action_parameters": params,
        "enabled": True,
    }


def cache_rules(std: Standard, *, min_edge_ttl: int = 0, passthrough: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The ``http_request_cache_settings`` rules for the standard's cache policy, least specific first; with
    ``passthrough`` paths (see :data:`HOST_PASSTHROUGH_PATHS`) a last rule keeps them out of the edge cache."""
    ordered = sorted(std.cache_rules, key=lambda r: CACHE_ORDER.index(r.match))
    rules = [cache_rule(r, min_edge_ttl) for r in ordered]
    if passthrough:
        rules.append({
            "ref": "webstack_cache_host_passthrough",
            "description": "webstack: the host's own /.well-known paths (certificate issuance) are never cached",
            "expression": path_expression("prefix", passthrough),
            "action": "set_cache_settings",
            "action_parameters": {"cache": False},
            "enabled": True,
        })
    return rules


def below_edge_ttl_minimum(std: Standard, min_edge_ttl: int) -> list[str]:
    """The cache classes whose edge TTL the plan's minimum does not allow (rendered with ``respect_origin``)."""
    return [r.asset_class for r in std.cache_rules if r.edge_ttl is not None and r.edge_ttl < min_edge_ttl]


def ratelimit_rule(limit: RateLimitRule, index: int) -> dict[str, Any]:
    kind = "prefix" if limit.is_prefix else "exact"
    ratelimit: dict[str, Any] = {
        "characteristics": list(RATELIMIT_CHARACTERISTICS),
        "period": limit.period,
        "requests_per_period": limit.requests_per_period,
        "mitigation_timeout": limit.mitigation_timeout,
    }
    return {
        "ref": f"webstack_ratelimit_{index}",
        "description": f"webstack rate limit: {limit.path} {limit.requests_per_period}/{limit.period}s",
        "expression": path_expression(kind, [limit.prefix]),
        "action": limit.action,
        "ratelimit": ratelimit,
        "enabled": True,
    }


def ratelimit_rules(std: Standard) -> list[dict[str, Any]]:
    """The ``http_ratelimit`` rules, one per rate-limited path of the standard (Cloudflare has no burst: nginx's
    ``burst`` does not apply at the edge)."""
    return [ratelimit_rule(limit, i) for i, limit in enumerate(std.rate_limits)]


def redirect_rules(domain: str, canonical_host: str, passthrough: Sequence[str] = ()) -> list[dict[str, Any]]:
    """301 from the non-canonical host (apex or www) to the canonical one, keeping the path and query string;
    ``passthrough`` path prefixes are left to the host (see :data:`HOST_PASSTHROUGH_PATHS`)."""
    apex, www = domain, f"www.{domain}"
    canonical, other = (apex, www) if canonical_host == "apex" else (www, apex)
    expression = f"http.host eq {wirefilter_string(other)}"
    for prefix in passthrough:
        expression += f" and not starts_with(http.request.uri.path, {wirefilter_string(prefix)})"
    return [{
        "ref": "webstack_canonical_host",
        "description": f"webstack: redirect {other} to {canonical}",
        "expression": expression,
        "action": "redirect",
        "action_parameters": {"from_value": {
            "status_code": 301,
            "target_url": {"expression": f"concat({wirefilter_string('https://' + canonical)}, http.request.uri.path)"},
            "preserve_query_string": True,
        }},
        "enabled": True,
    }]


def rulesets(std: Standard, domain: str, canonical_host: str, *, min_edge_ttl: int = 0,
             passthrough: Sequence[str] = ()) -> dict[str, list[dict[str, Any]]]:
    """Every rule, merged into exactly one list per phase (phases without rules are left out). ``min_edge_ttl``:
    the zone plan's minimum edge TTL; ``passthrough``: the hosting's own paths (:data:`HOST_PASSTHROUGH_PATHS`)."""
    by_phase: dict[str, list[dict[str, Any]]] = {phase: [] for phase in PHASES}
    by_phase[PHASE_REDIRECT] += redirect_rules(domain, canonical_host, passthrough)
    by_phase[PHASE_RATELIMIT] += ratelimit_rules(std)
    by_phase[PHASE_CACHE] += cache_rules(std, min_edge_ttl=min_edge_ttl, passthrough=passthrough)
    by_phase[PHASE_HEADERS] += response_header_rules(std)
    return {phase: rules for phase, rules in by_phase.items() if rules}


# ---------------------------------------------------------------------------------------------------------------
# DNS

HOSTING_NOTES = {"vercel": "Vercel", "netlify": "Netlify", "nginx": "nginx origin"}


def web_records(domain: str, provider: str, proxied: bool, *, netlify_site: str | None = None,
                origin_ipv4: str | None = None, origin_ipv6: str | None = None) -> list[Record]:
    """The apex and www records for the hosting option (documented vendor targets, or the nginx origin)."""
    apex, www = domain, f"www.{domain}"
    note = f"webstack: {HOSTING_NOTES[provider]} ({'proxied through Cloudflare' if proxied else 'DNS-only'})"
    if provider == "vercel":
        return [Record("apex-a", apex, "A", VERCEL_APEX_IPV4, proxied, comment=note),
                Record("www-cname", www, "CNAME", VERCEL_CNAME, proxied, comment=note)]
    if provider == "netlify":
        if not netlify_site:
            raise ValueError("Netlify hosting needs the site name (www is a CNAME to <site>.netlify.app)")
        return [Record("apex-a", apex, "A", NETLIFY_APEX_IPV4, proxied, comment=note),
                Record("www-cname", www, "CNAME", f"{netlify_site}.netlify.app", proxied, comment=note)]
    if not origin_ipv4:
        raise ValueError("nginx hosting needs the origin's IPv4 address")
    records = []
    for label, host in (("apex", apex), ("www", www)):
        records.append(Record(f"{label}-a", host, "A", origin_ipv4, proxied, comment=note))
        if origin_ipv6:
            records.append(Record(f"{label}-aaaa", host, "AAAA", origin_ipv6, proxied, comment=note))
    return records


def caa_records(domain: str, cas: Sequence[str], report_email: str | None) -> list[Record]:
    """``issue`` and ``issuewild`` per allowed CA at the apex (inherited by every name below), ``iodef`` if set."""
    records = []
    for ca in cas:
        slug = ca.replace(".", "-")
        for tag in ("issue", "issuewild"):
            records.append(Record(f"caa-{tag}-{slug}", domain, "CAA", data={"flags": 0, "tag": tag, "value": ca}))
    if report_email:
        records.append(Record("caa-iodef", domain, "CAA",
                              data={"flags": 0, "tag": "iodef", "value": f"mailto:{report_email}"}))
    return records


TXT_STRING_MAX = 255


def txt_content(value: str) -> str:
    r"""TXT content as Cloudflare documents it: in quotation marks (developers.cloudflare.com/dns/manage-dns-records/
    reference/dns-record-types/#txt — the dashboard warns that content without them gets them added). Content
    already written as quoted strings (``"part one" "part two"``) is kept; otherwise ``\`` and ``"`` are escaped
    and the text is split into strings of at most 255 characters (the DNS limit per string)."""
    if value.startswith('"'):
        return value
    chunks = [value[i:i + TXT_STRING_MAX] for i in range(0, len(value), TXT_STRING_MAX)] or [""]
    return " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


def extra_records(records: Sequence[ExtraRecord]) -> list[Record]:
    """The user's additional records, keyed by position and type (``extra-0-mx``); TXT content quoted."""
    return [Record(f"extra-{i}-{rec.type.lower()}", rec.name, rec.type,
                   txt_content(rec.content) if rec.type == "TXT" else rec.content, rec.proxied, rec.ttl,
                   rec.priority) for i, rec in enumerate(records)]


def healthcheck_name(project: str, stack: str, label: str) -> str:
    """Cloudflare allows only letters, digits, '-' and '_' in health check names."""
    raw = f"{project}-{stack}-{label}"
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in raw)[:64]


def edge_json(records: Sequence[Record], by_phase: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """``cloudflare/edge.json``: every record and every ruleset rule, for review next to the preview."""
    return json.dumps({"records": [r.as_dict() for r in records], "rulesets": by_phase}, indent=2) + "\n"
