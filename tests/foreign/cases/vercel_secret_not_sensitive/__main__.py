import pulumi
import pulumiverse_vercel as vercel

cfg = pulumi.Config()
app = vercel.Project("billing", name="billing", framework="vite")
vercel.ProjectEnvironmentVariable("stripe", project_id=app.id, key="STRIPE_SECRET_KEY",
                                  value=cfg.require_secret("stripeSecret"), targets=["production", "preview"],
                                  sensitive=False)
