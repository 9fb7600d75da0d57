"""A team turns on Cloudflare Web Analytics (automatic setup) for its proxied SPA; its strict CSP predates it."""

import pulumi
import pulumi_cloudflare as cloudflare

config = pulumi.Config()
ZONE = config.require("zoneId")
ACCOUNT = config.require("accountId")

for setting, value in (("ssl", "strict"), ("min_tls_version", "1.2"), ("tls_1_3", "on"), ("always_use_https", "on")):
    cloudflare.ZoneSetting(setting, zone_id=ZONE, setting_id=setting, value=value)

cloudflare.Ruleset("headers", zone_id=ZONE, name="response headers", kind="zone",
    phase="http_response_headers_transform", rules=[{
        "action": "rewrite",
        "expression": "true",
        "action_parameters": {"headers": {
            "Content-Security-Policy": {"operation": "set", "value": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"},
            "Strict-Transport-Security": {"operation": "set", "value": "max-age=63072000; includeSubDomains"},
            "X-Frame-Options": {"operation": "set", "value": "DENY"},
            "X-Content-Type-Options": {"operation": "set", "value": "nosniff"},
            "Referrer-Policy": {"operation": "set", "value": "strict-origin-when-cross-origin"},
            "Permissions-Policy": {"operation": "set", "value": "camera=(), microphone=(), geolocation=()"},
        }},
    }])
cloudflare.Ruleset("rate-limit", zone_id=ZONE, name="rate limit", kind="zone",
    phase="http_ratelimit", rules=[{
        "action": "block",
        "expression": '(starts_with(http.request.uri.path, "/api/"))',
        "ratelimit": {"characteristics": ["cf.colo.id", "ip.src"], "period": 60, "requests_per_period": 100,
                      "mitigation_timeout": 600},
    }])

for name, rtype, content in (("apex", "A", "198.51.100.7"), ("www", "CNAME", "app.example.org")):
    host = "app.example.org" if name == "apex" else "www.app.example.org"
    cloudflare.DnsRecord(name, zone_id=ZONE, name=host, type=rtype, content=content, proxied=True, ttl=1)
    cloudflare.Healthcheck(f"{name}-health", zone_id=ZONE, name=name, address=host, type="HTTPS",
                           http_config={"path": "/healthz", "expected_codes": ["200"]})
cloudflare.DnsRecord("caa", zone_id=ZONE, name="app.example.org", type="CAA", ttl=1,
                     data={"flags": 0, "tag": "issue", "value": "letsencrypt.org"})

# Automatic setup: the edge injects the beacon into the zone's HTML.
cloudflare.WebAnalyticsSite("rum", account_id=ACCOUNT, zone_tag=ZONE, auto_install=True, enabled=True)
