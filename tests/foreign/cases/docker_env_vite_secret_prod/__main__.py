import pulumi
import pulumi_docker as docker

docker.Container("builder-preview",
    image="nginxinc/nginx-unprivileged:1.27.3-alpine@sha256:5b9e6b1b2c8f0a4a0c6c1e5e7f6d2a9b3c4d5e6f708192a3b4c5d6e7f8091a2b",
    read_only=True,
    user="101:101",
    capabilities={"drops": ["ALL"]},
    security_opts=["no-new-privileges:true"],
    tmpfs={"/tmp": "", "/var/cache/nginx": "", "/var/run": ""},
    memory=256,
    healthcheck={"tests": ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/healthz"]},
    envs=['NODE_ENV=production', 'VITE_SUPABASE_URL=https://abcdefghijklmnopqrst.supabase.co', 'VITE_STRIPE_SECRET_KEY=sk_live_51Hx3f2EXAMPLEkeyNotReal'])
