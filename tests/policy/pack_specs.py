"""Specifications of the pack's fast paths, and checks that they agree on given inputs: ``core.plain()`` against
the conversion as the pack first defined it (ABC checks only, before it dispatched on concrete types), and the
memoised Rules-language tokenizer ``cf_expression.tokens`` against fresh tokenizing. Shared by
tests/policy/test_pack_caches.py and tests/foreign/test_corpus.py (which runs them over every corpus resource)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def generic_plain(value: Any) -> Any:
    from webstack_policy import core

    if isinstance(value, str):
        return core.UNKNOWN if value in core._UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        target = value["__target"] if type(value).__name__ == "_DictProxy" else value
        return {str(k): generic_plain(target[k]) for k in target}
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        target = value["__target"] if type(value).__name__ == "_ListProxy" else value  # type: ignore[call-overload]
        return [generic_plain(v) for v in target]
    return value


def as_policy_sees(inputs: dict[str, Any]) -> Any:
    """Wire-form inputs as a policy gets them: secrets unwrapped, deserialized, behind the SDK's unknown proxy."""
    from pulumi_policy.deserialize import deserialize_properties
    from pulumi_policy.proxy import unknown_checking_proxy

    from stackcheck.wire import unwrap

    return unknown_checking_proxy(deserialize_properties(unwrap(inputs)))


def same_as_generic(value: Any) -> bool:
    """``plain(value)`` and the specification agree, types included (repr: True == 1 == 1.0 for ``==``)."""
    from webstack_policy import core

    return repr(core.plain(value)) == repr(generic_plain(value))


def expressions(value: Any) -> list[str]:
    """Every string under an ``expression`` key (Cloudflare rules) in wire-form inputs."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "expression" and isinstance(v, str):
                found.append(v)
            else:
                found += expressions(v)
    elif isinstance(value, list):
        for v in value:
            found += expressions(v)
    return found


def tokens_as_fresh(expression: str) -> bool:
    """The memoised tokens (asked twice: computed, then from the cache) equal a fresh tokenizing, or both refuse."""
    from webstack_policy import cf_expression

    try:
        fresh: tuple[Any, ...] | None = tuple(cf_expression._tokenize(expression))
    except cf_expression._UnsupportedError:
        fresh = None
    return cf_expression.tokens(expression) == fresh and cf_expression.tokens(expression) == fresh


def wrongly_declined(resource_type: str, inputs: dict[str, Any]) -> list[str]:
    """The policies that declare they cannot judge this resource (``core.resource_policy``: ``types_config`` read
    with the default config, or a ``judges`` predicate — the stackcheck-only speed-ups then skip them) but whose
    rule, run anyway, reports something or leaves something unknown, on a production stack or not. Must be []."""
    from pulumi_policy import PolicyResourceOptions
    from pulumi_policy.policy import PolicyCustomTimeouts, ResourceValidationArgs
    from pulumi_policy.proxy import UnknownValueError
    from webstack_policy import all_policies, core

    props = as_policy_sees(inputs)
    opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
    wrong: list[str] = []
    for policy in all_policies():
        by_type = getattr(policy, core.JUDGES_TYPE_ATTR, None)
        by_props = getattr(policy, core.JUDGES_ATTR, None)
        if (by_type is None or by_type(resource_type, None)) and (by_props is None or by_props(resource_type, props)):
            continue
        for tags in ({}, {"environment": "production"}):
            found: list[str] = []
            args = ResourceValidationArgs(resource_type, props, "urn:pulumi:x::p::t::r", "r", opts, None, None, tags)
            try:
                policy.validate(args, lambda message, urn=None: found.append(message))  # noqa: B023 - called now
            except UnknownValueError:
                found.append("unknown")
            if found:
                wrong.append(f"{policy.name} ({'production' if tags else 'not production'}): {found[0][:80]}")
    return wrong
