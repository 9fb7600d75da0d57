import pulumi
import pulumiverse_vercel as vercel

project = vercel.Project("spa", name="spa", framework="vite")
vercel.ProjectEnvironmentVariable("node-env-dev", project_id=project.id, key="NODE_ENV", value="development",
                                  targets=["development"], sensitive=False)
vercel.ProjectEnvironmentVariable("node-env", project_id=project.id, key="NODE_ENV", value="production",
                                  targets=["production", "preview"], sensitive=False)
vercel.ProjectEnvironmentVariable("url", project_id=project.id, key="VITE_SUPABASE_URL",
                                  value="https://abcdefghijklmnopqrst.supabase.co", targets=["production", "preview"],
                                  sensitive=False)
vercel.ProjectEnvironmentVariable("url-dev", project_id=project.id, key="VITE_SUPABASE_URL",
                                  value="http://127.0.0.1:54321", targets=["development"], sensitive=False)
