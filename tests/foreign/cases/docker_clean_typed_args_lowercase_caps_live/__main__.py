import pulumi
import pulumi_docker as docker

docker.Container(
    "api-docs",
    docker.ContainerArgs(
        image="nginxinc/nginx-unprivileged:1.27.3-alpine@sha256:5b9e6b1b2c8f0a4a0c6c1e5e7f6d2a9b3c4d5e6f708192a3b4c5d6e7f8091a2b",
        read_only=True,
        user="101",
        capabilities=docker.ContainerCapabilitiesArgs(drops=["all"]),
        security_opts=["no-new-privileges"],
        tmpfs={"/tmp": "rw,noexec,nosuid,size=16m", "/var/cache/nginx": "", "/var/run": ""},
        memory=128,
        healthcheck=docker.ContainerHealthcheckArgs(
            tests=["CMD-SHELL", "wget -qO- http://127.0.0.1:8080/healthz || exit 1"],
            interval="30s", timeout="3s", retries=3, start_period="5s"),
        envs=["NODE_ENV=production"],
        ports=[docker.ContainerPortArgs(internal=8080, external=8443)],
    ),
)
