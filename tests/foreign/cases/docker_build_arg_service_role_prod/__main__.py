import pulumi
import pulumi_docker as docker

docker.Image("spa",
    image_name="registry.example.com/acme/spa:1.4.2",
    build=docker.DockerBuildArgs(
        context=".",
        dockerfile="Dockerfile",
        platform="linux/amd64",
        args={
            "VITE_SUPABASE_URL": "https://abcdefghijklmnopqrst.supabase.co",
            "VITE_SUPABASE_SERVICE_ROLE_KEY": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImFiY2RlZmdoaWprbG1ub3BxcnN0Iiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoyMDAwMDAwMDAwfQ.c2lnbmF0dXJlLW5vdC1yZWFs",
        },
    ),
    skip_push=True)
