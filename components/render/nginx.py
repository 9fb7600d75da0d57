"""nginx configuration for the self-hosted option (runbook Option C), rendered from the :class:`Standard`.

Pure module (no Pulumi import): :func:`render_nginx` returns ``{relative path: content}`` for ``nginx.conf`` and
its includes under ``webstack/``, one concern per file in the h5bp style. Every path the server touches (web root,
pid/temp dir, logs, certificate) comes from :class:`NginxSiteSpec`, so the tests serve the very same rendering
from a temp dir on 127.0.0.1 that the container serves from ``/usr/share/nginx/html``.

Layout decisions worth knowing before editing:

* Cache-Control is chosen per asset class by ``map`` (path → class, then status → ``no-store`` for errors) and
  sent by one server-level ``add_header``. No ``location`` sets its own ``add_header``, so none can silently drop
  the security headers (nginx's add_header inheritance trap); :func:`locations_missing_headers` checks that.
* Includes are referenced relative to the directory of ``nginx.conf`` (nginx resolves relative ``include`` paths
  against its configuration prefix), so the tree can live in ``/etc/nginx`` or in a test's temp dir.
* ``listen … ssl http2`` rather than ``http2 on``: the latter needs nginx ≥ 1.25.1 and Debian ships 1.22; the
  former still works (with a deprecation notice) on current stable.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
from dataclasses import dataclass, field

from components.standard.model import CacheRule, RateLimitRule, Standard

INCLUDE_DIR = "webstack"

CLOUDFLARE_IP_RANGES: tuple[str, ...] = (
    "173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22", "103.31.4.0/22", "141.101.64.0/18",
    "108.162.192.0/18", "190.93.240.0/20", "188.114.96.0/20", "197.234.240.0/22", "198.41.128.0/17",
    "162.158.0.0/15", "104.16.0.0/13", "104.24.0.0/14", "172.64.0.0/13", "131.0.72.0/22",
    "2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32", "2405:8100::/32",
    "2a06:98c0::/29", "2c0f:f248::/32",
)
"""Cloudflare's published edge ranges (cloudflare.com/ips). Behind the proxy every connection comes from one of
these, so without real_ip every visitor would share one rate-limit bucket per Cloudflare colo."""

MOZILLA_INTERMEDIATE_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
)
"""Mozilla's intermediate TLS 1.2 suites (ssl-config.mozilla.org), ECDHE only: the DHE suites of older versions of
the guideline need a dhparam file and add nothing for clients that also speak ECDHE."""

_PATH = re.compile(r"^/[A-Za-z0-9._/@+-]*\Z")
_SERVER_NAME = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\Z")
_SIZE = re.compile(r"^\d{1,6}[kKmM]?\Z")
_URL_PREFIX = re.compile(r"^/[A-Za-z0-9._~!*()+,=:@%/-]*\Z")
_CA_PEM = re.compile(r"(?:-----BEGIN CERTIFICATE-----\n(?:[A-Za-z0-9+/=]{1,76}\n)+-----END CERTIFICATE-----\n)+")
_PCRE_SPECIAL = re.compile(r"([\\^$.|?*+()\[\]{}])")


def _check_path(label: str, value: str) -> None:
    if not _PATH.match(value) or "/../" in value + "/" or value.endswith("/.."):
        raise ValueError(f"{label} must be an absolute path of [A-Za-z0-9._/@+-] without '..', got {value!r}")


def _check_port(label: str, value: int) -> None:
    if not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValueError(f"{label} must be a port number 1-65535, got {value!r}")


@dataclass(frozen=True)
class TlsSpec:
    """Origin TLS. Paths are where nginx reads the certificate and key (uploaded into the container)."""

    certificate: str
    certificate_key: str
    port: int = 8443
    public_port: int = 443  # the port clients reach (the http→https redirect targets it)
    resolvers: tuple[str, ...] = ()  # OCSP stapling is only enabled when nginx can resolve the responder
    trusted_certificate: str | None = None  # chain used to verify stapled OCSP responses
    # Authenticated Origin Pulls: the CA (PEM) whose client certificate every TLS client must present (Cloudflare's
    # origin-pull CA, components.render.origin_pull_ca). Rendered beside the config; None: no client certificates.
    client_ca_pem: str | None = None

    def __post_init__(self) -> None:
        if self.client_ca_pem is not None and not _CA_PEM.fullmatch(self.client_ca_pem):
            raise ValueError("tls.client_ca_pem must be one or more PEM certificates (-----BEGIN CERTIFICATE----- "
                             "… -----END CERTIFICATE-----), nothing else (never a private key)")
        _check_path("tls.certificate", self.certificate)
        _check_path("tls.certificate_key", self.certificate_key)
        if self.trusted_certificate is not None:
            _check_path("tls.trusted_certificate", self.trusted_certificate)
        _check_port("tls.port", self.port)
        _check_port("tls.public_port", self.public_port)
        for resolver in self.resolvers:
            ipaddress.ip_address(resolver)  # raises ValueError: only literal IPs, nginx must not resolve these


@dataclass(frozen=True)
class NginxSiteSpec:
    """Everything about the server that is not the web-security standard. Defaults are the container's."""

    server_names: tuple[str, ...] = ()  # empty: any Host (the proxy in front decides which names reach us)
    canonical_host: str | None = None  # where plain HTTP redirects; None: the first server name (needed with tls)
    http_port: int = 8080
    root: str = "/usr/share/nginx/html"
    tls: TlsSpec | None = None  # None: serve the site on http_port (only behind a TLS-terminating proxy)
    state_dir: str = "/tmp/nginx"  # pid file and temp dirs; a tmpfs in the read-only container
    access_log: str = "/dev/stdout"
    error_log: str = "/dev/stderr"
    worker_processes: str = "auto"
    worker_connections: int = 1024
    trusted_proxies: tuple[str, ...] = CLOUDFLARE_IP_RANGES
    real_ip_header: str = "CF-Connecting-IP"
    client_max_body_size: str = "1m"  # a static site takes no uploads; small bodies bound memory per request
    listen_ipv6: bool = False
    listen_address: str | None = None  # None: every interface (the container); tests bind 127.0.0.1
    # Path of ngx_http_brotli_static_module.so when the image carries it (Debian: libnginx-mod-http-brotli-static);
    # None: the official nginx images have no brotli module, so only the .gz siblings are served (gzip_static).
    brotli_static_module: str | None = None

    def __post_init__(self) -> None:
        if self.listen_address is not None:
            ipaddress.ip_address(self.listen_address)
        for name in self.server_names:
            if not _SERVER_NAME.match(name):
                raise ValueError(f"server name {name!r} is not a lower-case DNS name")
        if self.canonical_host is not None:
            if not _SERVER_NAME.match(self.canonical_host) or self.canonical_host.startswith("*."):
                raise ValueError(f"canonical host {self.canonical_host!r} is not a lower-case DNS name")
            if self.server_names and self.canonical_host not in self.server_names:
                raise ValueError(f"canonical host {self.canonical_host!r} is not one of the server names")
        if self.tls is not None and self.redirect_host is None:
            raise ValueError("with tls, plain HTTP redirects to a fixed host: set canonical_host or server_names "
                             "(redirecting to the request's Host would be an open redirect)")
        _check_port("http_port", self.http_port)
        for label in ("root", "state_dir"):
            _check_path(label, getattr(self, label))
        if self.brotli_static_module is not None:
            _check_path("brotli_static_module", self.brotli_static_module)
        for label in ("access_log", "error_log"):
            value = getattr(self, label)
            if value != "off":
                _check_path(label, value)
        if self.worker_processes != "auto" and not self.worker_processes.isdigit():
            raise ValueError("worker_processes must be 'auto' or a number")
        if not 16 <= self.worker_connections <= 65536:
            raise ValueError("worker_connections must be 16..65536")
        for cidr in self.trusted_proxies:
            ipaddress.ip_network(cidr)
        if not re.fullmatch(r"[A-Za-z0-9-]{1,64}", self.real_ip_header):
            raise ValueError("real_ip_header must be a header name")
        if not _SIZE.match(self.client_max_body_size):
            raise ValueError("client_max_body_size must look like 1m, 512k or 1024")
        if self.tls is not None and self.tls.port == self.http_port:
            raise ValueError("tls.port and http_port must differ")

    @property
    def redirect_host(self) -> str | None:
        """The one host plain HTTP redirects to: ``canonical_host``, else the first non-wildcard server name."""
        if self.canonical_host is not None:
            return self.canonical_host
        return next((n for n in self.server_names if not n.startswith("*.")), None)


