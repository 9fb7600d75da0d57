"""Policy tests: the pack is started once per session (per stack name) and spoken to over gRPC."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from policy_helpers import PACK, PROJECT, REPO, SERVICE_ROLE_JWT, fake_jwt  # noqa: F401 - re-exported

from stackcheck.analyzer import PolicyPackSession
from stackcheck.model import ResourceRecord

if str(PACK) not in sys.path:
    sys.path.insert(0, str(PACK))  # unit tests import webstack_policy's pure modules directly


@pytest.fixture(scope="session")
def pack_sessions() -> Iterator[Callable[..., PolicyPackSession]]:
    sessions: dict[tuple[str, bool], PolicyPackSession] = {}

    def get(stack: str, dry_run: bool = True) -> PolicyPackSession:
        if (stack, dry_run) not in sessions:
            sessions[stack, dry_run] = PolicyPackSession(PACK, project=PROJECT, stack=stack, dry_run=dry_run)
        return sessions[stack, dry_run]

    yield get
    for s in sessions.values():
        s.close()


@pytest.fixture(scope="session")
def pack(pack_sessions: Callable[..., PolicyPackSession]) -> PolicyPackSession:
    """The pack judging a non-production stack named ``dev``."""
    return pack_sessions("dev")


@pytest.fixture(scope="session")
def prod_pack(pack_sessions: Callable[..., PolicyPackSession]) -> PolicyPackSession:
    """The pack judging a stack named ``prod`` (production by the default stack-name rule)."""
    return pack_sessions("prod")


@pytest.fixture(scope="session")
def applied_pack(pack_sessions: Callable[..., PolicyPackSession]) -> PolicyPackSession:
    """The pack judging ``dev`` outside preview (``pulumi up``: PULUMI_DRY_RUN=false)."""
    return pack_sessions("dev", False)


@pytest.fixture(scope="session")
def sdk_records() -> dict[str, ResourceRecord]:
    """Resources declared with the real provider SDK classes, captured in a separate process."""
    env = {**os.environ, "SDK_CAPTURE_SECRET": SERVICE_ROLE_JWT}
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("sdk_capture.py"))], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    return {r["name"]: ResourceRecord(**r) for r in json.loads(out)}
