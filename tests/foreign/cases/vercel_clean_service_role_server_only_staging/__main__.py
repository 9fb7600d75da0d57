import pulumi
import pulumiverse_vercel as vercel

cfg = pulumi.Config()
project = vercel.Project("dashboard", name="dashboard", framework="vite")

vercel.ProjectEnvironmentVariable("supabase-url", project_id=project.id, key="VITE_SUPABASE_URL",
    value="https://abcdefghijklmnopqrst.supabase.co", targets=["preview"], sensitive=False)
vercel.ProjectEnvironmentVariable("anon", project_id=project.id, key="VITE_SUPABASE_ANON_KEY",
    value="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImFiY2RlZmdoaWprbG1ub3BxcnN0Iiwicm9sZSI6ImFub24iLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MjAwMDAwMDAwMH0.c2lnbmF0dXJlLW5vdC1yZWFs", targets=["preview"], sensitive=False)
vercel.ProjectEnvironmentVariable("service-role", project_id=project.id, key="SUPABASE_SERVICE_ROLE_KEY",
    value=cfg.require_secret("serviceRoleKey"), targets=["preview"], sensitive=True)
