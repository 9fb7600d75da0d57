import pulumi
import pulumiverse_vercel as vercel

project = vercel.Project("spa", name="spa-us", framework="vite")
vercel.ProjectEnvironmentVariable("anon", project_id=project.id, key="VITE_SUPABASE_ANON_KEY",
                                  value="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImFiY2RlZmdoaWprbG1ub3BxcnN0Iiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoyMDAwMDAwMDAwfQ.c2lnbmF0dXJlLW5vdC1yZWFs", targets=["production"], sensitive=False)
