"""Container hardening policies on docker Container / RemoteImage."""

from __future__ import annotations

import pytest
from fixtures_good import REMOTE_IMAGE, container
from policy_helpers import UNKNOWN, judge, make_secret, resource

from stackcheck.analyzer import PolicyPackSession


def test_hardened_container_passes_every_container_policy(pack: PolicyPackSession) -> None:
    result = judge(pack, container())
    for policy in {v.policy for v in result.violations}:
        assert not policy.startswith("container-"), result.dump()


@pytest.mark.parametrize(("policy", "override", "text"), [
    ("container-not-privileged", {"privileged": True}, "privileged"),
    ("container-read-only-rootfs", {"readOnly": False}, "writable"),
    ("container-read-only-rootfs", {"readOnly": None}, "writable"),
    ("container-drop-all-capabilities", {"capabilities": {"drops": ["NET_RAW"]}}, "ALL"),
    ("container-drop-all-capabilities", {"capabilities": None}, "ALL"),
    ("container-no-new-privileges", {"securityOpts": ["seccomp=unconfined"]}, "no-new-privileges"),
    ("container-non-root-user", {"user": "root"}, "as root"),
    ("container-non-root-user", {"user": "0:0"}, "as root"),
    ("container-non-root-user", {"user": None}, "no user"),
    ("container-memory-limit", {"memory": None}, "no memory limit"),
    ("container-image-pinned", {"image": "nginx:latest"}, "moving tag 'latest'"),
    ("container-image-pinned", {"image": "nginx"}, "untagged"),
    ("container-image-pinned", {"image": "registry.example.com:5000/team/nginx"}, "untagged"),
    ("container-image-digest", {"image": "nginx:1.27.3"}, "not digest"),
])
def test_each_weakness_fails(pack: PolicyPackSession, policy: str, override: dict[str, object], text: str) -> None:
    judge(pack, container(**override)).assert_has_violation(policy, urn_name="web", contains=text)


def test_levels_follow_the_standard(prod_pack: PolicyPackSession) -> None:
    result = judge(prod_pack, container(privileged=True, image="nginx:1.27.3", healthcheck=None))
    assert result.assert_has_violation("container-not-privileged").enforcement == "mandatory"
    assert result.assert_has_violation("container-image-digest").enforcement == "advisory"
    assert result.assert_has_violation("container-healthcheck").enforcement == "mandatory"


def test_image_fed_from_another_resource_is_not_judged(pack: PolicyPackSession) -> None:
    judge(pack, container(image=UNKNOWN)).assert_no_violations("container-image-pinned")


def test_remote_image_pinning(pack: PolicyPackSession) -> None:
    judge(pack, resource(REMOTE_IMAGE, "base", {"name": "nginx:mainline"})).assert_has_violation(
        "container-image-pinned", urn_name="base")
    judge(pack, resource(REMOTE_IMAGE, "base", {"name": "nginx:1.27.3-alpine"})).assert_no_violations(
        "container-image-pinned")


def test_unknown_user_is_advisory(pack: PolicyPackSession) -> None:
    judge(pack, container(user=UNKNOWN)).assert_unknown("container-non-root-user")


def test_memory_ceiling_is_configurable(pack: PolicyPackSession) -> None:
    big = container(memory=8192.0)
    judge(pack, big).assert_has_violation("container-memory-limit", contains="4096")
    judge(pack, big, config={"container-memory-limit": {"maxMemoryMb": 16384}}).assert_no_violations(
        "container-memory-limit")


def test_secret_env_value_not_echoed(pack: PolicyPackSession) -> None:
    result = judge(pack, container(user="root", envs=[make_secret("DB_PASSWORD=correct-horse-battery")]))
    result.assert_has_violation("container-non-root-user")
    assert "correct-horse" not in result.messages()
