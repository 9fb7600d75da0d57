"""The standard's rules for a stack config: the header set builds, and production stacks give a reason for every
weakening. Plain functions listed in :data:`STANDARD_RULES`; run after the config's own rules (see
:data:`components.stack_config.RULES`), before anything is registered.
"""

from __future__ import annotations

from components.config.checks import Problem, Rule
from components.config.stack import StackConfig
from components.config.standard import HeadersConfig
from components.standard.env import environment_rules
from components.standard.resolve import ONE_YEAR, StandardConfigError, build_standard

_RUNBOOK_IGNORED = {
    "csp": "csp", "api_origins": "apiOrigins", "hsts_max_age": "hstsMaxAge", "hsts_preload": "hstsPreload",
    "frame_ancestors": "frameAncestors", "cross_origin_opener_policy": "crossOriginOpenerPolicy",
    "cross_origin_resource_policy": "crossOriginResourcePolicy",
    "cross_origin_embedder_policy": "crossOriginEmbedderPolicy", "extra_headers": "extraHeaders",
}


def standard_resolves(cfg: StackConfig) -> list[Problem]:
    """The header set must build, and prod stacks must give a reason for every weakening."""
    return header_problems(cfg.headers, supabase_url=cfg.supabase.url, production=cfg.is_prod)


def header_problems(h: HeadersConfig, *, supabase_url: str | None, production: bool) -> list[Problem]:
    """Problems of the header choices ``h`` as (``webstack:headers…`` key, message): combinations the standard
    cannot build, and on production every weakening without a reason. Components run it on their intent too
    (components/intent.py), naming their own inputs."""
    problems = _setting_combinations(h)
    if problems:
        return problems
    try:
        std = build_standard(h, supabase_url, ())
    except StandardConfigError as exc:
        return [(exc.key, str(exc))]
    weakened = {w.setting.removeprefix("webstack:headers.") for w in std.weakenings}
    for setting in sorted(set(h.weakening_reasons) - weakened):
        problems.append((f"webstack:headers.weakeningReasons.{setting}",
                         "explains a weakening the headers do not make: remove it (or the setting it explains is "
                         "missing)"))
    if production:
        for w in std.weakenings:
            if not w.reason:
                key = w.setting.removeprefix("webstack:headers.")
                problems.append((w.setting, f"weakens the standard on a production stack ({w.effect}); say why "
                                 f"in webstack:headers.weakeningReasons.{key}, or remove the setting"))
        if h.profile == "strict" and h.hsts_max_age < ONE_YEAR:
            problems.append(("webstack:headers.hstsMaxAge", "must be at least 31536000 (one year) on production"))
    return problems


def _setting_combinations(h: HeadersConfig) -> list[Problem]:
    problems: list[Problem] = []
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


STANDARD_RULES: tuple[Rule, ...] = (standard_resolves, environment_rules)
"""The standard's rules, in the order their problems are reported."""
