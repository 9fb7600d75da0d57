"""``webstack:index:NginxSite`` — the runbook's Option C: the app in a hardened nginx container.

Args say what the user wants (hostnames, canonical host, Supabase URL, header profile and reasoned weakenings,
rate limits, TLS with the origin certificate and key, container limits, base images, the app's source dir); the
component resolves the web-security standard and renders the nginx tree and the Dockerfile itself. The rendered
files are the ``files`` output (relative path → text, known at preview, no secret); the program writes them into
the Docker build context before the image builds (``rendered_dir``, default ``build/<stack>``).

How the configuration reaches a container whose root filesystem is read-only (pulumi-docker's ``uploads`` write
through the archive API at ``/``, which the daemon refuses on a ``read_only`` container):

* the rendered nginx tree is **baked into the image** at build time (it is known then): ``/etc/nginx/nginx.conf``
  and ``/etc/nginx/webstack/``, root-owned and read-only to the server;
* the Origin CA **certificate and private key** never enter an image layer, an environment variable or
  ``docker inspect``: a ``command`` resource (``local.Command``, or ``remote.Command`` over SSH when the Docker host
  is another machine) writes them on the Docker host into ``<tls_host_dir>/tls`` — the key from the command's stdin
  (a Pulumi secret), under ``umask 077``, owned by uid 101, mode 0400, inside a root-only (0700) directory — and
  the container bind-mounts that ``tls`` directory **read-only** at ``/etc/nginx/tls``. A label carries the
  certificate's SHA-256, so a new certificate replaces the container.

Hardening of the ``docker.Container``: read-only root filesystem with tmpfs (noexec, nosuid, nodev, uid 101) for
nginx's temp/cache/run dirs, every capability dropped, ``no-new-privileges``, uid 101, memory (no swap) and CPU
limits, a restart policy, an exec-form healthcheck, rotated json-file logs, and only the configured ports published
(or the host network, bound to ``listen_address``).

Pure helpers below the component (:func:`render_site`, :func:`nginx_site_args_from_config`) keep it thin.
"""

import hashlib
import re
import shlex
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_command as command
import pulumi_docker as docker

from components.config import StackConfig
from components.intent import IntentError, StandardArgs, camel, standard_args_from_config, standard_from_intent
from components.render.dockerfile import (
    NGINX_UID,
    TLS_DIR,
    DockerfileSpec,
    healthcheck_command,
    render_dockerfile,
    render_dockerignore,
)
from components.render.nginx import NginxSiteSpec, TlsSpec, render_nginx, security_headers_revision
from components.render.origin_pull_ca import CLOUDFLARE_ORIGIN_PULL_CA_PEM
from components.render.precompress import PRECOMPRESS_FILE, precompress_script
from components.standard import Standard
from components.standard.env import resolve_env

STATE_DIR = "/tmp"
"""pid and temp dirs: /tmp exists (mode 1777) in the image, so a plain `docker run` works too; a tmpfs here."""
CERT_FILE = "origin.crt"
KEY_FILE = "origin.key"
TMPFS_PATHS = (STATE_DIR, "/var/cache/nginx", "/var/run")
CERT_LABEL = "webstack.origin-certificate-sha256"


class NginxBuildArgArgs(TypedDict):
    """One docker build arg of the image (a variable the Vite build compiles into the bundle)."""

    name: str
    """The variable's name, declared by an ``ARG`` in the Dockerfile's build stage."""
    secret: NotRequired[bool]
    """Register the value as a Pulumi secret (e.g. VITE_SUPABASE_ANON_KEY, public in the bundle but a secret in
    config). Default false."""
    value: NotRequired[pulumi.Input[str] | None]
    """The value. None on a secret = unknown during preview (an offline run that cannot decrypt the stack's
    secrets). Default: none (allowed on a secret only)."""


class NginxSshArgs(TypedDict):
    """How to reach the Docker host over SSH to place the origin certificate and key there."""

    host: str
    """Address of the Docker host (the machine ``DOCKER_HOST=ssh://…`` names)."""
    user: NotRequired[str]
    """Login user; it must be root or the files cannot be given to uid 101. Default ``root``."""
    port: NotRequired[int]
    """SSH port. Default 22."""
    private_key: NotRequired[pulumi.Input[str] | None]
    """The login's private key (PEM, a secret). Default: none (the SSH agent is used)."""


