"""The small toolkit every policy module uses: plain values from the engine's proxies, unknowns, config, messages.

Why not read ``args.props`` directly: pulumi_policy wraps inputs in proxies that raise on the first unknown
value, which aborts the whole policy for that resource. Converting once to plain data lets a policy judge every
known field and still say "can't be known during preview" for the rest (:class:`Check.finish`).
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import functools
import operator
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    unknown_checking_proxy,
)

_UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)


class Unknown:
    """A value the engine cannot know during preview (a computed output of another resource)."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = Unknown()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def plain(value: Any) -> Any:
    """Deep-copy engine proxies into dicts/lists; unknown sentinels become :data:`UNKNOWN`.

    The concrete JSON types are dispatched on ``type()`` first: ABC ``isinstance`` checks made this the pack's
    hottest function (every policy converts every resource it judges)."""
    t = type(value)
    if t is str:
        return UNKNOWN if value in _UNKNOWN_SENTINELS else value
    if t is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if t is list:
        return [plain(v) for v in value]
    if t is bool or t is float or t is int or value is None:
        return value
    if t in _PROXY_TYPES:
        target = value["__target"]
        if type(target) is dict:
            return {str(k): plain(v) for k, v in target.items()}
        if type(target) is list:
            return [plain(v) for v in target]
    return _plain_other(value)


def _plain_other(value: Any) -> Any:
    if isinstance(value, str):
        return UNKNOWN if value in _UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        target = value["__target"] if _is_proxy(value) else value
        return {str(k): plain(target[k]) for k in target}
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        target = value["__target"] if _is_proxy(value) else value  # type: ignore[call-overload]
        return [plain(v) for v in target]
    return value


_PLAIN_LOCK = threading.Lock()
_PLAIN_CACHE: dict[int, tuple[Any, Any]] = {}


def _plain_once(props: Any) -> Any:
    """:func:`plain`, memoised by the proxy's identity: every policy of one request sees the same props object
    (with ``speed.install()``), so it is converted once. Rules must treat it as read-only."""
    hit = _PLAIN_CACHE.get(id(props))
    if hit is not None and hit[0] is props:
        return hit[1]
    value = plain(props)
    with _PLAIN_LOCK:
        if len(_PLAIN_CACHE) >= 4096:
            _PLAIN_CACHE.clear()
        _PLAIN_CACHE[id(props)] = (props, value)
    return value


def _is_proxy(value: Any) -> bool:
    return type(value).__name__ in {"_DictProxy", "_ListProxy"}


# The SDK's proxy classes (found by name: they are private to pulumi_policy); plain() handles others generically.
_SAMPLE_PROXY = unknown_checking_proxy({"l": []})
_PROXY_TYPES: frozenset[type] = frozenset(
    t for t in (type(_SAMPLE_PROXY), type(_SAMPLE_PROXY["l"])) if t.__name__ in {"_DictProxy", "_ListProxy"})


# ---------------------------------------------------------------------------------------------- config


SUPPRESSIONS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": (
        "Accepted exceptions, applied by stackcheck (the Pulumi CLI ignores this key and reports the violation). "
        "Each needs a reason; an expired one stops applying."
    ),
    "items": {
        "type": "object",
        "properties": {
            "urn": {"type": "string", "minLength": 1, "description": "resource URN, or a glob such as *::www"},
            "reason": {"type": "string", "minLength": 1},
            "expires": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        },
        "required": ["urn", "reason"],
        "additionalProperties": False,
    },
    "default": [],
}

PROD_STACK_NAMES = [
    "prod", "production", "prd", "live",
    "prod-*", "prod_*", "*-prod", "*_prod", "production-*", "production_*", "*-production", "*_production",
    "prd-*", "*-prd", "live-*", "*-live",
]
NOT_PROD_STACK_NAMES = ["pre-prod*", "preprod*", "pre_prod*", "non-prod*", "nonprod*", "*-nonprod", "*-non-prod",
                        "not-prod*", "*-preprod", "*-pre-prod"]
PROD_TAG_VALUES = ["prod", "production", "prd", "live", "prod-*", "production-*", "*-prod", "*-production"]

