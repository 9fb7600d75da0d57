"""The project's own Dockerfile rules, for what hadolint does not catch.

Pure module, one small check per rule in the checkov style: an ID, a name that is a full sentence, a scan that
returns findings. :func:`check_dockerfile` runs them all. The runbook's Option C Dockerfile fails WS-DF001 (its
``npm ci --only=production`` drops Vite before ``npm run build``), WS-DF002 (``nginx:alpine`` floats) and
WS-DF003 (the runtime runs as root); the rendered Dockerfile passes every rule.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Instruction:
    line: int  # 1-based line where the instruction starts
    keyword: str  # upper-case
    args: str


@dataclass
class Stage:
    base: str
    name: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)


@dataclass(frozen=True)
class Finding:
    rule: str
    name: str
    line: int
    message: str


_ARG_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _expand(value: str, defaults: dict[str, str]) -> str:
    """``${NAME}``/``$NAME`` replaced by a global ARG's default; an ARG without one stays as written."""
    return _ARG_REF.sub(lambda m: defaults.get(m.group(1) or m.group(2), m.group(0)), value)


def parse_dockerfile(text: str) -> list[Stage]:
    """Split into stages. Global ARGs (before the first FROM) only matter to FROM lines: their defaults are
    substituted there, so a base image chosen by a build argument is judged by the image a plain build uses."""
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # comment lines inside a continuation are dropped by Docker too
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1].rstrip() + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        ins = Instruction(start, keyword.upper(), args.strip())
        if ins.keyword == "ARG" and not stages:
            arg_name, sep, default = ins.args.partition("=")
            if sep:
                global_args[arg_name.strip()] = default.strip().strip('"')
        elif ins.keyword == "FROM":
            parts = [_expand(p, global_args) for p in ins.args.split() if not p.startswith("--")]
            name = parts[2] if len(parts) >= 3 and parts[1].lower() == "as" else None
            stages.append(Stage(parts[0] if parts else "", name, number))
        elif stages:
            stages[-1].instructions.append(ins)
    return stages


Rule = Callable[[list[Stage]], list[tuple[int, str]]]
_RULES: list[tuple[str, str, Rule]] = []


