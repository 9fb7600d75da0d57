"""The Free-plan and Pro-plan example stacks through the whole `stackcheck preview` (program + the real pack over the
Analyzer protocol), and the SMTP password as a Pulumi secret end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from stackcheck.engine import run_program
from stackcheck.wire import is_secret
from tests.conftest import REPO

Cli = Callable[[list[str]], tuple[int, str, str]]
SMTP_PASSWORD = "smtp-pw-Zq8v1Kx4-never-printed"
AUTH = "pulumi-python:dynamic/supabase:AuthSettings"
HEALTHCHECK = "cloudflare:index/healthcheck:Healthcheck"


@pytest.mark.slow
@pytest.mark.parametrize("stack", ["free", "pro"])
def test_free_and_pro_stacks_preview_with_no_mandatory_violation(cli: Cli, stack: str, tmp_path: Path) -> None:
    code, out, err = cli(["preview", "--stack", stack, "--policy-pack", str(REPO / "policy"), "--format", "json",
                          "--out", str(tmp_path), "--secret", f"webstack:supabaseSmtpPassword={SMTP_PASSWORD}"])
    assert code == 0, err[-3000:]
    doc = json.loads(out)
    assert doc["policyPacks"] and doc["resources"]
    assert [v for v in doc["violations"] if v["enforcement"] == "mandatory" and not v["suppressed"]] == []
    written = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    assert SMTP_PASSWORD not in out + err + written


def test_smtp_password_reaches_the_auth_settings_only_as_a_secret() -> None:
    result, engine = run_program(REPO, "pro", secret_overrides={"webstack:supabaseSmtpPassword": SMTP_PASSWORD})
    [auth] = [r for r in result.resources if r.type == AUTH]
    assert is_secret(auth.inputs["smtp_pass"])
    assert "smtp_pass" not in auth.inputs["settings"]  # the settings stay readable in a preview
    assert auth.inputs["settings"]["smtp_host"] == "smtp.mail.example.net"
    others = [r for r in result.resources if r is not auth]
    assert SMTP_PASSWORD not in json.dumps([r.inputs for r in others], default=str)
    assert SMTP_PASSWORD not in json.dumps(result.outputs, default=str)
    assert not any(SMTP_PASSWORD in message for _, _, message in engine.messages)


def test_free_stack_warns_about_what_the_supabase_plan_leaves_out() -> None:
    result, engine = run_program(REPO, "free")
    [auth] = [r for r in result.resources if r.type == AUTH]
    assert "password_hibp_enabled" not in auth.inputs["settings"]
    assert any("leakedPasswordProtection is left out" in message for _, _, message in engine.messages)
