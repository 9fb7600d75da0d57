"""`webstack:supabase`: documented ranges, secure defaults, errors that name the key, derived settings, SQL text."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from supabase_fake_api import OPENAPI
from test_supabase_component import TOKEN, stack_config

from components.config.base import ConfigError
from components.config.supabase import PASSWORD_CHARACTER_SETS, DatabaseConfig, SupabaseConfig
from components.supabase import settings as derive
from components.supabase import sql as sqlgen
from tests.conftest import REPO


def problems(supabase: dict[str, Any], **kw: Any) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as err:
        stack_config(supabase, supabaseAccessToken=TOKEN, **kw)
    return err.value.problems


@pytest.mark.parametrize(("override", "key", "fragment"), [
    ({"auth": {"jwtExpiry": 604801}}, "webstack:supabase.auth.jwtExpiry", "604800"),
    ({"auth": {"passwordMinLength": 5}}, "webstack:supabase.auth.passwordMinLength", "6"),
    ({"auth": {"rateLimits": {"otp": 0}}}, "webstack:supabase.auth.rateLimits.otp", "1"),
    ({"auth": {"passwordRequiredCharacters": "emoji"}}, "webstack:supabase.auth.passwordRequiredCharacters", ""),
    ({"auth": {"redirectPaths": ["/cb?next=x"]}}, "webstack:supabase.auth.redirectPaths[0]", "path"),
    ({"postgrest": {"maxRows": 1_000_001}}, "webstack:supabase.postgrest.maxRows", "1000000"),
    ({"postgrest": {"schemas": ["public", "auth"]}}, "webstack:supabase.postgrest", "auth"),
    ({"postgrest": {"schemas": ["Public"]}}, "webstack:supabase.postgrest.schemas[0]", "lower-case"),
    ({"networkRestrictions": {"allowedCidrs": ["203.0.113.7/24"]}},
     "webstack:supabase.networkRestrictions.allowedCidrs[0]", "host bits"),
    ({"networkRestrictions": {"allowedCidrs": ["0.0.0.0/0"]}}, "webstack:supabase.networkRestrictions", "reason"),
    ({"functionSecrets": ["SUPABASE_URL"]}, "webstack:supabase.functionSecrets[0]", "SUPABASE_"),
    ({"functionSecrets": ["stripe key"]}, "webstack:supabase.functionSecrets[0]", "upper-case"),
    ({"database": {"tables": [{"name": "t", "policies": []}]}}, "webstack:supabase.database.tables[0].policies",
     "at least 1"),
    ({"database": {"tables": [{"name": "t; drop", "policies": [{"kind": "no_access"}]}]}},
     "webstack:supabase.database.tables[0].name", "identifier"),
    ({"database": {"tables": [{"name": "t", "policies": [{"kind": "sql", "roles": ["anon"], "using": "true"}]}]}},
     "webstack:supabase.database.tables[0].policies[0]", "reason"),
    ({"database": {"tables": [{"name": "t", "policies": [{"kind": "public_read", "using": "x"}]}]}},
     "webstack:supabase.database.tables[0].policies[0]", "only apply to kind: sql"),
    ({"auth": {"extraRedirectUrls": ["http://localhost:5173"]}}, "webstack:supabase.auth.extraRedirectUrls[0]",
     "https"),
])
def test_bad_values_name_their_key(override: dict[str, Any], key: str, fragment: str) -> None:
    found = problems(override)
    assert any(k == key and fragment in msg for k, msg in found), found


@pytest.mark.parametrize("expr", [
    "true) with check (true", "true); drop table public.todos; --", "true -- comment", "$$ or true $$",
    "(select 1", "'unterminated", "true /* x */", "e'\\x41' = 'A'", "true\nor false",
])
def test_policy_expressions_cannot_break_out(expr: str) -> None:
    table = {"name": "t", "policies": [{"kind": "sql", "roles": ["anon"], "commands": ["select"], "using": expr,
                                        "reason": "test"}]}
    with pytest.raises(ValueError):
        DatabaseConfig.model_validate({"tables": [table]})


def test_defaults_are_secure() -> None:
    cfg = stack_config(supabaseAccessToken=TOKEN)
    auth = derive.auth_settings(cfg)
    assert auth["password_hibp_enabled"] and auth["mfa_totp_enroll_enabled"] and auth["mfa_totp_verify_enabled"]
    assert auth["refresh_token_rotation_enabled"] and not auth["external_anonymous_users_enabled"]
    assert auth["jwt_exp"] == 3600 and auth["password_min_length"] >= 12
    assert auth["password_required_characters"] == PASSWORD_CHARACTER_SETS["lower_upper_digits"]
    assert cfg.supabase.enforce_ssl and cfg.supabase.postgrest.schemas == ["public"]
    assert cfg.supabase.database.harden_functions and cfg.supabase.database.revoke_anon_defaults


def test_auth_body_matches_the_openapi_document() -> None:
    """Every derived field exists in UpdateAuthConfigBody and lies in its documented range/enum."""
    import jsonschema
    from supabase_fake_api import _nullable_to_jsonschema

    doc = json.loads(OPENAPI.read_text())
    schemas = _nullable_to_jsonschema(doc["components"])
    cfg = stack_config({"auth": {"passwordRequiredCharacters": "lower_upper_digits_symbols"}},
                       supabaseAccessToken=TOKEN)
    for body, name in ((derive.auth_settings(cfg), "UpdateAuthConfigBody"),
                       (derive.postgrest_settings(cfg), "V1UpdatePostgrestConfigBody")):
        jsonschema.validate(body, {**schemas["schemas"][name], "components": schemas})
    enum = doc["components"]["schemas"]["UpdateAuthConfigBody"]["properties"]["password_required_characters"]["enum"]
    assert sorted(PASSWORD_CHARACTER_SETS.values()) == sorted(enum)


def test_rate_limits_derive_from_the_edge_model_and_overrides_win() -> None:
    strict_edge = stack_config(supabaseAccessToken=TOKEN, **{})
    strict_edge = strict_edge.model_copy(update={"rate_limits": [
        r.model_copy(update={"requests_per_period": 5}) if r.path.startswith("/auth") else r
        for r in strict_edge.rate_limits]})
    limits = derive.auth_rate_limits(strict_edge)
    assert limits["rate_limit_verify"] == 25 and limits["rate_limit_token_refresh"] == 25  # 5/min * 5 min
    assert limits["rate_limit_anonymous_users"] == 30  # 300/h at the edge; Supabase's 30 is stricter
    assert limits["rate_limit_email_sent"] == 30  # project-wide: not derived from a per-IP limit
    no_auth_path = strict_edge.model_copy(update={"rate_limits": []})
    assert derive.auth_rate_limits(no_auth_path)["rate_limit_token_refresh"] == 150
    smtp = yaml.safe_load((REPO / "Pulumi.prod.yaml").read_text())["config"]["webstack:supabase"]["auth"]["smtp"]
    overridden = stack_config({"auth": {"rateLimits": {"tokenRefresh": 60, "emailSent": 4}, "smtp": smtp}},
                              supabaseAccessToken=TOKEN)
    limits = derive.auth_rate_limits(overridden)
    assert limits["rate_limit_token_refresh"] == 60 and limits["rate_limit_email_sent"] == 4


def test_site_url_and_redirects_follow_the_domains() -> None:
    cfg = stack_config({"auth": {"redirectPaths": ["/auth/callback", "/account/*"]}}, supabaseAccessToken=TOKEN)
    cfg = cfg.model_copy(update={"canonical_host": "www"})
    assert derive.site_url(cfg) == "https://www.example.com"
    assert derive.redirect_allow_list(cfg) == [
        "https://example.com/auth/callback", "https://example.com/account/*",
        "https://www.example.com/auth/callback", "https://www.example.com/account/*"]


def test_default_url_from_ref() -> None:
    sb = SupabaseConfig.model_validate({"projectRef": "abcdefghijklmnopqrst"})
    assert sb.api_url == "https://abcdefghijklmnopqrst.supabase.co"


def test_rendered_sql_is_deterministic_and_quoted() -> None:
    db = DatabaseConfig.model_validate({"exampleApp": True, "tables": [
        {"schema": "app", "name": "notes", "policies": [{"kind": "owner", "column": "owner_id",
                                                          "commands": ["select"]}]}]})
    a, b = sqlgen.render_files(db, ["public", "app"]), sqlgen.render_files(db, ["public", "app"])
    assert a == b
    rls = a["supabase/10_rls.sql"]
    assert 'alter table "app"."notes" enable row level security;' in rls
    assert 'using ((select auth.uid()) = "owner_id")' in rls
    grants = a["supabase/30_grants.sql"]
    assert 'grant select on table "app"."notes" to "authenticated";' in grants
    assert 'grant select, insert, update, delete on table "public"."todos" to "authenticated";' in grants
    assert 'on table "public"."todos" to "anon"' not in grants
    assert sqlgen.literal("it's") == "'it''s'" and sqlgen.ident('a"b') == '"a""b"'


def test_policy_names_must_be_unique_per_table() -> None:
    db = DatabaseConfig.model_validate({"tables": [{"name": "t", "policies": [
        {"kind": "public_read", "name": "p"}, {"kind": "authenticated_read", "name": "p"}]}]})
    with pytest.raises(ValueError, match="used twice"):
        sqlgen.render_files(db, ["public"])


def test_vendored_openapi_document_is_the_one_its_readme_names() -> None:
    """The contract tests run against the vendored copy; its README records source, date and hash — keep them true."""
    import hashlib
    import re

    readme = (OPENAPI.parent / "README.md").read_text()
    recorded = re.search(r"sha256\s+`([0-9a-f]{64})`", readme)
    assert recorded, "tests/fixtures/supabase/README.md must record the document's sha256"
    assert hashlib.sha256(OPENAPI.read_bytes()).hexdigest() == recorded.group(1)
    assert json.loads(OPENAPI.read_text())["info"]["title"] == "Supabase API (v1)"
