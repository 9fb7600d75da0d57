"""Vercel renderings of the standard: project routes (response + cache headers), `vercel.json`, env var entries.

Cache classes become *disjoint* path patterns — each later class excludes the earlier, more specific ones with
negative lookaheads — so no request ever matches two cache rules and rule order cannot change the result: Vercel
applies every matching `vercel.json` header block, and project routes are placed by the API, not by us.

Two pattern syntaxes from one definition: project routes take a PCRE ``src`` (``^/…$``); `vercel.json` takes a
path-to-regexp ``source`` (``/(…)``, which allows lookaheads and non-capturing groups but no capturing groups).
Pure: no Pulumi import.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from components.config.hosting import VercelHosting
from components.standard.env import EnvVar
from components.standard.model import CacheRule, Standard

VERCEL_JSON_SCHEMA = "https://openapi.vercel.sh/vercel.json"
ALL_TARGETS = ("production", "preview", "development")
BUILD_TARGETS = ("production", "preview")
_SPECIFICITY = {"exact": 0, "prefix": 1, "suffix": 2, "default": 3}
_REGEX_SPECIAL = re.compile(r"([.^$*+?()\[\]{}|\\])")


def _escape(text: str) -> str:
    """Escape for both PCRE and JavaScript regexes (Python's re.escape adds escapes JS rejects in unicode mode)."""
    return _REGEX_SPECIAL.sub(r"\\\1", text)


def _alternatives(patterns: Iterable[str], *, strip_slash: bool) -> str:
    parts = [_escape(p[1:] if strip_slash and p.startswith("/") else p) for p in patterns]
    return "(?:" + "|".join(parts) + ")"


def _matcher(rule: CacheRule) -> str:
    """What the rule matches in the path after its leading '/', as a regex anchored at that point."""
    if rule.match == "exact":
        return _alternatives(rule.patterns, strip_slash=True) + "$"
    if rule.match == "prefix":
        return _alternatives(rule.patterns, strip_slash=True)
    if rule.match == "suffix":
        return ".*" + _alternatives(rule.patterns, strip_slash=False) + "$"
    return ""


def ordered_cache_rules(std: Standard) -> list[CacheRule]:
    """The standard's cache rules, most specific first (exact, prefix, suffix, default); empty rules dropped."""
    rules = [r for r in std.cache_rules if r.match == "default" or r.patterns]
    return sorted(rules, key=lambda r: _SPECIFICITY[r.match])


def cache_rule_patterns(std: Standard) -> list[tuple[CacheRule, str]]:
    """(rule, body) pairs; ``body`` matches the path after its leading '/' and excludes every earlier rule."""
    out: list[tuple[CacheRule, str]] = []
    earlier: list[str] = []
    for rule in ordered_cache_rules(std):
        own = _matcher(rule)
        lookaheads = "".join(f"(?!{m})" for m in earlier)
        body = lookaheads + (own if own.endswith("$") else own + ".*")
        out.append((rule, body))
        earlier.append(own if own else ".*")
    return out


def route_src(body: str) -> str:
    """A PCRE ``src`` for a Vercel route from a pattern body."""
    return "^/" + body + ("" if body.endswith("$") else "$")


def json_source(body: str) -> str:
    """A path-to-regexp ``source`` for `vercel.json` from a pattern body."""
    return "/(" + body + ")"


def spa_rewrite_source(std: Standard) -> str:
    """Every path outside the hashed-assets prefix: a missing `/assets/…` file must 404, not return the app shell
    (which the browser would then cache as an immutable script)."""
    prefix = std.assets_prefix.lstrip("/")
    return json_source(f"(?!{_escape(prefix)}).*")


def project_route_rules(std: Standard) -> list[dict[str, Any]]:
    """One self-contained rule per cache class: every security header plus that class's Cache-Control.

    Self-contained because a project route that matches may end routing for the request; a request must never
    get the cache policy without the security headers or the other way round.
    """
    rules = []
    for rule, body in cache_rule_patterns(std):
        headers = dict(std.headers)
        headers["Cache-Control"] = rule.cache_control
        rules.append({
            "name": f"headers-{rule.asset_class}",
            "description": f"webstack standard {std.version} ({std.profile}): security headers and Cache-Control "
                           f"for {rule.asset_class}",
            "src": route_src(body),
            "headers": headers,
        })
    return rules


def vercel_json(std: Standard, hosting_cfg: VercelHosting) -> dict[str, Any]:
    """The `vercel.json` for teams deploying with the Vercel CLI or git: headers, SPA rewrite, build settings."""
    blocks: list[dict[str, Any]] = [
        {"source": "/(.*)", "headers": [{"key": k, "value": v} for k, v in std.headers]},
    ]
    for rule, body in cache_rule_patterns(std):
        blocks.append({"source": json_source(body), "headers": [{"key": "Cache-Control", "value": rule.cache_control}]})
    return {
        "$schema": VERCEL_JSON_SCHEMA,
        "framework": "vite",
        "installCommand": hosting_cfg.install_command,
        "buildCommand": hosting_cfg.build_command,
        "outputDirectory": hosting_cfg.output_directory,
        "cleanUrls": hosting_cfg.clean_urls,
        "trailingSlash": hosting_cfg.trailing_slash,
        "headers": blocks,
        "rewrites": [{"source": spa_rewrite_source(std), "destination": std.spa_fallback}],
    }


def env_targets(var: EnvVar) -> list[str]:
    """Sensitive variables cannot target Vercel's development environment; NODE_ENV stays out of it so
    `vercel dev` keeps Vite's development mode."""
    if var.secret or var.name == "NODE_ENV":
        return list(BUILD_TARGETS)
    return list(ALL_TARGETS)


def env_comment(var: EnvVar) -> str:
    if var.browser:
        return "webstack: public, compiled into the browser bundle"
    if var.secret:
        return "webstack: secret, build/server side only"
    return "webstack: build setting"


def vercel_env_entries(env: Iterable[EnvVar]) -> list[dict[str, Any]]:
    """One entry per variable: key, value (None = unknown secret), sensitive (every Pulumi secret), targets."""
    return [{"key": v.name, "value": v.value, "sensitive": v.secret, "targets": env_targets(v),
             "comment": env_comment(v)} for v in env]


def deployment_files(directory: Path, key_prefix: str) -> dict[str, str]:
    """The Vercel provider's `files` map for a Deployment: path -> "<size>~<sha1>" (what its project-directory
    data source computes), keyed ``key_prefix/relative/path`` (no prefix when empty) so the Deployment's
    ``path_prefix`` strips exactly what it must on upload."""
    prefix = key_prefix.strip("/")
    files: dict[str, str] = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        data = path.read_bytes()
        rel = path.relative_to(directory).as_posix()
        digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
        files[f"{prefix}/{rel}" if prefix else rel] = f"{len(data)}~{digest}"
    return files
