import json

import pulumi
import pulumiverse_vercel as vercel

SUPABASE_URL = "https://abcdefghijklmnopqrst.supabase.co"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: " + SUPABASE_URL +
       "; connect-src 'self' " + SUPABASE_URL + " wss://abcdefghijklmnopqrst.supabase.co; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

project = vercel.Project("spa", name="spa", framework="vite")
csp = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'")
vercel.ProjectRoute("sec", project_id=project.id, route={
    "src": "/:path*",
    "transforms": [
        {"type": "response.headers", "op": "set", "target": json.dumps({"key": k}), "args": json.dumps(v)}
        for k, v in [("Content-Security-Policy", csp),
                     ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
                     ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"),
                     ("Referrer-Policy", "strict-origin-when-cross-origin"),
                     ("Permissions-Policy", "camera=(), microphone=(), geolocation=()")]
    ],
})
