"""`webstack:headers` and `webstack:rateLimits` — the stack's choices on top of the web-security standard.

The standard itself (values, defaults, renderers) lives in :mod:`components.standard`; this is only what a stack
may choose: a profile, extra CSP sources for third parties it really uses, and explicit, reasoned weakenings.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from components.config.base import HttpsUrl, SafeText, StrictModel, UrlPath


class CspConfig(StrictModel):
    """Extra sources per CSP directive, e.g. ``scriptSrc: ["https://plausible.io"]``."""

    script_src: list[str] = Field(default_factory=list, alias="scriptSrc")
    style_src: list[str] = Field(default_factory=list, alias="styleSrc")
    img_src: list[str] = Field(default_factory=list, alias="imgSrc")
    font_src: list[str] = Field(default_factory=list, alias="fontSrc")
    connect_src: list[str] = Field(default_factory=list, alias="connectSrc")
    frame_src: list[str] = Field(default_factory=list, alias="frameSrc")
    media_src: list[str] = Field(default_factory=list, alias="mediaSrc")
    worker_src: list[str] = Field(default_factory=list, alias="workerSrc")
    allow_inline_styles: bool = Field(False, alias="allowInlineStyles")
    report_uri: HttpsUrl | None = Field(None, alias="reportUri")
    upgrade_insecure_requests: bool = Field(True, alias="upgradeInsecureRequests")


class HeadersConfig(StrictModel):
    profile: Literal["strict", "runbook"] = Field(
        "strict", description="strict = webstack's A+ default; runbook = the runbook's list verbatim (graded < A)"
    )
    csp: CspConfig = Field(default_factory=CspConfig)
    api_origins: list[HttpsUrl] = Field(default_factory=list, alias="apiOrigins")
    hsts_max_age: int = Field(63072000, alias="hstsMaxAge", ge=0, le=63072000 * 2)
    hsts_preload: bool = Field(False, alias="hstsPreload")
    frame_ancestors: list[str] = Field(default_factory=list, alias="frameAncestors")
    weakening_reason: SafeText | None = Field(
        None, alias="weakeningReason", description="required on prod when any setting weakens the standard"
    )


class RateLimit(StrictModel):
    """One rate-limited path (Cloudflare `http_ratelimit`, nginx `limit_req`)."""

    path: UrlPath
    requests_per_period: int = Field(alias="requestsPerPeriod", ge=1, le=1_000_000)
    period: Literal[10, 60, 120, 300, 600, 3600] = 60
    mitigation_timeout: Literal[0, 10, 60, 120, 300, 600, 3600, 86400] = Field(60, alias="mitigationTimeout")
    action: Literal["block", "managed_challenge", "js_challenge", "log"] = "block"
    burst: int = Field(0, ge=0, le=100_000, description="extra requests nginx queues before 429")
