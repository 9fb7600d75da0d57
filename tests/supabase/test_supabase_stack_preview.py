"""The prod example stack, through the offline preview, registers the Supabase settings resources (issue 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackcheck.engine import run_program
from stackcheck.wire import is_secret

REPO = Path(__file__).resolve().parents[2]
DYN = "pulumi-python:dynamic/supabase:"


@pytest.fixture(scope="module")
def supabase_resources():  # type: ignore[no-untyped-def]
    result, _ = run_program(REPO, "prod")
    return {r.type.removeprefix(DYN): r for r in result.resources if r.type.startswith(DYN)}


def test_prod_registers_every_settings_resource(supabase_resources) -> None:  # type: ignore[no-untyped-def]
    assert set(supabase_resources) == {"AuthSettings", "PostgrestSettings", "SslEnforcement", "DatabaseSecurity",
                                       "DatabaseBackups"}
    assert supabase_resources["DatabaseBackups"].inputs["pitr"] == {"enabled": True, "retention_days": 7}
    for record in supabase_resources.values():
        # Under the stack's WebApp (the URN keeps an alias to the stack-parented one it had before).
        assert record.parent == ("urn:pulumi:prod::webstack::webstack:index:WebApp$webstack:index:SupabaseProject::"
                                 "supabase")
        assert record.inputs["project_ref"] == "abcdefghijklmnopqrst"
        # The token is read by the provider when it runs (rotating it changes no input); only its key is recorded.
        assert "access_token" not in record.inputs
        assert record.inputs["access_token_config"] == "webstack:supabaseAccessToken"
        assert not is_secret(record.inputs["access_token_config"])


def test_auth_settings_derive_from_the_stack(supabase_resources) -> None:  # type: ignore[no-untyped-def]
    auth = supabase_resources["AuthSettings"].inputs["settings"]
    assert auth["site_url"] == "https://example.com"  # the canonical host
    assert auth["uri_allow_list"].split(",") == ["https://example.com/auth/callback",
                                                 "https://www.example.com/auth/callback"]
    assert auth["password_hibp_enabled"] is True and auth["refresh_token_rotation_enabled"] is True
    assert auth["external_anonymous_users_enabled"] is False
    rate_limits = {k: v for k, v in auth.items() if k.startswith("rate_limit_")}
    assert rate_limits and all(isinstance(v, float) and v > 0 for v in rate_limits.values())


def test_ssl_is_enforced_and_the_bundle_is_the_rendered_sql(supabase_resources) -> None:  # type: ignore[no-untyped-def]
    assert supabase_resources["SslEnforcement"].inputs["requestedConfig"] == {"database": True}
    sql = supabase_resources["DatabaseSecurity"].inputs["sql"]
    assert sql.startswith("begin;") and sql.rstrip().endswith("commit;")
    assert "-- ==== supabase/00_schema.sql" in sql and "enable row level security" in sql.lower()
