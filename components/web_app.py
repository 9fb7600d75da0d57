"""`webstack:index:WebApp` — the whole stack from one set of intent Args: Supabase, the Cloudflare edge, the hosting.

The Args are the ``webstack:`` stack config (docs/config.md), key for key: the domain, the hosting option and its
settings, the Cloudflare zone, the Supabase project, header choices with reasoned weakenings, rate limits, the
app's environment — plus the secrets as inputs. They are checked by the stack config's own models and rules (every
error names its input), then the component resolves the standard and composes its children: ``supabase``
(SupabaseProject), ``edge`` (CloudflareEdge) and ``web`` (VercelSite, NetlifySite or NginxSite). A Pulumi YAML or
TypeScript program thus gets the same stack as `__main__.py` from about one page of input (examples/yaml).

The children keep the names and URNs they had as top-level resources before WebApp existed: each carries an alias
to its old parent (the stack), so existing stacks adopt them without replacing anything.
"""

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, NotRequired, TypedDict, cast

import pulumi

from components.config import ConfigError, StackConfig
from components.config.stack import SECURE_PLACEHOLDER
from components.intent import (
    IntentError,
    RateLimitArgs,
    checked,
    dump_fields,
    input_path,
    plain_or_placeholder,
    rate_limit_args,
    secret_input,
)
from components.standard import resolve_standard

SECRET_INPUTS = ("supabase_anon_key", "supabase_db_url", "supabase_smtp_password", "supabase_function_secrets",
                 "secret_env", "alert_webhooks")
CONFIG_KEYS = ("environment", "domain", "canonical_host", "hosting", "cloudflare", "supabase", "headers",
               "rate_limits", "env", "performance", "alerts", "protection")
"""The inputs that are ``webstack:`` stack config keys (validated as one stack config)."""


class WebAppArgs(TypedDict):
    """The stack's intent: the ``webstack:`` config keys (docs/config.md) and the secrets they refer to."""

    domain: str
    """The apex domain of the site (the Cloudflare zone), e.g. example.com."""
    hosting: dict[str, Any]
    """``provider`` (vercel, netlify or nginx) and that option's settings (``webstack:hosting``)."""
    cloudflare: dict[str, Any]
    """The Cloudflare zone in front of the site: zoneId, accountId, proxied, caa, extraRecords, healthcheck, …
    (``webstack:cloudflare``)."""
    supabase: dict[str, Any]
    """The Supabase project: projectRef, auth, postgrest, database, … (``webstack:supabase``)."""
    supabase_anon_key: pulumi.Input[str]
    """The anon or publishable key (a secret; never a service_role key)."""
    environment: NotRequired[str]
    """production, staging or development (production gets the strict rules). Default: production."""
    canonical_host: NotRequired[str]
    """apex or www: which hostname serves the site; the other redirects to it. Default: apex."""
    headers: NotRequired[dict[str, Any]]
    """Header profile, extra CSP sources and weakenings with their reasons (``webstack:headers``). Default:
    strict."""
    rate_limits: NotRequired[list[RateLimitArgs]]
    """Rate-limited paths (``webstack:rateLimits``, the same shape as CloudflareEdge's ``standard.rate_limits``).
    Default: /api/* 100/min, /auth/* 20/min."""
    env: NotRequired[dict[str, str]]
    """The app's public build environment (``webstack:env``). Default: NODE_ENV=production."""
    performance: NotRequired[dict[str, Any]]
    """Core Web Vitals targets (lcpMs, inpMs, cls, ttfbMs) and real-user monitoring (``rum``: enabled, providers,
    autoInstall, lite) (``webstack:performance``). Default: the runbook's targets with INP for FID; RUM off."""
    protection: NotRequired[dict[str, Any]]
    """Edge protection (``webstack:protection``): WAF managed rulesets, bot protection, security level, browser
    check, URL normalisation, the Vercel Firewall, the cache purge after a deploy. Default: all on, per plan."""
    secret_env: NotRequired[dict[str, pulumi.Input[str]]]
    """Build/server-side secret variables (``webstack:secretEnv``). Default: none."""
    supabase_db_url: NotRequired[pulumi.Input[str]]
    """A postgresql:// DSN to apply the database bundle directly (secret). Default: the Management API."""
    supabase_smtp_password: NotRequired[pulumi.Input[str]]
    """The custom SMTP password for ``supabase.auth.smtp`` (secret). Default: none."""
    supabase_function_secrets: NotRequired[pulumi.Input[dict[str, str]]]
    """Edge Function secret values, name -> value, for ``supabase.functionSecrets`` (secret). Default: none."""
    alerts: NotRequired[dict[str, Any]]
    """Alerts as code (``webstack:alerts``, docs/alerts.md): e-mail and webhook targets, which alerts to declare.
    Default: none."""
    alert_webhooks: NotRequired[pulumi.Input[str]]
    """The webhook destinations' values, a JSON object name -> {"url", "secret"} (secret; names =
    ``alerts.webhooks``). Default: none."""


