"""A small evaluator for Cloudflare Rules language (wirefilter) filter expressions, for one request path.

Why: a response-header rule only sets its headers where its ``expression`` matches. The policy asks whether it
matches the SPA's HTML requests. Three-valued: True, False, or None when the expression uses something this reader
does not model (a field other than the URI path/method, an unknown function, a syntax error). Conditions on the
host name count as matching: a host-scoped rule is aimed at that host, and whether every public hostname is
reached is the stack policy's question (``public-hostnames-covered``).

Response fields: ``http.response.content_type.media_type`` is ``text/html`` (the policy asks about HTML pages) and
``http.response.code`` is 200 — or the status given to :func:`evaluate`. :func:`status_gaps` lists the other
statuses a rule that applies to a 200 leaves out (``http.response.code eq 200`` leaves out every error response);
304 Not Modified is never one of them: RFC 9110 §15.4.5 lets a 304 go without the stored response's headers, like the
nginx model's ``map $status`` 304 arm (:mod:`.nginx_conf`).

Pure: no Pulumi import.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Sequence
from typing import Any

Tri = bool | None


class _Host:
    """The request's host: any comparison with it counts as matching (see the module docstring)."""


_HOST = _Host()
# The policy asks about the SPA's HTML responses: a rule conditioned on the response being HTML applies to them.
_RESPONSE_FIELDS: dict[str, Any] = {
    "http.response.content_type.media_type": "text/html",
}
_STATUS_FIELD = "http.response.code"
NOT_MODIFIED = 304
# Statuses a rule on http.response.code is worked out for: the common ones of a static site (as the nginx model's),
# plus the error pages Cloudflare itself generates (403 WAF block, 429 rate limit, 52x origin errors), to which
# Response Header Transform Rules also apply (developers.cloudflare.com/rules/transform/response-header-modification/).
STATUSES = (200, 204, 206, 301, 302, 304, 307, 308, 400, 401, 403, 404, 405, 412, 416, 429, 500, 502, 503, 504,
            520, 521, 522, 523, 524, 525, 526)
_HOST_FIELDS = {"http.host", "http.request.full_uri", "http.x_forwarded_for"}
_WORD_OPS = {"eq", "ne", "lt", "le", "gt", "ge", "contains", "matches", "wildcard", "in"}
_SYMBOL_OPS = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge", "~": "matches"}
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<raw>r(?P<hashes>\#*)"(?P<rawbody>.*?)"(?P=hashes))
    | (?P<str>"(?:[^"\\]|\\.)*")
    | (?P<num>[0-9][0-9A-Fa-f:.]*(?:/\d+)?)
    | (?P<op>&&|\|\||\^\^|==|!=|<=|>=|[<>!~(){},])
    | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE | re.DOTALL,
)


def _number(text: str) -> float | str:
    """An integer, or an IP address/CIDR kept as text."""
    try:
        return float(text)
    except ValueError:
        return text


class _UnsupportedError(Exception):
    pass


