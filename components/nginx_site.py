"""``webstack:index:NginxSite`` — the runbook's Option C: the app in a hardened nginx container.

A ``docker.Image`` built from the rendered Dockerfile (multi-stage: Node builds, nginx serves) and a
``docker.Container`` that a reviewer can sign off: read-only root filesystem with tmpfs for nginx's temp/cache/run
dirs, every capability dropped, ``no-new-privileges``, uid 101, memory and CPU limits, a restart policy, a
healthcheck, rotated json-file logs and only the configured ports published.

The rendered nginx tree and the origin certificate/key are uploaded into a small Docker volume mounted at
``runtimeDir`` (Docker refuses to copy files into a read-only root filesystem outside a mount), and nginx runs
with ``-c <runtimeDir>/nginx.conf``: what the policy pack reads from the Container's ``uploads`` is exactly what
serves. The private key stays a Pulumi secret end to end.

The Vite bundle compiles its environment in at build time, so NODE_ENV and every ``VITE_*`` variable reach the
image build as docker build args (declared by ``ARG`` in the build stage only). The Supabase anon key is public in
the bundle by nature but a Pulumi secret in config: it goes in as a secret build arg and stays secret in state.

Pure helpers (:func:`nginx_site_spec`, :func:`dockerfile_spec`, :func:`render_site_files`,
:func:`nginx_site_args_from_config`) turn the stack config into the component's args; the component is thin.
"""

import hashlib
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_docker as docker

from components.artifacts import artifacts_root
from components.config import StackConfig
from components.render.dockerfile import (
    NGINX_UID,
    DockerfileSpec,
    healthcheck_command,
    render_dockerfile,
    render_dockerignore,
)
from components.render.nginx import NginxSiteSpec, TlsSpec, render_nginx
from components.standard import Standard
from components.standard.env import resolve_env

RUNTIME_DIR = "/etc/nginx/runtime"
"""Where the rendered configuration and the origin certificate are uploaded (a volume; see module doc)."""
STATE_DIR = "/tmp"
"""pid and temp dirs: /tmp exists (mode 1777) in the image, so a plain `docker run` works too; a tmpfs here."""
CERT_FILE = "tls/origin.crt"
KEY_FILE = "tls/origin.key"


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


