"""The self-hosted option's Dockerfile: build the Vite app, serve ``dist/`` from a hardened nginx image.

Pure module. What it fixes in the runbook's Option C:

* ``npm ci --only=production`` left out the devDependencies (Vite itself) that ``npm run build`` needs — the
  build stage installs everything from the lockfile; only ``dist/`` reaches the runtime image, so dev
  dependencies never ship anyway.
* ``node:18-alpine`` / ``nginx:alpine`` floated (and Node 18 is past end of life): both versions come from config,
  the nginx image optionally pinned by digest.
* The runtime ran as root on port 80: it runs as the image's unprivileged ``nginx`` user (uid 101) on 8080/8443
  with the rendered configuration, and declares a JSON-form HEALTHCHECK.
* Nothing gave the build its environment (and ``.dockerignore`` rightly keeps ``.env`` files out): the build
  stage declares one ``ARG`` per variable in ``build_args`` (NODE_ENV and the ``VITE_*`` the bundle compiles in),
  after ``npm ci`` and before ``npm run build``. Docker exposes an ARG to later RUN steps of its stage as an
  environment variable, which is all Vite reads (``process.env``); no ``ENV`` is needed, and none reaches the
  runtime stage. After ``npm ci`` because NODE_ENV=production there would make npm skip the devDependencies.

Base images are build arguments (``NODE_IMAGE``, ``NGINX_IMAGE``) whose defaults are the pinned official images,
so ``docker build`` with no arguments builds what a user deploys while a test (or an air-gapped mirror) substitutes
its own with ``--build-arg NGINX_IMAGE=…``. The rendered nginx configuration is baked into the runtime stage
(``/etc/nginx``, root-owned, read-only to the server); only the origin certificate and key arrive at run time,
in a read-only mount at :data:`TLS_DIR` (see docs/nginx.md).

Stages are rendered one function each; the runtime copies the site from :attr:`DockerfileSpec.dist_stage`, so a
stage between build and runtime is one more function and a changed ``dist_stage``. The build stage ends by
precompressing the built text assets (:mod:`components.render.precompress`) with the stage's own Node.js.

The Docker build context is the Pulumi project directory; ``app_dir`` (the Vite project) and ``config_dir`` (the
rendered nginx tree) are paths inside it. :func:`render_dockerignore` keeps host ``node_modules`` (wrong
platform binaries), ``.env`` files and VCS data out of the context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from components.config.base import DIGEST_PATTERN, VERSION_PATTERN
from components.render.precompress import PRECOMPRESS_FILE

NGINX_UID = 101
"""The ``nginx`` user of the official image (uid 101, gid 101)."""
TLS_DIR = "/etc/nginx/tls"
"""Where the container finds the origin certificate and key: a read-only mount, never part of the image."""
CONF_DIR = "/etc/nginx"
"""Where the rendered configuration is baked into the image (``nginx.conf`` + ``webstack/``)."""

_CONTEXT_PATH = re.compile(r"^(\.|[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)\Z")
_ABS = re.compile(r"^/[A-Za-z0-9._/-]*\Z")
_ARG_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")


def _check_context_path(label: str, value: str) -> None:
    if not _CONTEXT_PATH.fullmatch(value) or ".." in value.split("/"):
        raise ValueError(f"{label} must be a relative path inside the build context without '..', got {value!r}")


@dataclass(frozen=True)
class DockerfileSpec:
    node_version: str = "22"  # current LTS line
    nginx_version: str = "1.28"  # current stable line
    nginx_digest: str | None = None  # sha256:… of the nginx image; pins the exact bytes a tag can no longer move
    app_dir: str = "."  # the Vite project (package.json, package-lock.json), relative to the context
    config_dir: str = "build/nginx"  # the rendered nginx tree (nginx.conf + webstack/), relative to the context
    output_dir: str = "dist"  # what `npm run build` writes, relative to app_dir
    web_root: str = "/usr/share/nginx/html"
    http_port: int = 8080
    https_port: int | None = 8443
    health_path: str = "/healthz"
    build_args: tuple[str, ...] = ()  # names of the build-time variables (values arrive as docker build args)
    dist_stage: str = "build"  # the stage the runtime copies the built site from (``/app/<output_dir>``)
    precompress: bool = True  # write .br/.gz siblings of text assets in the build stage (precompress.mjs)

    def __post_init__(self) -> None:
        for name in self.build_args:
            if not _ARG_NAME.fullmatch(name):
                raise ValueError(f"build arg {name!r} is not an environment variable name")
        if len(set(self.build_args)) != len(self.build_args):
            raise ValueError("build_args must not repeat a name")
        for label in ("node_version", "nginx_version"):
            if not VERSION_PATTERN.match(getattr(self, label)):
                raise ValueError(f"{label} must be a version like 22 or 1.28.0, got {getattr(self, label)!r}")
        if self.nginx_digest is not None and not DIGEST_PATTERN.match(self.nginx_digest):
            raise ValueError("nginx_digest must be sha256:<64 hex>")
        for label in ("app_dir", "config_dir", "output_dir"):
            _check_context_path(label, getattr(self, label))
        if not re.fullmatch(r"[a-z][a-z0-9_-]{0,62}", self.dist_stage):
            raise ValueError(f"dist_stage must be a stage name, got {self.dist_stage!r}")
        if not _ABS.fullmatch(self.web_root) or not _ABS.fullmatch(self.health_path):
            raise ValueError("web_root and health_path must be absolute paths")
        for port in (self.http_port, self.https_port):
            if port is not None and not 1024 <= port <= 65535:
                raise ValueError("container ports must be unprivileged (1024-65535): the server runs as non-root")

    @property
    def nginx_image(self) -> str:
        ref = f"nginx:{self.nginx_version}-alpine"
        return f"{ref}@{self.nginx_digest}" if self.nginx_digest else ref

    @property
    def node_image(self) -> str:
        return f"node:{self.node_version}-alpine"


def _in(app_dir: str, path: str) -> str:
    return path if app_dir == "." else f"{app_dir}/{path}"


def healthcheck_command(spec: DockerfileSpec) -> list[str]:
    """The exec-form health probe (busybox wget ships in the alpine image; no shell, no curl to install)."""
    return ["wget", "-q", "-O", "/dev/null", f"http://127.0.0.1:{spec.http_port}{spec.health_path}"]


BASE_IMAGE_ARGS = ("NODE_IMAGE", "NGINX_IMAGE")
"""The build arguments that choose the base images (defaults: the pinned official images)."""


def _header(spec: DockerfileSpec) -> str:
    by_hand = " --build-arg NAME=value (each ARG of the build stage)" if spec.build_args else ""
    return f"""\