@dataclass(frozen=True)
class _Location:
    modifier: str  # "=", "" (prefix)
    path: str
    comment: str
    directives: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------- small helpers


def _quote(value: str) -> str:
    """An nginx string literal; the standard's values are printable ASCII already (checked by check_header)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _pcre_literal(text: str) -> str:
    return _PCRE_SPECIAL.sub(r"\\\1", text)


def _header_file(title: str, why: str, body: list[str], link: str | None = None) -> str:
    lines = [f"# {title}", "#"]
    lines += [f"# {line}" if line else "#" for line in why.strip().splitlines()]
    if link:
        lines += ["#", f"# {link}"]
    return "\n".join([*lines, "", *body]) + "\n"


def inc(name: str) -> str:
    """Path of one include file relative to nginx.conf."""
    return f"{INCLUDE_DIR}/{name}"


# ----------------------------------------------------------------------------------------- security headers


NOT_MODIFIED_STATUS = "304"
"""The one status whose response leaves the security headers out (RFC 9110 §15.4.5: a 304 carries only what
updates the stored response — Cache-Control, Content-Location, Date, ETag, Expires, Vary)."""


def security_header_variable(name: str) -> str:
    """The ``map`` variable holding one header's value: ``$webstack_header_`` + the name in lower snake case."""
    return "$webstack_header_" + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _header_variables(std: Standard) -> list[tuple[str, str, str]]:
    """(name, value, variable) per header of the standard. Names are letters, digits and '-' and unique regardless
    of case (the config boundary checks both), so the variables are distinct."""
    return [(name, value, security_header_variable(name)) for name, value in std.headers]


