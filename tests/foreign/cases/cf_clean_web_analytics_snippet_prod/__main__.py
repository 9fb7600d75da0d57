"""A DNS-only site (the host serves it) measured with Cloudflare Web Analytics: the JS snippet is in the app's HTML,
registered by hostname; the CSP lists the beacon script and its reporting endpoint from Cloudflare's FAQ."""

import pulumi
import pulumi_cloudflare as cloudflare

config = pulumi.Config()
ZONE = config.require("zoneId")
ACCOUNT = config.require("accountId")

CSP = ("default-src 'none'; script-src 'self' https://static.cloudflareinsights.com/beacon.min.js; "
       "style-src 'self'; img-src 'self' data:; connect-src 'self' cloudflareinsights.com; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

for setting, value in (("ssl", "strict"), ("min_tls_version", "1.2"), ("tls_1_3", "on"), ("always_use_https", "on")):
    cloudflare.ZoneSetting(setting, zone_id=ZONE, setting_id=setting, value=value)

# The zone still sends the headers for whatever it proxies (here: nothing yet, the records are DNS-only).
cloudflare.Ruleset("headers", zone_id=ZONE, name="response headers", kind="zone",
    phase="http_response_headers_transform", rules=[{
        "action": "rewrite",
        "expression": "true",
        "action_parameters": {"headers": {
            "Content-Security-Policy": {"operation": "set", "value": CSP},
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

cloudflare.DnsRecord("txt", zone_id=ZONE, name="app.example.org", type="TXT", ttl=1,
                     content='"v=spf1 -all"')
cloudflare.DnsRecord("caa", zone_id=ZONE, name="app.example.org", type="CAA", ttl=1,
                     data={"flags": 0, "tag": "issue", "value": "letsencrypt.org"})

# Manual setup: registered by host; the snippet with the site token is in the app's index.html.
site = cloudflare.WebAnalyticsSite("rum", account_id=ACCOUNT, host="app.example.org", auto_install=False)
pulumi.export("webAnalyticsSiteToken", site.site_token)
