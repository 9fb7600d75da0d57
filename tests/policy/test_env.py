"""Env settings: NODE_ENV, an https Supabase URL, no client-side secrets, sensitive Vercel secrets."""

from __future__ import annotations

import pytest
from fixtures_good import CONTAINER, IMAGE, REMOTE_IMAGE, VERCEL_ENV, VERCEL_PROJECT, container
from policy_helpers import SERVICE_ROLE_JWT, UNKNOWN, fake_jwt, judge, make_secret, resource

from stackcheck.analyzer import PolicyPackSession
from stackcheck.model import ResourceRecord

CLIENT = "no-secrets-in-client-env"
SENSITIVE = "secret-env-sensitive"


def vercel_env(key: str, value: object, *, sensitive: object = False, name: str | None = None) -> ResourceRecord:
    return resource(VERCEL_ENV, name or key.lower(), {"projectId": "prj", "key": key, "value": value,
                                                      "sensitive": sensitive, "targets": ["production", "preview"]})


def test_anon_key_in_vite_variable_passes(pack: PolicyPackSession) -> None:
    judge(pack, vercel_env("VITE_SUPABASE_ANON_KEY", fake_jwt("anon"))).assert_no_violations()


def test_service_role_key_in_vite_variable_fails(pack: PolicyPackSession) -> None:
    result = judge(pack, vercel_env("VITE_SUPABASE_ANON_KEY", make_secret(SERVICE_ROLE_JWT), sensitive=True))
    v = result.assert_has_violation(CLIENT, contains="role service_role", level="mandatory")
    assert v.severity == "critical"
    assert SERVICE_ROLE_JWT not in result.messages()
    assert SERVICE_ROLE_JWT.split(".")[1] not in result.messages()


def test_sb_secret_key_fails_even_when_not_marked_secret(pack: PolicyPackSession) -> None:
    result = judge(pack, vercel_env("VITE_SUPABASE_KEY", "sb_secret_0123456789abcdef", sensitive=True))
    result.assert_has_violation(CLIENT, contains="sb_secret_")
    assert "0123456789abcdef" not in result.messages()


@pytest.mark.parametrize("key", ["VITE_API_SECRET", "VITE_GITHUB_TOKEN", "VITE_DB_PASSWORD", "VITE_PRIVATE_KEY"])
def test_secret_looking_names_fail(pack: PolicyPackSession, key: str) -> None:
    judge(pack, vercel_env(key, "whatever", sensitive=True)).assert_has_violation(CLIENT, contains="name")


def test_server_side_secret_is_fine_when_sensitive(pack: PolicyPackSession) -> None:
    judge(pack, vercel_env("SUPABASE_SERVICE_ROLE_KEY", make_secret(SERVICE_ROLE_JWT), sensitive=True)
          ).assert_no_violations()


def test_secret_not_marked_sensitive_fails_and_remediates(pack: PolicyPackSession) -> None:
    record = vercel_env("SUPABASE_SERVICE_ROLE_KEY", make_secret(SERVICE_ROLE_JWT), sensitive=False)
    judge(pack, record).assert_has_violation(SENSITIVE, contains="not marked sensitive")
    fixed = judge(pack, record, config={SENSITIVE: "remediate"})
    fixed.assert_has_violation(SENSITIVE, level="remediate")
    fixed.assert_no_violations(SENSITIVE)
    after = fixed.records[0].inputs
    assert after["sensitive"] is True
    # the remediated inputs keep the value secret (Pulumi's secret marker survives the round trip)
    assert after["value"] == make_secret(SERVICE_ROLE_JWT)


def test_vercel_project_inline_environment(pack: PolicyPackSession) -> None:
    project = resource(VERCEL_PROJECT, "site", {"name": "site", "environments": [
        {"key": "VITE_SUPABASE_URL", "value": "https://abcdefghijklmnopqrst.supabase.co", "sensitive": False,
         "targets": ["production"]},
        {"key": "VITE_SERVICE_ROLE", "value": make_secret(SERVICE_ROLE_JWT), "sensitive": False,
         "targets": ["production"]},
    ]})
    result = judge(pack, project)
    result.assert_has_violation(CLIENT, contains="environments[1]")
    result.assert_has_violation(SENSITIVE, contains="environments[1]")
    assert not [v for v in result.of(CLIENT) if "environments[0]" in v.message]


