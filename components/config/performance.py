"""`webstack:performance` — the runbook's performance targets as Core Web Vitals thresholds, and real-user
monitoring (RUM) that measures them in visitors' browsers.

Thresholds (the runbook's "Performance targets", with one change): LCP 2500 ms, **INP 200 ms**, CLS 0.1,
TTFB 600 ms. The runbook still names FID 100 ms; FID was retired from Core Web Vitals in March 2024 and replaced by
Interaction to Next Paint (web.dev/blog/inp-cwv-launch), so INP's "good" boundary (200 ms) takes its place and a
``fidMs`` key is refused with that explanation. Each threshold must be positive and no laxer than Google's "poor"
boundary for the metric (web.dev/articles/vitals, /articles/ttfb): a target above it would call a poor page good.
The lab measurement (``bench/vitals.py``) judges against these same defaults.

RUM (``rum``): Cloudflare Web Analytics (a ``WebAnalyticsSite`` — the edge injects the beacon on a proxied zone, or
the app embeds the snippet with the site token the stack exports) and/or Vercel Speed Insights (Vercel hosting
only; its provider has no resource or argument for it, so the dashboard toggle and the app's
``@vercel/speed-insights`` package stay outside the stack — docs/monitoring.md). The standard's CSP allows exactly
the beacon's sources when RUM is on (:mod:`components.standard.rum`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from components.config.base import StrictModel

DEFAULT_LCP_MS = 2500
DEFAULT_INP_MS = 200
DEFAULT_CLS = 0.1
DEFAULT_TTFB_MS = 600

POOR_LCP_MS = 4000
"""web.dev/articles/lcp: above 4 s is "poor"."""
POOR_INP_MS = 500
"""web.dev/articles/inp: above 500 ms is "poor"."""
POOR_CLS = 0.25
"""web.dev/articles/cls: above 0.25 is "poor"."""
POOR_TTFB_MS = 1800
"""web.dev/articles/ttfb: above 1.8 s is "poor"."""

FID_RETIRED = ("FID was retired from Core Web Vitals in March 2024 and replaced by INP (Interaction to Next Paint, "
               "web.dev/blog/inp-cwv-launch): set inpMs instead (good is <= 200 ms)")

def _bounded(metric: str, poor: float, unit: str) -> AfterValidator:
    def check(value: float) -> float:
        if value > poor:
            raise ValueError(f"{metric} target {value:g}{' ' + unit if unit else ''} is laxer than Google's \"poor\" "
                             f"boundary ({poor:g}{' ' + unit if unit else ''}), so a poor page would count as good: "
                             f"choose at most {poor:g}")
        return value
    return AfterValidator(check)


RumProvider = Literal["cloudflare", "vercel"]
DEFAULT_PROVIDERS: tuple[RumProvider, ...] = ("cloudflare",)
RumBeacon = Literal["cloudflare-auto", "cloudflare-snippet", "vercel"]
"""How a RUM beacon reaches the page: injected by Cloudflare's proxy, embedded by the app with the site token, or
Vercel Speed Insights' same-origin script (components/standard/rum.py holds the CSP sources of each)."""



def _beacon_list(beacons: list[RumBeacon]) -> list[RumBeacon]:
    if len(set(beacons)) != len(beacons):
        raise ValueError("each beacon at most once")
    if {"cloudflare-auto", "cloudflare-snippet"} <= set(beacons):
        raise ValueError("cloudflare-auto and cloudflare-snippet exclude each other (one Web Analytics beacon per "
                         "page: developers.cloudflare.com/web-analytics/faq/)")
    return beacons


RumBeacons = Annotated[list[RumBeacon], AfterValidator(_beacon_list)]
"""A page's RUM beacons, checked: each once, Cloudflare's injected and embedded beacon not both."""


