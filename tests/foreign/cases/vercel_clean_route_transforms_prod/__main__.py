import json

import pulumi
import pulumiverse_vercel as vercel

SUPABASE_URL = "https://abcdefghijklmnopqrst.supabase.co"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: " + SUPABASE_URL +
       "; connect-src 'self' " + SUPABASE_URL + " wss://abcdefghijklmnopqrst.supabase.co; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

project = vercel.Project("web", name="web", framework="vite", build_command="npm run build",
                         output_directory="dist")

headers = {
    "Content-Security-Policy": CSP,
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
vercel.ProjectRoute("security-headers", project_id=project.id, name="security-headers",
                    description="security headers on every response",
                    route={
                        "src": "/:path*",
                        "transforms": [
                            {"type": "response.headers", "op": "set", "target": json.dumps({"key": key}),
                             "args": json.dumps(value)}
                            for key, value in headers.items()
                        ],
                    })

for key, value, sensitive in [
    ("NODE_ENV", "production", False),
    ("VITE_SUPABASE_URL", SUPABASE_URL, False),
    ("VITE_SUPABASE_ANON_KEY", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImFiY2RlZmdoaWprbG1ub3BxcnN0Iiwicm9sZSI6ImFub24iLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MjAwMDAwMDAwMH0.c2lnbmF0dXJlLW5vdC1yZWFs", False),
]:
    vercel.ProjectEnvironmentVariable(key.lower().replace("_", "-"), project_id=project.id, key=key, value=value,
                                      targets=["production", "preview"], sensitive=sensitive)

vercel.FirewallConfig("firewall", project_id=project.id, rules={"rules": [{
    "name": "api rate limit",
    "condition_groups": [{"conditions": [{"type": "path", "op": "pre", "value": "/api"}]}],
    "action": {"action": "rate_limit", "rate_limit": {"limit": 100, "window": 60, "keys": ["ip"],
                                                       "algo": "fixed_window", "action": "deny"}},
}]})
