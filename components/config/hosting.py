"""`webstack:hosting` — which of the runbook's three deployment options serves the app, and its settings."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from components.config.base import (
    DIGEST_PATTERN,
    VERSION_PATTERN,
    Hostname,
    Ident,
    SafeText,
    StrictModel,
    ip_of_version,
    is_public_address,
)

_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\Z")
_CONTEXT_PATH = re.compile(r"^(\.|[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)\Z")
_IMAGE_NAME = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*\Z")
_LOG_SIZE = re.compile(r"^[1-9]\d{0,4}[kmg]\Z")


def _context_path(value: str) -> str:
    if not _CONTEXT_PATH.match(value) or ".." in value.split("/"):
        raise ValueError("must be a relative path inside the project dir (letters, digits, . _ - /; no '..')")
    return value


def _image_name(value: str) -> str:
    if len(value) > 200 or not _IMAGE_NAME.match(value):
        raise ValueError("must be a Docker repository name like 'example-web' or 'team/web' (lower-case, no tag)")
    return value


def _ip_literal(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError("must be an IP address (nginx must not need DNS to find its resolver)") from None
    return value


def _log_size(value: str) -> str:
    if not _LOG_SIZE.match(value):
        raise ValueError("must be a size like 10m, 512k or 1g")
    return value


def _repo(value: str) -> str:
    if not _REPO.match(value):
        raise ValueError("must be 'owner/name'")
    return value


def _digest(value: str) -> str:
    if not DIGEST_PATTERN.match(value):
        raise ValueError("must be an image digest 'sha256:<64 hex>'")
    return value


def _version(value: str) -> str:
    if not VERSION_PATTERN.match(value):
        raise ValueError("must be a version like 22 or 1.28.0 (no 'latest', no suffix)")
    return value


def _public(version: int):  # type: ignore[no-untyped-def]
    def check(value: str) -> str:
        ip = ip_of_version(value, version, f"must be an IPv{version} address")
        if not is_public_address(ip):
            raise ValueError("must be a public address: Cloudflare cannot proxy to a private, loopback or reserved IP")
        return value

    return check


PublicIPv4 = Annotated[str, AfterValidator(_public(4))]
PublicIPv6 = Annotated[str, AfterValidator(_public(6))]
Version = Annotated[str, AfterValidator(_version)]
Digest = Annotated[str, AfterValidator(_digest)]


class GitRepository(StrictModel):
    type: Literal["github", "gitlab", "bitbucket"] = "github"
    repo: Annotated[str, AfterValidator(_repo)]
    production_branch: Ident = Field("main", alias="productionBranch")


def relative_dir(value: str) -> str:
    parts = value.replace("\\", "/").split("/")
    if value.startswith("/") or ".." in parts or not value.strip():
        raise ValueError("must be a directory relative to the project root, without '..' (e.g. dist)")
    return value


class VercelHosting(StrictModel):
    """Option A (recommended): Vercel. Every default below is what the component registers when the key is absent."""

    project_name: Ident = Field(alias="projectName")
    team_id: Ident | None = Field(None, alias="teamId", description="default: the provider's team (VERCEL_TEAM)")
    node_version: Literal["18.x", "20.x", "22.x", "24.x"] = Field("22.x", alias="nodeVersion")
    install_command: SafeText = Field(
        "npm ci --include=dev", alias="installCommand",
        description="--include=dev because NODE_ENV=production makes npm skip devDependencies, vite among them")
    build_command: SafeText = Field("npm run build", alias="buildCommand")
    output_directory: Ident = Field("dist", alias="outputDirectory")
    git_repository: GitRepository | None = Field(None, alias="gitRepository")
    preview_protection: bool = Field(
        True, alias="previewProtection",
        description="Vercel Authentication (Standard Protection) on preview deployments; false = previews are public")
    clean_urls: bool = Field(False, alias="cleanUrls", description="vercel.json cleanUrls: /about serves about.html")
    trailing_slash: bool = Field(False, alias="trailingSlash", description="vercel.json trailingSlash")
    deployment_dir: (Annotated[SafeText, AfterValidator(relative_dir)] | None) = Field(
        None, alias="deploymentDir",
        description="the directory `vercel build --prod` ran in; its .vercel/output is deployed to production by a "
                    "Vercel Deployment. Default: none (deploy from git or with `vercel deploy --prod`)")

    @field_validator("deployment_dir")
    @classmethod
    def _built(cls, value: str | None) -> str | None:
        if value is not None and not (Path(value) / ".vercel" / "output" / "config.json").is_file():
            raise ValueError("has no .vercel/output/config.json: run `vercel build --prod` in that directory first "
                             "(paths are relative to the Pulumi project directory)")
        return value


class NetlifyHosting(StrictModel):
    """Option B: Netlify (netlify.toml and _headers rendered here; deployed with the Netlify CLI or git)."""

    site_name: Ident = Field(alias="siteName")
    build_command: SafeText = Field("npm run build", alias="buildCommand")
    publish_dir: Ident = Field("dist", alias="publishDir")
    node_version: Version = Field("22", alias="nodeVersion")


def _host_dir(value: str) -> str:
    if not re.fullmatch(r"(/[A-Za-z0-9_.-]+){2,}", value) or ".." in value.split("/"):
        raise ValueError("must be an absolute path at least two levels deep, without '..'")
    return value


class NginxHosting(StrictModel):
    """Option C: the app served by nginx in a hardened Docker container behind Cloudflare.

    Defaults: Node 22 (LTS) to build, nginx 1.28 (stable) alpine to serve, no digest pin (set ``nginxDigest`` to
    pin the exact image), app in the project dir, container ports 8080/8443 published on 80/443, 256 MB, half a
    CPU, ``unless-stopped``, origin TLS from the Cloudflare Origin CA certificate, no OCSP resolver (Origin CA
    certificates carry no OCSP responder), json-file logs rotated at 10 MB × 3 files.
    """

    node_version: Version = Field("22", alias="nodeVersion")
    nginx_version: Version = Field("1.28", alias="nginxVersion")
    nginx_digest: Digest | None = Field(None, alias="nginxDigest")
    app_dir: Annotated[str, AfterValidator(_context_path)] = Field(
        ".", alias="appDir", description="the Vite project (package.json + lockfile), relative to the project dir")
    image_name: Annotated[str, AfterValidator(_image_name)] = Field("webstack-web", alias="imageName")
    origin_ipv4: PublicIPv4 = Field(alias="originIpv4")
    origin_ipv6: PublicIPv6 | None = Field(None, alias="originIpv6")
    http_port: int = Field(8080, alias="httpPort", ge=1024, le=65535)
    https_port: int = Field(8443, alias="httpsPort", ge=1024, le=65535)
    publish_http_port: int = Field(80, alias="publishHttpPort", ge=1, le=65535)
    publish_https_port: int = Field(443, alias="publishHttpsPort", ge=1, le=65535)
    memory_mb: int = Field(256, alias="memoryMb", ge=32, le=65536)
    cpus: float = Field(0.5, ge=0.05, le=64)
    restart: Literal["always", "unless-stopped", "on-failure"] = "unless-stopped"
    origin_tls: bool = Field(True, alias="originTls",
                             description="serve HTTPS with the Cloudflare Origin CA certificate (Full (strict))")
    authenticated_origin_pulls: bool | None = Field(
        None, alias="authenticatedOriginPulls",
        description="origin lockdown: nginx requires Cloudflare's origin-pull client certificate on HTTPS (turn on "
                    "the zone's Authenticated Origin Pulls with it). Default: on for production when the site is "
                    "proxied and originTls is on, else off")
    resolvers: list[Annotated[str, AfterValidator(_ip_literal)]] = Field(
        default_factory=list, max_length=4, description="DNS resolvers (IP literals) for OCSP stapling")
    log_max_size: Annotated[str, AfterValidator(_log_size)] = Field("10m", alias="logMaxSize")
    log_max_files: int = Field(3, alias="logMaxFiles", ge=1, le=100)
    origin_hostnames: list[Hostname] = Field(default_factory=list, alias="originHostnames")
    network_mode: Literal["bridge", "host"] = Field(
        "bridge", alias="networkMode", description="bridge publishes the ports; host binds nginx on listenAddress")
    listen_address: Annotated[str, AfterValidator(_ip_literal)] | None = Field(
        None, alias="listenAddress", description="IP address nginx binds (default: every interface)")
    tls_host_dir: Annotated[str, AfterValidator(_host_dir)] | None = Field(
        None, alias="tlsHostDir",
        description="root-only dir on the Docker host for the origin certificate and key "
                    "(default /var/lib/webstack/<project>-<stack>-web)")

    @model_validator(mode="after")
    def _ports_differ(self) -> NginxHosting:
        if self.http_port == self.https_port:
            raise ValueError("httpPort and httpsPort must differ")
        if self.publish_http_port == self.publish_https_port:
            raise ValueError("publishHttpPort and publishHttpsPort must differ")
        if self.authenticated_origin_pulls and not self.origin_tls:
            raise ValueError("authenticatedOriginPulls needs originTls: client certificates are verified in the TLS "
                             "handshake (turn originTls on, or authenticatedOriginPulls off)")
        return self


class HostingConfig(StrictModel):
    provider: Literal["vercel", "netlify", "nginx"]
    vercel: VercelHosting | None = None
    netlify: NetlifyHosting | None = None
    nginx: NginxHosting | None = None

    @model_validator(mode="after")
    def _selected_present(self) -> HostingConfig:
        if getattr(self, self.provider) is None:
            raise ValueError(f"provider is {self.provider!r} but the '{self.provider}' settings object is missing")
        return self
