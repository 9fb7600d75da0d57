"""Intent shared by the components: what a site wants from the web-security standard, checked and resolved.

A component's Args say what the user wants (a header profile, the third parties the CSP must allow, weakenings
with a reason, the Supabase URL the app talks to, rate-limited paths, where the health endpoint and the hashed
build output live); the component turns that into the :class:`~components.standard.Standard` with
:func:`resolve_standard_intent` and renders from it. The intent is validated by the same pydantic models that
check stack config (``components.config``), so a YAML or TypeScript user of the component package gets the same
checks and defaults as the Python program; an error names the input by the path its author wrote
(``standard.csp.scriptSrc[0]``).

Pure: no Pulumi import. No ``from __future__ import annotations``: the package's schema analyzer reads these
TypedDicts at run time (see components/multilang/provider.py).
"""

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, TypeVar

from pydantic import BaseModel, Field, ValidationError

from components.config.base import ConfigError, HttpsUrl, StrictModel, UrlPath, describe_value
from components.config.performance import RumBeacons
from components.config.standard import HeadersConfig, RateLimit
from components.standard.checks import header_problems
from components.standard.model import Standard
from components.standard.resolve import ASSETS_PREFIX, HEALTH_PATH, StandardConfigError, build_standard

if TYPE_CHECKING:
    from components.config.stack import StackConfig

Problems = list[tuple[str, str]]
M = TypeVar("M", bound=BaseModel)


class CspArgs(TypedDict):
    """Extra sources per CSP directive, for third parties the app really uses (each list default empty: the
    standard's own sources only). Extra ``script_src``/``frame_src``/``worker_src`` origins, ``allow_inline_styles``,
    a report endpoint and ``upgrade_insecure_requests: false`` weaken the standard (see ``weakening_reason``)."""

    script_src: NotRequired[list[str]]
    """Extra script-src sources (a weakening). Default: none."""
    style_src: NotRequired[list[str]]
    """Extra style-src sources. Default: none."""
    img_src: NotRequired[list[str]]
    """Extra img-src sources. Default: none."""
    font_src: NotRequired[list[str]]
    """Extra font-src sources. Default: none."""
    connect_src: NotRequired[list[str]]
    """Extra connect-src sources (the Supabase origin is added from ``supabase_url``). Default: none."""
    frame_src: NotRequired[list[str]]
    """Extra frame-src sources (a weakening). Default: none."""
    media_src: NotRequired[list[str]]
    """Extra media-src sources. Default: none."""
    worker_src: NotRequired[list[str]]
    """Extra worker-src sources (a weakening). Default: none."""
    allow_inline_styles: NotRequired[bool]
    """Add 'unsafe-inline' to style-src (a weakening). Default false."""
    report_uri: NotRequired[str | None]
    """Legacy report-uri endpoint, an https URL (a weakening: reports leave the site). Default: none."""
    report_to: NotRequired[str | None]
    """Reporting API group name; set together with ``report_endpoint``. Default: none."""
    report_endpoint: NotRequired[str | None]
    """https URL sent as ``Reporting-Endpoints: <report_to>="URL"``. Default: none."""
    upgrade_insecure_requests: NotRequired[bool]
    """Keep the upgrade-insecure-requests directive. Default true (false is a weakening)."""


class RateLimitArgs(TypedDict):
    """One rate-limited path (Cloudflare ``http_ratelimit`` at the edge, nginx ``limit_req`` at a self-hosted
    origin)."""

    path: str
    """``/api/*`` (prefix) or ``/login`` (exact)."""
    requests_per_period: int
    """Requests a client may send within ``period`` (1..1000000)."""
    period: NotRequired[int]
    """Seconds: 10, 60, 120, 300, 600 or 3600. Default 60."""
    mitigation_timeout: NotRequired[int]
    """Seconds the action stays in force: 0, 10, 60, 120, 300, 600, 3600 or 86400 (0 for the challenge actions).
    Default 60."""
    action: NotRequired[str]
    """block | managed_challenge | js_challenge | log. Default block."""
    burst: NotRequired[int]
    """Extra requests nginx queues before answering 429 (0..100000; Cloudflare has no burst). Default 0."""


