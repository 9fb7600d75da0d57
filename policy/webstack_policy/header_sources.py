"""Where response headers come from in a stack, read from provider resource inputs, per HTML response.

* Cloudflare ``Ruleset`` in phase ``http_response_headers_transform``: ``rules[].actionParameters.headers`` maps
  a header name to ``{operation: set|add|remove, value|expression}``; a rule applies where its ``expression``
  matches (:mod:`.cf_expression`).
* Vercel ``ProjectRoute``: ``route.transforms[]`` of type ``response.headers`` (``op`` set/append,
  ``target.key``, ``args``) and the route's own ``headers`` map, for the paths its ``src`` regex matches.
* Files carried in inputs (docker ``Container.uploads[{file, content}]`` and any resource holding
  ``{path|file|filename, content}``): nginx configs (:mod:`.nginx_conf`: the ``add_header`` set each
  server/location really sends), Netlify ``_headers`` and ``netlify.toml``, ``vercel.json`` (per path pattern).

Headers are judged where the SPA's HTML is served (:data:`path_match.HTML_PATHS`): a source holds the headers
one set of paths or nginx blocks receives. A rule whose condition this reader cannot evaluate is listed in
``undecided`` and its headers are not counted; the policy reports that as unknown during preview only.

Pure: no Pulumi import; values may be :data:`core.UNKNOWN`.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import cf_expression
from .core import UNKNOWN, as_list, get, is_unknown
from .nginx_conf import NginxConfig
from .path_match import HTML_PATHS, netlify_matches, regex_fullmatch, vercel_source_matches

CLOUDFLARE_RULESET = "cloudflare:index/ruleset:Ruleset"
VERCEL_PROJECT_ROUTE = "vercel:index/projectRoute:ProjectRoute"
DOCKER_CONTAINER = "docker:index/container:Container"
RESPONSE_HEADERS_PHASE = "http_response_headers_transform"


@dataclass
class Header:
    name: str
    value: Any  # str or UNKNOWN
    always: bool = True  # nginx: sent on error responses too
    computed: str | None = None  # field path of an expression computing the value per request


@dataclass
class HeaderSource:
    kind: str  # cloudflare-ruleset | vercel-route | nginx | netlify | vercel-json
    label: str
    headers: dict[str, Header] = field(default_factory=dict)  # lower-case name -> header
    removed: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)  # paths that could not be read during preview
    undecided: list[str] = field(default_factory=list)  # rule conditions this reader cannot evaluate
    html: bool = True  # False: serves none of the HTML paths (required headers are not asked of it)

    def add(self, name: Any, value: Any, *, always: bool = True, computed: str | None = None) -> None:
        if not isinstance(name, str):
            return
        self.headers[name.lower()] = Header(name, value, always, computed)


@dataclass
class _Op:
    op: str  # set | append | join | remove
    name: str
    value: Any
    computed: str | None = None


@dataclass
class _Rule:
    where: str  # field path naming the rule's condition, for messages
    matches: Callable[[str], bool | None]
    ops: list[_Op]


def sources_of(resource_type: str, props: dict[str, Any],
               html_paths: Sequence[str] = HTML_PATHS) -> list[HeaderSource]:
    out: list[HeaderSource] = []
    if resource_type == CLOUDFLARE_RULESET:
        out.extend(_cloudflare(props, html_paths))
    elif resource_type == VERCEL_PROJECT_ROUTE:
        out.append(_vercel_route(props, html_paths))
    out.extend(_files(props, html_paths))
    return out


def _by_path(kind: str, label: str, rules: list[_Rule], paths: Sequence[str],
             unknown: list[str] | None = None) -> list[HeaderSource]:
    """The headers each HTML path receives from ``rules`` (applied in order), one source per distinct result."""
    undecided: list[str] = []
    groups: dict[str, HeaderSource] = {}
    grouped_paths: dict[str, list[str]] = {}
    for path in paths:
        src = HeaderSource(kind, label, unknown=list(unknown or []), undecided=undecided)
        for rule in rules:
            hit = rule.matches(path)
            if hit is None and rule.where not in undecided:
                undecided.append(rule.where)
            if not hit:
                continue
            for op in rule.ops:
                key = op.name.lower()
                if op.op == "remove":
                    src.removed.add(key)
                    src.headers.pop(key, None)
                    continue
                src.removed.discard(key)
                old = src.headers.get(key)
                value = op.value
                if op.op == "join" and old is not None and isinstance(old.value, str) and isinstance(value, str):
                    value = f"{old.value}, {value}"  # Netlify joins a header repeated by several rules
                elif op.op == "append" and old is not None:
                    continue  # the first value stays the one a browser enforces first
                src.add(op.name, value, computed=op.computed)
        key = repr(sorted((k, repr(h.value), h.computed) for k, h in src.headers.items())) + repr(sorted(src.removed))
        groups.setdefault(key, src)
        grouped_paths.setdefault(key, []).append(path)
    out = []
    for key, src in groups.items():
        src.label = f"{label} (for {', '.join(grouped_paths[key])})"
        out.append(src)
    return out


# ------------------------------------------------------------------------------------------------ Cloudflare


def _cloudflare(props: dict[str, Any], paths: Sequence[str]) -> list[HeaderSource]:
    phase = props.get("phase")
    if is_unknown(phase):
        src = HeaderSource("cloudflare-ruleset", "Cloudflare ruleset")
        src.unknown.append("phase")
        return [src]
    if phase != RESPONSE_HEADERS_PHASE:
        return []
    label = "Cloudflare response-header ruleset"
    rules = props.get("rules")
    if is_unknown(rules):
        return [HeaderSource("cloudflare-ruleset", label, unknown=["rules"])]
    unknown: list[str] = []
    parsed: list[_Rule] = []
    for i, rule in enumerate(as_list(rules)):
        if not isinstance(rule, dict) or rule.get("enabled") is False:
            continue
        if get(rule, "action") not in ("rewrite", None, UNKNOWN):
            continue
        headers = get(rule, "actionParameters", "headers")
        if is_unknown(headers):
            unknown.append(f"rules[{i}].actionParameters.headers")
            continue
        if not isinstance(headers, dict):
            continue
        expression = rule.get("expression")
        if is_unknown(expression):
            unknown.append(f"rules[{i}].expression")
            continue
        parsed.append(_Rule(f"rules[{i}].expression", _expression_matcher(expression), _cloudflare_ops(i, headers)))
    return _by_path("cloudflare-ruleset", label, parsed, paths, unknown)


def _expression_matcher(expression: Any) -> Callable[[str], bool | None]:
    if not isinstance(expression, str):
        return lambda _path: None
    return lambda path: cf_expression.evaluate(expression, path)


def _cloudflare_ops(i: int, headers: dict[str, Any]) -> list[_Op]:
    ops: list[_Op] = []
    for name, spec in headers.items():
        operation = get(spec, "operation")
        if operation == "remove":
            ops.append(_Op("remove", name, None))
        elif operation in ("set", "add") or is_unknown(operation):
            value = get(spec, "value")
            computed = None
            expression = get(spec, "expression")
            if value is None and expression is not None:
                value = _string_literal(expression)
                if value is None:  # computed per request: judged by the policy (unknown in preview only)
                    value = UNKNOWN
                    computed = f"rules[{i}].actionParameters.headers.{name}.expression"
            ops.append(_Op("set" if operation != "add" else "append", name, value, computed))
    return ops


def _string_literal(expression: Any) -> str | None:
    """A value expression that is one string literal (``"DENY"``) is that value."""
    if not isinstance(expression, str):
        return None
    text = expression.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"' and '"' not in text[1:-1].replace('\\"', ""):
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return None


# ------------------------------------------------------------------------------------------------ Vercel route


def _vercel_route(props: dict[str, Any], paths: Sequence[str]) -> HeaderSource:
    label = "Vercel project route"
    route = props.get("route")
    if is_unknown(route):
        return HeaderSource("vercel-route", label, unknown=["route"])
    src = HeaderSource("vercel-route", label)
    headers = get(route, "headers")
    if is_unknown(headers):
        src.unknown.append("route.headers")
    if isinstance(headers, dict):
        for name, value in headers.items():
            src.add(name, value)
    transforms = get(route, "transforms")
    if is_unknown(transforms):
        src.unknown.append("route.transforms")
    for t in as_list(transforms):
        if get(t, "type") != "response.headers":
            continue
        op = get(t, "op")
        key = get(t, "target", "key")
        if isinstance(key, dict):  # a key matcher ({eq: "..."}) names the header too
            key = key.get("eq")
        if op == "delete" and isinstance(key, str):
            src.removed.add(key.lower())
        elif op in ("set", "append") or is_unknown(op):
            args = get(t, "args")
            src.add(key, args[0] if isinstance(args, list) and args else args)
    pattern = get(route, "src")
    if is_unknown(pattern):
        src.unknown.append("route.src")
        return src
    hits = [_regex_rule_matches(pattern, route, path) for path in paths]
    matched = [p for p, hit in zip(paths, hits, strict=True) if hit]
    if matched:
        src.label = f"{label} (for {', '.join(matched)})"
    elif None in hits:
        src.undecided.append("route.src" if not _conditional(route) else "route.has/missing")
        src.headers, src.removed = {}, set()  # not counted where the route may not apply
    else:
        src.html = False
    return src


def _conditional(block: Any) -> bool:
    """``has``/``missing`` conditions other than on the host make a rule apply to some requests only."""
    for key in ("has", "missing"):
        for cond in as_list(get(block, key)):
            if get(cond, "type") != "host":
                return True
    return False


def _regex_rule_matches(pattern: Any, block: Any, path: str) -> bool | None:
    if not isinstance(pattern, str):
        return None
    hit = regex_fullmatch(pattern, path)
    return None if hit and _conditional(block) else hit


# ------------------------------------------------------------------------------------------------ files

_PATH_KEYS = ("file", "path", "filename", "name")
_CONTENT_KEYS = ("content", "contents", "text", "source")
_HOST_FILES = ("_headers", "netlify.toml", "vercel.json")


def _files(props: dict[str, Any], paths: Sequence[str]) -> list[HeaderSource]:
    nginx_files: dict[str, Any] = {}
    out: list[HeaderSource] = []
    for path, content in _walk_files(props):
        lower = path.lower()
        base = lower.rsplit("/", 1)[-1]
        if lower.endswith(".conf") or ("nginx" in lower and base not in _HOST_FILES):
            if isinstance(content, str) or lower.endswith(".conf"):
                nginx_files[path] = content
        elif is_unknown(content):
            if base in _HOST_FILES:
                out.append(HeaderSource("file", path, unknown=[f"content of {path}"]))
        elif base == "_headers":
            out.extend(parse_netlify_headers(content, path, paths))
        elif base == "netlify.toml":
            out.extend(parse_netlify_toml(content, path, paths))
        elif base == "vercel.json":
            out.extend(parse_vercel_json(content, path, paths))
    if nginx_files:
        out[:0] = parse_nginx(nginx_files)
    return out


def _walk_files(value: Any) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        path = next((value[k] for k in _PATH_KEYS if isinstance(value.get(k), str)), None)
        content_key = next((k for k in _CONTENT_KEYS if k in value), None)
        if path is not None and content_key is not None:
            content = value[content_key]
            if isinstance(content, str) or is_unknown(content):
                found.append((path, content))
        for v in value.values():
            found.extend(_walk_files(v))
    elif isinstance(value, list):
        for v in value:
            found.extend(_walk_files(v))
    return found


def parse_nginx(files: dict[str, Any]) -> list[HeaderSource]:
    """One source per set of server/location blocks that send the same ``add_header`` set."""
    config = NginxConfig(files)
    out: list[HeaderSource] = []
    for scope in config.header_scopes():
        names = [b.label() for b in scope.blocks]
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        src = HeaderSource("nginx", f"nginx {shown}", unknown=list(config.unknown))
        for h in scope.defining.add_headers if scope.defining is not None else []:
            src.add(h.name, h.value, always=h.always)
        out.append(src)
    if not out and config.unknown:
        out.append(HeaderSource("nginx", "nginx configuration uploaded to the container", unknown=config.unknown))
    return out


def parse_netlify_headers(content: str, path: str, paths: Sequence[str] = HTML_PATHS) -> list[HeaderSource]:
    """Netlify ``_headers``: a path line, then indented ``Name: value`` lines; every matching rule applies."""
    rules: list[_Rule] = []
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[:1].isspace():
            pattern = line.strip()
            rules.append(_Rule(f"{path} line {number}", _netlify_matcher(pattern), []))
            continue
        name, sep, value = line.strip().partition(":")
        if sep and name and not name.startswith("/") and rules:
            rules[-1].ops.append(_Op("join", name.strip(), value.strip()))
    return _by_path("netlify", f"Netlify {path}", rules, paths)


def _netlify_matcher(pattern: str) -> Callable[[str], bool | None]:
    return lambda p: netlify_matches(pattern, p)


def parse_netlify_toml(content: str, path: str, paths: Sequence[str] = HTML_PATHS) -> list[HeaderSource]:
    try:
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError:
        return []
    blocks = data.get("headers")
    if not isinstance(blocks, list):
        return []
    rules: list[_Rule] = []
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        pattern = block.get("for")
        values = block.get("values")
        ops = [_Op("join", str(k), str(v)) for k, v in values.items()] if isinstance(values, dict) else []
        matcher = _netlify_matcher(pattern) if isinstance(pattern, str) else (lambda _p: None)
        rules.append(_Rule(f"{path} headers[{i}].for", matcher, ops))
    return _by_path("netlify", f"Netlify {path}", rules, paths)


def parse_vercel_json(content: str, path: str, paths: Sequence[str] = HTML_PATHS) -> list[HeaderSource]:
    try:
        data = json.loads(content)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    rules: list[_Rule] = []
    for i, block in enumerate(as_list(data.get("headers"))):
        if not isinstance(block, dict):
            continue
        ops = [_Op("set", str(h["key"]), h.get("value")) for h in as_list(block.get("headers"))
               if isinstance(h, dict) and isinstance(h.get("key"), str)]
        rules.append(_Rule(f"{path} headers[{i}].source", _source_matcher(block), ops))
    for i, route in enumerate(as_list(data.get("routes"))):  # legacy routes: src regex + headers map
        if isinstance(route, dict) and isinstance(route.get("headers"), dict):
            ops = [_Op("set", k, v) for k, v in route["headers"].items()]
            rules.append(_Rule(f"{path} routes[{i}].src", _route_matcher(route), ops))
    if not rules:
        return []
    return _by_path("vercel-json", f"Vercel {path}", rules, paths)


def _source_matcher(block: dict[str, Any]) -> Callable[[str], bool | None]:
    source = block.get("source")

    def matches(p: str) -> bool | None:
        if not isinstance(source, str):
            return None
        hit = vercel_source_matches(source, p)
        return None if hit and _conditional(block) else hit

    return matches


def _route_matcher(route: dict[str, Any]) -> Callable[[str], bool | None]:
    return lambda p: _regex_rule_matches(route.get("src"), route, p)
