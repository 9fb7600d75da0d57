"""Netlify renderings of the standard: `_headers` and `netlify.toml` (build, production env, SPA redirect, headers).

Netlify applies every header rule whose path matches and joins repeated header names with commas, and its ``*``
matches across ``/``. So the security headers go on ``/*`` and each Cache-Control goes only on paths no other
Cache-Control rule can match: exact paths, prefixes, and for the HTML class the app shell (``/`` and the SPA
fallback). A suffix rule such as ``/*.png`` would also match ``/assets/logo-3f2a.png`` and merge two policies, so
other suffix classes and the default class are left to Netlify's own default (``public, max-age=0,
must-revalidate``: revalidate every time, never staler than the standard).

TOML is written with ``tomli_w`` and parsed back with ``tomllib`` before it is returned.
Pure: no Pulumi import.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

import tomli_w

from components.config.hosting import NetlifyHosting
from components.standard.model import CacheRule, Standard

HeaderBlock = tuple[str, tuple[tuple[str, str], ...]]


def _cache_paths(std: Standard, rule: CacheRule) -> list[str]:
    if rule.match == "exact":
        return list(rule.patterns)
    if rule.match == "prefix":
        return [p + "*" if p.endswith("/") else p + "/*" for p in rule.patterns]
    if rule.match == "suffix" and any(std.spa_fallback.endswith(s) for s in rule.patterns):
        return ["/", std.spa_fallback]
    return []


def header_blocks(std: Standard) -> list[HeaderBlock]:
    """(path, headers) in file order: the security headers on ``/*``, then Cache-Control per expressible path."""
    blocks: list[HeaderBlock] = [("/*", tuple(std.headers))]
    seen = {"/*"}
    for rule in std.cache_rules:
        for path in _cache_paths(std, rule):
            if path not in seen:
                seen.add(path)
                blocks.append((path, (("Cache-Control", rule.cache_control),)))
    return blocks


def _banner(std: Standard) -> str:
    return (f"# Rendered by webstack from the web-security standard {std.version} (profile {std.profile}).\n"
            "# Edit the stack config, not this file: `make preview` renders it again.\n")


def headers_file(std: Standard) -> str:
    """The `_headers` file (for the publish directory) carrying the same rules as netlify.toml's [[headers]]."""
    lines = [_banner(std).rstrip("\n"), "# Ship either this file or netlify.toml's [[headers]], not both: Netlify "
             "would join the repeated values with commas."]
    for path, headers in header_blocks(std):
        lines.append("")
        lines.append(path)
        lines.extend(f"  {name}: {value}" for name, value in headers)
    return "\n".join(lines) + "\n"


def netlify_document(std: Standard, hosting_cfg: NetlifyHosting, public_env: Mapping[str, str]) -> dict[str, Any]:
    """The netlify.toml content as data (what :func:`netlify_toml` serialises)."""
    build_env = {"NODE_VERSION": hosting_cfg.node_version}
    if public_env.get("NODE_ENV") == "production":
        # npm skips devDependencies (vite among them) when NODE_ENV=production; Netlify passes NPM_FLAGS to its
        # own `npm install`.
        build_env["NPM_FLAGS"] = "--include=dev"
    assets = std.assets_prefix if std.assets_prefix.endswith("/") else std.assets_prefix + "/"
    return {
        "build": {"command": hosting_cfg.build_command, "publish": hosting_cfg.publish_dir, "environment": build_env},
        "context": {"production": {"environment": dict(public_env)}},
        "redirects": [
            # A missing hashed asset must 404 rather than fall through to the app shell below.
            {"from": assets + "*", "to": "/404.html", "status": 404},
            {"from": "/*", "to": std.spa_fallback, "status": 200},
        ],
        "headers": [{"for": path, "values": dict(headers)} for path, headers in header_blocks(std)],
    }


def netlify_toml(std: Standard, hosting_cfg: NetlifyHosting, public_env: Mapping[str, str],
                 manual_env: Sequence[str] = ()) -> str:
    """netlify.toml; ``public_env`` goes to the production context, ``manual_env`` names (Pulumi secrets such as
    the anon key) are only listed in a comment: they are set with `netlify env:set`, never written here."""
    doc = netlify_document(std, hosting_cfg, public_env)
    body = tomli_w.dumps(doc)
    if tomllib.loads(body) != doc:
        raise ValueError("netlify.toml does not round-trip through TOML")
    banner = _banner(std)
    if manual_env:
        banner += ("# Set from Pulumi secrets, not in this file: "
                   + ", ".join(f"netlify env:set {name} <value> --context production" for name in manual_env) + "\n")
    return banner + "\n" + body