def rule(rule_id: str, name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        _RULES.append((rule_id, name, fn))
        return fn

    return register


# ------------------------------------------------------------------------------------------------------ WS-DF001

_INSTALL = re.compile(r"\b(npm\s+(ci|install|i)|yarn(\s+install)?|pnpm\s+(install|i))\b")
_OMITS_DEV = re.compile(r"(--only[= ]prod(uction)?|--production(?![=\w-])|--production=true|--omit[= ]dev|--prod\b)")
_BUILD = re.compile(r"\b(npm\s+run\s+build|yarn\s+(run\s+)?build|pnpm\s+(run\s+)?build|vite\s+build|npx\s+vite)\b")
_PROD_ENV = re.compile(r"\bNODE_ENV[= ]\"?production\"?")


@rule("WS-DF001", "Dependencies that a build step needs are installed before it runs.")
def _deps_before_build(stages: list[Stage]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for stage in stages:
        omitted_at: int | None = None
        prod_env = False
        for ins in stage.instructions:
            if ins.keyword in ("ENV", "ARG") and _PROD_ENV.search(ins.args):
                prod_env = True
            if ins.keyword != "RUN":
                continue
            for command in re.split(r"&&|;|\|\|", ins.args):
                if _INSTALL.search(command):
                    explicit = _OMITS_DEV.search(command)
                    if explicit or (prod_env and "--include=dev" not in command):
                        omitted_at = ins.line
                    else:
                        omitted_at = None
                elif _BUILD.search(command) and omitted_at is not None:
                    out.append((ins.line, f"the build on line {ins.line} runs after devDependencies were left out "
                                          f"on line {omitted_at} (e.g. --only=production / --omit=dev / "
                                          "NODE_ENV=production): install all dependencies in the build stage"))
                    omitted_at = None
    return out


# ------------------------------------------------------------------------------------------------------ WS-DF002

FLOATING_TAGS = frozenset({"latest", "stable", "mainline", "alpine", "slim", "lts", "lts-alpine", "lts-slim",
                           "current", "current-alpine", "edge", "bookworm", "bullseye", "trixie"})


def _split_ref(ref: str) -> tuple[str, str | None, str | None]:
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    tag = None
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref, tag = ref.rsplit(":", 1)
    return ref, tag, digest


@rule("WS-DF002", "Base images are pinned to a version tag or a digest.")
def _pinned_bases(stages: list[Stage]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    names = {s.name.lower() for s in stages if s.name}
    for stage in stages:
        base = stage.base
        if base.lower() in names or base.lower() == "scratch":
            continue
        if "$" in base:
            out.append((stage.line, f"base image {base!r} comes from a build argument and cannot be verified"))
            continue
        _repo, tag, digest = _split_ref(base)
        if digest:
            continue
        if tag is None:
            out.append((stage.line, f"base image {base!r} has no tag (means :latest)"))
        elif tag.lower() in FLOATING_TAGS or not re.search(r"\d", tag):
            out.append((stage.line, f"base image {base!r} uses the floating tag {tag!r}; pin a version"))
    return out


# ------------------------------------------------------------------------------------------------------ WS-DF003


@rule("WS-DF003", "The runtime stage runs as a non-root user.")
def _non_root_runtime(stages: list[Stage]) -> list[tuple[int, str]]:
    if not stages:
        return []
    final = stages[-1]
    users = [i for i in final.instructions if i.keyword == "USER"]
    if not users:
        return [(final.line, "the final stage sets no USER, so the container runs as the image's default "
                             "(root for nginx)")]
    last = users[-1]
    who = last.args.split(":", 1)[0].strip()
    if who in ("root", "0"):
        return [(last.line, f"the final USER is {who}")]
    return []


# ------------------------------------------------------------------------------------------------------ WS-DF004


@rule("WS-DF004", "The runtime stage declares an exec-form HEALTHCHECK.")
def _healthcheck(stages: list[Stage]) -> list[tuple[int, str]]:
    if not stages:
        return []
    final = stages[-1]
    checks = [i for i in final.instructions if i.keyword == "HEALTHCHECK"]
    if not checks:
        return [(final.line, "the final stage declares no HEALTHCHECK")]
    args = checks[-1].args
    if re.search(r"\bNONE\b", args, re.IGNORECASE) and "CMD" not in args.upper():
        return [(checks[-1].line, "HEALTHCHECK NONE disables the health check")]
    cmd = re.split(r"\bCMD\b", args, maxsplit=1, flags=re.IGNORECASE)
    if len(cmd) < 2 or not cmd[1].strip().startswith("["):
        return [(checks[-1].line, "HEALTHCHECK uses the shell form; use the JSON (exec) form")]
    return []


# ------------------------------------------------------------------------------------------------------ WS-DF005


@rule("WS-DF005", "A non-root runtime exposes only unprivileged ports.")
def _unprivileged_ports(stages: list[Stage]) -> list[tuple[int, str]]:
    if not stages:
        return []
    out = []
    for ins in stages[-1].instructions:
        if ins.keyword != "EXPOSE":
            continue
        for token in shlex.split(ins.args):
            port = token.split("/", 1)[0]
            if port.isdigit() and int(port) < 1024:
                out.append((ins.line, f"port {port} needs root or CAP_NET_BIND_SERVICE; use 8080/8443"))
    return out


def check_dockerfile(text: str) -> list[Finding]:
    stages = parse_dockerfile(text)
    findings: list[Finding] = []
    for rule_id, name, fn in _RULES:
        for line, message in fn(stages):
            findings.append(Finding(rule_id, name, line, message))
    return sorted(findings, key=lambda f: (f.line, f.rule))


RULES: tuple[tuple[str, str], ...] = tuple((rule_id, name) for rule_id, name, _ in _RULES)
