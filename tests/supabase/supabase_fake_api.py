"""A fake Supabase Management API on 127.0.0.1 that checks every request against the published OpenAPI document.

Unknown paths/methods, path parameters and bodies that do not match the document (bodies are checked strictly:
a property the document does not declare is an error, so a typo'd setting name cannot pass) are answered with
422 and recorded in ``violations``; tests assert that list stays empty. Faults can be queued per request:
an HTTP status (optionally after applying the change), or a delay longer than the client's timeout.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema

# Vendored in the repo (source and date: tests/fixtures/supabase/README.md).
OPENAPI = Path(__file__).resolve().parents[1] / "fixtures" / "supabase" / "management-api.openapi.json"


def _nullable_to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` -> JSON Schema ``type: [t, "null"]``; objects closed to undeclared props."""
    if isinstance(node, list):
        return [_nullable_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_to_jsonschema(v) for k, v in node.items() if k not in ("nullable", "example", "format")}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


@dataclass
class Route:
    method: str
    template: str
    regex: re.Pattern[str]
    params: dict[str, dict[str, Any]]
    body_schema: dict[str, Any] | None
    responses: dict[int, dict[str, Any]] = field(default_factory=dict)
    body_type: str = "application/json"
    query: dict[str, dict[str, Any]] = field(default_factory=dict)


def load_routes() -> tuple[list[Route], dict[str, Any]]:
    doc = json.loads(OPENAPI.read_text())
    components = _nullable_to_jsonschema(doc["components"])
    routes = []
    for template, ops in doc["paths"].items():
        regex = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + r"\Z")
        for method, op in ops.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = {p["name"]: _nullable_to_jsonschema(p.get("schema", {}))
                      for p in op.get("parameters", []) if p.get("in") == "path"}
            query = {p["name"]: _nullable_to_jsonschema(p.get("schema", {}))
                     for p in op.get("parameters", []) if p.get("in") == "query"}
            content = op.get("requestBody", {}).get("content", {})
            body_type = next((t for t in ("application/json", "multipart/form-data") if t in content),
                             "application/json")
            body = content.get(body_type, {}).get("schema")
            responses = {int(code): _nullable_to_jsonschema(r["content"]["application/json"]["schema"])
                         for code, r in op.get("responses", {}).items()
                         if code.isdigit() and "application/json" in (r.get("content") or {})}
            routes.append(Route(method.upper(), template, regex, params,
                                _nullable_to_jsonschema(body) if body else None, responses, body_type, query))
    return routes, components


@dataclass
class Fault:
    status: int = 0
    message: str = "injected"
    apply_first: bool = False
    delay: float = 0.0
    retry_after: str | None = None
    methods: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass
class Recorded:
    method: str
    path: str
    template: str
    body: Any
    authorization: str


@dataclass
class State:
    auth: dict[str, Any] = field(default_factory=lambda: {
        "site_url": "http://localhost:3000", "uri_allow_list": "", "jwt_exp": 3600, "password_min_length": 6,
        "password_required_characters": "", "password_hibp_enabled": False, "mfa_totp_enroll_enabled": True,
        "mfa_totp_verify_enabled": True, "mfa_max_enrolled_factors": 10, "refresh_token_rotation_enabled": True,
        "security_refresh_token_reuse_interval": 10, "disable_signup": False,
        "external_anonymous_users_enabled": False, "rate_limit_email_sent": 2, "rate_limit_sms_sent": 30,
        "rate_limit_verify": 30, "rate_limit_token_refresh": 150, "rate_limit_otp": 30,
        "rate_limit_anonymous_users": 30, "rate_limit_web3": 30, "smtp_host": "smtp.example.net",
        "external_github_enabled": True,
    })
    postgrest: dict[str, Any] = field(default_factory=lambda: {
        "db_schema": "public, storage, graphql_public", "max_rows": 1000, "db_extra_search_path": "public, extensions",
        "db_pool": None})
    ssl: bool = False
    network: dict[str, list[str]] = field(default_factory=lambda: {"dbAllowedCidrs": ["0.0.0.0/0"],
                                                                  "dbAllowedCidrsV6": ["::/0"]})
    secrets: dict[str, str] = field(default_factory=lambda: {"OTHER_TEAM_KEY": "theirs"})
    queries: list[str] = field(default_factory=list)
    # Backups / billing (V1BackupsResponse, ListProjectAddonsResponse). `plan` decides whether PITR may be applied.
    plan: str = "pro"
    addons: list[dict[str, Any]] = field(default_factory=list)
    schedule: dict[str, Any] = field(default_factory=lambda: {"schedule_for": "04:00:00",
                                                              "updated_at": "2026-05-04T14:40:44+00:00"})
    # Edge Functions by slug: FunctionSlugResponse fields plus the uploaded files (name -> bytes).
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)
    backups: list[dict[str, Any]] = field(default_factory=lambda: [
        {"id": 1, "is_physical_backup": False, "status": "COMPLETED", "inserted_at": "2026-11-25T04:00:12.000Z"},
        {"id": 2, "is_physical_backup": False, "status": "COMPLETED", "inserted_at": "2026-11-26T04:00:09.000Z"},
        {"id": 3, "is_physical_backup": False, "status": "FAILED", "inserted_at": "2026-11-27T04:00:10.000Z"},
    ])


