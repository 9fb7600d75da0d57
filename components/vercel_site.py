"""`webstack:index:VercelSite` — the runbook's Option A: a Vite SPA on Vercel with the standard's headers.

Registers the Vercel project (framework vite, build settings, Vercel Authentication on previews), one environment
variable per app setting with an explicit ``sensitive`` flag and targets, the apex and www domains (the
non-canonical one redirects with 308), one project route per cache class carrying the security headers and that
class's Cache-Control, and optionally a production Deployment of a `vercel build` output. Its ``files`` output
holds ``vercel/vercel.json`` for teams that deploy with the Vercel CLI or from git.

Credentials: the provider reads VERCEL_API_TOKEN from the environment; nothing here takes a token.
"""

import json
from pathlib import Path, PurePosixPath
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumiverse_vercel as vercel

from components.alerts import AlertsArgs, alerts_args_from_config, resolve_alerts, vercel_alerts
from components.config import StackConfig
from components.config.hosting import HostingConfig, VercelHosting
from components.config.rum_checks import stack_rum_beacons
from components.edge_protection import VercelFirewallArgs, register_vercel_firewall, validate_vercel_firewall
from components.intent import (
    IntentError,
    StandardArgs,
    checked,
    resolve_site_intent,
    secret_input,
    site_args_from_config,
)
from components.render.vercel import deployment_files, project_route_rules, vercel_env_entries, vercel_json
from components.standard.env import ANON_KEY, resolve_env

PROTECTION_ON = "standard_protection_new"
"""Vercel Authentication "Standard Protection": every deployment except production custom domains needs a login."""


class VercelGitRepositoryArgs(TypedDict):
    """The git repository Vercel builds from."""

    type: str
    """github, gitlab or bitbucket. Default: github."""
    repo: str
    """owner/name."""
    production_branch: NotRequired[str]
    """Pushes to this branch deploy to production. Default: main."""


class VercelSiteArgs(TypedDict):
    """What the site is (domain, build) and what it wants from the web-security standard (``standard``, the same
    intent CloudflareEdge and NginxSite take). The component derives the rest: security headers and cache classes
    (one project route per class, and ``vercel.json``), the app's environment variables, the canonical/redirect
    domains."""

    project_name: str
    """The Vercel project's name."""
    domain: str
    """The site's apex domain, e.g. example.com; the site answers on it and on www.<domain>."""
    canonical_host: NotRequired[str]
    """apex or www: which hostname serves the site; the other 308-redirects to it. Default: apex."""
    environment: NotRequired[str]
    """production, staging or development (production gets the strict rules). Default: production."""
    standard: NotRequired[StandardArgs]
    """The web-security standard's intent: ``supabase_url`` (the Supabase project's API URL: VITE_SUPABASE_URL and
    the CSP connect-src; required), header profile, CSP extras, weakenings with their reasons, rate limits, cache
    classes. Default: the strict standard (production rules when ``environment`` is production)."""
    supabase_anon_key: pulumi.Input[str]
    """The anon or publishable key (VITE_SUPABASE_ANON_KEY, a sensitive variable); never a service_role key."""
    supabase_url: NotRequired[str]
    """Deprecated: give it as ``standard.supabase_url`` (still accepted here). Default: none."""
    headers: NotRequired[dict[str, Any]]
    """Deprecated: the header choices (keys as ``webstack:headers``) now go in ``standard`` (still accepted
    here). Default: none."""
    rate_limits: NotRequired[list[dict[str, Any]]]
    """Deprecated: give them as ``standard.rate_limits`` (still accepted here). Default: none."""
    env: NotRequired[dict[str, str]]
    """The app's public build environment (NODE_ENV, VITE_* flags); VITE_SUPABASE_* come from the inputs above.
    Default: NODE_ENV=production."""
    secret_env: NotRequired[dict[str, pulumi.Input[str]]]
    """Build/server-side secret variables (never VITE_*), registered as sensitive. Default: none."""
    rum_beacons: NotRequired[list[str]]
    """Deprecated: give them as ``standard.rum_beacons`` (still accepted here). Default: none."""
    team_id: NotRequired[str]
    """Default: the provider's team."""
    node_version: NotRequired[str]
    """18.x, 20.x, 22.x or 24.x. Default: 22.x."""
    install_command: NotRequired[str]
    """Default: npm ci --include=dev (NODE_ENV=production would make npm skip vite, a devDependency)."""
    build_command: NotRequired[str]
    """Default: npm run build."""
    output_directory: NotRequired[str]
    """Default: dist."""
    git_repository: NotRequired[VercelGitRepositoryArgs]
    """Default: none (deploy with the Vercel CLI)."""
    preview_protection: NotRequired[bool]
    """Vercel Authentication on preview deployments. Default: true; false makes previews public."""
    clean_urls: NotRequired[bool]
    """vercel.json cleanUrls (/about serves about.html). Default: false."""
    trailing_slash: NotRequired[bool]
    """vercel.json trailingSlash. Default: false."""
    alerts: NotRequired[AlertsArgs | None]
    """Vercel alerts (docs/alerts.md): a webhook per destination for failed/cancelled deployments, and the
    runbook's error rate as a custom alert rule (needs Observability Plus; ``error_rate_percent: None`` leaves it
    out). E-mail targets become notifications to the team's owners. Default: none."""
    deployment_dir: NotRequired[str]
    """Where `vercel build --prod` ran (relative to the program's directory): its .vercel/output is deployed to
    production by a Deployment. Default: none (deploy from git or with `vercel deploy --prod`)."""
    firewall: NotRequired[VercelFirewallArgs | None]
    """The Vercel Firewall (keys as ``webstack:protection.vercel``): the Bot Protection and AI Bots managed rulesets
    (all plans), the OWASP Core Ruleset (Enterprise), Attack Challenge Mode (opt-in). Default: Bot Protection on
    challenge, AI Bots on deny (None: the project's firewall is left unmanaged)."""


