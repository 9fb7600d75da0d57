"""Purge Cloudflare's cache after a deploy: a Python dynamic resource replaced whenever the deployed site's identity
changes (the Vercel deployment, the nginx image digest), whose create sends one purge request.

Cloudflare API: ``POST /zones/{zone_id}/purge_cache`` (developers.cloudflare.com/api/resources/cache/methods/purge/)
with exactly one of ``{"purge_everything": true}``, ``{"files": [url, …]}``, ``{"prefixes": ["host/path", …]}`` or
``{"hosts": [host, …]}``; limits per request and plan in developers.cloudflare.com/cache/how-to/purge-cache/
(:mod:`components.config.protection` checks them at the config boundary, :func:`body_problems` again here).
Authorization: ``Bearer <API token>`` with the zone permission *Cache Purge* (``stackcheck permissions``).

The token is read when the provider runs, from ``CLOUDFLARE_API_TOKEN`` (what the Cloudflare provider reads too);
it is never an input, so it is neither in the state nor in a preview. Registers as
``pulumi-python:dynamic/cloudflare:CachePurge`` (its own type token, so the pack and the permission manifest can
find it). Replacing or deleting it purges nothing more (a purge cannot be undone); an update only changes the
plumbing (the API base URL).
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ResourceProvider, UpdateResult

TOKEN_ENV = "CLOUDFLARE_API_TOKEN"  # noqa: S105 (the variable's name, not a token)
DEFAULT_API_BASE = "https://api.cloudflare.com/client/v4"
PURGE_KINDS = ("purge_everything", "files", "prefixes", "hosts")
_ZONE = re.compile(r"[0-9a-f]{32}\Z")
TIMEOUT_SECONDS = 30


class CachePurgeError(Exception):
    """A purge Cloudflare refused or could not be reached (the message names the zone, never the token)."""


def body_problems(body: Any) -> list[tuple[str, str]]:
    """The documented body shape: one kind, a non-empty list of strings (or ``purge_everything: true``)."""
    if not isinstance(body, dict) or len(body) != 1 or next(iter(body)) not in PURGE_KINDS:
        return [("body", f"must have exactly one of {', '.join(PURGE_KINDS)}")]
    (kind, value), = body.items()
    if kind == "purge_everything":
        return [] if value is True else [("body.purge_everything", "must be true")]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        return [(f"body.{kind}", "must be a non-empty list of strings")]
    return []


class CachePurgeProvider(ResourceProvider):
    """Inputs: ``zone_id``, ``trigger`` (the deploy identity; a change replaces the resource, i.e. purges again),
    ``body`` (the purge request), ``api_base_url``. Output ``purge_id``: Cloudflare's id of the purge."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = [CheckFailure(p, m) for p, m in body_problems(news.get("body"))]
        if not isinstance(news.get("zone_id"), str) or not _ZONE.match(news["zone_id"]):
            failures.append(CheckFailure("zone_id", "must be the 32-hex zone id"))
        if not isinstance(news.get("trigger"), str) or not news["trigger"]:
            failures.append(CheckFailure("trigger", "must be the deploy's identity (a non-empty string)"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [k for k in ("zone_id", "trigger", "body") if olds.get(k) != news.get(k)]
        plumbing = ["api_base_url"] if olds.get("api_base_url") != news.get("api_base_url") else []
        return DiffResult(changes=bool(replaces or plumbing), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        purge_id = purge(str(props.get("api_base_url") or DEFAULT_API_BASE), str(props["zone_id"]),
                         dict(props["body"]))
        return CreateResult(f"{props['zone_id']}/{purge_id}", outs={**props, "purge_id": purge_id})

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs={**news, "purge_id": olds.get("purge_id")})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None  # a purge cannot be undone; nothing to remove


def purge(api_base: str, zone_id: str, body: dict[str, Any]) -> str:
    """Send one purge request; return Cloudflare's purge id. The token comes from ``CLOUDFLARE_API_TOKEN``."""
    problems = body_problems(body)
    if problems:
        raise CachePurgeError("; ".join(f"{k}: {m}" for k, m in problems))
    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        raise CachePurgeError(f"no Cloudflare API token: set {TOKEN_ENV} (a token with the zone permission "
                              "Cache Purge; see `python -m stackcheck permissions`) where pulumi runs")
    if not api_base.startswith(("https://", "http://127.0.0.1:")):
        raise CachePurgeError(f"the Cloudflare API base must be https:// (got {api_base!r})")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        f"{api_base.rstrip('/')}/zones/{zone_id}/purge_cache", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (scheme checked above)
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise CachePurgeError(f"Cloudflare refused the cache purge of zone {zone_id} (HTTP {exc.code}): "
                              f"{_errors(exc.read())}") from None
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as exc:
        raise CachePurgeError(f"the cache purge of zone {zone_id} did not complete: {exc}") from None
    if not isinstance(answer, dict) or answer.get("success") is not True:
        raise CachePurgeError(f"Cloudflare refused the cache purge of zone {zone_id}: {_errors(answer)}")
    result = answer.get("result") or {}
    return str(result.get("id") or "") if isinstance(result, dict) else ""


def _errors(raw: Any) -> str:
    try:
        data = json.loads(raw) if isinstance(raw, bytes | str) else raw
        errors = data.get("errors") or []
        return "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors if isinstance(e, dict)) or "no detail"
    except (ValueError, AttributeError):
        return "no detail"


class CachePurge(pulumi.dynamic.Resource, module="cloudflare", name="CachePurge"):
    """One purge of a zone's cache per deploy identity (``trigger``)."""

    purge_id: pulumi.Output[str]
    """Cloudflare's id of the purge request."""

    def __init__(self, name: str, *, zone_id: str, trigger: pulumi.Input[str], body: dict[str, Any],
                 api_base_url: str = DEFAULT_API_BASE, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(CachePurgeProvider(), name, {"zone_id": zone_id, "trigger": trigger, "body": body,
                                                      "api_base_url": api_base_url, "purge_id": None}, opts)
