"""netlify.toml and _headers: valid TOML, parsed back they carry exactly the standard's headers, no path ever gets
two Cache-Control values under Netlify's matching, and no Pulumi secret is written."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace

import pytest
from hosting_helpers import NETLIFY, accepted_header_values, fake_jwt, load
from hypothesis import given, settings

from components.netlify_site import netlify_files
from components.render.netlify import header_blocks, headers_file, netlify_toml
from components.standard import resolve_standard
from components.standard.env import public_env, resolve_env

ANON = fake_jwt("anon", "NETLIFYANONMARKER")


def parse_headers_file(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Netlify's _headers grammar: a path line, then indented `Name: value` lines; `#` lines are comments."""
    blocks: list[tuple[str, list[tuple[str, str]]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            blocks.append((line.strip(), []))
            continue
        name, sep, value = line.strip().partition(":")
        assert sep and blocks, line
        blocks[-1][1].append((name.strip(), value.strip()))
    return blocks


def netlify_matches(pattern: str, path: str) -> bool:
    """Netlify's header path matching: `*` matches anything, across `/` too."""
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), path) is not None


@pytest.fixture(scope="module")
def cfg():  # type: ignore[no-untyped-def]
    return load(base=NETLIFY, anon_key=ANON)


@pytest.fixture(scope="module")
def std(cfg):  # type: ignore[no-untyped-def]
    return resolve_standard(cfg)


@pytest.fixture(scope="module")
def toml_doc(cfg, std):  # type: ignore[no-untyped-def]
    assert cfg.hosting.netlify is not None
    files, manual = netlify_files(cfg, cfg.hosting.netlify)  # what NetlifySite renders as its files output
    args = {"netlify_toml": files["netlify/netlify.toml"], "headers_file": files["netlify/_headers"],
            "manual_env": manual}
    return tomllib.loads(args["netlify_toml"]), args


def test_toml_is_valid_and_carries_exactly_the_standards_headers(toml_doc, std) -> None:  # type: ignore[no-untyped-def]
    doc, _ = toml_doc
    assert doc["headers"][0] == {"for": "/*", "values": dict(std.headers)}
    assert list(doc["headers"][0]["values"].items()) == list(std.headers)  # order kept too
    cache = {h["for"]: h["values"] for h in doc["headers"][1:]}
    assert all(list(v) == ["Cache-Control"] for v in cache.values())
    assert cache["/assets/*"]["Cache-Control"] == std.cache_rule("hashed-assets").cache_control
    assert cache["/healthz"]["Cache-Control"] == std.cache_rule("health").cache_control
    assert cache["/"]["Cache-Control"] == cache["/index.html"]["Cache-Control"] == std.cache_rule("html").cache_control


def test_toml_build_context_and_redirects(toml_doc) -> None:  # type: ignore[no-untyped-def]
    doc, args = toml_doc
    assert doc["build"] == {"command": "npm run build", "publish": "dist",
                            "environment": {"NODE_VERSION": "22", "NPM_FLAGS": "--include=dev"}}
    assert doc["context"]["production"]["environment"] == {
        "NODE_ENV": "production", "VITE_SUPABASE_URL": "https://cdefghijklmnopqrstuv.supabase.co",
        "VITE_ENABLE_ANALYTICS": "false"}
    assert doc["redirects"][-1] == {"from": "/*", "to": "/index.html", "status": 200}
    assert doc["redirects"][0]["from"] == "/assets/*" and doc["redirects"][0]["status"] == 404
    assert args["manual_env"] == ["VITE_SUPABASE_ANON_KEY"]


def test_secrets_are_not_written(toml_doc) -> None:  # type: ignore[no-untyped-def]
    _, args = toml_doc
    for text in (args["netlify_toml"], args["headers_file"]):
        assert "NETLIFYANONMARKER" not in text and ANON not in text
    assert "netlify env:set VITE_SUPABASE_ANON_KEY" in args["netlify_toml"]


def test_headers_file_matches_the_toml(toml_doc, std) -> None:  # type: ignore[no-untyped-def]
    doc, args = toml_doc
    parsed = parse_headers_file(args["headers_file"])
    assert parsed == [(h["for"], list(h["values"].items())) for h in doc["headers"]]
    assert parsed[0] == ("/*", list(std.headers))


@pytest.mark.parametrize("path", ["/", "/index.html", "/healthz", "/assets/app-1a2b.js", "/assets/logo-9f.png",
                                  "/favicon.ico", "/dashboard/settings", "/about.html"])
def test_no_path_gets_two_cache_policies(std, path: str) -> None:  # type: ignore[no-untyped-def]
    values = [dict(headers).get("Cache-Control") for pattern, headers in header_blocks(std)
              if netlify_matches(pattern, path)]
    assert len([v for v in values if v is not None]) <= 1, (path, values)
    security = [headers for pattern, headers in header_blocks(std) if netlify_matches(pattern, path)
                and "Content-Security-Policy" in dict(headers)]
    assert len(security) == 1


def test_node_env_development_does_not_add_npm_flags(std) -> None:  # type: ignore[no-untyped-def]
    cfg = load({"webstack:environment": "development", "webstack:env": {"NODE_ENV": "development"}},
               base=NETLIFY, anon_key=ANON)
    assert cfg.hosting.netlify is not None
    doc = tomllib.loads(netlify_toml(std, cfg.hosting.netlify, public_env(resolve_env(cfg))))
    assert "NPM_FLAGS" not in doc["build"]["environment"]
    assert doc["context"]["production"]["environment"]["NODE_ENV"] == "development"


header_values = accepted_header_values()


@settings(max_examples=200, deadline=None)
@given(value=header_values)
def test_any_accepted_header_value_round_trips_through_both_files(cfg, std, value: str) -> None:  # type: ignore[no-untyped-def]
    custom = replace(std, headers=(*std.headers, ("X-Test", value)))
    doc = tomllib.loads(netlify_toml(custom, cfg.hosting.netlify, {"NODE_ENV": "production"}))
    assert doc["headers"][0]["values"]["X-Test"] == value
    assert parse_headers_file(headers_file(custom))[0][1][-1] == ("X-Test", value)
