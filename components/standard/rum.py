"""The CSP sources a real-user-monitoring beacon needs — exactly those, and only when RUM is on.

Pure data. :func:`components.standard.resolve.build_standard` adds them to the strict CSP for each beacon the
stack's pages load (``webstack:performance.rum``, see :meth:`components.config.performance.RumConfig.beacons`).
They are not weakenings: the stack declared the monitoring, and nothing broader than the beacon's own URLs is
allowed (a path-qualified source matches that path only — CSP3 "path-part matching"; a trailing ``/`` matches the
paths below it).

Cloudflare Web Analytics (developers.cloudflare.com/web-analytics/faq/, "What do I need to add to my Content
Security Policy"; /fundamentals/reference/policies-compliances/content-security-policies/):

* ``cloudflare-auto`` — the edge injects ``<script defer src="https://static.cloudflareinsights.com/beacon.min.js/
  v<version>" integrity=… crossorigin="anonymous" data-cf-beacon=…>`` into HTML passing its proxy (a versioned
  path under ``beacon.min.js/``, with Subresource Integrity) and the beacon reports to the site's own
  ``/cdn-cgi/rum`` — ``connect-src 'self'``, which the strict CSP already has. Cloudflare does not add the script to
  the site's CSP itself ("Cloudflare does not modify CSP headers from the origin"): without the source below the
  browser refuses the injected script and RUM silently collects nothing.
* ``cloudflare-snippet`` — the app embeds ``<script defer src="https://static.cloudflareinsights.com/beacon.min.js"
  data-cf-beacon='{"token": "<site token>"}'>`` (the token is the stack output ``webAnalyticsSiteToken``) and the
  beacon reports to ``https://cloudflareinsights.com/cdn-cgi/rum``.

Vercel Speed Insights (vercel.com/docs/speed-insights/quickstart: "Enabling Speed Insights will add new routes
(scoped at /_vercel/speed-insights/*)"): the ``@vercel/speed-insights`` package loads
``/_vercel/speed-insights/script.js`` and posts to ``/_vercel/speed-insights/vitals`` on the site's own origin, so
``'self'`` covers both and nothing is added.
"""

from __future__ import annotations

from collections.abc import Iterable

CLOUDFLARE_BEACON_SCRIPT = "https://static.cloudflareinsights.com/beacon.min.js"
"""The snippet's script (exact path)."""
CLOUDFLARE_BEACON_INJECTED = "https://static.cloudflareinsights.com/beacon.min.js/"
"""Prefix of the versioned script the edge injects (``beacon.min.js/v<version>``)."""
CLOUDFLARE_BEACON_ENDPOINT = "https://cloudflareinsights.com/cdn-cgi/rum"
"""Where the embedded snippet reports (the injected one reports to the site's own /cdn-cgi/rum)."""
VERCEL_SPEED_INSIGHTS_PATHS = ("/_vercel/speed-insights/script.js", "/_vercel/speed-insights/vitals")
"""Same-origin: covered by 'self'."""

BEACON_SOURCES: dict[str, dict[str, tuple[str, ...]]] = {
    "cloudflare-auto": {"script-src": (CLOUDFLARE_BEACON_INJECTED,)},
    "cloudflare-snippet": {"script-src": (CLOUDFLARE_BEACON_SCRIPT,), "connect-src": (CLOUDFLARE_BEACON_ENDPOINT,)},
    "vercel": {},
}
"""Per beacon: directive → the sources it adds to the strict CSP."""


def rum_sources(beacons: Iterable[str]) -> dict[str, list[str]]:
    """Directive → sources to add for these beacons (unknown beacon names are a programming error: KeyError)."""
    out: dict[str, list[str]] = {}
    for beacon in beacons:
        for directive, sources in BEACON_SOURCES[beacon].items():
            out.setdefault(directive, []).extend(s for s in sources if s not in out.get(directive, []))
    return out
