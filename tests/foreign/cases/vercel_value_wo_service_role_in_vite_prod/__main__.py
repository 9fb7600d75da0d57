import pulumi
import pulumiverse_vercel as vercel

cfg = pulumi.Config()
project = vercel.Project("spa", name="spa", framework="vite")
vercel.ProjectEnvironmentVariable("service-role", project_id=project.id, key="VITE_SUPABASE_SERVICE_ROLE_KEY",
                                  value_wo=cfg.require_secret("serviceRoleKey"), value_wo_version=2,
                                  targets=["production"], sensitive=True)
