"""Scheduled operations (issue 16 item 5), offline: the weekly workflow and the Renovate configuration validate
against the schemas check-jsonschema vendors (SchemaStore's GitHub workflow schema, Renovate's own schema), every
command the workflow runs exists (Makefile targets by `make -n`, console scripts in pyproject, the issue script),
the secrets it reads are the variables the commands read, and Renovate's regex managers find the base-image
versions exactly where the rendered Dockerfile takes them from."""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.config.hosting import NginxHosting
from components.render.dockerfile import DockerfileSpec
from components.supabase import audit, restore_drill

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "weekly.yml"
RENOVATE = REPO / ".github" / "renovate.json"
ISSUE_SCRIPT = REPO / ".github" / "scripts" / "findings-issue.sh"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


def run_lines() -> list[str]:
    lines = []
    for job in workflow()["jobs"].values():
        for step in job["steps"]:
            for line in str(step.get("run", "")).splitlines():
                if line.strip():
                    lines.append(line.strip())
    return lines


@pytest.mark.parametrize(("schema", "path"), [("vendor.github-workflows", WORKFLOW), ("vendor.renovate", RENOVATE)])
def test_files_validate_against_the_vendored_schemas(schema: str, path: Path) -> None:
    proc = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", schema, str(path)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_weekly_schedule_and_permissions() -> None:
    doc = workflow()
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads the key `on` as true
    crons = [entry["cron"] for entry in on["schedule"]]
    assert len(crons) == 1
    _minute, _hour, day_of_month, month, day_of_week = crons[0].split()
    assert (day_of_month, month) == ("*", "*") and re.fullmatch(r"[0-6]", day_of_week), "weekly: one weekday"
    assert "workflow_dispatch" in on
    assert doc["permissions"] == {"contents": "read"}
    jobs = doc["jobs"]
    for job in jobs.values():
        uses_sarif = any("upload-sarif" in str(s.get("uses", "")) for s in job["steps"])
        assert (job["permissions"].get("security-events") == "write") == uses_sarif
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", step["uses"]), step["uses"]


def test_the_pack_runs_on_every_example_stack_with_sarif() -> None:
    job = workflow()["jobs"]["policy-pack"]
    stacks = job["strategy"]["matrix"]["stack"]
    assert sorted(stacks) == sorted(p.name.split(".")[1] for p in REPO.glob("Pulumi.*.yaml"))
    assert any("make preview STACK=${{ matrix.stack }}" in str(s.get("run", "")) for s in job["steps"])
    upload = next(s for s in job["steps"] if "upload-sarif" in str(s.get("uses", "")))
    assert upload["with"]["sarif_file"] == "build/${{ matrix.stack }}/report.sarif"


def test_every_command_exists() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    seen = set()
    for line in run_lines():
        words = shlex.split(line.replace("${{ matrix.stack }}", "prod"))
        if words[0] == "make":
            target = next(w for w in words[1:] if "=" not in w)
            proc = subprocess.run(["make", "-n", "-C", str(REPO), *words[1:]], capture_output=True, text=True,
                                  timeout=60)
            assert proc.returncode == 0, f"make {target}: {proc.stderr}"
            seen.add(f"make {target}")
        elif words[0].startswith(".venv/bin/"):
            name = words[0].removeprefix(".venv/bin/")
            assert name in scripts, f"{name} is not a console script of pyproject.toml"
            seen.add(name)
        elif words[0].startswith(".github/scripts/"):
            path = REPO / words[0]
            assert path.stat().st_mode & stat.S_IXUSR
            assert subprocess.run(["bash", "-n", str(path)], timeout=30).returncode == 0
            seen.add("issue script")
    assert {"make preview", "make .venv/.installed", "webstack-audit-db", "webstack-restore-drill",
            "issue script"} <= seen


def test_secrets_are_the_variables_the_commands_read() -> None:
    jobs = workflow()["jobs"]
    assert jobs["audit-db"]["env"] == {audit.DSN_ENV: "${{ secrets.WEBSTACK_AUDIT_DSN }}"}
    assert jobs["restore-drill"]["env"] == {restore_drill.DSN_ENV: "${{ secrets.WEBSTACK_DRILL_DSN }}",
                                            restore_drill.SCRATCH_DSN_ENV: "${{ secrets.WEBSTACK_DRILL_SCRATCH_DSN }}"}
    for name in ("audit-db", "restore-drill"):
        steps = jobs[name]["steps"]
        assert "::notice" in steps[0]["run"] and "== ''" in steps[0]["if"]  # skipped with a notice when unset
        assert all("!= ''" in s["if"] or "failure()" in s["if"] for s in steps[1:]), name
    assert not any("--dsn" in line or "secrets." in line for line in run_lines())  # DSNs only via env


