"""Property tests: any `webstack:headers` the model accepts renders to valid output on all four edges, and no
accepted value can add a header, a CSP directive, an nginx directive, a `_headers` line or a TOML key.

500 examples per renderer (hypothesis ``max_examples=500``); each example goes through the real config loader, so
what is generated is exactly what a stack file could contain.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from components.render import netlify, vercel
from components.standard import Standard, resolve_standard
from components.standard.csp import KNOWN_DIRECTIVES, Csp
from components.standard.csp import parse as parse_csp
from tests.standard.helpers import load
from tests.standard.renderings import (
    SECURITY_INCLUDE,
    as_map,
    cloudflare_headers,
    expected,
    netlify_hosting,
    netlify_toml_doc,
    nginx_directives,
    nginx_header_maps,
    nginx_security_headers,
    nginx_site,
    parse_headers_file,
    vercel_hosting,
    vercel_json_headers,
    vercel_route_headers,
    without_cache_control,
)
from tests.standard.strategies import stack_headers

pytestmark = pytest.mark.slow  # ~5-7 s per renderer: 500 configs through the real loader each

PROPERTY = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def standard_for(headers: dict[str, Any]) -> Standard:
    return resolve_standard(load("prod", environment="staging", headers=headers))


def assert_standard_is_what_was_asked(std: Standard, headers: dict[str, Any]) -> None:
    """The resolved set itself: CSP directives are known ones, each once; extra headers exactly as given."""
    csp_value = std.header_map["Content-Security-Policy"]
    directives = [part.split()[0] for part in csp_value.split(";") if part.strip()]
    assert len(directives) == len(set(directives)) and set(directives) <= KNOWN_DIRECTIVES
    assert Csp.of(parse_csp(csp_value)).render() == csp_value  # the value is its own canonical form
    managed = 8 + ("crossOriginEmbedderPolicy" in headers) + ("reportTo" in headers.get("csp", {}))
    if headers.get("profile") == "runbook":
        managed = 6
    assert len(std.headers) == managed + len(headers.get("extraHeaders", {}))
    for name, value in headers.get("extraHeaders", {}).items():
        assert std.header_map[name] == value


@PROPERTY
@given(stack_headers)
def test_nginx_rendering(headers: dict[str, Any]) -> None:
    std = standard_for(headers)
    assert_standard_is_what_was_asked(std, headers)
    files = nginx_site(std)
    directives = nginx_directives(files)  # raises on unbalanced quotes/braces anywhere in the tree
    assert nginx_security_headers(files) == list(std.headers)  # exactly N add_header … always, nothing else
    assert nginx_security_headers(files, "304") == []  # a revalidation sends none of them
    assert len(nginx_header_maps(files)) == len(std.headers)  # one map per header, nothing else in that file
    assert sum(d.words[0] == "add_header" for d in directives) == len(std.headers) + 1  # + Cache-Control
    for d in directives:
        if d.file == SECURITY_INCLUDE:
            assert d.depth == 0


@PROPERTY
@given(stack_headers)
def test_cloudflare_rendering(headers: dict[str, Any]) -> None:
    std = standard_for(headers)
    sets, removes = cloudflare_headers(std)
    assert sets == dict(std.headers)
    assert removes <= set(std.remove_headers)


@PROPERTY
@given(stack_headers)
def test_vercel_rendering(headers: dict[str, Any]) -> None:
    std = standard_for(headers)
    doc = vercel.vercel_json(std, vercel_hosting())
    assert json.loads(json.dumps(doc)) == doc
    assert set(doc) == {"$schema", "framework", "installCommand", "buildCommand", "outputDirectory", "cleanUrls",
                        "trailingSlash", "headers", "rewrites"}
    assert doc["headers"][0] == {"source": "/(.*)", "headers": [{"key": k, "value": v} for k, v in std.headers]}
    assert all([h["key"] for h in block["headers"]] == ["Cache-Control"] for block in doc["headers"][1:])
    for path in ("/", "/dashboard/x", "/assets/index-1a2b3c4d.js", "/healthz"):
        assert without_cache_control(as_map(vercel_json_headers(std, path))) == expected(std)
        route = {k.lower(): v for k, v in vercel_route_headers(std, path).items()}
        assert without_cache_control(route) == expected(std)


@PROPERTY
@given(stack_headers)
def test_netlify_rendering(headers: dict[str, Any]) -> None:
    std = standard_for(headers)
    text = netlify.headers_file(std)
    blocks = parse_headers_file(text)
    assert blocks[0] == ("/*", list(std.headers))
    assert all([name for name, _ in block_headers] == ["Cache-Control"] for _, block_headers in blocks[1:])
    assert len([line for line in text.splitlines() if line.startswith("  ")]) == sum(len(h) for _, h in blocks)
    toml_text = netlify.netlify_toml(std, netlify_hosting(), {"NODE_ENV": "production"})
    doc = tomllib.loads(toml_text)
    assert doc == netlify_toml_doc(std)
    assert set(doc) == {"build", "context", "redirects", "headers"}
    assert doc["headers"][0] == {"for": "/*", "values": dict(std.headers)}
    assert [(t["for"], list(t["values"].items())) for t in doc["headers"]] == blocks
