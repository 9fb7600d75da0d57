"""Edge for the EU app; the Edge component is shared by our two regions."""
import pulumi
import pulumi_cloudflare as cf

SUPA = "https://qwertyuiopasdfghjklz.supabase.co"


class Edge(pulumi.ComponentResource):
    def __init__(self, name, zone_id, hostnames, opts=None):
        super().__init__("acme:edge:Edge", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tls = {"ssl": "strict", "min_tls_version": "1.3", "tls_1_3": "on", "always_use_https": "on"}
        for key in tls:
            cf.ZoneSetting(f"{name}-{key}", zone_id=zone_id, setting_id=key, value=tls[key], opts=child)
        cf.ZoneSetting(f"{name}-security-header", zone_id=zone_id, setting_id="security_header",
                       value={"strict_transport_security": {"enabled": True, "max_age": 63072000,
                                                            "include_subdomains": True, "nosniff": True}},
                       opts=child)
        cf.Ruleset(f"{name}-headers", zone_id=zone_id, kind="zone", name="headers",
                   phase="http_response_headers_transform", opts=child, rules=[
            {"action": "rewrite", "expression": "true", "description": "csp",
             "action_parameters": {"headers": {
                 "content-security-policy": {"operation": "set", "value":
                     f"default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
                     f"connect-src 'self' {SUPA}; frame-ancestors 'none'; form-action 'self'"},
             }}},
            {"action": "rewrite", "expression": "true", "description": "the rest",
             "action_parameters": {"headers": {
                 "x-frame-options": {"operation": "set", "value": "deny"},
                 "x-content-type-options": {"operation": "set", "value": "nosniff"},
                 "referrer-policy": {"operation": "set", "value": "no-referrer"},
                 "permissions-policy": {"operation": "set",
                                        "value": "geolocation=(), camera=(), microphone=(), usb=()"},
             }}},
        ])
        cf.Ruleset(f"{name}-ratelimit", zone_id=zone_id, kind="zone", name="rl", phase="http_ratelimit",
                   opts=child, rules=[{
            "action": "managed_challenge", "expression": 'http.request.uri.path wildcard "/api/*"',
            "ratelimit": {"characteristics": ["ip.src", "cf.colo.id"], "period": 10,
                          "requests_per_period": 50, "mitigation_timeout": 0},
        }])
        for host in hostnames:
            slug = host.replace(".", "-")
            cf.DnsRecord(f"{name}-{slug}", zone_id=zone_id, name=host, type="CNAME",
                         content="origin.acme-eu.example", proxied=True, ttl=1, opts=child)
            cf.Healthcheck(f"{name}-{slug}-hc", zone_id=zone_id, name=slug, address=host, type="HTTPS",
                           http_config={"path": "/", "expected_codes": ["200"]}, opts=child)
        cf.DnsRecord(f"{name}-caa", zone_id=zone_id, name="acme-eu.example", type="CAA", ttl=1,
                     data={"flags": 0, "tag": "issue", "value": "pki.goog"}, opts=child)
        self.register_outputs({})


config = pulumi.Config()
Edge("eu", config.require("zone"), config.require_object("hostnames"))