class FakeManagementApi:
    def __init__(self, token: str) -> None:
        self.token = token
        self.routes, self.components = load_routes()
        self.state = State()
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.response_violations: list[str] = []  # the fake's own answers checked against the document
        self.faults: list[Fault] = []
        self.uploads: dict[str, bytes] = {}  # the file parts of the multipart request being handled
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeManagementApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def mutations(self) -> list[Recorded]:
        return [r for r in self.requests if r.method != "GET"]

    # ---------------------------------------------------------------- request handling

    def _validate(self, method: str, path: str, body: Any, query: dict[str, list[str]] | None = None,
                  content_type: str = "application/json") -> tuple[Route | None, dict[str, str], str | None]:
        for route in self.routes:
            m = route.regex.match(path)
            if not m or route.method != method:
                continue
            params = m.groupdict()
            for name, schema in route.params.items():
                errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(params.get(name))]
                if errors:
                    return route, params, f"{method} {route.template}: path parameter {name}: {errors[0]}"
            for name, values in (query or {}).items():
                if name not in route.query:
                    return route, params, f"{method} {route.template}: unknown query parameter {name}"
                value: Any = values[-1]
                if route.query[name].get("type") == "boolean":
                    if value not in ("true", "false"):
                        return route, params, f"{method} {route.template}: query {name}: not a boolean string"
                    value = value == "true"
                errors = [e.message for e in jsonschema.Draft202012Validator(route.query[name]).iter_errors(value)]
                if errors:
                    return route, params, f"{method} {route.template}: query parameter {name}: {errors[0]}"
            if body is not None and content_type != route.body_type:
                return route, params, f"{method} {route.template}: body must be {route.body_type}, got {content_type}"
            if route.body_schema is not None:
                if body is None:
                    return route, params, f"{method} {route.template}: body required"
                schema = {**route.body_schema, "components": self.components}
                errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(body), key=str)
                if errors:
                    return route, params, f"{method} {route.template}: body: {errors[0].message}"
            elif body is not None:
                return route, params, f"{method} {route.template}: takes no body"
            return route, params, None
        return None, {}, f"{method} {path}: not in the OpenAPI document"

    def _apply(self, route: Route, body: Any, query: dict[str, list[str]] | None = None) -> tuple[int, Any]:
        s, t = self.state, route.template
        if t.endswith("/config/auth"):
            if route.method == "PATCH":
                s.auth.update(body)
            return 200, dict(s.auth)
        if t.endswith("/postgrest"):
            if route.method == "PATCH":
                s.postgrest.update(body)
            return 200, dict(s.postgrest)
        if t.endswith("/ssl-enforcement"):
            if route.method == "PUT":
                s.ssl = body["requestedConfig"]["database"]
            return 200, {"currentConfig": {"database": s.ssl}, "appliedSuccessfully": True}
        if t.endswith("/network-restrictions/apply"):
            s.network = {"dbAllowedCidrs": list(body.get("dbAllowedCidrs", [])),
                         "dbAllowedCidrsV6": list(body.get("dbAllowedCidrsV6", []))}
            return 201, {"entitlement": "allowed", "config": s.network, "status": "applied"}
        if t.endswith("/network-restrictions"):
            return 200, {"entitlement": "allowed", "config": s.network, "status": "applied"}
        if t.endswith("/secrets"):
            if route.method == "POST":
                for item in body:
                    s.secrets[item["name"]] = item["value"]
                return 201, None
            if route.method == "DELETE":
                for name in body:
                    s.secrets.pop(name, None)
                return 200, None
            # The real API answers a digest, never the value.
            return 200, [{"name": k, "value": f"digest-of-{k}"} for k in sorted(s.secrets)]
        if t.endswith("/database/query"):
            s.queries.append(body["query"])
            return 201, []
        if t.endswith("/functions/deploy"):
            slug = (query or {}).get("slug", [""])[-1]
            if not slug:
                return 400, {"message": "slug is required"}
            meta, files = body["metadata"], self.uploads
            if meta["entrypoint_path"] not in files:
                return 400, {"message": f"entrypoint {meta['entrypoint_path']} was not uploaded"}
            old = s.functions.get(slug)
            fn = {"id": old["id"] if old else f"fn-{len(s.functions) + 1:04d}", "slug": slug,
                  "name": meta.get("name") or slug, "status": "ACTIVE", "version": (old["version"] + 1) if old else 1,
                  "created_at": old["created_at"] if old else 1795665600000, "updated_at": 1795665600000,
                  "verify_jwt": meta.get("verify_jwt", True), "import_map": bool(meta.get("import_map_path")),
                  "entrypoint_path": meta["entrypoint_path"], "files": dict(files)}
            if meta.get("import_map_path"):
                fn["import_map_path"] = meta["import_map_path"]
            s.functions[slug] = fn
            return 201, _public(fn)
        if t.endswith("/functions/{function_slug}"):
            slug = route_path_param(self.requests[-1].path.split("?", 1)[0])
            if slug not in s.functions:
                return 404, {"message": "Function not found"}
            if route.method == "DELETE":
                del s.functions[slug]
                return 200, None
            return 200, _public(s.functions[slug])
        if t.endswith("/billing/addons/{addon_variant}"):
            variant = route_path_param(self.requests[-1].path)
            s.addons = [a for a in s.addons if a["variant"]["id"] != variant]
            return 200, None
        if t.endswith("/billing/addons"):
            if route.method == "PATCH":
                if body["addon_type"] == "pitr" and s.plan == "free":
                    return 403, {"message": "Point in time recovery is not available on the free plan"}
                s.addons = [a for a in s.addons if a["type"] != body["addon_type"]]
                s.addons.append(_addon(body["addon_type"], body["addon_variant"]))
                return 200, None
            return 200, {"selected_addons": list(s.addons), "available_addons": [
                {"type": "pitr", "name": "Point in time recovery",
                 "variants": [_addon("pitr", f"pitr_{d}")["variant"] for d in (7, 14, 28)]}]}
        if t.endswith("/database/backups/schedule"):
            if route.method == "PATCH":
                s.schedule = {"schedule_for": body["schedule_for"], "updated_at": "2026-11-27T12:00:00+00:00"}
            return 200, dict(s.schedule)
        if t.endswith("/database/backups"):
            pitr = any(a["type"] == "pitr" for a in s.addons)
            physical = {"earliest_physical_backup_date_unix": 1795147212, "latest_physical_backup_date_unix":
                        1795665609} if pitr else {}
            return 200, {"region": "eu-central-1", "walg_enabled": pitr, "pitr_enabled": pitr,
                         "backups": list(s.backups), "physical_backup_data": physical}
        return 501, {"message": f"fake does not implement {route.method} {t}"}

    def _check_response(self, route: Route, status: int, doc: Any) -> None:
        """The fake's answers on the backup/billing endpoints follow the document too (the older endpoints' answers
        are abbreviated: only the fields the client reads)."""
        schema = route.responses.get(status)
        if schema is None or doc is None or not any(p in route.template for p in RESPONSE_CHECKED):
            return
        errors = sorted(jsonschema.Draft202012Validator(_inline(schema, self.components)).iter_errors(doc), key=str)
        if errors:
            self.response_violations.append(f"{route.method} {route.template} -> {status}: {errors[0].message}")


    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(self, status: int, doc: Any, headers: dict[str, str] | None = None) -> None:
                raw = b"" if doc is None else json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                content_type = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip()
                path, _, query_text = self.path.partition("?")
                query = urllib.parse.parse_qs(query_text, keep_blank_values=True, strict_parsing=False)
                body: Any
                uploads: dict[str, bytes] = {}
                decode_problem = None
                if not raw:
                    body = None
                elif content_type == "multipart/form-data":
                    body, uploads, decode_problem = _form(self.headers.get("Content-Type") or "", raw)
                else:
                    body = json.loads(raw)
                auth = self.headers.get("Authorization") or ""
                with api._lock:
                    route, _params, problem = api._validate(self.command, path, body, query, content_type)
                    problem = decode_problem or problem
                    api.uploads = uploads
                    api.requests.append(Recorded(self.command, self.path, route.template if route else "", body, auth))
                    if auth != f"Bearer {api.token}":
                        self._send(401, {"message": "Unauthorized"})
                        return
                    if problem or route is None:
                        api.violations.append(problem or "no route")
                        self._send(422, {"message": problem})
                        return
                    fault = next((f for f in api.faults if self.command in f.methods), None)
                    if fault is not None:
                        api.faults.remove(fault)
                    if fault and fault.apply_first:
                        api._apply(route, copy.deepcopy(body), query)
                if fault and fault.delay:
                    time.sleep(fault.delay)  # the client times out; the change below still lands
                try:
                    if fault and fault.status:
                        headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
                        self._send(fault.status, {"message": fault.message}, headers)
                        return
                    with api._lock:
                        status, doc = api._apply(route, copy.deepcopy(body), query)
                        api._check_response(route, status, doc)
                    self._send(status, doc)
                except (BrokenPipeError, ConnectionResetError):
                    return

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815

        return Handler


