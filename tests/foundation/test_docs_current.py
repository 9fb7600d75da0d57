"""Generated docs must match the code they describe."""

from __future__ import annotations

from tools import configdoc


def test_config_reference_is_current() -> None:
    assert configdoc.DOC.exists(), "docs/config.md missing: run `python -m tools.configdoc --write`"
    assert configdoc.DOC.read_text() == configdoc.render(), "docs/config.md is stale: run `make docs`"


def test_config_reference_lists_every_top_level_key() -> None:
    text = configdoc.render()
    for key in ("domain", "canonicalHost", "hosting", "cloudflare", "supabase", "headers", "rateLimits", "env"):
        assert f"`webstack:{key}`" in text