class WebApp(pulumi.ComponentResource):
    """A Vite + Supabase app in production: Supabase settings and RLS, the Cloudflare edge, and its hosting."""

    canonical_url: pulumi.Output[str]
    """https://<canonical hostname>."""
    hosting: pulumi.Output[str]
    """The hosting option: vercel, netlify or nginx."""
    standard_version: pulumi.Output[str]
    """The version of the web-security standard the stack was rendered with."""
    header_profile: pulumi.Output[str]
    """strict or runbook."""
    header_weakenings: pulumi.Output[list[dict[str, str]]]
    """Every reasoned weakening of the standard (setting, effect, reason), for reviewers and policies."""
    supabase_url: pulumi.Output[str]
    """The Supabase API URL."""
    supabase_anon_key: pulumi.Output[str]
    """The anon/publishable key (secret)."""
    cloudflare_zone_id: pulumi.Output[str]
    """The Cloudflare zone id."""
    files: pulumi.Output[dict[str, str]]
    """Every rendered file of the stack (path -> text): headers.json, the edge's rules, the hosting's files, the
    database bundle."""

    def __init__(self, name: str, args: WebAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("webstack:index:WebApp", name, {}, opts)
        self._args = args
        cfg = web_app_config(name, args)
        std = resolve_standard(cfg)
        self.exports: dict[str, Any] = {
            "environment": cfg.environment,
            "canonicalUrl": f"https://{cfg.canonical_hostname}",
            "hosting": cfg.hosting.provider,
            "standardVersion": std.version,
            "headerProfile": std.profile,
            # The pack can't see the Standard (components are invisible to policies); reasoned weakenings are
            # exported so reviewers and policies can grade them.
            "headerWeakenings": [{"setting": w.setting, "effect": w.effect, "reason": w.reason}
                                 for w in std.weakenings],
            # The targets RUM dashboards and the lab bench judge against (ms; CLS unitless).
            "performanceTargets": cfg.performance.thresholds(),
        }
        """The stack outputs the repository's program exports (names as in docs/stackcheck.md)."""
        own_files = {"headers.json": json.dumps(std.header_map, indent=2) + "\n"}
        # Children keep their URNs from before WebApp: they used to be parented by the stack.
        child = pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)])
        files: list[pulumi.Output[dict[str, str]]] = [pulumi.Output.from_input(own_files)]

        from components.supabase_project import SupabaseProject

        supabase = SupabaseProject("supabase", self._supabase_args(cfg, args), child)
        files.append(supabase.files)
        self.exports.update({"supabaseUrl": supabase.api_url, "supabaseAnonKey": supabase.anon_key})
        edge = self._edge(cfg, child, files)
        self._deploy_identity: pulumi.Output[str] | None = None
        if cfg.hosting.provider == "vercel":
            self._vercel(cfg, args, child, files)
        elif cfg.hosting.provider == "netlify":
            self._netlify(cfg, args, child, files)
        else:
            self._nginx(cfg, edge, child, files)
        if self._deploy_identity is not None:
            # Purge Cloudflare's cache once per deployed identity (the Vercel deployment, the nginx image).
            from components.edge_protection import register_purge_on_deploy

            register_purge_on_deploy(f"{name}-purge-on-deploy", cfg.cloudflare.zone_id, self._deploy_identity,
                                     cfg.protection.purge_on_deploy, pulumi.ResourceOptions(parent=self))

        self.canonical_url = pulumi.Output.from_input(f"https://{cfg.canonical_hostname}")
        self.hosting = pulumi.Output.from_input(cfg.hosting.provider)
        self.standard_version = pulumi.Output.from_input(std.version)
        self.header_profile = pulumi.Output.from_input(std.profile)
        self.header_weakenings = pulumi.Output.from_input(self.exports["headerWeakenings"])
        self.supabase_url = supabase.api_url
        self.supabase_anon_key = supabase.anon_key
        self.cloudflare_zone_id = edge.zone_id
        self.files = pulumi.Output.all(*files).apply(merge_files)
        self.register_outputs({"canonicalUrl": self.canonical_url, "hosting": self.hosting,
                               "standardVersion": self.standard_version, "headerProfile": self.header_profile,
                               "headerWeakenings": self.header_weakenings, "supabaseUrl": self.supabase_url,
                               "supabaseAnonKey": self.supabase_anon_key,
                               "cloudflareZoneId": self.cloudflare_zone_id, "files": self.files})

    @staticmethod
    def _supabase_args(cfg: StackConfig, args: WebAppArgs) -> Any:
        from components.supabase_project import supabase_args_from_config

        project = dict(supabase_args_from_config(cfg, require_token=False))
        project["anon_key"] = secret_input(args["supabase_anon_key"])
        if args.get("supabase_db_url") is not None:
            project["db_url"] = secret_input(args.get("supabase_db_url"))
        if args.get("supabase_smtp_password") is not None:
            project["smtp_password"] = secret_input(args.get("supabase_smtp_password"))
        if cfg.supabase.function_secrets:
            if args.get("supabase_function_secrets") is None:
                raise IntentError("WebApp", [(
                    "supabaseFunctionSecrets", "required for supabase.functionSecrets: name -> value (a secret)")])
            project["function_secret_values"] = secret_input(args.get("supabase_function_secrets"))
        return project

    def _edge(self, cfg: StackConfig, child: pulumi.ResourceOptions,
              files: list[pulumi.Output[dict[str, str]]]) -> Any:
        from components.cloudflare_edge import CloudflareEdge, cloudflare_edge_args_from_config

        edge_args = cloudflare_edge_args_from_config(cfg)
        self._alert_webhooks(cast(dict[str, Any], edge_args))
        edge = CloudflareEdge("edge", edge_args, child)
        files.append(edge.files)
        self.exports.update({"cloudflareZoneId": edge.zone_id, "dnsRecords": edge.record_names,
                             "rulesetIds": edge.ruleset_ids, "canonicalUrl": edge.canonical_url})
        rum = cfg.performance.rum
        if rum.enabled and "cloudflare" in rum.providers:
            # Public by design (every page with the snippet carries it): the app embeds it when not auto-installed.
            self.exports.update({"webAnalyticsSiteTag": edge.web_analytics_site_tag,
                                 "webAnalyticsSiteToken": edge.web_analytics_site_token})
        elif cfg.is_prod and not rum.enabled:
            pulumi.log.warn("webstack:performance.rum is off on a production stack: nothing declares the runbook's "
                            "'Core Web Vitals monitoring active' (docs/monitoring.md)", self)
        return edge

    def _alert_webhooks(self, component_args: dict[str, Any]) -> None:
        """Webhook values given as an output (not a plain JSON string) reach the component as outputs."""
        from components.alerts import webhooks_from_output

        value = self._args.get("alert_webhooks")
        if component_args.get("alerts") is not None and value is not None and not isinstance(value, str):
            component_args["alerts"] = webhooks_from_output(component_args["alerts"], value)

    def _vercel(self, cfg: StackConfig, args: WebAppArgs, child: pulumi.ResourceOptions,
                files: list[pulumi.Output[dict[str, str]]]) -> None:
        from components.vercel_site import VercelSite, vercel_site_args_from_config

        site_args = vercel_site_args_from_config(cfg)
        _secrets_from_inputs(cast(dict[str, Any], site_args), args)
        self._alert_webhooks(cast(dict[str, Any], site_args))
        site = VercelSite("web", site_args, child)
        files.append(site.files)
        if cfg.hosting.vercel is not None and cfg.hosting.vercel.deployment_dir is not None:
            self._deploy_identity = site.deployment_url.apply(lambda url: url or "")
        self.exports.update({"vercelProjectId": site.project_id, "productionUrl": site.production_url,
                             "domains": site.domains})

    def _netlify(self, cfg: StackConfig, args: WebAppArgs, child: pulumi.ResourceOptions,
                 files: list[pulumi.Output[dict[str, str]]]) -> None:
        from components.netlify_site import NetlifySite, netlify_site_args_from_config

        site_args = netlify_site_args_from_config(cfg)
        _secrets_from_inputs(cast(dict[str, Any], site_args), args)
        site = NetlifySite("web", site_args, child)
        files.append(site.files)
        self.exports.update({"netlifySite": site.site_name, "netlifyFiles": site.files.apply(list),
                             "netlifyManualEnv": site.manual_env})

    def _nginx(self, cfg: StackConfig, edge: Any, child: pulumi.ResourceOptions,
               files: list[pulumi.Output[dict[str, str]]]) -> None:
        outputs, site_files = nginx_site(cfg, edge, child)
        files.append(site_files)
        # The image digest names what runs; waiting for the container means the purge follows the new container.
        self._deploy_identity = pulumi.Output.all(outputs["imageRef"], outputs["containerId"]).apply(
            lambda v: str(v[0] or ""))
        self.exports.update(outputs)


