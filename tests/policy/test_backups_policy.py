"""supabase-pitr-or-waiver (mandatory on production) and supabase-backups-declared (advisory on production),
through the real Analyzer protocol. Fixture inputs are what a DatabaseBackups resource registers (webstack's, see
tests/supabase/test_supabase_stack_preview.py) and the camelCase / flat shapes another team's dynamic provider
might use."""

from __future__ import annotations

from fixtures_good import DB, SSL
from policy_helpers import UNKNOWN, judge, resource

from stackcheck.analyzer import PolicyPackSession

BACKUPS = "pulumi-python:dynamic/supabase:DatabaseBackups"
POLICY = "supabase-pitr-or-waiver"
WAIVER = "staging data is re-seeded from fixtures, daily backups suffice"


def backups(pitr: dict[str, object] | None = None, stack: str = "prod", **flat: object):  # type: ignore[no-untyped-def]
    inputs: dict[str, object] = {"project_ref": "abcdefghijklmnopqrst", "plan": "pro", **flat}
    if pitr is not None:
        inputs["pitr"] = pitr
    return resource(BACKUPS, "supabase-backups", inputs, stack=stack)


def test_pitr_declared_passes_on_production(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, backups({"enabled": True, "retention_days": 7.0})).assert_no_violations(POLICY)
    judge(prod_pack, backups({"enabled": True, "retentionDays": 28.0})).assert_no_violations(POLICY)
    judge(prod_pack, backups(pitr_enabled=True, pitr_retention_days=14.0)).assert_no_violations(POLICY)


def test_waiver_with_a_reason_passes(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, backups({"enabled": False, "waiver": WAIVER})).assert_no_violations(POLICY)


def test_pitr_off_without_waiver_fails_on_production(prod_pack: PolicyPackSession) -> None:
    v = judge(prod_pack, backups({"enabled": False})).assert_has_violation(
        POLICY, urn_name="supabase-backups", contains="without a documented waiver", level="mandatory")
    assert v.severity == "high" and "production: stack name 'prod'" in v.message
    judge(prod_pack, backups({"enabled": False, "waiver": "n/a"})).assert_has_violation(
        POLICY, contains="at least 20 characters")
    judge(prod_pack, backups({})).assert_has_violation(POLICY, contains="not declared")
    judge(prod_pack, backups(None)).assert_has_violation(POLICY, contains="not declared")


def test_short_retention_fails_and_the_minimum_is_configurable(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, backups({"enabled": True, "retention_days": 3.0})).assert_has_violation(
        POLICY, contains="3 day(s)")
    judge(prod_pack, backups({"enabled": True, "retention_days": 7.0}),
          config={POLICY: {"minRetentionDays": 14}}).assert_has_violation(POLICY, contains="at least 14")


def test_unknown_inputs_say_so(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, backups({"enabled": UNKNOWN})).assert_unknown(POLICY)


def test_not_production_is_not_judged(pack: PolicyPackSession) -> None:
    judge(pack, backups({"enabled": False}, stack="dev")).assert_no_violations(POLICY)


def test_production_by_stack_tag(pack: PolicyPackSession) -> None:
    judge(pack, backups({"enabled": False}, stack="dev"), tags={"environment": "production"}).assert_has_violation(
        POLICY, contains="stack tag environment=production")


def test_backups_declared_is_advised_on_production(prod_pack: PolicyPackSession, pack: PolicyPackSession) -> None:
    ssl = resource(SSL, "supabase-ssl", {"requestedConfig": {"database": True}}, stack="prod")
    db = resource(DB, "supabase-db", {"tables": []}, stack="prod")
    v = judge(prod_pack, ssl, db).assert_has_violation("supabase-backups-declared", contains="declares no backups")
    assert v.enforcement == "advisory"
    judge(prod_pack, ssl, db, backups({"enabled": True, "retention_days": 7.0})).assert_no_violations(
        "supabase-backups-declared")
    judge(pack, resource(SSL, "supabase-ssl", {"requestedConfig": {"database": True}})).assert_no_violations(
        "supabase-backups-declared")