# Rendered by webstack. Build from the Pulumi project directory:
#   docker build -f {spec.config_dir}/Dockerfile{by_hand} .
# The base images are build arguments whose defaults are the pinned official images; override them only to use a
# mirror of the same images (--build-arg NGINX_IMAGE=registry.example/nginx:{spec.nginx_version}-alpine@sha256:…).
ARG NODE_IMAGE={spec.node_image}
ARG NGINX_IMAGE={spec.nginx_image}
"""


def _build_stage(spec: DockerfileSpec) -> str:
    app = spec.app_dir
    build_env = "".join(f"ARG {name}\n" for name in spec.build_args)
    if build_env:
        build_env = ("# The bundle's environment (NODE_ENV, VITE_*), passed as build args; set after `npm ci`, which\n"
                     "# would skip the devDependencies under NODE_ENV=production.\n" + build_env)
    return f"""\
# Stage 1 needs the devDependencies (vite) to build; none of them reach the runtime stage.
FROM ${{NODE_IMAGE}} AS build
WORKDIR /app
COPY {_in(app, "package.json")} {_in(app, "package-lock.json")} ./
RUN npm ci --no-audit --no-fund
COPY {app}/ ./
{build_env}RUN npm run build
{_precompress_steps(spec)}"""


def _precompress_steps(spec: DockerfileSpec) -> str:
    if not spec.precompress:
        return ""
    return f"""\
# Compress the hashed assets once, here, instead of on every request: name.br and name.gz beside each text file,
# sent as they are by nginx (gzip_static; brotli_static where the image has the module). Node's own zlib does it.
COPY {spec.config_dir}/{PRECOMPRESS_FILE} /tmp/{PRECOMPRESS_FILE}
RUN node /tmp/{PRECOMPRESS_FILE} {spec.output_dir}
"""


def _runtime_stage(spec: DockerfileSpec) -> str:
    ports = " ".join(str(p) for p in (spec.http_port, spec.https_port) if p is not None)
    health = ", ".join(f'"{part}"' for part in healthcheck_command(spec))
    tls = ""
    if spec.https_port is not None:
        tls = (f"# The origin certificate and key are not in the image: the container mounts them read-only at "
               f"{TLS_DIR}.\n")
    return f"""\
# Runtime: the static files and the rendered configuration (root-owned, read-only to the server), served as uid
# {NGINX_UID} on unprivileged ports; the container runs with a read-only root filesystem.
FROM ${{NGINX_IMAGE}} AS runtime
COPY --from={spec.dist_stage} /app/{spec.output_dir}/ {spec.web_root}/
COPY {spec.config_dir}/nginx.conf {CONF_DIR}/nginx.conf
COPY {spec.config_dir}/webstack/ {CONF_DIR}/webstack/
{tls}USER {NGINX_UID}:{NGINX_UID}
EXPOSE {ports}
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 CMD [{health}]
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
"""


def render_dockerfile(spec: DockerfileSpec) -> str:
    return "\n".join([_header(spec), _build_stage(spec), _runtime_stage(spec)])


def render_dockerignore(spec: DockerfileSpec) -> str:
    """Context exclusions; BuildKit reads them as ``Dockerfile.dockerignore`` next to the Dockerfile."""
    app = "" if spec.app_dir == "." else spec.app_dir + "/"
    return "\n".join([
        "# Keep secrets, host-built dependencies and VCS data out of the build context.",
        "**/node_modules",
        "**/.env",
        "**/.env.*",
        "**/.git",
        "**/*.pem",
        "**/*.key",
        ".venv",
        ".pulumi",
        f"{app}{spec.output_dir}",
        "",
    ])