def _issue_script(tmp_path: Path, open_issue: str) -> list[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    log = tmp_path / "gh.log"
    fake = bin_dir / "gh"
    fake.write_text("#!/bin/sh\n" f'echo "$*" >> {shlex.quote(str(log))}\n'
                    f'case "$1 $2" in "issue list") printf "%s" {shlex.quote(open_issue)};; esac\n')
    fake.chmod(0o755)
    report = tmp_path / "report.md"
    report.write_text("1 error(s)\n")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "TITLE": "Weekly database audit: ERROR findings",
           "REPORT": str(report), "GITHUB_RUN_ID": "42"}
    subprocess.run(["bash", str(ISSUE_SCRIPT)], env=env, check=True, timeout=30, capture_output=True)
    return log.read_text().splitlines()


def test_issue_script_opens_then_updates(tmp_path: Path) -> None:
    calls = _issue_script(tmp_path / "a", "")
    assert calls[-1].startswith("issue create --title Weekly database audit: ERROR findings --label weekly-scan")
    calls = _issue_script(tmp_path / "b", "17")
    assert calls[-1].startswith("issue comment 17 --body-file")


# ---------------------------------------------------------------------------------------------- Renovate


def renovate() -> dict[str, Any]:
    return json.loads(RENOVATE.read_text())


def _python_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.replace("(?<", "(?P<"))


def _file_pattern(pattern: str) -> re.Pattern[str]:
    assert pattern.startswith("/") and pattern.endswith("/"), "managerFilePatterns: /regex/ form"
    return re.compile(pattern[1:-1])


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True, timeout=30)
    return out.stdout.split()


def test_renovate_covers_pip_actions_and_base_images() -> None:
    cfg = renovate()
    assert set(cfg["enabledManagers"]) == {"pip_requirements", "github-actions", "custom.regex"}
    files = tracked_files()
    requirements = [f for f in files if re.search(r"(^|/)requirements[^/]*\.txt\Z", f)]
    matched = [f for f in files if any(_file_pattern(p).search(f)
                                       for p in cfg["pip_requirements"]["managerFilePatterns"])]
    assert sorted(matched) == sorted(requirements) and "policy/requirements.txt" in matched
    assert any(f.startswith(".github/workflows/") for f in files) or WORKFLOW.exists()
    assert {m["depNameTemplate"] for m in cfg["customManagers"]} == {"node", "nginx"}


@pytest.mark.parametrize("image", ["node", "nginx"])
def test_regex_managers_find_the_versions_the_dockerfile_uses(image: str) -> None:
    manager = next(m for m in renovate()["customManagers"] if m["depNameTemplate"] == image)
    assert manager["datasourceTemplate"] == "docker"
    found: dict[str, list[str]] = {}
    for rel in [f for f in tracked_files() if any(_file_pattern(p).search(f) for p in manager["managerFilePatterns"])]:
        text = (REPO / rel).read_text()
        for pattern in manager["matchStrings"]:
            found.setdefault(rel, []).extend(m.group("currentValue") for m in _python_regex(pattern).finditer(text))
    assert set(found) == {"components/render/dockerfile.py", "components/config/hosting.py", "Pulumi.selfhosted.yaml"}
    spec = DockerfileSpec()
    expected = spec.node_version if image == "node" else spec.nginx_version
    for rel, values in found.items():
        assert values == [expected], (rel, values)  # exactly one declaration per file, the current default
    image_ref = spec.node_image if image == "node" else spec.nginx_image
    assert image_ref == f"{image}:{expected}-alpine"  # what the build-arg default renders from
    field = "node_version" if image == "node" else "nginx_version"
    assert NginxHosting.model_fields[field].default == expected
    selfhosted = yaml.safe_load((REPO / "Pulumi.selfhosted.yaml").read_text())["config"]["webstack:hosting"]["nginx"]
    assert selfhosted["nodeVersion" if image == "node" else "nginxVersion"] == expected
