"""From a component's intent-level Args to the validated config the standard and the renderers read.

Components take what a user wants (a domain, a Supabase URL, a header profile with reasoned weakenings, build
settings) — from Python, or as plain dicts from any other Pulumi language through the component package. This
module checks those Args with the very pydantic models the stack config uses (so a YAML author meets the same rules
and defaults as a `Pulumi.<stack>.yaml`), names every bad input by its path, and builds the partial
:class:`StackConfig` the standard (:func:`resolve_standard`) and the environment rules read.

It also owns the one rule for secrets the offline run cannot decrypt: the placeholder becomes a secret whose value
is unknown (as `pulumi preview` shows a value it cannot know), in every component alike.
"""

import re
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

import pulumi
from pydantic import BaseModel, Field, SecretStr, ValidationError

from components.config.base import ConfigError, Hostname, HttpsUrl, StrictModel
from components.config.env import EnvConfig, EnvName
from components.config.hosting import HostingConfig
from components.config.performance import RumBeacons
from components.config.rum_checks import rum_for_beacons, stack_rum_beacons
from components.config.stack import SECURE_PLACEHOLDER, StackConfig, default_rate_limits
from components.config.standard import HeadersConfig, RateLimit
from components.config.supabase import SupabaseConfig

Model = TypeVar("Model", bound=BaseModel)


class ComponentInputError(ValueError):
    """Bad component Args: every problem as (input path, message); str() names the component and what to do."""

    def __init__(self, component: str, name: str, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        lines = [f"  - {path or '(inputs)'}: {message}" for path, message in problems]
        plural = "s" if len(problems) != 1 else ""
        super().__init__(f"{component} '{name}': {len(problems)} invalid input{plural}\n" + "\n".join(lines)
                         + "\nSee docs/reference/ for every input, and docs/config.md for the rules behind them.")


_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def _wire_name(part: str) -> str:
    """A field given by its Python name is reported by the name other languages use (supabase_url → supabaseUrl);
    map keys such as NODE_ENV stay as they are."""
    if not _SNAKE.fullmatch(part):
        return part
    first, *rest = part.split("_")
    return first + "".join(p.title() for p in rest)


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{_wire_name(part)}" if out else _wire_name(part))
    return out


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


def validate(model: type[Model], value: Any, where: str, component: str, name: str, flat: bool = True) -> Model:
    """``value`` checked by ``model``; errors name ``where`` + the path inside (values are never echoed)."""
    try:
        return model.model_validate(whole_numbers(value if value is not None else {}))
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_input=False, include_url=False):
            path = _loc(tuple(error["loc"]))
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append((f"{where}.{path}" if where and path else where or path, message))
        raise ComponentInputError(component, name, problems) from None
    except ConfigError as exc:
        raise ComponentInputError(component, name, [(input_path(k, flat), m) for k, m in exc.problems]) from None


def input_path(config_key: str, flat: bool = True) -> str:
    """A stack config key (``webstack:headers.csp.scriptSrc``) as the component input that carries it: components
    that take a config section's keys at top level (``flat``) drop the section's prefix."""
    key = config_key.removeprefix("webstack:")
    for section in ("hosting.vercel.", "hosting.netlify.", "hosting.nginx.", "supabase."):
        if key.startswith(section) and flat:
            return key[len(section):]
    return key


class SiteIntent(StrictModel):
    """What every hosting component is told about the site (the same keys and defaults as the stack config)."""

    domain: Hostname
    canonical_host: Literal["apex", "www"] = Field("apex", alias="canonicalHost")
    environment: Literal["production", "staging", "development"] = "production"
    supabase_url: HttpsUrl = Field(alias="supabaseUrl")
    headers: HeadersConfig = Field(default_factory=lambda: HeadersConfig.model_validate({}))
    rate_limits: list[RateLimit] = Field(default_factory=default_rate_limits, alias="rateLimits")
    env: EnvConfig = Field(default_factory=lambda: EnvConfig({"NODE_ENV": "production"}))
    secret_env_names: list[EnvName] = Field(default_factory=list, alias="secretEnv")
    rum_beacons: RumBeacons = Field(default_factory=list, alias="rumBeacons", max_length=2)


SITE_KEYS = ("domain", "canonical_host", "environment", "supabase_url", "headers", "rate_limits", "env", "rum_beacons")


def site_config(component: str, name: str, args: Mapping[str, Any], hosting: HostingConfig,
                anon_key: Any) -> StackConfig:
    """The partial stack config of a hosting component: its site intent and hosting section, checked together
    (header set, environment rules) as the stack config would be. ``anon_key`` is checked when known."""
    raw = {k: args[k] for k in SITE_KEYS if args.get(k) is not None}
    raw["secret_env_names"] = sorted(args.get("secret_env") or {})
    site = validate(SiteIntent, raw, "", component, name)
    cfg = partial_config(
        domain=site.domain, canonical_host=site.canonical_host, environment=site.environment, hosting=hosting,
        supabase=SupabaseConfig.model_construct(url=site.supabase_url), headers=site.headers,
        rate_limits=site.rate_limits, env=site.env, supabase_anon_key=SecretStr(plain_or_placeholder(anon_key)),
        performance=rum_for_beacons(site.rum_beacons),
        secret_env={n: SecretStr(SECURE_PLACEHOLDER) for n in site.secret_env_names})
    check_rules(cfg, component, name)
    return cfg


def partial_config(**fields: Any) -> StackConfig:
    """A StackConfig holding only the sections a component needs (already validated; cross-section rules are run
    by :func:`check_rules`, since rules about sections a component does not own cannot apply to it)."""
    fields.setdefault("hosting", HostingConfig.model_construct(provider="vercel"))
    return StackConfig.model_construct(**fields)


def check_rules(cfg: StackConfig, component: str, name: str, *, standard: bool = True, env: bool = True) -> None:
    """The stack's cross-section rules that concern this component (header set and environment)."""
    from components.standard.checks import standard_resolves
    from components.standard.env import environment_rules

    problems: list[tuple[str, str]] = []
    if standard:
        problems += standard_resolves(cfg)
    if env:
        problems += environment_rules(cfg)
    if problems:
        raise ComponentInputError(component, name, [(input_path(k), m) for k, m in problems])


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


def site_args_from_config(cfg: StackConfig) -> dict[str, Any]:
    """The site intent every hosting component takes, from a stack config (only what the stack sets, so the
    component applies the same defaults); secrets become secret inputs by :func:`secret_input`."""
    args: dict[str, Any] = {
        "domain": cfg.domain,
        "canonical_host": cfg.canonical_host,
        "environment": cfg.environment,
        "supabase_url": cfg.supabase.api_url,
        "supabase_anon_key": secret_input(cfg.supabase_anon_key),
    }
    if "headers" in cfg.model_fields_set:
        args["headers"] = cfg.headers.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if "rate_limits" in cfg.model_fields_set:
        args["rate_limits"] = [r.model_dump(mode="json", by_alias=True, exclude_unset=True) for r in cfg.rate_limits]
    if "env" in cfg.model_fields_set:
        args["env"] = dict(cfg.env.root)
    if cfg.secret_env:
        args["secret_env"] = {k: secret_input(v) for k, v in sorted(cfg.secret_env.items())}
    beacons = stack_rum_beacons(cfg)
    if beacons:
        args["rum_beacons"] = list(beacons)
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

