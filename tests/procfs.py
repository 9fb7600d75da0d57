"""The machine's processes as Linux's /proc shows them, for the tests' checks that nothing outlives them.

(tests/guardian.py keeps its own few lines: it runs as a standalone script.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Process:
    pid: int

    def _read(self, name: str) -> bytes | None:
        try:
            return (Path("/proc") / str(self.pid) / name).read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            return None

    def stat(self) -> list[str] | None:
        """The fields of /proc/PID/stat after the command name: state, ppid, pgrp, session, … (the name may hold
        spaces and parentheses, the fields after its last ')' do not)."""
        raw = self._read("stat")
        return raw.decode(errors="replace").rsplit(")", 1)[1].split() if raw else None

    def cmdline(self) -> bytes:
        return self._read("cmdline") or b""

    def environ(self) -> bytes:
        return self._read("environ") or b""

    def describe(self) -> str:
        command = self.cmdline().replace(b"\0", b" ").decode(errors="replace")
        return f"{self.pid}: {command[:200]}"


def processes() -> Iterator[Process]:
    """Every process but this one."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != me:
            yield Process(int(entry.name))


def naming(marker: str) -> list[Process]:
    """Processes whose command line contains ``marker`` (a temp directory of theirs, say)."""
    needle = marker.encode()
    return [p for p in processes() if needle in p.cmdline()]


def children(pid: int) -> list[int]:
    return sorted(p.pid for p in processes() if (fields := p.stat()) and fields[1] == str(pid))


def in_session(sid: int) -> list[Process]:
    """Live (not zombie) processes of session ``sid``."""
    return [p for p in processes() if (fields := p.stat()) and fields[3] == str(sid) and fields[0] != "Z"]


def state(pid: int) -> str | None:
    fields = Process(pid).stat()
    return fields[0] if fields else None
