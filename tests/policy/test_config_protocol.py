"""Policy config reconciliation, suppressions, pack metadata and the protocol itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fixtures_good import container, header_ruleset
from policy_helpers import PACK, SERVICE_ROLE_JWT, judge

from stackcheck.analyzer import PolicyPackError, PolicyPackSession, run_policy_pack
from stackcheck.model import ResourceRecord
from stackcheck.policy_config import PolicyConfigError

CONTAINER_ROOT = container(user="root")


def test_pack_metadata_is_complete(pack: PolicyPackSession) -> None:
    info = pack.pack_info()
    assert info["name"] == "webstack-standards"
    assert re.fullmatch(r"\d+\.\d+\.\d+", info["version"]) and info["version"] != "0.0.1"
    assert len(info["policies"]) >= 25
    for p in info["policies"]:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", p["name"]), p["name"]
        assert p["description"].endswith(".") and p["description"].count(". ") == 0, p["name"]
        assert p["severity"] in {"low", "medium", "high", "critical"}, p["name"]
        assert p["enforcementLevel"] in {"advisory", "mandatory"}, p["name"]
        assert len(p["remediationSteps"]) > 20, p["name"]
        assert p["type"] in {"resource", "stack"}
        assert "suppressions" in p["configSchema"]["properties"], p["name"]


def test_disabled_policy_does_not_run(pack: PolicyPackSession) -> None:
    judge(pack, CONTAINER_ROOT).assert_has_violation("container-non-root-user")
    judge(pack, CONTAINER_ROOT, config={"container-non-root-user": "disabled"}).assert_no_violations(
        "container-non-root-user")


def test_all_sets_every_level_and_specific_entries_win(pack: PolicyPackSession) -> None:
    record = container(user="root", memory=None)
    result = judge(pack, record, config={"all": "advisory", "container-memory-limit": "mandatory"})
    assert result.assert_has_violation("container-non-root-user").enforcement == "advisory"
    assert result.assert_has_violation("container-memory-limit").enforcement == "mandatory"


def test_suppression_with_reason_marks_violation_suppressed(pack: PolicyPackSession) -> None:
    config = {"container-non-root-user": {"suppressions": [
        {"urn": CONTAINER_ROOT.urn, "reason": "legacy image, fix tracked in #42", "expires": "2999-01-01"}]}}
    result = judge(pack, CONTAINER_ROOT, config=config)
    result.assert_no_violations("container-non-root-user")
    [v] = result.of("container-non-root-user", include_suppressed=True)
    assert v.suppressed and v.suppression_reason == "legacy image, fix tracked in #42"
    assert v.enforcement == "mandatory"  # the level is kept; the suppression is what makes it not block


def test_suppression_by_glob(pack: PolicyPackSession) -> None:
    config = {"container-non-root-user": {"suppressions": [{"urn": "*::web", "reason": "accepted"}]}}
    judge(pack, CONTAINER_ROOT, config=config).assert_no_violations("container-non-root-user")


def test_expired_suppression_stops_applying(pack: PolicyPackSession) -> None:
    config = {"container-non-root-user": {"suppressions": [
        {"urn": CONTAINER_ROOT.urn, "reason": "temporary", "expires": "2020-01-01"}]}}
    v = judge(pack, CONTAINER_ROOT, config=config).assert_has_violation("container-non-root-user")
    assert not v.suppressed and "suppression expired 2020-01-01" in v.message


@pytest.mark.parametrize("entry", [{"urn": "*"}, {"urn": "*", "reason": ""}, {"reason": "no urn"},
                                   {"urn": "*", "reason": "x", "expires": "next year"}])
def test_bad_suppressions_are_rejected(pack: PolicyPackSession, entry: dict[str, str]) -> None:
    with pytest.raises(PolicyConfigError, match="suppressions"):
        judge(pack, CONTAINER_ROOT, config={"container-non-root-user": {"suppressions": [entry]}})


@pytest.mark.parametrize(("config", "match"), [
    ({"no-such-policy": "advisory"}, "no such policy"),
    ({"all": "loud"}, "enforcement level"),
    ({"cloudflare-hsts": {"minMaxAge": "a year"}}, "minMaxAge"),
    ({"cloudflare-min-tls-version": {"minimumVersion": "1.5"}}, "minimumVersion"),
])
def test_invalid_config_is_rejected_with_its_key(pack: PolicyPackSession, config: dict[str, object],
                                                 match: str) -> None:
    with pytest.raises(PolicyConfigError, match=match):
        judge(pack, CONTAINER_ROOT, config=config)


def test_run_policy_pack_with_config_file(tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"container-non-root-user": {"enforcementLevel": "advisory"}}))
    violations, packs = run_policy_pack(PACK, [CONTAINER_ROOT], project="webshop", stack="dev", dry_run=True,
                                        config_file=config)
    [v] = [v for v in violations if v.policy == "container-non-root-user"]
    assert v.enforcement == "advisory" and v.urn == CONTAINER_ROOT.urn
    assert packs[0]["name"] == "webstack-standards"


def test_a_broken_pack_reports_its_output(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text("name: broken\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("raise SystemExit('this pack is broken on purpose')\n")
    with pytest.raises(PolicyPackError, match="broken on purpose"):
        PolicyPackSession(tmp_path, project="p", stack="dev")


def test_session_survives_many_runs(pack: PolicyPackSession) -> None:
    for _ in range(3):
        judge(pack, header_ruleset()).assert_no_violations("security-headers-required")


def test_sdk_built_resources_are_judged(pack: PolicyPackSession, sdk_records: dict[str, ResourceRecord]) -> None:
    """Fixtures declared with the real provider classes (captured wire form) — casing matches the policies."""
    records = list(sdk_records.values())
    result = judge(pack, *records)
    result.assert_no_violations("security-headers-required", urn_name="good-headers")
    result.assert_no_violations("cloudflare-hsts")
    result.assert_has_violation("cloudflare-ssl-strict", urn_name="ssl-flexible")
    result.assert_has_violation("dns-web-records-proxied", urn_name="origin-exposed")
    result.assert_no_violations("dns-web-records-proxied", urn_name="www")
    result.assert_has_violation("no-secrets-in-client-env", urn_name="service-role-in-vite")
    result.assert_has_violation("secret-env-sensitive", urn_name="service-role-in-vite")
    result.assert_has_violation("security-headers-required", urn_name="route", contains="Content-Security-Policy")
    for policy in ("container-read-only-rootfs", "container-non-root-user", "container-drop-all-capabilities",
                   "container-no-new-privileges", "container-image-pinned"):
        result.assert_no_violations(policy, urn_name="hardened")
    assert SERVICE_ROLE_JWT not in result.messages()


def test_no_message_ever_contains_a_secret(pack: PolicyPackSession, prod_pack: PolicyPackSession,
                                           sdk_records: dict[str, ResourceRecord]) -> None:
    for session in (pack, prod_pack):
        result = judge(session, *sdk_records.values())
        text = result.messages()
        for part in SERVICE_ROLE_JWT.split("."):
            assert part not in text
