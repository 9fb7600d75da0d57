"""Secret values never appear in the preview's output (text or JSON, reports, rendered files), for Vercel and
Netlify, and a refused secret is not echoed in the error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hosting_helpers import REPO, fake_jwt

from tests.conftest import run_cli

ANON = fake_jwt("anon", "ANONSECRETMARKER")
SECRET_ENV = {"SENTRY_AUTH_TOKEN": "sntrys_ENVSECRETMARKER"}


def _everything(out: str, err: str, out_dir: Path) -> str:
    return out + err + "".join(p.read_text() for p in out_dir.rglob("*") if p.is_file())


@pytest.mark.parametrize("stack", ["prod", "netlify"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secret_values_are_never_visible(stack: str, fmt: str, tmp_path: Path) -> None:
    code, out, err = run_cli([
        "preview", "--stack", stack, "--cwd", str(REPO), "--format", fmt, "--out", str(tmp_path),
        "--secret", f"webstack:supabaseAnonKey={ANON}", "--secret", f"webstack:secretEnv={json.dumps(SECRET_ENV)}",
    ])
    assert code == 0, err
    everything = _everything(out, err, tmp_path)
    for hidden in (ANON, "ANONSECRETMARKER", "ENVSECRETMARKER", ANON.split(".")[1]):
        assert hidden not in everything
    if fmt == "json":  # the variables are there, only their values are hidden
        doc = json.loads(out)
        keys = {r["inputs"].get("key") for r in doc["resources"] if r["type"].endswith("ProjectEnvironmentVariable")}
        assert keys == (set() if stack == "netlify" else
                        {"NODE_ENV", "VITE_SUPABASE_URL", "VITE_SUPABASE_ANON_KEY", "VITE_ENABLE_ANALYTICS",
                         "VITE_PERFORMANCE_MONITORING", "SENTRY_AUTH_TOKEN"})


@pytest.mark.parametrize("key", ["webstack:supabaseAnonKey", "webstack:secretEnv"])
def test_a_refused_secret_is_not_echoed(key: str, tmp_path: Path) -> None:
    service_role = fake_jwt("service_role", "SERVICEROLEMARKER")
    value = service_role if key == "webstack:supabaseAnonKey" else json.dumps({"VITE_ADMIN": service_role})
    code, out, err = run_cli(["preview", "--stack", "prod", "--cwd", str(REPO), "--out", str(tmp_path),
                              "--secret", f"{key}={value}"])
    assert code == 2
    assert key in err
    assert "SERVICEROLEMARKER" not in out + err and service_role.split(".")[1] not in out + err
