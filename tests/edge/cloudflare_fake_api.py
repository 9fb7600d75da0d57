"""A fake of the Cloudflare API v4 rulesets endpoints, written from Cloudflare's API documentation.

Sources (read 2026-11): developers.cloudflare.com/api/resources/rulesets/ — "List zone rulesets"
(``GET /zones/{zone_id}/rulesets``: the envelope ``{result, success, errors, messages, result_info}``, rulesets
listed WITHOUT their rules, cursor pagination through ``result_info.cursor``), "Get a zone ruleset"
(``GET /zones/{zone_id}/rulesets/{ruleset_id}``, with rules), "Create a zone ruleset" (``POST
/zones/{zone_id}/rulesets``), "Get/Update a zone entry point ruleset" (``GET|PUT
/zones/{zone_id}/rulesets/phases/{phase}/entrypoint``: PUT creates the entry point or replaces its rules, bumping
``version``), "Delete a zone ruleset"; developers.cloudflare.com/ruleset-engine/about/phases/ — a zone has at most
one entry-point ruleset (kind ``zone``) per phase. Creating a second one is refused with the message the Cloudflare
providers surface ("A similar configuration with rules already exists …", terraform-provider-cloudflare #3219,
pulumi-cloudflare #782); the error code is not documented, so the fake answers 400 with code 20217 as a stand-in.

Deploying a managed ruleset (developers.cloudflare.com/ruleset-engine/managed-rulesets/deploy-managed-ruleset/): an
``execute`` rule in a zone entry point names the managed ruleset in ``action_parameters.id``, and "the managed
ruleset [must belong] to the same phase where you want to deploy it". The fake knows the WAF's managed rulesets and
their phase (developers.cloudflare.com/waf/managed-rules/, "Ruleset ID"; all in ``http_request_firewall_managed``)
and refuses an ``execute`` of an unknown ruleset or into another phase (400; the code is a stand-in).

Fields by phase: response fields (``http.response.*``, ``cf.response.*``) exist only once there is a response —
the response phases of developers.cloudflare.com/ruleset-engine/reference/phases-list/ (``http_response_headers_
transform``: the response fields listed at developers.cloudflare.com/rules/transform/response-header-modification/
reference/fields-functions/, e.g. ``http.response.code``); a request-phase rule whose filter ``expression`` names one
is refused (400; the code and wording are stand-ins). A rate-limiting rule's ``counting_expression`` may use them
(developers.cloudflare.com/waf/rate-limiting-rules/parameters/), so only ``expression`` is checked.

Only these calls are implemented; anything else answers 404 with a Cloudflare-shaped error. Every request must
carry ``Authorization: Bearer <token>`` (the token the test gave the fake), as the API requires.
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
from urllib.parse import parse_qs, urlsplit

SIMILAR_CONFIGURATION = ("A similar configuration with rules already exists and overwriting will have unintended "
                         "consequences. If you are migrating from the Dashboard, you will need to first import the "
                         "existing rules.")
ENTRYPOINT_KIND = "zone"
MANAGED_RULESETS = {
    "efb7b8c949ac4650a09736fc376e9aee": "http_request_firewall_managed",  # Cloudflare Managed Ruleset
    "4814384a9e5d4991b9815dcfc25d2f1f": "http_request_firewall_managed",  # Cloudflare OWASP Core Ruleset
    "c2e184081120413c86c3ab7e14069605": "http_request_firewall_managed",  # Exposed Credentials Check
    "77454fe2d30c4220b5701f6fdfb893ba": "http_request_firewall_managed",  # Cloudflare Free Managed Ruleset
}
"""Managed ruleset id -> the phase it belongs to."""
RESPONSE_PHASES = frozenset({"http_custom_errors", "http_response_headers_transform", "http_response_compression",
                             "http_response_firewall_managed", "http_log_custom_fields"})
_RESPONSE_FIELD = re.compile(r"\b((?:http|cf)\.response\.[a-z0-9_.]+)")
_ZONE = r"/client/v4/zones/(?P<zone>[0-9a-f]{32})/rulesets"


@dataclass
class FakeCloudflare:
    token: str
    zones: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """zone id -> ruleset id -> ruleset (with rules)."""
    requests: list[tuple[str, str]] = field(default_factory=list)
    """(method, path) of every request, in order."""
    page_size: int = 50

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
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

            def _handle(self, method: str) -> None:
                fake.requests.append((method, self.path))
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    self._answer(403, _error(9109, "Unauthorized to access requested resource"))
                    return
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except json.JSONDecodeError:
                    self._answer(400, _error(10026, "could not parse the request body as JSON"))
                    return
                status, answer = fake.dispatch(method, self.path, body)
                self._answer(status, answer)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PUT(self) -> None:
                self._handle("PUT")

            def do_DELETE(self) -> None:
                self._handle("DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The API base, like https://api.cloudflare.com/client/v4."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/client/v4"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- state helpers for tests (what the dashboard would have made) ------------------------------------------------

    def add_ruleset(self, zone: str, phase: str, rules: list[dict[str, Any]], *, kind: str = ENTRYPOINT_KIND,
                    name: str = "default") -> str:
        with self._lock:
            status, answer = self._create(zone, {"name": name, "kind": kind, "phase": phase, "rules": rules})
        assert status == 200, answer
        return str(answer["result"]["id"])

    def entrypoint(self, zone: str, phase: str) -> dict[str, Any] | None:
        return next((r for r in self.zones.get(zone, {}).values()
                     if r["phase"] == phase and r["kind"] == ENTRYPOINT_KIND), None)

    # -- the API ----------------------------------------------------------------------------------------------------

    def dispatch(self, method: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        with self._lock:
            if m := re.fullmatch(_ZONE, parts.path):
                if method == "GET":
                    return self._list(m["zone"], query.get("cursor", [""])[0])
                if method == "POST":
                    return self._create(m["zone"], body)
            elif m := re.fullmatch(_ZONE + r"/phases/(?P<phase>[a-z_]+)/entrypoint", parts.path):
                if method == "GET":
                    found = self.entrypoint(m["zone"], m["phase"])
                    if found is None:
                        return 404, _error(10003, f"could not find entrypoint ruleset in the {m['phase']} phase")
                    return 200, _ok(found)
                if method == "PUT":
                    return self._put_entrypoint(m["zone"], m["phase"], body)
            elif m := re.fullmatch(_ZONE + r"/(?P<id>[0-9a-f]{32})", parts.path):
                found = self.zones.get(m["zone"], {}).get(m["id"])
                if found is None:
                    return 404, _error(10003, "could not find the requested ruleset")
                if method == "GET":
                    return 200, _ok(found)
                if method == "DELETE":
                    del self.zones[m["zone"]][m["id"]]
                    return 204, {}
        return 404, _error(7003, f"Could not route to {parts.path}, perhaps your object identifier is invalid?")

    def _list(self, zone: str, cursor: str) -> tuple[int, dict[str, Any]]:
        summaries = [{k: v for k, v in r.items() if k != "rules"} for r in self.zones.get(zone, {}).values()]
        start = int(cursor) if cursor.isdigit() else 0
        page = summaries[start:start + self.page_size]
        info: dict[str, Any] = {}
        if start + self.page_size < len(summaries):
            info["cursor"] = str(start + self.page_size)
        return 200, {**_ok(page), "result_info": info}

    def _create(self, zone: str, body: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("name", "kind", "phase")):
            return 400, _error(20021, "name, kind and phase are required")
        refused = _execute_problem(body["phase"], body.get("rules", [])) or _field_problem(body["phase"],
                                                                                           body.get("rules", []))
        if refused:
            return 400, _error(20120, refused)
        if body["kind"] == ENTRYPOINT_KIND and self.entrypoint(zone, body["phase"]) is not None:
            return 400, _error(20217, SIMILAR_CONFIGURATION)
        ruleset = _ruleset(uuid.uuid4().hex, body)
        self.zones.setdefault(zone, {})[ruleset["id"]] = ruleset
        return 200, _ok(ruleset)

    def _put_entrypoint(self, zone: str, phase: str, body: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict) or not isinstance(body.get("rules", []), list):
            return 400, _error(20021, "rules must be a list")
        refused = _execute_problem(phase, body.get("rules", [])) or _field_problem(phase, body.get("rules", []))
        if refused:
            return 400, _error(20120, refused)
        found = self.entrypoint(zone, phase)
        if found is None:
            ruleset = _ruleset(uuid.uuid4().hex, {"name": body.get("name", "default"), "kind": ENTRYPOINT_KIND,
                                                  "phase": phase, **body})
            self.zones.setdefault(zone, {})[ruleset["id"]] = ruleset
            return 200, _ok(ruleset)
        found.update({k: v for k, v in body.items() if k in ("name", "description")})
        found["rules"] = [_rule(r) for r in body.get("rules", [])]
        found["version"] = str(int(found["version"]) + 1)
        return 200, _ok(found)


def _execute_problem(phase: str, rules: Any) -> str | None:
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict) or rule.get("action") != "execute":
            continue
        target = (rule.get("action_parameters") or {}).get("id")
        if target not in MANAGED_RULESETS:
            return f"execute: ruleset {target!r} does not exist or is not available to this zone"
        if MANAGED_RULESETS[target] != phase:
            return f"execute: ruleset {target} belongs to phase {MANAGED_RULESETS[target]}, not {phase}"
    return None


def _field_problem(phase: str, rules: Any) -> str | None:
    if phase in RESPONSE_PHASES:
        return None
    for rule in rules if isinstance(rules, list) else []:
        expression = rule.get("expression") if isinstance(rule, dict) else None
        found = _RESPONSE_FIELD.search(expression) if isinstance(expression, str) else None
        if found:
            return f"filter parsing error: the field {found.group(1)} is not available in phase {phase}"
    return None


def _rule(rule: dict[str, Any]) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "version": "1", **rule}


def _ruleset(rid: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": rid, "name": body["name"], "description": body.get("description", ""), "kind": body["kind"],
            "phase": body["phase"], "version": "1", "last_updated": "2026-11-27T10:00:00.000000Z",
            "rules": [_rule(r) for r in body.get("rules", [])]}


def _ok(result: Any) -> dict[str, Any]:
    return {"result": result, "success": True, "errors": [], "messages": []}


def _error(code: int, message: str) -> dict[str, Any]:
    return {"result": None, "success": False, "errors": [{"code": code, "message": message}], "messages": []}
