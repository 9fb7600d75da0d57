"""`webstack:headers` and `webstack:rateLimits` — the stack's choices on top of the web-security standard.

The standard itself (values, defaults, renderers) lives in :mod:`components.standard`; this is only what a stack
may choose: a profile, extra CSP sources for third parties it really uses, and explicit, reasoned weakenings.
Every value here ends up in an HTTP header rendered into nginx, Cloudflare, Vercel and Netlify files, so each one
is checked at this boundary (CSP sources per directive, header names as RFC 9110 tokens, values printable ASCII
without CR/LF/NUL) and the error names the exact key, e.g. ``webstack:headers.csp.scriptSrc[0]``.
See docs/standard.md for what each setting weakens.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from components.config.base import HttpsUrl, SafeText, StrictModel, UrlPath
from components.config.http_syntax import (
    check_header_name,
    check_header_value,
    config_source,
    is_broad,
    validate_source,
)

MANAGED_HEADERS = frozenset({
    "content-security-policy", "content-security-policy-report-only", "strict-transport-security",
    "x-frame-options", "x-content-type-options", "referrer-policy", "permissions-policy",
    "cross-origin-opener-policy", "cross-origin-resource-policy", "cross-origin-embedder-policy",
    "reporting-endpoints", "report-to",
})
"""Headers the standard sets itself; a stack changes them through their named settings, never extraHeaders."""

FORBIDDEN_EXTRA_HEADERS = frozenset({
    # framing and hop-by-hop: a static header here would corrupt responses or be dropped by the edge
    "connection", "keep-alive", "transfer-encoding", "content-length", "content-type", "content-encoding",
    "content-range", "upgrade", "te", "trailer", "host", "date", "location", "proxy-authenticate",
    "proxy-authorization", "proxy-connection",
    # owned by other parts of the standard: cache rules, removed headers, CORS is per-API, cookies are the app's
    "cache-control", "expires", "age", "pragma", "etag", "last-modified", "vary", "cdn-cache-control",
    "server", "x-powered-by", "set-cookie", "access-control-allow-origin", "access-control-allow-credentials",
    "access-control-allow-headers", "access-control-allow-methods", "access-control-expose-headers",
})


WEAKENING_SETTINGS = (
    "profile", "csp.scriptSrc", "csp.frameSrc", "csp.workerSrc", "csp.allowInlineStyles",
    "csp.upgradeInsecureRequests", "csp.reportUri", "csp.reportTo", "hstsMaxAge", "frameAncestors",
    "crossOriginOpenerPolicy", "crossOriginResourcePolicy",
)
"""The settings under ``webstack:headers`` that can weaken the standard (docs/standard.md), as
``weakeningReasons`` keys them."""


def _weakening_setting(key: str) -> str:
    """A ``weakeningReasons`` key: one of WEAKENING_SETTINGS, spelled as docs/standard.md does (in every language)."""
    if key not in WEAKENING_SETTINGS:
        raise ValueError(f"{key!r} is not a setting that weakens the standard; one of: {', '.join(WEAKENING_SETTINGS)}")
    return key


def _src(directive: str) -> object:
    return AfterValidator(config_source(directive))


def _frame_ancestor(source: str) -> str:
    validate_source("frame-ancestors", source)
    low = source.lower()
    if low == "'none'" or is_broad(low) or low.startswith(("http://", "ws:", "wss:", "data:", "blob:")):
        raise ValueError(f"{source!r} is not accepted: list the https:// origins (or 'self') that may frame the site")
    return source


def _report_group(value: str) -> str:
    validate_source("report-to", value)
    return value


ScriptSource = Annotated[str, _src("script-src")]
StyleSource = Annotated[str, _src("style-src")]
ImgSource = Annotated[str, _src("img-src")]
FontSource = Annotated[str, _src("font-src")]
ConnectSource = Annotated[str, _src("connect-src")]
FrameSource = Annotated[str, _src("frame-src")]
MediaSource = Annotated[str, _src("media-src")]
WorkerSource = Annotated[str, _src("worker-src")]
FrameAncestor = Annotated[str, AfterValidator(_frame_ancestor)]
ReportGroup = Annotated[str, AfterValidator(_report_group)]
ApiOrigin = Annotated[HttpsUrl, _src("connect-src")]


class CspConfig(StrictModel):
    """Extra sources per CSP directive for third parties the app really uses, e.g. ``imgSrc: [https://cdn.x.com]``.

    Defaults: every list empty (the standard's own sources only), ``allowInlineStyles: false``, no report
    endpoint, ``upgradeInsecureRequests: true``. Extra ``scriptSrc``/``frameSrc``/``workerSrc`` origins,
    ``allowInlineStyles``, a report endpoint and ``upgradeInsecureRequests: false`` are weakenings.
    """

    script_src: list[ScriptSource] = Field(default_factory=list, alias="scriptSrc", max_length=32)
    style_src: list[StyleSource] = Field(default_factory=list, alias="styleSrc", max_length=32)
    img_src: list[ImgSource] = Field(default_factory=list, alias="imgSrc", max_length=32)
    font_src: list[FontSource] = Field(default_factory=list, alias="fontSrc", max_length=32)
    connect_src: list[ConnectSource] = Field(default_factory=list, alias="connectSrc", max_length=32)
    frame_src: list[FrameSource] = Field(default_factory=list, alias="frameSrc", max_length=32)
    media_src: list[MediaSource] = Field(default_factory=list, alias="mediaSrc", max_length=32)
    worker_src: list[WorkerSource] = Field(default_factory=list, alias="workerSrc", max_length=32)
    allow_inline_styles: bool = Field(False, alias="allowInlineStyles")
    report_uri: HttpsUrl | None = Field(None, alias="reportUri", description="legacy report-uri endpoint")
    report_to: ReportGroup | None = Field(
        None, alias="reportTo", description="Reporting API group name; needs reportEndpoint"
    )
    report_endpoint: HttpsUrl | None = Field(
        None, alias="reportEndpoint", description="https URL sent as Reporting-Endpoints <reportTo>=\"URL\""
    )
    upgrade_insecure_requests: bool = Field(True, alias="upgradeInsecureRequests")


class HeadersConfig(StrictModel):
    """The stack's header choices. Defaults: profile ``strict``, two-year HSTS with includeSubDomains (no
    preload), no framing, COOP/CORP ``same-origin``, no COEP, no extra headers."""

    profile: Literal["strict", "runbook"] = Field(
        "strict", description="strict = webstack's A+ default; runbook = the runbook's list verbatim (graded < A)"
    )
    csp: CspConfig = Field(default_factory=lambda: CspConfig.model_validate({}))
    api_origins: list[ApiOrigin] = Field(default_factory=list, alias="apiOrigins", max_length=32)
    hsts_max_age: int = Field(63072000, alias="hstsMaxAge", ge=0, le=63072000 * 2)
    hsts_preload: bool = Field(False, alias="hstsPreload")
    frame_ancestors: list[FrameAncestor] = Field(default_factory=list, alias="frameAncestors", max_length=16)
    cross_origin_opener_policy: Literal["same-origin", "same-origin-allow-popups"] = Field(
        "same-origin", alias="crossOriginOpenerPolicy",
        description="same-origin-allow-popups keeps window.opener for OAuth/payment popups (a weakening)",
    )
    cross_origin_resource_policy: Literal["same-origin", "same-site", "cross-origin"] = Field(
        "same-origin", alias="crossOriginResourcePolicy",
        description="same-site/cross-origin let other sites embed the app's files (a weakening)",
    )
    cross_origin_embedder_policy: Literal["require-corp", "credentialless"] | None = Field(
        None, alias="crossOriginEmbedderPolicy",
        description="opt-in cross-origin isolation; every cross-origin subresource must then allow it",
    )
    extra_headers: dict[str, str] = Field(
        default_factory=dict, alias="extraHeaders", max_length=20,
        description="additional static response headers (names the standard manages are refused)",
    )
    weakening_reasons: dict[Annotated[str, AfterValidator(_weakening_setting)], SafeText] = Field(
        default_factory=dict, alias="weakeningReasons", max_length=len(WEAKENING_SETTINGS),
        description="why each weakening is wanted, by setting (csp.scriptSrc, crossOriginOpenerPolicy, ...); "
                    "required on prod for every weakening",
    )
    weakening_reason: SafeText | None = Field(
        None, alias="weakeningReason",
        description="one reason for every weakening without its own in weakeningReasons (the older, shared form)",
    )

    def reason_for(self, setting: str) -> str | None:
        """The reason given for the weakening by ``setting`` (``webstack:headers.csp.scriptSrc`` or
        ``csp.scriptSrc``): its own in ``weakeningReasons``, else the shared ``weakeningReason``."""
        return self.weakening_reasons.get(setting.removeprefix("webstack:headers.")) or self.weakening_reason

    @field_validator("extra_headers")
    @classmethod
    def _extra_headers(cls, value: dict[str, str]) -> dict[str, str]:
        seen: set[str] = set()
        for name, header_value in value.items():
            check_header_name(name)
            low = name.lower()
            if low in MANAGED_HEADERS:
                raise ValueError(f"{name}: set by the standard itself; use its named setting under "
                                 "webstack:headers (see docs/standard.md)")
            if low in FORBIDDEN_EXTRA_HEADERS:
                raise ValueError(f"{name}: not a static security header (framing, caching, cookies and CORS are "
                                 "handled elsewhere)")
            if low in seen:
                raise ValueError(f"{name}: given twice (header names are case-insensitive)")
            seen.add(low)
            check_header_value(name, header_value)
        return value


class RateLimit(StrictModel):
    """One rate-limited path (Cloudflare `http_ratelimit`, nginx `limit_req`)."""

    path: UrlPath
    requests_per_period: int = Field(alias="requestsPerPeriod", ge=1, le=1_000_000)
    period: Literal[10, 60, 120, 300, 600, 3600] = 60
    mitigation_timeout: Literal[0, 10, 60, 120, 300, 600, 3600, 86400] = Field(60, alias="mitigationTimeout")
    action: Literal["block", "managed_challenge", "js_challenge", "log"] = "block"
    burst: int = Field(0, ge=0, le=100_000, description="extra requests nginx queues before 429")
