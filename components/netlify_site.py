"""`webstack:index:NetlifySite` — the runbook's Option B: Netlify, configured by rendered files.

No Netlify provider is part of this stack, so the component registers no provider resource: it emits
``netlify/netlify.toml`` and ``netlify/_headers`` (deployed with `netlify deploy --prod`, see docs/hosting.md) and
reports which variables must be set with `netlify env:set` because they are Pulumi secrets. DNS for the site comes
from the Cloudflare edge component.
"""

from typing import NotRequired, TypedDict

import pulumi

from components import artifacts
from components.config import StackConfig
from components.render.netlify import headers_file, netlify_toml
from components.standard import Standard
from components.standard.env import public_env, resolve_env


class NetlifySiteArgs(TypedDict):
    site_name: str
    """The Netlify site's name."""
    netlify_toml: str
    """Content of netlify.toml (build, production environment, redirects, [[headers]])."""
    headers_file: str
    """Content of _headers (the same header rules, for deploys without netlify.toml)."""
    manual_env: NotRequired[list[str]]
    """Variables to set with `netlify env:set` (Pulumi secrets, never written to a file). Default: none."""


class NetlifySite(pulumi.ComponentResource):
    """A site on Netlify, configured by the rendered netlify.toml and _headers (no provider resources)."""

    site_name: pulumi.Output[str]
    """The Netlify site name."""
    files: pulumi.Output[list[str]]
    """Artifact paths of the rendered files, relative to the artifact dir."""
    manual_env: pulumi.Output[list[str]]
    """Variable names to set with `netlify env:set … --context production`."""

    def __init__(self, name: str, args: NetlifySiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("webstack:index:NetlifySite", name, {}, opts)
        written = [artifacts.emit("netlify/netlify.toml", args["netlify_toml"]),
                   artifacts.emit("netlify/_headers", args["headers_file"])]
        self.site_name = pulumi.Output.from_input(args["site_name"])
        self.files = pulumi.Output.from_input(written)
        self.manual_env = pulumi.Output.from_input(list(args.get("manual_env", [])))
        self.register_outputs({"siteName": self.site_name, "files": self.files, "manualEnv": self.manual_env})


def netlify_site_args_from_config(cfg: StackConfig, std: Standard) -> NetlifySiteArgs:
    """The component's args for a stack whose `webstack:hosting.provider` is netlify (pure)."""
    hosting = cfg.hosting.netlify
    if hosting is None:
        raise ValueError("webstack:hosting.netlify is not set")
    env = resolve_env(cfg)
    manual = [v.name for v in env if v.secret]
    return {
        "site_name": hosting.site_name,
        "netlify_toml": netlify_toml(std, hosting, public_env(env), manual),
        "headers_file": headers_file(std),
        "manual_env": manual,
    }
