"""Bridge, until every component returns its rendered files as its ``files`` output: the process-global
collection that VercelSite, NetlifySite and SupabaseProject still :func:`emit` into. ``components/program.py``
resets it at the start of a run and merges :func:`collected` into the stack output ``files`` (which stackcheck
and ``__main__.py`` write to disk). Delete this module when the last component is converted.
Pure module: no Pulumi import.
"""

from __future__ import annotations

import threading
from pathlib import PurePosixPath

_lock = threading.Lock()
_files: dict[str, str] = {}


def _check_path(rel: str) -> str:
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts or not p.parts:
        raise ValueError(f"artifact path must be relative and stay inside the artifact dir: {rel!r}")
    return p.as_posix()


def emit(rel_path: str, content: str) -> str:
    """Record one rendered file; emitting the same path twice with different content is a bug."""
    rel = _check_path(rel_path)
    with _lock:
        if rel in _files and _files[rel] != content:
            raise ValueError(f"artifact {rel!r} emitted twice with different content")
        _files[rel] = content
    return rel


def collected() -> dict[str, str]:
    with _lock:
        return dict(sorted(_files.items()))


def reset() -> None:
    with _lock:
        _files.clear()
