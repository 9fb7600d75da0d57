"""nginx configuration as nested blocks, and the ``add_header`` set each server/location really sends.

Why a model and not a scan of every ``add_header``: nginx inherits ``add_header`` from the enclosing level only
when a level has none of its own; one ``add_header Cache-Control …`` in a location drops every security header
set at server or http level for that location. The tokenizer follows nginx's own rules (``ngx_conf_read_token``):
``#`` starts a comment only where a token starts, quotes group, ``;`` ``{`` ``}`` end tokens.

``add_header`` values that are ``map $status`` variables (``add_header X $hdr always;`` with ``map $status $hdr
{ 304 ""; default "…"; }`` at http level: the way to leave headers off a 304 Not Modified) are resolved: the value
graded is the one a 200 response gets, and a value that is empty on some other status is reported (nginx adds
no header whose value is empty). Variables of other maps (``$uri``, ``$http_…``) depend on the request and stay
as written.

Pure: no Pulumi import. File contents may be :data:`core.UNKNOWN` (preview).
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from .core import is_unknown

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_JUDGED = ("server", "location", "if")
_MAX_INCLUDE_DEPTH = 16
_MAX_TOKENS = 200_000  # total tokens inlined across includes: bounds the work on include fan-out
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))")
_MAX_MAP_DEPTH = 8  # a map's value may be another map's variable
# Statuses a value is worked out for: the common ones of a static site, plus every status a map names itself.
_STATUSES = ("200", "204", "206", "301", "302", "304", "307", "308", "400", "401", "403", "404", "405", "412",
             "416", "429", "500", "502", "503", "504")
NOT_MODIFIED = "304"  # RFC 9110 §15.4.5: the stored response keeps its headers; a 304 need not repeat them


@dataclass
class AddHeader:
    name: str
    value: str  # as sent on a 200 response ("" when a map $status leaves it empty: nginx then sends nothing)
    always: bool
    written: str = ""  # the value as written, when it was resolved through map $status variables
    empty_on: tuple[str, ...] = ()  # statuses other than 200 and 304 on which the value is empty (not sent)
    variants: dict[str, str] = field(default_factory=dict)  # status -> another non-empty value sent on it (304 too)


@dataclass
class StatusMap:
    """``map $status $var { … }``: exact keys first, then regexes in order, else ``default`` (nginx: "")."""

    variable: str
    exact: dict[str, str]
    regexes: list[tuple[re.Pattern[str] | None, str]]  # None: a regex Python cannot compile (never matches here)
    default: str

    def value(self, status: str) -> str:
        if status in self.exact:
            return self.exact[status]
        for pattern, value in self.regexes:
            if pattern is not None and pattern.search(status):
                return value
        return self.default


@dataclass
class Block:
    kind: str  # main | http | server | location | if | other block names
    args: list[str]
    file: str
    parent: Block | None = None
    directives: list[tuple[str, list[str]]] = field(default_factory=list)
    children: list[Block] = field(default_factory=list)
    status_maps: dict[str, StatusMap] = field(default_factory=dict, repr=False, compare=False)  # shared, by name

    @property
    def add_headers(self) -> list[AddHeader]:
        out = []
        for name, args in self.directives:
            if name == "add_header" and len(args) >= 2:
                always = len(args) > 2 and args[2] == "always"
                out.append(_resolve(AddHeader(args[0], args[1], always), self.status_maps))
        return out

    def label(self) -> str:
        if self.kind == "server":
            names = self._first("server_name") or ["_"]
            listen = self._first("listen")
            return f"server {names[0]}" + (f" (listen {listen[0]})" if listen else "")
        if self.kind == "location":
            own = f"location {' '.join(self.args)}"
        elif self.kind == "if":
            own = f"if {' '.join(self.args)}"
        else:
            return f"top level of {self.file}"
        outer = self.parent
        while outer is not None and outer.kind not in ("server", "location"):
            outer = outer.parent
        return own if outer is None else f"{own} in {outer.label()}"

    def _first(self, directive: str) -> list[str] | None:
        return next((args for name, args in self.directives if name == directive and args), None)

    def directive(self, name: str) -> list[str] | None:
        """The arguments of this block's own last ``name`` directive (nginx: the last one wins), or None."""
        found = None
        for n, args in self.directives:
            if n == name:
                found = args
        return found

    def inherited(self, name: str) -> list[str] | None:
        """``name`` from this block or the nearest enclosing level that sets it."""
        block: Block | None = self
        while block is not None:
            value = block.directive(name)
            if value is not None:
                return value
            block = block.parent
        return None

    def serves_non_html(self) -> bool:
        """Answers itself (``return 2xx …``, ``stub_status``) with a non-HTML ``default_type``: e.g. a
        ``text/plain`` health endpoint. The HTML page headers are not asked of it."""
        answers = any(n == "return" and args and args[0].isdigit() and not args[0].startswith("3")
                      for n, args in self.directives) or any(n == "stub_status" for n, _ in self.directives)
        if not answers:
            return False
        content_type = self.inherited("default_type")
        return content_type is not None and bool(content_type) and "html" not in content_type[0].lower()

    def redirects_only(self) -> bool:
        """An unconditional ``return 3xx``/``return URL`` here answers every request with a redirect."""
        for name, args in self.directives:
            if name == "return" and args:
                code = args[0]
                if code in ("301", "302", "303", "307", "308") or "://" in code or code.startswith("$scheme"):
                    return True
        return False


