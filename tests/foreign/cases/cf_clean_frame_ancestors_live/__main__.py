import pulumi
import pulumi_cloudflare as cloudflare

zone_id = pulumi.Config().require("zoneId")
HOST = "store.example.net"

for sid, val in [("ssl", "strict"), ("min_tls_version", "1.2"), ("tls_1_3", "on"), ("always_use_https", "on")]:
    cloudflare.ZoneSetting(sid.replace("_", "-"), zone_id=zone_id, setting_id=sid, value=val)
cloudflare.ZoneSetting("hsts", zone_id=zone_id, setting_id="security_header", value={
    "strict_transport_security": {"enabled": True, "max_age": 63072000, "include_subdomains": True,
                                  "preload": True, "nosniff": True}})

headers = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data:; connect-src 'self' https://zyxwvutsrqponmlkjihg.supabase.co; "
                                "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                                "frame-ancestors 'none'"),
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
cloudflare.Ruleset("headers", zone_id=zone_id, name="Security headers", kind="zone",
                   phase="http_response_headers_transform",
                   rules=[{"action": "rewrite", "expression": "true",
                           "action_parameters": {"headers": {k: {"operation": "set", "value": v}
                                                             for k, v in headers.items()}}}])
cloudflare.Ruleset("ratelimit", zone_id=zone_id, name="Rate limiting", kind="zone", phase="http_ratelimit",
                   rules=[{"action": "block", "expression": '(http.request.uri.path matches "^/(api|auth)/")',
                           "ratelimit": {"characteristics": ["cf.colo.id", "ip.src"], "period": 60,
                                         "requests_per_period": 120, "mitigation_timeout": 300}}])
cloudflare.DnsRecord("store", zone_id=zone_id, name=HOST, type="CNAME", content="storefront.pages.dev",
                     proxied=True, ttl=1)
cloudflare.DnsRecord("caa-issue", zone_id=zone_id, name="example.net", type="CAA", ttl=3600,
                     data={"flags": 0, "tag": "issue", "value": "letsencrypt.org"})
cloudflare.Healthcheck("store-health", zone_id=zone_id, name="store", address=HOST, type="HTTPS",
                       http_config={"path": "/healthz", "expected_codes": ["200"], "method": "GET"})
