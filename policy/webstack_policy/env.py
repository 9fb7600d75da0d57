"""Environment settings: NODE_ENV on production, an https Supabase URL, no secret in a browser-visible variable,
secret values marked sensitive (Vercel). Messages name variables, never their values."""

from __future__ import annotations

import base64
import json
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .core import UNKNOWN, Check, Meta, as_list, get, is_unknown, resource_policy
from .header_sources import walk_files

VERCEL_ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
VERCEL_ENVS = "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables"
VERCEL_SHARED_ENV = "vercel:index/sharedEnvironmentVariable:SharedEnvironmentVariable"
VERCEL_PROJECT = "vercel:index/project:Project"
DOCKER_CONTAINER = "docker:index/container:Container"
DOCKER_SERVICE = "docker:index/service:Service"
DOCKER_IMAGE = "docker:index/image:Image"
DOCKER_REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage"
VERCEL_TYPES = [VERCEL_ENV, VERCEL_ENVS, VERCEL_SHARED_ENV, VERCEL_PROJECT]
ENV_TYPES = [*VERCEL_TYPES, DOCKER_CONTAINER, DOCKER_SERVICE, DOCKER_IMAGE, DOCKER_REMOTE_IMAGE]

CLIENT_PREFIXES = ["VITE_", "NEXT_PUBLIC_", "REACT_APP_", "PUBLIC_", "NUXT_PUBLIC_", "GATSBY_"]
SECRET_NAME_PATTERN = r"SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|SERVICE_ROLE|CREDENTIAL"  # noqa: S105 - a pattern


@dataclass
class EnvVar:
    key: Any  # str or UNKNOWN
    value: Any  # str, None (not given) or UNKNOWN
    sensitive: Any  # bool, None (not a concept for this source) or UNKNOWN
    where: str  # e.g. "variables[2]" — a location, never a value
    list_key: str | None = None  # for remediation: props[list_key][index]
    index: int | None = None
    targets: Any = None  # Vercel: environments the variable reaches (None: every one / not a concept)

    def reaches_production(self) -> bool:
        """A Vercel variable targeted at development/preview only never reaches the production deployment."""
        if not isinstance(self.targets, list) or not self.targets:
            return True
        return any(is_unknown(t) or str(t).lower() == "production" for t in self.targets)


def _value(item: dict[str, Any]) -> Any:
    """``value``, or the write-only ``value_wo`` (pulumiverse-vercel 5.x) when that is what was given."""
    value = item.get("value")
    return item.get("valueWo") if value is None and item.get("valueWo") is not None else value


def _file_env(props: dict[str, Any]) -> list[EnvVar]:
    """Environment set by deployed config files: netlify.toml ``[build.environment]`` and
    ``[context.<name>.environment]`` (production is the build and the ``production`` context), vercel.json
    ``env``/``build.env``."""
    out: list[EnvVar] = []
    for path, content in walk_files(props):
        base = path.lower().rsplit("/", 1)[-1]
        if not isinstance(content, str) or base not in _ENV_FILES:
            continue
        try:
            data = tomllib.loads(content) if base == "netlify.toml" else json.loads(content)
        except (tomllib.TOMLDecodeError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        blocks: list[tuple[str, Any, list[str]]] = []
        if base == "netlify.toml":
            blocks.append(("build.environment", get(data, "build", "environment"), ["production"]))
            contexts = data.get("context")
            for name, ctx in (contexts.items() if isinstance(contexts, dict) else []):
                blocks.append((f"context.{name}.environment", get(ctx, "environment"),
                               ["production"] if name == "production" else [str(name)]))
        else:
            blocks += [("env", data.get("env"), ["production"]), ("build.env", get(data, "build", "env"),
                                                                  ["production"])]
        for where, env, targets in blocks:
            if isinstance(env, dict):
                for key, value in env.items():
                    out.append(EnvVar(key, str(value), None, f"{path} [{where}] {key}", targets=targets))
    return out


def may_declare_env(resource_type: str, props: dict[str, Any]) -> bool:
    """False for a resource :func:`env_vars` finds no variable in: not a type that declares environment, and no
    ``netlify.toml`` or ``vercel.json`` carried in its inputs (the files :func:`_file_env` reads)."""
    if resource_type in ENV_TYPES:
        return True
    return any(path.lower().rsplit("/", 1)[-1] in _ENV_FILES for path, _content in walk_files(props))


_ENV_FILES = ("netlify.toml", "vercel.json")


def env_vars(resource_type: str, props: dict[str, Any]) -> list[EnvVar]:
    if not may_declare_env(resource_type, props):
        return []
    out: list[EnvVar] = _file_env(props)
    if resource_type in (VERCEL_ENV, VERCEL_SHARED_ENV):
        where = "valueWo" if props.get("value") is None and props.get("valueWo") is not None else "key"
        out.append(EnvVar(props.get("key"), _value(props), props.get("sensitive", False), where,
                          targets=props.get("targets")))
    elif resource_type in (VERCEL_ENVS, VERCEL_PROJECT):
        list_key = "variables" if resource_type == VERCEL_ENVS else "environments"
        items = props.get(list_key)
        if is_unknown(items):
            out.append(EnvVar(UNKNOWN, UNKNOWN, UNKNOWN, list_key))
        for i, item in enumerate(as_list(items)):
            if is_unknown(item):
                out.append(EnvVar(UNKNOWN, UNKNOWN, UNKNOWN, f"{list_key}[{i}]"))
            elif isinstance(item, dict):
                sensitive = item.get("sensitive", False)
                out.append(EnvVar(item.get("key"), _value(item), sensitive, f"{list_key}[{i}]", list_key, i,
                                  targets=item.get("targets", item.get("target"))))
    elif resource_type == DOCKER_CONTAINER:
        envs = props.get("envs")
        if is_unknown(envs):
            out.append(EnvVar(UNKNOWN, UNKNOWN, None, "envs"))
        for i, entry in enumerate(as_list(envs)):
            if is_unknown(entry):
                out.append(EnvVar(UNKNOWN, UNKNOWN, None, f"envs[{i}]"))
            elif isinstance(entry, str):
                key, sep, value = entry.partition("=")
                out.append(EnvVar(key, value if sep else None, None, f"envs[{i}]"))
    elif resource_type == DOCKER_SERVICE:
        envs = get(props, "taskSpec", "containerSpec", "env")
        if is_unknown(envs):
            out.append(EnvVar(UNKNOWN, UNKNOWN, None, "taskSpec.containerSpec.env"))
        elif isinstance(envs, dict):
            for key, value in envs.items():
                out.append(EnvVar(key, value, None, f"taskSpec.containerSpec.env.{key}"))
    elif resource_type in (DOCKER_IMAGE, DOCKER_REMOTE_IMAGE):
        path = ("build", "args") if resource_type == DOCKER_IMAGE else ("build", "buildArgs")
        args = get(props, *path)
        if is_unknown(args):
            out.append(EnvVar(UNKNOWN, UNKNOWN, None, ".".join(path)))
        elif isinstance(args, dict):
            for key, value in args.items():
                out.append(EnvVar(key, value, None, f"{'.'.join(path)}.{key}"))
    return out


def _b64json(part: str) -> Any:
    padded = part + "=" * (-len(part) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode()))