@dataclass
class HeaderScope:
    """Blocks that send the same ``add_header`` set: the one defining it (None: no add_header reaches them)."""

    defining: Block | None
    blocks: list[Block]


def _substitute(text: str, status: str, maps: dict[str, StatusMap], depth: int = 0) -> str:
    """``text`` with every ``map $status`` variable replaced by its value for ``status`` (others left as written)."""
    def one(match: re.Match[str]) -> str:
        found = maps.get(match.group(1) or match.group(2))
        if found is None or depth >= _MAX_MAP_DEPTH:
            return match.group(0)
        return _substitute(found.value(status), status, maps, depth + 1)

    return _VARIABLE.sub(one, text) if "$" in text and maps else text


def _resolve(header: AddHeader, maps: dict[str, StatusMap]) -> AddHeader:
    written = header.value
    if "$" not in written or not maps:
        return header
    used = [maps[a or b] for a, b in _VARIABLE.findall(written) if (a or b) in maps]
    if not used:
        return header  # no map $status variable in it
    named = {key for m in used for key in m.exact if key.isdigit() and len(key) == 3}
    at_200 = _substitute(written, "200", maps)
    empty_on, variants = [], {}
    for status in sorted({*_STATUSES, *named} - {"200"}):
        value = _substitute(written, status, maps)
        if not value:
            if status != NOT_MODIFIED:
                empty_on.append(status)
        elif value != at_200:
            variants[status] = value  # e.g. another CSP on a 304: browsers update the stored response with it
    return AddHeader(header.name, at_200, header.always, written, tuple(empty_on), variants)


class Tokenizer:
    def __init__(self, text: str) -> None:
        self.text = text

    def tokens(self) -> list[str | tuple[str]]:
        """Words as str; ``;`` ``{`` ``}`` as 1-tuples so a quoted ``";"`` stays a word."""
        text, i, n = self.text, 0, len(self.text)
        out: list[str | tuple[str]] = []
        while i < n:
            ch = text[i]
            if ch.isspace():
                i += 1
            elif ch == "#":
                end = text.find("\n", i)
                i = n if end < 0 else end + 1
            elif ch in ";{}":
                out.append((ch,))
                i += 1
            elif ch in "\"'":
                word, i = self._quoted(i)
                out.append(word)
            else:
                start = i
                while i < n and not text[i].isspace() and text[i] not in ";{}":
                    if text[i] == "$" and i + 1 < n and text[i + 1] == "{":  # ${var} keeps its braces
                        close = text.find("}", i)
                        i = n if close < 0 else close + 1
                    else:
                        i += 1
                out.append(text[start:i])
        return out

    def _quoted(self, i: int) -> tuple[str, int]:
        text, quote, buf = self.text, self.text[i], []
        i += 1
        while i < len(text) and text[i] != quote:
            if text[i] == "\\" and i + 1 < len(text):
                nxt = text[i + 1]
                buf.append(nxt if nxt in "\"'\\" else _ESCAPES.get(nxt, "\\" + nxt))
                i += 2
            else:
                buf.append(text[i])
                i += 1
        return "".join(buf), i + 1


