import json

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class _GitHubFileProvider(ResourceProvider):
    """Commits the file through the GitHub contents API; Vercel deploys the repository. Not called in preview."""

    def create(self, props):
        return CreateResult(id_=props["file"], outs=props)


class RepositoryFile(Resource, module="github", name="RepositoryFile"):
    def __init__(self, name, repository, file, content, opts=None):
        super().__init__(_GitHubFileProvider(), name,
                         {"repository": repository, "branch": "main", "file": file, "content": content}, opts)


SUPABASE = "https://abcdefghijklmnopqrst.supabase.co"
SECURITY_HEADERS = [
    {"key": "Content-Security-Policy",
     "value": f"default-src 'self'; script-src 'self'; connect-src 'self' {SUPABASE}; object-src 'none'; "
              "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"},
    {"key": "Strict-Transport-Security", "value": "max-age=63072000; includeSubDomains; preload"},
    {"key": "X-Frame-Options", "value": "DENY"},
    {"key": "X-Content-Type-Options", "value": "nosniff"},
    {"key": "Referrer-Policy", "value": "strict-origin-when-cross-origin"},
    {"key": "Permissions-Policy", "value": "camera=(), microphone=(), geolocation=()"},
]

RepositoryFile("vercel-json", repository="acme/web", file="vercel.json", content=json.dumps({
    "rewrites": [{"source": "/(.*)", "destination": "/index.html"}],
    "headers": [{"source": "/assets/(.*)", "headers": SECURITY_HEADERS + [
        {"key": "Cache-Control", "value": "public, max-age=31536000, immutable"}]}],
}))
