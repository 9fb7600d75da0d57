"""`make preview` installs the project (pip install -e .): `stackcheck` is then a command, and run from inside any
other Pulumi Python project it judges that project with this repo's pack — no PYTHONPATH, no --cwd.

Installs into a throwaway venv (its dependencies are the test venv's, through a .pth file) exactly as the
Makefile does, then runs the console script from a copy of the foreign project."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("venv")
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    purelib = Path(subprocess.run([str(venv / "bin" / "python"), "-c",
                                   "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  check=True, capture_output=True, text=True, timeout=60).stdout.strip())
    deps = [p for p in {*site.getsitepackages(), sysconfig.get_paths()["purelib"]} if Path(p).is_dir()]
    (purelib / "test_deps.pth").write_text("\n".join(deps) + "\n")
    # The same command as the Makefile's $(VENV)/.installed.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                    "--disable-pip-version-check", "--no-deps", "-e", str(REPO)],
                   check=True, capture_output=True, text=True, timeout=300, cwd=REPO)
    return venv / "bin"


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def test_stackcheck_preview_from_inside_a_foreign_project(installed: Path, tmp_path: Path) -> None:
    project = tmp_path / "shop"
    shutil.copytree(REPO / "tests" / "fixtures" / "foreign_project", project)
    assert not (project / "policy").exists()
    proc = subprocess.run([str(installed / "stackcheck"), "preview", "--stack", "prod", "--format", "json"],
                          cwd=project, env=clean_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr[-3000:]  # the foreign project breaks a mandatory policy
    doc = json.loads(proc.stdout)
    assert doc["policyPacks"][0]["name"] == "webstack-standards"
    mandatory = [v["policy"] for v in doc["violations"] if v["enforcement"] == "mandatory" and not v["suppressed"]]
    assert mandatory == ["csp-observatory-grade"]
    assert any(r["type"] == "cloudflare:index/ruleset:Ruleset" for r in doc["resources"])


def test_module_form_and_audit_command_are_installed(installed: Path, tmp_path: Path) -> None:
    proc = subprocess.run([str(installed / "python"), "-m", "stackcheck", "preview", "--help"], cwd=tmp_path,
                          env=clean_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "ships with stackcheck" in " ".join(proc.stdout.split())
    proc = subprocess.run([str(installed / "webstack-audit-db"), "--help"], cwd=tmp_path, env=clean_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "--dsn" in proc.stdout