def nginx_site(cfg: StackConfig, edge: Any, opts: pulumi.ResourceOptions | None = None
               ) -> tuple[dict[str, Any], pulumi.Output[dict[str, str]]]:
    """The hardened nginx container; origin TLS from the edge's Origin CA certificate. Returns (outputs, files)."""
    from components.nginx_site import NginxSite, nginx_site_args_from_config, resolve_site

    assert cfg.hosting.nginx is not None
    # The edge issues an Origin CA certificate exactly when the nginx origin serves TLS (originTls).
    tls = cfg.hosting.nginx.origin_tls
    cert = edge.origin_certificate_pem if tls else None
    key = edge.origin_private_key_pem if tls else None
    args = nginx_site_args_from_config(cfg, tls=tls, certificate=cert, private_key=key)
    # The Docker build reads the rendered tree from the build context when the image is created, so it is on disk
    # before the component registers the image: build/<stack>/ under the project dir (the Dockerfile's COPY paths).
    if not pulumi.runtime.is_dry_run():
        write_files(Path("build") / cfg.stack, resolve_site("web", args, cfg.stack).files)
    site = NginxSite("web", args, opts)
    return {"originUrl": site.origin_url, "imageRef": site.image_ref, "containerId": site.container_id}, site.files


FILES_OUTPUT = "files"
"""The stack output holding every rendered file (relative POSIX path → text)."""


