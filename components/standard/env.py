"""The app's environment variables, typed and classified, and the rules that keep secrets out of the browser.

Vite copies every `VITE_*` variable into the JavaScript bundle, where anyone can read it: such a variable is
*public* whatever its value. A Supabase `service_role` JWT or `sb_secret_…` key there bypasses Row Level Security
for every visitor, so the rules below refuse it at the config boundary, before anything is registered. The anon /
publishable key is public by design (RLS is what protects the data) but still arrives as a Pulumi secret, so it stays
one end to end (Vercel `sensitive`, never written to a rendered file).

Shared by every hosting option: Vercel env vars, the Netlify production context, nginx image build args.
Pure: no Pulumi import. Messages name variables and config keys, never values.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Literal

from components.config.base import CONTROL_CHARS, safe_text
from components.config.checks import Problem
from components.config.stack import StackConfig, secret_value

BROWSER_PREFIX = "VITE_"
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|SERVICE_ROLE|CREDENTIAL", re.IGNORECASE)
"""Names that announce a secret (the same list the policy pack's `no-secrets-in-client-env` uses)."""
NODE_ENVS = ("production", "development", "test")
BOOLEAN_FLAGS = ("VITE_ENABLE_ANALYTICS", "VITE_PERFORMANCE_MONITORING")
ANON_KEY = "VITE_SUPABASE_ANON_KEY"
SUPABASE_URL = "VITE_SUPABASE_URL"

SupabaseKeyKind = Literal["anon", "publishable", "service_role", "secret", "personal_access_token", "other"]


@dataclass(frozen=True)
class EnvVar:
    """One variable of the app's environment.

    ``value`` is None only for a secret whose value the offline preview cannot decrypt: it is unknown, and the
    hosting component must register it as an unknown secret.
    """

    name: str
    value: str | None
    browser: bool  # compiled into the client bundle (VITE_*)
    secret: bool  # held as a Pulumi secret: never printed, never written to a rendered file
    source: str  # the config key it comes from

    @property
    def classification(self) -> Literal["public", "secret"]:
        """``public``: anyone may see it (in the bundle, or plain config); ``secret``: server/build side only."""
        return "secret" if self.secret and not self.browser else "public"


def _b64url_json(part: str) -> object:
    padded = part + "=" * (-len(part) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


def jwt_role(value: str) -> str | None:
    """The ``role`` claim of a JWT-shaped value (Supabase's legacy API keys), or None if it is not one."""
    parts = value.split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        return None
    try:
        header, payload = _b64url_json(parts[0]), _b64url_json(parts[1])
    except (ValueError, UnicodeError, binascii.Error):
        return None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    role = payload.get("role")
    return role if isinstance(role, str) else ""


def supabase_key_kind(value: str) -> SupabaseKeyKind:
    """What kind of Supabase credential a value is (by shape, without contacting Supabase)."""
    if value.startswith("sb_publishable_"):
        return "publishable"
    if value.startswith("sb_secret_"):
        return "secret"
    if value.startswith("sbp_"):
        return "personal_access_token"
    role = jwt_role(value)
    if role == "anon":
        return "anon"
    if role == "service_role":
        return "service_role"
    return "other"


def secret_value_reason(value: str) -> str | None:
    """Why a value is a credential that must never be public (without quoting it), or None."""
    kind = supabase_key_kind(value)
    if kind == "service_role":
        return ("its value is a Supabase service_role key (a JWT with role service_role), which bypasses Row Level "
                "Security")
    if kind == "secret":
        return "its value is a Supabase secret key (sb_secret_…), which bypasses Row Level Security"
    if kind == "personal_access_token":
        return "its value is a Supabase personal access token (sbp_…), which controls the whole account"
    if "-----BEGIN" in value and "PRIVATE KEY" in value:
        return "its value is a private key"
    return None


def _node_env_default(cfg: StackConfig) -> str:
    return "development" if cfg.environment == "development" else "production"


def resolve_env(cfg: StackConfig) -> tuple[EnvVar, ...]:
    """Every variable of the app's environment in a stable order: NODE_ENV, the Supabase pair, the rest of
    `webstack:env` in config order, then `webstack:secretEnv` sorted by name. Never raises (rules report)."""
    plain = dict(cfg.env.root)
    node_env = plain.pop("NODE_ENV", None)
    out = [EnvVar("NODE_ENV", node_env if node_env is not None else _node_env_default(cfg), browser=False,
                  secret=False, source="webstack:env.NODE_ENV" if node_env is not None else "webstack:environment")]
    url = plain.pop(SUPABASE_URL, None)
    out.append(EnvVar(SUPABASE_URL, url if url is not None else cfg.supabase.api_url, browser=True, secret=False,
                      source=f"webstack:env.{SUPABASE_URL}" if url is not None else "webstack:supabase.url"))
    plain.pop(ANON_KEY, None)  # refused by the rules: the key only ever comes from the secret
    out.append(EnvVar(ANON_KEY, secret_value(cfg.supabase_anon_key), browser=True, secret=True,
                      source="webstack:supabaseAnonKey"))
    for name, value in plain.items():
        out.append(EnvVar(name, value, browser=name.startswith(BROWSER_PREFIX), secret=False,
                          source=f"webstack:env.{name}"))
    for name in sorted(cfg.secret_env):
        out.append(EnvVar(name, secret_value(cfg.secret_env[name]), browser=name.startswith(BROWSER_PREFIX),
                          secret=True, source=f"webstack:secretEnv.{name}"))
    return tuple(out)


def public_env(env: tuple[EnvVar, ...]) -> dict[str, str]:
    """The variables that may be written to a file or a build log in plain text (no Pulumi secrets)."""
    return {v.name: v.value for v in env if not v.secret and v.value is not None}


# ------------------------------------------------------------------------------------------------------ rules


def _anon_key_problems(cfg: StackConfig) -> list[tuple[str, str]]:
    value = secret_value(cfg.supabase_anon_key)
    if value is None:
        return []
    key = "webstack:supabaseAnonKey"
    if value != value.strip() or CONTROL_CHARS.search(value):
        return [(key, "must not contain whitespace or control characters")]
    kind = supabase_key_kind(value)
    if kind in ("anon", "publishable"):
        return []
    reason = secret_value_reason(value)
    if reason is not None:
        return [(key, f"becomes {ANON_KEY}, which is compiled into the browser bundle, but {reason}. Use the anon or "
                      "publishable key (Supabase dashboard > Project Settings > API keys) and rotate the exposed key")]
    return [(key, "must be the Supabase anon key (a JWT with role anon) or a publishable key (sb_publishable_…)")]


def _plain_env_problems(cfg: StackConfig) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for name, value in cfg.env.root.items():
        where = "webstack:env"  # values are reported per variable by name, never quoted
        if name == ANON_KEY:
            problems.append((where, f"{ANON_KEY} must not be set here in plain text: it comes from the secret "
                                    "webstack:supabaseAnonKey (pulumi config set --secret webstack:supabaseAnonKey …)"))
            continue
        try:
            safe_text(value)
        except ValueError as exc:
            problems.append((where, f"{name} {exc}"))
            continue
        reason = secret_value_reason(value)
        if reason is not None:
            if name.startswith(BROWSER_PREFIX):
                problems.append((where, f"{name} is compiled into the browser bundle but {reason}; remove it and "
                                        "rotate the key"))
            else:
                problems.append((where, f"{name} holds a credential in plain-text config ({reason}); move it to "
                                        f"webstack:secretEnv with pulumi config set --secret --path "
                                        f"'webstack:secretEnv.{name}'"))
        elif SECRET_NAME.search(name):
            if name.startswith(BROWSER_PREFIX):
                problems.append((where, f"{name} is compiled into the browser bundle but its name marks it as a "
                                        "secret; keep secrets server-side (Supabase Edge Function secrets) or rename "
                                        "the variable if it really is public"))
            else:
                problems.append((where, f"{name} looks like a secret but sits in plain-text config; move it to "
                                        "webstack:secretEnv (pulumi config set --secret --path "
                                        f"'webstack:secretEnv.{name}')"))
    return problems


def _node_env_problems(cfg: StackConfig) -> list[tuple[str, str]]:
    node_env = cfg.env.root.get("NODE_ENV")
    if node_env is None:
        return []
    if node_env not in NODE_ENVS:
        return [("webstack:env.NODE_ENV", f"must be one of {', '.join(NODE_ENVS)}")]
    if cfg.is_prod and node_env != "production":
        return [("webstack:env.NODE_ENV", "must be 'production' on a production stack (webstack:environment is "
                                          "production): development builds ship unminified code and debug paths")]
    return []


def _supabase_url_problems(cfg: StackConfig) -> list[tuple[str, str]]:
    url = cfg.env.root.get(SUPABASE_URL)
    if url is None:
        return []
    key = f"webstack:env.{SUPABASE_URL}"
    if not url.startswith("https://"):
        return [(key, "must be an https:// URL: the anon key and user sessions travel with every request")]
    if url.rstrip("/") != cfg.supabase.api_url.rstrip("/"):
        return [(key, "differs from webstack:supabase.url, which the Content-Security-Policy connect-src is built "
                      "from; set webstack:supabase.url instead and drop this override")]
    return []


def _flag_problems(cfg: StackConfig) -> list[tuple[str, str]]:
    return [(f"webstack:env.{name}", "must be 'true' or 'false'")
            for name in BOOLEAN_FLAGS if name in cfg.env.root and cfg.env.root[name] not in ("true", "false")]


def _secret_env_problems(cfg: StackConfig) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    reserved = {"NODE_ENV", SUPABASE_URL, ANON_KEY}
    for name, secret in cfg.secret_env.items():
        key = f"webstack:secretEnv.{name}"
        if name.startswith(BROWSER_PREFIX):
            problems.append((key, "a secret must not carry the VITE_ prefix: Vite compiles every VITE_* variable "
                                  "into the browser bundle"))
        elif name in reserved or name in cfg.env.root:
            problems.append((key, "is already defined by webstack:env or the Supabase settings; keep one definition"))
        value = secret_value(secret)
        if value is not None and CONTROL_CHARS.search(value):
            problems.append((key, "must not contain control characters (CR, LF, NUL, TAB)"))
    return problems


_NPM_INSTALL = re.compile(r"^npm (ci|install|i)(\s|\Z)")
_DEV_INCLUDED = re.compile(r"--include[= ]dev|--production[= ]false")


def _install_problems(cfg: StackConfig) -> list[tuple[str, str]]:
    """npm skips devDependencies (vite, the build tool) when NODE_ENV=production is in the build environment."""
    hosting = cfg.hosting.vercel
    node_env = next(v.value for v in resolve_env(cfg) if v.name == "NODE_ENV")
    if hosting is None or node_env != "production":
        return []
    command = hosting.install_command
    if _NPM_INSTALL.match(command) and not _DEV_INCLUDED.search(command):
        return [("webstack:hosting.vercel.installCommand", "NODE_ENV=production makes npm skip devDependencies, so "
                 "vite would be missing at build time; add --include=dev (e.g. npm ci --include=dev)")]
    return []


def environment_rules(cfg: StackConfig) -> list[Problem]:
    """NODE_ENV on production, an https Supabase URL, and no secret in a browser-visible variable."""
    return (_node_env_problems(cfg) + _supabase_url_problems(cfg) + _anon_key_problems(cfg)
            + _plain_env_problems(cfg) + _flag_problems(cfg) + _secret_env_problems(cfg) + _install_problems(cfg))