def security_header_lines(std: Standard) -> list[str]:
    """``add_header <name> $webstack_header_<name> always;`` for every header of the standard (server level).

    ``always`` so 4xx/5xx responses (a 404 page, a 429) carry the same protection as 200s. The value is a ``map``
    variable (:func:`security_header_maps`, http level) that is empty on a 304, and nginx's ``add_header`` adds
    no header whose value is empty: a revalidated page keeps the headers the browser stored with the 200.
    """
    return [f"add_header {name} {var} always;" for name, _, var in _header_variables(std)]


def security_header_maps(std: Standard) -> list[str]:
    """One ``map $status`` per header of the standard: the value on every response, nothing on a 304."""
    lines: list[str] = []
    for _, value, var in _header_variables(std):
        lines += [f"map $status {var} {{", f"    {NOT_MODIFIED_STATUS} \"\";", f"    default {_quote(value)};", "}"]
    return lines


def security_headers_revision(std: Standard) -> str:
    """A short digest of the security headers' values: it changes exactly when the headers sent with a 200 do.

    The image's build step writes it into precompress.mjs, which then re-stamps the HTML files: their ETag (nginx:
    mtime and size) changes, and returning visitors get one 200 with the new headers instead of a 304 without any.
    """
    return hashlib.sha256("\n".join(security_header_maps(std)).encode()).hexdigest()[:16]


def _security_headers(std: Standard) -> str:
    why = (
        "The web-security standard's response headers (profile "
        f"{std.profile!r}, version {std.version}); their values are in security-headers-map.conf.\n"
        "Included at server level; no location adds headers of its own, so every response inherits these.\n"
        "Removing headers (" + ", ".join(std.remove_headers) + ") needs third-party modules in\n"
        "nginx: it sends no X-Powered-By itself, and server_tokens off reduces Server to a bare 'nginx'."
    )
    link = "https://owasp.org/www-project-secure-headers/"
    return _header_file("Security headers", why, security_header_lines(std), link)


def _security_header_maps(std: Standard) -> str:
    why = (
        "The value of each security header by response status: the standard's value on every response except a\n"
        "304 Not Modified, where it is empty, and add_header sends no header with an empty value. A 304 only\n"
        "confirms the copy the browser stored, and the browser keeps that copy's headers (CSP, HSTS, frame\n"
        "protection…); RFC 9110 lists what a 304 needs: Cache-Control, Content-Location, Date, ETag, Expires\n"
        "and Vary, which it keeps. Without this, every revalidation of index.html would resend ~1 KB of headers."
    )
    link = "https://www.rfc-editor.org/rfc/rfc9110#section-15.4.5"
    return _header_file("Security header values (by status)", why, security_header_maps(std), link)


VARIABLES_HASH_BUCKET_SIZE = 128
"""nginx.conf's ``variables_hash_bucket_size``: the map variables are named after the headers,
``$webstack_header_`` + up to 64 characters (the longest name the config accepts), and nginx's default 64-byte
bucket cannot hold such a name — it refuses to start ("could not build variables_hash")."""


def _server_software() -> str:
    return _header_file(
        "Server software disclosure",
        "Do not advertise the nginx version in the Server header or on error pages.",
        ["server_tokens off;"],
        "https://nginx.org/en/docs/http/ngx_http_core_module.html#server_tokens",
    )


