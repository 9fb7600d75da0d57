import pulumi
import pulumiverse_vercel as vercel

project = vercel.Project("spa", name="spa", framework="vite")
vercel.ProjectEnvironmentVariable("url", project_id=project.id, key="VITE_SUPABASE_URL",
                                  value="https://abcdefghijklmnopqrst.supabase.co", targets=["production"],
                                  sensitive=False)
vercel.ProjectEnvironmentVariable("admin-key", project_id=project.id, key="VITE_SUPABASE_SERVICE_ROLE_KEY",
                                  value="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImFiY2RlZmdoaWprbG1ub3BxcnN0Iiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoyMDAwMDAwMDAwfQ.c2lnbmF0dXJlLW5vdC1yZWFs", targets=["production"], sensitive=True)
vercel.ProjectEnvironmentVariable("node-env", project_id=project.id, key="NODE_ENV", value="production",
                                  targets=["production"], sensitive=False)