def _tokenize(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _UnsupportedError
        pos = m.end()
        if m.group("raw") is not None:
            out.append(("value", m.group("rawbody")))
        elif m.group("str") is not None:
            out.append(("value", re.sub(r"\\(.)", r"\1", m.group("str")[1:-1])))
        elif m.group("num") is not None:
            out.append(("value", _number(m.group("num"))))
        elif m.group("op") is not None:
            out.append(("op", m.group("op")))
        else:
            out.append(("ident", m.group("ident")))
    return out


class _Parser:
    def __init__(self, tokens: Sequence[tuple[str, Any]], path: str, host: str | None = None,
                 status: int = 200) -> None:
        self.tokens, self.i, self.path, self.host, self.status = tokens, 0, path, host, float(status)

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        tok = self.peek()
        if tok is None:
            raise _UnsupportedError
        self.i += 1
        return tok

    def accept(self, *words: str) -> bool:
        tok = self.peek()
        if tok is not None and tok[0] in ("op", "ident") and tok[1] in words:
            self.i += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.accept(word):
            raise _UnsupportedError

    # -------------------------------------------------------------------------------------------- logic

    def expression(self) -> Tri:
        result = self.xor()
        while self.accept("or", "||"):
            right = self.xor()
            result = True if result is True or right is True else (None if None in (result, right) else False)
        return result

    def xor(self) -> Tri:
        result = self.conjunction()
        while self.accept("xor", "^^"):
            right = self.conjunction()
            result = None if None in (result, right) else result != right
        return result

    def conjunction(self) -> Tri:
        result = self.unary()
        while self.accept("and", "&&"):
            right = self.unary()
            result = False if result is False or right is False else (None if None in (result, right) else True)
        return result

    def unary(self) -> Tri:
        if self.accept("not", "!"):
            inner = self.unary()
            return None if inner is None else not inner
        if self.accept("("):
            inner = self.expression()
            self.expect(")")
            return inner
        return self.comparison()

    # -------------------------------------------------------------------------------------------- values

    def comparison(self) -> Tri:
        left = self.value()
        strict = self.accept("strict")
        tok = self.peek()
        op: str | None = None
        if tok is not None and tok[0] == "ident" and tok[1] in _WORD_OPS:
            op = tok[1]
        elif tok is not None and tok[0] == "op" and tok[1] in _SYMBOL_OPS:
            op = _SYMBOL_OPS[tok[1]]
        if op is None:
            if strict:
                raise _UnsupportedError
            if isinstance(left, bool):
                return left
            return True if left is _HOST else None
        self.i += 1
        right = self.set_literal() if op == "in" else self.value()
        if left is _HOST:
            return True
        if left is None or right is None:
            return None
        return _compare(op, left, right, strict)

    def set_literal(self) -> Any:
        self.expect("{")
        items: list[Any] = []
        while not self.accept("}"):
            kind, value = self.take()
            if kind != "value":
                raise _UnsupportedError
            items.append(value)
        return items

    def value(self) -> Any:
        kind, value = self.take()
        if kind == "value":
            return value
        if kind != "ident":
            raise _UnsupportedError
        if value in ("true", "false"):
            return value == "true"
        if self.accept("("):
            args: list[Any] = []
            while not self.accept(")"):
                args.append(self.value())
                self.accept(",")
            return _call(value, args)
        return self.field(value)

    def field(self, name: str) -> Any:
        if name in _HOST_FIELDS:
            if self.host is None:
                return _HOST
            if name == "http.host":
                return self.host
            if name == "http.request.full_uri":
                return f"https://{self.host}{self.path}"
            return None
        if name == _STATUS_FIELD:
            return self.status
        if name in _RESPONSE_FIELDS:
            return _RESPONSE_FIELDS[name]
        if name in ("http.request.uri.path", "raw.http.request.uri.path", "http.request.uri",
                    "raw.http.request.uri"):
            return self.path
        if name == "http.request.uri.path.extension":
            last = self.path.rsplit("/", 1)[-1]
            return last.rsplit(".", 1)[-1].lower() if "." in last else ""
        if name in ("http.request.uri.query", "raw.http.request.uri.query"):
            return ""
        if name == "http.request.method":
            return "GET"
        return None  # any other field: this reader cannot know it


def _call(name: str, args: list[Any]) -> Any:
    if any(a is None for a in args):
        return None
    if any(a is _HOST for a in args):
        return True if name in ("starts_with", "ends_with") else None
    if name in ("lower", "upper", "url_decode") and len(args) >= 1 and isinstance(args[0], str):
        return args[0].lower() if name == "lower" else args[0].upper() if name == "upper" else args[0]
    if name == "len" and len(args) == 1 and isinstance(args[0], str):
        return float(len(args[0]))
    if name in ("starts_with", "ends_with") and len(args) == 2 and all(isinstance(a, str) for a in args):
        return args[0].startswith(args[1]) if name == "starts_with" else args[0].endswith(args[1])
    return None


def _compare(op: str, left: Any, right: Any, strict: bool) -> Tri:
    try:
        if op == "eq":
            return bool(left == right)
        if op == "ne":
            return bool(left != right)
        if op == "in":
            return left in right
        if op == "contains":
            return isinstance(left, str) and isinstance(right, str) and right in left
        if op == "matches":
            return re.search(str(right), str(left)) is not None
        if op == "wildcard":
            if strict:
                return fnmatch.fnmatchcase(str(left), str(right))
            return fnmatch.fnmatchcase(str(left).lower(), str(right).lower())
        ordering = {"lt": left < right, "le": left <= right, "gt": left > right, "ge": left >= right}
        return bool(ordering[op])
    except (TypeError, re.error):
        return None


@functools.lru_cache(maxsize=1024)
def tokens(text: str) -> tuple[tuple[str, Any], ...] | None:
    """:func:`_tokenize`, memoised by the expression's text (every expression is evaluated for several paths, by
    several policies); None when this reader does not support it. Bounded; the result is immutable."""
    try:
        return tuple(_tokenize(text))
    except _UnsupportedError:
        return None


def evaluate(expression: str, path: str, host: str | None = None, status: int = 200) -> Tri:
    """Whether ``expression`` matches a GET of ``path`` answered with an HTML page with ``status``; None when this
    reader cannot tell. Without ``host`` any condition on the host counts as matching; with it, the host is
    compared."""
    parsed = tokens(expression)
    if parsed is None:
        return None
    try:
        parser = _Parser(parsed, path, host, status)
        result = parser.expression()
        if parser.peek() is not None:
            return None
        return result
    except (_UnsupportedError, RecursionError):
        return None


def by_status(expression: str, path: str, host: str | None = None) -> dict[int, Tri] | None:
    """Whether ``expression`` matches ``path`` per status of :data:`STATUSES`; None when it does not read
    ``http.response.code`` (it then matches every status alike)."""
    if _STATUS_FIELD not in expression:
        return None
    return {status: evaluate(expression, path, host, status) for status in STATUSES}


def status_gaps(expression: str, path: str, host: str | None = None) -> tuple[int, ...]:
    """The statuses other than 200 and 304 on which ``expression`` does not match ``path`` although it matches a 200
    (e.g. ``http.response.code eq 200``: every error response); empty when it matches them all or does not match a
    200. A 304 is never a gap (see the module docstring)."""
    found = by_status(expression, path, host)
    if found is None or found[200] is not True:
        return ()
    return tuple(s for s, hit in found.items() if hit is False and s not in (200, NOT_MODIFIED))
