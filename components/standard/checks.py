"""Cross-checks of the web-security standard against a stack config (registered on import)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.config.checks import cross_check
from components.standard.csp import CspError

if TYPE_CHECKING:
    from components.config.stack import StackConfig


@cross_check
def standard_resolves(cfg: StackConfig) -> list[tuple[str, str]]:
    """The header set must build, and prod stacks must give a reason for every weakening."""
    from components.standard.resolve import resolve_standard

    try:
        std = resolve_standard(cfg)
    except CspError as exc:
        return [("webstack:headers.csp", str(exc))]
    except ValueError as exc:
        return [("webstack:headers", str(exc))]
    problems = []
    if cfg.is_prod:
        for w in std.weakenings:
            if not w.reason:
                problems.append((w.setting, f"weakens the standard on a production stack ({w.effect}); set "
                                 "webstack:headers.weakeningReason to say why, or remove the setting"))
    if cfg.headers.hsts_max_age < 31536000 and cfg.is_prod:
        problems.append(("webstack:headers.hstsMaxAge", "must be at least 31536000 (one year) on production"))
    return problems
