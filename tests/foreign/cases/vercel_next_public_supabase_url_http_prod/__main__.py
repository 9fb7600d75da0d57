import pulumi
import pulumiverse_vercel as vercel

project = vercel.Project("next", name="next-app", framework="nextjs")
vercel.ProjectEnvironmentVariable("supabase-url", project_id=project.id, key="NEXT_PUBLIC_SUPABASE_URL",
                                  value="http://abcdefghijklmnopqrst.supabase.co", targets=["production"],
                                  sensitive=False)
