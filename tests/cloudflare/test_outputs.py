"""Reading the edge's outputs after an update (not a preview), the safe way.

Generated Cloudflare output classes are dict subclasses, and some have a ``values`` property that shadows
``dict.values`` — handing them to ``Output.all/from_input/json_dumps`` breaks (pulumi/pulumi#12806). Ids are plain
strings and safe to combine; rules are read with ``.apply`` and converted with ``dict.items``.
"""

from __future__ import annotations

from typing import Any

from components.cloudflare_edge import CloudflareEdge, cloudflare_edge_args_from_config
from components.stack_config import read_pulumi_config
from stackcheck.wire import is_secret
from tests.cloudflare.stack_config import run_stack

RULESET = "cloudflare:index/ruleset:Ruleset"


def plain(value: Any) -> Any:
    """Deep-convert provider output objects to plain data without touching their shadowing properties."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in dict.items(value)}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def test_ruleset_ids_and_rules_read_through_apply() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        cfg = read_pulumi_config("webstack", "prod")
        edge = CloudflareEdge("edge", cloudflare_edge_args_from_config(cfg))
        edge.ruleset_ids.apply(lambda ids: seen.__setitem__("ids", dict(ids)))
        headers = edge.rulesets["http_response_headers_transform"]
        headers.rules.apply(lambda rules: seen.__setitem__("rules", plain(rules)))
        edge.origin_private_key_pem.apply(lambda pem: seen.__setitem__("no_key", pem is None))

    result = run_stack("prod", dry_run=False, program=program)
    registered = {r.inputs["phase"]: r.id for r in result.resources if r.type == RULESET}
    assert seen["ids"] == registered
    assert all(registered.values()) and len(registered) == 5  # + the WAF managed rulesets
    [rule] = seen["rules"]
    headers = rule["action_parameters"]["headers"]
    assert headers["X-Frame-Options"] == {"operation": "set", "value": "DENY"}
    assert type(headers) is dict  # converted: no generated class left to shadow dict methods
    assert seen["no_key"] is True  # Vercel hosting: no Origin CA certificate


def test_stack_outputs_after_an_update() -> None:
    result = run_stack("selfhosted", dry_run=False)
    ids = result.outputs["rulesetIds"]
    assert set(ids) == {"http_response_headers_transform", "http_request_cache_settings", "http_ratelimit",
                        "http_request_dynamic_redirect", "http_request_firewall_managed"}
    assert {r.id for r in result.resources if r.type == RULESET} == set(ids.values())
    [edge] = [r for r in result.resources if r.type == "webstack:index:CloudflareEdge"]
    assert is_secret(edge.outputs["originPrivateKeyPem"])
    assert len(edge.outputs["healthcheckIds"]) == 2
