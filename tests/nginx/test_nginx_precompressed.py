"""Precompressed assets on the real nginx: the build's .br/.gz siblings are sent as they are, per Accept-Encoding.

The siblings are made by the very script the image's build stage runs (``precompress.mjs``, with Node.js), and
served by Debian's nginx with ``gzip_static`` and the brotli static module (Debian package
``libnginx-mod-http-brotli-static``). What must hold for every variant: the right Content-Encoding for what the
client accepts, a body that is byte-for-byte the file on disk with a Content-Length that matches it, and the same
security and caching headers as the uncompressed response (plus ``Vary: Accept-Encoding`` so caches keep both).
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixture_app import FixtureApp, build_fixture_app
from nginx_server import free_port, running_nginx, world_readable_tmpdir, write_tree
from nginx_support import SITE, stack_config

from components.render.nginx import NginxSiteSpec, render_nginx
from components.render.precompress import MIN_BYTES, PRECOMPRESS_FILE, precompress_script
from components.standard import resolve_standard

BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
pytestmark = pytest.mark.real_server

# Headers that describe the resource rather than its encoding: identical for every variant.
_ENCODING_SPECIFIC = {"content-encoding", "content-length", "etag", "last-modified", "date", "accept-ranges"}


@dataclass
class Served:
    port: int
    app: FixtureApp
    dist: Path

    def get(self, path: str, accept_encoding: str | None,
            extra: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", SITE)
            if accept_encoding is not None:
                conn.putheader("Accept-Encoding", accept_encoding)
            for name, value in (extra or {}).items():
                conn.putheader(name, value)
            conn.endheaders()
            resp = conn.getresponse()
            body = resp.read()
            merged: dict[str, str] = {}
            for name, value in resp.getheaders():
                key = name.lower()
                merged[key] = f"{merged[key]}, {value}" if key in merged else value
            return resp.status, merged, body
        finally:
            conn.close()


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed (the image's build stage has it; `make system-deps` installs it)")
    if not BROTLI_MODULE.exists():
        pytest.fail(f"{BROTLI_MODULE} is missing (apt-get install libnginx-mod-http-brotli-static)")
    base = world_readable_tmpdir("webstack-precompressed-")
    try:
        cfg = stack_config()
        app = build_fixture_app(base / "dist", cfg.supabase.api_url)
        script = base / PRECOMPRESS_FILE
        script.write_text(precompress_script())
        done = subprocess.run([node, str(script), str(base / "dist")], capture_output=True, text=True, timeout=60,
                              check=False)
        assert done.returncode == 0, done.stderr
        port = free_port()
        spec = NginxSiteSpec(http_port=port, listen_address="127.0.0.1", root=str(base / "dist"),
                             state_dir=str(base / "state"), access_log=str(base / "access.log"),
                             error_log=str(base / "error.log"), brotli_static_module=str(BROTLI_MODULE))
        conf = write_tree(render_nginx(resolve_standard(cfg), spec), base / "conf")
        with running_nginx(conf, base / "state", [port]):
            yield Served(port=port, app=app, dist=base / "dist")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _file(served: Served, path: str) -> Path:
    return served.dist / path.lstrip("/")


def test_the_build_step_writes_smaller_siblings_only_for_text_assets(served: Served) -> None:
    js = _file(served, served.app.vendor_js)
    for suffix in (".gz", ".br"):
        sibling = js.with_name(js.name + suffix)
        assert sibling.exists() and sibling.stat().st_size < js.stat().st_size / 3
    assert gzip.decompress(js.with_name(js.name + ".gz").read_bytes()) == js.read_bytes()
    favicon_br = _file(served, served.app.favicon).with_name("favicon.ico.br")
    assert not favicon_br.exists() or favicon_br.stat().st_size < _file(served, served.app.favicon).stat().st_size
    robots = _file(served, "/robots.txt")
    assert robots.stat().st_size < MIN_BYTES and not robots.with_name("robots.txt.gz").exists()
    assert not list(served.dist.rglob("*.gz.gz")) and not list(served.dist.rglob("*.br.gz"))


@pytest.mark.parametrize(("accept", "encoding", "suffix"), [
    ("br", "br", ".br"),
    ("gzip", "gzip", ".gz"),
    ("gzip, deflate, br", "br", ".br"),
    ("br;q=0, gzip", "gzip", ".gz"),
    (None, None, ""),
    ("identity", None, ""),
])
@pytest.mark.parametrize("asset", ["vendor_js", "css", "index_js", "/"])
def test_the_variant_for_the_clients_accept_encoding_is_the_file_as_built(
        served: Served, asset: str, accept: str | None, encoding: str | None, suffix: str) -> None:
    path = asset if asset.startswith("/") else getattr(served.app, asset)
    on_disk = _file(served, "/index.html" if path == "/" else path)
    variant = on_disk.with_name(on_disk.name + suffix)
    if not variant.exists():
        pytest.fail(f"the build step wrote no {suffix} sibling for {path}")
    status, headers, body = served.get(path, accept)
    assert status == 200
    assert headers.get("content-encoding") == encoding, headers
    assert body == variant.read_bytes()
    assert int(headers["content-length"]) == variant.stat().st_size
    assert "Accept-Encoding" in headers.get("vary", ""), headers


@pytest.mark.parametrize("asset", ["vendor_js", "css", "/"])
def test_every_variant_carries_the_same_security_and_cache_headers(served: Served, asset: str) -> None:
    path = asset if asset.startswith("/") else getattr(served.app, asset)
    seen = []
    for accept in ("br", "gzip", None):
        _, headers, _ = served.get(path, accept)
        seen.append({k: v for k, v in headers.items() if k not in _ENCODING_SPECIFIC})
    assert seen[0] == seen[1] == seen[2]
    assert "content-security-policy" in seen[0] and "cache-control" in seen[0]


def test_an_asset_without_siblings_is_still_compressed_on_the_fly(served: Served) -> None:
    # The fixture's precompressed.css ships its own (different) .gz: without a .br, br clients get gzip_static's file,
    # and a text asset with no sibling at all falls back to dynamic gzip.
    extra = served.dist / "assets" / "late-addition.css"
    extra.write_text(".late { color: red; }\n" * 100)
    status, headers, body = served.get("/assets/late-addition.css", "gzip")
    assert status == 200 and headers.get("content-encoding") == "gzip"
    assert gzip.decompress(body) == extra.read_bytes()


@pytest.mark.parametrize("accept", ["br", "gzip", None])
@pytest.mark.parametrize("asset", ["css", "/"])
def test_revalidating_a_variant_keeps_vary_and_leaves_the_security_headers_off(
        served: Served, asset: str, accept: str | None) -> None:
    """RFC 9110 §15.4.5: the 304 repeats Vary (a 200 has it) with ETag and Cache-Control; the stored response keeps
    the security headers, so the 304 sends none of them (the point of the rendered map $status variables)."""
    path = asset if asset.startswith("/") else getattr(served.app, asset)
    status, first, _ = served.get(path, accept)
    assert status == 200 and "content-security-policy" in first
    status, headers, body = served.get(path, accept, {"If-None-Match": first["etag"]})
    assert status == 304 and body == b""
    assert headers["etag"] == first["etag"] and headers["cache-control"] == first["cache-control"]
    assert headers.get("vary") == first["vary"] == "Accept-Encoding"
    assert "content-length" not in headers and "content-encoding" not in headers
    assert not {k for k in headers if k.startswith(("content-security", "strict-transport", "x-", "permissions",
                                                     "referrer", "cross-origin"))}, headers


def test_the_build_step_gives_the_html_a_new_mtime_and_leaves_hashed_assets_alone(tmp_path: Path) -> None:
    """nginx's ETag is the file's mtime and size: the re-stamped HTML (and its new variants) get a new ETag."""
    node = shutil.which("node")
    assert node is not None
    app = build_fixture_app(tmp_path / "dist", "https://abcdefghijklmnopqrst.supabase.co")
    index, asset = tmp_path / "dist" / "index.html", tmp_path / "dist" / app.vendor_js.lstrip("/")
    long_ago = 1_600_000_000
    for path in (index, asset):
        os.utime(path, (long_ago, long_ago))
    script = tmp_path / PRECOMPRESS_FILE
    script.write_text(precompress_script("0123456789abcdef"))
    done = subprocess.run([node, str(script), str(tmp_path / "dist")], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert index.stat().st_mtime > long_ago + 10**8  # now, not 2020
    assert index.with_name("index.html.br").stat().st_mtime > long_ago + 10**8
    assert asset.stat().st_mtime == long_ago  # a hashed asset's own file is never touched
