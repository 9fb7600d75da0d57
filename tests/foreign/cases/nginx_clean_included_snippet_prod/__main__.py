import pulumi
import pulumi_docker as docker

SNIPPET = r"""
# security headers, included by every server (h5bp style)
add_header Content-Security-Policy "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'" always;
add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
add_header X-Frame-Options "DENY" always;
add_header X-Content-Type-Options "nosniff" always;
add_header Referrer-Policy "strict-origin-when-cross-origin" always;
add_header Permissions-Policy "camera=(), microphone=(), geolocation=()" always;
"""
SERVER = r"""
limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;
server {
    listen 8080;
    server_tokens off;
    root /usr/share/nginx/html;
    include /etc/nginx/snippets/security-headers.conf;
    location / { try_files $uri /index.html; }
    location /api/ { limit_req zone=api burst=20; proxy_pass http://api:3000; }
}
"""

docker.Container("web",
    image="nginxinc/nginx-unprivileged:1.27.3-alpine@sha256:5b9e6b1b2c8f0a4a0c6c1e5e7f6d2a9b3c4d5e6f708192a3b4c5d6e7f8091a2b",
    read_only=True,
    user="101:101",
    capabilities={"drops": ["ALL"]},
    security_opts=["no-new-privileges:true"],
    tmpfs={"/tmp": "", "/var/cache/nginx": "", "/var/run": ""},
    memory=256,
    healthcheck={"tests": ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/healthz"]},
    uploads=[
        {"file": "/etc/nginx/snippets/security-headers.conf", "content": SNIPPET},
        {"file": "/etc/nginx/conf.d/default.conf", "content": SERVER},
    ])