HOSTING_KEYS = ("project_name", "team_id", "node_version", "install_command", "build_command", "output_directory",
                "git_repository", "preview_protection", "clean_urls", "trailing_slash", "deployment_dir")
"""The inputs that are ``webstack:hosting.vercel`` keys (validated by the same model)."""
HOSTING_RENAMES = {"hosting.vercel": ""}


def _slug(text: str) -> str:
    return text.lower().replace("_", "-").replace(".", "-")


class VercelSite(pulumi.ComponentResource):
    """A Vite SPA on Vercel: project, environment variables, domains, header routes and optional deployment."""

    project_id: pulumi.Output[str]
    """The Vercel project id."""
    production_url: pulumi.Output[str]
    """https://<canonical domain>."""
    domains: pulumi.Output[list[str]]
    """Every domain attached to the project, canonical first."""
    deployment_url: pulumi.Output[str | None]
    """The production Deployment's URL, or None without one."""
    files: pulumi.Output[dict[str, str]]
    """Rendered files (path -> text): ``vercel/vercel.json``, for deploys with the Vercel CLI or from git."""

    def __init__(self, name: str, args: VercelSiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("webstack:index:VercelSite", name, {}, opts)
        component = f"VercelSite '{name}'"
        section = {k: v for k, v in args.items() if k in HOSTING_KEYS and v is not None}
        hosting = checked(VercelHosting, section, component, renames=HOSTING_RENAMES)
        cfg, std = resolve_site_intent(component, args, HostingConfig.model_construct(provider="vercel",
                                                                                       vercel=hosting),
                                       args.get("supabase_anon_key"))
        if "vercel" in stack_rum_beacons(cfg):
            pulumi.log.warn(f"VercelSite {name}: Vercel Speed Insights cannot be declared (pulumiverse_vercel has no "
                            "resource or argument for it): enable it in the project's Speed Insights tab and add "
                            "@vercel/speed-insights to the app (docs/monitoring.md); the CSP already allows its "
                            "same-origin script", self)
        alert_problems: list[tuple[str, str]] = []
        alerts = resolve_alerts(args.get("alerts"), "alerts", alert_problems)
        if alert_problems:
            raise IntentError(component, alert_problems)
        firewall = None
        if args.get("firewall", {}) is not None:
            firewall, problems = validate_vercel_firewall(args.get("firewall"))
            if problems:
                raise IntentError(component, problems)
        secret_env = dict(args.get("secret_env") or {})
        child = pulumi.ResourceOptions(parent=self)
        team_id = hosting.team_id

        git = hosting.git_repository
        project = vercel.Project(
            f"{name}-project",
            name=hosting.project_name,
            framework="vite",
            install_command=hosting.install_command,
            build_command=hosting.build_command,
            output_directory=hosting.output_directory,
            node_version=hosting.node_version,
            git_repository=None if git is None else {
                "type": git.type, "repo": git.repo, "production_branch": git.production_branch},
            vercel_authentication={"deployment_type": PROTECTION_ON if hosting.preview_protection else "none"},
            team_id=team_id,
            opts=child,
        )

        if alerts is not None:
            vercel_alerts(name, alerts, project_id=project.id, domain=cfg.domain, team_id=team_id, opts=child)
        if firewall is not None:  # one FirewallConfig per project: managed rulesets (+ any custom rules) together
            register_vercel_firewall(name, project.id, team_id, firewall, self)

        env_vars = []
        for entry in vercel_env_entries(resolve_env(cfg)):
            key = entry["key"]
            if not entry["sensitive"]:
                value: Any = entry["value"]
            elif key == ANON_KEY:
                value = secret_input(args["supabase_anon_key"])
            else:
                value = secret_input(secret_env.get(key))
            env_vars.append(vercel.ProjectEnvironmentVariable(
                f"{name}-env-{_slug(key)}",
                project_id=project.id,
                key=key,
                value=value,
                sensitive=entry["sensitive"],
                targets=list(entry["targets"]),
                comment=entry.get("comment"),
                team_id=team_id,
                opts=child,
            ))

        canonical = cfg.canonical_hostname
        canonical_domain = vercel.ProjectDomain(
            f"{name}-domain-{_slug(canonical)}", project_id=project.id, domain=canonical, team_id=team_id, opts=child)
        redirects = [h for h in cfg.hostnames if h != canonical]
        for host in redirects:
            # The redirect target must already be attached to the project.
            vercel.ProjectDomain(
                f"{name}-domain-{_slug(host)}", project_id=project.id, domain=host, redirect=canonical,
                redirect_status_code=308, team_id=team_id,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[canonical_domain]))

        routes = [
            vercel.ProjectRoute(
                f"{name}-route-{_slug(route['name'])}",
                project_id=project.id,
                name=route["name"],
                description=route.get("description"),
                route={"src": route["src"], "headers": dict(route["headers"])},
                team_id=team_id,
                opts=child,
            )
            for route in project_route_rules(std)
        ]

        deployment_url: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        if hosting.deployment_dir is not None:
            base = PurePosixPath(hosting.deployment_dir.replace("\\", "/"))
            output = base / ".vercel" / "output"
            deployment = vercel.Deployment(
                f"{name}-deployment",
                project_id=project.id,
                files=deployment_files(Path(output), output.as_posix()),
                # Upload paths must start at .vercel/output for Vercel to take them as a prebuilt deployment.
                path_prefix=base.as_posix() if base.as_posix() != "." else None,
                production=True,
                team_id=team_id,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[*env_vars, *routes]),
            )
            deployment_url = deployment.url

        self.project_id = project.id
        self.production_url = pulumi.Output.from_input(f"https://{canonical}")
        self.domains = pulumi.Output.from_input([canonical, *redirects])
        self.deployment_url = deployment_url
        files = {"vercel/vercel.json": json.dumps(vercel_json(std, hosting), indent=2) + "\n"}
        self.files = pulumi.Output.from_input(files)
        self.register_outputs({
            "projectId": self.project_id,
            "productionUrl": self.production_url,
            "domains": self.domains,
            "deploymentUrl": self.deployment_url,
            "files": self.files,
        })


def vercel_site_args_from_config(cfg: StackConfig) -> VercelSiteArgs:
    """The component's intent Args for a stack whose `webstack:hosting.provider` is vercel (pure)."""
    hosting = cfg.hosting.vercel
    if hosting is None:
        raise ValueError("webstack:hosting.vercel is not set")
    args = cast(VercelSiteArgs, {
        **site_args_from_config(cfg),
        **{k: v for k, v in hosting.model_dump(exclude_none=True).items() if k in HOSTING_KEYS},
        "firewall": cfg.protection.vercel.model_dump(mode="json", exclude_unset=True),
    })
    alerts = alerts_args_from_config(cfg)
    if alerts is not None:
        args["alerts"] = alerts
    return args
