"""The bundle's build-time environment in the rendered Dockerfile: declared in the build stage, after the install,
before the build, and never in the runtime stage."""

from __future__ import annotations

import pytest
from dockerfile_rules import check_dockerfile, parse_dockerfile
from nginx_support import stack_config

from components.nginx_site import bundle_env, render_site_files
from components.render.dockerfile import DockerfileSpec, render_dockerfile

NAMES = ("NODE_ENV", "VITE_SUPABASE_URL", "VITE_ENABLE_ANALYTICS", "VITE_SUPABASE_ANON_KEY")


def _positions(text: str) -> tuple[list[str], list[str]]:
    build, runtime = parse_dockerfile(text)
    return ([f"{i.keyword} {i.args}" for i in build.instructions],
            [f"{i.keyword} {i.args}" for i in runtime.instructions])


def test_args_are_declared_between_the_install_and_the_build() -> None:
    build, runtime = _positions(render_dockerfile(DockerfileSpec(build_args=NAMES)))
    install = build.index("RUN npm ci --no-audit --no-fund")
    run_build = build.index("RUN npm run build")
    for name in NAMES:
        assert install < build.index(f"ARG {name}") < run_build
    assert not any(line.startswith(("ARG", "ENV")) for line in runtime)


def test_without_build_args_nothing_is_declared() -> None:
    build, _ = _positions(render_dockerfile(DockerfileSpec()))
    assert not any(line.startswith("ARG") for line in build)


@pytest.mark.parametrize("names", [("VITE X",), ("1VITE",), ("NODE_ENV", "NODE_ENV"), ("A=B",)])
def test_spec_refuses_bad_or_repeated_names(names: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        DockerfileSpec(build_args=names)


def test_bundle_env_is_node_env_and_every_vite_variable_with_the_key_apart() -> None:
    cfg = stack_config()
    cfg.env.root.update({"NODE_ENV": "test", "VITE_ENABLE_ANALYTICS": "true", "SERVER_ONLY": "x"})
    public, secret = bundle_env(cfg)
    assert public == {"NODE_ENV": "test", "VITE_SUPABASE_URL": cfg.supabase.api_url,
                      "VITE_ENABLE_ANALYTICS": "true"}
    assert list(secret) == ["VITE_SUPABASE_ANON_KEY"] and secret["VITE_SUPABASE_ANON_KEY"]
    assert "SERVER_ONLY" not in public  # not compiled into the bundle, so not a build arg either


def test_rendered_site_dockerfile_declares_the_bundle_env_and_passes_the_rules() -> None:
    cfg = stack_config()
    dockerfile = render_site_files(cfg, tls=True)["nginx/Dockerfile"]
    build, _ = _positions(dockerfile)
    public, secret = bundle_env(cfg)
    assert [line for line in build if line.startswith("ARG")] == [f"ARG {n}" for n in (*public, *secret)]
    assert secret["VITE_SUPABASE_ANON_KEY"] not in dockerfile  # names only; values arrive as build args
    assert check_dockerfile(dockerfile) == []
