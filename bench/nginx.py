"""Benchmark the rendered nginx config against Debian's stock config, side by side on 127.0.0.1.

1. Throughput: wrk (bounded: 5 s per run, 2 threads, 32 connections) on the same files (index.html and a
   150 KB hashed JS chunk) served by (a) Debian's /etc/nginx/nginx.conf with its default site pointed at the
   fixture app and (b) the rendered config without TLS, same worker_processes/worker_connections. Runs are
   interleaved and the best of two kept for each. Prints rendered ÷ stock (goal ≥ 0.9).
2. Repeat visit: bytes on the wire for a browser's second visit ÷ its first visit to the fixture app, with the
   cache rules applied as a browser would (fresh max-age: no request; otherwise a conditional request with the
   validators of the first visit). Goal ≤ 0.05.

Run: .venv/bin/python bench/nginx.py   (needs nginx and wrk from Debian; starts and stops its own servers)
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
from components.standard import resolve_standard  # noqa: E402

DURATION_S = 5
WORKER_CONNECTIONS = 768  # Debian's stock value; the rendered config is given the same


def stock_config(base: Path, dist: Path, port: int) -> Path:
    """Debian's nginx.conf, with only paths changed and its default site inlined (listening on loopback)."""
    text = Path("/etc/nginx/nginx.conf").read_text()
    site = (f"server {{ listen 127.0.0.1:{port} default_server; root {dist}; index index.html; server_name _; "
            "location / { try_files $uri $uri/ =404; } }")
    text = re.sub(r"include /etc/nginx/sites-enabled/\*;", site, text)
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
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{DURATION_S}s", url], capture_output=True, text=True,
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


def repeat_visit_ratio(port: int, app: FixtureApp) -> tuple[int, int, list[str]]:
    browser = {"Accept-Encoding": "gzip, deflate, br", "User-Agent": "bench"}
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


def main() -> int:
    for tool in ("nginx", "wrk"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (make system-deps)", file=sys.stderr)
            return 2
    base = world_readable_tmpdir("webstack-bench-")
    try:
        cfg = stack_config()
        std = resolve_standard(cfg)
        app = build_fixture_app(base / "dist", cfg.supabase.api_url)
        stock_port, ours_port = free_port(), free_port()
        spec = NginxSiteSpec(http_port=ours_port, listen_address="127.0.0.1", root=str(base / "dist"),
                             state_dir=str(base / "state"), access_log=str(base / "access.log"),
                             error_log=str(base / "error.log"), worker_connections=WORKER_CONNECTIONS)
        ours_conf = write_tree(render_nginx(std, spec), base / "ours")
        stock_conf = stock_config(base, base / "dist", stock_port)
        paths = {"index.html": "/", "hashed js (150 KB)": app.vendor_js}
        results: dict[str, dict[str, float]] = {label: {"stock": 0.0, "ours": 0.0} for label in paths}
        with running_nginx(stock_conf, base / "stock-prefix", [stock_port]), \
                running_nginx(ours_conf, base / "state", [ours_port]):
            for _ in range(2):
                for label, path in paths.items():
                    for which, port in (("stock", stock_port), ("ours", ours_port)):
                        results[label][which] = max(results[label][which], wrk(f"http://127.0.0.1:{port}{path}"))
            first, repeat, notes = repeat_visit_ratio(ours_port, app)
        ratios = []
        print(f"throughput (wrk -t2 -c32 -d{DURATION_S}s, best of 2, loopback, HTTP/1.1, no TLS):")
        for label, r in results.items():
            ratio = r["ours"] / r["stock"]
            ratios.append(ratio)
            print(f"  {label:20s} stock {r['stock']:10.0f} req/s   rendered {r['ours']:10.0f} req/s   "
                  f"ratio {ratio:.3f}")
        geo = math.exp(sum(math.log(x) for x in ratios) / len(ratios))
        print(f"requests/s rendered ÷ stock (geometric mean): {geo:.3f}   (goal >= 0.9)")
        print("repeat visit:")
        for note in notes:
            print(f"  {note}")
        print(f"bytes repeat ÷ first visit: {repeat} / {first} = {repeat / first:.4f}   (goal <= 0.05)")
        return 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
