"""End to end through the `stackcheck` CLI: the repo's example stacks and the foreign project.

These need the lead's engine + components (`stackcheck preview`); each runs the CLI in a subprocess because the
Pulumi SDK runtime is process-global.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from policy_helpers import PACK, REPO, SERVICE_ROLE_JWT

FOREIGN = REPO / "tests" / "fixtures" / "foreign_project"
pytestmark = pytest.mark.slow


def stackcheck(*args: str, cwd: Path = REPO) -> tuple[int, str, str]:
    out = subprocess.run([sys.executable, "-m", "stackcheck", *args], cwd=cwd, capture_output=True, text=True,
                         timeout=300, env=None)
    return out.returncode, out.stdout, out.stderr


def mandatory(doc: dict[str, object]) -> list[dict[str, object]]:
    return [v for v in doc["violations"] if v["enforcement"] == "mandatory" and not v["suppressed"]]  # type: ignore[index,union-attr]


@pytest.mark.parametrize("stack", ["prod", "selfhosted", "netlify"])
def test_example_stacks_pass_every_mandatory_policy(stack: str, tmp_path: Path) -> None:
    code, out, err = stackcheck("preview", "--stack", stack, "--policy-pack", str(PACK), "--format", "json",
                                "--out", str(tmp_path))
    assert code == 0, (out[-3000:], err[-3000:])
    doc = json.loads(out)
    assert not mandatory(doc)
    assert doc["policyPacks"][0]["name"] == "webstack-standards"
    assert (tmp_path / "report.sarif").exists() and (tmp_path / "report.md").exists()


def test_foreign_project_through_the_cli(tmp_path: Path) -> None:
    code, out, err = stackcheck("preview", "--cwd", str(FOREIGN), "--stack", "prod", "--policy-pack", str(PACK),
                                "--format", "json")
    assert code == 1, err[-3000:]
    assert [v["policy"] for v in mandatory(json.loads(out))] == ["csp-observatory-grade"]


def test_service_role_key_in_vite_anon_key_exits_1() -> None:
    code, out, err = stackcheck("preview", "--cwd", str(FOREIGN), "--stack", "production", "--policy-pack",
                                str(PACK), "--secret", f"foreign-shop:anonKey={SERVICE_ROLE_JWT}", "--format", "json")
    assert code == 1, err[-3000:]
    assert any(v["policy"] == "no-secrets-in-client-env" for v in mandatory(json.loads(out)))
    for part in SERVICE_ROLE_JWT.split("."):
        assert part not in out and part not in err
