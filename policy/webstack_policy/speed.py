"""Share one decoded copy of a resource's properties among all policies of a request.

pulumi_policy's servicer decodes ``request.properties`` (MessageToDict → deserialize → unknown-checking proxy)
once per policy; with ~30 policies that is most of the pack's time (bench/policy.py). These wrappers memoise the
three pure steps by the identity of their input, holding a reference so an id is never reused while cached. The
secrets-preserving path used by Remediate (which writes to the proxy) is never cached. Results are identical;
only repeated work is skipped. ``install()`` is called by ``policy/__main__.py`` only.

Two more per-call costs are skipped the same way: the servicer re-reads the config environment and rebuilds the
runtime Settings (with an ``inspect.signature`` call) on every Analyze — done again only when the environment
changed — and its gRPC server's four worker threads, which only contend for the GIL, become one.

And two per-policy loops are cut short, the SDK still doing every step itself: Analyze runs only the resource
policies that judge the request's resource (the others would return at once, after the SDK had built their
arguments) — ``core.resource_policy`` records on each policy the types it judges (a fixed list, or the config key
listing them: the Supabase policies) and, for the policies that must see every type, a ``judges`` predicate on the
inputs (the early exits of ``header_sources.sources_of`` and ``env.env_vars``: a resource of no header or
environment type carrying no file they read) — and AnalyzeStack converts the stack's resources once for all stack
policies instead of once per policy (on 1,000 resources and 8 stack policies that was most of the time spent after the
program ended).

Per request instead of per policy: the resource options and the provider resource (the SDK's own helpers, their
objects shared by the request's policies). By content as well as identity: a Struct's dict (keyed by its
deterministic bytes), so every request's copy of its provider's inputs, and AnalyzeStack's copy of each resource's
inputs, reuse the conversion made once (and the memoised decode, proxy and ``plain`` after it); cleared at
Configure, so nothing is reused across runs. And the cyclic GC skips what is loaded (``gc.freeze()``: ~43,000
objects every full collection walked) and runs after 10,000 net allocations instead of 700.

Measured (2026-11-27, bench stack of 1,000 resources, packbench: the pack process's CPU per stream of 1,000
Analyze + one AnalyzeStack): 0.81 s before the per-request, content and predicate steps and the GC settings,
0.40-0.50 s after (an empty one-policy pack costs 0.31-0.38 s: gRPC and the SDK's fixed cost). Inside the pack's
handlers: Analyze 357 -> 177 us per call, AnalyzeStack 110 -> 26 ms.

**Fenced** (issue 15): these patches touch pulumi-policy internals, so the published pack does not apply them. They
are applied only when the runner asks — stackcheck's policy runner sets ``STACKCHECK_POLICY_RUNNER=1`` in the pack's
environment (``WEBSTACK_POLICY_SPEEDUPS=0`` turns them off there too) — and only on the tested SDK version; when
asked for on another version, a note says so on stderr and the pack runs unpatched. ``tests/policy/test_speed.py``
judges the same resources with and without them and requires identical verdicts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_LIMIT = 8192


class _IdentityCache:
    """Results by the identity of their input (held, so its id is not reused while cached). The last entry is
    checked first: the policies of one request ask for the same object one after another."""

    def __init__(self, limit: int = _LIMIT) -> None:
        self._entries: dict[int, tuple[Any, Any]] = {}
        self._last: tuple[Any, Any] = (None, None)
        self._limit = limit
        self._lock = threading.Lock()

    def get_or(self, key_obj: Any, compute: Callable[[], Any]) -> Any:
        last = self._last
        if last[0] is key_obj and key_obj is not None:
            return last[1]
        key = id(key_obj)
        hit = self._entries.get(key)
        if hit is not None and hit[0] is key_obj:
            self._last = hit
            return hit[1]
        value = compute()
        entry = (key_obj, value)
        with self._lock:
            if len(self._entries) >= self._limit:
                self._entries.clear()
            self._entries[key] = entry
        self._last = entry
        return value


class _LastOnly:
    """The result for the last input only (held): a request's options and provider, asked for by each policy."""

    def __init__(self) -> None:
        self._last: tuple[Any, Any] = (None, None)

    def get_or(self, key_obj: Any, compute: Callable[[], Any]) -> Any:
        last = self._last
        if last[0] is key_obj:
            return last[1]
        value = compute()
        self._last = (key_obj, value)
        return value


