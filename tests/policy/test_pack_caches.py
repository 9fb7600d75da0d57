"""The pack's own (published, SDK-independent) speed-ups give the results of fresh computation, and stay bounded:
``plain()`` dispatching on concrete types, ``config_with_defaults`` memoised per schema, the production decision
memoised on plain values (policy/webstack_policy/core.py), the Rules-language tokens memoised by text
(cf_expression.py). Inputs: the policy fixtures' resources and the foreign
corpus's stack names and tags (tests/foreign/cases); the corpus's own inputs go through ``plain()`` in
tests/foreign/test_corpus.py, which also judges every case with and without the stackcheck-only SDK speed-ups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from fixtures_good import good_stack
from pack_specs import as_policy_sees, expressions, same_as_generic, tokens_as_fresh, wrongly_declined
from policy_helpers import REPO
from pulumi_policy import PolicyConfigSchema
from pulumi_policy.proxy import UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE, unknown_checking_proxy
from test_speed import _records
from webstack_policy import core

from stackcheck.cli import stack_tags
from stackcheck.engine import load_project

CASES = REPO / "tests" / "foreign" / "cases"


def _inputs() -> list[Any]:
    """Every fixture resource's inputs as the SDK hands them to a policy (deserialized, behind its proxy)."""
    records = [*_records(), *good_stack()]
    assert len(records) > 20
    return [as_policy_sees(r.inputs) for r in records]


EDGE_CASES: list[Any] = [
    {"a": UNKNOWN_STRING_VALUE, "b": [UNKNOWN_NUMBER_VALUE, 1, 1.0, True, None], 3: "x", "t": ("p", "q")},
    [{"nested": [[{"deep": "x"}]]}, b"bytes", bytearray(b"b")],
    unknown_checking_proxy({"l": [{"m": UNKNOWN_STRING_VALUE}, [1, 2]], "e": {}, "f": []}),
    {"frozen": frozenset({1})},
    "plain text",
    7,
]


@pytest.mark.parametrize("source", ["fixtures", "edge cases"])
def test_plain_equals_the_generic_conversion(source: str) -> None:
    values = _inputs() if source == "fixtures" else EDGE_CASES
    for value in values:
        assert same_as_generic(value), value


def _schema() -> PolicyConfigSchema:
    return core.schema({"minMaxAge": {"type": "number", "default": 31536000}, "extra": {"type": "array"}},
                       prod=True)


def test_config_defaults_memo_equals_fresh_computation_and_follows_new_config() -> None:
    schema = _schema()
    given = {"minMaxAge": 100.0, "extra": ["a", UNKNOWN_STRING_VALUE], "prodTagName": "env"}
    core._CONFIG_MEMO.clear()
    fresh = core.config_with_defaults(schema, dict(given))
    again = core.config_with_defaults(schema, dict(given))  # the SDK passes a shallow copy each call
    assert again == fresh and again is not fresh
    assert again["extra"] == ["a", core.UNKNOWN] and again["prodStackNames"] == core.PROD_STACK_NAMES
    again["minMaxAge"] = 1.0  # a caller's change to its dict never reaches the next call
    assert core.config_with_defaults(schema, dict(given))["minMaxAge"] == 100.0
    # A new Configure hands new value objects: recomputed, even when equal, and when different.
    assert core.config_with_defaults(schema, {**given, "extra": ["b"]})["extra"] == ["b"]
    assert core.config_with_defaults(schema, {"minMaxAge": 5.0})["minMaxAge"] == 5.0
    assert core.config_with_defaults(schema, {})["minMaxAge"] == 31536000
    assert core.config_with_defaults(None, {"x": 1})["x"] == 1


def test_config_defaults_memo_is_bounded() -> None:
    core._CONFIG_MEMO.clear()
    schemas = [_schema() for _ in range(core._CONFIG_MEMO_LIMIT + 10)]
    for schema in schemas:
        core.config_with_defaults(schema, {})
        assert len(core._CONFIG_MEMO) <= core._CONFIG_MEMO_LIMIT


def _corpus_stacks_and_tags() -> list[tuple[str, dict[str, str]]]:
    """Each corpus case's stack name and stack tags, as the corpus runner hands them to the pack."""
    out = []
    for case in sorted(CASES.iterdir()):
        for stack_file in case.glob("Pulumi.*.yaml"):
            stack = stack_file.name[len("Pulumi."):-len(".yaml")]
            out.append((stack, dict(stack_tags(load_project(case), stack, {}))))
    return out


def _fresh_decision(stack: str, config: Mapping[str, Any], tags: Mapping[str, str]) -> tuple[bool, str]:
    core._prod_decision.cache_clear()
    return core._prod_decision.__wrapped__(  # type: ignore[attr-defined]
        stack, str(config.get("prodTagName", "environment") or ""),
        str(tags.get(str(config.get("prodTagName", "environment") or ""), "")),
        core._patterns(config.get("prodStackNames", core.PROD_STACK_NAMES)),
        core._patterns(config.get("notProdStackNames", core.NOT_PROD_STACK_NAMES)),
        core._patterns(config.get("prodTagValues", core.PROD_TAG_VALUES)))


