"""Cross-section rules of the stack config (each raises a ConfigError naming the key).

Each area of the standard adds its rules here as a function taking the StackConfig and returning problems as
(config key, message). Values of secret keys never appear in messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from components.config.base import ConfigError

if TYPE_CHECKING:
    from components.config.stack import StackConfig

Check = Callable[["StackConfig"], list[tuple[str, str]]]
_CHECKS: list[Check] = []


def cross_check(fn: Check) -> Check:
    _CHECKS.append(fn)
    return fn


def run_cross_checks(cfg: StackConfig) -> None:
    import components.standard.checks  # noqa: F401  (registers the standard's rules)
    from components.standard import env as _env_rules  # noqa: F401  (registers the environment rules)

    problems: list[tuple[str, str]] = []
    for check in _CHECKS:
        problems += check(cfg)
    if problems:
        raise ConfigError(problems)


@cross_check
def _hosting_matches_domain(cfg: StackConfig) -> list[tuple[str, str]]:
    problems = []
    if cfg.hosting.nginx is not None:
        for host in cfg.hosting.nginx.origin_hostnames:
            if host != cfg.domain and not host.endswith("." + cfg.domain):
                problems.append(("webstack:hosting.nginx.originHostnames", f"{host!r} is not in {cfg.domain!r}"))
    for host in cfg.cloudflare.origin_hostnames:
        if host != cfg.domain and not host.endswith("." + cfg.domain):
            problems.append(("webstack:cloudflare.originHostnames", f"{host!r} is not in {cfg.domain!r}"))
    return problems


@cross_check
def _origin_tls_matches_strict_ssl(cfg: StackConfig) -> list[tuple[str, str]]:
    """Cloudflare's SSL mode is always strict: a plain-HTTP origin would answer every request with error 526.

    Non-production stacks may still serve plain HTTP (a staging origin reached through a tunnel, a local test).
    """
    nginx = cfg.hosting.nginx
    if cfg.is_prod and cfg.hosting.provider == "nginx" and nginx is not None and not nginx.origin_tls:
        return [("webstack:hosting.nginx.originTls", "must be true on production: the Cloudflare zone uses SSL mode "
                 "strict, which needs a valid certificate at the origin (webstack issues a Cloudflare Origin CA "
                 "certificate)")]
    return []
