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

import base64
import json
import threading
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import cf_expression
from .core import UNKNOWN, as_list, get, is_unknown
from .nginx_conf import AddHeader, NginxConfig
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
    empty_on: tuple[str, ...] = ()  # statuses (not 200/304) it is not sent on: nginx map $status value empty, or
    # a Cloudflare rule whose expression leaves them out (http.response.code eq 200)


@dataclass
class HeaderSource:
    kind: str  # cloudflare-ruleset | vercel-route | nginx | netlify | vercel-json
    label: str
    headers: dict[str, Header] = field(default_factory=dict)  # lower-case name -> header
    removed: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)  # paths that could not be read during preview
    undecided: list[str] = field(default_factory=list)  # rule conditions this reader cannot evaluate
    html: bool = True  # False: serves none of the HTML paths (required headers are not asked of it)
    conditional: dict[str, Header] = field(default_factory=dict)  # set by rules whose condition is undecided
    dropped: dict[str, str] = field(default_factory=dict)  # lower-case name -> why an outer level's header is lost
    problems: list[str] = field(default_factory=list)  # the source itself is broken (nginx include cycle)

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
    # Cloudflare: path -> the statuses other than 200/304 a rule matching a 200 leaves out, and whether a rule not
    # matching a 200 matches some other status (its values are then graded like a conditional rule's)
    gaps: Callable[[str], tuple[str, ...]] | None = None
    elsewhere: Callable[[str], bool] | None = None


_MEMO_LIMIT = 4096
_memo: dict[tuple[str, str, tuple[str, ...]], list[HeaderSource]] = {}
_memo_lock = threading.Lock()


def _content_key(props: dict[str, Any]) -> str:
    return json.dumps(props, sort_keys=True, default=repr, separators=(",", ":"))


def sources_of(resource_type: str, props: dict[str, Any],
               html_paths: Sequence[str] = HTML_PATHS) -> list[HeaderSource]:
    """The header sources of one resource (memoised: several policies ask for the same resource — by the props
    object's identity, then by content). Callers must not mutate the result."""
    paths = tuple(html_paths)
    by_id = _by_identity.get((id(props), paths))
    if by_id is not None and by_id[0] is props:
        return by_id[1]
    if not may_carry_headers(resource_type, props):
        found: list[HeaderSource] = []
    else:
        try:
            key = (resource_type, _content_key(props), paths)
        except (TypeError, ValueError):
            key = None
        hit = _memo.get(key) if key is not None else None
        found = hit if hit is not None else _sources_of(resource_type, props, paths)
        if key is not None and hit is None:
            with _memo_lock:
                if len(_memo) >= _MEMO_LIMIT:
                    _memo.clear()
                _memo[key] = found
    with _memo_lock:
        if len(_by_identity) >= _MEMO_LIMIT:
            _by_identity.clear()
        _by_identity[(id(props), paths)] = (props, found)
    return found


def may_carry_headers(resource_type: str, props: dict[str, Any]) -> bool:
    """False for a resource :func:`sources_of` finds no header source in (whatever the paths): neither a ruleset
    nor a Vercel route, and no file carried in its inputs that :func:`_files` reads (an nginx config, ``_headers``,
    ``netlify.toml``, ``vercel.json``) — a DNS record's ``{name, content}`` walks like a file, but is none of them."""
    if resource_type in (CLOUDFLARE_RULESET, VERCEL_PROJECT_ROUTE):
        return True
    return any(_header_file(path) for path, _content in walk_files(props))


def _header_file(path: str) -> bool:
    """Whether :func:`_files` reads a file at this path (every file it reads passes; :func:`nginx_files` too)."""
    lower = path.lower()
    return lower.endswith(".conf") or "nginx" in lower or lower.rsplit("/", 1)[-1] in _HOST_FILES


_by_identity: dict[tuple[int, tuple[str, ...]], tuple[Any, list[HeaderSource]]] = {}
_walked: dict[int, tuple[Any, list[tuple[str, Any]]]] = {}


def walk_files(props: dict[str, Any]) -> list[tuple[str, Any]]:
    """:func:`_walk_files`, memoised by the props object's identity (a reference is held while cached)."""
    hit = _walked.get(id(props))
    if hit is not None and hit[0] is props:
        return hit[1]
    found = _walk_files(props)
    with _memo_lock:
        if len(_walked) >= _MEMO_LIMIT:
            _walked.clear()
        _walked[id(props)] = (props, found)
    return found


