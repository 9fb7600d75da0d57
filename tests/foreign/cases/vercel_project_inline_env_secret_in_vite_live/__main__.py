import pulumi
import pulumiverse_vercel as vercel

vercel.Project("spa", name="spa", framework="vite", environments=[
    {"key": "NODE_ENV", "value": "production", "targets": ["production"]},
    {"key": "VITE_SUPABASE_URL", "value": "https://abcdefghijklmnopqrst.supabase.co", "targets": ["production"]},
    {"key": "VITE_SUPABASE_SECRET_KEY", "value": "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz",
     "targets": ["production"], "sensitive": True},
])
