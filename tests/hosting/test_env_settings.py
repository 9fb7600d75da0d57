"""Typed environment settings: classification, and bad environments refused at the config boundary.

Every refusal names the config key and says what to do, and never repeats the offending value.
"""

from __future__ import annotations

from hosting_helpers import fake_jwt, load, problems_of, with_env, with_vercel

from components.standard.env import public_env, resolve_env, supabase_key_kind

SERVICE_ROLE = fake_jwt("service_role", "srmarker")
SB_SECRET = "sb_secret_" + "S3cr3tV4lu3" * 3


def _assert_refused(problems: list[tuple[str, str]], key: str, *fragments: str, hidden: str | None = None) -> None:
    matching = [msg for k, msg in problems if k == key]
    assert matching, problems
    for fragment in fragments:
        assert any(fragment in msg for msg in matching), (fragment, matching)
    if hidden is not None:
        assert all(hidden not in f"{k} {msg}" for k, msg in problems)


# --------------------------------------------------------------------------------------------- refused (one each)


def test_service_role_jwt_as_anon_key_is_refused() -> None:
    problems = problems_of(anon_key=SERVICE_ROLE)
    _assert_refused(problems, "webstack:supabaseAnonKey", "service_role", "rotate", hidden=SERVICE_ROLE)
    assert all("srmarker" not in msg for _, msg in problems)


def test_sb_secret_key_as_anon_key_is_refused() -> None:
    problems = problems_of(anon_key=SB_SECRET)
    _assert_refused(problems, "webstack:supabaseAnonKey", "sb_secret_", "bypasses Row Level Security", hidden=SB_SECRET)


def test_sb_secret_key_in_another_vite_variable_is_refused() -> None:
    problems = problems_of(with_env({"NODE_ENV": "production", "VITE_SUPABASE_KEY": SB_SECRET}))
    _assert_refused(problems, "webstack:env", "VITE_SUPABASE_KEY", "browser bundle", hidden=SB_SECRET)


def test_service_role_jwt_in_a_vite_variable_is_refused() -> None:
    problems = problems_of(with_env({"NODE_ENV": "production", "VITE_ADMIN_KEY": SERVICE_ROLE}))
    _assert_refused(problems, "webstack:env", "VITE_ADMIN_KEY", "service_role", hidden=SERVICE_ROLE)


def test_http_supabase_url_override_is_refused() -> None:
    problems = problems_of(with_env({"NODE_ENV": "production", "VITE_SUPABASE_URL": "http://abcdefghijklmnopqrst.supabase.co"}))
    _assert_refused(problems, "webstack:env.VITE_SUPABASE_URL", "https://")


def test_http_supabase_project_url_is_refused() -> None:
    supabase = {"projectRef": "abcdefghijklmnopqrst", "url": "http://abcdefghijklmnopqrst.supabase.co"}
    _assert_refused(problems_of({"webstack:supabase": supabase}), "webstack:supabase.url", "https://")


def test_supabase_url_override_that_differs_from_the_project_is_refused() -> None:
    problems = problems_of(with_env({"NODE_ENV": "production", "VITE_SUPABASE_URL": "https://other.example.com"}))
    _assert_refused(problems, "webstack:env.VITE_SUPABASE_URL", "webstack:supabase.url")


def test_node_env_development_on_a_production_stack_is_refused() -> None:
    _assert_refused(problems_of(with_env({"NODE_ENV": "development"})), "webstack:env.NODE_ENV", "'production'")


def test_unknown_node_env_value_is_refused() -> None:
    problems = problems_of({**with_env({"NODE_ENV": "prod"}), "webstack:environment": "staging"})
    _assert_refused(problems, "webstack:env.NODE_ENV", "production, development, test")


def test_secret_looking_vite_name_is_refused() -> None:
    problems = problems_of(with_env({"NODE_ENV": "production", "VITE_STRIPE_SECRET": "not-a-real-value"}))
    _assert_refused(problems, "webstack:env", "VITE_STRIPE_SECRET", "name marks it as a secret",
                    hidden="not-a-real-value")


def test_token_and_password_names_under_vite_are_refused() -> None:
    problems = problems_of(with_env({"NODE_ENV": "production", "VITE_API_TOKEN": "x1", "VITE_DB_PASSWORD": "x2",
                                     "VITE_PRIVATE_NOTE": "x3"}))
    named = " ".join(msg for _, msg in problems)
    assert "VITE_API_TOKEN" in named and "VITE_DB_PASSWORD" in named and "VITE_PRIVATE_NOTE" in named


def test_anon_key_in_plain_env_is_refused() -> None:
    problems = problems_of(with_env({"NODE_ENV": "production", "VITE_SUPABASE_ANON_KEY": fake_jwt("anon")}))
    _assert_refused(problems, "webstack:env", "webstack:supabaseAnonKey", "--secret")


def test_secret_looking_plain_variable_must_move_to_secret_env() -> None:
    problems = problems_of(with_env({"NODE_ENV": "production", "SENTRY_AUTH_TOKEN": "sntrys_abc"}))
    _assert_refused(problems, "webstack:env", "SENTRY_AUTH_TOKEN", "webstack:secretEnv", hidden="sntrys_abc")


def test_secret_env_with_vite_prefix_is_refused() -> None:
    problems = problems_of(secret_env={"VITE_SENTRY_TOKEN": "sntrys_hidden_value"})
    _assert_refused(problems, "webstack:secretEnv.VITE_SENTRY_TOKEN", "VITE_", hidden="sntrys_hidden_value")


def test_unrecognised_anon_key_shape_is_refused() -> None:
    problems = problems_of(anon_key="just-some-string")
    _assert_refused(problems, "webstack:supabaseAnonKey", "sb_publishable_", hidden="just-some-string")