def jwt_role(value: str) -> str | None:
    """The ``role`` claim of a JWT-shaped value (Supabase legacy API keys), or None."""
    parts = value.strip().split(".")
    if len(parts) != 3 or not all(parts[:2]):
        return None
    try:
        header, payload = _b64json(parts[0]), _b64json(parts[1])
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    role = payload.get("role")
    return role if isinstance(role, str) else None


def secret_reason(key: Any, value: Any, name_pattern: str) -> str | None:
    """Why a variable holds a secret (never quoting it), or None."""
    if isinstance(value, str):
        if value.strip().startswith("sb_secret_"):
            return "its value is a Supabase secret key (sb_secret_…)"
        if jwt_role(value) == "service_role":
            return "its value is a JWT with role service_role"
        if "-----BEGIN" in value and "PRIVATE KEY" in value:
            return "its value is a private key"
    if isinstance(key, str) and re.search(name_pattern, key, re.IGNORECASE):
        return "its name marks it as a secret"
    return None


def client_exposed(key: Any, prefixes: list[str]) -> bool:
    return isinstance(key, str) and any(key.upper().startswith(p.upper()) for p in prefixes)


def _name(var: EnvVar) -> str:
    return var.key if isinstance(var.key, str) else f"the variable at {var.where}"


# ------------------------------------------------------------------------------------------- policies


def _node_env(resource_type: str, props: dict[str, Any], check: Check) -> None:
    if not check.prod:
        return
    for var in env_vars(resource_type, props):
        if is_unknown(var.key):
            check.unknown(var.where)
        elif var.key == "NODE_ENV" and var.reaches_production():
            if is_unknown(var.value):
                check.unknown(f"{var.where} value")
            elif var.value != "production":
                check.fail(f"NODE_ENV ({var.where}) is not 'production' on a production stack.")


NODE_ENV = resource_policy(
    Meta(
        name="node-env-production",
        description="NODE_ENV, where a production stack declares it, is 'production'.",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        remediation="Set NODE_ENV=production in the production environment (Vercel env var, container env, build arg).",
        prod=True,
        tags=("env",),
    ),
    None,
    _node_env,
    judges=may_declare_env,  # the rule judges env_vars() only
)

_LOCAL = re.compile(r"^http://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(/|\Z)")


def _supabase_url(resource_type: str, props: dict[str, Any], check: Check) -> None:
    names = [str(n) for n in check.config["urlVariables"]]
    for var in env_vars(resource_type, props):
        if is_unknown(var.key):
            check.unknown(var.where)
            continue
        if var.key not in names or var.value is None:
            continue
        if is_unknown(var.value):
            check.unknown(f"{var.where} value")
            continue
        value = str(var.value).strip()
        if value.startswith("https://"):
            continue
        off_prod = not check.prod or not var.reaches_production()
        if off_prod and check.config["allowLocalHttpOffProd"] and _LOCAL.match(value):
            continue
        check.fail(f"{var.key} ({var.where}) is not an https:// URL.")


