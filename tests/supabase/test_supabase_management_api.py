"""Contract tests: the Management API client and the dynamic providers against a fake API that validates every
request against the published OpenAPI document, with injected 429/5xx/timeouts."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
from supabase_fake_api import FakeManagementApi, Fault

from components.supabase import provider as prov
from components.supabase.management import ManagementApiError, ManagementClient

TOKEN = "sbp_0123456789abcdef0123456789abcdef01234567"
REF = "abcdefghijklmnopqrst"



class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def api() -> Iterator[FakeManagementApi]:
    with FakeManagementApi(TOKEN) as fake:
        yield fake
    assert fake.violations == [], fake.violations


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def fast_clients(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> None:
    """Providers build their own clients; give them the fake clock and a short timeout (the logic is unchanged)."""
    def client_for(token: str, base_url: str) -> ManagementClient:
        return ManagementClient(token, base_url, timeout=0.5, max_total_seconds=30, sleep=clock.sleep, clock=clock)
    monkeypatch.setattr(prov, "client_for", client_for)
    # The providers read the token when they run (never from their inputs): here from the environment.
    monkeypatch.setenv(prov.TOKEN_ENV, TOKEN)


@pytest.fixture(autouse=True)
def no_token_in_logs(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    out, err = capsys.readouterr()
    everything = caplog.text + out + err + "".join(str(r.args) for r in caplog.records)
    assert TOKEN not in everything
    assert TOKEN[4:20] not in everything


def base(api: FakeManagementApi, **extra: Any) -> dict[str, Any]:
    return {"project_ref": REF, "access_token_config": "webstack:supabaseAccessToken", "api_base_url": api.url,
            **extra}


AUTH = {"site_url": "https://example.com", "uri_allow_list": "https://example.com/auth/callback,"
        "https://www.example.com/auth/callback", "jwt_exp": 3600, "password_min_length": 12,
        "password_hibp_enabled": True, "rate_limit_email_sent": 30, "rate_limit_otp": 30}


def assert_secret_free(exc: BaseException) -> None:
    text = str(exc) + repr(exc) + "".join(traceback.format_exception(exc))
    assert TOKEN not in text


# ------------------------------------------------------------------------------------------- client


def test_client_sends_token_only_in_authorization_header(api: FakeManagementApi, clock: FakeClock) -> None:
    client = ManagementClient(TOKEN, api.url, sleep=clock.sleep, clock=clock)
    assert TOKEN not in repr(client)
    client.get_auth_config(REF)
    (req,) = api.requests
    assert req.authorization == f"Bearer {TOKEN}"
    assert TOKEN not in req.path and req.body is None


def test_retry_then_success(api: FakeManagementApi, clock: FakeClock) -> None:
    api.faults = [Fault(503), Fault(429, retry_after="3"), Fault(502)]
    client = ManagementClient(TOKEN, api.url, sleep=clock.sleep, clock=clock)
    client.update_postgrest(REF, {"max_rows": 500})
    assert len(api.requests) == 4
    assert api.state.postgrest["max_rows"] == 500
    assert len(clock.sleeps) == 3 and clock.sleeps[1] >= 3.0  # Retry-After honoured


def test_timeout_is_retried(api: FakeManagementApi, clock: FakeClock) -> None:
    api.faults = [Fault(delay=1.0)]
    client = ManagementClient(TOKEN, api.url, timeout=0.3, sleep=clock.sleep, clock=clock)
    assert client.get_ssl_enforcement(REF) == {"currentConfig": {"database": False}, "appliedSuccessfully": True}
    assert len(clock.sleeps) == 1


def test_retry_budget_exhausted(api: FakeManagementApi, clock: FakeClock) -> None:
    api.faults = [Fault(503, message="upstream unavailable")] * 50
    client = ManagementClient(TOKEN, api.url, max_total_seconds=10, backoff_base=1, sleep=clock.sleep, clock=clock)
    with pytest.raises(ManagementApiError) as err:
        client.update_auth_config(REF, {"jwt_exp": 1800})
    assert err.value.status == 503
    assert "upstream unavailable" in str(err.value) and "gave up" in str(err.value)
    assert "auth config (jwt_exp)" in str(err.value)
    assert clock.now <= 10
    assert 2 <= len(api.requests) <= 8
    assert api.state.auth["jwt_exp"] == 3600
    assert_secret_free(err.value)


def test_attempts_are_bounded_too(api: FakeManagementApi, clock: FakeClock) -> None:
    api.faults = [Fault(500)] * 50
    client = ManagementClient(TOKEN, api.url, max_attempts=3, sleep=clock.sleep, clock=clock)
    with pytest.raises(ManagementApiError):
        client.get_postgrest(REF)
    assert len(api.requests) == 3


def test_client_error_surfaces_the_api_message_and_setting(api: FakeManagementApi, clock: FakeClock) -> None:
    api.faults = [Fault(400, message=f"password_min_length is invalid (token {TOKEN} echoed)")]
    client = ManagementClient(TOKEN, api.url, sleep=clock.sleep, clock=clock)
    with pytest.raises(ManagementApiError) as err:
        client.update_auth_config(REF, {"password_min_length": 12})
    assert err.value.status == 400 and not err.value.retryable
    assert "password_min_length is invalid" in str(err.value)
    assert "auth config (password_min_length)" in str(err.value)
    assert len(api.requests) == 1 and clock.sleeps == []
    assert_secret_free(err.value)


def test_wrong_token_is_401_not_retried(api: FakeManagementApi, clock: FakeClock) -> None:
    client = ManagementClient("sbp_wrongwrongwrongwrongwrong", api.url, sleep=clock.sleep, clock=clock)
    with pytest.raises(ManagementApiError, match="Unauthorized") as err:
        client.get_auth_config(REF)
    assert err.value.status == 401 and len(api.requests) == 1


def test_plain_http_only_to_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        ManagementClient(TOKEN, "http://api.supabase.com")
    with pytest.raises(ValueError, match="token"):
        ManagementClient("", "https://api.supabase.com")


def test_fake_rejects_what_the_document_rejects(api: FakeManagementApi, clock: FakeClock) -> None:
    """The fake is only worth something if it can say no: typo'd field, out-of-range value, bad ref."""
    client = ManagementClient(TOKEN, api.url, sleep=clock.sleep, clock=clock)
    with pytest.raises(ManagementApiError):
        client.update_auth_config(REF, {"jwt_expiry": 10})
    with pytest.raises(ManagementApiError):
        client.update_auth_config(REF, {"jwt_exp": 10**9})
    with pytest.raises(ManagementApiError):
        client.update_postgrest(REF, {"max_rows": -1})
    with pytest.raises(ManagementApiError):
        client.request("GET", "/v1/projects/ABC/config/auth", setting="bad ref")
    assert len(api.violations) == 4
    api.violations.clear()


