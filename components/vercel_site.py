"""`webstack:index:VercelSite` — the runbook's Option A: a Vite SPA on Vercel with the standard's headers.

Registers the Vercel project (framework vite, build settings, Vercel Authentication on previews), one environment
variable per app setting with an explicit ``sensitive`` flag and targets, the apex and www domains (the
non-canonical one redirects with 308), one project route per cache class carrying the security headers and that
class's Cache-Control, and optionally a production Deployment of a `vercel build` output. It also emits
``vercel/vercel.json`` for teams that deploy with the Vercel CLI or from git.

Credentials: the provider reads VERCEL_API_TOKEN from the environment; nothing here takes a token.
"""

import json
from pathlib import Path, PurePosixPath
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumiverse_vercel as vercel

from components import artifacts
from components.config import StackConfig
from components.render.vercel import deployment_files, project_route_rules, vercel_env_entries, vercel_json
from components.standard import Standard
from components.standard.env import resolve_env

PROTECTION_ON = "standard_protection_new"
"""Vercel Authentication "Standard Protection": every deployment except production custom domains needs a login."""


class VercelGitRepositoryArgs(TypedDict):
    """The git repository Vercel builds from."""

    type: str
    """github, gitlab or bitbucket."""
    repo: str
    """owner/name."""
    production_branch: NotRequired[str]
    """Pushes to this branch deploy to production. Default: main."""


class VercelEnvVarArgs(TypedDict):
    """One project environment variable."""

    key: str
    """The variable's name."""
    sensitive: bool
    """Sensitive values cannot be read back from the dashboard or API, and cannot target development."""
    targets: list[str]
    """Any of production, preview, development."""
    value: NotRequired[pulumi.Input[str] | None]
    """The value; sensitive values are registered as Pulumi secrets. None on a sensitive variable = unknown during
    preview (an offline run that cannot decrypt the stack's secrets). Default: none (sensitive variables only)."""
    comment: NotRequired[str]
    """Shown in the Vercel dashboard. Default: none."""


class VercelRouteArgs(TypedDict):
    """A project route that sets response headers."""

    name: str
    """Route name, unique in the project (also the child resource's name suffix)."""
    src: str
    """A PCRE path pattern."""
    headers: dict[str, str]
    """Response headers set on every matching request."""
    description: NotRequired[str]
    """Default: none."""


class VercelSiteArgs(TypedDict):
    project_name: str
    """The Vercel project's name."""
    canonical_domain: str
    """The hostname the site is served on (apex or www)."""
    redirect_domains: NotRequired[list[str]]
    """Hostnames that 308-redirect to the canonical one. Default: none."""
    team_id: NotRequired[str | None]
    """Default: the provider's team."""
    framework: NotRequired[str]
    """Default: vite."""
    install_command: NotRequired[str]
    """Default: npm ci --include=dev (NODE_ENV=production would make npm skip vite, a devDependency)."""
    build_command: NotRequired[str]
    """Default: npm run build."""
    output_directory: NotRequired[str]
    """Default: dist."""
    node_version: NotRequired[str]
    """Default: 22.x."""
    git_repository: NotRequired[VercelGitRepositoryArgs | None]
    """Default: none (deploy with the Vercel CLI)."""
    preview_protection: NotRequired[bool]
    """Vercel Authentication on preview deployments. Default: true; false makes previews public."""
    environment: NotRequired[list[VercelEnvVarArgs]]
    """Default: none."""
    routes: NotRequired[list[VercelRouteArgs]]
    """Project routes (response headers). Default: none."""
    vercel_json: NotRequired[str | None]
    """Content emitted as the artifact vercel/vercel.json. Default: none."""
    deployment_files: NotRequired[dict[str, str] | None]
    """A `vercel build` output as the provider's files map (path -> "size~sha1"). Default: no Deployment."""
    deployment_path_prefix: NotRequired[str | None]
    """Stripped from the file paths on upload (the directory `vercel build` ran in). Default: none."""


async def _resolved(value: Any) -> Any:
    return value


def _unknown_secret() -> pulumi.Output[str]:
    """A secret whose value is unknown, as a preview shows a value it cannot decrypt."""
    return pulumi.Output(set(), _resolved(None), _resolved(False), _resolved(True))


