import pulumi
import pulumiverse_vercel as vercel

project = vercel.Project("spa", name="spa", framework="vite")
vercel.ProjectEnvironmentVariable("url", project_id=project.id, key="VITE_SUPABASE_URL",
                                  value="http://abcdefghijklmnopqrst.supabase.co", targets=["production"],
                                  sensitive=False)
