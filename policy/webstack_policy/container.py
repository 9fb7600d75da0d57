"""Container hardening for docker ``Container`` resources, one concern per policy (like checkov's checks)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .core import UNKNOWN, Check, Meta, as_list, as_number, get, is_unknown, resource_policy

CONTAINER = "docker:index/container:Container"
SERVICE = "docker:index/service:Service"
REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage"
_MIB = 1024 * 1024

ContainerRule = Callable[[dict[str, Any], Check], None]


def container_props(resource_type: str, props: dict[str, Any]) -> dict[str, Any]:
    """A docker ``Service``'s container spec (``taskSpec.containerSpec``) in ``Container``'s shape, so one set of
    rules judges both. Swarm cannot run privileged containers nor set no-new-privileges: those keys stay absent
    and their policies do not judge services."""
    if resource_type != SERVICE:
        return props
    spec = get(props, "taskSpec", "containerSpec")
    if is_unknown(spec):
        return {k: UNKNOWN for k in ("readOnly", "capabilities", "user", "healthcheck", "memory", "image")}
    spec = spec if isinstance(spec, dict) else {}
    memory = get(props, "taskSpec", "resources", "limits", "memoryBytes")
    number = as_number(memory)
    return {
        "image": spec.get("image"),
        "readOnly": spec.get("readOnly"),
        "capabilities": UNKNOWN if is_unknown(spec.get("capDrops")) else {"drops": spec.get("capDrops")},
        "user": spec.get("user"),
        "healthcheck": spec.get("healthcheck"),
        "memory": UNKNOWN if is_unknown(memory) else (number / _MIB if number else None),
        "_service": True,
    }


def _container_policy(meta: Meta, judge: ContainerRule, *, services: bool = True):
    def rule(resource_type: str, props: dict[str, Any], check: Check) -> None:
        judge(container_props(resource_type, props), check)

    return resource_policy(meta, [CONTAINER, SERVICE] if services else [CONTAINER], rule)


def _field(props: dict[str, Any], key: str, check: Check) -> Any:
    value = props.get(key)
    if is_unknown(value):
        check.unknown(_path(props, key))
    return value


_SERVICE_PATHS = {"readOnly": "taskSpec.containerSpec.readOnly", "capabilities": "taskSpec.containerSpec.capDrops",
                  "user": "taskSpec.containerSpec.user", "healthcheck": "taskSpec.containerSpec.healthcheck",
                  "memory": "taskSpec.resources.limits.memoryBytes", "image": "taskSpec.containerSpec.image"}


def _path(props: dict[str, Any], key: str) -> str:
    """The property path a message names: the Container input, or where a Service keeps it."""
    return _SERVICE_PATHS.get(key, key) if props.get("_service") else key


def _not_privileged(props: dict[str, Any], check: Check) -> None:
    if _field(props, "privileged", check) is True:
        check.fail("The container runs privileged (full access to the host's devices and kernel).")


def _read_only(props: dict[str, Any], check: Check) -> None:
    value = _field(props, "readOnly", check)
    if value is not True and not is_unknown(value):
        check.fail(f"The container's root filesystem is writable ({_path(props, 'readOnly')} is not true).")


def _caps_dropped(props: dict[str, Any], check: Check) -> None:
    caps = _field(props, "capabilities", check)
    if is_unknown(caps):
        return
    drops = caps.get("drops") if isinstance(caps, dict) else None
    if is_unknown(drops):
        check.unknown("capabilities.drops")
        return
    if not any(isinstance(d, str) and d.upper() in ("ALL", "CAP_ALL") for d in as_list(drops)):
        check.fail(f"The container keeps Linux capabilities ({_path(props, 'capabilities')} does not include ALL).")


def _no_new_privileges(props: dict[str, Any], check: Check) -> None:
    opts = _field(props, "securityOpts", check)
    if is_unknown(opts):
        return
    ok = any(
        isinstance(o, str) and re.fullmatch(r"no-new-privileges(:true|=true)?", o.strip()) for o in as_list(opts)
    )
    if not ok:
        check.fail("securityOpts lacks no-new-privileges:true (setuid binaries could escalate).")


def _non_root(props: dict[str, Any], check: Check) -> None:
    user = _field(props, "user", check)
    if is_unknown(user):
        return
    if not isinstance(user, str) or not user.strip():
        check.fail(f"The container sets no user ({_path(props, 'user')}), so it runs as the image default "
                   "(often root).")
        return
    name = user.split(":", 1)[0].strip()
    if name in ("root", "0"):
        check.fail(f"The container runs as root ({_path(props, 'user')}).")


def _healthcheck(props: dict[str, Any], check: Check) -> None:
    if check.config["productionOnly"] and not check.prod:
        return
    hc = _field(props, "healthcheck", check)
    if is_unknown(hc):
        return
    tests = hc.get("tests") if isinstance(hc, dict) else None
    if is_unknown(tests):
        check.unknown("healthcheck.tests")
        return
    tests = as_list(tests)
    if not tests or str(tests[0]).upper() == "NONE":
        check.fail(f"The production container declares no healthcheck ({_path(props, 'healthcheck')}.tests), so "
                   "the engine cannot restart it when it stops answering.")


def _memory(props: dict[str, Any], check: Check) -> None:
    memory = _field(props, "memory", check)
    if is_unknown(memory):
        return
    limit = as_number(memory)
    if limit is None or limit <= 0:
        check.fail(f"The container has no memory limit ({_path(props, 'memory')}).")
    elif limit > float(check.config["maxMemoryMb"]):
        check.fail(f"The container's memory limit ({_path(props, 'memory')}) exceeds {check.config['maxMemoryMb']} MB.")


def image_reference(props: dict[str, Any], resource_type: str) -> Any:
    key = "name" if resource_type == REMOTE_IMAGE else "image"
    return props.get(key)


def _split_image(ref: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference."""
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    last = ref.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        ref, tag = ref.rsplit(":", 1)
    return ref, tag, digest


