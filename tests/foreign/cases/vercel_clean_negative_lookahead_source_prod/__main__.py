import pulumi
import pulumiverse_vercel as vercel

project = vercel.Project("spa", name="spa", framework="vite")
vercel.ProjectRoute("security", project_id=project.id, route={"src": "/((?!assets/).*)", "headers": {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self' https://abcdefghijklmnopqrst.supabase.co wss://abcdefghijklmnopqrst.supabase.co; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}})
vercel.ProjectEnvironmentVariable("node-env", project_id=project.id, key="NODE_ENV", value="production",
                                  targets=["production"], sensitive=False)