SUPABASE_URL = resource_policy(
    Meta(
        name="supabase-url-https",
        description="The Supabase URL handed to the app is an https:// URL.",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation="Use https://<project-ref>.supabase.co (or your https custom domain) for VITE_SUPABASE_URL.",
        config={
            "urlVariables": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["VITE_SUPABASE_URL", "NEXT_PUBLIC_SUPABASE_URL", "SUPABASE_URL"],
            },
            "allowLocalHttpOffProd": {
                "type": "boolean",
                "default": True,
                "description": "allow http://localhost on non-production stacks (supabase start)",
            },
        },
        prod=True,
        tags=("env", "supabase"),
    ),
    None,
    _supabase_url,
    judges=may_declare_env,  # the rule judges env_vars() only
)

_SECRET_CONFIG: dict[str, dict[str, Any]] = {
    "clientPrefixes": {
        "type": "array",
        "items": {"type": "string"},
        "default": CLIENT_PREFIXES,
        "description": "variable name prefixes that bundlers copy into browser code",
    },
    "secretNamePattern": {
        "type": "string",
        "default": SECRET_NAME_PATTERN,
        "description": "case-insensitive regular expression for names of secret variables",
    },
}


def _client_secrets(resource_type: str, props: dict[str, Any], check: Check) -> None:
    prefixes = [str(p) for p in check.config["clientPrefixes"]]
    pattern = str(check.config["secretNamePattern"])
    for var in env_vars(resource_type, props):
        if is_unknown(var.key):
            check.unknown(var.where)
            continue
        if not client_exposed(var.key, prefixes):
            continue
        if is_unknown(var.value):
            reason = secret_reason(var.key, None, pattern)
            if reason is None:
                check.unknown(f"{var.where} value")
                continue
        else:
            reason = secret_reason(var.key, var.value, pattern)
        if reason is not None:
            check.fail(
                f"{_name(var)} ({var.where}) is exposed to the browser but {reason}; anyone can read it from the "
                f"bundle."
            )


CLIENT_SECRETS = resource_policy(
    Meta(
        name="no-secrets-in-client-env",
        description="No secret reaches a browser-exposed variable (VITE_* and similar prefixes).",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Put only the publishable/anon key in VITE_SUPABASE_ANON_KEY; keep service_role and sb_secret_ keys "
            "server-side (Supabase Edge Function secrets), rotate any key that was exposed, and rename variables "
            "so secrets never carry a client prefix."
        ),
        config=_SECRET_CONFIG,
        tags=("env", "secrets"),
    ),
    None,
    _client_secrets,
    judges=may_declare_env,  # the rule judges env_vars() only
)


def _needs_sensitive(var: EnvVar, pattern: str) -> bool:
    if is_unknown(var.key):
        return False
    value = None if is_unknown(var.value) else var.value
    return secret_reason(var.key, value, pattern) is not None


def _sensitive(resource_type: str, props: dict[str, Any], check: Check) -> None:
    pattern = str(check.config["secretNamePattern"])
    for var in env_vars(resource_type, props):
        if is_unknown(var.key):
            check.unknown(var.where)
            continue
        if var.sensitive is None or not _needs_sensitive(var, pattern):
            continue  # None: not a concept of this source (a file's environment)
        if is_unknown(var.sensitive):
            check.unknown(f"{var.where}.sensitive")
        elif var.sensitive is not True:
            check.fail(f"{_name(var)} ({var.where}) holds a secret but is not marked sensitive.")


def _make_sensitive(resource_type: str, plain_props: dict[str, Any], props: Any, config: dict[str, Any]) -> bool:
    pattern = str(config["secretNamePattern"])
    changed = False
    for var in env_vars(resource_type, plain_props):
        if var.sensitive in (True, None) or is_unknown(var.sensitive) or not _needs_sensitive(var, pattern):
            continue
        if var.list_key is None:
            props["sensitive"] = True
        else:
            props[var.list_key][var.index]["sensitive"] = True
        changed = True
    return changed


SENSITIVE = resource_policy(
    Meta(
        name="secret-env-sensitive",
        description="Vercel environment variables holding secrets are marked sensitive.",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Set sensitive=true on the variable (the remediate enforcement level does it for you); sensitive "
            "values cannot be read back from the Vercel dashboard or API."
        ),
        config={"secretNamePattern": _SECRET_CONFIG["secretNamePattern"]},
        tags=("env", "secrets"),
    ),
    VERCEL_TYPES,
    _sensitive,
    remediate=_make_sensitive,
)

POLICIES = [NODE_ENV, SUPABASE_URL, CLIENT_SECRETS, SENSITIVE]
