"""`python -m stackcheck permissions --stack S`: the credentials a stack's `pulumi up` needs, derived from what it
registers.

Generic: the program runs offline (as `stackcheck preview` runs it) and every registered custom resource is looked up
by its type token (and, for Cloudflare rulesets, its ``phase`` input) in :data:`TABLE`, which says which vendor
permission the provider's calls need and cites the vendor's page that documents it. Nothing of the program's own
code is imported: a stack built from other components gets its manifest the same way. Zone and account ids come
from the resources' ``zoneId``/``accountId`` inputs, so the token can be limited to exactly those.

A registered type missing from the table is listed as unmapped and the command exits 1: the manifest would be
incomplete, and a token built from it would fail with 403 on the first `pulumi up`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackcheck.contract import write_stdout
from stackcheck.engine import ProgramError, UsageError, run_program
from stackcheck.model import PreviewResult, ResourceRecord
from stackcheck.wire import is_secret, is_unknown, unwrap

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class Permission:
    vendor: str  # "cloudflare" | "vercel" | "supabase" | "docker" | "none"
    level: str  # cloudflare: "zone" | "account"; supabase: "oauth-scope" | "database"; others: "token" | "local"
    name: str  # the permission group / scope exactly as the vendor names it
    source: str  # the vendor page documenting it


CF_API = "https://developers.cloudflare.com/api/resources"
CF_PHASE_PERMISSIONS = ("https://developers.cloudflare.com/ruleset-engine/rulesets-api/ "
                        "(API token permissions per phase)")
SUPABASE_OPENAPI = ("https://api.supabase.com/api/v1-json — the operation's x-oauth-scope (Management API OpenAPI "
                    "document, as published in the Supabase CLI repository)")
VERCEL_TOKENS = "https://vercel.com/docs/rest-api/reference/welcome#creating-an-access-token (token scope = a team)"
DOCKER_ACCESS = "https://docs.docker.com/engine/security/protect-access/ (DOCKER_HOST: ssh:// or tls://)"

TABLE: dict[str, tuple[Permission, ...]] = {
    # -- Cloudflare (API token permission groups; UI "Edit" = API "Write") --------------------------------------------
    "cloudflare:index/dnsRecord:DnsRecord": (
        Permission("cloudflare", "zone", "DNS Write", f"{CF_API}/dns/subresources/records/methods/create/"),),
    "cloudflare:index/zoneDnssec:ZoneDnssec": (
        Permission("cloudflare", "zone", "DNS Write", f"{CF_API}/dns/subresources/dnssec/methods/edit/"),),
    "cloudflare:index/zoneSetting:ZoneSetting": (
        Permission("cloudflare", "zone", "Zone Settings Write",
                   f"{CF_API}/zones/subresources/settings/methods/edit/"),),
    "cloudflare:index/healthcheck:Healthcheck": (
        Permission("cloudflare", "zone", "Health Checks Write", f"{CF_API}/healthchecks/methods/create/"),),
    "cloudflare:index/originCaCertificate:OriginCaCertificate": (
        Permission("cloudflare", "zone", "SSL and Certificates Write",
                   f"{CF_API}/origin_ca_certificates/methods/create/"),),
    # Web Analytics sites are account resources (POST /accounts/{account_id}/rum/site_info); the provider's
    # cloudflare_web_analytics_site page lists "Account Settings Read / Write" as the accepted permissions.
    "cloudflare:index/webAnalyticsSite:WebAnalyticsSite": (
        Permission("cloudflare", "account", "Account Settings Write",
                   f"{CF_API}/rum/subresources/site_info/methods/create/"),),
    "cloudflare:index/notificationPolicy:NotificationPolicy": (
        Permission("cloudflare", "account", "Notifications Write",
                   f"{CF_API}/alerting/subresources/policies/methods/create/"),),
    # pulumi_cloudflare 6.23's NotificationPolicyWebhooks docstring: "Accepted Permissions … Notifications Write"
    "cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks": (
        Permission("cloudflare", "account", "Notifications Write",
                   f"{CF_API}/alerting/subresources/destinations/subresources/webhooks/methods/create/"),),
    # Edge protection (issue 16): Bot Fight Mode / Super Bot Fight Mode, URL normalisation, the purge after a deploy.
    "cloudflare:index/botManagement:BotManagement": (
        Permission("cloudflare", "zone", "Bot Management Write", f"{CF_API}/bot_management/methods/update/"),),
    # "Accepted Permissions (at least one required)" of PUT /zones/{zone_id}/url_normalization lists Zone WAF Write,
    # which the WAF entry point (http_request_firewall_managed) needs anyway.
    "cloudflare:index/urlNormalizationSettings:UrlNormalizationSettings": (
        Permission("cloudflare", "zone", "Zone WAF Write", f"{CF_API}/url_normalization/methods/update/"),),
    "pulumi-python:dynamic/cloudflare:CachePurge": (
        Permission("cloudflare", "zone", "Cache Purge", f"{CF_API}/cache/methods/purge/"),),
    # -- Vercel (tokens have no finer permissions than their scope) ----------------------------------------------------
    **{f"vercel:index/{t}": (Permission("vercel", "token", "access token scoped to the project's team", VERCEL_TOKENS),)
       for t in ("project:Project", "projectDomain:ProjectDomain", "projectRoute:ProjectRoute",
                 "projectEnvironmentVariable:ProjectEnvironmentVariable", "deployment:Deployment",
                 # alerts (components/alerts.py); account webhooks need a Pro or Enterprise team
                 # (vercel.com/docs/webhooks), custom alert rules Observability Plus on the project
                 "webhook:Webhook", "customAlertRule:CustomAlertRule",
                 "alertRuleWebhookNotification:AlertRuleWebhookNotification",
                 # edge protection (components/edge_protection.py)
                 "firewallConfig:FirewallConfig", "attackChallengeMode:AttackChallengeMode")},
    # -- Supabase Management API (OAuth scopes per endpoint; read to diff, write to change) ----------------------------
    "pulumi-python:dynamic/supabase:AuthSettings": (
        Permission("supabase", "oauth-scope", "auth:read", SUPABASE_OPENAPI),
        Permission("supabase", "oauth-scope", "auth:write", SUPABASE_OPENAPI)),
    "pulumi-python:dynamic/supabase:PostgrestSettings": (
        Permission("supabase", "oauth-scope", "rest:read", SUPABASE_OPENAPI),
        Permission("supabase", "oauth-scope", "rest:write", SUPABASE_OPENAPI)),
    "pulumi-python:dynamic/supabase:SslEnforcement": (
        Permission("supabase", "oauth-scope", "database:read", SUPABASE_OPENAPI),
        Permission("supabase", "oauth-scope", "database:write", SUPABASE_OPENAPI)),
    "pulumi-python:dynamic/supabase:NetworkRestrictions": (
        Permission("supabase", "oauth-scope", "projects:read", SUPABASE_OPENAPI),
        Permission("supabase", "oauth-scope", "projects:write", SUPABASE_OPENAPI)),
    "pulumi-python:dynamic/supabase:EdgeFunctionSecrets": (
        Permission("supabase", "oauth-scope", "secrets:read", SUPABASE_OPENAPI),
        Permission("supabase", "oauth-scope", "secrets:write", SUPABASE_OPENAPI)),
    "pulumi-python:dynamic/supabase:EdgeFunction": (
        Permission("supabase", "oauth-scope", "edge_functions:read", SUPABASE_OPENAPI),
        Permission("supabase", "oauth-scope", "edge_functions:write", SUPABASE_OPENAPI)),
    "pulumi-python:dynamic/supabase:DatabaseBackups": (
        Permission("supabase", "oauth-scope", "database:read", SUPABASE_OPENAPI),
        Permission("supabase", "oauth-scope", "database:write", SUPABASE_OPENAPI),
        # /billing/addons (PITR) has no OAuth scope in the document: only its FGA permissions
        Permission("supabase", "account", "add-ons read/write on the project (FGA infra_add_ons_read, "
                   "infra_add_ons_write: an organisation Owner or Administrator)", SUPABASE_OPENAPI)),
    "pulumi-python:dynamic/supabase:DatabaseSecurity": (
        Permission("supabase", "oauth-scope", "database:write", SUPABASE_OPENAPI),),
    # -- Docker engine (access to the daemon is all-or-nothing) --------------------------------------------------------
    **{t: (Permission("docker", "token", "access to the Docker engine at DOCKER_HOST", DOCKER_ACCESS),)
       for t in ("docker:index/container:Container", "docker:index/image:Image", "docker:index/volume:Volume",
                 "docker:index/remoteImage:RemoteImage", "docker:index/network:Network",
                 "docker-build:index:Image")},
    # The nginx origin's setup step writes the Origin CA key for a uid-101 read-only mount (docs/nginx.md): it runs
    # as root where pulumi runs (local) or logs in as root over SSH (remote) on the Docker host.
    "command:local:Command": (Permission("docker", "local", "root on the machine running pulumi (the Docker host)",
                                         "https://www.pulumi.com/registry/packages/command/api-docs/local/command/"),),
    "command:remote:Command": (Permission("docker", "token", "an SSH login as root on the Docker host",
                                          "https://www.pulumi.com/registry/packages/command/api-docs/remote/command/"),),
    # -- computed locally, no credential ------------------------------------------------------------------------------
    **{t: (Permission("none", "local", "no credential (computed where pulumi runs)",
                      "https://www.pulumi.com/registry/packages/tls/"),)
       for t in ("tls:index/privateKey:PrivateKey", "tls:index/certRequest:CertRequest",
                 "tls:index/selfSignedCert:SelfSignedCert")},
}
"""Resource type token -> what its create/read/update/delete calls need."""

RULESET = "cloudflare:index/ruleset:Ruleset"
RULESET_PHASES: dict[str, Permission] = {
    "http_request_dynamic_redirect": Permission("cloudflare", "zone", "Dynamic URL Redirects Write",
                                                CF_PHASE_PERMISSIONS),
    "http_request_cache_settings": Permission("cloudflare", "zone", "Cache Settings Write", CF_PHASE_PERMISSIONS),
    "http_response_headers_transform": Permission("cloudflare", "zone", "Transform Rules Write",
                                                  CF_PHASE_PERMISSIONS),
    "http_request_transform": Permission("cloudflare", "zone", "Transform Rules Write", CF_PHASE_PERMISSIONS),
    "http_request_late_transform": Permission("cloudflare", "zone", "Transform Rules Write", CF_PHASE_PERMISSIONS),
    "http_ratelimit": Permission("cloudflare", "zone", "Zone WAF Write", CF_PHASE_PERMISSIONS),
    "http_request_firewall_custom": Permission("cloudflare", "zone", "Zone WAF Write", CF_PHASE_PERMISSIONS),
    # WAF managed rulesets (developers.cloudflare.com/waf/reference/phases/: a WAF phase like the two above).
    "http_request_firewall_managed": Permission("cloudflare", "zone", "Zone WAF Write", CF_PHASE_PERMISSIONS),
    "http_request_origin": Permission("cloudflare", "zone", "Origin Rules Write", CF_PHASE_PERMISSIONS),
    "http_config_settings": Permission("cloudflare", "zone", "Config Settings Write", CF_PHASE_PERMISSIONS),
}
"""A zone ruleset needs the permission of its phase (each phase is its own product)."""


@dataclass
class Grant:
    """One permission to grant (vendor, level, name), the resources that need it and where it is documented."""

    permission: Permission
    resources: list[ResourceRecord]
    zones: set[str]
    accounts: set[str]
    sources: list[str]


@dataclass
class Manifest:
    stack: str
    grants: list[Grant]
    unmapped: dict[str, list[str]]  # type -> URNs
    database_dsn: list[str]  # URNs applying SQL over a direct connection (db_url input set)

    def by_vendor(self, vendor: str) -> list[Grant]:
        return [g for g in self.grants if g.permission.vendor == vendor]


def permissions_of(record: ResourceRecord) -> tuple[Permission, ...] | None:
    """The permissions one registered resource needs; None when the table has no entry for it."""
    if record.type == RULESET:
        phase = _plain(record.inputs.get("phase"))
        found = RULESET_PHASES.get(phase) if isinstance(phase, str) else None
        return (found,) if found else None
    return TABLE.get(record.type)


def needs_credentials(record: ResourceRecord) -> bool:
    """Components and provider instances call no API themselves."""
    return record.custom and not record.type.startswith("pulumi:providers:") and record.type != "pulumi:pulumi:Stack"


def build_manifest(stack: str, resources: Sequence[ResourceRecord]) -> Manifest:
    grants: dict[tuple[str, str, str], Grant] = {}
    unmapped: dict[str, list[str]] = {}
    dsn: list[str] = []
    for record in resources:
        if not needs_credentials(record):
            continue
        found = permissions_of(record)
        if found is None:
            label = record.type if record.type != RULESET else f"{RULESET} (phase {_plain(record.inputs.get('phase'))})"
            unmapped.setdefault(label, []).append(record.urn)
            continue
        for permission in found:
            key = (permission.vendor, permission.level, permission.name)
            grant = grants.setdefault(key, Grant(permission, [], set(), set(), []))
            grant.resources.append(record)
            if permission.source not in grant.sources:
                grant.sources.append(permission.source)
            zone, account = _plain(record.inputs.get("zoneId")), _plain(record.inputs.get("accountId"))
            if isinstance(zone, str) and zone:
                grant.zones.add(zone)
            if isinstance(account, str) and account:
                grant.accounts.add(account)
        if record.type == "pulumi-python:dynamic/supabase:DatabaseSecurity" and record.inputs.get("db_url") not in (
                None, ""):
            dsn.append(record.urn)
    order = {"cloudflare": 0, "vercel": 1, "supabase": 2, "docker": 3, "none": 4}
    ordered = sorted(grants.values(), key=lambda g: (order.get(g.permission.vendor, 9), g.permission.level,
                                                     g.permission.name))
    return Manifest(stack, ordered, unmapped, dsn)


def _plain(value: Any) -> Any:
    if is_secret(value):
        value = unwrap(value)
    return None if is_unknown(value) else value


def _short(resource_type: str) -> str:
    return resource_type.rsplit(":", 1)[-1]


def _counts(grant: Grant) -> str:
    counts: dict[str, int] = {}
    for r in grant.resources:
        label = _short(r.type)
        if r.type == RULESET:
            label += f" ({_plain(r.inputs.get('phase'))})"
        counts[label] = counts.get(label, 0) + 1
    return ", ".join(f"{k} ×{v}" for k, v in sorted(counts.items()))


def render_text(manifest: Manifest) -> str:
    lines = [f"Credentials `pulumi up --stack {manifest.stack}` needs (derived from the resources it registers)", ""]
    cf = manifest.by_vendor("cloudflare")
    if cf:
        zones = sorted({z for g in cf for z in g.zones})
        accounts = sorted({a for g in cf for a in g.accounts})
        lines.append("Cloudflare API token (CLOUDFLARE_API_TOKEN) — a custom token with exactly these permissions:")
        for level, scope in (("zone", f"Zone Resources: Include > Specific zone > {', '.join(zones) or '?'}"),
                             ("account", f"Account Resources: Include > {', '.join(accounts) or '?'}")):
            level_grants = [g for g in cf if g.permission.level == level]
            if not level_grants:
                continue
            lines.append(f"  {level.capitalize()} permissions ({scope}):")
            for g in level_grants:
                lines.append(f"    - {level.capitalize()} / {g.permission.name.removesuffix(' Write')} / Edit  "
                             f"(API: {g.permission.name}) — for {_counts(g)}")
                lines.extend(f"      source: {source}" for source in g.sources)
        lines.append("")
    vercel = manifest.by_vendor("vercel")
    if vercel:
        lines.append("Vercel access token (VERCEL_API_TOKEN):")
        for g in vercel:
            lines.append(f"  - {g.permission.name} — for {_counts(g)}")
            lines.append(f"    source: {g.permission.source}")
        lines.append("")
    supabase = manifest.by_vendor("supabase")
    if supabase:
        scopes = [g.permission.name for g in supabase if g.permission.level == "oauth-scope"]
        lines.append("Supabase Management API (webstack:supabaseAccessToken):")
        lines.append(f"  - OAuth scopes: {' '.join(scopes)}")
        for g in supabase:
            lines.append(f"    {g.permission.name} — for {_counts(g)}")
        lines.append(f"    source: {supabase[0].permission.source}")
        lines.append("  - A personal access token (sbp_…) cannot be narrowed: it acts as its user on every "
                     "organisation the user belongs to. Use a user whose only membership is this project's "
                     "organisation, or an OAuth app limited to the scopes above.")
        if manifest.database_dsn:
            lines.append("  - The database bundle is applied over the DSN in webstack:supabaseDbUrl: that role "
                         "needs to own the declared tables (ALTER TABLE, CREATE POLICY, GRANT/REVOKE)")
        lines.append("")
    docker = manifest.by_vendor("docker")
    if docker:
        lines.append("Docker engine:")
        for g in docker:
            lines.append(f"  - {g.permission.name} — for {_counts(g)}")
            lines.append(f"    source: {g.permission.source}")
        lines.append("")
    local = manifest.by_vendor("none")
    if local:
        lines.append("No credential: " + "; ".join(_counts(g) for g in local))
        lines.append("")
    if manifest.unmapped:
        lines.append("UNMAPPED resource types (no entry in stackcheck/permissions.py; the manifest is incomplete):")
        for t, urns in sorted(manifest.unmapped.items()):
            lines.append(f"  - {t} ×{len(urns)}")
        lines.append("")
    return "\n".join(lines)


def render_json(manifest: Manifest) -> str:
    doc = {
        "stack": manifest.stack,
        "permissions": [{
            "vendor": g.permission.vendor, "level": g.permission.level, "name": g.permission.name,
            "sources": g.sources, "zones": sorted(g.zones), "accounts": sorted(g.accounts),
            "resources": [{"type": r.type, "urn": r.urn, **({"phase": _plain(r.inputs.get("phase"))}
                                                           if r.type == RULESET else {})} for r in g.resources],
        } for g in manifest.grants],
        "unmapped": {t: urns for t, urns in sorted(manifest.unmapped.items())},
        "databaseDsn": manifest.database_dsn,
    }
    return json.dumps(doc, indent=2) + "\n"


def preview_resources(project_dir: Path, stack: str) -> PreviewResult:
    """The program's registrations, run as `stackcheck preview` runs it (offline, computed outputs unknown)."""
    return run_program(project_dir, stack, dry_run=True)[0]


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="stackcheck permissions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", "-s", required=True, help="stack name (reads Pulumi.<stack>.yaml)")
    parser.add_argument("--cwd", "-C", type=Path, default=Path("."), help="Pulumi project directory (default: .)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    try:
        result = preview_resources(args.cwd.resolve(), args.stack)
    except UsageError as exc:
        print(f"stackcheck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ProgramError as exc:
        # A config error (it carries `problems`) or any failure of the program: the manifest cannot be derived.
        print(f"stackcheck: the program failed, no manifest: {exc.original}", file=sys.stderr)
        return EXIT_USAGE
    manifest = build_manifest(args.stack, result.resources)
    write_stdout(render_json(manifest) if args.format == "json" else render_text(manifest))
    return EXIT_INCOMPLETE if manifest.unmapped else EXIT_OK
