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
        "hosting": {"provider": "vercel", "proxied": True},
        "extraRecords": [{"name": "example.org", "type": "TXT", "content": "v=spf1 -all", "ttl": 300.0}],
        "standard": {"hstsMaxAge": 31536000.0, "extraHeaders": {"X-Robots-Tag": "noindex"}},
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
    _, errors = construct_errors(edge_inputs(hosting={"proxied": True}))
    assert errors == {"hosting.provider": "missing required input"}


@pytest.mark.parametrize(("changes", "path", "wanted"), [
    ({"extraRecords": "example.org"}, "extraRecords", "expected a list, got a string"),
    ({"dnssec": "yes"}, "dnssec", "expected a boolean (true or false), got a string"),
    ({"standard": {"hstsMaxAge": "one year"}}, "standard.hstsMaxAge", "expected an integer, got a string"),
    ({"standard": {"hstsMaxAge": 1.5}}, "standard.hstsMaxAge", "expected an integer, got a number"),
    ({"standard": {"hstsMaxAge": True}}, "standard.hstsMaxAge", "expected an integer, got a boolean"),
    ({"standard": {"extraHeaders": {"X-Robots-Tag": 1.0}}}, "standard.extraHeaders.X-Robots-Tag",
     "expected a string, got a number"),
    ({"standard": {"extraHeaders": ["X-Robots-Tag: noindex"]}}, "standard.extraHeaders",
     "expected an object, got a list"),
    ({"standard": "strict"}, "standard", "expected an object, got a string"),
])
def test_wrong_type_is_named_by_path(changes: dict[str, Any], path: str, wanted: str) -> None:
    message, errors = construct_errors(edge_inputs(**changes))
    assert errors == {path: wanted}
    assert f"{path}: {wanted}" in message


def test_wrong_type_inside_a_list_item_names_the_index() -> None:
    records = [
        {"name": "example.org", "type": "TXT", "content": "v=spf1 -all"},
        {"name": "example.org", "type": "TXT", "ttl": "auto"},
    ]
    limits = [{"path": "/api/*", "requestsPerPeriod": 100.0}, {"path": "/auth/*"}]
    _, errors = construct_errors(edge_inputs(extraRecords=records, standard={"rateLimits": limits}))
    assert errors == {"extraRecords[1].ttl": "expected an integer, got a string",
                      "extraRecords[1].content": "missing required input",
                      "standard.rateLimits[1].requestsPerPeriod": "missing required input"}


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
    message, errors = construct_errors(edge_inputs(dnssec=SECRET_LOOKING,
                                                   standard={"extraHeaders": {"X": {"v": SECRET_LOOKING}}}))
    assert SECRET_LOOKING not in message
    assert SECRET_LOOKING not in repr(errors)


def test_outputs_and_unknowns_are_accepted_unchecked() -> None:
    from pulumi.runtime.rpc import UNKNOWN

    found: list[Any] = []

    def program() -> None:  # Outputs belong to a program run (its event loop and its pending-output tracking)
        later = pulumi.Output.from_input(["another resource's value, known only at deploy time"])
        found.append(check_inputs(schema(), EDGE, edge_inputs(zoneId=later, domain=UNKNOWN, extraRecords=later)))

    run("prod", program)
    assert found == [[]]


def test_other_components_name_their_inputs_too() -> None:
    _, errors = construct_errors({"projectName": "web", "domain": "example.org", "supabaseUrl": "https://x.io",
                                  "supabaseAnonKey": "k", "previewProtection": "false",
                                  "gitRepository": {"type": "github", "repo": 5.0}, "canonicalDomain": "x"},
                                 "VercelSite")
    assert errors == {"previewProtection": "expected a boolean (true or false), got a string",
                      "gitRepository.repo": "expected a string, got a number",
                      "canonicalDomain": "unknown input; did you mean 'canonicalHost'?"}
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
        healthcheck={"timeoutSeconds": 3.0},
        standard={"hstsMaxAge": 31536000.0, "hstsPreload": False,
                  "rateLimits": [{"path": "/api/*", "requestsPerPeriod": 100.0, "period": 60.0}]},
    )
    coerced = coerce_integers(schema(), EDGE, inputs)
    assert type(coerced["extraRecords"][0]["ttl"]) is int
    assert type(coerced["standard"]["hstsMaxAge"]) is int
    assert type(coerced["healthcheck"]["timeoutSeconds"]) is int
    assert type(coerced["standard"]["rateLimits"][0]["period"]) is int
    assert coerced["standard"]["hstsPreload"] is False  # booleans are not numbers
