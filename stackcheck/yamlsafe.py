"""Project and stack files, read as Pulumi reads them and bounded against hostile input.

* UTF-8 only; JSON-shaped values only (strings, numbers, booleans, null, lists, mappings with string keys). Dates
  stay strings, as Pulumi's YAML reader keeps them; ``!!binary``, ``!!set`` and every other explicit tag is refused.
* A key given twice in one mapping is refused, naming the key and both lines (YAML says keys are unique; PyYAML
  would silently keep the last one).
* Bounded: nesting depth, number of aliases (an alias bomb expands exponentially), and file size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_NODES = 1_000_000
MAX_BYTES = 5 * 1024 * 1024


class YamlFileError(ValueError):
    """The file cannot be used; the message names the file, the line and what to do."""


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader with depth/alias/node limits, duplicate-key refusal and JSON-shaped values only."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise YamlFileError(f"line {mark.line + 1}: more than {MAX_ALIASES} aliases (*name); "
                                    "write the values out")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YamlFileError(f"more than {MAX_NODES} values")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlFileError(f"line {mark.line + 1}: nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, MappingNode):
            return super().construct_mapping(node, deep=deep)  # raises PyYAML's own error
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlFileError(f"line {key_node.start_mark.line + 1}: merge keys (<<) are not supported")
            if not isinstance(key_node, ScalarNode):
                raise YamlFileError(f"line {key_node.start_mark.line + 1}: a mapping key must be a plain string")
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise YamlFileError(f"line {key_node.start_mark.line + 1}: key {key!r} must be a string "
                                    "(quote it)")
            if key in seen:
                raise YamlFileError(f"line {key_node.start_mark.line + 1}: key {key[:80]!r} is given twice (first on "
                                    f"line {seen[key]}); keep one")
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def _refuse_tag(loader: yaml.SafeLoader, node: Node) -> Any:
    raise YamlFileError(f"line {node.start_mark.line + 1}: YAML tag {node.tag[:60]!r} is not supported "
                        "(use plain strings, numbers, booleans, lists and mappings)")


# Dates stay strings (Pulumi keeps them as written); only JSON-shaped types are constructed.
_BoundedLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_BoundedLoader.yaml_constructors = dict(yaml.SafeLoader.yaml_constructors)
for _tag in ("tag:yaml.org,2002:binary", "tag:yaml.org,2002:set", "tag:yaml.org,2002:omap",
             "tag:yaml.org,2002:pairs", "tag:yaml.org,2002:timestamp"):
    _BoundedLoader.yaml_constructors[_tag] = _refuse_tag
_BoundedLoader.yaml_constructors[None] = _refuse_tag  # any other explicit tag


def expanded_size(value: Any) -> int:
    """How many values ``value`` holds once aliases are expanded (as JSON serialisation would expand them),
    computed without expanding: shared (aliased) objects are counted once per reference, from a memo."""
    memo: dict[int, int] = {}

    def size(v: Any) -> int:
        if isinstance(v, dict):
            children: Any = v.values()
        elif isinstance(v, list):
            children = v
        else:
            return 1
        known = memo.get(id(v))
        if known is None:
            known = 1 + sum(size(c) for c in children)
            memo[id(v)] = known
        return known

    return size(value)


def load_text(text: str) -> Any:
    loader = _BoundedLoader(text)
    try:
        value = loader.get_single_data()
    finally:
        loader.dispose()
    if expanded_size(value) > MAX_NODES:
        raise YamlFileError(f"more than {MAX_NODES} values once aliases are expanded (an alias bomb?)")
    return value


def load_file(path: Path) -> Any:
    """Parse ``path``; raise YamlFileError (naming the file and line) for anything Pulumi would not accept."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise YamlFileError(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > MAX_BYTES:
        raise YamlFileError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlFileError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    try:
        return load_text(text)
    except YamlFileError as exc:
        raise YamlFileError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise YamlFileError(f"{path}: not valid YAML{where}: {str(problem)[:200]}") from None
    except RecursionError:
        raise YamlFileError(f"{path}: nested too deeply") from None
