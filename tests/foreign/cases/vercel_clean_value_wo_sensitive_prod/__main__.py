import pulumi
import pulumiverse_vercel as vercel

cfg = pulumi.Config()
project = vercel.Project("spa", name="spa", framework="vite")
vercel.ProjectEnvironmentVariable("service-role", project_id=project.id, key="SUPABASE_SERVICE_ROLE_KEY",
                                  value_wo=cfg.require_secret("serviceRoleKey"), value_wo_version=1,
                                  targets=["production"], sensitive=True)
vercel.ProjectEnvironmentVariable("node-env", project_id=project.id, key="NODE_ENV", value="production",
                                  targets=["production"], sensitive=False)
