"""Parse each edge's rendering of a Standard back into the headers it would send, independently of the renderers.

Each parser is written against the target's own syntax (nginx's tokenizer rules, Netlify's `_headers` format,
path-to-regexp sources, TOML via tomllib) so a renderer bug — or an injected directive, line or key — shows up as
a difference from ``std.headers`` rather than being parsed the way the renderer meant it.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from components.config.hosting import NetlifyHosting, VercelHosting
from components.render import cloudflare, netlify, nginx, vercel
from components.standard.model import Standard

HTML_PATHS = ("/", "/index.html", "/dashboard/settings/42")
"""An HTML response: the app shell, by its own name, and a deep SPA route served the shell."""
SECURITY_INCLUDE = nginx.inc("security/security-headers.conf")
SECURITY_MAP_INCLUDE = nginx.inc("security/security-headers-map.conf")


# ------------------------------------------------------------------------------------------------------- nginx


@dataclass(frozen=True)
class NginxDirective:
    file: str
    words: tuple[str, ...]
    depth: int


def nginx_tokens(text: str) -> list[tuple[str, bool]]:
    """nginx's config lexer: (token, was_quoted); ``;`` ``{`` ``}`` are tokens; ``#`` starts a comment."""
    tokens: list[tuple[str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in ";{}":
            tokens.append((c, False))
            i += 1
        elif c in "\"'":
            quote, i, buf = c, i + 1, []
            while True:
                if i >= n:
                    raise ValueError("unterminated quoted string")
                ch = text[i]
                if ch == "\\" and i + 1 < n:
                    nxt = text[i + 1]
                    buf.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt) if nxt in "\"'\\ntr" else "\\" + nxt)
                    i += 2
                elif ch == quote:
                    i += 1
                    break
                else:
                    buf.append(ch)
                    i += 1
            tokens.append(("".join(buf), True))
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in ";{}\"'":
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                i += 1
            tokens.append((text[start:i], False))
    return tokens


def nginx_directives(files: dict[str, str]) -> list[NginxDirective]:
    """Every simple directive of every file (blocks flattened, with their depth); raises on unbalanced syntax."""
    out: list[NginxDirective] = []
    for path, text in files.items():
        words: list[str] = []
        depth = 0
        for token, quoted in nginx_tokens(text):
            if quoted or token not in ";{}":
                words.append(token)
            elif token == ";":
                if not words:
                    raise ValueError(f"{path}: empty directive")
                out.append(NginxDirective(path, tuple(words), depth))
                words = []
            elif token == "{":
                if not words:
                    raise ValueError(f"{path}: block without a name")
                out.append(NginxDirective(path, (*words, "{"), depth))
                words, depth = [], depth + 1
            else:
                if words or depth == 0:
                    raise ValueError(f"{path}: unbalanced '}}'")
                depth -= 1
        if words or depth:
            raise ValueError(f"{path}: unterminated directive or block")
    return out


def nginx_header_maps(files: dict[str, str]) -> dict[str, dict[str, str]]:
    """``map $status $var {…}`` blocks of the security-headers map include: variable -> {status key -> value}.

    Every directive there must be part of such a map (two words per entry, each key once)."""
    maps: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for token_line in nginx_directives({SECURITY_MAP_INCLUDE: files[SECURITY_MAP_INCLUDE]}):
        words = token_line.words
        if token_line.depth == 0:
            if words[:2] != ("map", "$status") or len(words) != 4 or words[3] != "{" or words[2] in maps:
                raise AssertionError(f"unexpected directive in the security headers map include: {words}")
            current = maps[words[2]] = {}
        elif token_line.depth == 1 and current is not None and len(words) == 2 and words[0] not in current:
            current[words[0]] = words[1]
        else:
            raise AssertionError(f"unexpected map entry: {words}")
    return maps


def nginx_security_headers(files: dict[str, str], status: str = "200") -> list[tuple[str, str]]:
    """(name, value) the security-headers include sends on a ``status`` response (nginx's ``add_header`` skips a
    header whose value is empty). Every directive there must be ``add_header N $var always`` with ``$var`` from a
    ``map $status`` of the map include; a map key is an exact status here (no regexes are rendered)."""
    maps = nginx_header_maps(files)
    found = []
    for d in nginx_directives({SECURITY_INCLUDE: files[SECURITY_INCLUDE]}):
        if d.words[0] != "add_header" or len(d.words) != 4 or d.words[3] != "always" or d.words[2] not in maps:
            raise AssertionError(f"unexpected directive in the security headers include: {d.words}")
        arms = maps[d.words[2]]
        if any(key.startswith("~") for key in arms):
            raise AssertionError(f"regex key in {d.words[2]}: {arms}")
        value = arms.get(status, arms["default"])
        if value:
            found.append((d.words[1], value))
    return found