class NginxSiteArgs(TypedDict):
    """Inputs of :class:`NginxSite`. Every default is stated; optional keys may be left out."""

    imageName: str
    """Local image repository name, e.g. ``example-web``; the tag is derived from the rendered files."""
    buildContext: str
    """Docker build context (the Pulumi project dir, holding the app and the rendered nginx tree)."""
    dockerfile: str
    """Path of the rendered Dockerfile."""
    nginxConfig: dict[str, str]
    """The rendered nginx tree (path relative to nginx.conf → content), uploaded into ``runtimeDir``."""
    originUrl: str
    """How the CDN reaches this origin, e.g. ``https://203.0.113.10`` (exported as an output)."""
    buildArgs: NotRequired[list[NginxBuildArgArgs]]
    """Docker build args: the bundle's environment (NODE_ENV, VITE_*), names unique. Default: none."""
    runtimeDir: NotRequired[str]
    """Mount point of the volume holding config and certificate. Default ``/etc/nginx/runtime``."""
    httpPort: NotRequired[int]
    """Container port of the plain-HTTP server (redirect + health). Default 8080."""
    httpsPort: NotRequired[int]
    """Container port of the TLS server. Default 8443."""
    publishHttpPort: NotRequired[int]
    """Host port published for ``httpPort``. Default 80."""
    publishHttpsPort: NotRequired[int]
    """Host port published for ``httpsPort``. Default 443."""
    tls: NotRequired[bool]
    """Whether the rendered config serves TLS (then the certificate and key are required). Default True."""
    originCertificatePem: NotRequired[pulumi.Input[str] | None]
    """Origin certificate (PEM), e.g. the Cloudflare Origin CA certificate. Required when ``tls``. Default: none."""
    originPrivateKeyPem: NotRequired[pulumi.Input[str] | None]
    """Its private key (PEM). Treated as a secret whatever is passed. Required when ``tls``. Default: none."""
    memoryMb: NotRequired[int]
    """Memory limit in MB (swap disabled). Default 256."""
    cpus: NotRequired[float]
    """CPU limit. Default 0.5."""
    restart: NotRequired[str]
    """Restart policy: always | unless-stopped | on-failure. Default ``unless-stopped``."""
    healthPath: NotRequired[str]
    """Health endpoint on ``httpPort``. Default ``/healthz``."""
    logMaxSize: NotRequired[str]
    """json-file log rotation size. Default ``10m``."""
    logMaxFiles: NotRequired[int]
    """json-file log files kept. Default 3."""
    tmpfsSizeMb: NotRequired[int]
    """Size of each tmpfs (temp, cache, run). Default 16."""
    containerName: NotRequired[str]
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

    def __init__(self, name: str, args: NginxSiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("webstack:index:NginxSite", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        runtime_dir = args.get("runtimeDir", RUNTIME_DIR)
        http_port = int(args.get("httpPort", 8080))
        https_port = int(args.get("httpsPort", 8443))
        tls = bool(args.get("tls", True))
        files: dict[str, str] = dict(args["nginxConfig"])
        if "nginx.conf" not in files:
            raise ValueError(f"NginxSite {name}: nginxConfig must contain nginx.conf")
        cert, key = args.get("originCertificatePem"), args.get("originPrivateKeyPem")
        if tls and (cert is None or key is None):
            raise ValueError(f"NginxSite {name}: tls is on but originCertificatePem/originPrivateKeyPem are missing "
                             "(pass the Cloudflare Origin CA certificate and key, or set tls: false)")

        build_args, public_args = _build_args(name, args.get("buildArgs") or [])

        # Public build args are part of the tag so a changed flag rebuilds and replaces the container; secret ones
        # are left out (a tag is public) - rotate the anon key together with any other change, or taint the image.
        tag = _content_tag(files, args["dockerfile"], public_args)
        image = docker.Image(
            f"{name}-image",
            image_name=f"{args['imageName']}:{tag}",
            build=docker.DockerBuildArgs(context=args["buildContext"], dockerfile=args["dockerfile"],
                                         args=build_args or None),
            skip_push=True,
            build_on_preview=False,
            opts=child,
        )
        volume = docker.Volume(f"{name}-runtime", labels=[docker.VolumeLabelArgs(label="webstack.site", value=name)],
                               opts=child)

        uploads: list[docker.ContainerUploadArgs] = [
            docker.ContainerUploadArgs(file=f"{runtime_dir}/{rel}", content=content, permissions="0444")
            for rel, content in sorted(files.items())
        ]
        if tls:
            uploads.append(docker.ContainerUploadArgs(file=f"{runtime_dir}/{CERT_FILE}", content=cert,
                                                      permissions="0444"))
            uploads.append(docker.ContainerUploadArgs(
                file=f"{runtime_dir}/{KEY_FILE}", content=pulumi.Output.secret(key), permissions="0400",
                owner=str(NGINX_UID), group=str(NGINX_UID)))

        self.repo_digest = image.repo_digest.apply(lambda d: d or "")
        self.image_ref = pulumi.Output.all(image.repo_digest, image.image_name).apply(
            lambda parts: parts[0] or parts[1])
        tmpfs_size = int(args.get("tmpfsSizeMb", 16))
        tmpfs_opts = f"rw,noexec,nosuid,nodev,size={tmpfs_size}m,uid={NGINX_UID},gid={NGINX_UID},mode=0700"
        memory = int(args.get("memoryMb", 256))
        health_path = args.get("healthPath", "/healthz")
        ports = [docker.ContainerPortArgs(internal=http_port, external=int(args.get("publishHttpPort", 80)))]
        if tls:
            ports.append(docker.ContainerPortArgs(internal=https_port, external=int(args.get("publishHttpsPort", 443))))
        container = docker.Container(
            f"{name}-container",
            name=args.get("containerName", name),
            image=self.image_ref,
            command=["nginx", "-c", f"{runtime_dir}/nginx.conf", "-g", "daemon off;"],
            user=f"{NGINX_UID}:{NGINX_UID}",
            read_only=True,
            tmpfs={STATE_DIR: tmpfs_opts, "/var/cache/nginx": tmpfs_opts, "/var/run": tmpfs_opts},
            capabilities=docker.ContainerCapabilitiesArgs(drops=["ALL"]),
            security_opts=["no-new-privileges:true"],
            memory=memory,
            memory_swap=memory,
            cpus=str(args.get("cpus", 0.5)),
            restart=args.get("restart", "unless-stopped"),
            healthcheck=docker.ContainerHealthcheckArgs(
                tests=["CMD", *healthcheck_command(DockerfileSpec(http_port=http_port, health_path=health_path))],
                interval="30s", timeout="3s", retries=3, start_period="10s"),
            log_driver="json-file",
            log_opts={"max-size": args.get("logMaxSize", "10m"), "max-file": str(args.get("logMaxFiles", 3))},
            ports=ports,
            volumes=[docker.ContainerVolumeArgs(volume_name=volume.name, container_path=runtime_dir)],
            uploads=uploads,
            must_run=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[image, volume]),
        )
        self.container_id = container.id
        self.origin_url = pulumi.Output.from_input(args["originUrl"])
        self.register_outputs({"imageRef": self.image_ref, "repoDigest": self.repo_digest,
                               "containerId": self.container_id, "originUrl": self.origin_url})


def _content_tag(files: dict[str, str], dockerfile: str, build_args: dict[str, str]) -> str:
    """A tag that changes whenever the rendered files or the public build args do (never ``latest``)."""
    digest = hashlib.sha256()
    for rel, content in sorted(files.items()):
        digest.update(rel.encode() + b"\0" + content.encode() + b"\0")
    digest.update(dockerfile.encode())
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
            raise ValueError(f"NginxSite {site}: build arg {arg} is given twice")
        if entry.get("secret", False):
            every[arg] = _unknown_secret() if value is None else pulumi.Output.secret(value)
        elif value is None:
            raise ValueError(f"NginxSite {site}: build arg {arg} needs a value unless it is secret")
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


def nginx_site_spec(cfg: StackConfig, *, tls: bool) -> NginxSiteSpec:
    """The container's nginx parameters for ``cfg`` (paths inside the image)."""
    nginx = _nginx_cfg(cfg)
    tls_spec = None
    if tls:
        tls_spec = TlsSpec(certificate=f"{RUNTIME_DIR}/{CERT_FILE}", certificate_key=f"{RUNTIME_DIR}/{KEY_FILE}",
                           port=nginx.https_port, public_port=nginx.publish_https_port,
                           resolvers=tuple(nginx.resolvers))
    # No [::] listener even with originIpv6: Docker publishes host IPv6 ports to the container's IPv4 address, and
    # containers on default networks have IPv6 disabled, where binding [::] would stop nginx from starting.
    return NginxSiteSpec(server_names=tuple(cfg.hostnames), canonical_host=cfg.canonical_hostname,
                         http_port=nginx.http_port, tls=tls_spec, state_dir=STATE_DIR)


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


def _nginx_tree(stack: str, project_dir: Path | None) -> tuple[Path, Path]:
    project = (project_dir or Path.cwd()).resolve()
    root = artifacts_root(stack)
    return project, (root if root.is_absolute() else project / root).resolve() / "nginx"


def docker_context(stack: str, project_dir: Path | None = None) -> str:
    """Where the Dockerfile copies the rendered nginx tree from, relative to the build context (the project dir,
    default the cwd, as under Pulumi): ``artifacts_root(stack)/nginx``, the dir :func:`materialize` writes.

    An artifacts dir outside the project (stackcheck's scratch or ``--out`` dir in an offline preview) cannot be
    copied from: the Dockerfile then names ``build/<stack>/nginx``, where a default deploy writes the tree, and
    :func:`require_buildable_context` refuses a real deployment.
    """
    project, tree = _nginx_tree(stack, project_dir)
    return tree.relative_to(project).as_posix() if tree.is_relative_to(project) else f"build/{stack}/nginx"


def require_buildable_context(stack: str, project_dir: Path | None = None) -> None:
    """Raise unless the rendered nginx tree lands inside the Docker build context (needed to really build)."""
    project, tree = _nginx_tree(stack, project_dir)
    if not tree.is_relative_to(project):
        raise ValueError(f"the artifacts dir ($WEBSTACK_ARTIFACTS_DIR) must lie inside the project dir {project}: "
                         "it holds the nginx configuration the Docker build copies from its context")


def dockerfile_spec(cfg: StackConfig, std: Standard, *, tls: bool, config_dir: str | None = None) -> DockerfileSpec:
    """``config_dir``: the rendered tree inside the build context; default from :func:`docker_context`."""
    nginx = _nginx_cfg(cfg)
    public, secret = bundle_env(cfg)
    return DockerfileSpec(node_version=nginx.node_version, nginx_version=nginx.nginx_version,
                          nginx_digest=nginx.nginx_digest, app_dir=nginx.app_dir,
                          config_dir=config_dir or docker_context(cfg.stack), http_port=nginx.http_port,
                          https_port=nginx.https_port if tls else None, health_path=std.health_path,
                          build_args=(*public, *secret))


def render_site_files(cfg: StackConfig, std: Standard, *, tls: bool, config_dir: str | None = None) -> dict[str, str]:
    """Everything the self-hosted option renders, keyed by artifact path (``nginx/…``)."""
    df = dockerfile_spec(cfg, std, tls=tls, config_dir=config_dir)
    files = {f"nginx/{rel}": content for rel, content in render_nginx(std, nginx_site_spec(cfg, tls=tls)).items()}
    files["nginx/Dockerfile"] = render_dockerfile(df)
    files["nginx/Dockerfile.dockerignore"] = render_dockerignore(df)
    return files


def nginx_site_args_from_config(cfg: StackConfig, std: Standard, files: dict[str, str], *, build_context: str,
                                dockerfile: str, tls: bool, certificate: Any = None,
                                private_key: Any = None) -> NginxSiteArgs:
    """Args for :class:`NginxSite` from the stack config and the files :func:`render_site_files` returned."""
    nginx = _nginx_cfg(cfg)
    conf = {rel[len("nginx/"):]: content for rel, content in files.items()
            if rel.startswith("nginx/") and not rel.startswith("nginx/Dockerfile")}
    port = "" if nginx.publish_https_port == 443 else f":{nginx.publish_https_port}"
    scheme = "https" if tls else "http"
    if not tls:
        port = "" if nginx.publish_http_port == 80 else f":{nginx.publish_http_port}"
    public_env, secret_env = bundle_env(cfg)
    args: NginxSiteArgs = {
        "imageName": nginx.image_name,
        "buildContext": build_context,
        "dockerfile": dockerfile,
        "nginxConfig": conf,
        "originUrl": f"{scheme}://{nginx.origin_ipv4}{port}",
        "buildArgs": [*(NginxBuildArgArgs(name=k, value=v) for k, v in public_env.items()),
                      *(NginxBuildArgArgs(name=k, value=v, secret=True) for k, v in secret_env.items())],
        "httpPort": nginx.http_port,
        "httpsPort": nginx.https_port,
        "publishHttpPort": nginx.publish_http_port,
        "publishHttpsPort": nginx.publish_https_port,
        "tls": tls,
        "memoryMb": nginx.memory_mb,
        "cpus": nginx.cpus,
        "restart": nginx.restart,
        "healthPath": std.health_path,
        "logMaxSize": nginx.log_max_size,
        "logMaxFiles": nginx.log_max_files,
        "containerName": f"{cfg.project}-{cfg.stack}-web",
    }
    if tls:
        args["originCertificatePem"] = certificate
        args["originPrivateKeyPem"] = private_key
    return args


def _nginx_cfg(cfg: StackConfig) -> Any:
    if cfg.hosting.nginx is None:
        raise ValueError("webstack:hosting.nginx is not configured")
    return cfg.hosting.nginx
