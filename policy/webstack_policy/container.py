"""Container hardening for docker ``Container`` resources, one concern per policy (like checkov's checks)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .core import Check, Meta, as_list, as_number, is_unknown, resource_policy

CONTAINER = "docker:index/container:Container"
REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage"

ContainerRule = Callable[[dict[str, Any], Check], None]


def _container_policy(meta: Meta, judge: ContainerRule):
    def rule(_type: str, props: dict[str, Any], check: Check) -> None:
        judge(props, check)

    return resource_policy(meta, [CONTAINER], rule)


def _field(props: dict[str, Any], key: str, check: Check) -> Any:
    value = props.get(key)
    if is_unknown(value):
        check.unknown(key)
    return value


def _not_privileged(props: dict[str, Any], check: Check) -> None:
    if _field(props, "privileged", check) is True:
        check.fail("The container runs privileged (full access to the host's devices and kernel).")


def _read_only(props: dict[str, Any], check: Check) -> None:
    value = _field(props, "readOnly", check)
    if value is not True and not is_unknown(value):
        check.fail("The container's root filesystem is writable (readOnly is not true).")


def _caps_dropped(props: dict[str, Any], check: Check) -> None:
    caps = _field(props, "capabilities", check)
    if is_unknown(caps):
        return
    drops = caps.get("drops") if isinstance(caps, dict) else None
    if is_unknown(drops):
        check.unknown("capabilities.drops")
        return
    if not any(isinstance(d, str) and d.upper() in ("ALL", "CAP_ALL") for d in as_list(drops)):
        check.fail("The container keeps Linux capabilities (capabilities.drops does not include ALL).")


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
        check.fail("The container sets no user, so it runs as the image default (often root).")
        return
    name = user.split(":", 1)[0].strip()
    if name in ("root", "0"):
        check.fail("The container runs as root.")


def _healthcheck(props: dict[str, Any], check: Check) -> None:
    hc = _field(props, "healthcheck", check)
    if is_unknown(hc):
        return
    tests = hc.get("tests") if isinstance(hc, dict) else None
    if is_unknown(tests):
        check.unknown("healthcheck.tests")
        return
    tests = as_list(tests)
    if not tests or str(tests[0]).upper() == "NONE":
        check.fail("The container declares no healthcheck.")


def _memory(props: dict[str, Any], check: Check) -> None:
    memory = _field(props, "memory", check)
    if is_unknown(memory):
        return
    limit = as_number(memory)
    if limit is None or limit <= 0:
        check.fail("The container has no memory limit (memory, in MB).")
    elif limit > float(check.config["maxMemoryMb"]):
        check.fail(f"The container's memory limit exceeds {check.config['maxMemoryMb']} MB.")


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


_IMAGE_ID = re.compile(r"^(sha256:)?[0-9a-f]{12,64}$")


def _image_pinned(props: dict[str, Any], check: Check, resource_type: str) -> None:
    ref = image_reference(props, resource_type)
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
        check.fail("The image is untagged (resolves to latest at pull time); pin a version tag or digest.")
    elif tag.lower() in [str(t).lower() for t in check.config["floatingTags"]]:
        check.fail(f"The image uses the floating tag '{tag}'; pin a version tag or digest.")


def _image_digest(props: dict[str, Any], check: Check, resource_type: str) -> None:
    ref = image_reference(props, resource_type)
    if is_unknown(ref) or not isinstance(ref, str) or not ref or _IMAGE_ID.match(ref):
        return
    if _split_image(ref)[2] is None:
        check.fail("The image is pinned by tag, not digest; a tag can be re-pushed (use name:tag@sha256:…).")


def _image_rule(judge: Callable[[dict[str, Any], Check, str], None]):
    def rule(resource_type: str, props: dict[str, Any], check: Check) -> None:
        judge(props, check, resource_type)

    return rule


def _meta(name: str, description: str, severity: Severity, enforcement: EnforcementLevel, remediation: str,
          config: dict[str, dict[str, Any]] | None = None) -> Meta:
    return Meta(name, description, severity, enforcement, remediation, config or {}, tags=("container",),
                url="https://cheatsheetseries.owasp.org/cheatsheets/Docker_Security_Cheat_Sheet.html")


MANDATORY = EnforcementLevel.MANDATORY
POLICIES = [
    _container_policy(_meta("container-not-privileged", "Containers do not run privileged.", Severity.CRITICAL,
                            MANDATORY, "Remove privileged=true; grant a specific capability if one is needed."),
                      _not_privileged),
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
                      _no_new_privileges),
    _container_policy(_meta("container-non-root-user", "Containers run as a non-root user.", Severity.HIGH,
                            MANDATORY, "Set user to an unprivileged uid:gid (e.g. '101:101' for nginx)."),
                      _non_root),
    _container_policy(_meta("container-healthcheck", "Containers declare a healthcheck.", Severity.MEDIUM,
                            EnforcementLevel.ADVISORY,
                            "Set healthcheck={'tests': ['CMD', 'wget', '-qO-', 'http://127.0.0.1:8080/healthz']} "
                            "with an interval and retries."),
                      _healthcheck),
    _container_policy(_meta("container-memory-limit", "Containers have a memory limit.", Severity.MEDIUM,
                            EnforcementLevel.ADVISORY, "Set memory (MB), e.g. memory=256 for a static nginx.",
                            {"maxMemoryMb": {"type": "number", "exclusiveMinimum": 0, "default": 4096}}),
                      _memory),
    resource_policy(_meta("container-image-pinned", "Container images are pinned to a version tag or digest.",
                            Severity.HIGH, MANDATORY,
                            "Reference the image as name:1.2.3 (or name@sha256:…), never untagged or :latest.",
                            {"floatingTags": {"type": "array", "items": {"type": "string"},
                                              "default": ["latest", "stable", "mainline", "alpine"]}}),
                    [CONTAINER, REMOTE_IMAGE], _image_rule(_image_pinned)),
    resource_policy(_meta("container-image-digest", "Container images are pinned by digest.", Severity.LOW,
                            EnforcementLevel.ADVISORY, "Append @sha256:<digest> to the image reference."),
                    [CONTAINER, REMOTE_IMAGE], _image_rule(_image_digest)),
]
