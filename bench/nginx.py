"""Benchmark the rendered nginx config against Debian's stock config, side by side on 127.0.0.1.

The fixture app is built as the image builds it: the Vite-style dist, then ``precompress.mjs`` (the build stage's
Node.js script) writing .br/.gz siblings. Both servers serve that same dist.

1. Throughput per asset class — HTML (``/``), hashed JS (150 KB), hashed CSS, an image, a 404 — with wrk (bounded:
   5 s per run, 2 threads, 32 connections, a browser's ``Accept-Encoding``) against (a) Debian's
   /etc/nginx/nginx.conf with its default site pointed at the dist and (b) the rendered config without TLS (with
   the brotli static module where Debian's package is installed), same worker_connections. Runs interleaved, best
   of two. Goal: every class rendered ÷ stock ≥ 1.0.
2. First visit: bytes on the wire for a browser's cold visit, rendered ÷ stock. Goal ≤ 0.35.
3. Repeat visit: bytes for the second visit ÷ the first, with the cache rules applied as a browser would (fresh
   max-age: no request; otherwise a conditional request with the first visit's validators). Goal ≤ 0.02.

Run: .venv/bin/python bench/nginx.py   (needs nginx, wrk and node; starts and stops its own servers)
"""

from __future__ import annotations

import math
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "nginx")]

from fixture_app import FixtureApp, build_fixture_app  # noqa: E402
from nginx_server import free_port, running_nginx, world_readable_tmpdir, write_tree  # noqa: E402
from nginx_support import stack_config  # noqa: E402

from components.render.nginx import NginxSiteSpec, render_nginx  # noqa: E402
from components.render.precompress import precompress_script  # noqa: E402
from components.standard import resolve_standard  # noqa: E402

DURATION_S = 5
BROWSER = {"Accept-Encoding": "gzip, deflate, br", "User-Agent": "bench"}
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
WORKER_CONNECTIONS = 768  # Debian's stock value; the rendered config is given the same


def stock_config(base: Path, dist: Path, port: int) -> Path:
    """Debian's nginx.conf, with only paths changed and its default site inlined (listening on loopback)."""
    text = Path("/etc/nginx/nginx.conf").read_text()
    site = (f"server {{ listen 127.0.0.1:{port} default_server; root {dist}; index index.html; server_name _; "
            "location / { try_files $uri $uri/ =404; } }")
    text = re.sub(r"include /etc/nginx/sites-enabled/\*;", site, text)
    # Dynamic modules (e.g. brotli) are not part of the stock server, and their relative paths would resolve
    # against the bench's prefix.
    text = re.sub(r"^include /etc/nginx/modules-enabled/\*\.conf;$", "", text, flags=re.MULTILINE)
    text = re.sub(r"^pid .*;$", f"pid {base}/stock.pid;", text, flags=re.MULTILINE)
    text = re.sub(r"access_log [^;]*;", f"access_log {base}/stock-access.log;", text)
    text = re.sub(r"error_log [^;]*;", f"error_log {base}/stock-error.log;", text)
    if "worker_connections" not in text:
        raise SystemExit("unexpected stock nginx.conf: no worker_connections")
    text = re.sub(r"worker_connections \d+;", f"worker_connections {WORKER_CONNECTIONS};", text)
    conf = base / "stock" / "nginx.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(text)
    return conf


def wrk(url: str) -> float:
    headers = [arg for name, value in BROWSER.items() for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{DURATION_S}s", *headers, url], capture_output=True, text=True,
                         timeout=DURATION_S + 30, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise RuntimeError(f"no Requests/sec in wrk output:\n{out}")
    return float(match.group(1))


def raw_get(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], int]:
    """(status, headers, bytes on the wire) for one HTTP/1.1 request."""
    lines = [f"GET {path} HTTP/1.1", "Host: site.test", "Connection: close", *[f"{k}: {v}" for k, v in headers.items()]]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split(" ")[1])
    parsed = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        parsed[name.strip().lower()] = value.strip()
    return status, parsed, len(data)


def _fresh(cache_control: str) -> bool:
    directives = {d.strip().split("=")[0]: d.strip() for d in cache_control.split(",")}
    if "no-cache" in directives or "no-store" in directives:
        return False
    max_age = directives.get("max-age")
    return max_age is not None and int(max_age.split("=")[1]) > 0


def first_visit_bytes(port: int, app: FixtureApp) -> int:
    total = 0
    for path in app.first_visit_paths:
        status, _, size = raw_get(port, path, BROWSER)
        assert status == 200, (path, status)
        total += size
    return total


