"""An Edge Function's source directory as the deploy endpoint receives it: the files, their digest, the limits.

Pure file-system reading (no Pulumi): the stack config checks a declared function with it before any resource is
registered, and the ``EdgeFunction`` resource (:mod:`components.supabase.functions`) records the digest and
uploads the same files.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path, PurePosixPath

SLUG = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")  # the deploy endpoint's `slug` parameter pattern
MAX_SOURCE_BYTES = 20 * 1024 * 1024
"""Supabase's documented maximum function size, 20 MB (supabase.com/docs/guides/functions/limits). The bundle
Supabase builds is usually smaller than the sources; sources above the limit are refused before anything runs."""
SKIPPED_NAMES = frozenset({"node_modules"})


class FunctionSourceError(ValueError):
    """The function's source directory cannot be deployed as it is (the message says which file and why)."""


def collect_sources(directory: Path) -> list[tuple[str, bytes]]:
    """Every regular file under ``directory`` as (POSIX path relative to it, content), sorted by path.

    Hidden files and directories (``.env``, ``.git``…) and ``node_modules`` are left out; a symbolic link is
    refused (it could point outside the directory — at a key, say — and the upload would carry it)."""
    if not directory.is_dir():
        raise FunctionSourceError(f"{directory} is not a directory")
    found: list[tuple[str, bytes]] = []
    total = 0
    for root, dirs, names in os.walk(directory, followlinks=False):
        here = Path(root)
        for d in list(dirs):
            if (here / d).is_symlink():
                raise FunctionSourceError(f"{here / d} is a symbolic link: copy what it points to instead")
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_NAMES)
        for name in sorted(names):
            path = here / name
            if name.startswith("."):
                continue
            if path.is_symlink():
                raise FunctionSourceError(f"{path} is a symbolic link: copy what it points to instead")
            if not path.is_file():
                continue
            content = path.read_bytes()
            total += len(content)
            if total > MAX_SOURCE_BYTES:
                raise FunctionSourceError(f"{directory}: the sources exceed {MAX_SOURCE_BYTES // 2**20} MB, Supabase's "
                                          "maximum function size (supabase.com/docs/guides/functions/limits)")
            found.append((PurePosixPath(path.relative_to(directory).as_posix()).as_posix(), content))
    found.sort()
    return found


def source_digest(files: list[tuple[str, bytes]]) -> str:
    """SHA-256 over each file's path and content digest (order-independent of the file system's listing)."""
    h = hashlib.sha256()
    for path, content in sorted(files):
        h.update(path.encode() + b"\0" + hashlib.sha256(content).hexdigest().encode() + b"\n")
    return h.hexdigest()


