import pulumi
import pulumiverse_vercel as vercel

project = vercel.Project("spa", name="spa-eu", framework="vite")
public = {
    "NODE_ENV": "production",
    "VITE_SUPABASE_URL": "https://abcdefghijklmnopqrst.supabase.co",
    "VITE_SUPABASE_PUBLISHABLE_KEY": "sb_publishable_ZEpB3XpVwTbc0oLk2pT1oA_4h0J9Bt5",
    "VITE_STRIPE_PUBLISHABLE_KEY": "pk_live_51Hx3f2EXAMPLEpublishableKey",
}
for key, value in public.items():
    vercel.ProjectEnvironmentVariable(key, project_id=project.id, key=key, value=value,
                                      targets=["production", "preview"], sensitive=False)
