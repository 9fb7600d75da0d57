import pulumi
import pulumi_docker as docker

docker.Service("web",
    name="web",
    task_spec={
        "container_spec": {
            "image": "nginxinc/nginx-unprivileged:1.27.3-alpine@sha256:5b9e6b1b2c8f0a4a0c6c1e5e7f6d2a9b3c4d5e6f708192a3b4c5d6e7f8091a2b",
            "user": "101:101",
            "read_only": True,
            "cap_drops": ["ALL"],
            "healthcheck": {"tests": ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/healthz"], "interval": "30s",
                            "retries": 3},
            "env": {"NODE_ENV": "production"},
        },
        "resources": {"limits": {"memory_bytes": 268435456}},
    },
    mode={"replicated": {"replicas": 2}},
    endpoint_spec={"ports": [{"target_port": 8080, "published_port": 8080}]})
