"""The cross-section rules of ``webstack:performance.rum``: what each RUM provider needs from the rest of the stack.

Listed in :data:`components.config.checks.CONFIG_RULES`.
"""

from __future__ import annotations

from components.config.performance import PerformanceConfig, RumBeacon
from components.config.stack import StackConfig

WEB_ANALYTICS_ACCOUNT_SOURCE = ("developers.cloudflare.com/api/resources/rum/subresources/site_info/methods/create/ — "
                                "POST /accounts/{account_id}/rum/site_info")
AUTO_INSTALL_SOURCE = ("developers.cloudflare.com/web-analytics/faq/ — automatic setup needs traffic proxied through "
                       "Cloudflare (orange-clouded)")


def rum_matches_stack(cfg: StackConfig) -> list[tuple[str, str]]:
    """Cloudflare Web Analytics needs the account id and (for auto-install) proxied records; Vercel Speed Insights
    needs Vercel hosting."""
    rum = cfg.performance.rum
    if not rum.enabled:
        return []
    problems = []
    if "cloudflare" in rum.providers and not cfg.cloudflare.account_id:
        problems.append(("webstack:performance.rum.providers",
                         "cloudflare: a Web Analytics site belongs to an account — set webstack:cloudflare.accountId "
                         f"({WEB_ANALYTICS_ACCOUNT_SOURCE})"))
    if rum.auto_install and not cfg.cloudflare.web_records_proxied:
        problems.append(("webstack:performance.rum.autoInstall",
                         "Cloudflare injects the beacon only into HTML passing its proxy, and webstack:cloudflare."
                         f"proxied is false: set autoInstall false and embed the snippet ({AUTO_INSTALL_SOURCE})"))
    if "vercel" in rum.providers and cfg.hosting.provider != "vercel":
        problems.append(("webstack:performance.rum.providers",
                         f"vercel: Speed Insights measures sites hosted on Vercel; this stack is hosted on "
                         f"{cfg.hosting.provider} — use cloudflare"))
    return problems


def stack_rum_beacons(cfg: StackConfig) -> list[RumBeacon]:
    """The RUM beacons this stack's pages load (what its CSP must allow). A component's partial config may hold no
    Cloudflare section: its RUM choice then states ``autoInstall`` explicitly (see :func:`rum_for_beacons`)."""
    cloudflare = cfg.__dict__.get("cloudflare")
    proxied = cloudflare.web_records_proxied if cloudflare is not None else True
    performance = cfg.__dict__.get("performance")
    return performance.rum.beacons(proxied) if performance is not None else []


def rum_for_beacons(beacons: list[RumBeacon]) -> PerformanceConfig:
    """The ``performance`` section of a component's partial config whose pages load ``beacons``."""
    if not beacons:
        return PerformanceConfig.model_validate({})
    providers = [p for p in ("cloudflare", "vercel") if any(b.startswith(p) for b in beacons)]
    rum: dict[str, object] = {"enabled": True, "providers": providers}
    if "cloudflare" in providers:
        rum["autoInstall"] = "cloudflare-auto" in beacons
    return PerformanceConfig.model_validate({"rum": rum})