class StandardArgs(TypedDict):
    """The web-security standard this site wants: webstack's strict defaults plus the site's own choices.

    Every default is the secure one: profile ``strict`` (graded A+ by the Mozilla Observatory rules), two-year
    HSTS with includeSubDomains and no preload, no framing, COOP/CORP ``same-origin``, no COEP, no extra headers,
    rate limits ``/api/*`` 100/min (burst 20) and ``/auth/*`` 20/min (burst 5), the cache classes below, and
    production rules (every weakening needs ``weakening_reason``).

    Cache classes (fixed; the paths are yours): the health endpoint is never cached; the hashed build output under
    ``assets_prefix`` is immutable for a year; HTML revalidates on every request; icons, images, the manifest,
    robots.txt and sitemaps are cached for an hour; everything else revalidates.
    """

    profile: NotRequired[str]
    """strict (webstack's A+ default) | runbook (the runbook's six headers verbatim, graded below A). Default
    strict."""
    supabase_url: NotRequired[str | None]
    """The Supabase project URL (https) the app talks to: its origin is allowed in connect-src over https and wss,
    and in img-src for Storage. Default: none (the app calls no Supabase project)."""
    csp: NotRequired[CspArgs]
    """Extra CSP sources for the app's third parties. Default: none."""
    api_origins: NotRequired[list[str]]
    """Further https API origins the app calls (added to connect-src). Default: none."""
    hsts_max_age: NotRequired[int]
    """Strict-Transport-Security max-age in seconds (below two years is a weakening; production needs at least
    one year). Default 63072000."""
    hsts_preload: NotRequired[bool]
    """Ask for inclusion in browsers' HSTS preload lists (needs max-age of at least one year). Default false."""
    frame_ancestors: NotRequired[list[str]]
    """https origins (or 'self') allowed to frame the site (a weakening). Default: none (no framing)."""
    cross_origin_opener_policy: NotRequired[str]
    """same-origin | same-origin-allow-popups (a weakening, for OAuth/payment popups). Default same-origin."""
    cross_origin_resource_policy: NotRequired[str]
    """same-origin | same-site | cross-origin (the last two are weakenings). Default same-origin."""
    cross_origin_embedder_policy: NotRequired[str | None]
    """require-corp | credentialless: opt-in cross-origin isolation. Default: none."""
    extra_headers: NotRequired[dict[str, str]]
    """Additional static response headers (names the standard manages are refused). Default: none."""
    weakening_reason: NotRequired[str | None]
    """Why the settings above weaken the standard; required on production when any of them does. Exported with
    each weakening so reviewers and the policy pack can grade it. Default: none."""
    rate_limits: NotRequired[list[RateLimitArgs]]
    """Rate-limited paths. Default ``/api/*`` 100 per 60 s (burst 20) and ``/auth/*`` 20 per 60 s (burst 5);
    an empty list means none."""
    health_path: NotRequired[str]
    """The health endpoint (never cached; probed by health checks). Default ``/healthz``."""
    assets_prefix: NotRequired[str]
    """Where the build writes content-hashed files (Vite's ``build.assetsDir``), cached immutably. Default
    ``/assets/``."""
    production: NotRequired[bool]
    """Apply the production rules: every weakening needs ``weakening_reason`` and HSTS lasts at least a year.
    Default true."""
    rum_beacons: NotRequired[list[str]]
    """Real-user-monitoring beacons the pages load: cloudflare-auto (Cloudflare's edge injects Web Analytics),
    cloudflare-snippet (the app embeds it with the site token) and/or vercel (Speed Insights, same-origin). The CSP
    allows exactly each beacon's script and endpoint (docs/monitoring.md). Default: none."""


# ---------------------------------------------------------------------------------------------------------------
# Errors named by input path


class IntentError(ConfigError):
    """A component's intent does not validate. ``problems`` are (input path, message) pairs, paths in the
    camelCase names another language uses (``standard.csp.scriptSrc[0]``); str() names the component."""

    def __init__(self, component: str, problems: Problems):
        self.problems = problems
        lines = [f"  {path or '(inputs)'}: {msg}" for path, msg in problems]
        Exception.__init__(self, f"{component}: {len(problems)} invalid input{'s' if len(problems) != 1 else ''}\n"
                           + "\n".join(lines) + "\nSee docs/reference/ for every input's meaning and default.")