def test_production_decision_memo_equals_fresh_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = _corpus_stacks_and_tags()
    assert len({stack for stack, _ in cases}) >= 6, cases
    extra = [("pre-prod", {}), ("prod-eu", {}), ("staging", {"environment": "production"}),
             ("nonprod-x", {"environment": "prod"}), ("dev", {"env": "live"})]
    configs: list[dict[str, Any]] = [{}, {"prodTagName": "env"}, {"prodStackNames": ["stag*"]},
                                     {"notProdStackNames": []}, {"prodTagValues": ["LIVE"]}]
    for stack, tags in [*cases, *extra]:
        monkeypatch.setattr(core.pulumi, "get_stack", lambda stack=stack: stack)
        for config in configs:
            expected = _fresh_decision(stack, config, tags)
            first = core.prod_decision(config, tags)
            assert first == expected and core.prod_decision(config, tags) == expected  # computed, then memoised
    assert core._prod_decision.cache_info().maxsize == 256  # bounded


def test_analyze_skips_only_policies_that_would_not_judge_the_type() -> None:
    """The stackcheck-only speed-up's filter reads the types core.resource_policy records on each policy: a fixed
    list, or the config key listing them (read from the policy's configured values, defaults filled in)."""
    from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy
    from webstack_policy import all_policies, speed

    container = "docker:index/container:Container"
    policies = all_policies()
    by_config = []
    for p in policies:
        if isinstance(p, StackValidationPolicy):
            assert not speed._judges(p, container, None)
        else:
            types = getattr(p, core.RESOURCE_TYPES_ATTR)
            assert types is None or isinstance(types, frozenset), p.name
            if getattr(p, core.JUDGES_TYPE_ATTR, None) is not None:
                by_config.append(p)
                continue
            assert speed._judges(p, container, None) == (types is None or container in types)
    assert {p.name for p in by_config} == {"supabase-ssl-enforced", "supabase-auth-rate-limits", "supabase-rls-enabled",
                                           "supabase-functions-verify-jwt", "supabase-pitr-or-waiver"}
    for p in by_config:
        default = p.config_schema.properties["resourceTypes"]["default"]
        assert default and all(speed._judges(p, t, None) for t in default), p.name
        assert not speed._judges(p, container, None)
        assert speed._judges(p, container, {"resourceTypes": [container]})  # configured types replace the default
        assert not speed._judges(p, default[0], {"resourceTypes": [container]})
        assert speed._judges(p, container, {"resourceTypes": 7})  # unreadable: the policy runs (and says so)
    foreign = ResourceValidationPolicy("foreign", "a policy not built by core", lambda args, report: None)
    assert speed._judges(foreign, "any:type:Here", None)  # no declared types: always called


def test_memoised_expression_tokens_equal_fresh_tokenizing_and_are_bounded() -> None:
    from webstack_policy import cf_expression

    found = [e for r in [*_records(), *good_stack()] for e in expressions(r.inputs)]
    found += ['http.request.uri.path eq "/"', 'starts_with(http.request.uri.path, "/assets/")', "true",
              'http.host in {"a.example.com" "b.example.com"}', "not (", "@@ unsupported", ""]
    assert len(found) > 8
    for expression in found:
        assert tokens_as_fresh(expression), expression
    assert cf_expression.tokens.cache_info().maxsize == 1024
    assert cf_expression.evaluate('http.request.uri.path eq "/"', "/") is True
    assert cf_expression.evaluate("@@ unsupported", "/") is None


def test_stack_resources_are_converted_once_per_set_of_resource_objects() -> None:
    """Every stack policy of one AnalyzeStack (with the speed-ups, the very same SDK resource objects) gets the same
    StackResources in a fresh list; other objects are converted afresh, with the same result as a fresh conversion."""
    from pulumi_policy import PolicyResource, PolicyResourceOptions
    from pulumi_policy.policy import PolicyCustomTimeouts

    def sdk_resources() -> list[Any]:
        opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
        out = [PolicyResource(r.type, as_policy_sees(r.inputs), r.urn, r.name, opts, None, None, [], {})
               for r in [*_records(), *good_stack()]]
        out[1].parent = out[0]
        return out

    first = sdk_resources()
    a, b = core.stack_resources(first), core.stack_resources(list(first))
    assert a == b and a is not b and all(x is y for x, y in zip(a, b, strict=True))  # shared objects, fresh list
    a.pop()
    assert len(core.stack_resources(first)) == len(first)  # a rule changing its list changes no other's
    again = sdk_resources()  # equal content, other objects: converted again
    fresh = core.stack_resources(again)
    assert fresh == b and not any(x is y for x, y in zip(fresh, b, strict=True))
    assert fresh[1].parent == first[0].urn and fresh[0].parent is None
    assert [r.props for r in fresh] == [core.plain(r.props) for r in again]
    assert core.stack_resources(again[:-1]) == fresh[:-1]  # a shorter list is not the last one


def test_policies_decline_only_resources_their_rule_finds_nothing_in() -> None:
    """The declarations the stackcheck-only filter reads (types from config, judges predicates) hold on every
    fixture resource: a declined resource gets no finding and no unknown from the rule (production or not);
    tests/foreign/test_corpus.py checks the same on every corpus resource."""
    from test_speed import _foreign_records

    records = [*_records(), *good_stack(), *_foreign_records()]
    declined = 0
    for r in records:
        assert wrongly_declined(r.type, r.inputs) == [], r.urn
        declined += r.type.startswith("cloudflare:index/dnsRecord")
    assert declined  # DNS records ({name, content} walks like a file) are declined by the content policies
    from webstack_policy import core
    from webstack_policy.header_sources import may_carry_headers
    dns = next(r for r in records if r.type == "cloudflare:index/dnsRecord:DnsRecord")
    assert not may_carry_headers(dns.type, core.plain(as_policy_sees(dns.inputs)))
