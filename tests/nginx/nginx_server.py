"""Start Debian's nginx on 127.0.0.1 with a rendered configuration tree, and stop it again.

Used by the tests and by bench/nginx.py. The master runs as root (like the Debian service) on unprivileged
ports; with no `user` directive its workers run as `nobody`, so the work dir is made world-readable.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests import guardian

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def world_readable_tmpdir(prefix: str) -> Path:
    """A new directory under /tmp that nginx's workers (``nobody``) can read. Callers remove it when done; should
    this process die first, its guardian removes it (the request is never withdrawn: at a normal exit the
    directory is already gone and there is nothing left to do)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    guardian.watch_directory(path)
    return path


def write_tree(files: dict[str, str], directory: Path) -> Path:
    for rel, content in files.items():
        dest = directory / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(content)
    return directory / "nginx.conf"


@dataclass
class NginxProcess:
    conf: Path
    prefix: Path
    error_log: Path
    process: subprocess.Popen[bytes]

    def errors(self) -> str:
        return self.error_log.read_text() if self.error_log.exists() else ""


def nginx_test(conf: Path, prefix: Path, error_log: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NGINX, "-t", "-p", f"{prefix}/", "-c", str(conf), "-e", str(error_log)],
                          capture_output=True, text=True, timeout=30, check=False)


def _wait_for_ports(ports: list[int], proc: subprocess.Popen[bytes], deadline: float) -> None:
    pending = list(ports)
    while pending:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", pending[0]), timeout=0.2):
                pending.pop(0)
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nginx did not listen on {pending}") from None
            time.sleep(0.05)


@contextmanager
def running_nginx(conf: Path, prefix: Path, ports: list[int]) -> Iterator[NginxProcess]:
    """``nginx -t`` first (raises with its output on failure), then serve until the block exits."""
    prefix.mkdir(parents=True, exist_ok=True)
    error_log = prefix / "startup-error.log"
    checked = nginx_test(conf, prefix, error_log)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx -t failed:\n{checked.stderr}")
    # Its own process group, which the guardian ends should this process die before the `finally` below.
    proc = subprocess.Popen([NGINX, "-p", f"{prefix}/", "-c", str(conf), "-e", str(error_log), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    watch = guardian.watch_group(proc.pid)
    try:
        _wait_for_ports(ports, proc, time.monotonic() + 15)
        yield NginxProcess(conf, prefix, error_log, proc)
    finally:
        try:
            proc.send_signal(signal.SIGQUIT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the master and its workers
                proc.wait(timeout=10)
        finally:
            guardian.release(watch)