def _real_ip(spec: NginxSiteSpec) -> str:
    body = [f"set_real_ip_from {cidr};" for cidr in spec.trusted_proxies]
    if body:
        body += [f"real_ip_header {spec.real_ip_header};", "real_ip_recursive on;"]
    return _header_file(
        "Client address behind the proxy",
        "Requests arrive from the CDN's addresses; take the visitor's address from the header the CDN sets, but\n"
        "only when the connection comes from the CDN (a header from anyone else is ignored). Rate limits and\n"
        "the access log then see visitors, not the CDN.",
        body or ["# no trusted proxies configured: $remote_addr is the connecting peer"],
        "https://developers.cloudflare.com/support/troubleshooting/restoring-visitor-ips/",
    )


def _deny_files() -> str:
    body = [
        r"location ~ /\.(?!well-known(?:/|$)) {",
        "    deny all;",
        "}",
        "",
        r"location ~* (?:#.*#|\.(?:bak|conf|dist|env|git|inc|ini|log|map|orig|psd|sh|sql|swo|swp|tmp)|~)$ {",
        "    deny all;",
        "}",
    ]
    return _header_file(
        "Hidden, backup and source files",
        "Deny dotfiles and dot-directories (.git, .env, .DS_Store) except /.well-known (ACME, security.txt),\n"
        "and editor/backup/source files that a careless build might leave in the web root (source maps\n"
        "included: they publish the original source). Regex locations win over the plain prefix locations of\n"
        "the site, so these apply under /assets/ too.",
        body,
        "https://github.com/h5bp/server-configs-nginx/blob/main/h5bp/location/security_file_access.conf",
    )


# ----------------------------------------------------------------------------------------------- performance


def _compression(spec: NginxSiteSpec) -> str:
    types = [
        "application/javascript", "application/json", "application/manifest+json", "application/wasm",
        "application/xml", "image/svg+xml", "image/x-icon", "font/ttf", "font/otf", "text/css",
        "text/javascript", "text/plain", "text/xml",
    ]
    body = [
        "gzip on;",
        "gzip_comp_level 5;",
        "gzip_min_length 256;",
        "gzip_proxied any;",
        "gzip_vary on;",
        "gzip_types " + " ".join(types) + ";",
        "",
        "# The image's build stage writes name.gz / name.br beside each text asset (precompress.mjs): send those",
        "# as they are, so no request pays for compression; on-the-fly gzip stays for anything not precompressed.",
        "gzip_static on;",
    ]
    if spec.brotli_static_module is not None:
        body.append("brotli_static on;")
    return _header_file(
        "Compression",
        "Serve the build's pre-compressed siblings (brotli where the module is loaded, else gzip) and compress\n"
        "anything else on the fly (level 5: most of the gain for little CPU). gzip_vary adds\n"
        "'Vary: Accept-Encoding' so caches keep both forms. text/html is always compressed by the gzip module\n"
        "and must not be listed.",
        body,
        "https://nginx.org/en/docs/http/ngx_http_gzip_static_module.html",
    )


def _file_cache() -> str:
    return _header_file(
        "Static file serving",
        "Keep open file descriptors and stat() results for hot files (a static site serves the same few files\n"
        "over and over), and send files with sendfile.",
        [
            "sendfile on;",
            "tcp_nopush on;",
            "open_file_cache max=1000 inactive=20s;",
            "open_file_cache_valid 30s;",
            "open_file_cache_min_uses 2;",
            "open_file_cache_errors on;",
        ],
        "https://nginx.org/en/docs/http/ngx_http_core_module.html#open_file_cache",
    )


def _cache_map_key(rule: CacheRule) -> list[str]:
    if rule.match == "exact":
        return [_quote(p) for p in rule.patterns]
    if rule.match == "prefix":
        return [_quote("~^" + _pcre_literal(p)) for p in rule.patterns]
    if rule.match == "suffix":
        alternatives = "|".join(_pcre_literal(p.lstrip(".")) for p in rule.patterns)
        return [_quote(rf"~*\.(?:{alternatives})$")]
    return []


_MATCH_ORDER = {"exact": 0, "prefix": 1, "suffix": 2, "default": 3}


def _cache_control_map(std: Standard) -> str:
    rules = sorted(std.cache_rules, key=lambda r: _MATCH_ORDER[r.match])
    default = next((r for r in rules if r.match == "default"), None)
    body = ["map $uri $webstack_cache_control_by_path {"]
    body.append(f"    default {_quote(default.cache_control if default else 'no-cache')};")
    for rule in rules:
        for key in _cache_map_key(rule):
            body.append(f"    {key} {_quote(rule.cache_control)};  # {rule.asset_class}")
    body.append("}")
    body += [
        "",
        "# Errors are never cached: a 404 for a not-yet-deployed hashed asset must not stick for a year.",
        "map $status $webstack_cache_control {",
        "    default $webstack_cache_control_by_path;",
        f"    {_quote('~^[45]')} {_quote('no-store')};",
        "}",
    ]
    return _header_file(
        "Cache-Control per asset class",
        "One value per asset class of the standard (health, hashed assets, HTML, static files, default).\n"
        "$uri is the path after try_files, so SPA deep links that fall back to index.html get HTML's policy.\n"
        "Exact paths are matched first, then regexes in order: prefix classes before suffix classes.",
        body,
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Caching",
    )


