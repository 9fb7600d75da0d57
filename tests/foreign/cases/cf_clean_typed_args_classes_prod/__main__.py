import pulumi
import pulumi_cloudflare as cloudflare
from pulumi_cloudflare import (
    HealthcheckHttpConfigArgs,
    RulesetRuleActionParametersArgs,
    RulesetRuleActionParametersHeadersArgs,
    RulesetRuleArgs,
    RulesetRuleRatelimitArgs,
)

zone_id = pulumi.Config().require("zoneId")
HOST = "portal.example.io"


def header(value: str) -> RulesetRuleActionParametersHeadersArgs:
    return RulesetRuleActionParametersHeadersArgs(operation="set", value=value)


for setting_id, value in [("ssl", "strict"), ("min_tls_version", "1.2"), ("tls_1_3", "on"),
                          ("always_use_https", "on")]:
    cloudflare.ZoneSetting(setting_id, zone_id=zone_id, setting_id=setting_id, value=value)
cloudflare.ZoneSetting("security_header", zone_id=zone_id, setting_id="security_header",
                       value={"strict_transport_security": {"enabled": True, "max_age": 31536000,
                                                            "include_subdomains": True, "nosniff": True}})

cloudflare.Ruleset("transform", zone_id=zone_id, kind="zone", name="transform",
                   phase="http_response_headers_transform",
                   rules=[RulesetRuleArgs(
                       action="rewrite",
                       expression="true",
                       action_parameters=RulesetRuleActionParametersArgs(headers={
                           "Content-Security-Policy": header("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self' https://abcdefghijklmnopqrst.supabase.co wss://abcdefghijklmnopqrst.supabase.co; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"),
                           "X-Frame-Options": header("DENY"),
                           "X-Content-Type-Options": header("nosniff"),
                           "Referrer-Policy": header("strict-origin-when-cross-origin"),
                           "Permissions-Policy": header("camera=(), microphone=(), geolocation=()"),
                       }),
                   )])
cloudflare.Ruleset("ratelimit", zone_id=zone_id, kind="zone", name="ratelimit", phase="http_ratelimit",
                   rules=[RulesetRuleArgs(
                       action="block",
                       expression='starts_with(http.request.uri.path, "/api/")',
                       ratelimit=RulesetRuleRatelimitArgs(characteristics=["cf.colo.id", "ip.src"], period=60,
                                                          requests_per_period=100, mitigation_timeout=600),
                   )])
cloudflare.DnsRecord("portal", zone_id=zone_id, name=HOST, type="AAAA", content="2001:db8::10", proxied=True,
                     ttl=1)
cloudflare.DnsRecord("caa", zone_id=zone_id, name="example.io", type="CAA", ttl=1,
                     data={"flags": 0, "tag": "issue", "value": "letsencrypt.org"})
cloudflare.Healthcheck("portal", zone_id=zone_id, name="portal", address=HOST, type="HTTPS",
                       http_config=HealthcheckHttpConfigArgs(path="/healthz", expected_codes=["200"]))