# ------------------------------------------------------------------------------------------- providers


def test_auth_create_sends_only_differences(api: FakeManagementApi) -> None:
    p = prov.AuthSettingsProvider()
    props = base(api, settings=AUTH)
    assert p.check({}, props).failures == []
    result = p.create(props)
    assert result.id == f"{REF}/auth settings"
    (patch,) = api.mutations()
    assert patch.method == "PATCH" and patch.template == "/v1/projects/{ref}/config/auth"
    # jwt_exp and rate_limit_otp already matched: not sent; server-side fields never sent
    assert patch.body == {k: v for k, v in AUTH.items() if k not in ("jwt_exp", "rate_limit_otp")}
    assert {k: api.state.auth[k] for k in AUTH} == AUTH
    assert api.state.auth["smtp_host"] == "smtp.example.net"
    # creating again against a server that already matches writes nothing (idempotent)
    api.requests.clear()
    p.create(props)
    assert api.mutations() == []


def test_no_op_update_and_server_fields_do_not_diff(api: FakeManagementApi) -> None:
    p = prov.AuthSettingsProvider()
    props = base(api, settings=AUTH)
    outs = p.create(props).outs or {}
    api.state.auth["external_github_enabled"] = False  # a field the stack does not manage changes server-side
    assert p.diff("id", outs, props).changes is False
    api.requests.clear()
    p.update("id", outs, props)
    assert api.requests == []


