import pulumi
import pulumi_cloudflare as cloudflare
import pulumiverse_vercel as vercel

cfg = pulumi.Config()
zone, domain = cfg.require("zoneId"), cfg.require("domain")

project = vercel.Project("shop", name="shop", framework="vite")
for host in (domain, "www." + domain):
    vercel.ProjectDomain(host, project_id=project.id, domain=host)
vercel.ProjectRoute("headers", project_id=project.id, route={"src": "/(.*)", "headers": {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self' https://abcdefghijklmnopqrst.supabase.co wss://abcdefghijklmnopqrst.supabase.co; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}})
vercel.ProjectEnvironmentVariable("node-env", project_id=project.id, key="NODE_ENV", value="production",
                                  targets=["production"], sensitive=False)

for sid, value in (("ssl", "strict"), ("min_tls_version", "1.2"), ("tls_1_3", "on"), ("always_use_https", "on"),
                   ("security_header", {"strict_transport_security": {"enabled": True, "max_age": 31536000,
                                                                       "include_subdomains": True, "nosniff": True}})):
    cloudflare.ZoneSetting(sid, zone_id=zone, setting_id=sid, value=value)
cloudflare.DnsRecord("apex", zone_id=zone, name=domain, type="A", content="76.76.21.21", proxied=True, ttl=1)
cloudflare.DnsRecord("www", zone_id=zone, name="www." + domain, type="CNAME", content="cname.vercel-dns.com",
                     proxied=True, ttl=1)
cloudflare.DnsRecord("caa", zone_id=zone, name=domain, type="CAA", ttl=1,
                     data={"flags": 0, "tag": "issue", "value": "letsencrypt.org"})
for host in (domain, "www." + domain):
    cloudflare.Healthcheck(f"hc-{host}", zone_id=zone, name=host.replace(".", "-"), address=host, type="HTTPS",
                           http_config={"path": "/", "expected_codes": ["200"]})
cloudflare.Ruleset("rl", zone_id=zone, name="rate limits", kind="zone", phase="http_ratelimit", rules=[{
    "action": "block", "expression": 'starts_with(http.request.uri.path, "/api/")',
    "ratelimit": {"characteristics": ["cf.colo.id", "ip.src"], "period": 60, "requests_per_period": 100,
                  "mitigation_timeout": 600},
}])
