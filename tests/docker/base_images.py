"""Local base images for the Docker tests, assembled from Debian packages (no registry is reachable here).

* ``runtime`` stands in for ``nginx:<v>-alpine``: Debian's nginx and the libraries it links against, extracted
  with ``dpkg-deb -x`` into a rootfs, plus ``busybox-static`` for the healthcheck's ``wget`` (the official alpine
  image has busybox too), the official image's layout (``/usr/share/nginx/html``, ``/var/cache/nginx``, logs
  linked to stdout/stderr) and its ``nginx`` user, uid/gid 101.
* ``build`` stands in for ``node:<v>-alpine``: busybox, the host's real ``node`` binary with the libraries it links
  against (so the build stage's precompression step runs for real), and an ``npm`` that is not npm — ``npm ci``
  checks that the lockfile came in, ``npm run build`` copies the fixture app's pre-built ``prebuilt/`` to ``dist/``
  and records the build-time environment variable *names* it saw. The Dockerfile's own steps (COPY of the app,
  ARGs, RUN, COPY --from=build) run for real; only the Vite toolchain is replaced (npm needs its registry).

Each rootfs tar is cached under ``$WEBSTACK_TEST_CACHE`` (default ``~/.cache/webstack-tests``) keyed by the
exact package versions, so only the first run downloads (``apt-get download``) and extracts; every session then
``docker import``s the tars into its private engine.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from engine import Engine

RUNTIME_PACKAGES = ("nginx", "libc6", "libcrypt1", "libpcre2-8-0", "libssl3", "zlib1g", "busybox-static")
BUILD_PACKAGES = ("busybox-static",)
LAYOUT_VERSION = "4"  # bump when the assembled layout changes, so cached tars are rebuilt

RUNTIME_IMAGE = "webstack-test/nginx-debian"
BUILD_IMAGE = "webstack-test/build-standin"

NPM_STANDIN = """\
#!/bin/sh
# Not npm: a stand-in for the offline tests (see tests/docker/base_images.py).
set -eu
case "${1:-}" in
  ci) test -f package-lock.json || { echo "npm ci: no package-lock.json" >&2; exit 1; } ;;
  run)
    test "${2:-}" = build || { echo "npm run: only 'build'" >&2; exit 1; }
    rm -rf dist && mkdir -p dist && cp -R prebuilt/. dist/
    env | sed -n 's/^\\(VITE_[A-Za-z0-9_]*\\|NODE_ENV\\)=.*/\\1/p' | sort > /app/build-env-names.txt
    ;;
  *) echo "npm stand-in: unsupported: $*" >&2; exit 1 ;;
esac
"""


@dataclass(frozen=True)
class BaseImages:
    runtime: str  # image reference for the Dockerfile's NGINX_IMAGE build arg
    build: str  # for NODE_IMAGE


def cache_root() -> Path:
    env = os.environ.get("WEBSTACK_TEST_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "webstack-tests"


def _versions(packages: tuple[str, ...]) -> dict[str, str]:
    out = subprocess.run(["apt-cache", "show", "--no-all-versions", *packages], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    versions: dict[str, str] = {}
    name = None
    for line in out.splitlines():
        if line.startswith("Package: "):
            name = line.split(": ", 1)[1].strip()
        elif line.startswith("Version: ") and name is not None:
            versions.setdefault(name, line.split(": ", 1)[1].strip())
    missing = set(packages) - set(versions)
    if missing:
        raise RuntimeError(f"apt-cache knows no candidate for {sorted(missing)} (run apt-get update)")
    return versions


def _key(kind: str, versions: dict[str, str]) -> str:
    text = LAYOUT_VERSION + kind + "".join(f"{p}={v}\n" for p, v in sorted(versions.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _extract(packages: tuple[str, ...], rootfs: Path, work: Path) -> None:
    debs = work / "debs"
    debs.mkdir()
    subprocess.run(["apt-get", "download", "-q", *packages], cwd=debs, capture_output=True, check=True, timeout=300)
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(rootfs)], check=True, timeout=120)


def _write(rootfs: Path, path: str, text: str, mode: int = 0o644) -> None:
    dest = rootfs / path
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text)
    dest.chmod(mode)


def _link(rootfs: Path, path: str, target: str) -> None:
    dest = rootfs / path
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_symlink() or dest.exists():
        dest.unlink()
    dest.symlink_to(target)


def _root_owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def _layout(kind: str, rootfs: Path) -> None:
    """What a container image needs beyond the packages' files (the official image's layout for ``runtime``)."""
    for applet in ("sh", "wget", "cat", "ls", "cp", "mkdir", "rm", "env", "sed", "sort", "test", "id"):
        _link(rootfs, f"bin/{applet}", "/bin/busybox")
    for directory in ("dev", "proc", "sys", "etc"):
        (rootfs / directory).mkdir(exist_ok=True)
    (rootfs / "tmp").mkdir(exist_ok=True)
    (rootfs / "tmp").chmod(0o1777)
    _write(rootfs, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnginx:x:101:101:nginx:/nonexistent:/bin/false\n")
    _write(rootfs, "etc/group", "root:x:0:\nnginx:x:101:\n")
    if kind == "runtime":
        for directory in ("usr/share/nginx/html", "var/cache/nginx", "var/run", "var/log/nginx", "etc/nginx"):
            (rootfs / directory).mkdir(parents=True, exist_ok=True)
        _link(rootfs, "var/log/nginx/access.log", "/dev/stdout")
        _link(rootfs, "var/log/nginx/error.log", "/dev/stderr")
        # No ld.so.cache in an extracted tree: build one so the loader finds the multiarch library dirs.
        subprocess.run(["ldconfig", "-r", str(rootfs)], check=True, capture_output=True, timeout=60)
    else:
        _write(rootfs, "usr/local/bin/npm", NPM_STANDIN, 0o755)
        _copy_with_libraries(rootfs, _host_node()[0], "usr/local/bin/node")
        subprocess.run(["ldconfig", "-r", str(rootfs)], check=True, capture_output=True, timeout=60)


def _host_node() -> tuple[Path, str]:
    """The host's Node.js binary and its version (part of the build stand-in's cache key)."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("Node.js is not installed (make system-deps): the build stand-in runs the Dockerfile's "
                           "precompression step with it")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True, timeout=30).stdout
    return Path(node).resolve(), version.strip()