def test_partial_update(api: FakeManagementApi) -> None:
    p = prov.AuthSettingsProvider()
    old = base(api, settings=AUTH)
    outs = p.create(old).outs or {}
    new = base(api, settings={**AUTH, "jwt_exp": 1800})
    diff = p.diff("id", outs, new)
    assert diff.changes is True and diff.replaces == []
    api.requests.clear()
    result = p.update("id", outs, new)
    assert [(r.method, r.body) for r in api.requests] == [("PATCH", {"jwt_exp": 1800})]
    assert (result.outs or {})["settings"]["jwt_exp"] == 1800 == api.state.auth["jwt_exp"]


def test_project_change_replaces(api: FakeManagementApi) -> None:
    p = prov.AuthSettingsProvider()
    old = base(api, settings=AUTH)
    assert p.diff("id", old, {**old, "project_ref": "zyxwvutsrqponmlkjihg"}).replaces == ["project_ref"]


def test_failed_update_leaves_recorded_state_equal_to_server(api: FakeManagementApi) -> None:
    p = prov.AuthSettingsProvider()
    old = base(api, settings=AUTH)
    outs = p.create(old).outs or {}
    new = base(api, settings={**AUTH, "jwt_exp": 900, "password_min_length": 16})
    api.faults = [Fault(400, message="jwt_exp below the minimum for your plan")]
    with pytest.raises(ManagementApiError, match="jwt_exp below the minimum") as err:
        p.update("id", outs, new)
    assert_secret_free(err.value)
    # The engine keeps the old outputs on failure: they must match the server.
    assert {k: api.state.auth[k] for k in AUTH} == outs["settings"]


def test_change_that_landed_despite_errors_is_recorded(api: FakeManagementApi) -> None:
    p = prov.AuthSettingsProvider()
    old = base(api, settings=AUTH)
    outs = p.create(old).outs or {}
    new = base(api, settings={**AUTH, "jwt_exp": 900})
    # applied server-side, but every answer to the write is an error
    api.faults = [Fault(500, apply_first=True, methods=("PATCH",)) for _ in range(20)]
    result = p.update("id", outs, new)
    assert (result.outs or {})["settings"]["jwt_exp"] == 900 == api.state.auth["jwt_exp"]


def test_read_reports_drift_of_managed_fields_only(api: FakeManagementApi) -> None:
    p = prov.AuthSettingsProvider()
    props = base(api, settings=AUTH)
    outs = p.create(props).outs or {}
    api.state.auth["password_min_length"] = 6
    observed = p.read("id", outs).outs or {}
    assert observed["settings"] == {**AUTH, "password_min_length": 6}
    assert p.diff("id", observed, props).changes is True


def test_delete_restores_nothing_and_says_so(api: FakeManagementApi, capsys: pytest.CaptureFixture[str],
                                            caplog: pytest.LogCaptureFixture) -> None:
    p = prov.AuthSettingsProvider()
    outs = p.create(base(api, settings=AUTH)).outs or {}
    api.requests.clear()
    p.delete("id", outs)
    assert api.requests == []
    # stderr in the provider process; the engine log when one is attached (here: Pulumi mocks from other tests)
    assert "left as they are" in capsys.readouterr().err + caplog.text


def test_postgrest_lists_compare_as_lists(api: FakeManagementApi) -> None:
    p = prov.PostgrestSettingsProvider()
    props = base(api, settings={"db_schema": "public", "max_rows": 1000, "db_extra_search_path": "public,extensions"})
    p.create(props)
    assert [r.body for r in api.mutations()] == [{"db_schema": "public"}]  # "public, extensions" already matched
    assert api.state.postgrest["db_schema"] == "public"


