import pulumi
import pulumiverse_vercel as vercel

project = vercel.Project("spa", name="spa", framework="vite")
vercel.ProjectEnvironmentVariable("node-env", project_id=project.id, key="NODE_ENV", value="development",
                                  targets=["production"], sensitive=False)