PROD_SCHEMA: dict[str, dict[str, Any]] = {
    "prodStackNames": {
        "type": "array",
        "items": {"type": "string"},
        "default": PROD_STACK_NAMES,
        "description": "stack names treated as production: case-insensitive globs (prod-eu, production-us, live …)",
    },
    "notProdStackNames": {
        "type": "array",
        "items": {"type": "string"},
        "default": NOT_PROD_STACK_NAMES,
        "description": "globs that are never production even when prodStackNames matches (pre-prod, nonprod …)",
    },
    "prodTagName": {
        "type": "string",
        "default": "environment",
        "description": "a stack tag whose value marks production (see prodTagValues)",
    },
    "prodTagValues": {
        "type": "array",
        "items": {"type": "string"},
        "default": PROD_TAG_VALUES,
        "description": "case-insensitive globs for the prodTagName tag's value",
    },
}


def schema(properties: dict[str, dict[str, Any]] | None = None, *, prod: bool = False) -> PolicyConfigSchema:
    """A config schema with the shared ``suppressions`` key (and the prod detection keys when ``prod``)."""
    props: dict[str, dict[str, Any]] = {"suppressions": SUPPRESSIONS_SCHEMA}
    if prod:
        props.update(PROD_SCHEMA)
    props.update(properties or {})
    return PolicyConfigSchema(properties=props)


def config_with_defaults(policy_schema: PolicyConfigSchema | None, given: Mapping[str, Any]) -> dict[str, Any]:
    """The policy's config, schema defaults filled in (the Pulumi CLI does this too; we do not rely on it).

    Memoised per schema: the SDK hands every call a shallow copy of the same configured values, so while the
    schema and each given value are the very objects of the last call, the result is the same (values are held,
    so their identities cannot be reused). A fresh top-level dict is returned; rules treat nested values as
    read-only (schema defaults were always shared)."""
    given = dict(given)
    names, values = tuple(given), tuple(given.values())
    key = id(policy_schema)
    hit = _CONFIG_MEMO.get(key)
    if (hit is not None and hit[0] is policy_schema and hit[1] == names and len(hit[2]) == len(values)
            and all(map(operator.is_, values, hit[2]))):
        return dict(hit[3])
    out: dict[str, Any] = {}
    if policy_schema is not None:
        for name, spec in policy_schema.properties.items():
            if "default" in spec:
                out[name] = spec["default"]
    for name, value in given.items():
        out[name] = plain(value)
    with _PLAIN_LOCK:
        if len(_CONFIG_MEMO) >= _CONFIG_MEMO_LIMIT:
            _CONFIG_MEMO.clear()
        _CONFIG_MEMO[key] = (policy_schema, names, values, out)
    return dict(out)


_CONFIG_MEMO_LIMIT = 1024
_CONFIG_MEMO: dict[int, tuple[PolicyConfigSchema | None, tuple[str, ...], tuple[Any, ...], dict[str, Any]]] = {}


def _glob_hit(value: str, patterns: Sequence[Any]) -> str | None:
    text = value.lower()
    return next((str(p) for p in patterns if fnmatch.fnmatchcase(text, str(p).lower())), None)


def prod_decision(config: Mapping[str, Any], stack_tags: Mapping[str, str]) -> tuple[bool, str]:
    """Whether the stack is production, and which rule decided it (said in every production-aware message).

    The stack name is matched against ``prodStackNames`` globs (minus ``notProdStackNames``), then the stack tag
    ``prodTagName`` against ``prodTagValues``."""
    try:
        stack = pulumi.get_stack()
    except Exception:  # noqa: BLE001 - outside an engine run the stack is unknown: not production
        stack = ""
    tag = str(config.get("prodTagName", "environment") or "")
    tag_value = str(stack_tags.get(tag, "")) if tag else ""
    return _prod_decision(stack, tag, tag_value, _patterns(config.get("prodStackNames", PROD_STACK_NAMES)),
                          _patterns(config.get("notProdStackNames", NOT_PROD_STACK_NAMES)),
                          _patterns(config.get("prodTagValues", PROD_TAG_VALUES)))


def _patterns(value: Any) -> tuple[str, ...]:
    return tuple(str(p) for p in value) if value is not None else ()


