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
