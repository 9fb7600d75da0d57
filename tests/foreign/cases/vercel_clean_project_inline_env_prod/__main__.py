import pulumi
import pulumiverse_vercel as vercel

vercel.Project("spa", name="spa", framework="vite", environments=[
    {"key": "NODE_ENV", "value": "production", "targets": ["production"]},
    {"key": "VITE_SUPABASE_URL", "value": "https://abcdefghijklmnopqrst.supabase.co", "targets": ["production"]},
    {"key": "VITE_SUPABASE_ANON_KEY", "value": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImFiY2RlZmdoaWprbG1ub3BxcnN0Iiwicm9sZSI6ImFub24iLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MjAwMDAwMDAwMH0.c2lnbmF0dXJlLW5vdC1yZWFs", "targets": ["production"]},
    {"key": "SUPABASE_SERVICE_ROLE_KEY", "value": pulumi.Config().require_secret("serviceRoleKey"),
     "targets": ["production"], "sensitive": True},
])
