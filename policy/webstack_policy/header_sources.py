"""Where response headers come from in a stack, read from provider resource inputs.

* Cloudflare ``Ruleset`` in phase ``http_response_headers_transform``: ``rules[].actionParameters.headers`` maps
  a header name to ``{operation: set|add|remove, value}``.
* Vercel ``ProjectRoute``: ``route.transforms[]`` of type ``response.headers`` (``op`` set/append,
  ``target.key``, ``args``) and the route's own ``headers`` map.
* Files carried in inputs (docker ``Container.uploads[{file, content}]`` and any resource holding
  ``{path|file|filename, content}``): nginx configs (``add_header Name value always;``), Netlify ``_headers``
  and ``netlify.toml``, ``vercel.json``.

Pure: no Pulumi import; values may be :data:`core.UNKNOWN`.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from .core import UNKNOWN, as_list, get, is_unknown

CLOUDFLARE_RULESET = "cloudflare:index/ruleset:Ruleset"
VERCEL_PROJECT_ROUTE = "vercel:index/projectRoute:ProjectRoute"
DOCKER_CONTAINER = "docker:index/container:Container"
RESPONSE_HEADERS_PHASE = "http_response_headers_transform"


@dataclass
class Header:
    name: str
    value: Any  # str or UNKNOWN
    always: bool = True  # nginx: sent on error responses too


@dataclass
class HeaderSource:
    kind: str  # cloudflare-ruleset | vercel-route | nginx | netlify | vercel-json
    label: str
    headers: dict[str, Header] = field(default_factory=dict)  # lower-case name -> header
    removed: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)  # paths that could not be read during preview

    def add(self, name: Any, value: Any, *, always: bool = True) -> None:
        if not isinstance(name, str):
            return
        self.headers[name.lower()] = Header(name, value, always)


def sources_of(resource_type: str, props: dict[str, Any]) -> list[HeaderSource]:
    out: list[HeaderSource] = []
    if resource_type == CLOUDFLARE_RULESET:
        source = _cloudflare(props)
        if source is not None:
            out.append(source)
    elif resource_type == VERCEL_PROJECT_ROUTE:
        out.append(_vercel_route(props))
    out.extend(_files(props))
    return out


def _cloudflare(props: dict[str, Any]) -> HeaderSource | None:
    phase = props.get("phase")
    if is_unknown(phase):
        src = HeaderSource("cloudflare-ruleset", "Cloudflare ruleset")
        src.unknown.append("phase")
        return src
    if phase != RESPONSE_HEADERS_PHASE:
        return None
    src = HeaderSource("cloudflare-ruleset", "Cloudflare response-header ruleset")
    rules = props.get("rules")
    if is_unknown(rules):
        src.unknown.append("rules")
        return src
    for i, rule in enumerate(as_list(rules)):
        if not isinstance(rule, dict) or rule.get("enabled") is False:
            continue
        if get(rule, "action") not in ("rewrite", None, UNKNOWN):
            continue
        headers = get(rule, "actionParameters", "headers")
        if is_unknown(headers):
            src.unknown.append(f"rules[{i}].actionParameters.headers")
            continue
        if not isinstance(headers, dict):
            continue
        for name, spec in headers.items():
            operation = get(spec, "operation")
            if operation == "remove":
                src.removed.add(name.lower())
            elif operation in ("set", "add") or is_unknown(operation):
                value = get(spec, "value")
                if value is None and get(spec, "expression") is not None:
                    value = UNKNOWN  # computed per request by an expression: not judged statically
                src.add(name, value)
    return src


def _vercel_route(props: dict[str, Any]) -> HeaderSource:
    src = HeaderSource("vercel-route", "Vercel project route")
    route = props.get("route")
    if is_unknown(route):
        src.unknown.append("route")
        return src
    headers = get(route, "headers")
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
    return src


# ------------------------------------------------------------------------------------------------ files

_PATH_KEYS = ("file", "path", "filename", "name")
_CONTENT_KEYS = ("content", "contents", "text", "source")


def _files(props: dict[str, Any]) -> list[HeaderSource]:
    nginx = HeaderSource("nginx", "nginx configuration uploaded to the container")
    found_nginx = False
    out: list[HeaderSource] = []
    for path, content in _walk_files(props):
        lower = path.lower()
        base = lower.rsplit("/", 1)[-1]
        if is_unknown(content):
            if lower.endswith(".conf") or base in ("_headers", "netlify.toml", "vercel.json"):
                target = nginx if lower.endswith(".conf") else HeaderSource("file", path)
                target.unknown.append(f"content of {path}")
                if target is nginx:
                    found_nginx = True
                else:
                    out.append(target)
            continue
        if lower.endswith(".conf") or "nginx" in lower:
            if parse_nginx(content, nginx):
                found_nginx = True
        elif base == "_headers":
            out.append(parse_netlify_headers(content, path))
        elif base == "netlify.toml":
            src = parse_netlify_toml(content, path)
            if src is not None:
                out.append(src)
        elif base == "vercel.json":
            src = parse_vercel_json(content, path)
            if src is not None:
                out.append(src)
    if found_nginx:
        out.insert(0, nginx)
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


_ADD_HEADER = re.compile(
    r"""(?:^|[;{}\s])add_header\s+("(?:[^"\\]|\\.)*"|'[^']*'|[^\s;]+)\s+("(?:[^"\\]|\\.)*"|'[^']*'|[^\s;]+)\s*(always)?\s*;""",
    re.MULTILINE,
)


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"":
        return token[1:-1].replace('\\"', '"')
    return token


def parse_nginx(content: str, into: HeaderSource) -> bool:
    """Collect ``add_header`` directives; True when the text looks like nginx config."""
    text = "\n".join(line.split("#", 1)[0] for line in content.splitlines())
    matched = False
    for m in _ADD_HEADER.finditer(text):
        matched = True
        into.add(_unquote(m.group(1)), _unquote(m.group(2)), always=m.group(3) is not None)
    return matched or bool(re.search(r"\b(server|http|location)\s*\{", text))


def parse_netlify_headers(content: str, path: str) -> HeaderSource:
    """Netlify ``_headers``: a path line, then indented ``Name: value`` lines."""
    src = HeaderSource("netlify", f"Netlify {path}")
    for line in content.splitlines():
        if not line.strip() or line.lstrip().startswith("#") or not line[:1].isspace():
            continue
        name, sep, value = line.strip().partition(":")
        if sep and name and not name.startswith("/"):
            src.add(name.strip(), value.strip())
    return src


def parse_netlify_toml(content: str, path: str) -> HeaderSource | None:
    try:
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError:
        return None
    blocks = data.get("headers")
    if not isinstance(blocks, list):
        return None
    src = HeaderSource("netlify", f"Netlify {path}")
    for block in blocks:
        values = block.get("values") if isinstance(block, dict) else None
        if isinstance(values, dict):
            for name, value in values.items():
                src.add(name, str(value))
    return src


def parse_vercel_json(content: str, path: str) -> HeaderSource | None:
    try:
        data = json.loads(content)
    except ValueError:
        return None
    blocks = data.get("headers") if isinstance(data, dict) else None
    if not isinstance(blocks, list):
        return None
    src = HeaderSource("vercel-json", f"Vercel {path}")
    for block in blocks:
        for h in as_list(block.get("headers") if isinstance(block, dict) else None):
            if isinstance(h, dict):
                src.add(h.get("key"), h.get("value"))
    return src
