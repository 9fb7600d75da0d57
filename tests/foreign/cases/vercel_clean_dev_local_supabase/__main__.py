import pulumi
import pulumiverse_vercel as vercel

p = vercel.Project("spa", name="spa-dev", framework="vite")
env = {
    "NODE_ENV": "development",
    "VITE_SUPABASE_URL": "http://localhost:54321",
    "VITE_ENABLE_ANALYTICS": "false",
}
for k, v in env.items():
    vercel.ProjectEnvironmentVariable(f"env-{k}", project_id=p.id, key=k, value=v, targets=["development"],
                                      sensitive=False)
