"""Cross-checks of the web-security standard against a stack config (registered on import).

Each returns (config key, message) pairs; the loader turns them into one ConfigError before anything is registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.config.checks import cross_check

if TYPE_CHECKING:
    from components.config.stack import StackConfig

_RUNBOOK_IGNORED = {
    "csp": "csp", "api_origins": "apiOrigins", "hsts_max_age": "hstsMaxAge", "hsts_preload": "hstsPreload",
    "frame_ancestors": "frameAncestors", "cross_origin_opener_policy": "crossOriginOpenerPolicy",
    "cross_origin_resource_policy": "crossOriginResourcePolicy",
    "cross_origin_embedder_policy": "crossOriginEmbedderPolicy", "extra_headers": "extraHeaders",
}


@cross_check
def standard_resolves(cfg: StackConfig) -> list[tuple[str, str]]:
    """The header set must build, and prod stacks must give a reason for every weakening."""
    from components.standard.resolve import ONE_YEAR, StandardConfigError, resolve_standard

    problems = _setting_combinations(cfg)
    if problems:
        return problems
    try:
        std = resolve_standard(cfg)
    except StandardConfigError as exc:
        return [(exc.key, str(exc))]
    if cfg.is_prod:
        for w in std.weakenings:
            if not w.reason:
                problems.append((w.setting, f"weakens the standard on a production stack ({w.effect}); set "
                                 "webstack:headers.weakeningReason to say why, or remove the setting"))
        if cfg.headers.profile == "strict" and cfg.headers.hsts_max_age < ONE_YEAR:
            problems.append(("webstack:headers.hstsMaxAge", "must be at least 31536000 (one year) on production"))
    return problems


def _setting_combinations(cfg: StackConfig) -> list[tuple[str, str]]:
    from components.standard.resolve import ONE_YEAR

    h = cfg.headers
    problems: list[tuple[str, str]] = []
    if h.profile == "runbook":
        for field in sorted(h.model_fields_set & set(_RUNBOOK_IGNORED)):
            problems.append((f"webstack:headers.{_RUNBOOK_IGNORED[field]}",
                             "has no effect with profile 'runbook' (the runbook's list is reproduced verbatim); "
                             "remove it or use profile 'strict'"))
        return problems
    if bool(h.csp.report_to) != bool(h.csp.report_endpoint):
        missing = "reportEndpoint" if h.csp.report_to else "reportTo"
        problems.append((f"webstack:headers.csp.{missing}",
                         "reportTo (group name) and reportEndpoint (https URL) are set together"))
    if h.hsts_preload and h.hsts_max_age < ONE_YEAR:
        problems.append(("webstack:headers.hstsPreload",
                         "the HSTS preload list requires max-age of at least 31536000 (one year)"))
    return problems