def _cache_control_header() -> str:
    return _header_file(
        "Cache-Control header",
        "Sent at server level next to the security headers (see cache-control-map.conf for the values).",
        ["add_header Cache-Control $webstack_cache_control always;"],
    )


# --------------------------------------------------------------------------------------------- limits & logs


def _request_limits(spec: NginxSiteSpec) -> str:
    return _header_file(
        "Request size and timeouts",
        "A static site needs small requests and short timeouts; tight values bound the memory and connections a\n"
        "slow or abusive client can hold (slowloris).",
        [
            f"client_max_body_size {spec.client_max_body_size};",
            "client_body_buffer_size 16k;",
            "client_header_buffer_size 1k;",
            "large_client_header_buffers 4 8k;",
            "client_body_timeout 10s;",
            "client_header_timeout 10s;",
            "send_timeout 10s;",
            "keepalive_timeout 30s;",
            "keepalive_requests 1000;",
            "reset_timedout_connection on;",
        ],
        "https://nginx.org/en/docs/http/ngx_http_core_module.html#client_body_timeout",
    )


_LOG_FIELDS = (
    ("time", "$time_iso8601", True),
    ("remote_addr", "$remote_addr", True),
    ("request_id", "$request_id", True),
    ("method", "$request_method", True),
    ("path", "$uri", True),
    ("protocol", "$server_protocol", True),
    ("status", "$status", False),
    ("bytes_sent", "$bytes_sent", False),
    ("request_time", "$request_time", False),
    ("host", "$host", True),
    ("referer", "$http_referer", True),
    ("user_agent", "$http_user_agent", True),
    ("tls", "$ssl_protocol", True),
)


def _access_log(spec: NginxSiteSpec) -> str:
    parts = []
    for key, var, quoted in _LOG_FIELDS:
        parts.append(f'"{key}":"{var}"' if quoted else f'"{key}":{var}')
    fmt = "{" + ",".join(parts) + "}"
    body = [f"log_format webstack_json escape=json '{fmt}';"]
    body.append("access_log off;" if spec.access_log == "off"
                else f"access_log {spec.access_log} webstack_json buffer=64k flush=1s;")
    return _header_file(
        "JSON access log",
        "One JSON object per request for log shippers. The path is $uri (no query string): magic-link and\n"
        "OAuth callbacks can carry tokens in query strings, and those must not land in logs.\n"
        "Buffered (written at 64 KB or after 1 s): one write per batch instead of one per request, which\n"
        "is most of what small responses cost; a log line is at most a second late.",
        body,
        "https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format",
    )


def _temp_paths(spec: NginxSiteSpec) -> str:
    body = [
        f"client_body_temp_path {spec.state_dir}/client_body;",
        f"proxy_temp_path {spec.state_dir}/proxy;",
        f"fastcgi_temp_path {spec.state_dir}/fastcgi;",
        f"uwsgi_temp_path {spec.state_dir}/uwsgi;",
        f"scgi_temp_path {spec.state_dir}/scgi;",
    ]
    return _header_file(
        "Temp paths",
        "All writable state under one dir (a tmpfs in the container): the root filesystem stays read-only and\n"
        "the non-root worker never needs the compiled-in /var/cache/nginx paths.",
        body,
    )


# --------------------------------------------------------------------------------------------- rate limits


def _zone_name(index: int, rule: RateLimitRule) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", rule.prefix.lower()).strip("_") or "root"
    return f"webstack_rl{index}_{slug}"


def nginx_rate(rule: RateLimitRule) -> str:
    """nginx accepts r/s or r/m only: the standard's N per P seconds, rounded up so it never limits harder."""
    if rule.requests_per_period % rule.period == 0:
        return f"{rule.requests_per_period // rule.period}r/s"
    per_minute = rule.requests_per_period * 60 / rule.period
    return f"{max(1, math.ceil(per_minute))}r/m"