def _copy_with_libraries(rootfs: Path, binary: Path, dest: str) -> None:
    """Copy ``binary`` to ``dest`` in the rootfs, and every shared library ``ldd`` resolves to the same path."""
    target = rootfs / dest
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(binary, target)
    listing = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True, timeout=30).stdout
    for line in listing.splitlines():
        parts = line.split()
        path = parts[2] if "=>" in parts and len(parts) > 2 else parts[0] if parts else ""
        if not path.startswith("/"):
            continue  # linux-vdso: provided by the kernel
        lib = rootfs / path.lstrip("/")
        lib.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(path).resolve(), lib)


def _assemble(kind: str, packages: tuple[str, ...], dest: Path) -> None:
    with tempfile.TemporaryDirectory(prefix=f"webstack-base-{kind}-") as tmp:
        work = Path(tmp)
        rootfs = work / "rootfs"
        rootfs.mkdir()
        _extract(packages, rootfs, work)
        shutil.rmtree(rootfs / "usr" / "share" / "doc", ignore_errors=True)
        shutil.rmtree(rootfs / "usr" / "share" / "man", ignore_errors=True)
        _layout(kind, rootfs)
        # A unique temp name, renamed into place: another session assembling the same tar at once cannot mix in.
        fd, partial_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".partial")
        os.close(fd)
        partial = Path(partial_name)
        try:
            with tarfile.open(partial, "w") as tar:
                for child in sorted(rootfs.iterdir()):
                    tar.add(child, arcname=child.name, filter=_root_owned)
            partial.rename(dest)
        finally:
            partial.unlink(missing_ok=True)


def _tar(kind: str, packages: tuple[str, ...]) -> Path:
    versions = _versions(packages)
    if kind == "build":
        versions["host-node"] = _host_node()[1]
    directory = cache_root() / "docker-base"
    directory.mkdir(parents=True, exist_ok=True)
    dest = directory / f"{kind}-{_key(kind, versions)}.tar"
    if not dest.exists():
        _assemble(kind, packages, dest)
    return dest


def import_base_images(engine: Engine) -> BaseImages:
    """Import (cached) rootfs tars into ``engine``; the tags carry the cache key, so a version change shows."""
    refs = {}
    for kind, packages, repo in (("runtime", RUNTIME_PACKAGES, RUNTIME_IMAGE), ("build", BUILD_PACKAGES, BUILD_IMAGE)):
        tar = _tar(kind, packages)
        tag = tar.stem.split("-", 1)[1]
        ref = f"{repo}:{tag}"
        with tar.open("rb") as fh:
            engine.docker("import", "-", ref, input=fh.read())
        refs[kind] = ref
    return BaseImages(runtime=refs["runtime"], build=refs["build"])


def clear_cache() -> None:
    shutil.rmtree(cache_root() / "docker-base", ignore_errors=True)
