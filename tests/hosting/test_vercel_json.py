"""vercel.json and the project route rules: parsed back, they carry exactly the standard's headers, and every
path gets exactly one cache policy (the patterns are disjoint, so order cannot matter)."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import jsonschema
import pytest
from hosting_helpers import accepted_header_values, load, with_vercel
from hypothesis import given, settings

from components.render.vercel import (
    cache_rule_patterns,
    project_route_rules,
    spa_rewrite_source,
    vercel_env_entries,
    vercel_json,
)
from components.standard import resolve_standard
from components.standard.env import resolve_env
from components.standard.model import check_header

SAMPLE_PATHS = {
    "/": "default", "/healthz": "health", "/assets/index-3f2a9c.js": "hashed-assets",
    "/assets/logo-77aa.png": "hashed-assets", "/assets/page.html": "hashed-assets", "/index.html": "html",
    "/legal/terms.html": "html", "/favicon.ico": "static", "/robots.txt": "static", "/site.webmanifest": "static",
    "/img/hero.png": "static", "/dashboard": "default", "/dashboard/settings": "default", "/healthz/extra": "default",
    "/assetsx/a.js": "default",
}


def _path_to_regexp(source: str) -> re.Pattern[str]:
    """How Vercel (path-to-regexp 6, end=true, strict=false) compiles a ``/(…)`` source with a custom group."""
    assert source.startswith("/(") and source.endswith(")"), source
    assert not re.search(r"\((?!\?)", source[2:-1]), "path-to-regexp rejects capturing groups inside a pattern"
    return re.compile("^/(" + source[2:-1] + r")[/#?]?\Z", re.IGNORECASE)


@pytest.fixture(scope="module")
def cfg():  # type: ignore[no-untyped-def]
    return load(with_vercel(cleanUrls=True))


@pytest.fixture(scope="module")
def std(cfg):  # type: ignore[no-untyped-def]
    return resolve_standard(cfg)


def test_vercel_json_carries_exactly_the_standards_headers(cfg, std) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(json.dumps(vercel_json(std, cfg.hosting.vercel)))
    first = doc["headers"][0]
    assert first["source"] == "/(.*)"
    assert [(h["key"], h["value"]) for h in first["headers"]] == list(std.headers)
    cache_blocks = doc["headers"][1:]
    assert [b["headers"] for b in cache_blocks] == [[{"key": "Cache-Control", "value": r.cache_control}]
                                                    for r, _ in cache_rule_patterns(std)]
    assert {r.asset_class for r, _ in cache_rule_patterns(std)} == {r.asset_class for r in std.cache_rules}


def test_vercel_json_shape(cfg, std) -> None:  # type: ignore[no-untyped-def]
    doc = vercel_json(std, cfg.hosting.vercel)
    assert "routes" not in doc  # legacy routes would disable headers/rewrites
    assert doc["cleanUrls"] is True and doc["trailingSlash"] is False
    assert doc["framework"] == "vite" and doc["outputDirectory"] == "dist"
    assert doc["rewrites"] == [{"source": spa_rewrite_source(std), "destination": "/index.html"}]
    schema = {  # the parts of https://openapi.vercel.sh/vercel.json this file uses
        "type": "object",
        "properties": {
            "headers": {"type": "array", "maxItems": 2048, "items": {
                "type": "object", "required": ["source", "headers"], "additionalProperties": False,
                "properties": {"source": {"type": "string", "maxLength": 4096}, "headers": {
                    "type": "array", "items": {"type": "object", "required": ["key", "value"],
                                               "additionalProperties": False,
                                               "properties": {"key": {"type": "string", "maxLength": 4096},
                                                              "value": {"type": "string", "maxLength": 4096}}}}}}},
            "rewrites": {"type": "array", "items": {"type": "object", "required": ["source", "destination"]}},
            "cleanUrls": {"type": "boolean"}, "trailingSlash": {"type": "boolean"},
        },
    }
    jsonschema.validate(doc, schema)


@pytest.mark.parametrize(("path", "expected"), sorted(SAMPLE_PATHS.items()))
def test_each_path_matches_exactly_one_cache_rule(std, path: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    doc = vercel_json(std, load().hosting.vercel)
    json_hits = [b["headers"][0]["value"] for b in doc["headers"][1:] if _path_to_regexp(b["source"]).match(path)]
    route_hits = [r for r in project_route_rules(std) if re.match(r["src"], path)]
    assert json_hits == [std.cache_rule(expected).cache_control]
    assert [r["name"] for r in route_hits] == [f"headers-{expected}"]


def test_spa_rewrite_skips_hashed_assets(std) -> None:  # type: ignore[no-untyped-def]
    rewrite = _path_to_regexp(spa_rewrite_source(std))
    assert rewrite.match("/dashboard/settings") and rewrite.match("/")
    assert not rewrite.match("/assets/missing-abc123.js")


def test_project_routes_are_self_contained(std) -> None:  # type: ignore[no-untyped-def]
    rules = project_route_rules(std)
    assert [r["name"] for r in rules] == [f"headers-{r.asset_class}" for r, _ in cache_rule_patterns(std)]
    for rule in rules:
        headers = dict(rule["headers"])
        cache = headers.pop("Cache-Control")
        assert list(headers.items()) == list(std.headers)
        assert cache in {r.cache_control for r in std.cache_rules}
        re.compile(rule["src"])


def test_runbook_profile_headers_flow_through(cfg) -> None:  # type: ignore[no-untyped-def]
    runbook = resolve_standard(load({"webstack:headers": {"profile": "runbook", "weakeningReason": "comparison"}}))
    doc = vercel_json(runbook, cfg.hosting.vercel)
    assert [(h["key"], h["value"]) for h in doc["headers"][0]["headers"]] == list(runbook.headers)


def test_env_entries_sensitive_and_targets() -> None:
    from hosting_helpers import fake_jwt

    cfg = load(anon_key=fake_jwt("anon"), secret_env={"SENTRY_AUTH_TOKEN": "sntrys_x"})
    entries = {e["key"]: e for e in vercel_env_entries(resolve_env(cfg))}
    assert entries["VITE_SUPABASE_ANON_KEY"]["sensitive"] is True
    assert entries["VITE_SUPABASE_ANON_KEY"]["targets"] == ["production", "preview"]
    assert entries["SENTRY_AUTH_TOKEN"]["sensitive"] is True
    assert entries["SENTRY_AUTH_TOKEN"]["targets"] == ["production", "preview"]
    assert entries["VITE_SUPABASE_URL"]["sensitive"] is False
    assert entries["VITE_SUPABASE_URL"]["targets"] == ["production", "preview", "development"]
    assert entries["NODE_ENV"] == {"key": "NODE_ENV", "value": "production", "sensitive": False,
                                   "targets": ["production", "preview"], "comment": "webstack: build setting"}


header_values = accepted_header_values()


@settings(max_examples=200, deadline=None)
@given(value=header_values)
def test_any_accepted_header_value_round_trips_through_json(cfg, std, value: str) -> None:  # type: ignore[no-untyped-def]
    custom = replace(std, headers=(*std.headers, ("X-Test", value)))
    doc = json.loads(json.dumps(vercel_json(custom, cfg.hosting.vercel)))
    assert doc["headers"][0]["headers"][-1] == {"key": "X-Test", "value": value}


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "tab\there", "nul\x00", "\u00e9t\u00e9", " padded",
                                   "a\\b", "${x}"])
def test_header_values_that_would_break_a_format_are_refused_by_the_standard(value: str) -> None:
    with pytest.raises(ValueError, match="X-Test"):
        check_header("X-Test", value)
