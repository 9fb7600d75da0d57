"""Build the :class:`Standard` for a stack from its config: profile defaults + stack origins + reasoned opt-outs.

Profiles:

* ``strict`` (default) — graded A+ by the Mozilla HTTP Observatory's published rules: ``default-src 'none'`` with
  explicit directives, no ``'unsafe-inline'``/``'unsafe-eval'`` in ``script-src``, ``object-src 'none'``,
  ``base-uri``, ``form-action``, ``frame-ancestors 'none'``, two-year HSTS with ``includeSubDomains``,
  ``strict-origin-when-cross-origin`` referrer, ``nosniff``, COOP/CORP ``same-origin``. ``connect-src`` allows
  the stack's Supabase project over https and wss (realtime), which the runbook's list would block.
* ``runbook`` — the runbook's six headers verbatim, for comparison: ``script-src 'unsafe-inline'`` (graded below A)
  and no Supabase in ``connect-src`` (the app's API calls fail under it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from components.config.http_syntax import CspError, check_header
from components.standard.csp import Csp
from components.standard.model import CacheRule, RateLimitRule, Standard, Weakening
from components.standard.rum import rum_sources

if TYPE_CHECKING:
    from collections.abc import Sequence

    from components.config.stack import StackConfig
    from components.config.standard import HeadersConfig, RateLimit

ONE_YEAR = 31536000
TWO_YEARS = 63072000

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)

RUNBOOK_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'"),
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
)
"""The runbook's "Security Headers (Required)" list, verbatim."""

RUNBOOK_CSP = {"default-src": ["'self'"], "script-src": ["'self'", "'unsafe-inline'"]}

HEALTH_PATH = "/healthz"
"""Never cached anywhere; the Cloudflare health check and the nginx container's healthcheck probe it."""
ASSETS_PREFIX = "/assets/"
"""Where Vite writes content-hashed build output (``build.assetsDir``), safe to cache immutably."""

REMOVE_HEADERS = ("Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version")


def default_cache_rules(health_path: str = "/healthz", assets_prefix: str = "/assets/") -> tuple[CacheRule, ...]:
    """Hashed build output is immutable for a year; HTML revalidates; the health endpoint is never cached."""
    return (
        CacheRule("health", "exact", (health_path,), "no-store", None, None),
        CacheRule("hashed-assets", "prefix", (assets_prefix,), f"public, max-age={ONE_YEAR}, immutable",
                  ONE_YEAR, ONE_YEAR),
        CacheRule("html", "suffix", (".html",), "no-cache", None, None),
        CacheRule("static", "suffix", (".ico", ".png", ".svg", ".webmanifest", ".txt", ".xml"),
                  "public, max-age=3600, must-revalidate", 3600, 3600),
        CacheRule("default", "default", (), "no-cache", None, None),
    )


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    host = parts.netloc
    return f"https://{host}", f"wss://{host}"


def strict_csp(supabase_url: str | None, api_origins: list[str]) -> Csp:
    connect = ["'self'"]
    img = ["'self'", "data:", "blob:"]
    if supabase_url:
        https_origin, wss_origin = _origin(supabase_url)
        connect += [https_origin, wss_origin]
        img.append(https_origin)  # Supabase Storage public URLs
    for origin in api_origins:
        # A path ending in "/" is a prefix match in CSP and one without is exact, so only a bare "/" is trimmed.
        connect.append(origin[:-1] if urlsplit(origin).path == "/" else origin)
    return Csp.of({
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": img,
        "font-src": ["'self'"],
        "connect-src": connect,
        "manifest-src": ["'self'"],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "upgrade-insecure-requests": [],
    })


