"""Every component, built through the package provider's ``construct`` from plain camelCase inputs (as TypeScript
or YAML sends them: numbers as floats, no Python types), registers exactly what the native Python call does."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from package_helpers import CASES, TEST_CERT, TEST_KEY, comparable, provider, run, schema, stack_args, token

from components.multilang.wire import args_to_wire
from stackcheck.wire import unwrap


def _native(component: str, builder: Any) -> Any:
    def program() -> None:
        cls = {c.__name__: c for c in provider()._components.values()}[component]
        pulumi.export("files", cls("site", stack_args(builder)).files)
    return program


def _hosted(component: str, builder: Any, states: list[dict[str, Any]]) -> Any:
    def program() -> None:
        inputs = args_to_wire(schema(), token(component), stack_args(builder))
        assert all(not isinstance(v, int) or isinstance(v, bool) for v in _leaves(inputs)), "ints must be floats"
        result = provider().construct("site", token(component), inputs, pulumi.ResourceOptions())
        states.append(result.state)
        pulumi.export("files", result.state["files"])
    return program


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


@pytest.mark.parametrize("case", sorted(CASES))
def test_hosted_construct_registers_what_the_native_call_does(case: str) -> None:
    stack, component, builder = CASES[case]
    native, native_files = run(stack, _native(component, builder))
    states: list[dict[str, Any]] = []
    hosted, hosted_files = run(stack, _hosted(component, builder, states))

    (comp,) = [r for r in hosted.resources if r.type == token(component)]
    assert comp.name == "site" and not comp.custom
    children = [r for r in hosted.resources if r.parent == comp.urn]
    if component != "NetlifySite":  # NetlifySite renders files only
        assert children, f"{component} registered no child resource through construct"
    if component == "WebApp":  # its children keep the names they had as top-level resources (URNs aliased)
        assert {r.name for r in children} == {"supabase", "edge", "web"}
    else:
        assert all(r.name.startswith("site-") for r in children)
    assert [comparable(r) for r in hosted.resources] == [comparable(r) for r in native.resources]
    # The rendered files reach the program only as the component's `files` output, identical either way.
    assert native_files and hosted_files == native_files

    # The state handed back to the engine carries every non-optional output under its schema name.
    (state,) = states
    resource = schema()["resources"][token(component)]
    assert set(resource["required"]) <= set(state) <= set(resource["properties"])


def test_hosted_nginx_site_takes_the_certificate_from_another_components_output() -> None:
    """The YAML wiring `originCertificatePem: ${edge.originCertificatePem}`: outputs pass validation untouched and the
    key still reaches the setup step's stdin as a secret (and nothing of it the container)."""
    from package_helpers import _nginx

    def program() -> None:
        edge_inputs = {"zoneId": "0" * 32, "domain": "example.org",
                       "hosting": {"provider": "nginx", "originIpv4": "192.0.2.1"},
                       "originTls": {"hostnames": ["example.org"]}}
        edge = provider().construct("edge", token("CloudflareEdge"), edge_inputs, pulumi.ResourceOptions())
        site_args = dict(stack_args(_nginx))
        site_args.pop("origin_certificate_pem", None)
        site_args.pop("origin_private_key_pem", None)
        inputs = args_to_wire(schema(), token("NginxSite"), site_args)
        inputs["originCertificatePem"] = edge.state["originCertificatePem"]
        inputs["originPrivateKeyPem"] = edge.state["originPrivateKeyPem"]
        provider().construct("site", token("NginxSite"), inputs, pulumi.ResourceOptions())

    result, _ = run("selfhosted", program)
    (container,) = [r for r in result.resources if r.type == "docker:index/container:Container"]
    (step,) = [r for r in result.resources if r.type == "command:local:Command"]
    assert isinstance(step.inputs["stdin"], dict), "the private key must arrive as a secret (or unknown) value"
    assert "uploads" not in container.inputs
    assert TEST_KEY not in repr(container.inputs) and TEST_CERT not in repr(container.inputs)
    (cert,) = [r for r in result.resources if r.type == "cloudflare:index/originCaCertificate:OriginCaCertificate"]
    assert unwrap(cert.inputs["hostnames"]) == ["example.org"]
