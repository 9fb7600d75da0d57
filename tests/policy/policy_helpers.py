"""Fixture builders and assertions for policy tests (in the spirit of AWSGuard's test util).

Every judgement goes through the real Analyzer gRPC protocol: :class:`stackcheck.analyzer.PolicyPackSession`
starts ``policy/`` as the engine does, and :func:`judge` runs ConfigureStack → Configure → Analyze →
AnalyzeStack for the given resources.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackcheck.analyzer import PolicyPackSession
from stackcheck.model import ResourceRecord, Violation
from stackcheck.wire import UNKNOWN, make_secret

PROJECT = "webshop"

__all__ = ["UNKNOWN", "Judgement", "fake_jwt", "judge", "make_secret", "resource"]


def resource(token: str, name: str, inputs: Mapping[str, Any], *, stack: str = "dev",
             parent_types: tuple[str, ...] = (), parent: str | None = None) -> ResourceRecord:
    """A provider resource as the engine registers it: ``token`` + wire-form (camelCase) ``inputs``."""
    chain = "$".join([*parent_types, token])
    return ResourceRecord(urn=f"urn:pulumi:{stack}::{PROJECT}::{chain}::{name}", type=token, name=name, custom=True,
                          parent=parent, inputs=dict(inputs))


def fake_jwt(role: str) -> str:
    """A Supabase-style legacy API key (JWT) with the given role; the signature is junk."""
    def b64(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    claims = {"iss": "supabase", "ref": "abcdefghijklmnopqrst", "role": role}
    return f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(claims)}.c2lnbmF0dXJlLW5vdC1yZWFs"


@dataclass
class Judgement:
    violations: list[Violation]
    records: list[ResourceRecord] = field(default_factory=list)

    def of(self, policy: str, *, include_suppressed: bool = False) -> list[Violation]:
        return [v for v in self.violations if v.policy == policy and (include_suppressed or not v.suppressed)]

    def assert_has_violation(self, policy: str, *, urn_name: str | None = None, contains: str | None = None,
                             level: str | None = None) -> Violation:
        hits = [v for v in self.of(policy)
                if (urn_name is None or (v.urn or "").endswith(f"::{urn_name}"))
                and (contains is None or contains in v.message)
                and (level is None or v.enforcement == level)]
        assert hits, f"expected a {policy} violation ({urn_name=}, {contains=}, {level=}); got:\n{self.dump()}"
        return hits[0]

    def assert_no_violations(self, policy: str | None = None, *, urn_name: str | None = None) -> None:
        """No unsuppressed violation of ``policy``; without a policy: no unsuppressed *mandatory* violation."""
        hits = [v for v in self.violations if not v.suppressed and v.enforcement != "remediate"
                and (v.policy == policy if policy is not None else v.enforcement == "mandatory")
                and (urn_name is None or (v.urn or "").endswith(f"::{urn_name}"))]
        assert not hits, f"expected no {policy or ''} violations; got:\n{self.dump(hits)}"

    def assert_unknown(self, policy: str) -> None:
        hits = [v for v in self.of(policy) if "can't be known during preview" in v.message]
        assert hits and all(v.enforcement == "advisory" for v in hits), f"no unknown advisory:\n{self.dump()}"

    def messages(self) -> str:
        return "\n".join(f"{v.policy}: {v.message} {v.suppression_reason}" for v in self.violations)

    def dump(self, items: list[Violation] | None = None) -> str:
        return "\n".join(f"  [{v.enforcement}] {v.policy} {v.urn}: {v.message}" for v in (items or self.violations))


def judge(session: PolicyPackSession, *records: ResourceRecord, config: Mapping[str, Any] | None = None,
          tags: Mapping[str, str] | None = None) -> Judgement:
    violations, judged = session.run(list(records), config=config or {}, tags=tags or {})
    return Judgement(violations, judged)


REPO = Path(__file__).resolve().parents[2]
PACK = REPO / "policy"
SERVICE_ROLE_JWT = fake_jwt("service_role")
