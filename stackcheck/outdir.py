"""``--out DIR``, written all at once: a run either replaces DIR with its complete output or leaves it untouched.

Everything goes into a fresh staging directory beside DIR (same filesystem, so the final step is a rename): what
the program writes while it runs (it gets the staging directory as its artifacts dir), then its rendered files
and the reports. Only when all of it is on disk does the staging directory take DIR's place. A failure or an
interruption at any point removes the staging directory and leaves the previous DIR as it was.

The staging directory is ``.<DIR name>.stackcheck-staging``: a fixed name, because what the program renders may
depend on where it writes (a Dockerfile's COPY path, an image tag hashed from it) and reports must not change from
run to run. Paths the program saw are reported at their final place (the staging name is replaced by DIR's name
in the result and the rendered files). Runs writing beside the same parent directory take turns: an exclusive
``flock`` on that directory is held from the start of the run to the move (released when the process ends, however
it ends), so concurrent runs into one ``--out`` both complete, one after the other.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from stackcheck.contract import interrupts_held


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


class Staging:
    """The staging directory of one run's ``--out``; :meth:`commit` moves it into place, :meth:`discard` drops it."""

    def __init__(self, target: Path) -> None:
        self.target = check_target(target)
        self._lock = os.open(self.target.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX)
            self.token = f".{self.target.name}.stackcheck-staging"
            self.dir = self.target.parent / self.token
            shutil.rmtree(self.dir, ignore_errors=True)  # left by a run that was killed
            self.dir.mkdir(mode=0o755)
        except OSError as exc:
            os.close(self._lock)
            raise OutDirError(f"--out {self.target}: cannot create a directory beside it ({exc.strerror})") from None
        except BaseException:
            os.close(self._lock)
            raise
        self._done = False

    def relocate(self, value: Any) -> Any:
        """``value`` (strings, lists, dicts) with every mention of the staging directory moved to ``--out``."""
        if isinstance(value, str):
            return value.replace(self.token, self.target.name) if self.token in value else value
        if isinstance(value, list):
            return [self.relocate(v) for v in value]
        if isinstance(value, dict):
            return {self.relocate(k): self.relocate(v) for k, v in value.items()}
        return value

    def commit(self, files: Mapping[str, str | bytes]) -> list[str]:
        """Write ``files`` (relative path → content) into the staging dir, then put it in ``--out``'s place.
        Returns the sorted relative paths. Raises OutDirError (``--out`` untouched) when anything fails."""
        paths = {rel: relative_path(rel) for rel in files}
        try:
            for rel in sorted(files):
                dest = self.dir.joinpath(*paths[rel].parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                content = files[rel]
                data = content.encode("utf-8") if isinstance(content, str) else content
                with open(dest, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            # The swap runs to its end: an interrupt between its renames left a `.previous-` directory beside
            # --out (tests/robustness/test_processes.py, 1 run in ~100), or none at all had it come between the two.
            with interrupts_held():
                self._swap()
        except OSError as exc:
            raise OutDirError(f"--out {self.target}: could not write ({exc.strerror or exc}); previous content "
                              "left as it was") from None
        finally:
            if self.dir.exists():  # not moved into place: failed or interrupted
                self.discard()
        self._finish()
        return sorted(files)

    def _swap(self) -> None:
        """Put the staging dir in --out's place and remove the previous content; on failure, --out is restored."""
        old: Path | None = None
        try:
            if self.target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.previous-", dir=self.target.parent))
                os.rename(self.target, old / "content")
            try:
                os.rename(self.dir, self.target)
            except OSError:
                if old is not None:  # put the previous content back
                    os.rename(old / "content", self.target)
                raise
        finally:
            if old is not None:
                if not self.target.exists():
                    with contextlib.suppress(OSError):
                        os.rename(old / "content", self.target)
                shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        """Drop the staging dir (a no-op after :meth:`commit`) and let the next run in."""
        if not self._done:
            shutil.rmtree(self.dir, ignore_errors=True)
            self._finish()

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            os.close(self._lock)


def write_atomically(target: Path, files: Mapping[str, str | bytes]) -> list[str]:
    """Replace ``target`` with a directory holding exactly ``files``; see :class:`Staging`."""
    staging = Staging(target)
    try:
        return staging.commit(files)
    finally:
        staging.discard()
