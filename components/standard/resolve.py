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

from urllib.parse import urlsplit

from components.config.stack import StackConfig
from components.standard.csp import Csp
from components.standard.model import CacheRule, RateLimitRule, Standard, Weakening, check_header

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
        connect.append(origin.rstrip("/"))
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


def resolve_standard(cfg: StackConfig) -> Standard:
    """The standard for ``cfg`` (raises ValueError with the config key on a bad combination)."""
    h = cfg.headers
    weakenings: list[Weakening] = []
    reason = h.weakening_reason
    if h.profile == "runbook":
        weakenings.append(Weakening("webstack:headers.profile", "runbook profile: script-src 'unsafe-inline' and "
                                    "no Supabase in connect-src", reason))
        csp = Csp.of({"default-src": ["'self'"], "script-src": ["'self'", "'unsafe-inline'"]})
        headers = RUNBOOK_HEADERS
        return Standard(profile="runbook", csp=csp, hsts_max_age=ONE_YEAR, hsts_include_subdomains=True,
                        hsts_preload=False, headers=headers, remove_headers=REMOVE_HEADERS,
                        cache_rules=default_cache_rules(), rate_limits=_rate_limits(cfg),
                        weakenings=tuple(weakenings))

    csp = strict_csp(cfg.supabase.url, list(h.api_origins))
    extra = {
        "script-src": h.csp.script_src, "style-src": h.csp.style_src, "img-src": h.csp.img_src,
        "font-src": h.csp.font_src, "connect-src": h.csp.connect_src, "frame-src": h.csp.frame_src,
        "media-src": h.csp.media_src, "worker-src": h.csp.worker_src,
    }
    for directive, sources in extra.items():
        if sources:
            csp = csp.with_sources(directive, sources)
            if directive in ("script-src", "frame-src", "worker-src"):
                key = "webstack:headers.csp." + _camel(directive)
                weakenings.append(Weakening(key, f"{directive} allows third-party origins {sources}", reason))
    if h.csp.allow_inline_styles:
        csp = csp.with_sources("style-src", ["'unsafe-inline'"])
        weakenings.append(Weakening("webstack:headers.csp.allowInlineStyles", "style-src allows 'unsafe-inline'",
                                    reason))
    if h.frame_ancestors:
        csp = Csp.of({**csp.as_dict(), "frame-ancestors": list(h.frame_ancestors)})
        weakenings.append(Weakening("webstack:headers.frameAncestors", "the site may be framed by other origins",
                                    reason))
    if h.csp.report_uri:
        csp = Csp.of({**csp.as_dict(), "report-uri": [h.csp.report_uri]})
    if not h.csp.upgrade_insecure_requests:
        csp = csp.without("upgrade-insecure-requests")
    if h.hsts_max_age < TWO_YEARS:
        weakenings.append(Weakening("webstack:headers.hstsMaxAge", f"HSTS max-age {h.hsts_max_age}s is below the "
                                    f"two-year default", reason))

    hsts = f"max-age={h.hsts_max_age}; includeSubDomains" + ("; preload" if h.hsts_preload else "")
    frame_options = "DENY" if not h.frame_ancestors else None
    headers: list[tuple[str, str]] = [
        ("Content-Security-Policy", csp.render()),
        ("Strict-Transport-Security", hsts),
    ]
    if frame_options:
        headers.append(("X-Frame-Options", frame_options))
    headers += [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
    ]
    for name, value in headers:
        check_header(name, value)
    return Standard(profile="strict", csp=csp, hsts_max_age=h.hsts_max_age, hsts_include_subdomains=True,
                    hsts_preload=h.hsts_preload, headers=tuple(headers), remove_headers=REMOVE_HEADERS,
                    cache_rules=default_cache_rules(), rate_limits=_rate_limits(cfg), weakenings=tuple(weakenings))


def _camel(directive: str) -> str:
    first, *rest = directive.split("-")
    return first + "".join(p.title() for p in rest)


def _rate_limits(cfg: StackConfig) -> tuple[RateLimitRule, ...]:
    return tuple(
        RateLimitRule(path=r.path, requests_per_period=r.requests_per_period, period=r.period,
                      mitigation_timeout=r.mitigation_timeout, action=r.action, burst=r.burst)
        for r in cfg.rate_limits
    )
