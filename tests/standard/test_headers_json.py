"""`stackcheck preview --out DIR` writes the resolved HTML-response header set to DIR/headers.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.standard import resolve_standard
from tests.conftest import REPO, run_cli
from tests.standard.helpers import load
from tests.standard.observatory import grade

SUPABASE_REFS = {"prod": "abcdefghijklmnopqrst", "selfhosted": "bcdefghijklmnopqrstu",
                 "netlify": "cdefghijklmnopqrstuv"}


def _preview(stack: str, out: Path, *extra: str) -> dict[str, str]:
    code, _, err = run_cli(["preview", "--stack", stack, "--cwd", str(REPO), "--out", str(out), "--no-policy",
                            *extra])
    assert code == 0, err
    doc = json.loads((out / "headers.json").read_text())
    assert isinstance(doc, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in doc.items())
    return doc


@pytest.mark.parametrize("stack", ["prod", "selfhosted", "netlify"])
def test_headers_json_is_the_resolved_standard(stack: str, tmp_path: Path) -> None:
    doc = _preview(stack, tmp_path)
    assert list(doc.items()) == list(resolve_standard(load(stack)).headers)  # same names, values and order
    ref = SUPABASE_REFS[stack]
    assert f"connect-src 'self' https://{ref}.supabase.co wss://{ref}.supabase.co" in doc["Content-Security-Policy"]
    assert grade(doc).grade == "A+"


def test_headers_json_follows_config_overrides(tmp_path: Path) -> None:
    headers = {"profile": "runbook", "weakeningReason": "side-by-side comparison"}
    doc = _preview("prod", tmp_path, "-c", f"webstack:headers={json.dumps(headers)}")
    assert doc["Content-Security-Policy"] == "default-src 'self'; script-src 'self' 'unsafe-inline'"
    assert grade(doc).grade == "B+"


def test_a_weakening_without_reason_stops_the_preview_before_headers_json(tmp_path: Path) -> None:
    code, _, err = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--out", str(tmp_path), "--no-policy",
                            "-c", 'webstack:headers={"csp": {"allowInlineStyles": true}}'])
    assert code == 2
    assert "webstack:headers.csp.allowInlineStyles" in err and "weakeningReason" in err
    assert not (tmp_path / "headers.json").exists()
