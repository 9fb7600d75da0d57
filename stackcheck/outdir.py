"""``--out DIR``, written all at once: a run either replaces DIR with its complete output or leaves it untouched.

Everything (rendered files and reports) is written into a fresh directory beside DIR (same filesystem, so the
final step is a rename); only when all of it is on disk does it take DIR's place. A failure or interruption at any
point removes the temporary directory and leaves the previous DIR as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath


class OutDirError(Exception):
    """``--out`` cannot be used or written (exit code 2); the message names the path and the reason."""


def check_target(target: Path) -> Path:
    """Validate ``--out`` before the run starts: returns the absolute path."""
    target = Path(os.path.abspath(target))
    if target.exists() and not target.is_dir():
        raise OutDirError(f"--out {target}: exists and is not a directory (give a directory path)")
    if target == Path(target.anchor):
        raise OutDirError(f"--out {target}: refusing to replace the filesystem root")
    parent = target.parent
    if not parent.is_dir():
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutDirError(f"--out {target}: cannot create its parent directory ({exc.strerror})") from None
    try:  # a real probe: permissions alone say nothing for root, or on a read-only or special filesystem
        probe = tempfile.mkdtemp(prefix=f".{target.name}.stackcheck-probe-", dir=parent)
        os.rmdir(probe)
    except OSError as exc:
        raise OutDirError(f"--out {target}: cannot write beside it in {parent} ({exc.strerror})") from None
    return target


def relative_path(rel: str) -> PurePosixPath:
    """An output file's path: relative, POSIX, no ``..``, no empty or NUL parts."""
    p = PurePosixPath(rel)
    if not rel or "\0" in rel or p.is_absolute() or ".." in p.parts or not p.parts or "\\" in rel:
        raise OutDirError(f"output file path {rel[:120]!r} must be relative and stay inside --out")
    return p


def write_atomically(target: Path, files: Mapping[str, str | bytes]) -> list[str]:
    """Replace ``target`` with a directory holding exactly ``files`` (relative path → content); returns the sorted
    relative paths written. Raises OutDirError (``target`` untouched) when anything fails."""
    target = check_target(target)
    paths = {rel: relative_path(rel) for rel in files}
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.stackcheck-", dir=target.parent))
    except OSError as exc:
        raise OutDirError(f"--out {target}: cannot create a directory beside it ({exc.strerror})") from None
    old: Path | None = None
    try:
        staging.chmod(0o755)
        for rel in sorted(files):
            dest = staging.joinpath(*paths[rel].parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            content = files[rel]
            data = content.encode("utf-8") if isinstance(content, str) else content
            with open(dest, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.previous-", dir=target.parent))
            os.rename(target, old / "content")
        try:
            os.rename(staging, target)
        except OSError:
            if old is not None:  # put the previous content back
                os.rename(old / "content", target)
            raise
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise OutDirError(f"--out {target}: could not write ({exc.strerror or exc}); previous content left as it "
                          "was") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None and not target.exists():
            with contextlib.suppress(OSError):
                os.rename(old / "content", target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return sorted(files)