def _sources_of(resource_type: str, props: dict[str, Any], html_paths: Sequence[str]) -> list[HeaderSource]:
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
            if hit is None or (hit is False and rule.elsewhere is not None and rule.elsewhere(path)):
                for op in rule.ops:
                    if op.op != "remove":
                        src.conditional[op.name.lower()] = Header(op.name, op.value, True, op.computed)
            if not hit:
                continue
            gaps = rule.gaps(path) if rule.gaps is not None else ()
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
                # missing on a status only where no earlier rule setting it applies either
                missing = gaps if old is None else tuple(g for g in gaps if g in old.empty_on)
                src.headers[key].empty_on = missing
        key = repr(sorted((k, repr(h.value), h.computed, h.empty_on) for k, h in src.headers.items())) + repr(
            sorted(src.removed))
        groups.setdefault(key, src)
        grouped_paths.setdefault(key, []).append(path)
    out = []
    for key, src in groups.items():
        src.label = f"{label} ({describe_paths(grouped_paths[key], paths)})"
        out.append(src)
    return out


def describe_paths(hit: Sequence[str], every: Sequence[str]) -> str:
    """Which HTML requests a source's headers reach, in words (the deep route is an example, not a user path)."""
    if len(every) > 1 and set(hit) == set(every):
        return "for every HTML page"
    if list(hit) == ["/"]:
        return "for /"
    others = [p for p in hit if p != "/"]
    root = "for / and " if "/" in hit else "for "
    return f"{root}client-side routes such as {others[0]}" if others else f"for {', '.join(hit)}"


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
        gaps, elsewhere = _status_readers(expression)
        parsed.append(_Rule(f"rules[{i}].expression", _expression_matcher(expression), _cloudflare_ops(i, headers),
                            gaps, elsewhere))
    return _by_path("cloudflare-ruleset", label, parsed, paths, unknown)


def _expression_matcher(expression: Any) -> Callable[[str], bool | None]:
    if not isinstance(expression, str):
        return lambda _path: None
    return lambda path: cf_expression.evaluate(expression, path)


def _status_readers(expression: Any) -> tuple[Callable[[str], tuple[str, ...]] | None, Callable[[str], bool] | None]:
    """For an expression on ``http.response.code``: the statuses it leaves out (304 excepted) where it matches a
    200, and whether it matches some status where it does not match a 200. None, None for any other expression."""
    if not isinstance(expression, str) or "http.response.code" not in expression:
        return None, None

    def gaps(path: str) -> tuple[str, ...]:
        return tuple(str(s) for s in cf_expression.status_gaps(expression, path))

    def elsewhere(path: str) -> bool:
        found = cf_expression.by_status(expression, path) or {}
        return any(hit is True for status, hit in found.items() if status != 200)

    return gaps, elsewhere


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
    for i, t in enumerate(as_list(transforms)):
        if get(t, "type") != "response.headers":
            continue
        op = get(t, "op")
        target, args = _json_field(get(t, "target")), _json_field(get(t, "args"))
        if is_unknown(target) or is_unknown(args):
            src.unknown.append(f"route.transforms[{i}]")
            continue
        key = get(target, "key") if isinstance(target, dict) else target
        if isinstance(key, dict):  # a key matcher ({eq: "..."}) names the header too
            key = key.get("eq")
        if op == "delete" and isinstance(key, str):
            src.removed.add(key.lower())
        elif op in ("set", "append") or is_unknown(op):
            value = args[0] if isinstance(args, list) and args else args
            if isinstance(value, dict):  # {"value": "..."} as some write it
                value = value.get("value")
            src.add(key, value)
    pattern = get(route, "src")
    if is_unknown(pattern):
        src.unknown.append("route.src")
        return src
    hits = [_regex_rule_matches(pattern, route, path) for path in paths]
    matched = [p for p, hit in zip(paths, hits, strict=True) if hit]
    if matched:
        src.label = f"{label} ({describe_paths(matched, paths)})"
    elif None in hits:
        src.undecided.append("route.src" if not _conditional(route) else "route.has/missing")
        src.conditional, src.headers, src.removed = src.headers, {}, set()  # not counted where it may not apply
    else:
        src.html = False
    return src


