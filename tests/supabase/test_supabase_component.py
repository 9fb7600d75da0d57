"""SupabaseProject under Pulumi's mock monitor: the settings resources are registered with the expected inputs,
parented to the component, and the access token, DSN, secret values and anon key stay secrets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components.config.base import ConfigError
from components.config.loader import STRUCTURED_KEYS
from components.config.stack import SECURE_PLACEHOLDER, StackConfig
from components.stack_config import load_stack_config
from components.supabase import sql as sqlgen

REPO = Path(__file__).resolve().parents[2]
TOKEN = "sbp_0123456789abcdef0123456789abcdef01234567"
ANON = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2lnbmF0dXJl"
DYN = "pulumi-python:dynamic/supabase:"


def stack_config(supabase: dict[str, Any] | None = None, **secrets: str) -> StackConfig:
    """Pulumi.prod.yaml with real-looking secrets (or the offline placeholder) and optional supabase overrides."""
    doc = yaml.safe_load((REPO / "Pulumi.prod.yaml").read_text())["config"]
    raw: dict[str, Any] = {}
    for key, value in doc.items():
        short = key.split(":", 1)[1]
        if isinstance(value, dict) and "secure" in value:
            value = secrets.get(short, SECURE_PLACEHOLDER)
        elif short in STRUCTURED_KEYS:
            value = json.dumps(value)
        raw[key] = value
    for short, value in secrets.items():
        raw[f"webstack:{short}"] = value
    if supabase is not None:
        base = doc["webstack:supabase"]
        raw["webstack:supabase"] = json.dumps({**base, **supabase})
    return load_stack_config(raw, project="webstack", stack="prod",
                             secret_keys=frozenset(f"webstack:{k}" for k in secrets))


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.resources.append(args)
        return (f"{args.name}-id" if args.typ.startswith("pulumi-python:") else None), dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def mocks() -> Iterator[Recorder]:
    """Mocks for one test; the global root Stack they create is removed afterwards (other tests run programs)."""
    from pulumi.runtime import settings

    recorder = Recorder()
    settings.reset_options()
    pulumi.runtime.set_mocks(recorder, project="webstack", stack="prod", preview=False)
    yield recorder
    settings.reset_options()


SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def secret_payload(value: Any) -> Any:
    """The value inside a secret as the monitor receives it; fails if it is not a secret."""
    assert isinstance(value, dict) and value.get("4dabf18193072939515e22adb298388d") == SECRET_SIG, value
    return value["value"]


def by_type(mocks: Recorder) -> dict[str, pulumi.runtime.MockResourceArgs]:
    return {r.typ.removeprefix(DYN): r for r in mocks.resources if r.typ.startswith(DYN)}


@pulumi.runtime.test
def test_prod_registers_settings_resources(mocks: Recorder) -> Any:
    from components.supabase_project import SupabaseProject, supabase_args_from_config

    cfg = stack_config({"database": {"exampleApp": True},
                        "networkRestrictions": {"allowedCidrs": ["203.0.113.0/24", "2001:db8::/32"]}},
                       supabaseAccessToken=TOKEN, supabaseAnonKey=ANON)
    project = SupabaseProject("supabase", supabase_args_from_config(cfg))

    def check(values: list[Any]) -> None:
        api_url, anon_secret, anon_value, files = values[:4]
        kinds = by_type(mocks)
        assert set(kinds) == {"AuthSettings", "PostgrestSettings", "SslEnforcement", "NetworkRestrictions",
                              "DatabaseSecurity", "DatabaseBackups"}  # backups: Pulumi.prod.yaml declares PITR
        assert all(r.name.startswith("supabase-") for r in kinds.values())
        comp = [r for r in mocks.resources if r.typ == "webstack:index:SupabaseProject"]
        assert [c.name for c in comp] == ["supabase"]

        auth = kinds["AuthSettings"].inputs["settings"]
        assert auth["site_url"] == "https://example.com"
        assert auth["uri_allow_list"] == "https://example.com/auth/callback,https://www.example.com/auth/callback"
        assert auth["password_hibp_enabled"] is True and auth["password_min_length"] == 12
        assert auth["external_anonymous_users_enabled"] is False and auth["refresh_token_rotation_enabled"] is True
        # /auth/* at the edge is 20 per 60 s per IP = 100 per 5 min: Supabase's 150 refreshes are capped to 100
        assert auth["rate_limit_token_refresh"] == 100 and auth["rate_limit_verify"] == 30
        assert {k for k in auth if k.startswith("rate_limit_")} == {
            "rate_limit_anonymous_users", "rate_limit_email_sent", "rate_limit_otp", "rate_limit_sms_sent",
            "rate_limit_token_refresh", "rate_limit_verify", "rate_limit_web3"}
        assert kinds["PostgrestSettings"].inputs["settings"] == {
            "db_schema": "public", "max_rows": 1000, "db_extra_search_path": "public,extensions"}
        assert kinds["SslEnforcement"].inputs["requestedConfig"] == {"database": True}
        assert kinds["NetworkRestrictions"].inputs["settings"] == {
            "dbAllowedCidrs": ["203.0.113.0/24"], "dbAllowedCidrsV6": ["2001:db8::/32"]}
        db = kinds["DatabaseSecurity"].inputs
        assert {t["name"] for t in db["tables"]} == {"profiles", "todos", "posts", "moderation_notes"}
        assert all(t["rls_enabled"] for t in db["tables"])
        assert db["files"] == ["supabase/00_schema.sql", "supabase/10_rls.sql", "supabase/20_functions.sql",
                               "supabase/30_grants.sql"]
        assert sorted(files) == db["files"]  # the bundle is the component's `files` output, as applied
        assert sqlgen.bundle(files) == db["sql"]
        assert api_url == "https://abcdefghijklmnopqrst.supabase.co"
        assert anon_secret is True and anon_value == ANON
        for r in kinds.values():
            # The token is no input at all: the provider reads it from this stack config key when it runs.
            assert "access_token" not in r.inputs
            assert r.inputs["access_token_config"] == "webstack:supabaseAccessToken"
            assert r.inputs["project_ref"] == "abcdefghijklmnopqrst"
            assert TOKEN not in json.dumps(r.inputs)

    return pulumi.Output.all(project.api_url,
                             pulumi.Output.from_input(project.anon_key.is_secret()), project.anon_key, project.files,
                             *[r.urn for r in project.settings.values()], project.urn).apply(check)


@pulumi.runtime.test
def test_offline_placeholders_stay_secret_and_dsn_is_secret(mocks: Recorder) -> Any:
    from components.supabase_project import SupabaseProject, supabase_args_from_config

    dsn = "postgresql://postgres:pw-not-for-logs@db.abcdefghijklmnopqrst.supabase.co:5432/postgres"
    cfg = stack_config({"database": {"exampleApp": True}}, supabaseDbUrl=dsn)  # token + anon key: placeholders
    project = SupabaseProject("sb", supabase_args_from_config(cfg))

    def check(_: Any) -> None:
        kinds = by_type(mocks)
        assert "access_token" not in kinds["AuthSettings"].inputs
        assert secret_payload(kinds["DatabaseSecurity"].inputs["db_url"]) == dsn
        assert SECURE_PLACEHOLDER not in json.dumps([r.inputs for r in mocks.resources])
        assert "pw-not-for-logs" not in json.dumps(kinds["DatabaseSecurity"].inputs["sql"])

    return pulumi.Output.all(*[r.urn for r in project.settings.values()]).apply(check)


@pulumi.runtime.test
def test_manage_settings_off_registers_no_api_resources(mocks: Recorder) -> Any:
    from components.supabase_project import SupabaseProject, supabase_args_from_config

    cfg = stack_config({"manageSettings": False})
    args = supabase_args_from_config(cfg)
    project = SupabaseProject("sb", args)
    assert project.settings == {}

    def check(values: list[Any]) -> None:
        _, files = values
        assert [r.typ for r in mocks.resources] == ["webstack:index:SupabaseProject"]
        # Still rendered without the settings resources: Pulumi.prod.yaml ships the example app's schema
        # (database.exampleApp), so 00_schema.sql comes first.
        assert list(files) == ["supabase/00_schema.sql", "supabase/10_rls.sql", "supabase/20_functions.sql",
                               "supabase/30_grants.sql"]
        assert all(text.strip() for text in files.values())

    return pulumi.Output.all(project.urn, project.files).apply(check)


@pulumi.runtime.test
def test_edge_function_secret_values_are_secret(mocks: Recorder) -> Any:
    from components.supabase_project import SupabaseProject

    project = SupabaseProject("sb", {
        "project_ref": "abcdefghijklmnopqrst", "domain": "example.com", "anon_key": ANON,
        "function_secrets": ["STRIPE_WEBHOOK_SECRET"],
        "function_secret_values": {"STRIPE_WEBHOOK_SECRET": "whsec_topsecret"}})

    def check(_: Any) -> None:
        res = by_type(mocks)["EdgeFunctionSecrets"]
        assert res.inputs["names"] == ["STRIPE_WEBHOOK_SECRET"]
        assert secret_payload(res.inputs["values"]) == {"STRIPE_WEBHOOK_SECRET": "whsec_topsecret"}

    return project.settings["secrets"].urn.apply(check)


def test_missing_token_is_a_config_error_naming_the_key() -> None:
    from components.supabase_project import supabase_args_from_config

    doc_cfg = stack_config()
    cfg = doc_cfg.model_copy(update={"supabase_access_token": None})
    with pytest.raises(ConfigError) as err:
        supabase_args_from_config(cfg)
    assert err.value.problems[0][0] == "webstack:supabaseAccessToken"


def test_function_secrets_need_the_secret_key() -> None:
    from components.supabase_project import supabase_args_from_config

    cfg = stack_config({"functionSecrets": ["STRIPE_WEBHOOK_SECRET"]}, supabaseAccessToken=TOKEN)
    with pytest.raises(ConfigError) as err:
        supabase_args_from_config(cfg)
    assert err.value.problems[0][0] == "webstack:supabaseFunctionSecrets"


def test_function_secret_values_come_from_the_secret_key() -> None:
    from components.supabase_project import supabase_args_from_config

    cfg = stack_config({"functionSecrets": ["STRIPE_WEBHOOK_SECRET"]}, supabaseAccessToken=TOKEN,
                       supabaseFunctionSecrets=json.dumps({"STRIPE_WEBHOOK_SECRET": "whsec_marker"}))
    args = supabase_args_from_config(cfg)
    assert args.get("function_secrets") == ["STRIPE_WEBHOOK_SECRET"]
    assert args.get("function_secret_values") == {"STRIPE_WEBHOOK_SECRET": "whsec_marker"}
    wrong = stack_config({"functionSecrets": ["STRIPE_WEBHOOK_SECRET"]}, supabaseAccessToken=TOKEN,
                         supabaseFunctionSecrets=json.dumps({"OTHER": "x"}))
    with pytest.raises(ConfigError) as err:
        supabase_args_from_config(wrong)
    assert err.value.problems[0][0] == "webstack:supabaseFunctionSecrets"
    assert "whsec_marker" not in str(err.value)


@pulumi.runtime.test
def test_serialized_providers_load_in_a_fresh_interpreter(mocks: Recorder) -> Any:
    """The engine runs dynamic providers in another process: the pickled provider must load there, from the
    project directory, without dragging the token or the stack config along."""
    import subprocess
    import sys

    from components.supabase_project import SupabaseProject

    project = SupabaseProject("sb", {
        "project_ref": "abcdefghijklmnopqrst", "domain": "example.com", "anon_key": ANON,
        "auth": {"jwtExpiry": 3600}, "postgrest": {"maxRows": 10}, "database": {"exampleApp": True}})

    def check(_: Any) -> None:
        blobs = {r.typ: secret_payload(r.inputs["__provider"]) for r in mocks.resources if r.typ.startswith(DYN)}
        assert len(blobs) == 4
        code = ("import base64, dill, sys, json\n"
                "blobs = json.load(sys.stdin)\n"
                "print(sorted(type(dill.loads(base64.b64decode(b))).__name__ for b in blobs.values()))\n")
        done = subprocess.run([sys.executable, "-c", code], input=json.dumps(blobs), capture_output=True, text=True,
                              cwd=REPO, timeout=60, check=True)
        assert done.stdout.strip() == str(sorted(["AuthSettingsProvider", "PostgrestSettingsProvider",
                                                  "SslEnforcementProvider", "DatabaseSecurityProvider"]))
        for blob in blobs.values():
            assert TOKEN.encode() not in __import__("base64").b64decode(blob)

    return pulumi.Output.all(*[r.urn for r in project.settings.values()]).apply(check)


def _registered_inputs(token: str) -> list[tuple[str, dict[str, Any]]]:
    """Every resource the prod stack registers (name, inputs), run with ``token`` as the stack's access token."""
    from stackcheck.engine import run_program

    result, _ = run_program(REPO, "prod", secret_overrides={"webstack:supabaseAccessToken": token,
                                                            "webstack:supabaseAnonKey": ANON})
    return [(r.name, r.inputs) for r in result.resources]


