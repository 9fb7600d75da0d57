"""The project's Dockerfile rules, one failing and one passing input per rule (checkov-style fixtures)."""

from __future__ import annotations

import pytest
from dockerfile_rules import check_dockerfile, parse_dockerfile

GOOD_RUNTIME = """
FROM nginx:1.28-alpine AS runtime
COPY --from=build /app/dist/ /usr/share/nginx/html/
USER 101:101
EXPOSE 8080
HEALTHCHECK CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
"""


def rules_of(build: str, runtime: str = GOOD_RUNTIME) -> set[str]:
    return {f.rule for f in check_dockerfile(build + runtime)}


@pytest.mark.parametrize("install", [
    "npm ci --only=production", "npm ci --only=prod", "npm ci --omit=dev", "npm install --production",
    "npm ci --omit dev", "yarn install --production", "pnpm install --prod",
])
def test_dev_dependencies_omitted_before_the_build_fail(install: str) -> None:
    build = f"FROM node:22-alpine AS build\nWORKDIR /app\nRUN {install}\nCOPY . .\nRUN npm run build\n"
    assert "WS-DF001" in rules_of(build)


def test_node_env_production_before_npm_ci_fails_unless_dev_is_included() -> None:
    base = "FROM node:22-alpine AS build\nENV NODE_ENV=production\nRUN {install}\nRUN npm run build\n"
    assert "WS-DF001" in rules_of(base.format(install="npm ci"))
    assert "WS-DF001" not in rules_of(base.format(install="npm ci --include=dev"))


@pytest.mark.parametrize("build", [
    "FROM node:22-alpine AS build\nRUN npm ci\nRUN npm run build\n",
    "FROM node:22-alpine AS build\nRUN npm ci && npm run build\n",
    # pruning after the build is fine: the build already had its tools
    "FROM node:22-alpine AS build\nRUN npm ci\nRUN npm run build && npm prune --omit=dev\n",
    "FROM node:22-alpine AS build\nRUN npm ci \\\n    --no-audit\nRUN npm run build\n",
])
def test_full_install_before_the_build_passes(build: str) -> None:
    assert "WS-DF001" not in rules_of(build)


def test_omission_in_the_same_run_as_the_build_fails() -> None:
    assert "WS-DF001" in rules_of("FROM node:22-alpine AS b\nRUN npm ci --omit=dev && npm run build\n")


@pytest.mark.parametrize("base", ["nginx", "nginx:latest", "nginx:alpine", "nginx:stable-alpine", "node:lts",
                                  "node:current-alpine", "${BASE_IMAGE}", "docker.io/library/nginx"])
def test_floating_base_images_fail(base: str) -> None:
    runtime = GOOD_RUNTIME.replace("nginx:1.28-alpine", base)
    assert "WS-DF002" in rules_of("", runtime)


@pytest.mark.parametrize("base", ["nginx:1.28-alpine", "nginx:1.28.0", "nginx@sha256:" + "a" * 64,
                                  "registry.example.com:5000/team/nginx:1.28", "nginx:mainline@sha256:" + "b" * 64])
def test_pinned_base_images_pass(base: str) -> None:
    runtime = GOOD_RUNTIME.replace("nginx:1.28-alpine", base)
    assert "WS-DF002" not in rules_of("", runtime)


def test_stage_references_and_scratch_are_not_base_images() -> None:
    text = "FROM node:22-alpine AS build\nRUN npm ci\nFROM build AS test\nFROM scratch\n" + GOOD_RUNTIME
    assert "WS-DF002" not in {f.rule for f in check_dockerfile(text)}


@pytest.mark.parametrize("user_line", ["", "USER root\n", "USER 0:0\n", "USER 101\nUSER root\n"])
def test_root_runtime_fails(user_line: str) -> None:
    runtime = GOOD_RUNTIME.replace("USER 101:101\n", user_line)
    assert "WS-DF003" in rules_of("", runtime)


def test_only_the_final_stage_user_matters() -> None:
    build = "FROM node:22-alpine AS build\nUSER root\nRUN npm ci\n"
    assert "WS-DF003" not in rules_of(build)


@pytest.mark.parametrize("health, ok", [
    ('HEALTHCHECK CMD ["wget", "-q", "http://127.0.0.1:8080/healthz"]', True),
    ("HEALTHCHECK --interval=30s CMD wget -q http://127.0.0.1:8080/healthz", False),
    ("HEALTHCHECK NONE", False),
    ("", False),
])
def test_healthcheck_must_exist_in_exec_form(health: str, ok: bool) -> None:
    runtime = "FROM nginx:1.28-alpine\nUSER 101\n" + health + "\n"
    assert ("WS-DF004" not in rules_of("", runtime)) is ok


@pytest.mark.parametrize("expose, ok", [("EXPOSE 8080 8443", True), ("EXPOSE 80", False),
                                        ("EXPOSE 443/tcp", False), ("EXPOSE 8443/tcp", True)])
def test_non_root_runtime_exposes_unprivileged_ports(expose: str, ok: bool) -> None:
    runtime = GOOD_RUNTIME.replace("EXPOSE 8080", expose)
    assert ("WS-DF005" not in rules_of("", runtime)) is ok


def test_parser_joins_continuations_and_skips_comments() -> None:
    stages = parse_dockerfile("# c\nARG X=1\nFROM a:1 AS one\nRUN echo \\\n  # inner comment\n  done\nFROM b:2\n")
    assert [(s.base, s.name) for s in stages] == [("a:1", "one"), ("b:2", None)]
    assert stages[0].instructions[0].args == "echo done"
    assert stages[0].instructions[0].line == 4


@pytest.mark.parametrize("header, ok", [
    ("ARG NGINX_IMAGE=nginx:1.28-alpine\n", True),
    ('ARG NGINX_IMAGE="nginx:1.28-alpine@sha256:' + "a" * 64 + '"\n', True),
    ("ARG NGINX_IMAGE=nginx:alpine\n", False),  # the default a plain build uses floats
    ("ARG NGINX_IMAGE\n", False),  # no default: a plain build has no pinned image to judge
])
def test_a_base_image_from_a_build_argument_is_judged_by_its_default(header: str, ok: bool) -> None:
    text = header + GOOD_RUNTIME.replace("FROM nginx:1.28-alpine", "FROM ${NGINX_IMAGE}")
    assert "FROM ${NGINX_IMAGE}" in text
    assert ("WS-DF002" not in [f.rule for f in check_dockerfile(text)]) is ok
