"""The offline run records what the Pulumi engine would: URNs, parents, dependencies, providers, outputs."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_cloudflare as cloudflare
import pytest

from stackcheck.engine import ProgramError, run_program
from stackcheck.wire import UNKNOWN, is_secret

REPO = Path(__file__).resolve().parents[2]
STACK_URN = "urn:pulumi:prod::webstack::pulumi:pulumi:Stack::webstack-prod"


class Outer(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Outer", name, {}, opts)
        self.inner = Inner(f"{name}-inner", pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


class Inner(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Inner", name, {}, opts)
        first = cloudflare.DnsRecord(f"{name}-a", zone_id="0" * 32, name="example.com", type="A",
                                     content="203.0.113.1", ttl=1, proxied=True,
                                     opts=pulumi.ResourceOptions(parent=self))
        cloudflare.DnsRecord(f"{name}-txt", zone_id=first.id, name="example.com", type="TXT",
                             content=pulumi.Output.secret("very-secret-text"), ttl=1,
                             opts=pulumi.ResourceOptions(parent=self, depends_on=[first]))
        self.register_outputs({})


def program() -> None:
    Outer("outer")
    pulumi.export("answer", 42)
    pulumi.export("hidden", pulumi.Output.secret("s3cr3t-output"))


@pytest.fixture(scope="module")
def preview():
    result, _ = run_program(REPO, "prod", program=program)
    return {r.urn: r for r in result.resources}, result


def test_urns_carry_the_full_parent_type_chain_without_the_stack(preview):
    by_urn, _ = preview
    assert "urn:pulumi:prod::webstack::test:index:Outer::outer" in by_urn
    assert "urn:pulumi:prod::webstack::test:index:Outer$test:index:Inner::outer-inner" in by_urn
    leaf = ("urn:pulumi:prod::webstack::test:index:Outer$test:index:Inner$"
            "cloudflare:index/dnsRecord:DnsRecord::outer-inner-a")
    assert leaf in by_urn
    assert not any("pulumi:pulumi:Stack$" in urn for urn in by_urn)


def test_parents_are_recorded_for_components_and_resources(preview):
    by_urn, _ = preview
    outer = by_urn["urn:pulumi:prod::webstack::test:index:Outer::outer"]
    inner = by_urn["urn:pulumi:prod::webstack::test:index:Outer$test:index:Inner::outer-inner"]
    assert outer.parent == STACK_URN and not outer.custom
    assert inner.parent == outer.urn
    leaves = [r for r in by_urn.values() if r.type == "cloudflare:index/dnsRecord:DnsRecord"]
    assert {r.parent for r in leaves} == {inner.urn}


def test_dependencies_and_default_provider_are_recorded(preview):
    by_urn, _ = preview
    txt = next(r for r in by_urn.values() if r.name == "outer-inner-txt")
    a = next(r for r in by_urn.values() if r.name == "outer-inner-a")
    assert a.urn in txt.dependencies
    assert a.urn in txt.property_dependencies.get("zoneId", [])
    assert a.inputs["ttl"] == 1  # inputs echo back in preview (numbers arrive as floats, like the engine's)
    assert txt.provider.startswith("urn:pulumi:prod::webstack::pulumi:providers:cloudflare::default_6_23_1::")
    assert txt.provider.split("::")[-1] == UNKNOWN  # provider id is unknown during preview


def test_preview_leaves_computed_outputs_unknown_and_keeps_secrets_marked(preview):
    by_urn, _ = preview
    txt = next(r for r in by_urn.values() if r.name == "outer-inner-txt")
    assert txt.inputs["zoneId"] == UNKNOWN  # the id of a resource not yet created
    assert is_secret(txt.inputs["content"])


def test_stack_outputs_are_captured(preview):
    _, result = preview
    assert result.outputs["answer"] == 42
    assert is_secret(result.outputs["hidden"])


def test_update_mode_returns_plausible_values():
    result, _ = run_program(REPO, "prod", program=program, dry_run=False)
    txt = next(r for r in result.resources if r.name == "outer-inner-txt")
    a = next(r for r in result.resources if r.name == "outer-inner-a")
    assert a.id and a.id != UNKNOWN
    assert txt.inputs["zoneId"] == a.id


def test_a_failing_program_reports_its_own_exception():
    def broken() -> None:
        raise RuntimeError("boom in program")

    with pytest.raises(ProgramError) as info:
        run_program(REPO, "prod", program=broken)
    assert isinstance(info.value.original, RuntimeError)
    assert [r.type for r in info.value.resources] == ["pulumi:pulumi:Stack"]


def test_the_offline_placeholder_for_secure_values_is_one_value() -> None:
    from components.config.stack import SECURE_PLACEHOLDER as LIBRARY_SIDE
    from stackcheck.engine import SECURE_PLACEHOLDER as ENGINE_SIDE

    assert LIBRARY_SIDE == ENGINE_SIDE


def test_the_engine_service_keeps_the_root_resource() -> None:
    from pulumi.runtime.proto import engine_pb2

    from stackcheck.engine import RecordingEngine

    engine = RecordingEngine()
    engine.SetRootResource(engine_pb2.SetRootResourceRequest(urn=STACK_URN))
    assert engine.GetRootResource(engine_pb2.GetRootResourceRequest()).urn == STACK_URN