def camel(name: str) -> str:
    """``zone_id`` → ``zoneId`` (the schema name of a Python Args key; camelCase stays as it is)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def join_path(prefix: str, *parts: str | int) -> str:
    out = prefix
    for part in parts:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            out += f"[{part}]"
        elif not part.startswith(("function-after", "function-before")):
            out = f"{out}.{camel(part)}" if out else camel(part)
    return out


def explain(exc: ValidationError, prefix: str) -> Problems:
    """A pydantic error as (input path, message) pairs; values are described, never echoed whole."""
    problems: Problems = []
    for err in exc.errors(include_url=False):
        path = join_path(prefix, *err["loc"])
        if err["type"] == "missing":
            problems.append((path, "required input is missing"))
        elif err["type"] == "extra_forbidden":
            problems.append((path, "unknown input (check the spelling; see docs/reference/)"))
        else:
            msg = err["msg"].removeprefix("Value error, ")
            problems.append((path, f"{msg} (got {describe_value(err.get('input'), secret=False)})"))
    return problems


def validate(model: type[M], value: Any, prefix: str, problems: Problems) -> M | None:
    """``model`` validated from ``value`` (snake_case keys), or None with its problems appended."""
    try:
        return model.model_validate(value if value is not None else {})
    except ValidationError as exc:
        problems.extend(explain(exc, prefix))
        return None


_CONFIG_KEY = re.compile(r"webstack:headers(?=[.\[]|\Z)")


def from_config_key(key: str, prefix: str) -> str:
    """``webstack:headers.csp.reportTo`` → ``<prefix>.csp.reportTo`` (header keys are the intent's names)."""
    return _CONFIG_KEY.sub(prefix, key, count=1)


# ---------------------------------------------------------------------------------------------------------------
# The standard from intent


class _SiteChoices(StrictModel):
    """The parts of :class:`StandardArgs` that are not header choices (those are ``HeadersConfig``)."""

    supabase_url: HttpsUrl | None = None
    rate_limits: list[RateLimit] | None = Field(None, max_length=32)
    health_path: UrlPath = HEALTH_PATH
    assets_prefix: UrlPath = ASSETS_PREFIX
    production: bool = True
    rum_beacons: RumBeacons = Field(default_factory=list, max_length=2)


_HEADER_FIELDS = frozenset(HeadersConfig.model_fields)


def default_rate_limits() -> list[RateLimit]:
    """``/api/*`` 100/min (burst 20) and ``/auth/*`` 20/min (burst 5)."""
    from components.config.stack import default_rate_limits as defaults

    return defaults()


class ResolvedStandard:
    """The validated intent and the Standard built from it."""

    def __init__(self, headers: HeadersConfig, site: _SiteChoices, standard: Standard):
        self.headers = headers
        self.rate_limits: list[RateLimit] = site.rate_limits if site.rate_limits is not None else default_rate_limits()
        self.supabase_url = site.supabase_url
        self.production = site.production
        self.standard = standard


def resolve_standard_intent(args: Mapping[str, Any] | None, prefix: str, problems: Problems
                            ) -> ResolvedStandard | None:
    """Validate a :class:`StandardArgs` (found at input path ``prefix``) and build the Standard.

    Problems are appended (named ``<prefix>.…``); None when there are any.
    """
    raw = dict(args or {})
    headers_raw = {k: v for k, v in raw.items() if k in _HEADER_FIELDS}
    site_raw = {k: v for k, v in raw.items() if k not in _HEADER_FIELDS}
    before = len(problems)
    headers = validate(HeadersConfig, headers_raw, prefix, problems)
    site = validate(_SiteChoices, site_raw, prefix, problems)
    if headers is None or site is None:
        return None
    found = [(from_config_key(k, prefix), m.replace("webstack:headers.", f"{prefix}."))
             for k, m in header_problems(headers, supabase_url=site.supabase_url, production=site.production)]
    problems.extend(found)
    if len(problems) > before:
        return None
    limits = site.rate_limits if site.rate_limits is not None else default_rate_limits()
    try:
        std = build_standard(headers, site.supabase_url, limits, health_path=site.health_path,
                             assets_prefix=site.assets_prefix, rum_beacons=site.rum_beacons)
    except StandardConfigError as exc:
        problems.append((from_config_key(exc.key, prefix), str(exc)))
        return None
    return ResolvedStandard(headers, site, std)


def standard_from_intent(args: Mapping[str, Any] | None, component: str, prefix: str = "standard") -> Standard:
    """The Standard for a :class:`StandardArgs`, or :class:`IntentError` naming ``component`` and each input."""
    problems: Problems = []
    resolved = resolve_standard_intent(args, prefix, problems)
    if resolved is None:
        raise IntentError(component, problems)
    return resolved.standard


# ---------------------------------------------------------------------------------------------------------------
# Stack config → intent (one way to fill the Args)


def rate_limit_args(limits: Sequence[RateLimit]) -> list[RateLimitArgs]:
    return [RateLimitArgs(**limit.model_dump(exclude_unset=True)) for limit in limits]  # type: ignore[typeddict-item]


def standard_args_from_config(cfg: "StackConfig") -> StandardArgs:
    """The stack's standard intent: its header choices as written (unset keys keep their defaults), the Supabase
    URL, its rate limits when configured, and whether production rules apply."""
    args: dict[str, Any] = cfg.headers.model_dump(exclude_unset=True)
    args["supabase_url"] = cfg.supabase.url
    if "rate_limits" in cfg.model_fields_set:
        args["rate_limits"] = rate_limit_args(cfg.rate_limits)
    args["production"] = cfg.is_prod
    from components.config.rum_checks import stack_rum_beacons

    beacons = stack_rum_beacons(cfg)
    if beacons:
        args["rum_beacons"] = list(beacons)
    return args  # type: ignore[return-value]