def test_ssl_enforcement(api: FakeManagementApi) -> None:
    p = prov.SslEnforcementProvider()
    props = base(api, requestedConfig={"database": True})
    p.create(props)
    assert [(r.method, r.body) for r in api.mutations()] == [("PUT", {"requestedConfig": {"database": True}})]
    assert api.state.ssl is True


def test_network_restrictions_send_whole_allow_list(api: FakeManagementApi) -> None:
    p = prov.NetworkRestrictionsProvider()
    props = base(api, settings={"dbAllowedCidrs": ["203.0.113.0/24"], "dbAllowedCidrsV6": []})
    outs = p.create(props).outs or {}
    assert api.state.network == {"dbAllowedCidrs": ["203.0.113.0/24"], "dbAllowedCidrsV6": []}
    new = base(api, settings={"dbAllowedCidrs": ["203.0.113.0/24", "198.51.100.0/24"], "dbAllowedCidrsV6": []})
    api.requests.clear()
    p.update("id", outs, new)
    assert [r.body for r in api.mutations()] == [
        {"dbAllowedCidrs": ["203.0.113.0/24", "198.51.100.0/24"], "dbAllowedCidrsV6": []}]


def test_edge_function_secrets_lifecycle(api: FakeManagementApi) -> None:
    p = prov.EdgeFunctionSecretsProvider()
    values = {"STRIPE_WEBHOOK_SECRET": "whsec_value_one", "OPENAI_API_KEY": "sk-value-two"}
    props = base(api, names=sorted(values), values=values)
    assert p.check({}, props).failures == []
    assert p.check({}, {**props, "names": ["SUPABASE_URL"], "values": {"SUPABASE_URL": "x"}}).failures
    outs = p.create(props).outs or {}
    assert api.state.secrets == {"OTHER_TEAM_KEY": "theirs", **values}
    new_values = {"STRIPE_WEBHOOK_SECRET": "whsec_rotated"}
    new = base(api, names=["STRIPE_WEBHOOK_SECRET"], values=new_values)
    assert p.diff("id", outs, new).changes is True
    api.requests.clear()
    outs = p.update("id", outs, new).outs or {}
    assert [(r.method, r.body) for r in api.requests] == [
        ("POST", [{"name": "STRIPE_WEBHOOK_SECRET", "value": "whsec_rotated"}]),
        ("DELETE", ["OPENAI_API_KEY"])]
    assert api.state.secrets == {"OTHER_TEAM_KEY": "theirs", "STRIPE_WEBHOOK_SECRET": "whsec_rotated"}
    p.delete("id", outs)
    assert api.state.secrets == {"OTHER_TEAM_KEY": "theirs"}  # only what this stack created


def test_failed_secret_removal_rolls_back(api: FakeManagementApi) -> None:
    p = prov.EdgeFunctionSecretsProvider()
    old_values = {"A_KEY": "one", "B_KEY": "two"}
    outs = p.create(base(api, names=sorted(old_values), values=old_values)).outs or {}
    api.faults = [Fault(), Fault(403, message="forbidden for this token")]
    with pytest.raises(ManagementApiError, match="forbidden"):
        p.update("id", outs, base(api, names=["A_KEY"], values={"A_KEY": "changed"}))
    assert {k: api.state.secrets[k] for k in old_values} == old_values


def test_database_bundle_through_query_endpoint(api: FakeManagementApi) -> None:
    p = prov.DatabaseSecurityProvider()
    sql = "begin;\nalter table public.todos enable row level security;\ncommit;\n"
    props = base(api, sql=sql, sql_sha256=prov.sql_digest(sql), tables=[], db_url=None)
    p.create(props)
    assert api.state.queries == [sql]
    api.faults = [Fault(400, message='relation "public.todos" does not exist')]
    changed = {**props, "sql": sql + "-- v2\n", "sql_sha256": prov.sql_digest(sql + "-- v2\n")}
    with pytest.raises(ManagementApiError, match="does not exist") as err:
        p.update("id", props, changed)
    assert "database security bundle" in str(err.value)
