"""Mistakes a YAML (or any non-Python) author can make are reported before anything registers, naming each input."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from package_helpers import provider, run, schema, token
from pulumi.errors import InputPropertiesError

from components.multilang.inputs import check_inputs, coerce_integers

EDGE = token("CloudflareEdge")
SECRET_LOOKING = "sbp_0123456789abcdef-never-echo"


def edge_inputs(**changes: Any) -> dict[str, Any]:
    """A minimal valid CloudflareEdge, as YAML sends it (numbers as floats)."""
    inputs: dict[str, Any] = {
        "zoneId": "0" * 32,
        "domain": "example.org",
        "records": [{"key": "apex", "name": "example.org", "type": "A", "content": "192.0.2.1", "ttl": 1.0}],
        "hsts": {"maxAge": 31536000.0, "includeSubdomains": True, "preload": False},
        "headers": {"X-Frame-Options": "DENY"},
    }
    inputs.update(changes)
    return {k: v for k, v in inputs.items() if v is not None}


def construct_errors(inputs: dict[str, Any], component: str = "CloudflareEdge") -> tuple[str, dict[str, str]]:
    """Construct through the provider; return the error message and path → reason (it must fail)."""
    with pytest.raises(InputPropertiesError) as info:
        provider().construct("edge", token(component), inputs, pulumi.ResourceOptions())
    errors = info.value.errors or []
    return info.value.message, {e["property_path"]: e["reason"] for e in errors}


def test_valid_minimal_inputs_pass() -> None:
    assert check_inputs(schema(), EDGE, edge_inputs()) == []


def test_missing_required_input_is_named() -> None:
    message, errors = construct_errors(edge_inputs(zoneId=None))
    assert errors == {"zoneId": "missing required input"}
    assert "zoneId" in message and "CloudflareEdge 'edge'" in message


def test_missing_required_nested_input_is_named_by_path() -> None:
    _, errors = construct_errors(edge_inputs(hsts={"maxAge": 60.0, "preload": False}))
    assert errors == {"hsts.includeSubdomains": "missing required input"}


@pytest.mark.parametrize(("changes", "path", "wanted"), [
    ({"records": "example.org"}, "records", "expected a list, got a string"),
    ({"dnssec": "yes"}, "dnssec", "expected a boolean (true or false), got a string"),
    ({"hsts": {"maxAge": "one year", "includeSubdomains": True, "preload": False}}, "hsts.maxAge",
     "expected an integer, got a string"),
    ({"hsts": {"maxAge": 1.5, "includeSubdomains": True, "preload": False}}, "hsts.maxAge",
     "expected an integer, got a number"),
    ({"hsts": {"maxAge": True, "includeSubdomains": True, "preload": False}}, "hsts.maxAge",
     "expected an integer, got a boolean"),
    ({"headers": {"X-Frame-Options": 1.0}}, "headers.X-Frame-Options", "expected a string, got a number"),
    ({"headers": ["X-Frame-Options: DENY"]}, "headers", "expected an object, got a list"),
    ({"hsts": "max-age=60"}, "hsts", "expected an object, got a string"),
])
def test_wrong_type_is_named_by_path(changes: dict[str, Any], path: str, wanted: str) -> None:
    message, errors = construct_errors(edge_inputs(**changes))
    assert errors == {path: wanted}
    assert f"{path}: {wanted}" in message


def test_wrong_type_inside_a_list_item_names_the_index() -> None:
    records = [
        {"key": "apex", "name": "example.org", "type": "A", "content": "192.0.2.1"},
        {"key": "caa", "name": "example.org", "type": "CAA", "ttl": "auto", "data": {"tag": "issue", "value": "x"}},
    ]
    _, errors = construct_errors(edge_inputs(records=records))
    assert errors == {"records[1].ttl": "expected an integer, got a string",
                      "records[1].data.flags": "missing required input"}


def test_misspelt_input_is_reported_with_a_suggestion() -> None:
    inputs = edge_inputs()
    inputs["zoneID"] = inputs.pop("zoneId")
    _, errors = construct_errors(inputs)
    assert errors["zoneId"] == "missing required input"
    assert errors["zoneID"] == "unknown input; did you mean 'zoneId'?"


def test_every_problem_is_reported_at_once() -> None:
    _, errors = construct_errors(edge_inputs(domain=None, dnssec="no", minTlsVersion=1.2))
    assert set(errors) == {"domain", "dnssec", "minTlsVersion"}


def test_errors_never_echo_the_value() -> None:
    message, errors = construct_errors(edge_inputs(dnssec=SECRET_LOOKING, headers={"X": {"v": SECRET_LOOKING}}))
    assert SECRET_LOOKING not in message
    assert SECRET_LOOKING not in repr(errors)


def test_outputs_and_unknowns_are_accepted_unchecked() -> None:
    from pulumi.runtime.rpc import UNKNOWN

    found: list[Any] = []

    def program() -> None:  # Outputs belong to a program run (its event loop and its pending-output tracking)
        later = pulumi.Output.from_input(["another resource's value, known only at deploy time"])
        found.append(check_inputs(schema(), EDGE, edge_inputs(zoneId=later, domain=UNKNOWN, records=later)))

    run("prod", program)
    assert found == [[]]


def test_other_components_name_their_inputs_too() -> None:
    _, errors = construct_errors({"projectName": "web", "canonicalDomain": "example.org",
                                  "environment": [{"key": "A", "sensitive": "false", "targets": "production"}]},
                                 "VercelSite")
    assert errors == {"environment[0].sensitive": "expected a boolean (true or false), got a string",
                      "environment[0].targets": "expected a list, got a string"}
    _, errors = construct_errors({"hostnames": ["example.org"], "originAddress": "192.0.2.1",
                                  "httpPort": "8080"}, "NginxSite")
    assert errors == {"httpPort": "expected an integer, got a string"}


def test_unknown_component_type_is_named() -> None:
    errors = check_inputs(schema(), "webstack:index:Nope", {})
    assert len(errors) == 1 and "webstack:index:Nope" in errors[0]["reason"]
    assert "webstack:index:CloudflareEdge" in errors[0]["reason"]


def test_integers_come_back_as_int_wherever_the_schema_says_integer() -> None:
    """Doubles on the wire; the components format some into names and descriptions ("3s", not "3.0s")."""
    inputs = edge_inputs(
        healthchecks=[{"name": "apex", "address": "example.org", "path": "/healthz", "timeout": 3.0}],
        cacheRules=[{"assetClass": "static", "match": "suffix", "patterns": [".png"], "cacheControl": "public",
                     "edgeTtl": 3600.0}],
    )
    coerced = coerce_integers(schema(), EDGE, inputs)
    assert type(coerced["records"][0]["ttl"]) is int
    assert type(coerced["hsts"]["maxAge"]) is int
    assert type(coerced["healthchecks"][0]["timeout"]) is int
    assert type(coerced["cacheRules"][0]["edgeTtl"]) is int
    assert coerced["hsts"]["preload"] is False  # booleans are not numbers
