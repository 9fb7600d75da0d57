"""Seeded mutations of the example stack files: structural (on the parsed config) and textual (on the bytes).

Every mutation yields a stack file that a careless or hostile user could write; stackcheck must answer each with
0, 1 or 2, never a traceback, never a secret, and with an error that names what to fix.
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Callable
from typing import Any

import yaml

HOSTILE_VALUES: list[Any] = [
    None, True, False, 0, -1, 3.5, 1e308, 10**30, "", " ", "x" * 5000, "a\nb", "22\n", "évil\u202etxt", "nul\x00",
    "${inject}", "'; DROP TABLE x; --", "}", "{", '"', "\\", "$(id)", "\r\nX-Injected: 1", [], {}, [1, 2],
    {"a": 1}, ["x"] * 300, "2026-01-01", "yes", "0x1f", ".inf", "-", "/etc/passwd", "../../x",
]

SECRET_MARKERS = ("ZZANONSECRETMARKER0123456789", "ZZACCESSTOKENMARKER0123456789")
SECRET_ARGS = ["--secret", f"webstack:supabaseAnonKey=sb_publishable_{SECRET_MARKERS[0]}",
               "--secret", f"webstack:supabaseAccessToken=sbp_{SECRET_MARKERS[1]}"]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(doc, path[:-1])[path[-1]] = value


def _dump(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=10_000)


def _structural(rng: random.Random, doc: dict[str, Any]) -> tuple[str, str]:
    doc = copy.deepcopy(doc)
    config = doc["config"]
    paths = [p for p in _paths(config) if p]
    path = rng.choice(paths)
    target = ("config", *path)
    kind = rng.choice(["hostile", "hostile", "hostile", "delete", "unknown", "duplicate", "reshape", "deep",
                       "many"])
    if kind == "hostile":
        _set(doc, target, copy.deepcopy(rng.choice(HOSTILE_VALUES)))
    elif kind == "delete":
        parent = _get(doc, target[:-1])
        del parent[target[-1]]
    elif kind == "unknown":
        holder = _get(doc, target[:-1])
        if isinstance(holder, dict):
            holder[rng.choice(["unknownKey", "webstack:bogus", "x" * 300, "Domain"])] = "value"
        else:
            holder.append("extra")
    elif kind == "duplicate":
        holder = _get(doc, target[:-1])
        if isinstance(holder, list):
            holder.append(copy.deepcopy(holder[target[-1]]))
        else:
            lists = [p for p in paths if isinstance(_get(config, p), list) and _get(config, p)]
            if lists:
                chosen = _get(config, rng.choice(lists))
                chosen.append(copy.deepcopy(chosen[0]))
    elif kind == "reshape":
        value = _get(doc, target)
        _set(doc, target, [value] if not isinstance(value, list) else {"v": value})
    elif kind == "deep":  # written as flow text: the YAML emitter itself cannot nest 3,000 levels
        depth = rng.choice([20, 80, 3000])
        _set(doc, target, "__DEEP__")
        return f"{kind}:{'.'.join(map(str, path))[:60]}", _dump(doc).replace(
            "__DEEP__", "[" * depth + "leaf" + "]" * depth, 1)
    else:
        _set(doc, target, [f"entry-{i}.example.com" for i in range(rng.choice([250, 10_000]))])
    return f"{kind}:{'.'.join(map(str, path))[:60]}", _dump(doc)


def _textual(rng: random.Random, text: str) -> tuple[str, str | bytes]:
    lines = text.splitlines(keepends=True)
    kind = rng.choice(["dup-line", "truncate", "bytes", "insert", "alias-bomb", "short-key", "toplevel", "tag",
                       "config-list", "indent"])
    if kind == "dup-line":
        candidates = [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith("#")]
        i = rng.choice(candidates)
        return kind, "".join([*lines[: i + 1], lines[i], *lines[i + 1:]])
    if kind == "truncate":
        return kind, text[: rng.randrange(1, len(text))]
    if kind == "bytes":
        data = bytearray(text.encode("utf-8"))
        at = rng.randrange(len(data))
        data[at:at] = rng.choice([b"\xff\xfe", b"\xc3", b"\x00", b"\xed\xa0\x80", b"\x1b[31m"])
        return kind, bytes(data)
    if kind == "insert":
        at = rng.randrange(len(text))
        return kind, text[:at] + rng.choice(["\t", ":", "[", "{", "&a ", "*a", "!!binary ", "? ", "- ", "'", "%"]) \
            + text[at:]
    if kind == "alias-bomb":
        bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
            bomb += f"{name}: &{name} [{','.join(['*' + prev] * 9)}]\n"
        return kind, text.replace("config:\n", "config:\n  webstack:headers:\n    " +
                                  bomb.replace("\n", "\n    ").rstrip() + "\n", 1)
    if kind == "short-key":
        return kind, text.replace("config:\n", "config:\n  domain: attacker.example\n", 1)
    if kind == "toplevel":
        return kind, rng.choice(["- a\n- b\n", "just a string\n", "42\n", "", "~\n", "config: !!set {a}\n"])
    if kind == "tag":
        tag = rng.choice(["!!binary aGVsbG8=", "!!set {a, b}", "2026-01-01", "!!python/object:os.system x",
                          "!!timestamp 2001-12-14", "!custom x", "!!omap [a: 1]"])
        return kind, re.sub(r"(?m)^(  webstack:domain:).*", lambda m: f"{m.group(1)} {tag}", text, count=1)
    if kind == "config-list":
        return kind, rng.choice(["config: [a, b]\n", "config: plain\n", "config:\n  ? [a]\n  : b\n",
                                 "config:\n  1: x\n"])
    i = rng.randrange(len(lines))
    lines[i] = rng.choice(["   ", "\t"]) + lines[i]
    return kind, "".join(lines)


def mutate(rng: random.Random, text: str) -> tuple[str, str | bytes]:
    """One mutation of ``text`` (a stack file): (what was done, the new file)."""
    if rng.random() < 0.55:
        return _structural(rng, yaml.safe_load(text))
    return _textual(rng, text)


def describe(kind: str, data: str | bytes) -> str:
    return f"{kind} ({len(data)} bytes)"


MutationFn = Callable[[random.Random, str], tuple[str, "str | bytes"]]
__all__ = ["HOSTILE_VALUES", "SECRET_ARGS", "SECRET_MARKERS", "describe", "json", "mutate"]
