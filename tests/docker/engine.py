"""A private Docker engine for the tests: Debian's ``dockerd`` with every path under one temp dir.

``dockerd --data-root D/data --exec-root D/exec -H unix://D/docker.sock --pidfile D/docker.pid --bridge=none
--iptables=false`` in its own session (process group). It shares nothing with a system daemon, publishes nothing
(no bridge: containers use the host network and bind 127.0.0.1), and is stopped on every exit path: SIGTERM to
its group, then SIGKILL, then any process still naming the temp dir in its command line (containerd and its
shims run in their own groups) by pid, then lazy unmounts of what it left mounted, then the dir is removed.
"""

from __future__ import annotations

import http.client
import json
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
from typing import Any

from tests import guardian, procfs

DOCKERD = shutil.which("dockerd") or "/usr/sbin/dockerd"
# The CLI from Debian's docker.io matches its daemon's API; another CLI on PATH would negotiate down anyway.
DOCKER = "/usr/bin/docker" if Path("/usr/bin/docker").exists() else (shutil.which("docker") or "docker")
START_TIMEOUT = 60.0


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, socket_path: str, timeout: float = 30.0) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = socket_path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.socket_path)
        self.sock = sock


@dataclass
class Engine:
    root: Path
    socket: Path
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def host(self) -> str:
        return f"unix://{self.socket}"

    def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One Engine API call over the unix socket; JSON in and out."""
        conn = _UnixConnection(str(self.socket))
        try:
            payload = None if body is None else json.dumps(body).encode()
            headers = {"Content-Type": "application/json"} if payload is not None else {}
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, raw.decode(errors="replace")

    def docker(self, *args: str, input: bytes | None = None, check: bool = True, timeout: float = 300,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        full_env = {**os.environ, "DOCKER_HOST": self.host, "DOCKER_CONFIG": str(self.root / "cli-config"),
                    **(env or {})}
        result = subprocess.run([DOCKER, *args], input=input, capture_output=True, timeout=timeout, env=full_env,
                                check=False)
        if check and result.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args[:3])}… failed ({result.returncode}): "
                               f"{result.stderr.decode(errors='replace')[-2000:]}")
        return result

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def _ping(sock: Path) -> bool:
    conn = _UnixConnection(str(sock), timeout=2)
    try:
        conn.request("GET", "/_ping")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def _stop(process: subprocess.Popen[bytes], root: Path) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        leftovers = [p.pid for p in procfs.naming(str(root))]
        for pid in leftovers:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        if leftovers:
            time.sleep(1)
    guardian.unmount_under(str(root))


@contextmanager
def running_engine(prefix: str = "webstack-dockerd-") -> Iterator[Engine]:
    if os.geteuid() != 0:
        raise RuntimeError("dockerd must be started as root (CI runs the tests as root)")
    root = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    sock = root / "docker.sock"
    log = root / "dockerd.log"
    argv = [DOCKERD, "--data-root", str(root / "data"), "--exec-root", str(root / "exec"), "-H", f"unix://{sock}",
            "--pidfile", str(root / "docker.pid"), "--bridge=none", "--iptables=false", "--ip6tables=false",
            "--ip-masq=false", "--userland-proxy=false", "--log-level=warn"]
    process: subprocess.Popen[bytes] | None = None
    watches: list[int] = []
    try:
        with log.open("wb") as log_file:
            process = subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        # Should this process die before the `finally` below: dockerd stops its containers and containerd on
        # SIGTERM; then the guardian clears its directory (what still runs from it, mounts, files).
        watches += [guardian.watch_directory(root), guardian.watch_group(process.pid, grace=20)]
        deadline = time.monotonic() + START_TIMEOUT
        while not (sock.exists() and _ping(sock)):
            if process.poll() is not None:
                raise RuntimeError(f"dockerd exited ({process.returncode}): {log.read_text(errors='replace')[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"dockerd did not answer within {START_TIMEOUT:.0f}s: "
                                   f"{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        yield Engine(root=root, socket=sock, process=process, log=log)
    finally:
        try:
            if process is not None:
                _stop(process, root)
        finally:
            shutil.rmtree(root, ignore_errors=True)
            for watch in watches:
                guardian.release(watch)