def nginx_site(std: Standard) -> dict[str, str]:
    spec = nginx.NginxSiteSpec(server_names=("example.org",), root="/srv/www", state_dir="/tmp/webstack-nginx",
                               access_log="off", error_log="/tmp/webstack-nginx/error.log")
    return nginx.render_nginx(std, spec)


# -------------------------------------------------------------------------------------------------- Cloudflare


def cloudflare_headers(std: Standard) -> tuple[dict[str, str], set[str]]:
    """(set headers, removed headers) from the one response-header transform rule, after a JSON round trip: what
    every response but a 304 Not Modified gets (the rule's filter)."""
    rules = json.loads(json.dumps(cloudflare.response_header_rules(std)))
    assert len(rules) == 1 and rules[0]["action"] == "rewrite"
    assert rules[0]["expression"] == cloudflare.NOT_MODIFIED_EXCLUDED
    mapping: dict[str, dict[str, str]] = rules[0]["action_parameters"]["headers"]
    sets = {k: v["value"] for k, v in mapping.items() if v["operation"] == "set"}
    removes = {k for k, v in mapping.items() if v["operation"] == "remove"}
    assert set(mapping) == set(sets) | removes
    for v in mapping.values():
        assert set(v) <= {"operation", "value"}
    return sets, removes


# ------------------------------------------------------------------------------------------------------ Vercel


@lru_cache(maxsize=1)
def vercel_hosting() -> VercelHosting:
    return VercelHosting.model_validate({"projectName": "example-web"})


@lru_cache(maxsize=1)
def netlify_hosting() -> NetlifyHosting:
    return NetlifyHosting.model_validate({"siteName": "example-web"})


def _path_to_regexp(source: str) -> re.Pattern[str]:
    # The renderer only uses a literal prefix plus one unnamed regex group; anything else would be a bug here.
    if not source.startswith("/(") or not source.endswith(")"):
        raise AssertionError(f"unexpected vercel.json source {source!r}")
    return re.compile(source)


def vercel_json_headers(std: Standard, path: str) -> list[tuple[str, str]]:
    """Every header vercel.json applies to ``path`` (all matching blocks, in file order)."""
    doc = json.loads(json.dumps(vercel.vercel_json(std, vercel_hosting())))
    out: list[tuple[str, str]] = []
    for block in doc["headers"]:
        assert set(block) == {"source", "headers"}
        if _path_to_regexp(block["source"]).fullmatch(path):
            for h in block["headers"]:
                assert set(h) == {"key", "value"}
                out.append((h["key"], h["value"]))
    return out


def vercel_route_headers(std: Standard, path: str) -> dict[str, str]:
    """The headers of the one project route whose ``src`` matches ``path`` (the routes are disjoint)."""
    routes = json.loads(json.dumps(vercel.project_route_rules(std)))
    matched = [r for r in routes if re.fullmatch(r["src"], path)]
    assert len(matched) == 1, [r["src"] for r in matched]
    return matched[0]["headers"]


# ----------------------------------------------------------------------------------------------------- Netlify


def parse_headers_file(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Netlify `_headers`: an unindented path line, then indented ``Name: value`` lines; ``#`` comments."""
    blocks: list[tuple[str, list[tuple[str, str]]]] = []
    for line in text.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            blocks.append((line.strip(), []))
            continue
        name, sep, value = line.strip().partition(":")
        if not sep or not blocks:
            raise AssertionError(f"malformed _headers line {line!r}")
        blocks[-1][1].append((name.strip(), value.strip()))
    return blocks


def netlify_path_matches(pattern: str, path: str) -> bool:
    """Netlify header paths: ``*`` matches anything, ``/`` included."""
    return re.fullmatch(".*".join(re.escape(p) for p in pattern.split("*")), path) is not None


def netlify_file_headers(std: Standard, path: str) -> list[tuple[str, str]]:
    return [h for pattern, headers in parse_headers_file(netlify.headers_file(std))
            if netlify_path_matches(pattern, path) for h in headers]


def netlify_toml_doc(std: Standard) -> dict[str, Any]:
    return tomllib.loads(netlify.netlify_toml(std, netlify_hosting(), {"NODE_ENV": "production"}))


def netlify_toml_headers(std: Standard, path: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for table in netlify_toml_doc(std)["headers"]:
        assert set(table) == {"for", "values"}
        if netlify_path_matches(table["for"], path):
            out.extend(table["values"].items())
    return out


# ------------------------------------------------------------------------------------------------------ common


def as_map(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Case-insensitive map; a repeated name is an error (Netlify and Vercel would join or duplicate it)."""
    out: dict[str, str] = {}
    for name, value in pairs:
        assert name.lower() not in out, f"header {name} sent twice"
        out[name.lower()] = value
    return out


def expected(std: Standard) -> dict[str, str]:
    return {k.lower(): v for k, v in std.headers}


def without_cache_control(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != "cache-control"}
