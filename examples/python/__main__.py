"""Using the webstack components directly from your own Pulumi Python program.

The repository's own program (../../__main__.py) derives every component's args from the `webstack:` config
namespace. This one shows the other way in: plain TypedDict args written by hand, with the project's own config,
for a Vite app on Vercel behind Cloudflare. Every input and its default: docs/reference/.
"""

import sys
from pathlib import Path

import pulumi

try:
    import components  # noqa: F401  (installed from requirements.txt when run by the Pulumi CLI)
except ImportError:
    # Run offline from a checkout (`stackcheck preview --cwd examples/python`): use the library beside it.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from components.cloudflare_edge import CloudflareEdge, CloudflareEdgeArgs
from components.vercel_site import VercelSite, VercelSiteArgs

config = pulumi.Config()
domain = config.require("domain")
www = f"www.{domain}"

# The response headers every page gets, at the edge and from Vercel alike.
headers = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; object-src 'none'",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=()",
}

edge_args: CloudflareEdgeArgs = {
    "zone_id": config.require("zoneId"),
    "domain": domain,
    "records": [
        # Vercel's anycast address and CNAME target; proxied so the edge rules below apply.
        {"key": "apex-a", "name": domain, "type": "A", "content": "76.76.21.21", "proxied": True},
        {"key": "www-cname", "name": www, "type": "CNAME", "content": "cname.vercel-dns.com", "proxied": True},
        {"key": "caa-issue", "name": domain, "type": "CAA", "data": {"flags": 0, "tag": "issue",
                                                                     "value": "letsencrypt.org"}},
    ],
    "hsts": {"max_age": 63072000, "include_subdomains": True, "preload": False},
    "headers": headers,
    "remove_headers": ["X-Powered-By"],
    "cache_rules": [
        {"asset_class": "hashed-assets", "match": "prefix", "patterns": ["/assets/"],
         "cache_control": "public, max-age=31536000, immutable", "edge_ttl": 31536000, "browser_ttl": 31536000},
        {"asset_class": "html", "match": "default", "patterns": [], "cache_control": "no-cache"},
    ],
    "rate_limits": [{"path": "/api/*", "requests_per_period": 100, "period": 60, "mitigation_timeout": 60,
                     "action": "block"}],
}
edge = CloudflareEdge("edge", edge_args)

site_args: VercelSiteArgs = {
    "project_name": config.get("vercelProject") or "example-web",
    "canonical_domain": domain,
    "redirect_domains": [www],
    "environment": [
        {"key": "NODE_ENV", "value": "production", "sensitive": False, "targets": ["production", "preview"]},
    ],
    "routes": [{"name": "security-headers", "src": "/(.*)", "headers": headers}],
}
site = VercelSite("web", site_args)

pulumi.export("canonicalUrl", edge.canonical_url)
pulumi.export("dnsRecords", edge.record_names)
pulumi.export("vercelProjectId", site.project_id)
pulumi.export("productionUrl", site.production_url)