class NginxSiteArgs(TypedDict):
    """Inputs of :class:`NginxSite`: what the site should be. Every default is stated; optional keys may be left
    out. Names follow the package convention (snake_case here, camelCase in other languages)."""

    hostnames: list[str]
    """The names the site answers to, e.g. ``["example.org", "www.example.org"]`` (lower-case DNS names)."""
    origin_address: str
    """How the CDN reaches this origin: its public IP address or DNS name (exported in ``origin_url``)."""
    canonical_host: NotRequired[str]
    """The one name plain HTTP redirects to. Default: the first of ``hostnames``."""
    standard: NotRequired[StandardArgs]
    """The web-security standard the site wants: header profile, CSP extras, HSTS, cross-origin policies, each
    weakening with its ``weakening_reason``, the Supabase URL the app calls, rate limits, the health path and the
    hashed-assets prefix (see ``StandardArgs``). Default: webstack's strict standard, ``/api/*`` and ``/auth/*``
    rate-limited."""
    build_env: NotRequired[list[NginxBuildArgArgs]]
    """The bundle's build-time environment (NODE_ENV, VITE_*), names unique. Default: none."""
    app_dir: NotRequired[str]
    """The Vite project (package.json + lockfile) relative to the build context. Default ``.``."""
    build_context: NotRequired[str]
    """The Docker build context relative to the program's working directory. Default ``.`` (the project dir)."""
    rendered_dir: NotRequired[str]
    """Where the program writes the ``files`` output, relative to the build context (the Dockerfile copies the
    nginx tree from ``<rendered_dir>/nginx``). Default ``build/<stack>``."""
    image_name: NotRequired[str]
    """Local image repository name; the tag is derived from the rendered files. Default ``webstack-web``."""
    node_version: NotRequired[str]
    """Build stage base ``node:<v>-alpine``. Default ``22``."""
    nginx_version: NotRequired[str]
    """Runtime base ``nginx:<v>-alpine``. Default ``1.28``."""
    nginx_digest: NotRequired[str]
    """``sha256:…`` pinning the runtime base image. Default: none (tag only)."""
    brotli_static_module: NotRequired[str]
    """Path of ``ngx_http_brotli_static_module.so`` inside the runtime image, to serve the build's ``.br`` files.
    The official nginx images carry no brotli module (they serve the ``.gz`` files); Debian's nginx with
    ``libnginx-mod-http-brotli-static`` has it at ``/usr/lib/nginx/modules/``. Default: none."""
    tls: NotRequired[bool]
    """Serve HTTPS with the origin certificate (then the certificate and key are required). Default true."""
    origin_certificate_pem: NotRequired[pulumi.Input[str] | None]
    """Origin certificate (PEM), e.g. the Cloudflare Origin CA certificate. Required with ``tls``. Default: none."""
    origin_private_key_pem: NotRequired[pulumi.Input[str] | None]
    """Its private key (PEM). Treated as a secret whatever is passed. Required with ``tls``. Default: none."""
    authenticated_origin_pulls: NotRequired[bool]
    """Origin lockdown: the TLS server requires a client certificate signed by ``origin_pull_ca_pem`` (Cloudflare's
    Authenticated Origin Pulls), so only Cloudflare's edge gets the site; needs ``tls``, and the zone's
    Authenticated Origin Pulls (``tls_client_auth``) on, or every proxied request gets 400. The plain-HTTP health
    endpoint is unaffected. Default false (the stack config turns it on for production, docs/nginx.md)."""
    origin_pull_ca_pem: NotRequired[str]
    """The client CA (PEM, public) for ``authenticated_origin_pulls``, baked into the image beside the config.
    Default: Cloudflare's zone-level origin-pull CA (``components/render/origin_pull_ca.py``)."""
    tls_host_dir: NotRequired[str]
    """Root-only directory on the Docker host holding ``tls/origin.crt`` and ``tls/origin.key``. Default
    ``/var/lib/webstack/<container_name>``."""
    docker_host_ssh: NotRequired[NginxSshArgs]
    """Place the certificate and key over SSH (the Docker host is another machine). Default: on this machine."""
    http_port: NotRequired[int]
    """Container port of the plain-HTTP server (redirect + health). Default 8080."""
    https_port: NotRequired[int]
    """Container port of the TLS server. Default 8443."""
    publish_http_port: NotRequired[int]
    """Host port published for ``http_port`` (bridge network). Default 80."""
    publish_https_port: NotRequired[int]
    """Host port published for ``https_port`` (bridge network). Default 443."""
    network_mode: NotRequired[str]
    """``bridge`` (ports published) or ``host`` (nginx listens on the host's ``listen_address``). Default
    ``bridge``."""
    listen_address: NotRequired[str]
    """IP address nginx binds. Default: none (every interface, as a bridge network needs)."""
    resolvers: NotRequired[list[str]]
    """DNS resolvers (IP literals) for OCSP stapling. Default: none (no stapling)."""
    memory_mb: NotRequired[int]
    """Memory limit in MB (swap disabled). Default 256."""
    cpus: NotRequired[float]
    """CPU limit. Default 0.5."""
    restart: NotRequired[str]
    """Restart policy: always | unless-stopped | on-failure. Default ``unless-stopped``."""
    log_max_size: NotRequired[str]
    """json-file log rotation size. Default ``10m``."""
    log_max_files: NotRequired[int]
    """json-file log files kept. Default 3."""
    tmpfs_size_mb: NotRequired[int]
    """Size of each tmpfs (temp, cache, run). Default 16."""
    container_name: NotRequired[str]
    """Docker container name. Default: the component name."""


