import pulumi
import pulumi_cloudflare as cloudflare

config = pulumi.Config()
ZONE = config.require("zoneId")

cloudflare.ZoneSetting("ssl", zone_id=ZONE, setting_id="ssl", value='strict')
cloudflare.ZoneSetting("min_tls_version", zone_id=ZONE, setting_id="min_tls_version", value='1.2')
cloudflare.ZoneSetting("tls_1_3", zone_id=ZONE, setting_id="tls_1_3", value='on')
cloudflare.ZoneSetting("always_use_https", zone_id=ZONE, setting_id="always_use_https", value='on')
cloudflare.ZoneSetting("security-header", zone_id=ZONE, setting_id="security_header",
                      value={"strict_transport_security": {'enabled': True, 'max_age': 31536000, 'include_subdomains': True, 'nosniff': True}})

cloudflare.Ruleset("headers", zone_id=ZONE, name="response headers", kind="zone",
    phase="http_response_headers_transform", rules=[{
        "action": "rewrite",
        "expression": 'http.response.code eq 200',
        "action_parameters": {"headers": {
            'Content-Security-Policy': {"operation": "set", "value": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self' https://abcdefghijklmnopqrst.supabase.co wss://abcdefghijklmnopqrst.supabase.co; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"},
            'X-Frame-Options': {"operation": "set", "value": 'DENY'},
            'X-Content-Type-Options': {"operation": "set", "value": 'nosniff'},
            'Referrer-Policy': {"operation": "set", "value": 'strict-origin-when-cross-origin'},
            'Permissions-Policy': {"operation": "set", "value": 'camera=(), microphone=(), geolocation=()'},
        }},
    }])
cloudflare.Ruleset("rate-limit", zone_id=ZONE, name="rate limit", kind="zone",
    phase="http_ratelimit", rules=[{
        "action": "block",
        "expression": '(starts_with(http.request.uri.path, "/api/"))',
        "ratelimit": {"characteristics": ["cf.colo.id", "ip.src"], "period": 60, "requests_per_period": 100,
                      "mitigation_timeout": 600},
    }])

cloudflare.DnsRecord("apex", zone_id=ZONE, name="app.example.org", type="A", content="198.51.100.7",
                     proxied=True, ttl=1)
cloudflare.Healthcheck("apex-health", zone_id=ZONE, name="apex", address="app.example.org",
    type="HTTPS", http_config={"path": "/healthz", "expected_codes": ["200"]})
cloudflare.DnsRecord("www", zone_id=ZONE, name="www.app.example.org", type="CNAME", content="app.example.org",
                     proxied=True, ttl=1)
cloudflare.Healthcheck("www-health", zone_id=ZONE, name="www", address="www.app.example.org",
    type="HTTPS", http_config={"path": "/healthz", "expected_codes": ["200"]})
cloudflare.DnsRecord("caa", zone_id=ZONE, name="app.example.org", type="CAA", ttl=1,
                     data={"flags": 0, "tag": "issue", "value": "letsencrypt.org"})
