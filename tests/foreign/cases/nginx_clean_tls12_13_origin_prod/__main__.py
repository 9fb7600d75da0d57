import pulumi
import pulumi_docker as docker

NGINX_CONF = r"""
limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;

server {
    listen 8443 ssl;
    ssl_certificate /etc/nginx/tls/origin.pem;
    ssl_certificate_key /etc/nginx/tls/origin.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    server_name shop.example.com;
    server_tokens off;
    root /usr/share/nginx/html;

    add_header Content-Security-Policy "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'" always;
    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
    add_header X-Frame-Options "DENY" always;
    add_header X-Content-Type-Options "nosniff" always;
    add_header Referrer-Policy "strict-origin-when-cross-origin" always;
    add_header Permissions-Policy "camera=(), microphone=(), geolocation=()" always;

    location / {
        try_files $uri /index.html;
    }
    location = /index.html {
        expires -1;
    }
    location /assets/ {
        expires max;
        access_log off;
    }
    location /api/ {
        limit_req zone=api burst=20 nodelay;
        proxy_pass http://api:3000;
    }
}
"""

docker.Container("web",
    image='nginxinc/nginx-unprivileged:1.27.3-alpine@sha256:5b9e6b1b2c8f0a4a0c6c1e5e7f6d2a9b3c4d5e6f708192a3b4c5d6e7f8091a2b',
    read_only=True,
    user="101:101",
    capabilities={"drops": ["ALL"]},
    security_opts=["no-new-privileges:true"],
    tmpfs={"/tmp": "rw,size=16m", "/var/cache/nginx": "rw,size=64m", "/var/run": "rw,size=1m"},
    memory=256,
    healthcheck={"tests": ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/healthz"], "interval": "30s",
                 "timeout": "3s", "retries": 3},
    envs=["NODE_ENV=production"],
    ports=[{"internal": 8080, "external": 8080, "ip": "127.0.0.1"}],
    uploads=[{"file": "/etc/nginx/conf.d/default.conf", "content": NGINX_CONF}],
    restart="unless-stopped",
)
