"""The one intent shape of the components: what a site wants, checked and resolved — in every component alike.

A component's Args say what the user wants (a header profile, the third parties the CSP must allow, weakenings
with their reasons, the Supabase URL the app talks to, rate-limited paths, where the health endpoint and the hashed
build output live — :class:`StandardArgs`), plus what the site is (domain, canonical host, environment, the app's
build environment). The component turns that into the :class:`~components.standard.Standard` with
:func:`resolve_standard_intent` (or, for a hosting component, :func:`resolve_site_intent`) and renders from it.

Every component uses the same pieces, so the shape and the errors are the same everywhere:

* **one set of TypedDicts** (:class:`StandardArgs`, :class:`CspArgs`, :class:`RateLimitArgs`): snake_case keys in
  Python, camelCase on the wire for other languages (the package's schema is inferred from them);
* **one validation**: the pydantic models that check the stack config (``components.config``), so a YAML or
  TypeScript user gets the same checks and defaults as a ``Pulumi.<stack>.yaml`` (:func:`validate`);
* **one error type**, :class:`IntentError`, naming every bad input by the camelCase path its author wrote
  (``standard.csp.scriptSrc[0]``; :func:`join_path`, :func:`input_path`), never echoing a value;
* **one rule for secrets** the offline run cannot decrypt (:func:`secret_input`): the placeholder becomes a secret
  whose value is unknown, as ``pulumi preview`` shows a value it cannot know.

No ``from __future__ import annotations``: the package's schema analyzer reads these TypedDicts at run time (see
components/multilang/provider.py).
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NotRequired, TypedDict, TypeVar

import pulumi
from pydantic import BaseModel, Field, SecretStr, ValidationError

from components.config.base import ConfigError, Hostname, HttpsUrl, StrictModel, UrlPath
from components.config.env import EnvConfig, EnvName
from components.config.hosting import HostingConfig
from components.config.performance import RumBeacons
from components.config.rum_checks import rum_for_beacons, stack_rum_beacons
from components.config.stack import SECURE_PLACEHOLDER, StackConfig
from components.config.standard import HeadersConfig, RateLimit
from components.config.supabase import SupabaseConfig
from components.standard.checks import header_problems
from components.standard.model import Standard
from components.standard.resolve import ASSETS_PREFIX, HEALTH_PATH, StandardConfigError, build_standard

Problems = list[tuple[str, str]]
M = TypeVar("M", bound=BaseModel)


class CspArgs(TypedDict):
    """Extra sources per CSP directive, for third parties the app really uses (each list default empty: the
    standard's own sources only). Extra ``script_src``/``frame_src``/``worker_src`` origins, ``allow_inline_styles``,
    a report endpoint and ``upgrade_insecure_requests: false`` weaken the standard (each needs its reason on
    production: ``weakening_reasons``)."""

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
    production rules (every weakening needs its reason in ``weakening_reasons``).

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
    weakening_reasons: NotRequired[dict[str, str]]
    """Why each weakening is wanted, keyed by its setting as docs/standard.md names it (``csp.scriptSrc``,
    ``crossOriginOpenerPolicy``, ``hstsMaxAge``, ``profile``, …); required on production for every weakening.
    Exported with that weakening (the ``headerWeakenings`` output) so reviewers and the policy pack can grade it;
    a reason for a setting that weakens nothing is refused. Default: none."""
    weakening_reason: NotRequired[str | None]
    """One reason for every weakening that has none in ``weakening_reasons`` (the older, shared form; prefer one
    reason per weakening). Default: none."""
    rate_limits: NotRequired[list[RateLimitArgs]]
    """Rate-limited paths. Default ``/api/*`` 100 per 60 s (burst 20) and ``/auth/*`` 20 per 60 s (burst 5);
    an empty list means none."""
    health_path: NotRequired[str]
    """The health endpoint (never cached; probed by health checks). Default ``/healthz``."""
    assets_prefix: NotRequired[str]
    """Where the build writes content-hashed files (Vite's ``build.assetsDir``), cached immutably. Default
    ``/assets/``."""
    production: NotRequired[bool]
    """Apply the production rules: every weakening needs a reason and HSTS lasts at least a year. Default true
    (in VercelSite and NetlifySite: whether ``environment`` is production)."""
    rum_beacons: NotRequired[list[str]]
    """Real-user-monitoring beacons the pages load: cloudflare-auto (Cloudflare's edge injects Web Analytics),
    cloudflare-snippet (the app embeds it with the site token) and/or vercel (Speed Insights, same-origin). The CSP
    allows exactly each beacon's script and endpoint (docs/monitoring.md). Default: none."""


# ---------------------------------------------------------------------------------------------------------------
# Errors named by input path


class IntentError(ConfigError, ValueError):
    """A component's intent does not validate. ``problems`` are (input path, message) pairs, paths in the
    camelCase names another language uses (``standard.csp.scriptSrc[0]``); str() names the component and what to
    do. Values are never echoed (an input may be a secret)."""

    def __init__(self, component: str, problems: Problems):
        self.problems = problems
        lines = [f"  {path or '(inputs)'}: {msg}" for path, msg in problems]
        Exception.__init__(self, f"{component}: {len(problems)} invalid input{'s' if len(problems) != 1 else ''}\n"
                           + "\n".join(lines) + "\nSee docs/reference/ for every input's meaning and default, and "
                           "docs/config.md for the rules behind them.")


_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def camel(name: str) -> str:
    """``zone_id`` → ``zoneId``: an input as the schema (and every other language) names it. Names that are not
    snake_case stay as they are (``zoneId``, map keys such as ``NODE_ENV``)."""
    if not _SNAKE.fullmatch(name):
        return name
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def join_path(prefix: str, *parts: str | int) -> str:
    """An input path from a validation error's location: ``standard`` + (``csp``, ``script_src``, 0) →
    ``standard.csp.scriptSrc[0]``."""
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]" and not part.startswith(("function-after", "function-before", "function-wrap")):
            out = f"{out}.{camel(part)}" if out else camel(part)
    return out


def rename_path(path: str, renames: Mapping[str, str]) -> str:
    """``path`` with its longest prefix found in ``renames`` (matched at a ``.``/``[`` boundary) replaced."""
    for old in sorted(renames, key=len, reverse=True):
        if path == old or path.startswith((old + ".", old + "[")):
            new, rest = renames[old], path[len(old):]
            return (new + rest) if new else rest.removeprefix(".")
    return path


def input_path(config_key: str, renames: Mapping[str, str] | None = None) -> str:
    """A stack config key (``webstack:headers.csp.scriptSrc``) as the component input that carries it, given where
    the component takes each config section (``{"headers": "standard", "hosting.vercel": ""}``)."""
    return rename_path(config_key.removeprefix("webstack:"), renames or {})


def explain(exc: ValidationError, prefix: str) -> Problems:
    """A pydantic error as (input path, message) pairs; values are never echoed."""
    problems: Problems = []
    for err in exc.errors(include_input=False, include_url=False):
        path = join_path(prefix, *err["loc"])
        if err["type"] == "missing":
            problems.append((path, "required input is missing"))
        elif err["type"] == "extra_forbidden":
            problems.append((path, "unknown input (check the spelling; see docs/reference/)"))
        else:
            problems.append((path, str(err["msg"]).removeprefix("Value error, ")))
    return problems


def whole_numbers(value: Any) -> Any:
    """Integral floats made ints, however nested: numbers cross the wire as doubles (a YAML ``ttl: 1`` arrives as
    1.0), and the config models' integer fields and literals (``period: 60``) must see what the author wrote."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [whole_numbers(v) for v in value]
    return value


def validate(model: type[M], value: Any, prefix: str, problems: Problems,
             renames: Mapping[str, str] | None = None) -> M | None:
    """``model`` validated from ``value`` (snake_case or camelCase keys), or None with its problems appended:
    pydantic's named ``prefix`` + the path inside, a model's own :class:`ConfigError` (config keys) mapped by
    ``renames`` (see :func:`input_path`)."""
    try:
        return model.model_validate(whole_numbers(value if value is not None else {}))
    except ValidationError as exc:
        problems.extend(explain(exc, prefix))
    except ConfigError as exc:
        problems.extend((input_path(key, renames), message) for key, message in exc.problems)
    return None


def checked(model: type[M], value: Any, component: str, prefix: str = "",
            renames: Mapping[str, str] | None = None) -> M:
    """:func:`validate`, raising :class:`IntentError` (naming ``component``) on any problem."""
    problems: Problems = []
    result = validate(model, value, prefix, problems, renames)
    if result is None:
        raise IntentError(component, problems)
    return result


# ---------------------------------------------------------------------------------------------------------------
# The standard from intent


class _SiteChoices(StrictModel):
    """The parts of :class:`StandardArgs` that are not header choices (those are ``HeadersConfig``)."""

    supabase_url: HttpsUrl | None = None
    rate_limits: list[RateLimit] | None = Field(None, max_length=32)
    health_path: UrlPath = HEALTH_PATH
    assets_prefix: UrlPath = ASSETS_PREFIX
    production: bool | None = None
    rum_beacons: RumBeacons = Field(default_factory=list, max_length=2)


HEADER_INPUTS = frozenset(HeadersConfig.model_fields) | frozenset(
    info.alias for info in HeadersConfig.model_fields.values() if info.alias)
"""The keys of :class:`StandardArgs` that are header choices (``HeadersConfig``), by Python and wire name."""


def default_rate_limits() -> list[RateLimit]:
    """``/api/*`` 100/min (burst 20) and ``/auth/*`` 20/min (burst 5)."""
    from components.config.stack import default_rate_limits as defaults

    return defaults()


class ResolvedStandard:
    """The validated intent and the Standard built from it."""

    def __init__(self, headers: HeadersConfig, site: _SiteChoices, standard: Standard, production: bool):
        self.headers = headers
        self.rate_limits: list[RateLimit] = site.rate_limits if site.rate_limits is not None else default_rate_limits()
        self.supabase_url = site.supabase_url
        self.rum_beacons = list(site.rum_beacons)
        self.production = production
        self.standard = standard


def resolve_standard_intent(args: Mapping[str, Any] | None, prefix: str, problems: Problems, *,
                            production: bool = True) -> ResolvedStandard | None:
    """Validate a :class:`StandardArgs` (found at input path ``prefix``) and build the Standard; ``production``
    is what ``production`` defaults to.

    Problems are appended (named ``<prefix>.…``); None when there are any.
    """
    raw = dict(args or {})
    headers_raw = {k: v for k, v in raw.items() if k in HEADER_INPUTS}
    site_raw = {k: v for k, v in raw.items() if k not in HEADER_INPUTS}
    before = len(problems)
    renames = {"headers": prefix}
    headers = validate(HeadersConfig, headers_raw, prefix, problems, renames)
    site = validate(_SiteChoices, site_raw, prefix, problems, renames)
    if headers is None or site is None:
        return None
    is_prod = production if site.production is None else site.production
    problems.extend((input_path(key, renames), message.replace("webstack:headers.", f"{prefix}."))
                    for key, message in header_problems(headers, supabase_url=site.supabase_url, production=is_prod))
    if len(problems) > before:
        return None
    limits = site.rate_limits if site.rate_limits is not None else default_rate_limits()
    try:
        std = build_standard(headers, site.supabase_url, limits, health_path=site.health_path,
                             assets_prefix=site.assets_prefix, rum_beacons=site.rum_beacons)
    except StandardConfigError as exc:
        problems.append((input_path(exc.key, renames), str(exc)))
        return None
    return ResolvedStandard(headers, site, std, is_prod)


def standard_from_intent(args: Mapping[str, Any] | None, component: str, prefix: str = "standard") -> Standard:
    """The Standard for a :class:`StandardArgs`, or :class:`IntentError` naming ``component`` and each input."""
    problems: Problems = []
    resolved = resolve_standard_intent(args, prefix, problems)
    if resolved is None:
        raise IntentError(component, problems)
    return resolved.standard


# ---------------------------------------------------------------------------------------------------------------
# A hosting component's site: what the site is, its standard, its app environment


class _Site(StrictModel):
    """What every hosting component is told about the site besides its standard (stack config keys and defaults)."""

    domain: Hostname
    canonical_host: Literal["apex", "www"] = Field("apex", alias="canonicalHost")
    environment: Literal["production", "staging", "development"] = "production"
    env: EnvConfig = Field(default_factory=lambda: EnvConfig({"NODE_ENV": "production"}))
    secret_env_names: list[EnvName] = Field(default_factory=list, alias="secretEnv")


SITE_KEYS = ("domain", "canonical_host", "environment", "env")
DEPRECATED_SITE_KEYS = {"supabase_url": "supabase_url", "rate_limits": "rate_limits", "rum_beacons": "rum_beacons"}
"""Older top-level inputs of VercelSite/NetlifySite that are now keys of ``standard`` (still accepted)."""


def _standard_with_aliases(args: Mapping[str, Any], problems: Problems) -> tuple[dict[str, Any], dict[str, str]]:
    """``standard`` with the deprecated top-level ``headers``, ``rate_limits`` and ``supabase_url`` folded in, and
    how to name a problem of a folded key by the input it came from."""
    standard = dict(args.get("standard") or {})
    given = {camel(k) for k in standard}
    renames: dict[str, str] = {}
    legacy = args.get("headers")
    if legacy is not None:
        clash = sorted({camel(k) for k in legacy} & given)
        if clash:
            problems.append(("headers", f"deprecated: give the header choices in standard only ({clash[0]} is in "
                             "both)"))
        for key in legacy:
            renames[f"standard.{camel(key)}"] = f"headers.{camel(key)}"
        standard.update(legacy)
    for old, new in DEPRECATED_SITE_KEYS.items():
        if args.get(old) is None:
            continue
        if camel(new) in given:
            problems.append((camel(old), f"deprecated: given twice, here and as standard.{camel(new)} (keep that one)"))
        standard[new] = args[old]
        renames[f"standard.{camel(new)}"] = camel(old)
    return standard, renames


SITE_RENAMES = {"headers": "standard", "rateLimits": "standard.rateLimits", "supabase.url": "standard.supabaseUrl",
                "hosting.vercel": "", "hosting.netlify": ""}
"""Where a hosting component takes each stack config key (for naming the stack rules' problems by input)."""


def resolve_site_intent(component: str, args: Mapping[str, Any], hosting: HostingConfig,
                        anon_key: Any) -> tuple[StackConfig, Standard]:
    """A hosting component's site intent (domain, environment, ``standard``, app environment) checked with the
    stack config's models and rules, as the partial stack config the renderers read and its Standard. The anon key
    is checked when known. :class:`IntentError` names every bad input."""
    problems: Problems = []
    standard_raw, renames = _standard_with_aliases(args, problems)
    raw = {k: args[k] for k in SITE_KEYS if args.get(k) is not None}
    raw["secret_env_names"] = sorted(args.get("secret_env") or {})
    site = validate(_Site, raw, "", problems)
    production = site is None or site.environment == "production"
    resolved = resolve_standard_intent(standard_raw, "standard", problems, production=production)
    if resolved is not None and site is not None and resolved.production != production:
        problems.append(("standard.production", f"contradicts environment {site.environment!r}: leave it out (it "
                         "follows environment)"))
    if resolved is not None and resolved.supabase_url is None:
        problems.append(("standard.supabaseUrl", "required: the Supabase project URL the app talks to"))
    if site is None or resolved is None or resolved.supabase_url is None:
        raise IntentError(component, [(rename_path(p, renames), m) for p, m in problems])
    cfg = partial_config(
        domain=site.domain, canonical_host=site.canonical_host, environment=site.environment, hosting=hosting,
        supabase=SupabaseConfig.model_construct(url=resolved.supabase_url), headers=resolved.headers,
        rate_limits=resolved.rate_limits, env=site.env, supabase_anon_key=SecretStr(plain_or_placeholder(anon_key)),
        performance=rum_for_beacons(resolved.rum_beacons),
        secret_env={n: SecretStr(SECURE_PLACEHOLDER) for n in site.secret_env_names})
    # The environment rules, reported with the intent's own problems (the header rules ran on the intent above).
    problems += [(input_path(k, SITE_RENAMES), m) for k, m in rule_problems(cfg, standard=False)]
    if problems:
        raise IntentError(component, [(rename_path(p, renames), m) for p, m in problems])
    return cfg, resolved.standard


def partial_config(**fields: Any) -> StackConfig:
    """A StackConfig holding only the sections a component needs (already validated; the cross-section rules
    that concern it are run by :func:`rule_problems`)."""
    fields.setdefault("hosting", HostingConfig.model_construct(provider="vercel"))
    return StackConfig.model_construct(**fields)


def rule_problems(cfg: StackConfig, *, standard: bool = True, env: bool = True) -> Problems:
    """The stack's cross-section rules that concern a component (header set and environment), as (config key,
    message): rules about sections a component does not own cannot apply to it."""
    from components.standard.checks import standard_resolves
    from components.standard.env import environment_rules

    problems: Problems = []
    if standard:
        problems += standard_resolves(cfg)
    if env:
        problems += environment_rules(cfg)
    return problems


# ---------------------------------------------------------------------------------------------------------------
# Secrets


async def _resolved(value: Any) -> Any:
    return value


def unknown_secret() -> pulumi.Output[Any]:
    """A secret whose value is unknown, as a preview shows a value it cannot decrypt."""
    return pulumi.Output(set(), _resolved(None), _resolved(False), _resolved(True))


def secret_input(value: Any) -> Any:
    """A secret for a component input: the offline placeholder (or None) → an unknown secret; anything else is
    made a Pulumi secret. The same rule in every component, so a preview shows every undecryptable value alike."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value is None or (isinstance(value, str) and value == SECURE_PLACEHOLDER):
        return unknown_secret()
    return pulumi.Output.secret(value)


def plain_or_placeholder(value: Any) -> str:
    """For the config checks of a partial config: a plain secret when known, the placeholder when it is an output
    (another resource's, or unknown) — rules then skip what they cannot see, as they do offline."""
    return value if isinstance(value, str) else SECURE_PLACEHOLDER


# ---------------------------------------------------------------------------------------------------------------
# Stack config → intent (one way to fill the Args)


def rate_limit_args(limits: Sequence[RateLimit]) -> list[RateLimitArgs]:
    return [RateLimitArgs(**limit.model_dump(exclude_unset=True)) for limit in limits]  # type: ignore[typeddict-item]


def standard_args_from_config(cfg: StackConfig) -> StandardArgs:
    """The stack's standard intent: its header choices as written (unset keys keep their defaults), the Supabase
    URL, its rate limits when configured, and whether production rules apply."""
    args: dict[str, Any] = cfg.headers.model_dump(exclude_unset=True)
    args["supabase_url"] = cfg.supabase.url
    if "rate_limits" in cfg.model_fields_set:
        args["rate_limits"] = rate_limit_args(cfg.rate_limits)
    args["production"] = cfg.is_prod
    beacons = stack_rum_beacons(cfg)
    if beacons:
        args["rum_beacons"] = list(beacons)
    return args  # type: ignore[return-value]


def site_args_from_config(cfg: StackConfig) -> dict[str, Any]:
    """The site intent every hosting component takes, from a stack config (only what the stack sets, so the
    component applies the same defaults); secrets become secret inputs by :func:`secret_input`."""
    standard = dict(standard_args_from_config(cfg))
    standard.pop("production")  # follows environment
    args: dict[str, Any] = {
        "domain": cfg.domain,
        "canonical_host": cfg.canonical_host,
        "environment": cfg.environment,
        "standard": standard,
        "supabase_anon_key": secret_input(cfg.supabase_anon_key),
    }
    if "env" in cfg.model_fields_set:
        args["env"] = dict(cfg.env.root)
    if cfg.secret_env:
        args["secret_env"] = {k: secret_input(v) for k, v in sorted(cfg.secret_env.items())}
    return args


def dump_fields(model: BaseModel) -> dict[str, Any]:
    """What a config section sets, for component Args: top-level keys by field name (the Args' snake_case names,
    which the package shows in camelCase), nested keys as the config spells them (camelCase aliases)."""
    dumped = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    out: dict[str, Any] = {}
    for field, info in type(model).model_fields.items():
        key = info.alias or field
        if key in dumped:
            out[field] = dumped[key]
    return out
