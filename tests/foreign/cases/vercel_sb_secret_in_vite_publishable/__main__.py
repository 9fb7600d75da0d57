import pulumi
import pulumiverse_vercel as vercel

project = vercel.Project("notes", name="notes-dev", framework="vite")
vercel.ProjectEnvironmentVariable("publishable", project_id=project.id, key="VITE_SUPABASE_PUBLISHABLE_KEY",
                                  value="sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz", targets=["development", "preview"],
                                  sensitive=False)
