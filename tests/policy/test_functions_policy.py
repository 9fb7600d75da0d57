"""supabase-functions-verify-jwt through the real Analyzer protocol: inputs as webstack's EdgeFunction registers
them (tests/supabase/test_supabase_functions.py) and the camelCase shape another team's dynamic provider might use;
the default of the deploy endpoint (verify_jwt absent = verified) passes."""

from __future__ import annotations

from policy_helpers import UNKNOWN, judge, resource

from stackcheck.analyzer import PolicyPackSession

FUNCTION = "pulumi-python:dynamic/supabase:EdgeFunction"
POLICY = "supabase-functions-verify-jwt"


def function(**inputs: object):  # type: ignore[no-untyped-def]
    return resource(FUNCTION, "supabase-function-hello", {"project_ref": "abcdefghijklmnopqrst", "slug": "hello",
                                                          "entrypoint_path": "index.ts", **inputs})


def test_verified_or_default_passes(pack: PolicyPackSession) -> None:
    judge(pack, function(verify_jwt=True)).assert_no_violations(POLICY)
    judge(pack, function()).assert_no_violations(POLICY)
    judge(pack, function(verifyJwt=True)).assert_no_violations(POLICY)


def test_off_with_a_waiver_passes(pack: PolicyPackSession) -> None:
    judge(pack, function(verify_jwt=False, verify_jwt_waiver="Stripe webhook: checks Stripe-Signature")
          ).assert_no_violations(POLICY)
    judge(pack, function(verifyJwt=False, verifyJwtWaiver="GitHub webhook, HMAC-checked")).assert_no_violations(POLICY)


def test_off_without_a_reason_fails(pack: PolicyPackSession) -> None:
    v = judge(pack, function(verify_jwt=False)).assert_has_violation(
        POLICY, urn_name="supabase-function-hello", contains="Edge Function hello takes requests without",
        level="mandatory")
    assert v.severity == "high"
    judge(pack, function(verifyJwt=False, verifyJwtWaiver="  ")).assert_has_violation(POLICY, contains="no waiver")


def test_unknown_inputs_say_so(pack: PolicyPackSession) -> None:
    judge(pack, function(verify_jwt=UNKNOWN)).assert_unknown(POLICY)
