"""Every validation pattern in the repo is anchored with ``\\Z`` or used with ``fullmatch``, never ``$``.

``$`` also matches before a trailing newline: ``re.match(r"^[0-9]+$", "22\\n")`` succeeds, and the newline then
breaks out of the rendered file (a Dockerfile ``FROM`` line, an SQL identifier, a ``_headers`` line). The scan
reads every Python file's AST: a ``$`` that is an anchor (not escaped, not inside a character class) in a string
passed to a ``re`` function, ``re.compile``, a pydantic ``pattern=`` or a ``*_PATTERN``/``_RE`` constant fails.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCANNED = ("components", "stackcheck", "policy", "tests", "bench", "tools", "package")
RE_FUNCS = {"compile", "match", "search", "fullmatch", "sub", "subn", "split", "findall", "finditer"}
MULTILINE = {"M", "MULTILINE"}


def dollar_anchor_positions(pattern: str) -> list[int]:
    """Offsets of ``$`` characters that are anchors (outside ``[...]``, not backslash-escaped)."""
    found, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            if pattern[i + 1: i + 2] == "^":
                i += 1
            if pattern[i + 1: i + 2] == "]":
                i += 1
        elif c == "$":
            found.append(i)
        i += 1
    return found


def _string_value(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string_value(node.left), _string_value(node.right)
        return (left or "") + (right or "") if left is not None or right is not None else None
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return None


def _uses_multiline(call: ast.Call) -> bool:
    for node in ast.walk(call):
        if isinstance(node, ast.Attribute) and node.attr in MULTILINE:
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("(?m"):
            return True
    return False


def dollar_anchored_patterns(source: str) -> list[tuple[int, str]]:
    """(line, pattern) for each ``$``-anchored regex in ``source``."""
    tree = ast.parse(source)
    bad: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        pattern_node: ast.AST | None = None
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
            if name in RE_FUNCS and owner in ("re", "regex") and node.args:
                if _uses_multiline(node):
                    continue
                pattern_node = node.args[0]
            for kw in node.keywords:
                if kw.arg in ("pattern", "regex"):
                    pattern_node = kw.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target = node.targets[0].id
            if target.endswith(("_PATTERN", "_RE", "_REGEX")):
                pattern_node = node.value
        if pattern_node is None:
            continue
        text = _string_value(pattern_node)
        if text and dollar_anchor_positions(text):
            bad.append((getattr(pattern_node, "lineno", 0), text))
    return bad


def python_files() -> list[Path]:
    files: list[Path] = []
    for top in SCANNED:
        base = REPO / top
        if base.is_dir():
            files += [p for p in base.rglob("*.py") if ".venv" not in p.parts and "node_modules" not in p.parts]
    files += [p for p in REPO.glob("*.py")]
    return sorted(files)


def test_the_scanner_finds_what_it_must() -> None:
    assert dollar_anchored_patterns('import re\nX = re.compile(r"^[a-z]+$")\n')
    assert dollar_anchored_patterns('import re\nre.match("^a$", v)\n')
    assert dollar_anchored_patterns('from pydantic import Field\nF = Field(pattern=r"^x$")\n')
    assert dollar_anchored_patterns('import re\nre.fullmatch("a" + "$", v)\n')
    assert not dollar_anchored_patterns('import re\nX = re.compile(r"^[a-z]+\\Z")\n')
    assert not dollar_anchored_patterns('import re\nX = re.compile(r"^\\$\\{x\\}[$]")\n')
    assert not dollar_anchored_patterns('import re\nX = re.compile(r"^x$", re.MULTILINE)\n')
    # and the bypass it guards against is real (the pattern is assembled so that the scan does not flag it)
    dollar = chr(36)
    assert re.match(r"^[0-9]+" + dollar, "22\n") and not re.match(r"^[0-9]+\Z", "22\n")


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_dollar_anchored_validator(path: Path) -> None:
    bad = dollar_anchored_patterns(path.read_text(encoding="utf-8"))
    assert not bad, "anchor with \\Z or use re.fullmatch (a $ lets a trailing newline through):\n" + "\n".join(
        f"  {path.relative_to(REPO)}:{line}: {pattern!r}" for line, pattern in bad)