def _rate_limit_zones(std: Standard) -> str:
    body = [f"limit_req_zone $binary_remote_addr zone={_zone_name(i, r)}:10m rate={nginx_rate(r)};  # {r.path}"
            for i, r in enumerate(std.rate_limits)]
    body += ["limit_req_status 429;", "limit_req_log_level warn;"]
    return _header_file(
        "Rate-limit zones",
        "One zone per rate-limited path of the standard, keyed by the visitor's address (see real-ip.conf).\n"
        "10 MB of zone state holds about 160,000 addresses. Requests beyond rate + burst get 429.",
        body,
        "https://nginx.org/en/docs/http/ngx_http_limit_req_module.html",
    )


# ------------------------------------------------------------------------------------------------ locations


def _site_locations(std: Standard) -> list[_Location]:
    fallback = f"try_files $uri {std.spa_fallback};"
    assets = std.assets_prefix
    locations: dict[tuple[str, str], _Location] = {}
    locations[("", assets)] = _Location(
        "", assets, "Hashed build output: a missing file is a real 404, never the SPA's index.html.",
        ["try_files $uri =404;"])
    locations[("", "/")] = _Location(
        "", "/", "Everything else is the single-page app: existing files as they are, deep links get index.html.",
        [fallback])
    for i, rule in enumerate(std.rate_limits):
        key = ("", rule.prefix) if rule.is_prefix else ("=", rule.path)
        limit = f"limit_req zone={_zone_name(i, rule)} burst={rule.burst} nodelay;"
        if key not in locations:
            inner = "try_files $uri =404;" if rule.prefix.startswith(assets) else fallback
            locations[key] = _Location(key[0], key[1], f"Rate-limited: {rule.path}.", [inner])
        locations[key].directives.insert(0, limit)
    order = sorted(locations.values(), key=lambda loc: (loc.modifier != "=", -len(loc.path)))
    return order


def _render_location(loc: _Location) -> list[str]:
    head = f"location {loc.modifier} {loc.path} {{" if loc.modifier else f"location {loc.path} {{"
    return [f"# {loc.comment}", head, *[f"    {d}" for d in loc.directives], "}", ""]


def _site(std: Standard) -> str:
    body: list[str] = ["index index.html;", ""]
    for loc in _site_locations(std):
        body += _render_location(loc)
    return _header_file(
        "The single-page app",
        "Static files from the web root, hashed assets strictly, SPA fallback for client-side routes, and the\n"
        "standard's rate-limited paths (limit_req with the declared burst, excess answered at once with 429).",
        body[:-1],
    )


def _health(std: Standard) -> str:
    return _header_file(
        "Health endpoint",
        "Answered by nginx itself (no disk access) for the container healthcheck and the CDN's health checks.\n"
        "Not logged: a check every few seconds would drown the access log.",
        [
            f"location = {std.health_path} {{",
            "    access_log off;",
            "    default_type text/plain;",
            '    return 200 "ok\\n";',
            "}",
        ],
    )


# ------------------------------------------------------------------------------------------------------ TLS


def _tls_profile() -> str:
    return _header_file(
        "TLS: Mozilla intermediate",
        "TLS 1.2 and 1.3 with forward-secret AEAD suites only; clients choose (all listed suites are strong).\n"
        "Session tickets off: nginx never rotates the ticket key, which would undo forward secrecy.",
        [
            "ssl_protocols TLSv1.2 TLSv1.3;",
            f"ssl_ciphers {MOZILLA_INTERMEDIATE_CIPHERS};",
            "ssl_prefer_server_ciphers off;",
            "ssl_ecdh_curve X25519:prime256v1:secp384r1;",
            "ssl_session_timeout 1d;",
            "ssl_session_cache shared:WebstackTLS:10m;",
            "ssl_session_tickets off;",
        ],
        "https://ssl-config.mozilla.org/#server=nginx&config=intermediate",
    )


def _ocsp(tls: TlsSpec) -> str:
    body = [
        "ssl_stapling on;",
        "ssl_stapling_verify on;",
        f"resolver {' '.join(tls.resolvers)} valid=300s;",
        "resolver_timeout 5s;",
    ]
    if tls.trusted_certificate:
        body.append(f"ssl_trusted_certificate {tls.trusted_certificate};")
    return _header_file(
        "OCSP stapling",
        "Rendered only when a resolver is configured: nginx must resolve the CA's OCSP responder itself.",
        body,
        "https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_stapling",
    )


ORIGIN_PULL_CA_FILE = "tls/origin-pull-ca.pem"
"""Where the client CA is rendered, relative to the include dir (baked into the image with the config)."""


