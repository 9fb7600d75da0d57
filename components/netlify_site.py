"""`webstack:index:NetlifySite` — the runbook's Option B: Netlify, configured by rendered files.

No Netlify Pulumi provider is published on PyPI, so the component registers no provider resource and says so: its
rendered ``netlify/netlify.toml`` and ``netlify/_headers`` are its ``files`` output (written by the program to
``build/<stack>/``, or by `stackcheck preview --out`), deployed with `netlify deploy --prod` (docs/hosting.md), and
it reports which variables must be set with `netlify env:set` because they are Pulumi secrets. DNS for the site
comes from the Cloudflare edge component.
"""

from typing import Any, NotRequired, TypedDict, cast

import pulumi

from components.config import StackConfig
from components.config.hosting import HostingConfig, NetlifyHosting
from components.intent import StandardArgs, checked, resolve_site_intent, site_args_from_config
from components.render.netlify import headers_file, netlify_toml
from components.standard import Standard, resolve_standard
from components.standard.env import public_env, resolve_env


class NetlifySiteArgs(TypedDict):
    """What the site is (domain, build) and what it wants from the web-security standard (``standard``, the same
    intent CloudflareEdge and NginxSite take); the component renders ``netlify.toml`` and ``_headers`` from it."""

    site_name: str
    """The Netlify site's name."""
    domain: str
    """The site's apex domain, e.g. example.com; the site answers on it and on www.<domain>."""
    canonical_host: NotRequired[str]
    """apex or www: which hostname serves the site. Default: apex."""
    environment: NotRequired[str]
    """production, staging or development (production gets the strict rules). Default: production."""
    standard: NotRequired[StandardArgs]
    """The web-security standard's intent: ``supabase_url`` (the Supabase project's API URL: VITE_SUPABASE_URL and
    the CSP connect-src; required), header profile, CSP extras, weakenings with their reasons, rate limits, cache
    classes. Default: the strict standard (production rules when ``environment`` is production)."""
    supabase_anon_key: pulumi.Input[str]
    """The anon or publishable key; a secret, so it is never written to netlify.toml: set it with
    `netlify env:set` (listed in ``manualEnv``)."""
    supabase_url: NotRequired[str]
    """Deprecated: give it as ``standard.supabase_url`` (still accepted here). Default: none."""
    headers: NotRequired[dict[str, Any]]
    """Deprecated: the header choices (keys as ``webstack:headers``) now go in ``standard`` (still accepted
    here). Default: none."""
    rate_limits: NotRequired[list[dict[str, Any]]]
    """Deprecated: give them as ``standard.rate_limits`` (still accepted here). Default: none."""
    env: NotRequired[dict[str, str]]
    """The app's public build environment (NODE_ENV, VITE_* flags). Default: NODE_ENV=production."""
    secret_env: NotRequired[dict[str, pulumi.Input[str]]]
    """Build-side secret variables: only their names are used (listed in ``manualEnv``). Default: none."""
    rum_beacons: NotRequired[list[str]]
    """Deprecated: give them as ``standard.rum_beacons`` (still accepted here). Default: none."""
    build_command: NotRequired[str]
    """Default: npm run build."""
    publish_dir: NotRequired[str]
    """Default: dist."""
    node_version: NotRequired[str]
    """Default: 22."""


HOSTING_KEYS = ("site_name", "build_command", "publish_dir", "node_version")
"""The inputs that are ``webstack:hosting.netlify`` keys (validated by the same model)."""


class NetlifySite(pulumi.ComponentResource):
    """A site on Netlify, configured by its rendered netlify.toml and _headers (no provider resources)."""

    site_name: pulumi.Output[str]
    """The Netlify site name."""
    files: pulumi.Output[dict[str, str]]
    """Rendered files (path -> text): ``netlify/netlify.toml`` and ``netlify/_headers``, deployed with the site
    (`netlify deploy --prod` from that directory; docs/hosting.md)."""
    manual_env: pulumi.Output[list[str]]
    """Variable names to set with `netlify env:set … --context production`."""

    def __init__(self, name: str, args: NetlifySiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("webstack:index:NetlifySite", name, {}, opts)
        component = f"NetlifySite '{name}'"
        section = {k: v for k, v in args.items() if k in HOSTING_KEYS and v is not None}
        hosting = checked(NetlifyHosting, section, component, renames={"hosting.netlify": ""})
        cfg, std = resolve_site_intent(component, args, HostingConfig.model_construct(provider="netlify",
                                                                                       netlify=hosting),
                                       args.get("supabase_anon_key"))
        files, manual = netlify_files(cfg, hosting, std)
        self.site_name = pulumi.Output.from_input(hosting.site_name)
        self.files = pulumi.Output.from_input(files)
        self.manual_env = pulumi.Output.from_input(manual)
        self.register_outputs({"siteName": self.site_name, "files": self.files, "manualEnv": self.manual_env})


def netlify_files(cfg: StackConfig, hosting: NetlifyHosting,
                  std: Standard | None = None) -> tuple[dict[str, str], list[str]]:
    """The rendered files and the variables to set by hand (Pulumi secrets), for a validated config and its
    standard (resolved from the config when not given; pure)."""
    std = std or resolve_standard(cfg)
    env = resolve_env(cfg)
    manual = [v.name for v in env if v.secret]
    files = {
        "netlify/netlify.toml": netlify_toml(std, hosting, public_env(env), manual),
        "netlify/_headers": headers_file(std),
    }
    return files, manual


def netlify_site_args_from_config(cfg: StackConfig) -> NetlifySiteArgs:
    """The component's intent Args for a stack whose `webstack:hosting.provider` is netlify (pure)."""
    hosting = cfg.hosting.netlify
    if hosting is None:
        raise ValueError("webstack:hosting.netlify is not set")
    return cast(NetlifySiteArgs, {**site_args_from_config(cfg), **hosting.model_dump(exclude_none=True)})
