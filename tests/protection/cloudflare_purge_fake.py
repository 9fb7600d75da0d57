"""A fake of Cloudflare's cache-purge endpoint, written from Cloudflare's documentation.

Sources (read 2026-11): developers.cloudflare.com/api/resources/cache/methods/purge/ — ``POST
/zones/{zone_id}/purge_cache``; the body is ONE of ``{"purge_everything": true}``, ``{"files": [url | {url,
headers}, …]}``, ``{"tags": […]}``, ``{"hosts": […]}``, ``{"prefixes": […]}``; the answer is the v4 envelope
``{"success": true, "errors": [], "messages": [], "result": {"id": "<purge id>"}}``.
developers.cloudflare.com/cache/how-to/purge-cache/ — "Availability and limits": max operations per request 100
(URLs: 500 on Enterprise); .../purge_by_prefix/ — at most 30 prefixes per request, at most 31 path separators, no
query string or fragment, written without a scheme (``www.example.com/foo``). Every request must carry
``Authorization: Bearer <token>``. Error codes for a malformed body are not documented; the fake answers 400 with
code 1012 as a stand-in (what the API answers for an invalid purge request in Cloudflare's community reports).

Runs on 127.0.0.1, ephemeral port, in a thread of the test process; ``close()`` stops it.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KINDS = ("purge_everything", "files", "tags", "hosts", "prefixes")
_PATH = re.compile(r"/client/v4/zones/(?P<zone>[0-9a-f]{32})/purge_cache")
FILES_PER_REQUEST = {"free": 100, "pro": 100, "business": 100, "enterprise": 500}
PREFIXES_PER_REQUEST = 30
OPERATIONS_PER_REQUEST = 100


@dataclass
class FakePurgeApi:
    token: str
    plan: str = "pro"
    purges: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(zone, body) of every accepted purge."""
    refused: list[tuple[int, str]] = field(default_factory=list)
    """(status, message) of every refused request."""

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body = fake.handle(self.path, self.headers.get("Authorization"),
                                           self.headers.get("Content-Type"), raw)
                self._answer(status, body)

            def do_GET(self) -> None:
                self._answer(405, _error(10000, "method not allowed"))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/client/v4"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def handle(self, path: str, auth: str | None, content_type: str | None, raw: bytes) -> tuple[int, dict[str, Any]]:
        m = _PATH.fullmatch(path)
        if m is None:
            return self._refuse(404, 7003, "Could not route to the path")
        if auth != f"Bearer {self.token}":
            return self._refuse(403, 9109, "Unauthorized to access requested resource")
        if not (content_type or "").startswith("application/json"):
            return self._refuse(400, 1012, "Content-Type must be application/json")
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            return self._refuse(400, 1012, "Request must contain valid JSON")
        problem = self.body_problem(body)
        if problem:
            return self._refuse(400, 1012, problem)
        self.purges.append((m["zone"], body))
        return 200, {"success": True, "errors": [], "messages": [], "result": {"id": uuid.uuid4().hex}}

    def body_problem(self, body: Any) -> str | None:
        if not isinstance(body, dict) or len(body) != 1 or next(iter(body)) not in KINDS:
            return f"the body must have exactly one of {', '.join(KINDS)}"
        (kind, value), = body.items()
        if kind == "purge_everything":
            return None if value is True else "purge_everything must be true"
        if not isinstance(value, list) or not value:
            return f"{kind} must be a non-empty list"
        limit = {"files": FILES_PER_REQUEST[self.plan], "prefixes": PREFIXES_PER_REQUEST}.get(
            kind, OPERATIONS_PER_REQUEST)
        if len(value) > limit:
            return f"at most {limit} {kind} per request on the {self.plan} plan"
        for item in value:
            url = item.get("url") if kind == "files" and isinstance(item, dict) else item
            if not isinstance(url, str) or not url:
                return f"every entry of {kind} must be a string"
            if kind == "files" and not url.startswith(("http://", "https://")):
                return "files must be full URLs"
            if kind == "prefixes" and (url.startswith(("http://", "https://")) or "?" in url or "#" in url
                                       or url.count("/") > 31):
                return "a prefix is host/path without scheme, query string or fragment, at most 31 separators"
            if kind == "hosts" and "/" in url:
                return "hosts are hostnames"
        return None

    def _refuse(self, status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
        self.refused.append((status, message))
        return status, _error(code, message)


def _error(code: int, message: str) -> dict[str, Any]:
    return {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}
