"""Share one decoded copy of a resource's properties among all policies of a request.

pulumi_policy's servicer decodes ``request.properties`` (MessageToDict → deserialize → unknown-checking proxy)
once per policy; with ~30 policies that is most of the pack's time (bench/policy.py). These wrappers memoise the
three pure steps by the identity of their input, holding a reference so an id is never reused while cached. The
secrets-preserving path used by Remediate (which writes to the proxy) is never cached. Results are identical;
only repeated work is skipped. ``install()`` is called by ``policy/__main__.py`` only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_LIMIT = 8192


class _IdentityCache:
    def __init__(self) -> None:
        self._entries: dict[int, tuple[Any, Any]] = {}
        self._lock = threading.Lock()

    def get_or(self, key_obj: Any, compute: Callable[[], Any]) -> Any:
        key = id(key_obj)
        hit = self._entries.get(key)
        if hit is not None and hit[0] is key_obj:
            return hit[1]
        value = compute()
        with self._lock:
            if len(self._entries) >= _LIMIT:
                self._entries.clear()
            self._entries[key] = (key_obj, value)
        return value


TESTED_SDK_VERSION = "1.21.0"


def install() -> bool:
    """Patch the pinned pulumi-policy's decode helpers; a no-op (returns False) on any other SDK version."""
    from importlib.metadata import PackageNotFoundError, version

    from pulumi_policy import policy as sdk

    try:
        if version("pulumi-policy") != TESTED_SDK_VERSION:
            return False
    except PackageNotFoundError:
        return False
    if not all(hasattr(sdk, name) for name in ("json_format", "deserialize_properties", "unknown_checking_proxy")):
        return False

    to_dict = sdk.json_format.MessageToDict
    deserialize = sdk.deserialize_properties
    proxy = sdk.unknown_checking_proxy
    dicts, decoded, proxies = _IdentityCache(), _IdentityCache(), _IdentityCache()

    class _JsonFormat:
        def __getattr__(self, name: str) -> Any:
            return getattr(_json_format, name)

        @staticmethod
        def MessageToDict(message: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 - mirrors protobuf
            if args or kwargs:
                return to_dict(message, *args, **kwargs)
            return dicts.get_or(message, lambda: to_dict(message))

    def cached_deserialize(props: Any, proxy_secrets: bool = False) -> Any:
        if proxy_secrets:
            return deserialize(props, True)
        return decoded.get_or(props, lambda: deserialize(props))

    def cached_proxy(props: Any) -> Any:
        if not isinstance(props, dict):
            return proxy(props)
        return proxies.get_or(props, lambda: proxy(props))

    _json_format = sdk.json_format
    sdk.json_format = _JsonFormat()  # type: ignore[assignment]
    sdk.deserialize_properties = cached_deserialize  # type: ignore[assignment]
    sdk.unknown_checking_proxy = cached_proxy  # type: ignore[assignment]
    return True
