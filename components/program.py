"""Compose one stack from its config: the standard, Supabase, the Cloudflare edge, then the hosting option.

This is what `__main__.py` runs. Each service has its own function here (kept small: the components do the work).
Order: Supabase first (its URL feeds the CSP and the app's environment), then the Cloudflare edge (DNS, TLS,
rules; for the self-hosted option it also issues the Origin CA certificate), then the hosting option.
Everything rendered to files is emitted from config data (never from inside an ``apply``), so `--out` is complete.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi

from components import artifacts
from components.config import StackConfig
from components.standard import Standard, resolve_standard


def build_stack(cfg: StackConfig) -> dict[str, Any]:
    """Register every resource of the stack; return the stack outputs to export."""
    std = resolve_standard(cfg)
    artifacts.emit("headers.json", json.dumps(std.header_map, indent=2) + "\n")
    outputs: dict[str, Any] = {
        "environment": cfg.environment,
        "canonicalUrl": f"https://{cfg.canonical_hostname}",
        "hosting": cfg.hosting.provider,
        "standardVersion": std.version,
        "headerProfile": std.profile,
        # The pack can't see the Standard (components are invisible to policies); reasoned weakenings are exported
        # so reviewers and policies can grade them.
        "headerWeakenings": [{"setting": w.setting, "effect": w.effect, "reason": w.reason} for w in std.weakenings],
    }
    outputs.update(_supabase(cfg, std))
    edge_outputs, edge = _cloudflare(cfg, std)
    outputs.update(edge_outputs)
    if cfg.hosting.provider == "vercel":
        outputs.update(_vercel(cfg, std))
    elif cfg.hosting.provider == "netlify":
        outputs.update(_netlify(cfg, std))
    else:
        outputs.update(_nginx(cfg, std, edge))
    return outputs


def _supabase(cfg: StackConfig, std: Standard) -> dict[str, Any]:
    from components.supabase_project import SupabaseProject, supabase_args_from_config

    project = SupabaseProject("supabase", supabase_args_from_config(cfg))
    return {"supabaseUrl": project.api_url, "supabaseAnonKey": project.anon_key}


def _cloudflare(cfg: StackConfig, std: Standard) -> tuple[dict[str, Any], Any]:
    """Returns (outputs, the CloudflareEdge component or None)."""
    from components.cloudflare_edge import CloudflareEdge, cloudflare_edge_args_from_config, edge_rulesets

    args = cloudflare_edge_args_from_config(cfg, std)
    artifacts.emit("cloudflare/edge.json", json.dumps(
        {"records": args["records"], "rulesets": edge_rulesets(args)}, indent=2) + "\n")
    edge = CloudflareEdge("edge", args)
    return {"cloudflareZoneId": edge.zone_id, "dnsRecords": edge.record_names, "rulesetIds": edge.ruleset_ids,
            "canonicalUrl": edge.canonical_url}, edge


def _vercel(cfg: StackConfig, std: Standard) -> dict[str, Any]:
    from components.vercel_site import VercelSite, vercel_site_args_from_config

    site = VercelSite("web", vercel_site_args_from_config(cfg, std))
    return {"vercelProjectId": site.project_id, "productionUrl": site.production_url, "domains": site.domains}


def _netlify(cfg: StackConfig, std: Standard) -> dict[str, Any]:
    from components.netlify_site import NetlifySite, netlify_site_args_from_config

    site = NetlifySite("web", netlify_site_args_from_config(cfg, std))
    return {"netlifySite": site.site_name, "netlifyFiles": site.files, "netlifyManualEnv": site.manual_env}


def _nginx(cfg: StackConfig, std: Standard, edge: Any) -> dict[str, Any]:
    """The hardened nginx container; origin TLS from the edge's Origin CA certificate when it issues one."""
    from components.nginx_site import NginxSite, nginx_site_args_from_config, resolve_site

    assert cfg.hosting.nginx is not None
    cert = getattr(edge, "origin_certificate_pem", None)
    key = getattr(edge, "origin_private_key_pem", None)
    tls = cfg.hosting.nginx.origin_tls and cert is not None and key is not None
    if cfg.hosting.nginx.origin_tls and not tls:
        pulumi.log.warn("webstack:hosting.nginx.originTls is on but the Cloudflare edge issued no Origin CA "
                        "certificate: the origin serves plain HTTP only")
    args = nginx_site_args_from_config(cfg, tls=tls, certificate=cert, private_key=key)
    # The Docker build reads the rendered tree from the build context when the image is created, so it is on disk
    # before the component registers the image: build/<stack>/ under the project dir (the Dockerfile's COPY paths).
    site_files = resolve_site("web", args, cfg.stack).files
    for rel, content in site_files.items():
        artifacts.emit(rel, content)
    if not pulumi.runtime.is_dry_run():
        _write_build_context_files(f"build/{cfg.stack}", site_files)
    site = NginxSite("web", args)
    return {"originUrl": site.origin_url, "imageRef": site.image_ref, "containerId": site.container_id}


def _write_build_context_files(root: str, files: dict[str, str]) -> None:
    from pathlib import Path

    for rel, content in files.items():
        dest = Path(root) / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists() or dest.read_text(encoding="utf-8") != content:
            dest.write_text(content, encoding="utf-8")


def export_all(outputs: dict[str, Any]) -> None:
    for key, value in outputs.items():
        pulumi.export(key, value)
