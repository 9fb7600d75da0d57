"""A small client for the Supabase Management API v1 (stdlib only: it runs inside Pulumi's dynamic provider).

The access token travels only in the ``Authorization`` header. It is never logged, never part of an exception
message (API messages are scrubbed of it too, in case a server echoes it), and not shown by ``repr``.
429 and 5xx answers and network timeouts are retried with exponential backoff (honouring ``Retry-After``) within a
bounded total time; any other error raises :class:`ManagementApiError` naming the setting and carrying the API's
message.
"""

from __future__ import annotations

import json
import logging
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

DEFAULT_BASE_URL = "https://api.supabase.com"
USER_AGENT = "webstack-supabase/1"
log = logging.getLogger("webstack.supabase")


class ManagementApiError(Exception):
    """A Management API call failed. ``setting`` names what was being read or changed."""

    def __init__(self, setting: str, message: str, status: int | None = None, retryable: bool = False,
                 retry_after: float | None = None):
        self.setting = setting
        self.retry_after = retry_after
        self.status = status
        self.api_message = message
        self.retryable = retryable
        where = f"HTTP {status}" if status is not None else "no HTTP answer"
        super().__init__(f"Supabase {setting}: {message} ({where})")


class ManagementClient:
    """One project's view of the API. ``sleep``/``clock`` are injectable so tests run fast and deterministic."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 30.0,
        max_total_seconds: float = 120.0,
        max_attempts: int = 8,
        backoff_base: float = 0.5,
        backoff_cap: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not token:
            raise ValueError("a Supabase access token is required (webstack:supabaseAccessToken)")
        parsed = urllib.parse.urlparse(base_url)
        if parsed.scheme not in ("https", "http") or not parsed.netloc:
            raise ValueError(f"base URL must be http(s)://host[:port], got {base_url!r}")
        if parsed.scheme == "http" and parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("plain http is only allowed to a loopback address (tests)")
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_total_seconds = max_total_seconds
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self._clock = clock

    def __repr__(self) -> str:
        return f"ManagementClient(base_url={self.base_url!r}, token=[secret])"

    # ------------------------------------------------------------------ transport

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "[redacted]") if self._token else text

    def request(self, method: str, path: str, body: Any = None, *, setting: str,
                form: tuple[bytes, str] | None = None) -> Any:
        """Send one request (retrying transient failures); return the decoded JSON answer or None.
        ``form``: an encoded ``multipart/form-data`` body and its content type, sent instead of a JSON ``body``."""
        url = self.base_url + path
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        content_type = "application/json"
        if form is not None:
            data, content_type = form
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(method, url, data, setting, content_type)
            except ManagementApiError as exc:
                if not exc.retryable:
                    raise
                delay = self._delay(attempt, exc.retry_after)
                elapsed = self._clock() - started
                if attempt >= self.max_attempts or elapsed + delay > self.max_total_seconds:
                    log.warning("%s %s: giving up after %d attempt(s), %.1fs", method, path, attempt, elapsed)
                    raise ManagementApiError(
                        setting,
                        f"{exc.api_message}; gave up after {attempt} attempt(s) in {elapsed:.1f}s (retry budget "
                        f"{self.max_total_seconds:.0f}s)",
                        exc.status,
                    ) from None
                log.info("%s %s: %s, retry %d in %.2fs", method, path, exc.status or "timeout", attempt, delay)
                self._sleep(delay)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        backoff *= 0.5 + random.random() / 2  # noqa: S311 — jitter, not cryptography
        if retry_after is not None:
            backoff = max(backoff, min(retry_after, self.backoff_cap))
        return backoff

    def _once(self, method: str, url: str, data: bytes | None, setting: str,
              content_type: str = "application/json") -> Any:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json", "User-Agent": USER_AGENT}
        if data is not None:
            headers["Content-Type"] = content_type
        req = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 — scheme checked
        path = urllib.parse.urlparse(url).path
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                raw = resp.read()
                log.debug("%s %s -> %s", method, path, resp.status)
                if not raw.strip():
                    return None
                try:
                    return json.loads(raw)
                except json.JSONDecodeError:
                    return raw.decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            status = err.code
            message = self._scrub(_api_message(err))
            retryable = status == 429 or status >= 500
            log.debug("%s %s -> %s", method, path, status)
            retry_after = _retry_after(err.headers.get("Retry-After") if err.headers else None)
            raise ManagementApiError(setting, message, status, retryable=retryable, retry_after=retry_after) from None
        except TimeoutError:
            raise ManagementApiError(setting, f"request timed out after {self.timeout:g}s", retryable=True) from None
        except urllib.error.URLError as err:
            reason = err.reason
            if isinstance(reason, TimeoutError):
                raise ManagementApiError(setting, f"request timed out after {self.timeout:g}s",
                                         retryable=True) from None
            if isinstance(reason, ConnectionError):
                raise ManagementApiError(setting, f"connection failed: {type(reason).__name__}",
                                         retryable=True) from None
            raise ManagementApiError(setting, self._scrub(f"cannot reach {self.base_url}: {reason}")) from None
        except ConnectionError as err:
            raise ManagementApiError(setting, f"connection failed: {type(err).__name__}", retryable=True) from None

    # ------------------------------------------------------------------ endpoints

    @staticmethod
    def _project(ref: str) -> str:
        if not (len(ref) == 20 and ref.isascii() and ref.isalpha() and ref.islower()):
            raise ValueError("project ref must be 20 lower-case letters")
        return f"/v1/projects/{ref}"

    def get_auth_config(self, ref: str) -> dict[str, Any]:
        return self.request("GET", f"{self._project(ref)}/config/auth", setting="auth config")

    def update_auth_config(self, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self.request("PATCH", f"{self._project(ref)}/config/auth", changes,
                            setting=f"auth config ({', '.join(sorted(changes))})")

    def get_postgrest(self, ref: str) -> dict[str, Any]:
        return self.request("GET", f"{self._project(ref)}/postgrest", setting="PostgREST config")

    def update_postgrest(self, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self.request("PATCH", f"{self._project(ref)}/postgrest", changes,
                            setting=f"PostgREST config ({', '.join(sorted(changes))})")

    def get_ssl_enforcement(self, ref: str) -> dict[str, Any]:
        return self.request("GET", f"{self._project(ref)}/ssl-enforcement", setting="SSL enforcement")

    def set_ssl_enforcement(self, ref: str, database: bool) -> dict[str, Any]:
        return self.request("PUT", f"{self._project(ref)}/ssl-enforcement",
                            {"requestedConfig": {"database": database}}, setting="SSL enforcement")

    def get_network_restrictions(self, ref: str) -> dict[str, Any]:
        return self.request("GET", f"{self._project(ref)}/network-restrictions", setting="network restrictions")

    def apply_network_restrictions(self, ref: str, v4: list[str], v6: list[str]) -> dict[str, Any]:
        return self.request("POST", f"{self._project(ref)}/network-restrictions/apply",
                            {"dbAllowedCidrs": v4, "dbAllowedCidrsV6": v6}, setting="network restrictions")

    def list_secret_names(self, ref: str) -> list[str]:
        answer = self.request("GET", f"{self._project(ref)}/secrets", setting="Edge Function secrets")
        return sorted(str(item["name"]) for item in answer or [])

    def upsert_secrets(self, ref: str, values: dict[str, str]) -> None:
        body = [{"name": name, "value": values[name]} for name in sorted(values)]
        self.request("POST", f"{self._project(ref)}/secrets", body,
                     setting=f"Edge Function secrets ({', '.join(sorted(values))})")

    def delete_secrets(self, ref: str, names: list[str]) -> None:
        self.request("DELETE", f"{self._project(ref)}/secrets", sorted(names),
                     setting=f"Edge Function secrets ({', '.join(sorted(names))})")

    def run_query(self, ref: str, query: str, *, setting: str = "database query") -> Any:
        return self.request("POST", f"{self._project(ref)}/database/query", {"query": query}, setting=setting)

    def list_addons(self, ref: str) -> dict[str, Any]:
        """``ListProjectAddonsResponse``: ``selected_addons`` / ``available_addons`` (PITR is ``type: pitr``)."""
        return self.request("GET", f"{self._project(ref)}/billing/addons", setting="billing add-ons") or {}

    def apply_addon(self, ref: str, addon_type: str, variant: str) -> None:
        self.request("PATCH", f"{self._project(ref)}/billing/addons",
                     {"addon_type": addon_type, "addon_variant": variant}, setting=f"{addon_type} add-on ({variant})")

    def get_backup_schedule(self, ref: str) -> dict[str, Any]:
        return self.request("GET", f"{self._project(ref)}/database/backups/schedule", setting="backup schedule") or {}

    def update_backup_schedule(self, ref: str, schedule_for: str) -> None:
        self.request("PATCH", f"{self._project(ref)}/database/backups/schedule", {"schedule_for": schedule_for},
                     setting=f"backup schedule ({schedule_for} UTC)")

    def deploy_function(self, ref: str, slug: str, metadata: dict[str, Any],
                        files: list[tuple[str, bytes]]) -> dict[str, Any]:
        """``POST /v1/projects/{ref}/functions/deploy?slug=…`` (``FunctionDeployBody``): the ``metadata`` part as
        JSON (OpenAPI 3's default encoding for an object in a form) and one ``file`` part per source file, named by
        its path relative to the function's directory. Creates the function or deploys a new version."""
        meta = json.dumps(metadata, separators=(",", ":")).encode()
        parts: list[tuple[str, str | None, bytes, str]] = [("metadata", None, meta, "application/json")]
        parts += [("file", path, content, _source_type(path)) for path, content in files]
        query = urllib.parse.urlencode({"slug": slug})
        return self.request("POST", f"{self._project(ref)}/functions/deploy?{query}", setting=f"Edge Function {slug}",
                            form=multipart_form(parts))

    def get_function(self, ref: str, slug: str) -> dict[str, Any] | None:
        """``FunctionSlugResponse``, or None when the project has no function of that slug."""
        try:
            return self.request("GET", f"{self._project(ref)}/functions/{urllib.parse.quote(slug)}",
                                setting=f"Edge Function {slug}")
        except ManagementApiError as exc:
            if exc.status == 404:
                return None
            raise

    def delete_function(self, ref: str, slug: str) -> None:
        try:
            self.request("DELETE", f"{self._project(ref)}/functions/{urllib.parse.quote(slug)}",
                         setting=f"Edge Function {slug}")
        except ManagementApiError as exc:
            if exc.status != 404:  # already gone: the goal of a delete
                raise

    def list_backups(self, ref: str) -> dict[str, Any]:
        """``V1BackupsResponse``: region, ``pitr_enabled``, ``walg_enabled``, ``backups``, ``physical_backup_data``."""
        return self.request("GET", f"{self._project(ref)}/database/backups", setting="database backups") or {}


def multipart_form(fields: list[tuple[str, str | None, bytes, str]]) -> tuple[bytes, str]:
    """Encode ``(name, filename or None, content, content type)`` parts as ``multipart/form-data`` (RFC 7578);
    returns the body and its Content-Type. The boundary is random and checked against every part's content."""
    while True:
        boundary = "webstack-" + "".join(random.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=32))  # noqa: S311
        marker = boundary.encode()
        if not any(marker in content for _, _, content, _ in fields):
            break
    out = bytearray()
    for name, filename, content, ctype in fields:
        disposition = f'form-data; name="{_quoted(name)}"'
        if filename is not None:
            disposition += f'; filename="{_quoted(filename)}"'
        out += (f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {ctype}\r\n\r\n").encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def _quoted(value: str) -> str:
    """A form-data parameter value: RFC 7578 §4.2 — percent-encode the quote, CR and LF; UTF-8 otherwise."""
    return value.replace("%", "%25").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _api_message(err: urllib.error.HTTPError) -> str:
    try:
        raw = err.read(4096)
    except OSError:
        raw = b""
    text = raw.decode("utf-8", "replace").strip()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = None
    if isinstance(doc, dict):
        for key in ("message", "msg", "error_description", "error"):
            if isinstance(doc.get(key), str) and doc[key]:
                return doc[key][:500]
    if text:
        return text[:500]
    return err.reason if isinstance(err.reason, str) and err.reason else f"HTTP {err.code}"


def _source_type(path: str) -> str:
    kind = {"ts": "application/typescript", "tsx": "application/typescript", "js": "text/javascript",
            "mjs": "text/javascript", "json": "application/json"}
    return kind.get(path.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
