import pulumi
import pulumi_cloudflare as cloudflare

cfg = pulumi.Config()
zone_id = cfg.require("zoneId")
domain = cfg.require("domain")
supabase = "https://abcdefghijklmnopqrst.supabase.co"

csp = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    f"img-src 'self' data: {supabase}",
    "font-src 'self'",
    f"connect-src 'self' {supabase} wss://abcdefghijklmnopqrst.supabase.co",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "upgrade-insecure-requests",
])

settings = {
    "ssl": "strict",
    "min_tls_version": "1.2",
    "tls_1_3": "on",
    "always_use_https": "on",
    "automatic_https_rewrites": "on",
}
for setting_id, value in settings.items():
    cloudflare.ZoneSetting(f"zone-{setting_id}", zone_id=zone_id, setting_id=setting_id, value=value)

cloudflare.ZoneSetting("zone-hsts", zone_id=zone_id, setting_id="security_header", value={
    "strict_transport_security": {
        "enabled": True, "max_age": 31536000, "include_subdomains": True, "preload": False, "nosniff": True,
    },
})

cloudflare.Ruleset("response-headers", zone_id=zone_id, name="default", kind="zone",
    phase="http_response_headers_transform",
    rules=[{
        "action": "rewrite",
        "expression": "true",
        "description": "security headers",
        "action_parameters": {"headers": {
            "Content-Security-Policy": {"operation": "set", "value": csp},
            "X-Frame-Options": {"operation": "set", "value": "DENY"},
            "X-Content-Type-Options": {"operation": "set", "value": "nosniff"},
            "Referrer-Policy": {"operation": "set", "value": "strict-origin-when-cross-origin"},
            "Permissions-Policy": {"operation": "set", "value": "camera=(), microphone=(), geolocation=()"},
            "X-Powered-By": {"operation": "remove"},
        }},
    }])

cloudflare.Ruleset("rate-limits", zone_id=zone_id, name="default", kind="zone", phase="http_ratelimit",
    rules=[{
        "action": "block",
        "description": "api and auth",
        "expression": 'starts_with(http.request.uri.path, "/api/") or starts_with(http.request.uri.path, "/auth/")',
        "ratelimit": {
            "characteristics": ["cf.colo.id", "ip.src"],
            "period": 60,
            "requests_per_period": 100,
            "mitigation_timeout": 600,
        },
    }])

for name in (domain, f"www.{domain}"):
    label = "apex" if name == domain else "www"
    cloudflare.DnsRecord(f"{label}-a", zone_id=zone_id, name=name, type="A", content=cfg.require("originIp"),
                         proxied=True, ttl=1)
    cloudflare.Healthcheck(f"{label}-health", zone_id=zone_id, name=f"{label}-https", address=name,
                           type="HTTPS", timeout=3, interval=60, retries=2,
                           http_config={"path": "/healthz", "expected_codes": ["200"], "method": "GET"})

cloudflare.DnsRecord("caa", zone_id=zone_id, name=domain, type="CAA", ttl=1,
                     data={"flags": 0, "tag": "issue", "value": "letsencrypt.org"})
