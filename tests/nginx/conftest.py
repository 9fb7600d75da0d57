"""The running site for the nginx tests: fixture app, test PKI, rendered TLS config, Debian nginx on 127.0.0.1.

One nginx serves the whole session (sslyze, Chromium and the HTTP tests all want the same server); it is stopped
and its temp dir removed at session end.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from fixture_app import build_fixture_app  # noqa: E402
from nginx_pki import make_pki  # noqa: E402
from nginx_server import free_port, running_nginx, world_readable_tmpdir, write_tree  # noqa: E402
from nginx_support import SITE, SUPABASE_HOST, Site, render_site, stack_config  # noqa: E402

from components.standard import resolve_standard  # noqa: E402


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    if shutil.which("nginx") is None:
        pytest.fail("nginx is not installed (apt-get install nginx; `make system-deps` does it)")
    base = world_readable_tmpdir("webstack-nginx-")
    try:
        http_port, https_port, supabase_port = free_port(), free_port(), free_port()
        cfg = stack_config(supabase_url=f"https://{SUPABASE_HOST}:{supabase_port}")
        std = resolve_standard(cfg)
        pki = make_pki(base / "pki", [SITE, f"www.{SITE}", SUPABASE_HOST])
        app = build_fixture_app(base / "dist", cfg.supabase.api_url)
        spec, files = render_site(std, base, http_port, https_port, pki)
        conf = write_tree(files, base / "conf")
        with running_nginx(conf, base / "state", [http_port, https_port]) as server:
            yield Site(base=base, std=std, spec=spec, files=files, app=app, pki=pki, http_port=http_port,
                       https_port=https_port, supabase_port=supabase_port, server=server,
                       access_log=base / "access.log")
    finally:
        shutil.rmtree(base, ignore_errors=True)
