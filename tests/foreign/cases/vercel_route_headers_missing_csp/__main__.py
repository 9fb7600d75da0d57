import pulumi
import pulumiverse_vercel as vercel

site = vercel.Project("marketing", name="marketing", framework="vite")
vercel.ProjectRoute("headers", project_id=site.id, route={
    "src": "/(.*)",
    "headers": {
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    },
})
