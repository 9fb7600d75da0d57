"""Delivery rules of the runbook beyond security headers: caching (hashed assets immutable for a year, the HTML
revalidated on every load), rate limiting on production (an enabled rule at the edge or in nginx), and nginx's own
directives (server_tokens, autoindex, old TLS protocols).

Why caching is a defect class: a CDN or browser that keeps ``index.html`` for a day runs yesterday's build, which
asks for hashed chunks the new deployment no longer has — the app breaks until the cache expires.

Sources read: nginx configs carried in inputs (docker ``Container.uploads`` …: ``expires``, ``add_header
Cache-Control``, ``limit_req``, ``proxy_pass``, ``server_tokens``, ``autoindex``, ``ssl_protocols``, with nginx's
location matching and inheritance), Cloudflare ``Ruleset`` phases ``http_request_cache_settings`` (``cache``,
``edgeTtl``/``browserTtl`` overrides) and ``http_ratelimit``, Cache-Control set by any response-header source
(Cloudflare transform rules, Vercel routes, vercel.json, Netlify files), Vercel ``FirewallConfig`` rate-limit rules.
Pure rules over plain props; no Pulumi import beyond the policy wrappers.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import cf_expression
from .core import Check, Meta, StackResource, as_list, as_number, get, is_unknown, resource_policy, stack_policy
from .header_sources import CLOUDFLARE_RULESET, may_carry_headers, nginx_config, nginx_files, sources_of
from .nginx_conf import Block, NginxConfig, locations, match_location, servers

CACHE_PHASE = "http_request_cache_settings"
RATELIMIT_PHASE = "http_ratelimit"
VERCEL_FIREWALL = "vercel:index/firewallConfig:FirewallConfig"
PAGE_RULE = "cloudflare:index/pageRule:PageRule"
_LIMITING_ACTIONS = frozenset({"block", "challenge", "managed_challenge", "js_challenge", None})
ONE_YEAR = 31_536_000
_NGINX_MAX = 315_360_000  # ``expires max``: Cache-Control max-age=315360000
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2_592_000, "y": 31_536_000}
_TIME = re.compile(r"(\d+)(ms|s|m|h|d|w|M|y)?")
_PROXIES = ("proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass")


# ------------------------------------------------------------------------------------------------ lifetimes


def nginx_time(text: str) -> float | None:
    """nginx time syntax (``1d``, ``1h30m``, ``3600``) in seconds; None when it is not one."""
    pos, total = 0, 0.0
    while pos < len(text):
        m = _TIME.match(text, pos)
        if m is None or m.end() == pos:
            return None
        total += int(m.group(1)) * _UNITS[m.group(2) or "s"]
        pos = m.end()
    return total if text else None


def expires_lifetime(args: list[str] | None) -> float | None:
    """What ``expires`` makes browsers cache for (seconds; 0 = revalidate), None when it sends nothing we read."""
    if not args:
        return None
    words = [a for a in args if a != "modified"]
    if not words:
        return None
    value = words[0]
    if value == "off":
        return None
    if value == "epoch" or value.startswith("-"):
        return 0.0  # Cache-Control: no-cache
    if value == "max":
        return float(_NGINX_MAX)
    if value.startswith("@"):
        return 86_400.0  # a time of day: cached until then, up to a day
    return nginx_time(value)


def cache_control_lifetime(value: Any) -> float | None:
    """Seconds a Cache-Control value lets a cache reuse the response without asking (0 when it must revalidate)."""
    if not isinstance(value, str):
        return None
    directives = {d.strip().split("=", 1)[0].lower(): d.strip().split("=", 1)[1].strip('" ')
                  for d in value.split(",") if "=" in d}
    flags = {d.strip().lower() for d in value.split(",") if "=" not in d}
    if flags & {"no-cache", "no-store"}:
        return 0.0
    numbers = [as_number(directives[k]) for k in ("max-age", "s-maxage") if k in directives]
    ages = [a for a in numbers if a is not None]
    return max(ages) if ages else None


def _duration(seconds: float) -> str:
    if seconds >= 86_400 and seconds % 86_400 == 0:
        days = int(seconds // 86_400)
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{int(seconds)} s"


# ------------------------------------------------------------------------------------------------ caching


def _cache_rule(resource_type: str, props: dict[str, Any], check: Check) -> None:
    cfg = check.config
    html_max = float(cfg["htmlMaxAge"])
    asset_min = float(cfg["assetMinMaxAge"])
    html_paths = [str(p) for p in cfg["htmlPaths"]]
    asset_paths = [str(p) for p in cfg["assetPaths"]]
    files = nginx_files(props)
    if files:
        _nginx_cache(nginx_config(files), check, html_max, asset_min, asset_paths)
    if resource_type == CLOUDFLARE_RULESET and props.get("phase") == CACHE_PHASE:
        _cloudflare_cache(props, check, html_max, asset_min, html_paths, asset_paths)
    if resource_type == PAGE_RULE:
        _page_rule_cache(props, check, html_max, html_paths)
    for src in sources_of(resource_type, props, html_paths):
        if src.kind == "nginx" or not src.html:
            continue
        header = src.headers.get("cache-control")
        value = header.value if header is not None else None
        lifetime = cache_control_lifetime(value)
        if lifetime is not None and lifetime > html_max:
            check.fail(f"{src.label} sends Cache-Control '{value}' on the HTML, so browsers and CDNs keep "
                       f"index.html for {_duration(lifetime)} and run a stale build; use no-cache (revalidate).")
    for src in sources_of(resource_type, props, asset_paths):
        if src.kind == "nginx" or not src.html:
            continue
        header = src.headers.get("cache-control")
        lifetime = cache_control_lifetime(header.value) if header is not None else None
        if lifetime is not None and 0 < lifetime < asset_min:
            check.fail(f"{src.label} caches hashed assets for {_duration(lifetime)} only; they never change: "
                       f"use Cache-Control 'public, max-age={ONE_YEAR}, immutable'.")


def _cache_control_at(block: Block) -> str | None:
    """The Cache-Control that ``add_header`` sends at ``block`` (nginx: the nearest level with any add_header)."""
    level: Block | None = block
    while level is not None:
        if level.add_headers:
            return next((h.value for h in level.add_headers if h.name.lower() == "cache-control"), None)
        level = level.parent
    return None


def _nginx_cache(config: NginxConfig, check: Check, html_max: float, asset_min: float,
                 asset_paths: list[str]) -> None:
    for path in config.unknown:
        check.unknown(path)
    for server in servers(config):
        if server.redirects_only():
            continue
        html = match_location(server, "/index.html")  # "/" and SPA routes end there (index / try_files)
        for lifetime, how in _nginx_lifetimes(html):
            if lifetime > html_max:
                check.fail(f"nginx {html.label()} serves index.html with {how}: browsers keep it for "
                           f"{_duration(lifetime)} and run a stale build that asks for hashed chunks the new "
                           "deployment no longer has; use 'expires -1' or add_header Cache-Control \"no-cache\".")
        for path in asset_paths:
            loc = match_location(server, path)
            for lifetime, how in _nginx_lifetimes(loc):
                if 0 < lifetime < asset_min:
                    check.fail(f"nginx {loc.label()} caches hashed assets ({path}) for {_duration(lifetime)} only "
                               f"({how}); they never change: use 'expires max' or Cache-Control "
                               f"'public, max-age={ONE_YEAR}, immutable'.")


def _nginx_lifetimes(block: Block) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    expires = block.inherited("expires")
    lifetime = expires_lifetime(expires)
    if lifetime is not None and expires is not None:
        out.append((lifetime, f"'expires {' '.join(expires)}'"))
    header = _cache_control_at(block)
    lifetime = cache_control_lifetime(header)
    if lifetime is not None:
        out.append((lifetime, f"Cache-Control '{header}'"))
    return out


def _ttl(params: Any, key: str) -> float | None:
    ttl = get(params, key)
    if not isinstance(ttl, dict) or ttl.get("mode") != "override_origin":
        return None
    return as_number(ttl.get("default"))


def _cloudflare_cache(props: dict[str, Any], check: Check, html_max: float, asset_min: float,
                      html_paths: list[str], asset_paths: list[str]) -> None:
    rules = props.get("rules")
    if is_unknown(rules):
        check.unknown("rules")
        return
    for i, rule in enumerate(as_list(rules)):
        if not isinstance(rule, dict) or rule.get("enabled") is False or rule.get("action") != "set_cache_settings":
            continue
        expression, params = rule.get("expression"), rule.get("actionParameters")
        if is_unknown(expression) or is_unknown(params):
            check.unknown(f"rules[{i}]")
            continue
        if not isinstance(expression, str) or not isinstance(params, dict) or params.get("cache") is False:
            continue
        ttls = [(t, key) for key in ("browserTtl", "edgeTtl") if (t := _ttl(params, key)) is not None]
        if any(cf_expression.evaluate(expression, p) for p in [*html_paths, "/index.html"]):
            for ttl, key in ttls:
                if ttl > html_max:
                    check.fail(f"Cloudflare cache rule rules[{i}] (actionParameters.{key}) caches the HTML for "
                               f"{_duration(ttl)}: visitors get a stale index.html whose hashed chunks are gone after "
                               "a deploy; exclude HTML from the rule or respect the origin's no-cache.")
        elif any(cf_expression.evaluate(expression, p) for p in asset_paths):
            for ttl, key in ttls:
                if key == "browserTtl" and 0 < ttl < asset_min:
                    check.fail(f"Cloudflare cache rule rules[{i}] (actionParameters.browserTtl) caches hashed "
                               f"assets for {_duration(ttl)} only; use a year (they never change).")


def _page_rule_cache(props: dict[str, Any], check: Check, html_max: float, html_paths: list[str]) -> None:
    """A legacy Page Rule (``target`` URL pattern with ``*``; ``actions.cacheLevel`` cache_everything with
    ``edgeCacheTtl``/``browserCacheTtl``) that covers the HTML."""
    target, actions = props.get("target"), props.get("actions")
    if is_unknown(target) or is_unknown(actions):
        check.unknown("target" if is_unknown(target) else "actions")
        return
    if props.get("status") == "disabled" or not isinstance(target, str) or not isinstance(actions, dict):
        return
    path = "/" + target.split("://", 1)[-1].split("/", 1)[1] if "/" in target.split("://", 1)[-1] else "/"
    pattern = re.escape(path).replace(r"\*", ".*")
    if not any(re.fullmatch(pattern, p) for p in [*html_paths, "/index.html"]):
        return
    for key in ("browserCacheTtl", "edgeCacheTtl"):
        ttl = as_number(actions.get(key))
        cached = key == "browserCacheTtl" or actions.get("cacheLevel") == "cache_everything"
        if cached and ttl is not None and ttl > html_max:
            check.fail(f"Cloudflare Page Rule for {target} (actions.{key}) caches the HTML for {_duration(ttl)}: "
                       "visitors get a stale index.html after a deploy; exclude HTML from the rule.")


CACHE_CONTROL = resource_policy(
    Meta(
        name="cache-control-standard",
        description="HTML is revalidated on every load (never cached for a day); hashed assets, where a lifetime "
        "is set, are cached for a year.",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Serve index.html (and the SPA fallback) with Cache-Control: no-cache (nginx: location = /index.html "
            "{ expires -1; }; Cloudflare: no edge/browser TTL override for HTML) and hashed /assets/ with "
            "Cache-Control: public, max-age=31536000, immutable (nginx: expires max)."
        ),
        config={
            "htmlMaxAge": {"type": "integer", "minimum": 0, "default": 0,
                           "description": "longest accepted cache lifetime of the HTML, in seconds"},
            "assetMinMaxAge": {"type": "integer", "minimum": 0, "default": ONE_YEAR,
                               "description": "shortest accepted lifetime for hashed assets when one is set"},
            "htmlPaths": {"type": "array", "items": {"type": "string"}, "default": ["/", "/some/deep/route"]},
            "assetPaths": {"type": "array", "items": {"type": "string"},
                           "default": ["/assets/index-4f3a2b1c.js"],
                           "description": "a request path of a hashed build asset (Vite: /assets/<name>-<hash>.js)"},
        },
        url="https://web.dev/articles/http-cache",
        tags=("performance", "caching"),
    ),
    None,
    _cache_rule,
    judges=lambda resource_type, props: resource_type == PAGE_RULE or may_carry_headers(resource_type, props),
)


# ------------------------------------------------------------------------------------------------ rate limiting


def _edge_limits(resources: list[StackResource]) -> tuple[list[str], list[str]]:
    """Enabled edge rate limits (descriptions) and disabled ones (a disabled rule is no rule)."""
    enabled: list[str] = []
    disabled: list[str] = []
    for r in resources:
        if r.type == CLOUDFLARE_RULESET and r.props.get("phase") == RATELIMIT_PHASE:
            for i, rule in enumerate(as_list(r.props.get("rules"))):
                if not isinstance(rule, dict):
                    continue
                where = f"{r.name} rules[{i}]"
                if rule.get("enabled") is False:
                    disabled.append(where)
                elif rule.get("action") not in _LIMITING_ACTIONS:
                    disabled.append(f"{where} (action {rule.get('action')} only records)")
                else:
                    enabled.append(where)
        elif r.type == VERCEL_FIREWALL:
            if r.props.get("enabled") is False:
                continue
            for i, rule in enumerate(as_list(get(r.props, "rules", "rules") or r.props.get("rules"))):
                if get(rule, "action", "action") == "rate_limit":
                    where = f"{r.name} rules[{i}]"
                    (disabled if get(rule, "active") is False else enabled).append(where)
    return enabled, disabled


def _rate_limit_required(resources: list[StackResource], check: Check) -> None:
    if check.config["productionOnly"] and not check.prod:
        return
    enabled, disabled = _edge_limits(resources)
    off = f" ({', '.join(disabled)} {'is' if len(disabled) == 1 else 'are'} disabled or log-only: a rule that does "\
          "not limit is no rule)" if disabled else ""
    if not enabled:
        anchor = next((r for r in resources if r.type.startswith("cloudflare:") and r.props.get("zoneId") is not None
                       and not r.type.startswith("cloudflare:index/get")), None)
        if anchor is not None:
            check.fail(f"The stack's Cloudflare zone has no enabled rate-limit rule (Ruleset phase "
                       f"{RATELIMIT_PHASE}){off}.", anchor.urn)
    for r in resources:
        files = nginx_files(r.props)
        if not files:
            continue
        config = nginx_config(files)
        for server in servers(config):
            for loc in locations(server):
                proxied = next((d for d in _PROXIES if loc.directive(d) is not None), None)
                if proxied is None or loc.inherited("limit_req") is not None or enabled:
                    continue
                check.fail(f"nginx {loc.label()} passes requests to a backend ({proxied}) with no limit_req in "
                           f"effect and the stack has no edge rate limit{off}.", r.urn)


RATE_LIMIT_REQUIRED = stack_policy(
    Meta(
        name="rate-limit-required",
        description="A production stack rate-limits at its edge: an enabled Cloudflare http_ratelimit rule (or "
        "Vercel firewall rate_limit rule), and limit_req on every nginx location that proxies to a backend "
        "when the stack has no edge limit.",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Add an enabled Cloudflare Ruleset (phase http_ratelimit) rule with characteristics [cf.colo.id, "
            "ip.src], or limit_req_zone + limit_req on the nginx locations that proxy an API."
        ),
        config={"productionOnly": {"type": "boolean", "default": True}},
        prod=True,
        url="https://developers.cloudflare.com/waf/rate-limiting-rules/",
        tags=("rate-limit",),
    ),
    _rate_limit_required,
)


# ------------------------------------------------------------------------------------------------ nginx hardening


_OLD_PROTOCOLS = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1")


def _nginx_hardening(_type: str, props: dict[str, Any], check: Check) -> None:
    files = nginx_files(props)
    if not files:
        return
    config = nginx_config(files)
    for path in config.unknown:
        check.unknown(path)
    for server in servers(config):
        tokens = server.inherited("server_tokens")
        if check.config["requireServerTokensOff"] and (tokens is None or tokens[:1] != ["off"]):
            state = "is not set (nginx's default is on)" if tokens is None else f"is '{' '.join(tokens)}'"
            check.fail(f"nginx {server.label()}: server_tokens {state}, so the Server header and error pages "
                       "announce the nginx version; set server_tokens off.")
        for block in [server, *locations(server)]:
            own_tokens = block.directive("server_tokens")
            if block is not server and own_tokens is not None and own_tokens[:1] != ["off"] \
                    and check.config["requireServerTokensOff"]:
                check.fail(f"nginx {block.label()}: server_tokens {' '.join(own_tokens)} turns the version back on.")
            # A server inherits http-level settings; a location is judged by its own (its server was judged).
            autoindex = block.inherited("autoindex") if block is server else block.directive("autoindex")
            if check.config["forbidAutoindex"] and autoindex is not None and autoindex[:1] == ["on"]:
                check.fail(f"nginx {block.label()}: autoindex on lists directory contents to anyone.")
            protocols = block.inherited("ssl_protocols") if block is server else block.directive("ssl_protocols")
            old = [p for p in protocols or [] if p in _OLD_PROTOCOLS]
            if old:
                check.fail(f"nginx {block.label()}: ssl_protocols enables {', '.join(old)}; allow TLSv1.2 TLSv1.3 "
                           "only.")


NGINX_HARDENING = resource_policy(
    Meta(
        name="nginx-server-hardening",
        description="nginx hides its version (server_tokens off), never lists directories (autoindex) and offers "
        "no TLS below 1.2.",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "In every server (or the http block): server_tokens off; remove autoindex on; ssl_protocols TLSv1.2 "
            "TLSv1.3."
        ),
        config={
            "requireServerTokensOff": {"type": "boolean", "default": True},
            "forbidAutoindex": {"type": "boolean", "default": True},
        },
        url="https://nginx.org/en/docs/http/ngx_http_core_module.html#server_tokens",
        tags=("nginx",),
    ),
    None,
    _nginx_hardening,
    judges=lambda _type, props: bool(nginx_files(props)),
)

POLICIES = [CACHE_CONTROL, RATE_LIMIT_REQUIRED, NGINX_HARDENING]
