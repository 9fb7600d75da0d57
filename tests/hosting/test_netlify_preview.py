"""Offline preview of the netlify stack: the NetlifySite component renders its files and registers no provider."""

from __future__ import annotations

import tomllib

from hosting_helpers import NETLIFY, REPO, fake_jwt, load, preview

from components.standard import resolve_standard
from stackcheck.wire import unwrap


def test_netlify_stack_renders_both_files_and_no_vercel_resources() -> None:
    result, files = preview(REPO, "netlify", secret_overrides={"webstack:supabaseAnonKey": fake_jwt("anon", "NTL")})
    (site,) = [r for r in result.resources if r.type == "webstack:index:NetlifySite"]
    assert [r for r in result.resources if r.parent == site.urn] == []  # files only, no provider resource
    assert not [r for r in result.resources if r.type.startswith("vercel:")]
    assert unwrap(result.outputs["netlifyFiles"]) == ["netlify/netlify.toml", "netlify/_headers"]
    assert unwrap(result.outputs["netlifyManualEnv"]) == ["VITE_SUPABASE_ANON_KEY"]
    doc = tomllib.loads(files["netlify/netlify.toml"])
    std = resolve_standard(load(base=NETLIFY))
    assert doc["headers"][0]["values"] == std.header_map
    assert files["netlify/_headers"].count("Content-Security-Policy:") == 1
    assert "NTL" not in files["netlify/netlify.toml"] + files["netlify/_headers"]