def _origin_pulls() -> str:
    return _header_file(
        "TLS client certificates: Authenticated Origin Pulls",
        "Only the CDN may talk to the origin: every TLS client must present a certificate signed by the CA in\n"
        "origin-pull-ca.pem (Cloudflare's origin-pull CA, public), which Cloudflare's edge does when the zone's\n"
        "Authenticated Origin Pulls setting (tls_client_auth) is on. Anyone who finds the origin's address and\n"
        "connects directly, bypassing the WAF, rate limits and cache, gets 400 instead of the site.\n"
        "ssl_verify_depth stays at its default 1: Cloudflare signs the client certificate with the CA directly.\n"
        "Plain HTTP (the redirect and the container's health endpoint) is unaffected. Turn the zone setting on\n"
        "together with this, or every proxied request fails with 400.",
        [
            f"ssl_client_certificate {inc(ORIGIN_PULL_CA_FILE)};",
            "ssl_verify_client on;",
        ],
        "https://developers.cloudflare.com/ssl/origin-configuration/authenticated-origin-pull/",
    )


def _redirect_to_https(tls: TlsSpec, host: str) -> str:
    port = "" if tls.public_port == 443 else f":{tls.public_port}"
    return _header_file(
        "HTTP to HTTPS",
        "Plain HTTP only redirects (the health endpoint stays reachable for the in-container healthcheck, which\n"
        "has no certificate to verify the origin's TLS name against). $request_uri is the raw, undecoded URI.\n"
        "The target is the canonical host, never $host: this server is the default for its port, so a request\n"
        "with any Host lands here, and echoing it would redirect visitors to a site of the requester's choosing.\n"
        "Every Host, the site's other names included, goes to the canonical one in a single hop.",
        ["location / {", f"    return 301 https://{host}{port}$request_uri;", "}"],
    )


# ------------------------------------------------------------------------------------------------ top level


def _mime_types() -> str:
    types = {
        "text/html": "html htm",
        "text/css": "css",
        "text/javascript": "js mjs",
        "text/plain": "txt",
        "text/xml": "xml",
        "application/json": "json map",
        "application/manifest+json": "webmanifest",
        "application/wasm": "wasm",
        "application/pdf": "pdf",
        "image/svg+xml": "svg svgz",
        "image/png": "png",
        "image/jpeg": "jpg jpeg",
        "image/gif": "gif",
        "image/webp": "webp",
        "image/avif": "avif",
        "image/x-icon": "ico",
        "font/woff": "woff",
        "font/woff2": "woff2",
        "font/ttf": "ttf",
        "font/otf": "otf",
        "audio/mpeg": "mp3",
        "video/mp4": "mp4",
        "video/webm": "webm",
    }
    body = ["types {", *[f"    {mime} {exts};" for mime, exts in types.items()], "}"]
    return _header_file(
        "MIME types",
        "The types a Vite build emits, so responses are typed the same on every nginx version (older\n"
        "mime.types lack webmanifest, wasm and avif; X-Content-Type-Options: nosniff makes wrong types fatal).",
        body,
    )


def _server_common() -> list[str]:
    return [
        f"include {inc('security/security-headers.conf')};",
        f"include {inc('web_performance/cache-control.conf')};",
        f"include {inc('location/health.conf')};",
    ]


def _site_includes() -> list[str]:
    return [f"include {inc('security/deny-files.conf')};", f"include {inc('location/site.conf')};"]


def _server(body: list[str]) -> list[str]:
    return ["    server {", *[f"        {line}" for line in body], "    }"]