def _json_field(value: Any) -> Any:
    """pulumiverse-vercel 5.x passes a transform's ``target`` and ``args`` as JSON documents (strings); older
    versions and vercel.json as objects. A string that is not JSON is the value itself."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ('{', '[', '"'):
            try:
                return json.loads(text)
            except ValueError:
                return value
    return value


def _conditional(block: Any) -> bool:
    """``has``/``missing`` conditions other than on the host make a rule apply to some requests only."""
    for key in ("has", "missing"):
        for cond in as_list(get(block, key)):
            if get(cond, "type") != "host":
                return True
    return False


def _regex_rule_matches(pattern: Any, block: Any, path: str) -> bool | None:
    """A route ``src``: a regex (legacy routes) or path-to-regexp syntax (``/:path*``, project routing rules);
    it matches when either reading matches."""
    if not isinstance(pattern, str):
        return None
    as_regex = regex_fullmatch(pattern, path)
    as_source = vercel_source_matches(pattern, path) if ":" in pattern or "(" in pattern else None
    hit: bool | None = True if True in (as_regex, as_source) else (None if as_regex is None and as_source is None
                                                                    else False)
    return None if hit and _conditional(block) else hit


# ------------------------------------------------------------------------------------------------ files

_PATH_KEYS = ("file", "path", "filename", "name")
_CONTENT_KEYS = ("content", "contents", "text")
_BASE64_KEYS = ("contentBase64", "content_base64")
# docker ``uploads[].source`` is a path on the machine running Pulumi, not the content: such a file is not read.
_HOST_FILES = ("_headers", "netlify.toml", "vercel.json")


def _files(props: dict[str, Any], paths: Sequence[str]) -> list[HeaderSource]:
    nginx_files: dict[str, Any] = {}
    out: list[HeaderSource] = []
    for path, content in walk_files(props):
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


_configs: dict[str, NginxConfig] = {}


def nginx_config(files: dict[str, Any]) -> NginxConfig:
    """The parsed nginx configuration of these files (memoised by content; treat as read-only)."""
    key = _content_key(files)
    hit = _configs.get(key)
    if hit is None:
        hit = NginxConfig(files)
        with _memo_lock:
            if len(_configs) >= 256:
                _configs.clear()
            _configs[key] = hit
    return hit


def nginx_files(props: dict[str, Any]) -> dict[str, Any]:
    """The nginx configuration files carried in a resource's inputs (path -> content or UNKNOWN)."""
    out: dict[str, Any] = {}
    for path, content in walk_files(props):
        lower = path.lower()
        base = lower.rsplit("/", 1)[-1]
        if (lower.endswith(".conf") or ("nginx" in lower and base not in _HOST_FILES)) and (
                isinstance(content, str) or is_unknown(content)):
            out[path] = content
    return out


def _walk_files(value: Any) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        path = next((value[k] for k in _PATH_KEYS if isinstance(value.get(k), str)), None)
        content_key = next((k for k in _CONTENT_KEYS if k in value and value[k] is not None), None)
        b64_key = next((k for k in _BASE64_KEYS if k in value and value[k] is not None), None)
        if path is not None and content_key is not None:
            content = value[content_key]
            if isinstance(content, str) or is_unknown(content):
                found.append((path, content))
        elif path is not None and b64_key is not None:
            encoded = value[b64_key]
            if is_unknown(encoded):
                found.append((path, UNKNOWN))
            elif isinstance(encoded, str):
                try:
                    found.append((path, base64.b64decode(encoded, validate=False).decode("utf-8")))
                except (ValueError, UnicodeDecodeError):
                    pass
        for v in value.values():
            found.extend(_walk_files(v))
    elif isinstance(value, list):
        for v in value:
            found.extend(_walk_files(v))
    return found


def parse_nginx(files: dict[str, Any]) -> list[HeaderSource]:
    """One source per set of server/location blocks that send the same ``add_header`` set."""
    config = nginx_config(files)
    out: list[HeaderSource] = []
    for scope in config.header_scopes():
        names = [b.label() for b in scope.blocks]
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        src = HeaderSource("nginx", f"nginx {shown}", unknown=list(config.unknown))
        for h in scope.defining.add_headers if scope.defining is not None else []:
            _add_nginx_header(src, h)
        if scope.defining is not None:
            src.dropped = {**_dropped_by(scope.defining, src), **src.dropped}
        out.append(src)
    if not out and config.unknown:
        out.append(HeaderSource("nginx", "nginx configuration uploaded to the container", unknown=config.unknown))
    if config.problems:
        first = out[0] if out else HeaderSource("nginx", "nginx configuration uploaded to the container", html=False)
        first.problems.extend(config.problems)
        if not out:
            out.append(first)
    return out


def _add_nginx_header(src: HeaderSource, h: AddHeader) -> None:
    """One ``add_header``; through ``map $status`` variables, the value a 200 gets (nginx sends no empty value)."""
    key = h.name.lower()
    if h.written and not h.value:
        src.headers.pop(key, None)
        src.dropped[key] = (f" add_header {h.name} {h.written} sends nothing on a 200: its map $status value is empty "
                            "there, and nginx adds no header with an empty value (only a 304 may go without it).")
        return
    src.add(h.name, h.value, always=h.always)
    if h.empty_on:
        src.headers[key].empty_on = h.empty_on
    other = next(iter(h.variants.values()), None)  # another value on some status (a 304 too: browsers store it)
    if other is not None:  # graded like a value set under a condition the policy does not decide
        src.conditional.setdefault(key, Header(h.name, other, h.always))


def _dropped_by(defining: Any, src: HeaderSource) -> dict[str, str]:
    """Headers an enclosing level sets that this block loses because it has ``add_header`` lines of its own."""
    out: dict[str, str] = {}
    outer = defining.parent
    while outer is not None:
        for h in outer.add_headers:
            key = h.name.lower()
            if key not in src.headers and key not in out:
                where = outer.label() if outer.kind in ("server", "location", "if") else f"the {outer.kind} level"
                out[key] = (f" {where} sets it, but {defining.label()} has add_header directives of its own, and "
                            "nginx inherits add_header only into levels that have none: repeat the security headers "
                            "there (or include a shared snippet).")
        outer = outer.parent
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