def test_jwt_with_authenticated_role_is_not_an_anon_key() -> None:
    token = fake_jwt("authenticated", "userjwt")
    _assert_refused(problems_of(anon_key=token), "webstack:supabaseAnonKey", "role anon", hidden=token)


def test_crlf_in_env_value_is_refused_without_echo() -> None:
    problems = problems_of(with_env({"NODE_ENV": "production", "VITE_FLAG": "on\r\nX-Injected: 1"}))
    _assert_refused(problems, "webstack:env", "VITE_FLAG", "control characters", hidden="X-Injected")


def test_quote_in_env_value_is_refused() -> None:
    problems = problems_of(with_env({"NODE_ENV": "production", "VITE_TITLE": 'My "App"'}))
    _assert_refused(problems, "webstack:env", "VITE_TITLE")


def test_lower_case_variable_name_is_refused() -> None:
    problems = problems_of(with_env({"NODE_ENV": "production", "vite_flag": "true"}))
    assert any(k.startswith("webstack:env") and "UPPER_SNAKE_CASE" in msg for k, msg in problems), problems


def test_feature_flags_must_be_booleans() -> None:
    problems = problems_of(with_env({"NODE_ENV": "production", "VITE_ENABLE_ANALYTICS": "yes"}))
    _assert_refused(problems, "webstack:env.VITE_ENABLE_ANALYTICS", "'true' or 'false'")


def test_npm_ci_without_dev_dependencies_under_node_env_production_is_refused() -> None:
    _assert_refused(problems_of(with_vercel(installCommand="npm ci")), "webstack:hosting.vercel.installCommand",
                    "--include=dev")


# --------------------------------------------------------------------------------------------- accepted


def test_anon_jwt_passes() -> None:
    cfg = load(anon_key=fake_jwt("anon"))
    anon = next(v for v in resolve_env(cfg) if v.name == "VITE_SUPABASE_ANON_KEY")
    assert anon.value == fake_jwt("anon") and anon.secret and anon.browser


def test_publishable_key_passes() -> None:
    key = "sb_publishable_" + "a1B2c3D4" * 3
    cfg = load(anon_key=key)
    assert supabase_key_kind(key) == "publishable"
    assert next(v for v in resolve_env(cfg) if v.name == "VITE_SUPABASE_ANON_KEY").value == key


def test_unresolved_secret_stays_unknown() -> None:
    anon = next(v for v in resolve_env(load()) if v.name == "VITE_SUPABASE_ANON_KEY")
    assert anon.value is None and anon.secret


def test_yaml_booleans_become_strings() -> None:
    cfg = load(with_env({"NODE_ENV": "production", "VITE_ENABLE_ANALYTICS": True,
                         "VITE_PERFORMANCE_MONITORING": False}))
    values = {v.name: v.value for v in resolve_env(cfg)}
    assert values["VITE_ENABLE_ANALYTICS"] == "true" and values["VITE_PERFORMANCE_MONITORING"] == "false"


def test_node_env_defaults_by_environment() -> None:
    assert {v.name: v.value for v in resolve_env(load(with_env({})))}["NODE_ENV"] == "production"
    dev = load({**with_env({}), "webstack:environment": "development"})
    assert {v.name: v.value for v in resolve_env(dev)}["NODE_ENV"] == "development"


# --------------------------------------------------------------------------------------------- classification


def test_every_variable_is_classified() -> None:
    cfg = load(with_env({"NODE_ENV": "production", "VITE_ENABLE_ANALYTICS": "true", "LOG_LEVEL": "info"}),
               anon_key=fake_jwt("anon"), secret_env={"SENTRY_AUTH_TOKEN": "sntrys_value"})
    env = {v.name: v for v in resolve_env(cfg)}
    assert list(env) == ["NODE_ENV", "VITE_SUPABASE_URL", "VITE_SUPABASE_ANON_KEY", "VITE_ENABLE_ANALYTICS",
                         "LOG_LEVEL", "SENTRY_AUTH_TOKEN"]
    assert all(env[n].browser for n in ("VITE_SUPABASE_URL", "VITE_SUPABASE_ANON_KEY", "VITE_ENABLE_ANALYTICS"))
    assert not env["NODE_ENV"].browser and not env["LOG_LEVEL"].browser
    assert env["VITE_SUPABASE_ANON_KEY"].classification == "public"  # in the bundle, though held as a Pulumi secret
    assert env["SENTRY_AUTH_TOKEN"].classification == "secret"
    assert env["VITE_SUPABASE_URL"].value == "https://abcdefghijklmnopqrst.supabase.co"
    assert env["VITE_SUPABASE_URL"].source == "webstack:supabase.url"


def test_public_env_never_contains_a_pulumi_secret() -> None:
    cfg = load(anon_key=fake_jwt("anon"), secret_env={"SENTRY_AUTH_TOKEN": "sntrys_value"})
    plain = public_env(resolve_env(cfg))
    assert "VITE_SUPABASE_ANON_KEY" not in plain and "SENTRY_AUTH_TOKEN" not in plain
    assert plain["NODE_ENV"] == "production" and plain["VITE_SUPABASE_URL"].startswith("https://")


def test_key_kinds() -> None:
    assert supabase_key_kind(fake_jwt("anon")) == "anon"
    assert supabase_key_kind(fake_jwt("service_role")) == "service_role"
    assert supabase_key_kind(SB_SECRET) == "secret"
    assert supabase_key_kind("sbp_" + "0" * 40) == "personal_access_token"
    assert supabase_key_kind("a.b.c") == "other"  # JWT-shaped but not decodable
    assert supabase_key_kind("not-a-key") == "other"