def _main(std: Standard, spec: NginxSiteSpec) -> str:
    names = " ".join(spec.server_names) if spec.server_names else "_"
    lines = [
        "# nginx for a Vite single-page app behind a CDN (webstack). Runs as a non-root user on unprivileged",
        f"# ports with a read-only root filesystem: no `user` directive, all writable state under {spec.state_dir}.",
        "# Each concern lives in its own include under " + INCLUDE_DIR + "/ (why is written at the top of each).",
        "",
        *([f"load_module {spec.brotli_static_module};", ""] if spec.brotli_static_module else []),
        f"worker_processes {spec.worker_processes};",
        f"worker_rlimit_nofile {spec.worker_connections * 2};",
        f"pid {spec.state_dir}/nginx.pid;",
        f"error_log {spec.error_log} warn;" if spec.error_log != "off" else "error_log /dev/null crit;",
        "",
        "events {",
        f"    worker_connections {spec.worker_connections};",
        "}",
        "",
        "http {",
        f"    include {inc('mime.types')};",
        "    default_type application/octet-stream;",
        "    charset utf-8;",
        f"    variables_hash_bucket_size {VARIABLES_HASH_BUCKET_SIZE};  # header map variables have long names",
        f"    include {inc('temp-paths.conf')};",
        f"    include {inc('logging/json-access-log.conf')};",
        f"    include {inc('security/server-software.conf')};",
        f"    include {inc('security/real-ip.conf')};",
        f"    include {inc('limits/request-limits.conf')};",
        f"    include {inc('web_performance/static-files.conf')};",
        f"    include {inc('web_performance/compression.conf')};",
        f"    include {inc('web_performance/cache-control-map.conf')};",
        f"    include {inc('security/security-headers-map.conf')};",
        f"    include {inc('rate_limits/zones.conf')};",
        "",
    ]
    addr = f"{spec.listen_address}:" if spec.listen_address else ""
    http_listen = [f"listen {addr}{spec.http_port} default_server;"]
    if spec.listen_ipv6:
        http_listen.append(f"listen [::]:{spec.http_port} default_server;")
    named = [f"server_name {names};", f"root {spec.root};"]
    if spec.tls is None:
        lines += _server(http_listen + named + _server_common() + _site_includes())
        return "\n".join([*lines, "}"]) + "\n"
    tls = spec.tls
    lines += _server(http_listen + named + _server_common() + [f"include {inc('tls/redirect-to-https.conf')};"])
    tls_listen = [f"listen {addr}{tls.port} ssl http2 default_server;"]
    if spec.listen_ipv6:
        tls_listen.append(f"listen [::]:{tls.port} ssl http2 default_server;")
    tls_body = [
        f"ssl_certificate {tls.certificate};",
        f"ssl_certificate_key {tls.certificate_key};",
        f"include {inc('tls/intermediate.conf')};",
    ]
    if tls.resolvers:
        tls_body.append(f"include {inc('tls/ocsp-stapling.conf')};")
    if tls.client_ca_pem is not None:
        tls_body.append(f"include {inc('tls/authenticated-origin-pulls.conf')};")
    lines += ["", *_server(tls_listen + named + tls_body + _server_common() + _site_includes())]
    return "\n".join([*lines, "}"]) + "\n"


def render_nginx(std: Standard, spec: NginxSiteSpec) -> dict[str, str]:
    """All files of the configuration, keyed by path relative to the directory holding ``nginx.conf``."""
    files = {
        "nginx.conf": _main(std, spec),
        inc("mime.types"): _mime_types(),
        inc("temp-paths.conf"): _temp_paths(spec),
        inc("logging/json-access-log.conf"): _access_log(spec),
        inc("security/server-software.conf"): _server_software(),
        inc("security/real-ip.conf"): _real_ip(spec),
        inc("security/security-headers.conf"): _security_headers(std),
        inc("security/security-headers-map.conf"): _security_header_maps(std),
        inc("security/deny-files.conf"): _deny_files(),
        inc("limits/request-limits.conf"): _request_limits(spec),
        inc("web_performance/static-files.conf"): _file_cache(),
        inc("web_performance/compression.conf"): _compression(spec),
        inc("web_performance/cache-control-map.conf"): _cache_control_map(std),
        inc("web_performance/cache-control.conf"): _cache_control_header(),
        inc("rate_limits/zones.conf"): _rate_limit_zones(std),
        inc("location/health.conf"): _health(std),
        inc("location/site.conf"): _site(std),
    }
    if spec.tls is not None:
        files[inc("tls/intermediate.conf")] = _tls_profile()
        host = spec.redirect_host
        assert host is not None  # checked by NginxSiteSpec
        files[inc("tls/redirect-to-https.conf")] = _redirect_to_https(spec.tls, host)
        if spec.tls.resolvers:
            files[inc("tls/ocsp-stapling.conf")] = _ocsp(spec.tls)
        if spec.tls.client_ca_pem is not None:
            files[inc("tls/authenticated-origin-pulls.conf")] = _origin_pulls()
            files[inc(ORIGIN_PULL_CA_FILE)] = spec.tls.client_ca_pem
    return dict(sorted(files.items()))


# ------------------------------------------------------------------------------------------------ structure


_BLOCK = re.compile(r"\blocation\b[^{]*\{")


def locations_missing_headers(files: dict[str, str]) -> list[str]:
    """Locations that set their own ``add_header`` without re-including the security headers.

    Such a location silently drops every server-level header (nginx inherits add_header only when a level
    defines none). Returns ``"file: location …"`` for each offender; empty when the config is safe.
    """
    header_include = inc("security/security-headers.conf")
    offenders = []
    for path, text in files.items():
        code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
        for match in _BLOCK.finditer(code):
            depth, i = 1, match.end()
            while depth and i < len(code):
                depth += {"{": 1, "}": -1}.get(code[i], 0)
                i += 1
            block = code[match.end():i - 1]
            if re.search(r"\badd_header\b", block) and header_include not in block:
                offenders.append(f"{path}: {match.group(0).strip()}")
    return offenders