@functools.lru_cache(maxsize=256)
def _prod_decision(stack: str, tag: str, tag_value: str, names: tuple[str, ...], not_names: tuple[str, ...],
                   tag_values: tuple[str, ...]) -> tuple[bool, str]:
    """:func:`prod_decision` on plain values (memoised: every production-aware policy asks for every resource)."""
    by_name = _glob_hit(stack, names) if stack else None
    excluded = _glob_hit(stack, not_names) if stack else None
    if by_name is not None and excluded is None:
        return True, f"production: stack name '{stack}' matches prodStackNames '{by_name}'"
    by_tag = _glob_hit(tag_value, tag_values) if tag_value else None
    if by_tag is not None:
        return True, f"production: stack tag {tag}={tag_value} matches prodTagValues '{by_tag}'"
    if excluded is not None:
        return False, f"not production: stack name '{stack}' matches notProdStackNames '{excluded}'"
    return False, f"not production: stack name '{stack}' matches no prodStackNames and no {tag} tag marks it"


def is_prod(config: Mapping[str, Any], stack_tags: Mapping[str, str]) -> bool:
    """Production is decided by the stack name (``prodStackNames``) or a stack tag (``prodTagName``)."""
    return prod_decision(config, stack_tags)[0]


def is_preview() -> bool:
    """Whether the engine runs a preview (dry run): the CLI and stackcheck start the pack with PULUMI_DRY_RUN,
    which the SDK also copies into the runtime settings. Unset (outside an engine run) counts as a preview."""
    env = os.environ.get("PULUMI_DRY_RUN")
    if env is not None:
        return env.lower() == "true"
    try:
        return bool(pulumi.runtime.is_dry_run())
    except Exception:  # noqa: BLE001 - runtime not configured
        return True


def today() -> _dt.date:
    return _dt.date.today()


# ---------------------------------------------------------------------------------------------- checks


@dataclass
class Check:
    """One run of one policy over one resource (or the stack): collects violations and unknowns.

    Messages must never contain input values that could be secrets: name the field, not its content.
    """

    report: ReportViolation
    config: dict[str, Any]
    stack_tags: Mapping[str, str]
    urn: str | None = None
    unknown_paths: list[str] = field(default_factory=list)
    prod_aware: bool = False  # messages say which rule made the stack production (or not)

    def fail(self, message: str, urn: str | None = None) -> None:
        if self.prod_aware:
            message = f"{message} [{self.prod_reason}]"
        self.report(message, urn or self.urn)

    def unknown(self, path: str) -> None:
        self.unknown_paths.append(path)

    @property
    def prod(self) -> bool:
        return prod_decision(self.config, self.stack_tags)[0]

    @property
    def prod_reason(self) -> str:
        """Which rule made this stack production (or not), for messages of production-aware policies."""
        return prod_decision(self.config, self.stack_tags)[1]

    @property
    def preview(self) -> bool:
        return is_preview()

    def finish(self) -> None:
        """If a deciding value was unknown, say so the way the engine does (an advisory), after the known findings."""
        if self.unknown_paths:
            raise UnknownValueError(UNKNOWN_STRING_VALUE, [", ".join(sorted(set(self.unknown_paths)))])


Remediation = Callable[[str, dict[str, Any], Any, dict[str, Any]], bool]
"""(type, plain props, secrets-preserving props to mutate, config) -> whether anything changed."""
ResourceRule = Callable[[str, dict[str, Any], Check], None]
StackRule = Callable[[list["StackResource"], Check], None]


@dataclass
class StackResource:
    type: str
    urn: str
    name: str
    props: dict[str, Any]
    parent: str | None


@dataclass(frozen=True)
class Meta:
    name: str
    description: str
    severity: Severity
    enforcement: EnforcementLevel
    remediation: str
    config: dict[str, dict[str, Any]] = field(default_factory=dict)
    prod: bool = False
    url: str | None = None
    tags: tuple[str, ...] = ()