class NginxConfig:
    """The uploaded files (path -> content or UNKNOWN), parsed from every root file (one nothing includes)."""

    def __init__(self, files: dict[str, Any]) -> None:
        self.files = files
        self.unknown: list[str] = []
        self.included: set[str] = set()
        self.roots: list[Block] = []
        self.problems: list[str] = []  # include cycles, work bound reached
        self.status_maps: dict[str, StatusMap] = {}  # every block refers to this one dict
        self._tokens = 0
        parsed = {path: self._parse_file(path) for path in files if not is_unknown(files[path])}
        for path, content in files.items():
            if is_unknown(content):
                self.unknown.append(f"content of {path}")
        self.roots = [block for path, block in parsed.items() if path not in self.included]
        for root in self.roots:
            self._collect_maps(root)

    def _collect_maps(self, block: Block) -> None:
        """``map $status $var`` blocks at the top of a file or in ``http`` (where nginx allows ``map``)."""
        for child in block.children:
            if child.kind == "http":
                self._collect_maps(child)
            elif child.kind == "map" and len(child.args) == 2 and child.args[0] in ("$status", "${status}"):
                name = child.args[1].lstrip("$").strip("{}")
                self.status_maps.setdefault(name, _status_map(name, child))

    # ------------------------------------------------------------------------------------------ parsing

    def _parse_file(self, path: str) -> Block:
        root = Block("main", [], path, status_maps=self.status_maps)
        self._fill(root, self._tokens_of(path), path, posixpath.dirname(path), (path,))
        return root

    def _tokens_of(self, path: str) -> list[str | tuple[str]]:
        tokens = Tokenizer(self.files[path]).tokens()
        self._tokens += len(tokens)
        return tokens

    def _fill(self, root: Block, tokens: list[str | tuple[str]], path: str, prefix: str,
              chain: tuple[str, ...]) -> None:
        stack = [root]
        words: list[str] = []
        for tok in tokens:
            current = stack[-1]
            if isinstance(tok, str):
                words.append(tok)
                continue
            if tok[0] == ";" and words:
                if words[0] == "include" and len(words) > 1:
                    self._include(current, words[1], prefix, chain)
                else:
                    current.directives.append((words[0], words[1:]))
            elif tok[0] == "{" and words:
                child = Block(words[0], words[1:], path, parent=current, status_maps=current.status_maps)
                current.children.append(child)
                stack.append(child)
            elif tok[0] == "}" and len(stack) > 1:
                stack.pop()
            words = []

    def _include(self, into: Block, pattern: str, prefix: str, chain: tuple[str, ...]) -> None:
        """Inline uploaded files at the include's level; files that come with the image are not ours to read.

        A file that is already being included on this chain is a cycle (nginx itself fails to start on one: the
        include nests until it runs out of open files): reported, not followed. The total inlined tokens are
        bounded, so a fan-out of globbed includes cannot make a preview run for minutes."""
        if len(chain) >= _MAX_INCLUDE_DEPTH:
            self._problem(f"includes nest deeper than {_MAX_INCLUDE_DEPTH} levels ({' -> '.join(chain)})")
            return
        for target in self._resolve(pattern, prefix):
            self.included.add(target)
            if target in chain:
                self._problem(f"include cycle: {' -> '.join((*chain, target))} (nginx refuses to start)")
                continue
            content = self.files[target]
            if is_unknown(content):
                continue  # already listed in self.unknown
            if self._tokens > _MAX_TOKENS:
                self._problem(f"the includes expand to more than {_MAX_TOKENS} tokens; the rest was not read")
                return
            self._fill(into, self._tokens_of(target), target, prefix, (*chain, target))

    def _problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)

    def _resolve(self, pattern: str, prefix: str) -> list[str]:
        full = pattern if pattern.startswith("/") else posixpath.join(prefix, pattern)
        hits = sorted(p for p in self.files if fnmatch.fnmatchcase(p, full))
        if not hits and not pattern.startswith("/"):
            # the conf prefix may differ from the directory we guessed (nginx -c elsewhere): match by tail
            hits = sorted(p for p in self.files if fnmatch.fnmatchcase(p, "*/" + pattern))
        return hits

    # ------------------------------------------------------------------------------------------ inheritance

    def header_scopes(self) -> list[HeaderScope]:
        """Every server/location/if block grouped by the block whose ``add_header`` set it sends."""
        scopes: dict[int, HeaderScope] = {}
        for root in self.roots:
            if not self._is_site_config(root):
                continue
            judged_top = not any(c.kind == "http" for c in root.children) and not _has(root, "server") \
                and not _has(root, "location")
            defining = root if root.add_headers else None
            if judged_top:  # a snippet with add_header only, included by a config outside the uploads
                self._record(scopes, root, defining)
            for child in root.children:
                self._walk(child, defining, scopes)
        return list(scopes.values())

    @staticmethod
    def _is_site_config(root: Block) -> bool:
        return bool(root.add_headers) or _has(root, "server") or _has(root, "location") or _has(root, "http")

    def _walk(self, block: Block, inherited: Block | None, scopes: dict[int, HeaderScope]) -> None:
        if block.kind not in ("http", *_JUDGED):
            return  # events, map, types, upstream…: no add_header context
        if block.redirects_only() or block.serves_non_html():
            return
        defining = block if block.add_headers else inherited
        if block.kind in _JUDGED:
            self._record(scopes, block, defining)
        for child in block.children:
            self._walk(child, defining, scopes)

    @staticmethod
    def _record(scopes: dict[int, HeaderScope], block: Block, defining: Block | None) -> None:
        key = id(defining) if defining is not None else 0
        scopes.setdefault(key, HeaderScope(defining, [])).blocks.append(block)


