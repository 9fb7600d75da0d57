"""Helpers for the component package tests: the schema, and each component's args for an example stack."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi

from components.config import StackConfig
from components.multilang.provider import WebstackProvider
from components.stack_config import read_pulumi_config
from components.standard import Standard, resolve_standard
from stackcheck.engine import run_program
from stackcheck.model import PreviewResult, ResourceRecord
from tests.conftest import files_output

REPO = Path(__file__).resolve().parents[2]

# Stand-ins for the Origin CA certificate and key: only their passage through the component matters here.
TEST_CERT = "-----BEGIN CERTIFICATE-----\nTESTCERT\n-----END CERTIFICATE-----\n"
TEST_KEY = "-----BEGIN PRIVATE KEY-----\nTESTKEY\n-----END PRIVATE KEY-----\n"


@functools.cache
def provider() -> WebstackProvider:
    return WebstackProvider()


def schema() -> dict[str, Any]:
    return provider().schema_doc


def token(component: str) -> str:
    return f"webstack:index:{component}"


def _edge(cfg: StackConfig, std: Standard) -> Any:
    from components.cloudflare_edge import cloudflare_edge_args_from_config

    return cloudflare_edge_args_from_config(cfg)


def _vercel(cfg: StackConfig, std: Standard) -> Any:
    from components.vercel_site import vercel_site_args_from_config

    return vercel_site_args_from_config(cfg)


def _netlify(cfg: StackConfig, std: Standard) -> Any:
    from components.netlify_site import netlify_site_args_from_config

    return netlify_site_args_from_config(cfg)


def _nginx(cfg: StackConfig, std: Standard) -> Any:
    from components.nginx_site import nginx_site_args_from_config

    return nginx_site_args_from_config(cfg, tls=True, certificate=TEST_CERT, private_key=TEST_KEY)


def _supabase(cfg: StackConfig, std: Standard) -> Any:
    from components.supabase_project import supabase_args_from_config

    return supabase_args_from_config(cfg)


def _web_app(cfg: StackConfig, std: Standard) -> Any:
    from components.web_app import web_app_args_from_config

    return web_app_args_from_config(cfg)


ArgsBuilder = Callable[[StackConfig, Standard], Any]

CASES: dict[str, tuple[str, str, ArgsBuilder]] = {
    # id: (stack, component, args from that stack's config)
    "cloudflare-edge-prod": ("prod", "CloudflareEdge", _edge),
    "cloudflare-edge-selfhosted": ("selfhosted", "CloudflareEdge", _edge),
    "vercel-site": ("prod", "VercelSite", _vercel),
    "netlify-site": ("netlify", "NetlifySite", _netlify),
    "nginx-site": ("selfhosted", "NginxSite", _nginx),
    "supabase-project": ("prod", "SupabaseProject", _supabase),
    "web-app-prod": ("prod", "WebApp", _web_app),
    "web-app-netlify": ("netlify", "WebApp", _web_app),
}


def stack_args(builder: ArgsBuilder) -> Any:
    """Inside a program run: the component's args from the running stack's config."""
    cfg = read_pulumi_config(pulumi.get_project(), pulumi.get_stack())
    return builder(cfg, resolve_standard(cfg))


def run(stack: str, program: Callable[[], Any]) -> tuple[PreviewResult, dict[str, str]]:
    """One offline run of ``program`` on ``stack``'s config; returns what registered and the rendered files: the
    stack output ``files`` when the program exports one (as `__main__.py` does), else none."""
    result, _ = run_program(REPO, stack, program=program)
    return result, files_output(result) if "files" in result.outputs else {}


def comparable(record: ResourceRecord) -> tuple[Any, ...]:
    """What must be identical between a native and a hosted construction of the same component."""
    return (record.urn, record.type, record.custom, record.parent, record.provider, record.inputs,
            sorted(record.dependencies), record.property_dependencies)