_IMAGE_ID = re.compile(r"^(sha256:)?[0-9a-f]{12,64}\Z")


def floating_tag(tag: str, floating: list[str]) -> bool:
    """A tag that moves: one of ``floating`` (globs: latest, stable*, mainline*, alpine, lts*, …) or, with
    ``tagsWithoutDigitsFloat``, any tag without a version number in it (``bookworm``, ``edge``)."""
    lower = tag.lower()
    return any(fnmatch.fnmatchcase(lower, str(p).lower()) for p in floating)


def _image_pinned(props: dict[str, Any], check: Check, resource_type: str) -> None:
    ref = image_reference(container_props(resource_type, props), resource_type)
    where = _image_path(resource_type)
    if is_unknown(ref):
        return  # fed from another resource's output (RemoteImage.image_id / Image.repo_digest): judged there
    if not isinstance(ref, str) or not ref:
        return
    if _IMAGE_ID.match(ref):
        return
    _repo, tag, digest = _split_image(ref)
    if digest:
        return
    if tag is None:
        check.fail(f"The image ({where}) is untagged (resolves to latest at pull time); pin a version tag or digest.")
    elif floating_tag(tag, [str(t) for t in check.config["floatingTags"]]) or (
            check.config["tagsWithoutDigitsFloat"] and not any(c.isdigit() for c in tag)):
        check.fail(f"The image ({where}) uses the moving tag '{tag}', which is re-pointed at new releases like "
                   "'latest'; pin a version tag or digest.")


def _image_path(resource_type: str) -> str:
    return {REMOTE_IMAGE: "name", SERVICE: "taskSpec.containerSpec.image"}.get(resource_type, "image")


def _image_digest(props: dict[str, Any], check: Check, resource_type: str) -> None:
    ref = image_reference(container_props(resource_type, props), resource_type)
    if is_unknown(ref) or not isinstance(ref, str) or not ref or _IMAGE_ID.match(ref):
        return
    if _split_image(ref)[2] is None:
        check.fail(f"The image ({_image_path(resource_type)}) is pinned by tag, not digest; a tag can be re-pushed "
                   "(use name:tag@sha256:…).")


def _image_rule(judge: Callable[[dict[str, Any], Check, str], None]):
    def rule(resource_type: str, props: dict[str, Any], check: Check) -> None:
        judge(props, check, resource_type)

    return rule