_BOTH_RUNS = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.supabase.test_supabase_component import _registered_inputs, TOKEN
print(json.dumps([_registered_inputs(TOKEN), _registered_inputs("sbp_" + "f" * 40)], default=repr))
"""


def test_rotating_the_access_token_changes_no_resource_input() -> None:
    """Rotating the token must not diff every Supabase resource: it is read by the provider when it runs.

    Both runs happen in a fresh interpreter: in-process program runs after other tests' SDK state (a worker that
    already ran mocked programs) can block."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _BOTH_RUNS, str(REPO)], capture_output=True, text=True,
                          timeout=240, check=False, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    first, rotated = json.loads(done.stdout.splitlines()[-1])
    first = [tuple(pair) for pair in first]
    rotated = [tuple(pair) for pair in rotated]
    assert first == rotated
    assert TOKEN not in json.dumps([inputs for _, inputs in first])
    supabase = [inputs for name, inputs in first if name.startswith("supabase-")]
    assert supabase and all(i["access_token_config"] == "webstack:supabaseAccessToken" for i in supabase)


def test_settings_provider_reads_the_token_when_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """From the stack config key named by ``access_token_config`` (as the engine configures dynamic providers),
    else $SUPABASE_ACCESS_TOKEN; without either, an error that says how to set it — and no diff on rotation."""
    from pulumi.dynamic import ConfigureRequest
    from pulumi.dynamic.config import Config

    from components.supabase.provider import TOKEN_ENV, AuthSettingsProvider, MissingTokenError

    props = {"project_ref": "abcdefghijklmnopqrst", "access_token_config": "webstack:supabaseAccessToken",
             "api_base_url": "https://api.supabase.com", "settings": {"jwt_exp": 3600}}
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    provider = AuthSettingsProvider()
    with pytest.raises(MissingTokenError, match="webstack:supabaseAccessToken"):
        provider.token(props)
    monkeypatch.setenv(TOKEN_ENV, "sbp_from_the_environment_0123456789")
    assert provider.token(props) == "sbp_from_the_environment_0123456789"
    provider.configure(ConfigureRequest(Config({"webstack:supabaseAccessToken": TOKEN}, "webstack")))
    assert provider.token(props) == TOKEN  # the stack's own key wins over the environment
    assert provider.client(props)._token == TOKEN
    assert not provider.diff("id", props, dict(props)).changes