def repeat_visit_ratio(port: int, app: FixtureApp) -> tuple[int, int, list[str]]:
    browser = BROWSER
    first_total, repeat_total, notes = 0, 0, []
    cache: dict[str, dict[str, str]] = {}
    for path in app.first_visit_paths:
        status, headers, size = raw_get(port, path, browser)
        assert status == 200, (path, status)
        first_total += size
        cache[path] = headers
    for path in app.first_visit_paths:
        headers = cache[path]
        if _fresh(headers.get("cache-control", "")):
            notes.append(f"{path}: from browser cache (0 B)")
            continue
        conditional = dict(browser)
        if "etag" in headers:
            conditional["If-None-Match"] = headers["etag"]
        if "last-modified" in headers:
            conditional["If-Modified-Since"] = headers["last-modified"]
        status, _, size = raw_get(port, path, conditional)
        repeat_total += size
        notes.append(f"{path}: revalidated, {status} ({size} B)")
    return first_total, repeat_total, notes


def write_png(path: Path, width: int = 96, height: int = 96) -> None:
    """A small photo-like PNG (noise compresses badly, as real images do): the image class."""
    import random
    import struct
    import zlib

    rng = random.Random(3)
    raw = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9))
                     + chunk(b"IEND", b""))


def main() -> int:
    for tool in ("nginx", "wrk", "node"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (make system-deps)", file=sys.stderr)
            return 2
    base = world_readable_tmpdir("webstack-bench-")
    try:
        cfg = stack_config()
        std = resolve_standard(cfg)
        app = build_fixture_app(base / "dist", cfg.supabase.api_url)
        write_png(base / "dist" / "assets" / "hero-3f2a9c1d.png")
        (base / "precompress.mjs").write_text(precompress_script())
        subprocess.run(["node", str(base / "precompress.mjs"), str(base / "dist")], check=True, timeout=60,
                       stdout=subprocess.DEVNULL)
        stock_port, ours_port = free_port(), free_port()
        brotli = str(BROTLI_MODULE) if BROTLI_MODULE.exists() else None
        spec = NginxSiteSpec(http_port=ours_port, listen_address="127.0.0.1", root=str(base / "dist"),
                             state_dir=str(base / "state"), access_log=str(base / "access.log"),
                             error_log=str(base / "error.log"), worker_connections=WORKER_CONNECTIONS,
                             brotli_static_module=brotli)
        ours_conf = write_tree(render_nginx(std, spec), base / "ours")
        stock_conf = stock_config(base, base / "dist", stock_port)
        paths = {"html (/)": "/", "hashed js (150 KB)": app.vendor_js, "hashed css": app.css,
                 "image (png)": "/assets/hero-3f2a9c1d.png", "404 (missing asset)": "/assets/missing-0000.js"}
        results: dict[str, dict[str, float]] = {label: {"stock": 0.0, "ours": 0.0} for label in paths}
        with running_nginx(stock_conf, base / "stock-prefix", [stock_port]), \
                running_nginx(ours_conf, base / "state", [ours_port]):
            for _ in range(2):
                for label, path in paths.items():
                    for which, port in (("stock", stock_port), ("ours", ours_port)):
                        results[label][which] = max(results[label][which], wrk(f"http://127.0.0.1:{port}{path}"))
            stock_first = first_visit_bytes(stock_port, app)
            first, repeat, notes = repeat_visit_ratio(ours_port, app)
        print(f"throughput (wrk -t2 -c32 -d{DURATION_S}s, best of 2, loopback, HTTP/1.1, no TLS, browser "
              f"Accept-Encoding; brotli module: {'yes' if brotli else 'no'}):")
        worst = math.inf
        for label, r in results.items():
            ratio = r["ours"] / r["stock"]
            worst = min(worst, ratio)
            print(f"  {label:22s} stock {r['stock']:10.0f} req/s   rendered {r['ours']:10.0f} req/s   "
                  f"ratio {ratio:.3f}   (goal >= 1.0)")
        print(f"requests/s rendered ÷ stock, worst class: {worst:.3f}   (goal >= 1.0)")
        print(f"first-visit bytes rendered ÷ stock: {first} / {stock_first} = {first / stock_first:.3f}   "
              "(goal <= 0.35)")
        print("repeat visit:")
        for note in notes:
            print(f"  {note}")
        print(f"bytes repeat ÷ first visit: {repeat} / {first} = {repeat / first:.4f}   (goal <= 0.02)")
        return 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
