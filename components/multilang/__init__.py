"""The webstack component package: every public component, hosted for other Pulumi languages.

`package/__main__.py` serves :func:`public_components` through :class:`~components.multilang.provider.WebstackProvider`
(``pulumi package add <repo>/package``); `tools.schema` writes the same provider's schema to
``package/schema.json`` and the reference pages under ``docs/reference/``.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pulumi

PACKAGE_NAME = "webstack"
"""The schema's package name: tokens are ``webstack:index:<Class>``, and the generated SDKs are named after it."""

PACKAGE_VERSION = "0.1.0"
"""Kept equal to pyproject.toml's version (a test checks): SDKs generated from the schema carry it."""

PUBLIC_COMPONENT_MODULES = (
    "components.cloudflare_edge",
    "components.vercel_site",
    "components.netlify_site",
    "components.nginx_site",
    "components.supabase_project",
    "components.web_app",
)
"""Modules whose ComponentResource classes form the package (a test fails when a component is left out)."""


def public_components() -> "list[type[pulumi.ComponentResource]]":
    """The component classes the package hosts, in a stable order (imported lazily: the providers are heavy)."""
    from components.cloudflare_edge import CloudflareEdge
    from components.netlify_site import NetlifySite
    from components.nginx_site import NginxSite
    from components.supabase_project import SupabaseProject
    from components.vercel_site import VercelSite
    from components.web_app import WebApp

    return [WebApp, CloudflareEdge, VercelSite, NetlifySite, NginxSite, SupabaseProject]
