"""`stackcheck preview` on the example stacks: exit codes, output formats, overrides, secrets never printed."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli


def _fake_anon_jwt(marker: str) -> str:
    def b64(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    header, payload = b64({"alg": "HS256", "typ": "JWT"}), b64({"role": "anon", "iss": "supabase", "ref": marker})
    return f"{header}.{payload}.sig{marker}"


@pytest.mark.parametrize("stack", ["prod", "selfhosted", "netlify"])
def test_example_stacks_preview_cleanly(stack: str, tmp_path: Path) -> None:
    code, out, err = run_cli(["preview", "--stack", stack, "--cwd", str(REPO), "--out", str(tmp_path), "--no-policy"])
    assert code == 0, err
    assert out.startswith(f"Previewing update ({stack}):")
    assert "pulumi:pulumi:Stack" in out and f"webstack-{stack}" in out
    assert (tmp_path / "headers.json").exists()
    assert "headers.json" in out  # artifacts are listed


def test_json_format_documents_resources_outputs_and_artifacts(tmp_path: Path) -> None:
    code, out, _ = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--format", "json",
                            "--out", str(tmp_path), "--no-policy"])
    assert code == 0
    doc = json.loads(out)
    assert doc["project"] == "webstack" and doc["stack"] == "prod" and doc["preview"] is True
    assert {"urn", "type", "name", "parent", "custom", "inputs"} <= set(doc["resources"][0])
    assert doc["resources"][0]["type"] == "pulumi:pulumi:Stack"
    assert doc["outputs"]["canonicalUrl"] == "https://example.com"
    assert "headers.json" in doc["artifacts"]
    assert json.loads((tmp_path / "report.json").read_text())["stack"] == "prod"


def test_structured_override_replaces_a_key() -> None:
    hosting = {"provider": "netlify", "netlify": {"siteName": "override-site"}}
    code, out, err = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--format", "json", "--no-policy",
                              "-c", f"webstack:hosting={json.dumps(hosting)}"])
    assert code == 0, err
    assert json.loads(out)["outputs"]["hosting"] == "netlify"


def test_plain_override_without_namespace_uses_the_project_namespace() -> None:
    code, out, err = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--format", "json", "--no-policy",
                              "-c", "canonicalHost=www"])
    assert code == 0, err
    assert json.loads(out)["outputs"]["canonicalUrl"] == "https://www.example.com"


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("stack", ["prod", "selfhosted", "netlify"])
def test_secret_values_never_appear_in_output(stack: str, fmt: str, tmp_path: Path) -> None:
    anon = _fake_anon_jwt("SECRETMARKER1")
    token = "sbp_" + "SECRETMARKER2" + "0" * 27
    code, out, err = run_cli([
        "preview", "--stack", stack, "--cwd", str(REPO), "--format", fmt, "--out", str(tmp_path), "--no-policy",
        "--secret", f"webstack:supabaseAnonKey={anon}", "--secret", f"webstack:supabaseAccessToken={token}",
    ])
    assert code == 0, err
    everything = out + err + "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    assert "SECRETMARKER1" not in everything
    assert "SECRETMARKER2" not in everything
    assert anon not in everything


def test_no_preview_mode_mocks_ids(tmp_path: Path) -> None:
    code, out, _ = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--format", "json", "--no-preview",
                            "--no-policy"])
    assert code == 0
    doc = json.loads(out)
    assert doc["preview"] is False
    custom = [r for r in doc["resources"] if r["custom"] and not r["type"].startswith("pulumi:providers:")]
    assert all(r["id"] and r["id"] != "[unknown]" for r in custom)


def test_policy_results_are_part_of_the_preview(tmp_path: Path) -> None:
    code, out, err = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--format", "json",
                              "--out", str(tmp_path)])
    assert code == 0, err
    doc = json.loads(out)
    assert [p["name"] for p in doc["policyPacks"]] == ["webstack-standards"]
    assert not [v for v in doc["violations"] if v["enforcement"] == "mandatory"]
    assert (tmp_path / "report.sarif").exists() and (tmp_path / "report.md").exists()


def test_a_policy_config_the_pack_rejects_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"security-headers-required": {"enforcementLevel": "sometimes"}}))
    code, out, err = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--policy-config", str(config)])
    assert code == 2
    assert "security-headers-required" in err and out == ""


def test_a_directory_that_is_not_a_pack_exits_2(tmp_path: Path) -> None:
    code, _, err = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--policy-pack", str(tmp_path)])
    assert code == 2
    assert "PulumiPolicy.yaml" in err


RUNBOOK_PROFILE = 'webstack:headers={"profile": "runbook", "weakeningReason": "compare with the runbook"}'


@pytest.mark.parametrize("stack", ["selfhosted", "netlify"])
def test_stack_tags_from_the_stack_file_make_the_pack_apply_production_rules(stack: str) -> None:
    # Stack names other than "prod" are production through `pulumi:tags: {environment: production}`.
    code, out, _ = run_cli(["preview", "--stack", stack, "--cwd", str(REPO), "--format", "json", "-c", RUNBOOK_PROFILE])
    assert code == 1
    mandatory = {v["policy"] for v in json.loads(out)["violations"] if v["enforcement"] == "mandatory"}
    assert "csp-observatory-grade" in mandatory


def test_a_stack_tag_flag_overrides_the_file() -> None:
    _code, out, _ = run_cli(["preview", "--stack", "selfhosted", "--cwd", str(REPO), "--format", "json",
                            "-c", RUNBOOK_PROFILE, "--stack-tag", "environment=staging"])
    mandatory = {v["policy"] for v in json.loads(out)["violations"] if v["enforcement"] == "mandatory"}
    assert "csp-observatory-grade" not in mandatory


def test_secrets_can_come_from_the_environment_or_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token = "sbp_" + "FILEMARKER" + "0" * 30
    (tmp_path / "token").write_text(token + "\n")
    monkeypatch.setenv("WEBSTACK_TEST_ANON", _fake_anon_jwt("ENVMARKER"))
    code, out, err = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--format", "json", "--no-policy",
                              "--secret", "webstack:supabaseAnonKey=env:WEBSTACK_TEST_ANON",
                              "--secret", f"webstack:supabaseAccessToken=@{tmp_path / 'token'}"])
    assert code == 0, err
    assert "ENVMARKER" not in out and "FILEMARKER" not in out
    code, _, err = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--no-policy",
                            "--secret", "webstack:supabaseAnonKey=env:WEBSTACK_NOT_SET_ANYWHERE"])
    assert code == 2 and "WEBSTACK_NOT_SET_ANYWHERE" in err


def test_each_weakening_is_reported_with_its_own_reason() -> None:
    """webstack:headers.weakeningReasons: the stack output headerWeakenings (shown in the text and JSON reports)
    carries each weakening's own reason; the shared weakeningReason covers the ones without."""
    headers = {"csp": {"scriptSrc": ["https://js.stripe.com"]}, "crossOriginOpenerPolicy": "same-origin-allow-popups",
               "frameAncestors": ["https://partner.example.org"],
               "weakeningReasons": {"csp.scriptSrc": "Stripe.js is loaded from js.stripe.com",
                                    "crossOriginOpenerPolicy": "the OAuth popup posts back to the opener"},
               "weakeningReason": "partner portal embeds the dashboard"}
    config = ["-c", f"webstack:headers={json.dumps(headers)}"]
    code, out, err = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--format", "json", "--no-policy",
                              *config])
    assert code == 0, err
    reasons = {w["setting"]: w["reason"] for w in json.loads(out)["outputs"]["headerWeakenings"]}
    assert reasons == {"webstack:headers.csp.scriptSrc": "Stripe.js is loaded from js.stripe.com",
                       "webstack:headers.crossOriginOpenerPolicy": "the OAuth popup posts back to the opener",
                       "webstack:headers.frameAncestors": "partner portal embeds the dashboard"}
    code, text, err = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--no-policy", *config])
    assert code == 0, err
    assert "Stripe.js is loaded from js.stripe.com" in text and "the OAuth popup posts back to the opener" in text
    # Without a reason for the COOP weakening (and no shared one), production refuses it, naming where to say why.
    del headers["weakeningReason"], headers["frameAncestors"]
    del headers["weakeningReasons"]["crossOriginOpenerPolicy"]  # type: ignore[attr-defined]
    code, _, err = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--no-policy",
                            "-c", f"webstack:headers={json.dumps(headers)}"])
    assert code == 2 and "webstack:headers.weakeningReasons.crossOriginOpenerPolicy" in err