def resource_policy(
    meta: Meta,
    types: Sequence[str] | None,
    rule: ResourceRule,
    remediate: Remediation | None = None,
    *,
    types_config: str | None = None,
    judges: Callable[[str, dict[str, Any]], bool] | None = None,
) -> ResourceValidationPolicy:
    """A resource policy for ``types`` (all types when None) whose ``rule`` sees plain props.

    A policy that must be asked about every type may say which resources it cannot judge, for the stackcheck-only
    speed-ups (speed.py), which then do not call it for them: ``types_config`` names the config key listing the
    types its rule judges (the rule returns at once for any other), ``judges(type, plain props)`` is False only
    where the rule would find nothing and leave nothing unknown. The rule itself never relies on either (the
    published pack calls it for every resource; tests/policy/test_speed.py compares both)."""
    cfg_schema = schema(meta.config, prod=meta.prod)
    wanted = frozenset(types) if types is not None else None

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if wanted is not None and args.resource_type not in wanted:
            return
        check = Check(
            report_violation,
            config_with_defaults(cfg_schema, args.get_config()),
            args.stack_tags,
            urn=args.urn,
            prod_aware=meta.prod,
        )
        rule(args.resource_type, _plain_once(args.props), check)
        check.finish()

    remediate_fn = None
    if remediate is not None:
        fix = remediate

        def remediate_fn(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
            if wanted is not None and args.resource_type not in wanted:
                return None
            # args.props preserves secretness on writes: mutate it, never rebuild it from plain values.
            config = config_with_defaults(cfg_schema, args.get_config())
            changed = fix(args.resource_type, plain(args.props), args.props, config)
            return args.props if changed else None

    policy = ResourceValidationPolicy(
        name=meta.name,
        description=meta.description,
        validate=validate,
        remediate=remediate_fn,  # type: ignore[arg-type] # the SDK accepts a plain (non-awaitable) result too
        enforcement_level=meta.enforcement,
        config_schema=cfg_schema,
        severity=meta.severity,
        remediation_steps=meta.remediation,
        url=meta.url,
        tags=list(meta.tags) or None,
    )
    # The types this policy judges (None: every type); read by the stackcheck-only speed-ups (speed.py), which
    # skip calling it for other types — it would return at once for them.
    setattr(policy, RESOURCE_TYPES_ATTR, wanted)
    if types_config is not None:
        key = types_config

        def judges_type(resource_type: str, given: Mapping[str, Any] | None) -> bool:
            return resource_type in config_with_defaults(cfg_schema, given if given is not None else {})[key]

        setattr(policy, JUDGES_TYPE_ATTR, judges_type)
    if judges is not None:
        judge_props = judges

        def judges_props(resource_type: str, props: Any) -> bool:
            return judge_props(resource_type, _plain_once(props))

        setattr(policy, JUDGES_ATTR, judges_props)
    return policy


RESOURCE_TYPES_ATTR = "webstack_resource_types"
JUDGES_TYPE_ATTR = "webstack_judges_type"
"""(resource type, the policy's configured values as the SDK passes them) -> whether the policy judges that type."""
JUDGES_ATTR = "webstack_judges"
"""(resource type, the SDK's props proxy) -> False where the policy's rule would find nothing for this resource."""


def stack_resources(resources: Sequence[Any]) -> list[StackResource]:
    """The SDK's stack resources as :class:`StackResource` (plain props), a fresh list each call. Memoised for the
    last list of the very same resource objects: with ``speed.install()`` every stack policy of an AnalyzeStack
    judges the same objects, so they are converted once (rules treat them as read-only)."""
    last = _LAST_STACK[0]
    if last is not None and len(last[0]) == len(resources) and all(map(operator.is_, last[0], resources)):
        return list(last[1])
    out = [
        StackResource(
            type=r.resource_type,
            urn=r.urn,
            name=r.name,
            props=_plain_once(r.props),
            parent=r.parent.urn if r.parent is not None else None,
        )
        for r in resources
    ]
    _LAST_STACK[0] = (list(resources), out)
    return list(out)


_LAST_STACK: list[tuple[list[Any], list[StackResource]] | None] = [None]


def stack_policy(meta: Meta, rule: StackRule) -> StackValidationPolicy:
    cfg_schema = schema(meta.config, prod=meta.prod)

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = stack_resources(args.resources)
        check = Check(report_violation, config_with_defaults(cfg_schema, args.get_config()), args.stack_tags,
                      prod_aware=meta.prod)
        rule(resources, check)
        check.finish()

    return StackValidationPolicy(
        name=meta.name,
        description=meta.description,
        validate=validate,
        enforcement_level=meta.enforcement,
        config_schema=cfg_schema,
        severity=meta.severity,
        remediation_steps=meta.remediation,
        url=meta.url,
        tags=list(meta.tags) or None,
    )


def get(value: Any, *path: str | int) -> Any:
    """``value[path0][path1]…`` or None when any step is missing; an unknown anywhere on the way is UNKNOWN."""
    current = value
    for step in path:
        if is_unknown(current):
            return UNKNOWN
        if isinstance(step, int):
            if not isinstance(current, list) or step >= len(current):
                return None
            current = current[step]
        else:
            if not isinstance(current, dict):
                return None
            current = current.get(step)
    return current


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