class NginxSite(pulumi.ComponentResource):
    """A hardened nginx container serving the built app (see the module doc for every hardening choice)."""

    image_ref: pulumi.Output[str]
    """What the container runs: the image's repo digest when pushed, else its local name:tag."""
    repo_digest: pulumi.Output[str]
    """The image's repo digest (empty for a local, unpushed image)."""
    container_id: pulumi.Output[str]
    """Docker container id."""
    origin_url: pulumi.Output[str]
    """The origin URL the CDN talks to."""
    files: pulumi.Output[dict[str, str]]
    """The rendered files (``nginx/Dockerfile``, ``nginx/nginx.conf``, ``nginx/webstack/…``), relative to
    ``rendered_dir``; no secret among them."""

    def __init__(self, name: str, args: NginxSiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        site = resolve_site(name, args, pulumi.get_stack())  # refuses bad input before anything registers
        super().__init__("webstack:index:NginxSite", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)

        build_args, public_args = _build_args(name, args.get("build_env") or [])
        # Public build args are part of the tag so a changed flag rebuilds and replaces the container; secret ones
        # are left out (a tag is public) - rotate the anon key together with any other change, or taint the image.
        tag = _content_tag(site.files, public_args)
        dockerfile = f"{site.rendered_dir}/nginx/Dockerfile"
        image = docker.Image(
            f"{name}-image",
            image_name=f"{site.image_name}:{tag}",
            # Both paths relative: the provider resolves them against the program's working directory, which is
            # the build context's parent (context "." = the project dir), so every checkout builds the same image.
            build=docker.DockerBuildArgs(context=site.build_context, dockerfile=_join(site.build_context, dockerfile),
                                         args=build_args or None),
            skip_push=True,
            build_on_preview=False,
            opts=child,
        )
        self.repo_digest = image.repo_digest.apply(lambda d: d or "")
        self.image_ref = pulumi.Output.all(image.repo_digest, image.image_name).apply(
            lambda parts: parts[0] or parts[1])

        depends: list[pulumi.Resource] = [image]
        volumes: list[docker.ContainerVolumeArgs] = []
        labels = [docker.ContainerLabelArgs(label="webstack.site", value=name)]
        if site.tls:
            cert = pulumi.Output.from_input(args.get("origin_certificate_pem"))
            key = pulumi.Output.secret(args.get("origin_private_key_pem"))
            placed = _place_tls_files(name, site, cert, key, args.get("docker_host_ssh"), child)
            depends.append(placed)
            volumes.append(docker.ContainerVolumeArgs(host_path=f"{site.tls_host_dir}/tls", container_path=TLS_DIR,
                                                      read_only=True))
            labels.append(docker.ContainerLabelArgs(
                label=CERT_LABEL, value=cert.apply(lambda pem: hashlib.sha256((pem or "").encode()).hexdigest())))

        tmpfs_opts = (f"rw,noexec,nosuid,nodev,size={site.tmpfs_size_mb}m,uid={NGINX_UID},gid={NGINX_UID},"
                      "mode=0700")
        host_network = site.network_mode == "host"
        ports = None
        if not host_network:
            ports = [docker.ContainerPortArgs(internal=site.http_port, external=site.publish_http_port)]
            if site.tls:
                ports.append(docker.ContainerPortArgs(internal=site.https_port, external=site.publish_https_port))
        container = docker.Container(
            f"{name}-container",
            name=site.container_name,
            image=self.image_ref,
            command=["nginx", "-g", "daemon off;"],
            user=f"{NGINX_UID}:{NGINX_UID}",
            read_only=True,
            tmpfs={path: tmpfs_opts for path in TMPFS_PATHS},
            capabilities=docker.ContainerCapabilitiesArgs(drops=["ALL"]),
            security_opts=["no-new-privileges:true"],
            memory=site.memory_mb,
            memory_swap=site.memory_mb,
            cpus=str(site.cpus),
            restart=site.restart,
            healthcheck=docker.ContainerHealthcheckArgs(
                tests=["CMD", *healthcheck_command(site.dockerfile)],
                interval="30s", timeout="3s", retries=3, start_period="10s"),
            log_driver="json-file",
            log_opts={"max-size": site.log_max_size, "max-file": str(site.log_max_files)},
            network_mode="host" if host_network else None,
            ports=ports,
            volumes=volumes or None,
            labels=labels,
            must_run=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )
        self.container_id = container.id
        self.origin_url = pulumi.Output.from_input(site.origin_url)
        self.files = pulumi.Output.from_input(site.files)
        self.register_outputs({"imageRef": self.image_ref, "repoDigest": self.repo_digest,
                               "containerId": self.container_id, "originUrl": self.origin_url, "files": self.files})


def _place_tls_files(name: str, site: "ResolvedSite", cert: pulumi.Output[Any], key: pulumi.Output[Any],
                     ssh: NginxSshArgs | None, opts: pulumi.ResourceOptions) -> pulumi.Resource:
    """The setup step writing the certificate and key on the Docker host (see :func:`tls_setup_script`)."""
    create, delete = tls_setup_script(site.tls_host_dir), tls_teardown_script(site.tls_host_dir)
    environment = {"ORIGIN_CERTIFICATE_PEM": cert}
    # Replace (re-run) whenever the certificate or key changes; the key is a secret in the triggers too.
    triggers = [cert, key]
    if ssh is None:
        return command.local.Command(f"{name}-origin-tls", create=create, delete=delete, stdin=key,
                                     environment=environment, triggers=triggers, opts=opts)
    private_key = ssh.get("private_key")
    connection = command.remote.ConnectionArgs(
        host=ssh["host"], user=ssh.get("user", "root"), port=int(ssh.get("port", 22)),
        private_key=None if private_key is None else pulumi.Output.secret(private_key))
    return command.remote.Command(f"{name}-origin-tls", connection=connection, create=create, delete=delete,
                                  stdin=key, environment=environment, triggers=triggers, opts=opts)


def tls_setup_script(base: str) -> str:
    """POSIX sh run on the Docker host: the key from stdin, the certificate from ``$ORIGIN_CERTIFICATE_PEM``.

    ``base`` is root-only (0700), so no host user - uid 101 there may be anyone - reaches the key; inside it
    ``tls/`` (0500) and the key (0400) belong to uid 101, the container's nginx, which reads them through the
    read-only bind mount of ``base/tls``. Files are written under ``umask 077`` and renamed into place.
    """
    q = shlex.quote(base)
    return "\n".join([
        "set -eu",
        "umask 077",
        '[ "$(id -u)" = 0 ] || { echo "placing the origin key needs root on the Docker host" >&2; exit 1; }',
        f"base={q}",
        'mkdir -p "$base/tls"',
        'chown 0:0 "$base" && chmod 0700 "$base"',
        'cat > "$base/tls/.origin.key.new"',
        "printf '%s\\n' \"$ORIGIN_CERTIFICATE_PEM\" > \"$base/tls/.origin.crt.new\"",
        f'chown {NGINX_UID}:{NGINX_UID} "$base/tls/.origin.key.new" "$base/tls/.origin.crt.new"',
        'chmod 0400 "$base/tls/.origin.key.new" && chmod 0444 "$base/tls/.origin.crt.new"',
        f'mv -f "$base/tls/.origin.key.new" "$base/tls/{KEY_FILE}"',
        f'mv -f "$base/tls/.origin.crt.new" "$base/tls/{CERT_FILE}"',
        f'chown {NGINX_UID}:{NGINX_UID} "$base/tls" && chmod 0500 "$base/tls"',
        "",
    ])


def tls_teardown_script(base: str) -> str:
    return f"set -eu\nbase={shlex.quote(base)}\nrm -rf -- \"$base/tls\"\nrmdir -- \"$base\" 2>/dev/null || true\n"


def _join(context: str, path: str) -> str:
    return path if context == "." else f"{context}/{path}"


def _content_tag(files: dict[str, str], build_args: dict[str, str]) -> str:
    """A tag that changes whenever the rendered files or the public build args do (never ``latest``)."""
    digest = hashlib.sha256()
    for rel, content in sorted(files.items()):
        digest.update(rel.encode() + b"\0" + content.encode() + b"\0")
    for arg, value in sorted(build_args.items()):
        digest.update(b"\1" + arg.encode() + b"\0" + value.encode())
    return "webstack-" + digest.hexdigest()[:12]


def _build_args(site: str, entries: list[NginxBuildArgArgs]) -> tuple[dict[str, pulumi.Input[str]], dict[str, str]]:
    """(every build arg, the plain-text ones) - secrets wrapped as Pulumi secrets, unknown ones as unknown."""
    every: dict[str, pulumi.Input[str]] = {}
    public: dict[str, str] = {}
    for entry in entries:
        arg, value = entry["name"], entry.get("value")
        if arg in every:
            raise _problem(site, "build_env", f"{arg} is given twice")
        if entry.get("secret", False):
            every[arg] = _unknown_secret() if value is None else pulumi.Output.secret(value)
        elif value is None:
            raise _problem(site, "build_env", f"{arg} needs a value unless it is secret")
        else:
            every[arg] = value
            if isinstance(value, str):
                public[arg] = value
    return every, public


async def _resolved(value: Any) -> Any:
    return value


def _unknown_secret() -> pulumi.Output[str]:
    """A secret whose value is unknown, as a preview shows a value it cannot decrypt."""
    return pulumi.Output(set(), _resolved(None), _resolved(False), _resolved(True))


# ------------------------------------------------------------------------------------------------ pure helpers

_IP_OR_NAME = re.compile(r"[A-Za-z0-9.:-]{1,253}")
_REL_DIR = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
_HOST_DIR = re.compile(r"/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
_IMAGE_NAME = re.compile(r"[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*")
_CONTAINER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}")


@dataclass(frozen=True)
class ResolvedSite:
    """The component's args with every default applied and checked, and what is rendered from them."""

    std: Standard
    spec: NginxSiteSpec
    dockerfile: DockerfileSpec
    files: dict[str, str]
    tls: bool
    origin_url: str
    build_context: str
    rendered_dir: str
    image_name: str
    tls_host_dir: str
    container_name: str
    network_mode: str
    http_port: int
    https_port: int
    publish_http_port: int
    publish_https_port: int
    memory_mb: int
    cpus: float
    restart: str
    log_max_size: str
    log_max_files: int
    tmpfs_size_mb: int


def _problem(site: str, key: str, error: Exception | str) -> IntentError:
    """A bad input, named as another language (and the schema) spells it: ``origin_address`` → ``originAddress``."""
    return IntentError(f"NginxSite {site}", [("/".join(camel(part) for part in key.split("/")), str(error))])


def resolve_site(name: str, args: NginxSiteArgs, stack: str) -> ResolvedSite:
    """Apply defaults, check every arg (errors name the arg), resolve the standard and render the files."""
    std = standard_from_intent(args.get("standard"), f"NginxSite {name}")
    tls = bool(args.get("tls", True))
    if tls and (args.get("origin_certificate_pem") is None or args.get("origin_private_key_pem") is None):
        raise _problem(name, "origin_certificate_pem/origin_private_key_pem",
                       "tls is on but the certificate or key is missing (pass the Cloudflare Origin CA certificate "
                       "and key, or set tls: false)")
    origin_pulls = bool(args.get("authenticated_origin_pulls", False))
    if origin_pulls and not tls:
        raise _problem(name, "authenticated_origin_pulls", "needs tls: client certificates are verified in the TLS "
                       "handshake (turn tls on, or this off)")
    origin = args["origin_address"]
    if not _IP_OR_NAME.fullmatch(origin):
        raise _problem(name, "origin_address", "must be an IP address or a DNS name")
    build_context = args.get("build_context", ".")
    rendered_dir = args.get("rendered_dir", f"build/{stack}")
    for key, value in (("build_context", build_context), ("rendered_dir", rendered_dir)):
        if value != "." and (not _REL_DIR.fullmatch(value) or ".." in value.split("/")):
            raise _problem(name, key, "must be a relative path without '..' (it is part of the image's identity)")
    container_name = args.get("container_name", name)
    if not _CONTAINER_NAME.fullmatch(container_name):
        raise _problem(name, "container_name", "must be a Docker container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)")
    image_name = args.get("image_name", "webstack-web")
    if not _IMAGE_NAME.fullmatch(image_name):
        raise _problem(name, "image_name", "must be a lower-case repository name without a tag")
    tls_host_dir = args.get("tls_host_dir", f"/var/lib/webstack/{container_name}")
    if not _HOST_DIR.fullmatch(tls_host_dir) or ".." in tls_host_dir.split("/") or tls_host_dir.count("/") < 2:
        raise _problem(name, "tls_host_dir", "must be an absolute path at least two levels deep, without '..'")
    network_mode = args.get("network_mode", "bridge")
    if network_mode not in ("bridge", "host"):
        raise _problem(name, "network_mode", "must be bridge or host")
    restart = args.get("restart", "unless-stopped")
    if restart not in ("always", "unless-stopped", "on-failure"):
        raise _problem(name, "restart", "must be always, unless-stopped or on-failure")
    http_port, https_port = int(args.get("http_port", 8080)), int(args.get("https_port", 8443))
    publish_http, publish_https = int(args.get("publish_http_port", 80)), int(args.get("publish_https_port", 443))
    memory, cpus = int(args.get("memory_mb", 256)), float(args.get("cpus", 0.5))
    if not 32 <= memory <= 65536:
        raise _problem(name, "memory_mb", "must be 32..65536")
    if not 0.05 <= cpus <= 64:
        raise _problem(name, "cpus", "must be 0.05..64")
    tmpfs_size = int(args.get("tmpfs_size_mb", 16))
    if not 1 <= tmpfs_size <= 1024:
        raise _problem(name, "tmpfs_size_mb", "must be 1..1024")
    log_max_size = args.get("log_max_size", "10m")
    if not re.fullmatch(r"[1-9][0-9]{0,5}[kmg]", log_max_size):
        raise _problem(name, "log_max_size", "must look like 10m, 512k or 1g")
    log_max_files = int(args.get("log_max_files", 3))
    try:
        tls_spec = None
        if tls:
            tls_spec = TlsSpec(certificate=f"{TLS_DIR}/{CERT_FILE}", certificate_key=f"{TLS_DIR}/{KEY_FILE}",
                               port=https_port, public_port=publish_https if network_mode == "bridge" else https_port,
                               resolvers=tuple(args.get("resolvers") or ()),
                               client_ca_pem=args.get("origin_pull_ca_pem", CLOUDFLARE_ORIGIN_PULL_CA_PEM)
                               if origin_pulls else None)
        hostnames = tuple(args["hostnames"])
        spec = NginxSiteSpec(server_names=hostnames, canonical_host=args.get("canonical_host", hostnames[0]),
                             http_port=http_port, tls=tls_spec, state_dir=STATE_DIR,
                             listen_address=args.get("listen_address"),
                             brotli_static_module=args.get("brotli_static_module"))
        df = DockerfileSpec(node_version=args.get("node_version", "22"),
                            nginx_version=args.get("nginx_version", "1.28"),
                            nginx_digest=args.get("nginx_digest"), app_dir=args.get("app_dir", "."),
                            config_dir=f"{rendered_dir}/nginx", http_port=http_port,
                            https_port=https_port if tls else None, health_path=std.health_path,
                            build_args=tuple(e["name"] for e in args.get("build_env") or []))
    except (ValueError, IndexError) as exc:
        raise _problem(name, "args", exc) from None
    files = {f"nginx/{rel}": content for rel, content in render_nginx(std, spec).items()}
    files[f"nginx/{PRECOMPRESS_FILE}"] = precompress_script(security_headers_revision(std))
    files["nginx/Dockerfile"] = render_dockerfile(df)
    files["nginx/Dockerfile.dockerignore"] = render_dockerignore(df)
    if tls:
        port = "" if tls_spec is None or tls_spec.public_port == 443 else f":{tls_spec.public_port}"
        origin_url = f"https://{origin}{port}"
    else:
        public = publish_http if network_mode == "bridge" else http_port
        origin_url = f"http://{origin}" + ("" if public == 80 else f":{public}")
    return ResolvedSite(
        std=std, spec=spec, dockerfile=df, files=dict(sorted(files.items())), tls=tls, origin_url=origin_url,
        build_context=build_context, rendered_dir=rendered_dir, image_name=image_name, tls_host_dir=tls_host_dir,
        container_name=container_name, network_mode=network_mode, http_port=http_port, https_port=https_port,
        publish_http_port=publish_http, publish_https_port=publish_https, memory_mb=memory, cpus=cpus,
        restart=restart, log_max_size=log_max_size, log_max_files=log_max_files, tmpfs_size_mb=tmpfs_size)


def bundle_env(cfg: StackConfig) -> tuple[dict[str, str], dict[str, str | None]]:
    """(public, secret) build-time environment of the Vite bundle: NODE_ENV and every ``VITE_*`` variable.

    Secret here means held as a Pulumi secret (the anon key; None when an offline run cannot decrypt it). Other
    variables stay out: the build only needs what Vite compiles in, and a build arg shows in the image history.
    """
    public: dict[str, str] = {}
    secret: dict[str, str | None] = {}
    for var in resolve_env(cfg):
        if var.name != "NODE_ENV" and not var.browser:
            continue
        if var.secret:
            secret[var.name] = var.value
        elif var.value is not None:
            public[var.name] = var.value
    return public, secret


def nginx_site_args_from_config(cfg: StackConfig, *, tls: bool, certificate: Any = None,
                                private_key: Any = None) -> NginxSiteArgs:
    """One way to fill :class:`NginxSiteArgs`: from the stack config (``webstack:hosting.nginx`` and friends)."""
    nginx = _nginx_cfg(cfg)
    public_env, secret_env = bundle_env(cfg)
    args: NginxSiteArgs = {
        "hostnames": list(cfg.hostnames),
        "canonical_host": cfg.canonical_hostname,
        "origin_address": str(nginx.origin_ipv4),
        "standard": standard_args_from_config(cfg),
        "build_env": [*(NginxBuildArgArgs(name=k, value=v) for k, v in public_env.items()),
                      *(NginxBuildArgArgs(name=k, value=v, secret=True) for k, v in secret_env.items())],
        "app_dir": nginx.app_dir,
        "image_name": nginx.image_name,
        "node_version": nginx.node_version,
        "nginx_version": nginx.nginx_version,
        "tls": tls,
        "authenticated_origin_pulls": tls and cfg.nginx_origin_pulls,
        "http_port": nginx.http_port,
        "https_port": nginx.https_port,
        "publish_http_port": nginx.publish_http_port,
        "publish_https_port": nginx.publish_https_port,
        "memory_mb": nginx.memory_mb,
        "cpus": nginx.cpus,
        "restart": nginx.restart,
        "log_max_size": nginx.log_max_size,
        "log_max_files": nginx.log_max_files,
        "container_name": f"{cfg.project}-{cfg.stack}-web",
    }
    if nginx.nginx_digest:
        args["nginx_digest"] = nginx.nginx_digest
    if nginx.resolvers:
        args["resolvers"] = list(nginx.resolvers)
    for key, attr in (("network_mode", "network_mode"), ("listen_address", "listen_address"),
                      ("tls_host_dir", "tls_host_dir")):
        value = getattr(nginx, attr, None)
        if value is not None:
            args[key] = value  # type: ignore[literal-required]
    if tls:
        args["origin_certificate_pem"] = certificate
        args["origin_private_key_pem"] = private_key
    return args


_PLACEHOLDER_PEM = "-----BEGIN CERTIFICATE-----\nplaceholder\n-----END CERTIFICATE-----\n"


def render_site_files(cfg: StackConfig, *, tls: bool) -> dict[str, str]:
    """The files the component renders for ``cfg`` (no certificate needed: only the paths it is read from)."""
    args = nginx_site_args_from_config(cfg, tls=tls, certificate=_PLACEHOLDER_PEM, private_key=_PLACEHOLDER_PEM)
    return resolve_site("web", args, cfg.stack).files


def _nginx_cfg(cfg: StackConfig) -> Any:
    if cfg.hosting.nginx is None:
        raise ValueError("webstack:hosting.nginx is not configured")
    return cfg.hosting.nginx
