import json

import pulumi
import pulumiverse_vercel as vercel

SUPABASE_URL = "https://abcdefghijklmnopqrst.supabase.co"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: " + SUPABASE_URL +
       "; connect-src 'self' " + SUPABASE_URL + " wss://abcdefghijklmnopqrst.supabase.co; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

project = vercel.Project("spa", name="spa-dev", framework="vite")
vercel.ProjectRoute("headers", project_id=project.id, route={
    "src": "/:path*",
    "headers": {
        "Content-Security-Policy": CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'"),
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    },
})
vercel.ProjectEnvironmentVariable("node-env", project_id=project.id, key="NODE_ENV", value="development",
                                  targets=["development", "preview"], sensitive=False)
vercel.ProjectEnvironmentVariable("url", project_id=project.id, key="VITE_SUPABASE_URL",
                                  value="http://localhost:54321", targets=["development", "preview"], sensitive=False)
