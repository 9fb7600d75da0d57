"""DatabaseBackups (components.supabase.backups) against the contract-checked fake Management API: the PITR add-on
applied only when it differs (PATCH /billing/addons with the document's variant enum), a waiver touches nothing,
the free plan's refusal names the plan requirement, the backup time, and the recovery window read from
GET /database/backups. The fake checks every request — and its own answers — against the vendored OpenAPI
document. Plus the config (`webstack:supabase.backups`) and the component's registration."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from supabase_fake_api import FakeManagementApi, Fault
from test_supabase_component import TOKEN as COMPONENT_TOKEN
from test_supabase_component import Recorder, by_type, mocks, secret_payload, stack_config  # noqa: F401

from components.config.base import ConfigError
from components.supabase import backups as bk
from components.supabase import provider as prov
from components.supabase.management import ManagementApiError, ManagementClient

TOKEN = "sbp_fedcba9876543210fedcba9876543210fedcba98"
REF = "abcdefghijklmnopqrst"


@pytest.fixture
def api() -> Iterator[FakeManagementApi]:
    with FakeManagementApi(TOKEN) as fake:
        yield fake
    assert fake.violations == [], fake.violations
    assert fake.response_violations == [], fake.response_violations


@pytest.fixture(autouse=True)
def fast_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    def client_for(token: str, base_url: str) -> ManagementClient:
        return ManagementClient(token, base_url, timeout=2, max_total_seconds=5, sleep=lambda _s: None)
    monkeypatch.setattr(prov, "client_for", client_for)
    # The providers read the token when they run (never from their inputs): here from the environment.
    monkeypatch.setenv(prov.TOKEN_ENV, TOKEN)


def props(api: FakeManagementApi, **pitr: Any) -> dict[str, Any]:
    return {"project_ref": REF, "access_token_config": "webstack:supabaseAccessToken", "api_base_url": api.url,
            "plan": "pro", "schedule_for": None, "pitr": {"enabled": True, "retention_days": 7, "waiver": None, **pitr}}


def test_pitr_applied_once_and_recovery_window_named(api: FakeManagementApi) -> None:
    provider = bk.DatabaseBackupsProvider()
    created = provider.create(props(api))
    assert [(m.method, m.template, m.body) for m in api.mutations()] == [
        ("PATCH", "/v1/projects/{ref}/billing/addons", {"addon_type": "pitr", "addon_variant": "pitr_7"})]
    recovery = created.outs["recovery"]
    assert recovery["kind"] == "pitr" and recovery["pitr_enabled"] is True
    assert recovery["earliest"] == "2026-11-20T04:00:12Z" and recovery["latest"] == "2026-11-26T04:00:09Z"
    assert "any second from 2026-11-20T04:00:12Z to now (7 days of WAL)" in recovery["summary"]
    provider.create(props(api))  # already there: nothing sent
    assert len(api.mutations()) == 1
    provider.update(f"{REF}/backups", props(api), props(api, retention_days=14))
    assert api.mutations()[-1].body == {"addon_type": "pitr", "addon_variant": "pitr_14"}
    read = provider.read(f"{REF}/backups", props(api))
    assert read.outs["pitr"]["retention_days"] == 14  # drift shows on refresh


def test_waiver_touches_no_addon_and_states_daily_window(api: FakeManagementApi) -> None:
    created = bk.DatabaseBackupsProvider().create(
        props(api, enabled=False, retention_days=None, waiver="staging data is re-seeded nightly from fixtures"))
    assert api.mutations() == []
    recovery = created.outs["recovery"]
    assert recovery["kind"] == "daily" and recovery["completed_backups"] == 2
    assert recovery["earliest"] == "2026-11-25T04:00:12.000Z" and recovery["latest"] == "2026-11-26T04:00:09.000Z"
    assert "up to 24 h lost" in recovery["summary"]


def test_free_plan_refusal_names_the_plan_requirement(api: FakeManagementApi) -> None:
    api.state.plan = "free"
    with pytest.raises(ManagementApiError) as err:
        bk.DatabaseBackupsProvider().create(props(api))
    message = str(err.value)
    assert "pitr add-on (pitr_7)" in message and "Pro, Team and Enterprise" in message and "HTTP 403" in message
    assert TOKEN not in message
    assert api.state.addons == []


def test_lost_answer_after_the_addon_landed_is_recorded_as_applied(api: FakeManagementApi) -> None:
    api.faults.append(Fault(status=403, apply_first=True, methods=("PATCH",)))
    created = bk.DatabaseBackupsProvider().create(props(api))
    assert bk.selected_pitr_days({"selected_addons": api.state.addons}) == 7
    assert created.outs["recovery"]["kind"] == "pitr"


def test_backup_time_is_set_only_when_it_differs(api: FakeManagementApi) -> None:
    provider = bk.DatabaseBackupsProvider()
    provider.create({**props(api), "schedule_for": "04:00:00"})  # the project's current time
    assert [m.template for m in api.mutations()] == ["/v1/projects/{ref}/billing/addons"]
    provider.update(f"{REF}/backups", props(api), {**props(api), "schedule_for": "02:30:00"})
    assert (api.mutations()[-1].template, api.mutations()[-1].body) == (
        "/v1/projects/{ref}/database/backups/schedule", {"schedule_for": "02:30:00"})


def test_check_refuses_inconsistent_inputs() -> None:
    provider = bk.DatabaseBackupsProvider()
    base = {"project_ref": REF, "plan": "free", "schedule_for": "4:00",
            "pitr": {"enabled": True, "retention_days": 30, "waiver": None}}
    fields = {f.property for f in provider.check({}, base).failures}
    assert fields == {"pitr.retention_days", "pitr.enabled", "schedule_for"}
    waived = {**base, "plan": "pro", "schedule_for": None, "pitr": {"enabled": False, "waiver": " "}}
    assert [f.property for f in provider.check({}, waived).failures] == ["pitr.waiver"]


def test_recovery_window_without_backups() -> None:
    window = bk.recovery_window({"region": "x", "walg_enabled": False, "pitr_enabled": False, "backups": [
        {"id": 1, "is_physical_backup": False, "status": "FAILED", "inserted_at": "2026-01-01T00:00:00Z"}],
        "physical_backup_data": {}}, None)
    assert window["kind"] == "none" and window["earliest"] is None and "nothing to restore" in window["summary"]


# ---------------------------------------------------------------------------------------------- config


def test_config_pitr_needs_a_paid_plan_and_a_waiver_needs_a_reason() -> None:
    with pytest.raises(ConfigError) as err:
        stack_config({"plan": "free", "backups": {"pitr": {"enabled": True}}}, supabaseAccessToken=COMPONENT_TOKEN)
    assert "webstack:supabase.backups.pitr.enabled" in str(err.value) and "Pro, Team and Enterprise" in str(err.value)
    with pytest.raises(ConfigError) as err:
        stack_config({"backups": {"pitr": {"enabled": False}}}, supabaseAccessToken=COMPONENT_TOKEN)
    assert "backups.pitr" in str(err.value) and "waiver" in str(err.value)
    with pytest.raises(ConfigError) as err:
        stack_config({"backups": {"pitr": {"enabled": True, "retentionDays": 30}}})
    assert "retentionDays" in str(err.value)
    with pytest.raises(ConfigError) as err:
        stack_config({"backups": {"pitr": {"enabled": True}, "scheduleFor": "25:00:00"}})
    assert "scheduleFor" in str(err.value)
    cfg = stack_config({"backups": {"pitr": {"enabled": True}}}, supabaseAccessToken=COMPONENT_TOKEN)
    assert cfg.supabase.backups is not None and cfg.supabase.backups.pitr.retention_days == 7


@pulumi.runtime.test
def test_component_registers_backups_resource(mocks: Recorder) -> Any:  # noqa: F811
    from components.supabase_project import SupabaseProject, supabase_args_from_config

    cfg = stack_config({"backups": {"pitr": {"enabled": True, "retentionDays": 14}, "scheduleFor": "03:00:00"}},
                       supabaseAccessToken=COMPONENT_TOKEN)
    project = SupabaseProject("supabase", supabase_args_from_config(cfg))

    def check(_: Any) -> None:
        backups = by_type(mocks)["DatabaseBackups"]
        assert backups.name == "supabase-backups"
        assert backups.inputs["pitr"] == {"enabled": True, "retention_days": 14}
        assert backups.inputs["plan"] == "pro" and backups.inputs["schedule_for"] == "03:00:00"
        # The token is read by the provider at run time, never an input (rotating it changes no resource).
        assert "access_token" not in backups.inputs
        assert backups.inputs["access_token_config"] == "webstack:supabaseAccessToken"
        assert COMPONENT_TOKEN not in json.dumps(backups.inputs)

    return project.settings["backups"].urn.apply(check)


def test_production_example_stacks_declare_pitr_and_free_a_waiver() -> None:
    """Issue 16's acceptance: the example stacks declare backups (prod and selfhosted among them)."""
    from pathlib import Path

    import yaml

    from components.config.supabase import SupabaseConfig

    repo = Path(__file__).resolve().parents[2]
    declared = {}
    for path in sorted(repo.glob("Pulumi.*.yaml")):
        config = yaml.safe_load(path.read_text())["config"]
        supabase = SupabaseConfig.model_validate(config["webstack:supabase"])
        assert supabase.backups is not None, path.name
        stack = path.name.split(".")[1]
        declared[stack] = (config["webstack:environment"], supabase.plan, supabase.backups.pitr.enabled)
    assert declared["prod"] == declared["selfhosted"] == ("production", "pro", True)
    assert all(enabled for env, _plan, enabled in declared.values() if env == "production")
    assert declared["free"] == ("staging", "free", False)  # the free plan cannot have PITR: a waiver
