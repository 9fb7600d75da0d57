"""The zone side of origin lockdown: ``tls_client_auth`` on exactly when the nginx origin requires the pull
certificate (both from ``webstack:hosting.nginx.authenticatedOriginPulls`` and its default), through the real
program under stackcheck's offline preview."""

from __future__ import annotations

import json

import pytest
import yaml

from components.cloudflare_edge import resolve_edge
from stackcheck.model import PreviewResult
from tests.cloudflare.stack_config import run_stack
from tests.conftest import REPO

SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
INCLUDE = "nginx/webstack/tls/authenticated-origin-pulls.conf"


def _nginx(**changes: object) -> str:
    nginx = yaml.safe_load((REPO / "Pulumi.selfhosted.yaml").read_text())["config"]["webstack:hosting"]
    nginx["nginx"].update(changes)
    return json.dumps(nginx)


def _zone_setting(result: PreviewResult) -> object:
    values = {r.inputs["settingId"]: r.inputs["value"] for r in result.resources if r.type == SETTING}
    return values.get("tls_client_auth")


def _files(result: PreviewResult) -> dict[str, str]:
    files = result.outputs.get("files")
    assert isinstance(files, dict)
    return files


@pytest.mark.parametrize(("changes", "on"), [({}, True), ({"authenticatedOriginPulls": False}, False)])
def test_zone_setting_follows_the_origin(changes: dict, on: bool) -> None:
    overrides = {"webstack:hosting": _nginx(**changes)} if changes else None
    result = run_stack("selfhosted", overrides=overrides)
    assert _zone_setting(result) == ("on" if on else None)
    assert (INCLUDE in _files(result)) is on


def test_the_edge_arg_must_be_a_boolean() -> None:
    args = {"zone_id": "1" * 32, "domain": "example.org",
            "hosting": {"provider": "nginx", "origin_ipv4": "203.0.113.10"},
            "origin_tls": {"authenticated_origin_pulls": "yes"}}
    with pytest.raises(Exception, match=r"originTls\.authenticatedOriginPulls: must be true or false"):
        resolve_edge(args, "edge")
