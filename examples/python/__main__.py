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
from components.intent import StandardArgs
from components.program import FILES_OUTPUT, merge_files
from components.vercel_site import VercelSite, VercelSiteArgs

config = pulumi.Config()
domain = config.require("domain")
www = f"www.{domain}"

# What the site wants from the web-security standard; everything left out keeps its secure default. The same
# intent goes to the edge and to the host, so both serve the same headers (and the CSP allows the Supabase API).
standard: StandardArgs = {
    "supabase_url": config.require("supabaseUrl"),
    "rate_limits": [{"path": "/api/*", "requests_per_period": 100}],
}

edge_args: CloudflareEdgeArgs = {
    "zone_id": config.require("zoneId"),
    "domain": domain,
    "hosting": {"provider": "vercel"},  # Vercel's documented records, proxied so the edge rules apply
    "caa": ["letsencrypt.org"],
    "standard": standard,
}
edge = CloudflareEdge("edge", edge_args)

# Intent only: the component derives the security headers, cache classes, env vars and www -> apex redirect.
site_args: VercelSiteArgs = {
    "project_name": config.get("vercelProject") or "example-web",
    "domain": domain,
    "standard": standard,
    "supabase_anon_key": config.require_secret("supabaseAnonKey"),
}
site = VercelSite("web", site_args)

pulumi.export("canonicalUrl", edge.canonical_url)
pulumi.export("dnsRecords", edge.record_names)
pulumi.export("vercelProjectId", site.project_id)
pulumi.export("productionUrl", site.production_url)
# Rendered files (vercel/vercel.json, cloudflare/edge.json) are component outputs: exported as the stack output
# `files`, they are what `stackcheck preview --out DIR` writes (`pulumi stack output files --json` shows them).
pulumi.export(FILES_OUTPUT, pulumi.Output.all(edge.files, site.files).apply(merge_files))
