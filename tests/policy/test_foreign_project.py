"""The pack judges a stack it has never seen: tests/fixtures/foreign_project (raw provider resources only),
run offline by stackcheck's engine and judged over the real protocol."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from policy_helpers import REPO, SERVICE_ROLE_JWT, Judgement, judge

from stackcheck.analyzer import PolicyPackSession
from stackcheck.model import ResourceRecord

FOREIGN = REPO / "tests" / "fixtures" / "foreign_project"


def run_foreign(stack: str, *secrets: str) -> list[ResourceRecord]:
    out = subprocess.run([sys.executable, str(REPO / "tests" / "policy" / "run_program_json.py"), str(FOREIGN),
                          stack, *secrets], cwd=REPO, capture_output=True, text=True, timeout=180,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr[-2000:]
    doc = json.loads(out.stdout)
    assert doc["project"] == "foreign-shop"
    return [ResourceRecord(**r) for r in doc["resources"]]


@pytest.fixture(scope="module")
def judged(pack_sessions: Callable[[str], PolicyPackSession]) -> dict[str, Judgement]:
    return {
        "production": judge(pack_sessions("production"), *run_foreign("production")),
        "prod": judge(pack_sessions("prod"), *run_foreign("prod")),
        "leaky": judge(pack_sessions("prod"), *run_foreign("prod", f"foreign-shop:anonKey={SERVICE_ROLE_JWT}")),
    }


def test_well_built_foreign_stack_passes_every_mandatory_policy(judged: dict[str, Judgement]) -> None:
    result = judged["production"]
    result.assert_no_violations()
    # raw resources, no approved component: only the advisory parent policy speaks — and rum-declared, since the
    # program declares no real-user monitoring (advisory: the pack cannot see RUM run outside the stack), and
    # alerts-declared, since it declares no notification policy (advisory: alerts may live in an account stack)
    assert {v.policy for v in result.violations} <= {"approved-component-parents", "rum-declared", "alerts-declared"}
    assert all(v.enforcement == "advisory" for v in result.violations)


def test_runbook_header_profile_fails_csp_on_prod(judged: dict[str, Judgement]) -> None:
    result = judged["prod"]
    result.assert_has_violation("csp-observatory-grade", urn_name="security-headers", level="mandatory",
                                contains="unsafe-inline")
    assert [v.policy for v in result.violations if v.enforcement == "mandatory"] == ["csp-observatory-grade"]


def test_service_role_key_in_client_variable_fails(judged: dict[str, Judgement]) -> None:
    result = judged["leaky"]
    result.assert_has_violation("no-secrets-in-client-env", urn_name="anon-key", level="mandatory")
    for part in SERVICE_ROLE_JWT.split("."):
        assert part not in result.messages()