class StandardConfigError(ValueError):
    """A combination of settings the standard cannot build; ``key`` is the config key to fix."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def resolve_standard(cfg: StackConfig) -> Standard:
    """The standard for ``cfg`` (raises :class:`StandardConfigError` naming the config key on a bad combination)."""
    from components.config.rum_checks import stack_rum_beacons

    return build_standard(cfg.headers, cfg.supabase.url, cfg.rate_limits, rum_beacons=stack_rum_beacons(cfg))


def build_standard(h: HeadersConfig, supabase_url: str | None, rate_limits: Sequence[RateLimit], *,
                   health_path: str = HEALTH_PATH, assets_prefix: str = ASSETS_PREFIX,
                   rum_beacons: Sequence[str] = ()) -> Standard:
    """The standard from its parts: the header choices, the Supabase URL connect-src needs, the rate-limited
    paths, where the health endpoint and the hashed build output live (the cache classes follow from them), and
    the real-user-monitoring beacons the pages load (their exact CSP sources are added, :mod:`.rum`; the runbook
    profile is left verbatim).

    Errors name ``webstack:headers`` keys (:class:`StandardConfigError`); a component maps them to its inputs.
    """
    cache_rules = default_cache_rules(health_path, assets_prefix)
    limits = _rate_limits(rate_limits)
    if h.profile == "runbook":
        return Standard(profile="runbook", csp=Csp.of(RUNBOOK_CSP), hsts_max_age=ONE_YEAR,
                        hsts_include_subdomains=True, hsts_preload=False, headers=RUNBOOK_HEADERS,
                        remove_headers=REMOVE_HEADERS, cache_rules=cache_rules, rate_limits=limits,
                        health_path=cache_rules[0].patterns[0], assets_prefix=assets_prefix,
                        weakenings=(Weakening("webstack:headers.profile", "runbook profile: script-src allows "
                                              "'unsafe-inline' and connect-src blocks the Supabase API",
                                              h.reason_for("profile")),))

    weakenings: list[Weakening] = []

    def weaken(key: str, effect: str) -> None:
        weakenings.append(Weakening(key, effect, h.reason_for(key)))

    try:
        csp = _strict_csp_with_extras(h, supabase_url, weaken)
        for directive, sources in rum_sources(rum_beacons).items():
            csp = csp.with_sources(directive, sources)
    except CspError as exc:
        raise StandardConfigError("webstack:headers.csp", str(exc)) from None
    if h.hsts_max_age < TWO_YEARS:
        weaken("webstack:headers.hstsMaxAge", f"HSTS max-age {h.hsts_max_age}s is below the two-year default")
    if h.cross_origin_opener_policy != "same-origin":
        weaken("webstack:headers.crossOriginOpenerPolicy",
               f"COOP {h.cross_origin_opener_policy}: popups opened by the app keep a window reference to it")
    if h.cross_origin_resource_policy != "same-origin":
        weaken("webstack:headers.crossOriginResourcePolicy",
               f"CORP {h.cross_origin_resource_policy}: other sites may embed the app's responses")

    hsts = f"max-age={h.hsts_max_age}; includeSubDomains" + ("; preload" if h.hsts_preload else "")
    # With frame-ancestors opened up, modern browsers ignore X-Frame-Options; SAMEORIGIN keeps legacy ones safe.
    headers: list[tuple[str, str]] = [
        ("Content-Security-Policy", csp.render()),
        ("Strict-Transport-Security", hsts),
        ("X-Frame-Options", "SAMEORIGIN" if h.frame_ancestors else "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
        ("Cross-Origin-Opener-Policy", h.cross_origin_opener_policy),
        ("Cross-Origin-Resource-Policy", h.cross_origin_resource_policy),
    ]
    if h.cross_origin_embedder_policy:
        headers.append(("Cross-Origin-Embedder-Policy", h.cross_origin_embedder_policy))
    if h.csp.report_to and h.csp.report_endpoint:
        headers.append(("Reporting-Endpoints", f'{h.csp.report_to}="{h.csp.report_endpoint}"'))
    headers.extend(h.extra_headers.items())
    for name, value in headers:
        try:
            check_header(name, value)
        except ValueError as exc:
            raise StandardConfigError("webstack:headers", str(exc)) from None
    return Standard(profile="strict", csp=csp, hsts_max_age=h.hsts_max_age, hsts_include_subdomains=True,
                    hsts_preload=h.hsts_preload, headers=tuple(headers), remove_headers=REMOVE_HEADERS,
                    cache_rules=cache_rules, rate_limits=limits, health_path=cache_rules[0].patterns[0],
                    assets_prefix=assets_prefix, weakenings=tuple(weakenings))


def _strict_csp_with_extras(h: HeadersConfig, supabase_url: str | None, weaken: Callable[[str, str], None]) -> Csp:
    csp = strict_csp(supabase_url, list(h.api_origins))
    extra = {
        "script-src": h.csp.script_src, "style-src": h.csp.style_src, "img-src": h.csp.img_src,
        "font-src": h.csp.font_src, "connect-src": h.csp.connect_src, "frame-src": h.csp.frame_src,
        "media-src": h.csp.media_src, "worker-src": h.csp.worker_src,
    }
    for directive, sources in extra.items():
        if not sources:
            continue
        csp = csp.with_sources(directive, sources)
        if directive in ("script-src", "frame-src", "worker-src"):
            weaken("webstack:headers.csp." + _camel(directive),
                   f"{directive} also trusts {', '.join(sources)}")
    if h.csp.allow_inline_styles:
        csp = csp.with_sources("style-src", ["'unsafe-inline'"])
        weaken("webstack:headers.csp.allowInlineStyles", "style-src allows 'unsafe-inline' (CSS injection)")
    if h.frame_ancestors:
        csp = Csp.of({**csp.as_dict(), "frame-ancestors": list(h.frame_ancestors)})
        weaken("webstack:headers.frameAncestors",
               f"the site may be framed by {', '.join(h.frame_ancestors)} (clickjacking)")
    if not h.csp.upgrade_insecure_requests:
        csp = csp.without("upgrade-insecure-requests")
        weaken("webstack:headers.csp.upgradeInsecureRequests", "http:// subresource URLs are no longer upgraded")
    if h.csp.report_uri:
        csp = Csp.of({**csp.as_dict(), "report-uri": [h.csp.report_uri]})
        weaken("webstack:headers.csp.reportUri",
               f"violation reports (with page and blocked URLs) are sent to {_origin(h.csp.report_uri)[0]}")
    if h.csp.report_to:
        csp = Csp.of({**csp.as_dict(), "report-to": [h.csp.report_to]})
        if h.csp.report_endpoint:
            weaken("webstack:headers.csp.reportTo",
                   f"violation reports (with page and blocked URLs) are sent to {_origin(h.csp.report_endpoint)[0]}")
    return csp


def _camel(directive: str) -> str:
    first, *rest = directive.split("-")
    return first + "".join(p.title() for p in rest)


def _rate_limits(limits: Sequence[RateLimit]) -> tuple[RateLimitRule, ...]:
    return tuple(
        RateLimitRule(path=r.path, requests_per_period=r.requests_per_period, period=r.period,
                      mitigation_timeout=r.mitigation_timeout, action=r.action, burst=r.burst)
        for r in limits
    )