def _status_map(name: str, block: Block) -> StatusMap:
    exact: dict[str, str] = {}
    regexes: list[tuple[re.Pattern[str] | None, str]] = []
    default = ""
    for key, args in block.directives:
        if len(args) != 1 or key in ("hostnames", "volatile"):
            continue
        value = args[0]
        if key == "default":
            default = value
        elif key.startswith("~"):
            flags = re.IGNORECASE if key.startswith("~*") else 0
            try:
                regexes.append((re.compile(key[2:] if flags else key[1:], flags), value))
            except re.error:
                regexes.append((None, value))
        else:
            exact.setdefault(key[1:] if key.startswith("\\") else key, value)
    return StatusMap(name, exact, regexes, default)


def servers(config: NginxConfig) -> list[Block]:
    """Every ``server`` block of the site configs (top level of a conf.d file, or inside ``http``)."""
    out: list[Block] = []

    def walk(block: Block) -> None:
        for child in block.children:
            if child.kind == "server":
                out.append(child)
            elif child.kind == "http":
                walk(child)

    for root in config.roots:
        walk(root)
    return out


def locations(block: Block) -> list[Block]:
    """Every ``location`` inside ``block``, nested ones too."""
    out: list[Block] = []
    for child in block.children:
        if child.kind == "location":
            out.append(child)
            out.extend(locations(child))
    return out


def match_location(server: Block, path: str) -> Block:
    """The location nginx picks for ``path`` (nginx's order: ``=`` exact, the longest prefix — final with ``^~`` —,
    then the first matching regex in config order, else that longest prefix); the server when none matches."""
    import re

    tops = [c for c in server.children if c.kind == "location" and c.args]
    best: Block | None = None
    best_len = -1
    for loc in tops:
        modifier, pattern = (loc.args[0], loc.args[1]) if len(loc.args) > 1 else ("", loc.args[0])
        if modifier == "=" and pattern == path:
            return loc
        if modifier in ("", "^~") and path.startswith(pattern) and len(pattern) > best_len:
            best, best_len = loc, len(pattern)
    if best is not None and best.args[0] == "^~":
        return best
    for loc in tops:
        if len(loc.args) > 1 and loc.args[0] in ("~", "~*"):
            try:
                flags = re.IGNORECASE if loc.args[0] == "~*" else 0
                if re.search(loc.args[1], path, flags):
                    return loc
            except re.error:
                continue
    return best if best is not None else server


def _has(block: Block, kind: str) -> bool:
    return any(c.kind == kind for c in block.children)