def test_docker_env_and_build_args(pack: PolicyPackSession) -> None:
    c = container(envs=[f"VITE_SUPABASE_ANON_KEY={SERVICE_ROLE_JWT}"])
    judge(pack, c).assert_has_violation(CLIENT, urn_name="web")
    image = resource(IMAGE, "app", {"imageName": "registry.example.com/app:1.0.0", "build": {
        "context": ".", "args": {"VITE_SUPABASE_ANON_KEY": "sb_secret_xyz0123456789"}}})
    judge(pack, image).assert_has_violation(CLIENT, urn_name="app", contains="build.args")
    remote = resource(REMOTE_IMAGE, "remote", {"name": "app:1.0.0", "build": {
        "context": ".", "buildArgs": {"VITE_SUPABASE_URL": "https://x.supabase.co"}}})
    judge(pack, remote).assert_no_violations(CLIENT)
    assert CONTAINER


def test_unknown_value_of_client_variable_is_advisory(pack: PolicyPackSession) -> None:
    judge(pack, vercel_env("VITE_SUPABASE_ANON_KEY", UNKNOWN)).assert_unknown(CLIENT)


def test_client_prefixes_are_configurable(pack: PolicyPackSession) -> None:
    record = vercel_env("PUBLIC_THING_TOKEN", "x", sensitive=True)
    judge(pack, record).assert_has_violation(CLIENT)
    judge(pack, record, config={CLIENT: {"clientPrefixes": ["VITE_"]}}).assert_no_violations(CLIENT)


# ----------------------------------------------------------------------------------------- NODE_ENV & URL


def test_node_env_must_be_production_on_prod(prod_pack: PolicyPackSession, pack: PolicyPackSession) -> None:
    dev_value = container(envs=["NODE_ENV=development"])
    judge(prod_pack, dev_value).assert_has_violation("node-env-production", urn_name="web")
    judge(pack, dev_value).assert_no_violations("node-env-production")
    judge(prod_pack, container()).assert_no_violations("node-env-production")
    judge(prod_pack, vercel_env("NODE_ENV", UNKNOWN)).assert_unknown("node-env-production")


def test_supabase_url_https(prod_pack: PolicyPackSession, pack: PolicyPackSession) -> None:
    judge(prod_pack, vercel_env("VITE_SUPABASE_URL", "https://abcdefghijklmnopqrst.supabase.co")
          ).assert_no_violations("supabase-url-https")
    judge(prod_pack, vercel_env("VITE_SUPABASE_URL", "http://abcdefghijklmnopqrst.supabase.co")
          ).assert_has_violation("supabase-url-https", level="mandatory")
    local = vercel_env("VITE_SUPABASE_URL", "http://localhost:54321")
    judge(pack, local).assert_no_violations("supabase-url-https")
    judge(prod_pack, local).assert_has_violation("supabase-url-https")
    judge(pack, vercel_env("VITE_SUPABASE_URL", UNKNOWN)).assert_unknown("supabase-url-https")


def test_scrubbing_blanks_only_values_no_plain_input_carries(prod_pack: PolicyPackSession) -> None:
    """Messages are scrubbed of secret plaintexts, except those the stack also registers in the clear (they are in
    the report already; blanking them garbled messages: "NODE_ENV (key) is not '[secret]' on a [secret] stack")."""
    record = resource(VERCEL_ENV, "node-env", {
        "projectId": "prj", "key": "NODE_ENV", "value": make_secret("staging"), "targets": ["production"],
        "comment": make_secret("production"),  # secret here, plain in `targets`
        "note": make_secret("matches"),  # secret only: stays hidden even where the message says it
    }, stack="prod")
    message = next(v.message for v in judge(prod_pack, record).violations if v.policy == "node-env-production")
    assert "is not 'production' on a production stack" in message
    assert "matches" not in message and "[secret]" in message