def merge_files(parts: list[Mapping[str, str]]) -> dict[str, str]:
    """One map of every rendered file; a path rendered twice with different text is a bug and fails."""
    merged: dict[str, str] = {}
    for part in parts:
        for path, text in part.items():
            rel = check_file_path(path)
            if merged.get(rel, text) != text:
                raise ValueError(f"rendered file {rel!r} comes from two components with different content")
            merged[rel] = text
    return dict(sorted(merged.items()))


def check_file_path(path: str) -> str:
    """A rendered file's path must be relative and stay inside the output dir."""
    p = PurePosixPath(path)
    if not path or p.is_absolute() or ".." in p.parts or "\\" in path:
        raise ValueError(f"rendered file path must be relative and stay inside the output dir: {path!r}")
    return p.as_posix()


FILE_MODE = 0o666
"""What ``open(..., "w")`` asks for; the process umask takes away the rest."""


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_files(root: Path, files: Mapping[str, str]) -> list[Path]:
    """Write every file under ``root`` (each replaced atomically: a reader never sees half a file)."""
    written = []
    for path, text in sorted(files.items()):
        dest = root / check_file_path(path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            # mkstemp makes 0600 files; these are public by contract and e.g. COPYed into an image whose server
            # runs as another user, so they get the mode a plain write would (0644 under the usual umask).
            os.chmod(tmp, FILE_MODE & ~_umask())
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(dest)
    return written


def _secrets_from_inputs(site_args: dict[str, Any], args: WebAppArgs) -> None:
    """The hosting's secrets come from WebApp's inputs (which may be other resources' outputs), not the config."""
    site_args["supabase_anon_key"] = secret_input(args["supabase_anon_key"])
    if args.get("secret_env"):
        site_args["secret_env"] = {k: secret_input(v) for k, v in sorted((args.get("secret_env") or {}).items())}


def web_app_config(name: str, args: WebAppArgs) -> StackConfig:
    """The Args as a stack config, checked by its models and cross-section rules (errors name the input).
    Secrets that are outputs (unknown, or another resource's) are checked where they are known."""
    raw: dict[str, Any] = {k: v for k, v in args.items() if k in CONFIG_KEYS and v is not None}
    raw.update({"project": pulumi.get_project() or "webstack", "stack": pulumi.get_stack() or "dev",
                "supabase_anon_key": plain_or_placeholder(args.get("supabase_anon_key")),
                # The Management API token is read by the settings provider when it runs, never an input.
                "supabase_access_token": SECURE_PLACEHOLDER,
                "secret_env": {k: plain_or_placeholder(v) for k, v in (args.get("secret_env") or {}).items()}})
    for key in ("supabase_db_url", "supabase_smtp_password", "alert_webhooks"):
        if args.get(key) is not None:
            raw[key] = plain_or_placeholder(args.get(key))
    from components.config.checks import check_rules
    from components.stack_config import RULES

    component = f"WebApp '{name}'"
    cfg = checked(StackConfig, raw, component)
    try:
        return check_rules(cfg, RULES)
    except ConfigError as exc:
        raise IntentError(component, [(input_path(k), m) for k, m in exc.problems]) from None


def web_app_args_from_config(cfg: StackConfig) -> WebAppArgs:
    """The WebApp Args for a stack config: its ``webstack:`` keys as written, secrets as secret inputs."""
    from components.supabase_project import function_secret_values, require_access_token

    require_access_token(cfg)
    fields = dump_fields(cfg)
    args: dict[str, Any] = {k: fields[k] for k in CONFIG_KEYS if k in fields}
    if "rate_limits" in args:
        args["rate_limits"] = rate_limit_args(cfg.rate_limits)
    args["domain"] = cfg.domain
    args["hosting"] = fields["hosting"]
    args["cloudflare"] = fields["cloudflare"]
    args["supabase"] = fields["supabase"]
    # Plain values (or the offline placeholder): WebApp makes them secret inputs itself, and checks known ones.
    args["supabase_anon_key"] = cfg.supabase_anon_key.get_secret_value()
    if cfg.secret_env:
        args["secret_env"] = {k: v.get_secret_value() for k, v in sorted(cfg.secret_env.items())}
    if cfg.supabase_db_url is not None:
        args["supabase_db_url"] = cfg.supabase_db_url.get_secret_value()
    smtp_password = getattr(cfg, "supabase_smtp_password", None)
    if smtp_password is not None:
        args["supabase_smtp_password"] = smtp_password.get_secret_value()
    values = function_secret_values(cfg)
    if values is not None:
        args["supabase_function_secrets"] = values
    if cfg.alert_webhooks is not None:
        args["alert_webhooks"] = cfg.alert_webhooks.get_secret_value()
    return cast(WebAppArgs, args)
