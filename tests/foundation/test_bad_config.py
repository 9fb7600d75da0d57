"""Bad stack config: exit 2, an error naming the key and saying what is expected, and nothing registered."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from components.config import ConfigError
from stackcheck.engine import ProgramError, run_program
from tests.conftest import REPO, run_cli

BASE = yaml.safe_load((REPO / "Pulumi.prod.yaml").read_text())["config"]


def _project(tmp_path: Path, config: dict) -> Path:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, tmp_path / name)
    (tmp_path / "Pulumi.bad.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


def _with(key: str, value) -> dict:
    cfg = json.loads(json.dumps(BASE))
    if value is None:
        cfg.pop(key)
    else:
        cfg[key] = value
    return cfg


def _hosting(**vercel) -> dict:
    h = json.loads(json.dumps(BASE["webstack:hosting"]))
    h["vercel"].update(vercel)
    return h


CASES = {
    "missing-domain": (_with("webstack:domain", None), "webstack:domain", "required key is missing"),
    "bad-domain": (_with("webstack:domain", "exa_mple.com"), "webstack:domain", "not a valid DNS label"),
    "single-label-domain": (_with("webstack:domain", "localhost"), "webstack:domain", "fully qualified"),
    "http-supabase-url": (
        _with("webstack:supabase", {"projectRef": "abcdefghijklmnopqrst", "url": "http://abcdefghijklmnopqrst.supabase.co"}),
        "webstack:supabase.url", "https://"),
    "crlf-in-env-value": (
        _with("webstack:env", {"NODE_ENV": "production", "VITE_FLAG": "on\r\nX-Injected: 1"}),
        "webstack:env", "control characters"),
    "wrong-type": (_with("webstack:hosting", _hosting(previewProtection="sometimes")),
                   "webstack:hosting.vercel.previewProtection", "boolean"),
    "unknown-hosting-option": (_with("webstack:hosting", {"provider": "heroku"}), "webstack:hosting.provider",
                               "'vercel', 'netlify' or 'nginx'"),
    "unknown-top-level-key": (dict(BASE, **{"webstack:domian": "example.com"}), "webstack:domian", "unknown key"),
    "typo-in-nested-key": (_with("webstack:hosting", _hosting(projectNmae="x")),
                           "webstack:hosting.vercel.projectNmae", "unknown key"),
    "bad-zone-id": (_with("webstack:cloudflare", {"zoneId": "not-a-zone"}), "webstack:cloudflare.zoneId",
                    "32-character"),
    "structured-key-as-string": (_with("webstack:cloudflare", "zone=abc"), "webstack:cloudflare",
                                 "structured object"),
    "bad-csp-source": (_with("webstack:headers", {"csp": {"connectSrc": ["https://api.example.com; script-src *"]}}),
                       "webstack:headers.csp.connectSrc[0]", "connect-src"),
    "unknown-csp-keyword": (_with("webstack:headers", {"csp": {"scriptSrc": ["'unsafe-everything'"]}}),
                            "webstack:headers.csp.scriptSrc[0]", "unknown keyword"),
    "weakening-without-reason": (_with("webstack:headers", {"csp": {"allowInlineStyles": True}}),
                                 "webstack:headers.csp.allowInlineStyles", "weakeningReason"),
    "impossible-rate-limit-period": (
        _with("webstack:rateLimits", [{"path": "/api/*", "requestsPerPeriod": 10, "period": 7}]),
        "webstack:rateLimits[0].period", "10, 60, 120, 300, 600 or 3600"),
    "bad-rate-limit-path": (
        _with("webstack:rateLimits", [{"path": "api/../x", "requestsPerPeriod": 10}]),
        "webstack:rateLimits[0].path", "absolute URL path"),
    "unknown-environment": (_with("webstack:environment", "prodd"), "webstack:environment", "'production'"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_config_exits_2_naming_the_key(case: str, tmp_path: Path) -> None:
    config, key, expected = CASES[case]
    project = _project(tmp_path, config)
    code, out, err = run_cli(["preview", "--stack", "bad", "--cwd", str(project), "--no-policy"])
    assert code == 2, (out, err)
    assert out == ""
    assert f"{key}:" in err, err
    assert expected in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_config_registers_nothing(case: str, tmp_path: Path) -> None:
    config, _, _ = CASES[case]
    project = _project(tmp_path, config)
    with pytest.raises(ProgramError) as info:
        run_program(project, "bad")
    assert isinstance(info.value.original, ConfigError)
    assert [r.type for r in info.value.resources] == ["pulumi:pulumi:Stack"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    config = _with("webstack:domain", "Bad Domain")
    config["webstack:cloudflare"] = {"zoneId": "nope"}
    code, _, err = run_cli(["preview", "--stack", "bad", "--cwd", str(_project(tmp_path, config)), "--no-policy"])
    assert code == 2
    assert "webstack:domain:" in err and "webstack:cloudflare.zoneId:" in err


def test_secret_values_are_not_echoed_in_errors(tmp_path: Path) -> None:
    config = _with("webstack:supabaseAccessToken", "hunter2-secret")
    code, out, err = run_cli(["preview", "--stack", "bad", "--cwd", str(_project(tmp_path, config)), "--no-policy"])
    assert code == 2
    assert "webstack:supabaseAccessToken:" in err and "personal access token" in err
    assert "hunter2-secret" not in err + out


def test_unknown_stack_is_a_usage_error() -> None:
    code, _, err = run_cli(["preview", "--stack", "nosuchstack", "--cwd", str(REPO), "--no-policy"])
    assert code == 2
    assert "Pulumi.nosuchstack.yaml" in err


def test_bad_override_syntax_is_a_usage_error() -> None:
    code, _, err = run_cli(["preview", "--stack", "prod", "-c", "no-equals-sign"])
    assert code == 2
    assert "KEY=VALUE" in err
