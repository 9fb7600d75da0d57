"""Compose one stack from its config: the standard, Supabase, the Cloudflare edge, then the hosting option.

This is what `__main__.py` runs. Each service has its own function here (kept small: the components do the work).
Order: Supabase first (its URL feeds the CSP and the app's environment), then the Cloudflare edge (DNS, TLS,
rules; for the self-hosted option it also issues the Origin CA certificate), then the hosting option.
Rendered files are component outputs (``files``: path → text, known during preview); the program merges them
into the stack output ``files``, which `stackcheck preview --out` and :func:`write_files` (called by
`__main__.py`) write to disk.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import pulumi

from components import artifacts
from components.config import StackConfig
from components.standard import Standard, resolve_standard

FILES_OUTPUT = "files"
"""The stack output holding every rendered file (relative POSIX path → text)."""


def build_stack(cfg: StackConfig) -> dict[str, Any]:
    """Register every resource of the stack; return the stack outputs to export (``files`` among them)."""
    # Bridge until every component returns its files as an output: components not yet converted still emit into
    # the process-global collection, which this run starts empty and merges into ``files`` below.
    artifacts.reset()
    std = resolve_standard(cfg)
    files: list[pulumi.Output[dict[str, str]]] = [
        pulumi.Output.from_input({"headers.json": json.dumps(std.header_map, indent=2) + "\n"})]
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
    outputs.update(_supabase(cfg))
    edge = _cloudflare(cfg)
    files.append(edge.files)
    outputs.update({"cloudflareZoneId": edge.zone_id, "dnsRecords": edge.record_names,
                    "rulesetIds": edge.ruleset_ids, "canonicalUrl": edge.canonical_url})
    if cfg.hosting.provider == "vercel":
        outputs.update(_vercel(cfg, std))
    elif cfg.hosting.provider == "netlify":
        outputs.update(_netlify(cfg, std))
    else:
        nginx_outputs, nginx_files = _nginx(cfg, edge)
        outputs.update(nginx_outputs)
        files.append(nginx_files)
    files.append(pulumi.Output.from_input(artifacts.collected()))
    outputs[FILES_OUTPUT] = pulumi.Output.all(*files).apply(merge_files)
    return outputs


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


def _supabase(cfg: StackConfig) -> dict[str, Any]:
    from components.supabase_project import SupabaseProject, supabase_args_from_config

    project = SupabaseProject("supabase", supabase_args_from_config(cfg))
    return {"supabaseUrl": project.api_url, "supabaseAnonKey": project.anon_key}


def _cloudflare(cfg: StackConfig) -> Any:
    """The CloudflareEdge component (its Origin CA certificate feeds the nginx origin)."""
    from components.cloudflare_edge import CloudflareEdge, cloudflare_edge_args_from_config

    return CloudflareEdge("edge", cloudflare_edge_args_from_config(cfg))


def _vercel(cfg: StackConfig, std: Standard) -> dict[str, Any]:
    from components.vercel_site import VercelSite, vercel_site_args_from_config

    site = VercelSite("web", vercel_site_args_from_config(cfg, std))
    return {"vercelProjectId": site.project_id, "productionUrl": site.production_url, "domains": site.domains}


def _netlify(cfg: StackConfig, std: Standard) -> dict[str, Any]:
    from components.netlify_site import NetlifySite, netlify_site_args_from_config

    site = NetlifySite("web", netlify_site_args_from_config(cfg, std))
    return {"netlifySite": site.site_name, "netlifyFiles": site.files, "netlifyManualEnv": site.manual_env}


def _nginx(cfg: StackConfig, edge: Any) -> tuple[dict[str, Any], pulumi.Output[dict[str, str]]]:
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
    site = NginxSite("web", args)
    return {"originUrl": site.origin_url, "imageRef": site.image_ref, "containerId": site.container_id}, site.files


def export_all(outputs: dict[str, Any]) -> None:
    for key, value in outputs.items():
        pulumi.export(key, value)