def test_in_process_callers_keep_their_garbage_collector() -> None:
    """Only the `python -m stackcheck` entry point (a process that ends with the command) turns the cyclic collector
    off; `stackcheck.cli.main` called in a long-lived process — these tests — leaves it as it found it."""
    import gc

    assert gc.isenabled()
    code, _, err = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--no-policy"])
    assert code == 0, err
    assert gc.isenabled()


def test_the_entry_point_runs_without_the_collector() -> None:
    import subprocess
    import sys

    probe = ("import gc, sys, stackcheck.cli as cli\n"
             "cli.main = lambda: (print('collector', gc.isenabled(), 'frozen', gc.get_freeze_count() > 0), 0)[1]\n"
             "import runpy\n"
             "try:\n    runpy.run_module('stackcheck', run_name='__main__')\n"
             "except SystemExit as exc:\n    print('frozen at exit', gc.get_freeze_count() > 0, 'code', exc.code)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    expected = ["collector", "False", "frozen", "False", "frozen", "at", "exit", "True", "code", "0"]
    assert done.stdout.split() == expected, done.stderr


def test_without_any_pack_the_preview_says_it_judged_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain install has no bundled pack: with none given and none in the project, stderr says so (exit 0)."""
    from stackcheck import cli

    monkeypatch.setattr(cli, "BUNDLED_PACK", tmp_path / "absent")
    (tmp_path / "Pulumi.yaml").write_text("name: nopack\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text("import pulumi\npulumi.CustomResource('acme:x:Y', 'y', {})\n")
    code, out, err = run_cli(["preview", "--stack", "dev", "--cwd", str(tmp_path)])
    assert code == 0 and "acme:x:Y" in out
    assert "no policy pack" in err and "--policy-pack" in err
    code, _, err = run_cli(["preview", "--stack", "dev", "--cwd", str(tmp_path), "--no-policy"])
    assert code == 0 and "no policy pack" not in err
