"""Rendered files (nginx.conf, Dockerfile, vercel.json, netlify.toml, SQL…) that components produce.

Components call :func:`emit` with a path relative to the stack's artifact dir. `stackcheck preview --out DIR`
writes everything emitted to DIR; under the Pulumi CLI the program writes them to :func:`artifacts_root`:
$WEBSTACK_ARTIFACTS_DIR, or `build/<stack>` (relative to the project dir). The self-hosted option's Dockerfile
copies its nginx tree from `<that root>/nginx`, inside the Docker build context (the project dir).
Pure module: no Pulumi import.
"""

from __future__ import annotations

import threading
from pathlib import Path, PurePosixPath

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


def write_all(out_dir: Path) -> list[Path]:
    """Write every collected artifact under ``out_dir``; return the paths written (sorted)."""
    written = []
    for rel, content in collected().items():
        dest = out_dir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(content, encoding="utf-8")
        written.append(dest)
    return written


ARTIFACTS_ENV = "WEBSTACK_ARTIFACTS_DIR"


def artifacts_root(stack: str) -> Path:
    """Where rendered files go on disk: $WEBSTACK_ARTIFACTS_DIR (stackcheck sets it) or ``build/<stack>``."""
    import os

    env = os.environ.get(ARTIFACTS_ENV)
    return Path(env) if env else Path("build") / stack


def materialize(prefix: str, stack: str) -> Path:
    """Write the artifacts emitted so far under ``prefix`` (e.g. ``nginx``) to disk now and return that dir.

    For resources that read files at registration time (a Docker build context).
    """
    root = artifacts_root(stack)
    base = _check_path(prefix)
    for rel, content in collected().items():
        if rel == base or rel.startswith(base + "/"):
            dest = root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.exists() or dest.read_text(encoding="utf-8") != content:
                dest.write_text(content, encoding="utf-8")
    return root / base
