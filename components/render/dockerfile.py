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

The Docker build context is the Pulumi project directory; ``app_dir`` (the Vite project) and ``config_dir`` (the
rendered nginx tree) are paths inside it. :func:`render_dockerignore` keeps host ``node_modules`` (wrong
platform binaries), ``.env`` files and VCS data out of the context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from components.config.base import DIGEST_PATTERN, VERSION_PATTERN

NGINX_UID = 101
"""The ``nginx`` user of the official image (uid 101, gid 101)."""

_CONTEXT_PATH = re.compile(r"^(\.|[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)$")
_ABS = re.compile(r"^/[A-Za-z0-9._/-]*$")
_ARG_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _check_context_path(label: str, value: str) -> None:
    if not _CONTEXT_PATH.match(value) or ".." in value.split("/"):
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

    def __post_init__(self) -> None:
        for name in self.build_args:
            if not _ARG_NAME.match(name):
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
        if not _ABS.match(self.web_root) or not _ABS.match(self.health_path):
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


def render_dockerfile(spec: DockerfileSpec) -> str:
    app = spec.app_dir
    ports = " ".join(str(p) for p in (spec.http_port, spec.https_port) if p is not None)
    health = ", ".join(f'"{part}"' for part in healthcheck_command(spec))
    build_env = "".join(f"ARG {name}\n" for name in spec.build_args)
    if build_env:
        build_env = ("# The bundle's environment (NODE_ENV, VITE_*), passed as build args; set after `npm ci`, which\n"
                     "# would skip the devDependencies under NODE_ENV=production.\n" + build_env)
    by_hand = " --build-arg NAME=value (each ARG below)" if spec.build_args else ""
    return f"""\
# Rendered by webstack. Build from the Pulumi project directory:
#   docker build -f {spec.config_dir}/Dockerfile{by_hand} .
# Stage 1 needs the devDependencies (vite) to build; none of them reach stage 2.
FROM {spec.node_image} AS build
WORKDIR /app
COPY {_in(app, "package.json")} {_in(app, "package-lock.json")} ./
RUN npm ci --no-audit --no-fund
COPY {app}/ ./
{build_env}RUN npm run build

# Stage 2: the static files and the rendered configuration, served as uid {NGINX_UID} on unprivileged ports.
FROM {spec.nginx_image} AS runtime
COPY --from=build /app/{spec.output_dir}/ {spec.web_root}/
COPY {spec.config_dir}/nginx.conf /etc/nginx/nginx.conf
COPY {spec.config_dir}/webstack/ /etc/nginx/webstack/
USER {NGINX_UID}:{NGINX_UID}
EXPOSE {ports}
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 CMD [{health}]
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
"""


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
