import pulumi
import pulumiverse_vercel as vercel

spa = vercel.Project("spa", name="spa", framework="vite")
vercel.SharedEnvironmentVariable("supabase-admin", key="VITE_SUPABASE_SERVICE_ROLE_KEY", value="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImFiY2RlZmdoaWprbG1ub3BxcnN0Iiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoyMDAwMDAwMDAwfQ.c2lnbmF0dXJlLW5vdC1yZWFs",
                                 targets=["production", "preview"], project_ids=[spa.id], sensitive=True)
