import pulumi_docker as docker

docker.Service("web", name="web", task_spec={
    "container_spec": {"image": "nginxinc/nginx-unprivileged:1.27.3-alpine@sha256:5b9e6b1b2c8f0a4a0c6c1e5e7f6d2a9b3c4d5e6f708192a3b4c5d6e7f8091a2b", "user": "101:101", "read_only": True, "cap_drops": ["ALL"]},
    "resources": {"limits": {"memory_bytes": 134217728}},
}, mode={"replicated": {"replicas": 3}})
