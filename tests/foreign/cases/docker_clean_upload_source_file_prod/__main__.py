import pulumi
import pulumi_docker as docker

docker.Container("web",
    image="nginxinc/nginx-unprivileged:1.27.3-alpine@sha256:5b9e6b1b2c8f0a4a0c6c1e5e7f6d2a9b3c4d5e6f708192a3b4c5d6e7f8091a2b",
    read_only=True,
    user="101:101",
    capabilities={"drops": ["ALL"]},
    security_opts=["no-new-privileges:true"],
    tmpfs={"/tmp": "", "/var/cache/nginx": "", "/var/run": ""},
    memory=256,
    healthcheck={"tests": ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/healthz"], "interval": "30s"},
    uploads=[{"file": "/etc/nginx/conf.d/default.conf", "source": "nginx/default.conf",
              "source_hash": "6f1ed002ab5595859014ebf0951522d9"}],
    ports=[{"internal": 8080, "external": 8080}])
