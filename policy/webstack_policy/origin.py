"""Origin lockdown: a production nginx origin behind Cloudflare's proxy accepts TLS only from Cloudflare's edge.

Behind the proxy the origin's address is still findable; a client that connects to it directly skips the WAF,
rate limits and cache. Authenticated Origin Pulls closes that: the zone's ``tls_client_auth`` setting makes the
edge present Cloudflare's origin-pull client certificate, and nginx refuses TLS clients without it
(``ssl_verify_client on`` + ``ssl_client_certificate``).

What the pack can see: the zone setting (a ZoneSetting resource) always; the nginx configuration only where a
resource carries it in its inputs (a container upload with content, a file resource). An nginx tree baked into an
image is invisible, so the policy is advisory: it reports a stack that proxies records and carries a visible nginx
TLS server that does not verify client certificates, when no zone declares ``tls_client_auth`` on.

Pure: no Pulumi import beyond the SDK's policy types.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .core import Check, Meta, StackResource, is_prod, is_unknown, stack_policy
from .header_sources import nginx_config, nginx_files
from .nginx_conf import Block, servers

ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord"
# pulumi-cloudflare v6 also exposes the zone-level switch as its own resource (``enabled``).
AOP_SETTINGS = "cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings"
_PROXYABLE = ("A", "AAAA", "CNAME")


def _zone_sends_certificate(resources: list[StackResource], check: Check) -> bool:
    for r in resources:
        if r.type == ZONE_SETTING and r.props.get("settingId") == "tls_client_auth":
            value = r.props.get("value")
            if is_unknown(value):
                check.unknown(f"{r.name}.value")
                return True  # computed: not judged
            if value == "on":
                return True
        elif r.type == AOP_SETTINGS:
            enabled = r.props.get("enabled")
            if is_unknown(enabled) or enabled is True:
                return True
    return False


def _proxied(resources: list[StackResource]) -> bool:
    return any(r.type == DNS_RECORD and r.props.get("proxied") is True and r.props.get("type") in _PROXYABLE
               for r in resources)


def _is_tls(server: Block) -> bool:
    listens = [args for name, args in server.directives if name == "listen"]
    return any("ssl" in args[1:] for args in listens) or server.inherited("ssl_certificate") is not None


def _verifies(server: Block) -> bool:
    verify = server.inherited("ssl_verify_client")
    return verify is not None and verify[:1] == ["on"] and server.inherited("ssl_client_certificate") is not None


def _origin_pulls(resources: list[StackResource], check: Check) -> None:
    if not is_prod(check.config, check.stack_tags) or not _proxied(resources):
        return
    if _zone_sends_certificate(resources, check):
        return
    for r in resources:
        files: dict[str, Any] = nginx_files(r.props)
        if not files:
            continue
        config = nginx_config(files)
        for path in config.unknown:
            check.unknown(f"{r.name}: {path}")
        for server in servers(config):
            if _is_tls(server) and not _verifies(server):
                check.fail(f"nginx {server.label()} accepts TLS from any client: the stack proxies its records "
                           "through Cloudflare, but neither does this server verify Cloudflare's origin-pull "
                           "client certificate (ssl_verify_client on + ssl_client_certificate) nor does a zone "
                           "declare tls_client_auth on, so anyone who finds the origin's address bypasses the edge.",
                           r.urn)


ORIGIN_PULLS = stack_policy(
    Meta(
        name="origin-pulls-verified",
        description="On production, a Cloudflare-proxied nginx origin accepts TLS only from Cloudflare's edge "
        "(Authenticated Origin Pulls: nginx ssl_verify_client on, or the zone's tls_client_auth on).",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.ADVISORY,
        remediation=(
            "In the nginx TLS server: ssl_client_certificate <Cloudflare's origin-pull CA>; ssl_verify_client on; "
            "and turn on the zone's Authenticated Origin Pulls (ZoneSetting tls_client_auth = on). webstack: "
            "webstack:hosting.nginx.authenticatedOriginPulls (on by default for production)."
        ),
        prod=True,
        url="https://developers.cloudflare.com/ssl/origin-configuration/authenticated-origin-pull/",
        tags=("tls", "nginx", "origin"),
    ),
    _origin_pulls,
)

POLICIES = [ORIGIN_PULLS]