def _meta(name: str, description: str, severity: Severity, enforcement: EnforcementLevel, remediation: str,
          config: dict[str, dict[str, Any]] | None = None) -> Meta:
    return Meta(name, description, severity, enforcement, remediation, config or {}, tags=("container",),
                url="https://cheatsheetseries.owasp.org/cheatsheets/Docker_Security_Cheat_Sheet.html")


MANDATORY = EnforcementLevel.MANDATORY
FLOATING_TAGS = ["latest", "latest-*", "stable", "stable-*", "mainline", "mainline-*", "alpine", "slim", "lts",
                 "lts-*", "current", "current-*", "edge", "edge-*", "rolling", "nightly", "dev", "main", "master"]
POLICIES = [
    _container_policy(_meta("container-not-privileged", "Containers do not run privileged.", Severity.CRITICAL,
                            MANDATORY, "Remove privileged=true; grant a specific capability if one is needed."),
                      _not_privileged, services=False),
    _container_policy(_meta("container-read-only-rootfs", "Containers run with a read-only root filesystem.",
                            Severity.HIGH, MANDATORY,
                            "Set read_only=true and mount tmpfs for the paths the process writes "
                            "(/var/cache/nginx, /var/run, /tmp)."),
                      _read_only),
    _container_policy(_meta("container-drop-all-capabilities", "Containers drop all Linux capabilities.",
                            Severity.HIGH, MANDATORY,
                            "Set capabilities={'drops': ['ALL']} and add back only what is needed "
                            "(an unprivileged port above 1024 needs none)."),
                      _caps_dropped),
    _container_policy(_meta("container-no-new-privileges", "Containers set no-new-privileges.", Severity.HIGH,
                            MANDATORY, "Add 'no-new-privileges:true' to security_opts."),
                      _no_new_privileges, services=False),
    _container_policy(_meta("container-non-root-user", "Containers run as a non-root user.", Severity.HIGH,
                            MANDATORY, "Set user to an unprivileged uid:gid (e.g. '101:101' for nginx)."),
                      _non_root),
    _container_policy(Meta("container-healthcheck", "Production containers declare a healthcheck.", Severity.HIGH,
                           MANDATORY,
                           "Set healthcheck={'tests': ['CMD', 'wget', '-qO-', 'http://127.0.0.1:8080/healthz']} "
                           "with an interval and retries (a Service: task_spec.container_spec.healthcheck).",
                           {"productionOnly": {"type": "boolean", "default": True,
                                               "description": "judge production stacks only (false: every stack)"}},
                           prod=True, tags=("container",),
                           url="https://docs.docker.com/reference/dockerfile/#healthcheck"),
                      _healthcheck),
    _container_policy(_meta("container-memory-limit", "Containers have a memory limit.", Severity.MEDIUM,
                            EnforcementLevel.ADVISORY, "Set memory (MB), e.g. memory=256 for a static nginx.",
                            {"maxMemoryMb": {"type": "number", "exclusiveMinimum": 0, "default": 4096}}),
                      _memory),
    resource_policy(_meta("container-image-pinned", "Container images are pinned to a version tag or digest.",
                            Severity.HIGH, MANDATORY,
                            "Reference the image as name:1.2.3 (or name@sha256:…), never untagged, :latest or a "
                            "moving tag such as :stable-alpine or :mainline.",
                            {"floatingTags": {"type": "array", "items": {"type": "string"},
                                              "default": FLOATING_TAGS,
                                              "description": "case-insensitive globs of tags that move"},
                             "tagsWithoutDigitsFloat": {
                                 "type": "boolean", "default": True,
                                 "description": "a tag with no digit in it (bookworm, edge) counts as moving"}}),
                    [CONTAINER, SERVICE, REMOTE_IMAGE], _image_rule(_image_pinned)),
    resource_policy(_meta("container-image-digest", "Container images are pinned by digest.", Severity.LOW,
                            EnforcementLevel.ADVISORY, "Append @sha256:<digest> to the image reference."),
                    [CONTAINER, SERVICE, REMOTE_IMAGE], _image_rule(_image_digest)),
]
