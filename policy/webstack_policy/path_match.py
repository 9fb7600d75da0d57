"""Does a host's header rule pattern cover an HTML path? Netlify patterns, Vercel ``source`` and ``src``.

Why: header rules apply per path. Headers placed on ``/nothing`` protect nothing, so the policy asks which rules
cover the SPA's HTML responses (``/`` and a deep client-side route). Each matcher answers True, False, or None
when it cannot read the pattern (the caller decides how to judge that).

Pure: no Pulumi import.
"""

from __future__ import annotations

import re

HTML_PATHS = ("/", "/some/deep/route")
_SEGMENT = r"[^/#?]+?"


def netlify_matches(pattern: str, path: str) -> bool | None:
    """Netlify ``_headers`` / ``[[headers]] for``: ``*`` is a splat (any characters, ``/`` included), ``:name``
    one segment; a trailing slash is not significant; a full URL rule is judged by its path."""
    text = pattern.strip()
    if "://" in text:
        rest = text.split("://", 1)[1]
        text = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    if not text.startswith("/"):
        return None
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "*":
            out.append(".*")
            i += 1
        elif ch == ":" and i + 1 < len(text) and (text[i + 1].isalpha() or text[i + 1] == "_"):
            i += 1
            while i < len(text) and (text[i].isalnum() or text[i] == "_"):
                i += 1
            out.append("[^/]+")
        else:
            out.append(re.escape(ch))
            i += 1
    regex = "".join(out)
    if len(regex) > 1 and regex.endswith("/"):
        regex = regex[:-1]
    return re.fullmatch(regex, _trim(path)) is not None or re.fullmatch(regex, path) is not None


def _trim(path: str) -> str:
    return path.rstrip("/") or "/"


def vercel_source_regex(source: str) -> str | None:
    """A Vercel ``source`` (path-to-regexp 6 syntax: ``/:name``, ``/:name*``, ``/:name(re)?``, ``/(re)``) as a
    Python regex, or None for syntax this reader does not model (``{…}`` groups, a stray modifier)."""
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n:
            out.append(re.escape(source[i + 1]))
            i += 2
            continue
        if ch in "{}*+?":
            return None
        if ch == ":" or ch == "(":
            segment = _SEGMENT
            if ch == ":":
                i += 1
                start = i
                while i < n and (source[i].isalnum() or source[i] == "_"):
                    i += 1
                if i == start:
                    return None
            if i < n and source[i] == "(":
                group, i = _balanced(source, i)
                if group is None:
                    return None
                segment = group
            modifier = source[i] if i < n and source[i] in "?*+" else ""
            i += 1 if modifier else 0
            prefix = ""
            if out and out[-1] in ("/", r"\."):
                prefix = out.pop()
            one = f"{prefix}(?:{segment})"
            repeated = f"{one}(?:{prefix}(?:{segment}))*"
            out.append({"": one, "?": f"(?:{one})?", "+": f"(?:{repeated})", "*": f"(?:{repeated})?"}[modifier])
            continue
        out.append("/" if ch == "/" else re.escape(ch))
        i += 1
    return "".join(out) + "/?"  # non-strict: a trailing slash may follow


def _balanced(text: str, i: int) -> tuple[str | None, int]:
    depth, j = 0, i
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return text[i + 1:j], j + 1
        j += 1
    return None, j


def vercel_source_matches(source: str, path: str) -> bool | None:
    regex = vercel_source_regex(source)
    return None if regex is None else regex_fullmatch(regex, path)


_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")


def regex_fullmatch(regex: str, path: str) -> bool | None:
    """A Vercel route ``src`` (PCRE, anchored to the whole path); None when Python cannot compile it."""
    try:
        compiled = re.compile(_NAMED_GROUP.sub("(?P<", regex))
    except re.error:
        return None
    return compiled.fullmatch(path) is not None
