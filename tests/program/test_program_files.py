"""Rendered files are outputs: components expose ``files``, the program exports the merged stack output ``files``,
stackcheck writes any program's ``files`` output under --out (knowing nothing of components/), and the repo's
``__main__.py`` writes the same files to ``build/<stack>/``."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from components.program import check_file_path, merge_files, write_files
from components.render import cloudflare as render
from components.standard import resolve_standard
from stackcheck.engine import run_program
from stackcheck.wire import unwrap
from tests.cloudflare.stack_config import example_config, run_stack
from tests.conftest import REPO, run_cli


@pytest.fixture(scope="module")
def netlify_files() -> tuple[dict[str, str], dict[str, str]]:
    """(the stack output ``files``, the CloudflareEdge component's ``files`` output) of one netlify run."""
    result = run_stack("netlify")
    [edge] = [r for r in result.resources if r.type == "webstack:index:CloudflareEdge"]
    return unwrap(result.outputs["files"]), unwrap(edge.outputs["files"])


def test_the_edge_component_returns_its_file_as_an_output(netlify_files: tuple[dict, dict]) -> None:
    _, edge_files = netlify_files
    assert list(edge_files) == ["cloudflare/edge.json"]
    cfg = example_config("netlify")
    doc = json.loads(edge_files["cloudflare/edge.json"])
    # The file shows exactly the rules registered (one rendering path), in JSON's own types.
    expected = render.rulesets(resolve_standard(cfg), cfg.domain, cfg.canonical_host)
    assert doc["rulesets"] == json.loads(json.dumps(expected))
    assert [r["name"] for r in doc["records"]][:2] == ["example.net", "www.example.net"]
    assert {r["key"] for r in doc["records"]} >= {"apex-a", "www-cname", "caa-issue-letsencrypt-org"}


def test_the_program_exports_every_rendered_file(netlify_files: tuple[dict, dict]) -> None:
    files, edge_files = netlify_files
    assert files["cloudflare/edge.json"] == edge_files["cloudflare/edge.json"]
    assert json.loads(files["headers.json"]) == resolve_standard(example_config("netlify")).header_map
    # Components not yet converted still reach the output through the bridge.
    assert {"netlify/_headers", "netlify/netlify.toml", "supabase/10_rls.sql"} <= set(files)


def test_merging_refuses_two_different_texts_for_one_path() -> None:
    assert merge_files([{"b": "1"}, {"a": "2", "b": "1"}]) == {"a": "2", "b": "1"}
    with pytest.raises(ValueError, match="'b' comes from two components"):
        merge_files([{"b": "1"}, {"b": "2"}])


@pytest.mark.parametrize("bad", ["", "/etc/passwd", "../x", "a/../../x", "a\\b"])
def test_file_paths_stay_inside_the_output_dir(bad: str) -> None:
    with pytest.raises(ValueError, match="relative"):
        check_file_path(bad)


def test_write_files_replaces_whole_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.conf").write_text("old and longer than the new text")
    written = write_files(tmp_path, {"a/x.conf": "new", "b/c/y.txt": "y"})
    assert written == [tmp_path / "a" / "x.conf", tmp_path / "b" / "c" / "y.txt"]
    assert (tmp_path / "a" / "x.conf").read_text() == "new"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["x.conf"]  # no temporary file left behind
    # Readable by others, as a plain write makes them (an image's server user reads COPYed files).
    umask = os.umask(0o022)
    try:
        write_files(tmp_path, {"a/x.conf": "again"})
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "a" / "x.conf").stat().st_mode) == 0o644


def test_the_repo_program_writes_the_files_to_build_stack(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.netlify.yaml", "__main__.py"):
        shutil.copy(REPO / name, project / name)
    result, _ = run_program(project, "netlify")
    files = unwrap(result.outputs["files"])
    build = project / "build" / "netlify"
    on_disk = {p.relative_to(build).as_posix(): p.read_text() for p in build.rglob("*") if p.is_file()}
    assert on_disk == files


# -- stackcheck, generic: any program's `files` output -----------------------------------------------------------------

FOREIGN = '''
import pulumi

pulumi.export("files", {FILES!r})
pulumi.export("greeting", "hello")
'''


def foreign_project(tmp_path: Path, files: dict[str, str]) -> Path:
    project = tmp_path / "foreign"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: foreign\nruntime: python\n")
    (project / "Pulumi.dev.yaml").write_text("config: {}\n")
    (project / "__main__.py").write_text(FOREIGN.replace("{FILES!r}", repr(files)))
    return project


def test_stackcheck_writes_any_programs_files_output(tmp_path: Path) -> None:
    files = {"conf/site.conf": "server {}\n", "README.txt": "hi\n"}
    out = tmp_path / "out"
    code, stdout, err = run_cli(["preview", "--cwd", str(foreign_project(tmp_path, files)), "--stack", "dev",
                                 "--out", str(out), "--format", "json", "--no-policy"])
    assert code == 0, err
    assert (out / "conf" / "site.conf").read_text() == "server {}\n" and (out / "README.txt").read_text() == "hi\n"
    doc = json.loads(stdout)
    assert doc["artifacts"] == ["README.txt", "conf/site.conf"]
    assert doc["outputs"] == {"greeting": "hello"}  # the files are reported as written files, not as an output


def test_stackcheck_without_out_writes_nothing_and_prints_no_file_contents(tmp_path: Path) -> None:
    project = foreign_project(tmp_path, {"x.conf": "SECRETLESS-BUT-LONG-CONTENT"})
    code, stdout, err = run_cli(["preview", "--cwd", str(project), "--stack", "dev", "--no-policy"])
    assert code == 0, err
    assert "SECRETLESS-BUT-LONG-CONTENT" not in stdout
    assert not (project / "x.conf").exists()


@pytest.mark.parametrize("bad", ["../escaped.txt", "/tmp/absolute.txt", "a/../../escaped.txt"])
def test_stackcheck_refuses_a_path_outside_out(tmp_path: Path, bad: str) -> None:
    out = tmp_path / "deep" / "out"
    code, _, err = run_cli(["preview", "--cwd", str(foreign_project(tmp_path, {bad: "x"})), "--stack", "dev",
                            "--out", str(out), "--no-policy"])
    assert code == 2
    assert "stay inside --out" in err
    assert not (tmp_path / "deep" / "escaped.txt").exists() and not (tmp_path / "escaped.txt").exists()