class _ContentCache:
    """Results by an equal key (bytes of a serialized message)."""

    def __init__(self, limit: int = _LIMIT) -> None:
        self._entries: dict[bytes, Any] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def get_or(self, key: bytes, compute: Callable[[], Any]) -> Any:
        hit = self._entries.get(key, _MISSING)
        if hit is not _MISSING:
            return hit
        value = compute()
        with self._lock:
            if len(self._entries) >= self._limit:
                self._entries.clear()
            self._entries[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_MISSING = object()


def _memoise_per_request(servicer: Any) -> None:
    """The request's resource options and provider resource are built once per request instead of once per policy
    (by the SDK's own helpers; every policy of the request gets the same objects — they only read them)."""
    get_options = servicer._get_resource_options
    get_provider = servicer._get_provider_resource
    options, providers = _LastOnly(), _LastOnly()

    def options_once(self: Any, request: Any) -> Any:
        return options.get_or(request, lambda: get_options(self, request))

    def provider_once(self: Any, request: Any) -> Any:
        return providers.get_or(request, lambda: get_provider(self, request))

    servicer._get_resource_options = options_once
    servicer._get_provider_resource = provider_once


TESTED_SDK_VERSION = "1.21.0"
REQUEST_ENV = "STACKCHECK_POLICY_RUNNER"
OPT_OUT_ENV = "WEBSTACK_POLICY_SPEEDUPS"


def requested(environ: dict[str, str] | None = None) -> bool:
    """The runner asked for the speed-ups (stackcheck sets STACKCHECK_POLICY_RUNNER=1) and they are not opted out."""
    import os

    env = os.environ if environ is None else environ
    return env.get(REQUEST_ENV) == "1" and env.get(OPT_OUT_ENV, "1") != "0"


def install_if_requested() -> bool:
    """Apply the speed-ups when requested; a note on stderr when requested but the SDK is not the tested one."""
    import sys

    if not requested():
        return False
    if install():
        return True
    print(f"webstack-standards: SDK speed-ups not applied (they are tested with pulumi-policy {TESTED_SDK_VERSION} "
          f"only; found {_sdk_version()}); policies run unpatched, with the same verdicts.", file=sys.stderr)
    return False


def _sdk_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pulumi-policy")
    except PackageNotFoundError:
        return "none"


class _GrpcWithServer:
    """The grpc module as the SDK sees it, with ``server`` replaced (the real module is left untouched)."""

    def __init__(self, module: Any, server: Callable[..., Any]) -> None:
        self._module = module
        self.server = server

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


def _judges(policy: Any, resource_type: str, given: Any) -> bool:
    """Whether Analyze must call ``policy`` for a resource of this type: every resource policy but those that
    declare the types they judge (``core.resource_policy``: a fixed list, or a config key listing them, read from
    ``given``, the policy's configured values) and leave this one out — their validate would return at once. Stack
    policies are skipped by Analyze anyway. A declaration that cannot be read keeps the policy (the SDK's call
    meets the same error)."""
    from pulumi_policy import ResourceValidationPolicy

    from .core import JUDGES_TYPE_ATTR, RESOURCE_TYPES_ATTR

    if not isinstance(policy, ResourceValidationPolicy):
        return False
    types = getattr(policy, RESOURCE_TYPES_ATTR, None)
    if types is not None and resource_type not in types:
        return False
    by_config = getattr(policy, JUDGES_TYPE_ATTR, None)
    if by_config is None:
        return True
    try:
        return bool(by_config(resource_type, given))
    except Exception:  # noqa: BLE001 - e.g. a malformed config value: the policy runs and says so itself
        return True


def _judges_props(judges: Callable[[str, Any], Any], resource_type: str, props: Any) -> bool:
    """False where a policy declared (``core.resource_policy(judges=…)``) that its rule finds nothing in these
    inputs; a declaration that fails keeps the policy."""
    try:
        return bool(judges(resource_type, props))
    except Exception:  # noqa: BLE001 - the policy runs and meets the same error itself
        return True


def _skip_policies_of_other_types(servicer: Any, decode: Callable[[Any], Any]) -> None:
    """Analyze runs the SDK's own loop over the policies that judge the request's resource only (the others would
    return without a word, after the SDK had converted the inputs, options and provider for them): by type, cached
    per type and configuration, then — for the policies that declared a ``judges`` predicate — by the inputs, which
    ``decode`` turns into the very proxy the SDK's loop then gets (the decode steps are memoised)."""
    import copy

    from .core import JUDGES_ATTR

    analyze = servicer.Analyze
    subsets: dict[tuple[int, int, str], tuple[Any, Any, list[Any], list[tuple[Any, Any]]]] = {}
    lock = threading.Lock()

    def analyze_judging_policies(self: Any, request: Any, context: Any) -> Any:
        policies = getattr(self, _POLICIES_ATTR, None)
        configs = getattr(self, _CONFIG_ATTR, None)
        if not isinstance(policies, list):
            return analyze(self, request, context)
        resource_type = request.type
        key = (id(policies), id(configs), resource_type)
        hit = subsets.get(key)
        if hit is None or hit[0] is not policies or hit[1] is not configs:
            judging = [p for p in policies if _judges(p, resource_type, self._get_policy_config(p.name))]
            hit = (policies, configs, judging,
                   [(p, getattr(p, JUDGES_ATTR)) for p in judging if getattr(p, JUDGES_ATTR, None) is not None])
            with lock:
                if len(subsets) >= _LIMIT:
                    subsets.clear()
                subsets[key] = hit
        judging = hit[2]
        if hit[3]:
            try:
                props = decode(request)
            except Exception:  # noqa: BLE001 - the SDK's loop decodes again and reports the error itself
                props = None
            if props is not None:
                declined = {id(p) for p, judges in hit[3] if not _judges_props(judges, resource_type, props)}
                if declined:
                    judging = [p for p in judging if id(p) not in declined]
        if len(judging) == len(policies):
            return analyze(self, request, context)
        view = copy.copy(self)  # the servicer as it is, seeing only those policies (self is left untouched)
        setattr(view, _POLICIES_ATTR, judging)
        return analyze(view, request, context)

    servicer.Analyze = analyze_judging_policies


_CONFIG_ATTR = "_PolicyAnalyzerServicer__policy_pack_config"
_POLICIES_ATTR = "_PolicyAnalyzerServicer__policies"
_CAPTURE_POLICY = "stackcheck-stack-resources"


def _convert_stack_once(servicer: Any, sdk: Any) -> None:
    """AnalyzeStack converts the stack's resources once for all stack policies instead of once per policy.

    The SDK itself does both steps, unchanged: first its AnalyzeStack runs with one capturing policy (which keeps
    the resource list the SDK built — inputs, options, provider, parent and dependency links) and is discarded;
    then it runs with the pack's stack policies over an empty request, each policy (a copy whose ``validate`` is
    wrapped) judging a copy of the captured list. Enforcement levels, config, diagnostics, unknown-value and
    not-applicable handling are the SDK's. The resource objects are shared by the stack policies: they read them
    (``core.stack_policy``), never write them."""
    import copy

    analyze_stack = servicer.AnalyzeStack
    stack_policy_class = sdk.StackValidationPolicy
    empty_request_class = sdk.proto.AnalyzeStackRequest

    def analyze_stack_converting_once(self: Any, request: Any, context: Any) -> Any:
        policies = getattr(self, _POLICIES_ATTR, None)
        if not isinstance(policies, list):
            return analyze_stack(self, request, context)
        stack_policies = [p for p in policies if isinstance(p, stack_policy_class)]
        if len(stack_policies) < 2:
            return analyze_stack(self, request, context)
        captured: list[Any] = []

        def capture(args: Any, _report: Any) -> None:
            captured.extend(args.resources)

        capturing = copy.copy(self)
        setattr(capturing, _POLICIES_ATTR, [stack_policy_class(
            _CAPTURE_POLICY, "captures the converted resources", capture, sdk.EnforcementLevel.ADVISORY)])
        analyze_stack(capturing, request, context)
        judging = copy.copy(self)
        setattr(judging, _POLICIES_ATTR, [_judging_captured(p, captured) for p in stack_policies])
        return analyze_stack(judging, empty_request_class(), context)

    servicer.AnalyzeStack = analyze_stack_converting_once


def _judging_captured(policy: Any, resources: list[Any]) -> Any:
    """A copy of ``policy`` that judges ``resources`` (a fresh list each time) whatever the request held."""
    import copy

    validate = policy.validate

    def validate_captured(args: Any, report_violation: Any) -> Any:
        args.resources = list(resources)
        return validate(args, report_violation)

    judging = copy.copy(policy)
    judging.validate = validate_captured
    return judging


def install() -> bool:
    """Patch the pinned pulumi-policy's decode helpers; a no-op (returns False) on any other SDK version."""
    from importlib.metadata import PackageNotFoundError, version

    from pulumi_policy import policy as sdk

    try:
        if version("pulumi-policy") != TESTED_SDK_VERSION:
            return False
    except PackageNotFoundError:
        return False
    if not all(hasattr(sdk, name) for name in ("json_format", "deserialize_properties", "unknown_checking_proxy",
                                                "grpc", "_PolicyAnalyzerServicer")):
        return False

    from google.protobuf import struct_pb2

    servicer_class = sdk._PolicyAnalyzerServicer
    struct_type = struct_pb2.Struct.DESCRIPTOR
    to_dict = sdk.json_format.MessageToDict
    deserialize = sdk.deserialize_properties
    proxy = sdk.unknown_checking_proxy
    dicts, decoded, proxies = _IdentityCache(), _IdentityCache(), _IdentityCache()
    by_content = _ContentCache()

    def struct_to_dict(message: Any) -> Any:
        """A Struct's dict by content too: AnalyzeStack's copy of a resource's inputs, and every request's copy of
        its provider's, is equal to one already converted (and decoded, proxied, made plain) — the same dict is
        returned, so the memoised steps after it are skipped as well."""
        if message.DESCRIPTOR is not struct_type:
            return to_dict(message)
        return by_content.get_or(message.SerializeToString(deterministic=True), lambda: to_dict(message))

    class _JsonFormat:
        def __getattr__(self, name: str) -> Any:
            return getattr(_json_format, name)

        @staticmethod
        def MessageToDict(message: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 - mirrors protobuf
            if args or kwargs:
                return to_dict(message, *args, **kwargs)
            return dicts.get_or(message, lambda: struct_to_dict(message))

    def cached_deserialize(props: Any, proxy_secrets: bool = False) -> Any:
        if proxy_secrets:
            return deserialize(props, True)
        return decoded.get_or(props, lambda: deserialize(props))

    def cached_proxy(props: Any) -> Any:
        if not isinstance(props, dict):
            return proxy(props)
        return proxies.get_or(props, lambda: proxy(props))

    configure_pack = servicer_class.Configure

    def configure_clearing(self: Any, request: Any, context: Any) -> Any:
        by_content.clear()  # a new run (stackcheck configures the pack once per run): nothing is reused across runs
        return configure_pack(self, request, context)

    servicer_class.Configure = configure_clearing  # type: ignore[method-assign]

    def decode(request: Any) -> Any:
        """A request's inputs as the SDK's Analyze loop decodes them (the same, memoised, objects)."""
        return cached_proxy(cached_deserialize(_JsonFormat.MessageToDict(request.properties)))

    servicer = sdk._PolicyAnalyzerServicer
    _skip_policies_of_other_types(servicer, decode)
    _memoise_per_request(servicer)
    _convert_stack_once(servicer, sdk)
    configure = servicer._configure_runtime_settings
    configured: dict[str, tuple[Any, ...]] = {}

    def configure_once(self: Any) -> None:
        import os

        key = tuple(os.environ.get(k) for k in ("PULUMI_CONFIG", "PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN",
                                                "PULUMI_ORGANIZATION"))
        if configured.get("env") != key:
            configure(self)
            configured["env"] = key

    servicer._configure_runtime_settings = configure_once  # type: ignore[method-assign]

    grpc_server = sdk.grpc.server

    def single_worker_server(executor: Any, *args: Any, **kwargs: Any) -> Any:
        from concurrent.futures import ThreadPoolExecutor

        executor.shutdown(wait=False)
        return grpc_server(ThreadPoolExecutor(max_workers=1), *args, **kwargs)

    sdk.grpc = _GrpcWithServer(sdk.grpc, single_worker_server)  # type: ignore[assignment]

    _json_format = sdk.json_format
    sdk.json_format = _JsonFormat()  # type: ignore[assignment]
    sdk.deserialize_properties = cached_deserialize  # type: ignore[assignment]
    sdk.unknown_checking_proxy = cached_proxy  # type: ignore[assignment]
    _collect_less()
    return True


GC_THRESHOLD = (10_000, 10, 10)


def _collect_less() -> None:
    """The cyclic GC skips what is loaded (the SDK, gRPC, protobuf and the pack: ~43,000 objects that every full
    collection walked) and runs after 10,000 net allocations instead of 700: most objects of a request are freed by
    reference counting before a collection would look at them. Cycles are still collected."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
