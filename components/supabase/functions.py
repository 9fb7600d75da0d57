"""Supabase Edge Functions deployed as code: one Pulumi dynamic resource per function.

Management API (vendored OpenAPI document, tests/fixtures/supabase/):
- ``POST /v1/projects/{ref}/functions/deploy?slug=…`` (``FunctionDeployBody``, ``multipart/form-data``): a
  ``metadata`` part (``entrypoint_path`` required; ``name``, ``verify_jwt``, ``import_map_path``,
  ``static_patterns``) and one ``file`` part per source file. It creates the function or deploys a new version;
  the answer (``DeployFunctionResponse``) carries ``version`` and ``status``.
- ``GET /v1/projects/{ref}/functions/{function_slug}`` — what is deployed (refresh sees ``verify_jwt`` drift);
- ``DELETE /v1/projects/{ref}/functions/{function_slug}``.

The source is a directory of the Pulumi project (``supabase/functions/<slug>`` by the Supabase CLI's convention).
The program reads it when it runs and records a SHA-256 digest of every file as an input, so a change to any
file is an update in `pulumi preview`; at deploy time the provider reads the directory again and refuses to
deploy if it no longer matches what was previewed (nothing half-applied: the function keeps its version).

Registers as ``pulumi-python:dynamic/supabase:EdgeFunction`` so the pack can require JWT verification (or a
waiver with its reason). Like the other Supabase resources, the Management API token is read at run time from
the stack config key named by ``access_token_config`` — never an input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from components.config.function_source import SLUG, FunctionSourceError, collect_sources, source_digest
from components.config.supabase import EdgeFunctionConfig
from components.supabase.provider import _ManagementProvider, _secret_opts


def deploy_metadata(props: dict[str, Any]) -> dict[str, Any]:
    """The ``metadata`` part of ``FunctionDeployBody`` for the resource's inputs."""
    meta: dict[str, Any] = {"entrypoint_path": props["entrypoint_path"], "verify_jwt": bool(props["verify_jwt"]),
                            "name": props.get("name") or props["slug"]}
    if props.get("import_map_path"):
        meta["import_map_path"] = props["import_map_path"]
    if props.get("static_patterns"):
        meta["static_patterns"] = list(props["static_patterns"])
    return meta


def edge_function_inputs(fn: EdgeFunctionConfig) -> dict[str, Any]:
    """The resource's inputs for a function of the config: its sources are read now, so `pulumi preview` shows a
    changed file as an update of this function (and the deploy refuses sources that changed since)."""
    assert fn.source is not None
    try:
        files = collect_sources(Path(fn.source))
    except (FunctionSourceError, OSError) as exc:
        raise FunctionSourceError(f"webstack:supabase.functions[{fn.slug}].source: {exc}") from None
    return {"slug": fn.slug, "name": fn.name or fn.slug, "source_dir": fn.source,
            "source_sha256": source_digest(files), "source_files": [path for path, _ in files],
            "entrypoint_path": fn.entrypoint, "verify_jwt": fn.verify_jwt,
            "verify_jwt_waiver": fn.verify_jwt_waiver, "import_map_path": fn.import_map,
            "static_patterns": list(fn.static_patterns)}


class EdgeFunctionProvider(_ManagementProvider):
    """Inputs: ``project_ref``, ``slug``, ``name``, ``source_dir`` (relative to the Pulumi project directory),
    ``source_sha256``, ``source_files`` (paths), ``entrypoint_path``, ``verify_jwt``, ``verify_jwt_waiver``,
    ``import_map_path``, ``static_patterns``, ``access_token_config``, ``api_base_url``.
    Outputs add ``version``, ``status`` and ``function_id`` (from the API)."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        slug = news.get("slug")
        if not isinstance(slug, str) or not SLUG.match(slug):
            failures.append(CheckFailure("slug", "must start with a letter; letters, digits, '_' and '-' only"))
        files = news.get("source_files")
        if not isinstance(files, list) or not files:
            failures.append(CheckFailure("source_files", "the source directory has no files"))
        elif news.get("entrypoint_path") not in files:
            failures.append(CheckFailure("entrypoint_path", f"{news.get('entrypoint_path')!r} is not among the "
                                                            "function's source files"))
        if news.get("verify_jwt") is False and not str(news.get("verify_jwt_waiver") or "").strip():
            failures.append(CheckFailure("verify_jwt_waiver", "turning JWT verification off needs a reason"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [k for k in ("project_ref", "slug") if olds.get(k) != news.get(k)]
        watched = ("name", "source_sha256", "source_files", "entrypoint_path", "verify_jwt", "verify_jwt_waiver",
                   "import_map_path", "static_patterns", "source_dir", "access_token_config", "api_base_url")
        changed = [k for k in watched if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(replaces or changed), replaces=replaces, delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = self._deploy(props)
        return CreateResult(f"{props['project_ref']}/functions/{props['slug']}", outs=outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self._deploy(news))

    def _deploy(self, props: dict[str, Any]) -> dict[str, Any]:
        directory = Path(str(props["source_dir"]))
        files = collect_sources(directory)
        if source_digest(files) != props["source_sha256"]:
            raise FunctionSourceError(
                f"Edge Function {props['slug']}: the files under {directory} changed after the preview that "
                "planned this deployment; nothing was deployed — run `pulumi up` again to deploy what is there now")
        answer = self.client(props).deploy_function(str(props["project_ref"]), str(props["slug"]),
                                                    deploy_metadata(props), files)
        return {**props, "version": answer.get("version"), "status": answer.get("status"),
                "function_id": answer.get("id")}

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        deployed = self.client(props).get_function(str(props["project_ref"]), str(props["slug"]))
        if deployed is None:
            return ReadResult(None, {})  # deleted outside Pulumi: refresh drops it, the next up recreates it
        observed = {**props, "version": deployed.get("version"), "status": deployed.get("status"),
                    "function_id": deployed.get("id")}
        for key in ("verify_jwt", "entrypoint_path"):
            if key in deployed:
                observed[key] = deployed[key]
        return ReadResult(id_, observed)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        self.client(props).delete_function(str(props["project_ref"]), str(props["slug"]))


class EdgeFunction(pulumi.dynamic.Resource, module="supabase", name="EdgeFunction"):
    """One Supabase Edge Function, deployed from a directory of the project through the Management API."""

    version: pulumi.Output[int]
    """The version Supabase gave the last deployment."""
    status: pulumi.Output[str]
    """``ACTIVE``, ``REMOVED`` or ``THROTTLED``."""

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(EdgeFunctionProvider(), name, {"version": None, "status": None, "function_id": None,
                                                        **props}, _secret_opts(opts))
