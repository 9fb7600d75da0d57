"""Our standard static site: nginx, hardened."""
import pulumi
import pulumi_docker as docker

CONF = r"""
limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;

server {
    listen 8080;
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


class StaticSite(pulumi.ComponentResource):
    def __init__(self, name: str, image: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("teamplatform:web:StaticSite", name, None, opts)
        self.container = docker.Container(f"{name}-nginx", image=image, read_only=True, user="101:101",
            capabilities={"drops": ["ALL"]}, security_opts=["no-new-privileges:true"],
            tmpfs={"/tmp": "", "/var/cache/nginx": "", "/var/run": ""}, memory=128,
            healthcheck={"tests": ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/healthz"], "interval": "15s"},
            uploads=[{"file": "/etc/nginx/conf.d/default.conf", "content": CONF}],
            opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"container_id": self.container.id})
