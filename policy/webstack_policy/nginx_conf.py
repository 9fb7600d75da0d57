"""nginx configuration as nested blocks, and the ``add_header`` set each server/location really sends.

Why a model and not a scan of every ``add_header``: nginx inherits ``add_header`` from the enclosing level only
when a level has none of its own; one ``add_header Cache-Control …`` in a location drops every security header
set at server or http level for that location. The tokenizer follows nginx's own rules (``ngx_conf_read_token``):
``#`` starts a comment only where a token starts, quotes group, ``;`` ``{`` ``}`` end tokens.

Pure: no Pulumi import. File contents may be :data:`core.UNKNOWN` (preview).
"""

from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass, field
from typing import Any

from .core import is_unknown

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_JUDGED = ("server", "location", "if")
_MAX_INCLUDE_DEPTH = 16


@dataclass
class AddHeader:
    name: str
    value: str
    always: bool


@dataclass
class Block:
    kind: str  # main | http | server | location | if | other block names
    args: list[str]
    file: str
    parent: Block | None = None
    directives: list[tuple[str, list[str]]] = field(default_factory=list)
    children: list[Block] = field(default_factory=list)

    @property
    def add_headers(self) -> list[AddHeader]:
        out = []
        for name, args in self.directives:
            if name == "add_header" and len(args) >= 2:
                out.append(AddHeader(args[0], args[1], len(args) > 2 and args[2] == "always"))
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
        parsed = {path: self._parse_file(path) for path in files if not is_unknown(files[path])}
        for path, content in files.items():
            if is_unknown(content):
                self.unknown.append(f"content of {path}")
        self.roots = [block for path, block in parsed.items() if path not in self.included]

    # ------------------------------------------------------------------------------------------ parsing

    def _parse_file(self, path: str) -> Block:
        root = Block("main", [], path)
        self._fill(root, Tokenizer(self.files[path]).tokens(), path, posixpath.dirname(path), 0)
        return root

    def _fill(self, root: Block, tokens: list[str | tuple[str]], path: str, prefix: str, depth: int) -> None:
        stack = [root]
        words: list[str] = []
        for tok in tokens:
            current = stack[-1]
            if isinstance(tok, str):
                words.append(tok)
                continue
            if tok[0] == ";" and words:
                if words[0] == "include" and len(words) > 1:
                    self._include(current, words[1], prefix, depth)
                else:
                    current.directives.append((words[0], words[1:]))
            elif tok[0] == "{" and words:
                child = Block(words[0], words[1:], path, parent=current)
                current.children.append(child)
                stack.append(child)
            elif tok[0] == "}" and len(stack) > 1:
                stack.pop()
            words = []

    def _include(self, into: Block, pattern: str, prefix: str, depth: int) -> None:
        """Inline uploaded files at the include's level; files that come with the image are not ours to read."""
        if depth >= _MAX_INCLUDE_DEPTH:
            return
        for target in self._resolve(pattern, prefix):
            self.included.add(target)
            content = self.files[target]
            if is_unknown(content):
                continue  # already listed in self.unknown
            self._fill(into, Tokenizer(content).tokens(), target, prefix, depth + 1)

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
        if block.redirects_only():
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


def _has(block: Block, kind: str) -> bool:
    return any(c.kind == kind for c in block.children)