class RumConfig(StrictModel):
    """Real-user monitoring of Core Web Vitals. Off unless ``enabled``; production stacks are expected to turn it
    on (the pack's ``rum-declared``)."""

    enabled: bool = Field(False, description="collect Core Web Vitals from visitors' browsers")
    providers: list[RumProvider] = Field(
        default_factory=lambda: list(DEFAULT_PROVIDERS), min_length=1, max_length=2,
        description="cloudflare (Web Analytics, declared as a WebAnalyticsSite; needs webstack:cloudflare.accountId)"
        " and/or vercel (Speed Insights; Vercel hosting only; enabled in Vercel's dashboard — its provider cannot "
        "declare it)")
    auto_install: bool | None = Field(
        None, alias="autoInstall",
        description="Cloudflare injects the beacon into HTML passing its proxy (needs proxied records); false: the "
        "app embeds the snippet with the exported site token. Default: true when the site's records are proxied")
    lite: bool = Field(False, description="Cloudflare: no beacon for visitors from the EU (fewer measurements)")

    @model_validator(mode="after")
    def _consistent(self) -> RumConfig:
        if self.auto_install is not None and "cloudflare" not in self.providers:
            raise ValueError("autoInstall applies to the cloudflare provider only")
        return self

    def auto_install_for(self, proxied: bool) -> bool:
        """Whether Cloudflare injects the beacon: ``autoInstall`` as set, else whenever the records are proxied."""
        return proxied if self.auto_install is None else self.auto_install

    def beacons(self, proxied: bool) -> list[RumBeacon]:
        """The beacons the site's pages load (what the CSP must allow); none when RUM is off."""
        if not self.enabled:
            return []
        out: list[RumBeacon] = []
        if "cloudflare" in self.providers:
            out.append("cloudflare-auto" if self.auto_install_for(proxied) else "cloudflare-snippet")
        if "vercel" in self.providers:
            out.append("vercel")
        return out


class PerformanceConfig(StrictModel):
    """The Core Web Vitals targets (75th percentile of page loads, as Google assesses them) and RUM."""

    lcp_ms: Annotated[int, _bounded("LCP", POOR_LCP_MS, "ms")] = Field(
        DEFAULT_LCP_MS, alias="lcpMs", gt=0,
        description="Largest Contentful Paint target, ms (good <= 2500; at most 4000, Google's poor boundary)")
    inp_ms: Annotated[int, _bounded("INP", POOR_INP_MS, "ms")] = Field(
        DEFAULT_INP_MS, alias="inpMs", gt=0,
        description="Interaction to Next Paint target, ms (good <= 200, at most 500; replaced FID in March 2024)")
    cls: Annotated[float, _bounded("CLS", POOR_CLS, "")] = Field(
        DEFAULT_CLS, gt=0, description="Cumulative Layout Shift target (good <= 0.1, at most 0.25)")
    ttfb_ms: Annotated[int, _bounded("TTFB", POOR_TTFB_MS, "ms")] = Field(
        DEFAULT_TTFB_MS, alias="ttfbMs", gt=0,
        description="Time to First Byte target, ms (the runbook's 600; at most 1800)")
    rum: RumConfig = Field(default_factory=lambda: RumConfig.model_validate({}),
                           description="real-user monitoring (off by default)")

    @model_validator(mode="before")
    @classmethod
    def _no_fid(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in ("fidMs", "fid_ms", "fid"):
                if key in data:
                    raise ValueError(f"{key}: {FID_RETIRED}")
        return data

    def thresholds(self) -> dict[str, float]:
        """Metric name → threshold (ms, CLS unitless), in the order Core Web Vitals are reported."""
        return {"LCP": float(self.lcp_ms), "INP": float(self.inp_ms), "CLS": self.cls, "TTFB": float(self.ttfb_ms)}


def default_thresholds() -> dict[str, float]:
    """The default targets (LCP 2500 ms, INP 200 ms, CLS 0.1, TTFB 600 ms), read by bench/vitals.py."""
    return PerformanceConfig.model_validate({}).thresholds()