def _env_value(entry: VercelEnvVarArgs) -> pulumi.Input[str] | None:
    value = entry.get("value")
    if not entry["sensitive"]:
        if value is None:
            raise ValueError(f"environment variable {entry['key']}: a value is required unless it is sensitive")
        return value
    return _unknown_secret() if value is None else pulumi.Output.secret(value)


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

    def __init__(self, name: str, args: VercelSiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("webstack:index:VercelSite", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        team_id = args.get("team_id")
        if args.get("vercel_json"):
            artifacts.emit("vercel/vercel.json", str(args["vercel_json"]))

        git = args.get("git_repository")
        project = vercel.Project(
            f"{name}-project",
            name=args["project_name"],
            framework=args.get("framework", "vite"),
            install_command=args.get("install_command", "npm ci --include=dev"),
            build_command=args.get("build_command", "npm run build"),
            output_directory=args.get("output_directory", "dist"),
            node_version=args.get("node_version", "22.x"),
            git_repository=None if not git else {
                "type": git["type"], "repo": git["repo"], "production_branch": git.get("production_branch", "main")},
            vercel_authentication={
                "deployment_type": PROTECTION_ON if args.get("preview_protection", True) else "none"},
            team_id=team_id,
            opts=child,
        )

        env_vars = [
            vercel.ProjectEnvironmentVariable(
                f"{name}-env-{_slug(entry['key'])}",
                project_id=project.id,
                key=entry["key"],
                value=_env_value(entry),
                sensitive=entry["sensitive"],
                targets=list(entry["targets"]),
                comment=entry.get("comment"),
                team_id=team_id,
                opts=child,
            )
            for entry in args.get("environment", [])
        ]

        canonical = args["canonical_domain"]
        canonical_domain = vercel.ProjectDomain(
            f"{name}-domain-{_slug(canonical)}", project_id=project.id, domain=canonical, team_id=team_id, opts=child)
        redirects = list(args.get("redirect_domains", []))
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
            for route in args.get("routes", [])
        ]

        deployment_url: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        files = args.get("deployment_files")
        if files:
            deployment = vercel.Deployment(
                f"{name}-deployment",
                project_id=project.id,
                files=dict(files),
                path_prefix=args.get("deployment_path_prefix"),
                production=True,
                team_id=team_id,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[*env_vars, *routes]),
            )
            deployment_url = deployment.url

        self.project_id = project.id
        self.production_url = pulumi.Output.from_input(f"https://{canonical}")
        self.domains = pulumi.Output.from_input([canonical, *redirects])
        self.deployment_url = deployment_url
        self.register_outputs({
            "projectId": self.project_id,
            "productionUrl": self.production_url,
            "domains": self.domains,
            "deploymentUrl": self.deployment_url,
        })


def vercel_site_args_from_config(cfg: StackConfig, std: Standard) -> VercelSiteArgs:
    """The component's args for a stack whose `webstack:hosting.provider` is vercel (pure: no resource created)."""
    hosting = cfg.hosting.vercel
    if hosting is None:
        raise ValueError("webstack:hosting.vercel is not set")
    canonical = cfg.canonical_hostname
    args: VercelSiteArgs = {
        "project_name": hosting.project_name,
        "canonical_domain": canonical,
        "redirect_domains": [h for h in cfg.hostnames if h != canonical],
        "team_id": hosting.team_id,
        "framework": "vite",
        "install_command": hosting.install_command,
        "build_command": hosting.build_command,
        "output_directory": hosting.output_directory,
        "node_version": hosting.node_version,
        "preview_protection": hosting.preview_protection,
        "environment": cast(list[VercelEnvVarArgs], vercel_env_entries(resolve_env(cfg))),
        "routes": cast(list[VercelRouteArgs], project_route_rules(std)),
        "vercel_json": json.dumps(vercel_json(std, hosting), indent=2) + "\n",
    }
    if hosting.git_repository is not None:
        repo = hosting.git_repository
        args["git_repository"] = {"type": repo.type, "repo": repo.repo, "production_branch": repo.production_branch}
    if hosting.deployment_dir is not None:
        base = PurePosixPath(hosting.deployment_dir.replace("\\", "/"))
        output = base / ".vercel" / "output"
        args["deployment_files"] = deployment_files(Path(output), output.as_posix())
        if base.as_posix() != ".":
            # Upload paths must start at .vercel/output for Vercel to take them as a prebuilt deployment.
            args["deployment_path_prefix"] = base.as_posix()
    return args