RESPONSE_CHECKED = ("/billing/addons", "/database/backups", "/functions")


def _public(fn: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fn.items() if k != "files"}


def _form(content_type: str, raw: bytes) -> tuple[Any, dict[str, bytes], str | None]:
    """A ``multipart/form-data`` body (RFC 7578) as the document's object: JSON-typed parts decoded (OpenAPI 3's
    default encoding of an object property), repeated ``file`` parts as the list of their file names; the files'
    contents returned beside it. Malformed forms are a problem, not an exception."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw)
    if not message.is_multipart():
        return None, {}, "multipart body without parts (boundary missing or wrong)"
    doc: dict[str, Any] = {}
    uploads: dict[str, bytes] = {}
    for part in message.iter_parts():
        if part.get_content_disposition() != "form-data":
            return None, {}, "a part without Content-Disposition: form-data"
        name = part.get_param("name", header="content-disposition")
        decoded = part.get_payload(decode=True)
        payload = decoded if isinstance(decoded, bytes) else b""
        filename = part.get_filename()
        if name == "file":
            if not filename:
                return None, {}, "a file part without a filename"
            if filename in uploads:
                return None, {}, f"file {filename} uploaded twice"
            uploads[str(filename)] = payload
            doc.setdefault("file", []).append(str(filename))
        elif part.get_content_type() == "application/json" or name == "metadata":
            try:
                doc[str(name)] = json.loads(payload)
            except json.JSONDecodeError:
                return None, {}, f"form part {name} is not JSON"
        else:
            doc[str(name)] = payload.decode("utf-8", "replace")
    return doc, uploads, None


def _inline(node: Any, components: dict[str, Any], depth: int = 0) -> Any:
    """Resolve ``#/components/schemas/X`` references in place (a small schema instead of the whole document)."""
    if depth > 30:
        return node
    if isinstance(node, list):
        return [_inline(n, components, depth + 1) for n in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        return _inline(components["schemas"][ref.rsplit("/", 1)[-1]], components, depth + 1)
    return {k: _inline(v, components, depth + 1) for k, v in node.items()}


def route_path_param(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _addon(addon_type: str, variant: str) -> dict[str, Any]:
    """An add-on as ``ListProjectAddonsResponse`` lists it (price figures illustrative)."""
    days = variant.rsplit("_", 1)[-1]
    return {"type": addon_type, "variant": {"id": variant, "name": f"{days} days",
                                            "price": {"description": f"PITR {days} days", "type": "fixed",
                                                      "interval": "monthly", "amount": 100.0}}}
