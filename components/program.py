"""Compose one stack from its config: one WebApp, whose intent Args are the stack's `webstack:` config.

This is what `__main__.py` runs. `WebApp` resolves the standard and composes Supabase, the Cloudflare edge and the
hosting option (components/web_app.py); this module only turns the validated config into its Args and returns the
stack outputs to export. Rendered files are component outputs (``files``: path → text, known during preview);
WebApp merges them and the program exports the map as the stack output ``files``, which `stackcheck preview --out`
and :func:`write_files` (called by `__main__.py`) write to disk.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.config import StackConfig
from components.web_app import FILES_OUTPUT, check_file_path, merge_files, write_files

__all__ = ["FILES_OUTPUT", "build_stack", "check_file_path", "export_all", "merge_files", "write_files"]


def build_stack(cfg: StackConfig) -> dict[str, Any]:
    """Register every resource of the stack; return the stack outputs to export (``files`` among them)."""
    from components.web_app import WebApp, web_app_args_from_config

    app = WebApp("app", web_app_args_from_config(cfg))
    return {**app.exports, FILES_OUTPUT: app.files}


def _nginx(cfg: StackConfig, edge: Any) -> tuple[dict[str, Any], pulumi.Output[dict[str, str]]]:
    """The nginx hosting alone (its tests build it beside a hand-made edge); WebApp composes the same.
    Returns (outputs, files)."""
    from components.web_app import nginx_site

    return nginx_site(cfg, edge)


def export_all(outputs: dict[str, Any]) -> None:
    for key, value in outputs.items():
        pulumi.export(key, value)
