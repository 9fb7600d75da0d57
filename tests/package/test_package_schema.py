"""The package schema: generated offline for every public component, equal to the committed copy, and broken
Args changes fail loudly (a stale copy, a Union, postponed annotations).

No `from __future__ import annotations` here: the test components below must carry real annotations, as the
package's components do.
"""

import importlib
import importlib.util
import inspect
import json
import pkgutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path
from typing import NotRequired, TypedDict

import pulumi
import pytest
from package_helpers import REPO, schema

import components
from components.multilang import PACKAGE_VERSION, public_components
from components.multilang.provider import PostponedAnnotationsError, WebstackProvider
from tools import refdoc
from tools import schema as schemagen


@pytest.fixture(scope="module")
def generated() -> dict[Path, str]:
    return schemagen.generated_files()


def test_schema_has_every_public_component_under_its_token() -> None:
    doc = schema()
    assert doc["name"] == "webstack"
    assert set(doc["resources"]) == {f"webstack:index:{c.__name__}" for c in public_components()}
    assert all(r["isComponent"] for r in doc["resources"].values())
    assert all(t.startswith("webstack:index:") for t in doc["types"])


def test_no_component_is_left_out_of_the_package() -> None:
    """A new ComponentResource anywhere under components/ must be added to the package (or it is unusable from
    other languages)."""
    found = set()
    for info in pkgutil.walk_packages(components.__path__, "components."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, pulumi.ComponentResource) and cls.__module__ == info.name:
                found.add(cls)
    assert found == set(public_components())


def test_component_signature_is_the_multi_language_one() -> None:
    for component in public_components():
        params = list(inspect.signature(component.__init__).parameters)
        assert params == ["self", "name", "args", "opts"], component
        args_type = inspect.get_annotations(component.__init__)["args"]
        assert args_type.__name__ == f"{component.__name__}Args"
        assert isinstance(args_type, type) and issubclass(args_type, dict)  # a TypedDict
        source = inspect.getsource(component)
        assert f'"webstack:index:{component.__name__}"' in source or "COMPONENT_TYPE" in source


def test_committed_schema_is_the_generated_one(generated: dict[Path, str]) -> None:
    committed = REPO / schemagen.SCHEMA_PATH
    assert committed.exists(), "package/schema.json missing: run `make schema`"
    assert committed.read_text() == generated[schemagen.SCHEMA_PATH], "package/schema.json is stale: `make schema`"


def test_reference_pages_and_yaml_example_are_current(generated: dict[Path, str]) -> None:
    assert schemagen.stale_files(REPO, generated) == [], "generated files are stale: run `make schema`"


def test_check_cli_names_a_stale_file_and_passes_when_current(tmp_path: Path, generated: dict[Path, str],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    schemagen.write(tmp_path, generated)
    assert schemagen.main(["--check", "--root", str(tmp_path)]) == 0
    target = tmp_path / schemagen.SCHEMA_PATH
    doc = json.loads(target.read_text())
    del doc["resources"]["webstack:index:NetlifySite"]["inputProperties"]["siteName"]
    target.write_text(json.dumps(doc, indent=2) + "\n")
    (tmp_path / schemagen.REFERENCE_DIR / "old-component.md").write_text("# gone\n")
    assert schemagen.main(["--check", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "package/schema.json is stale" in err and "docs/reference/old-component.md is stale" in err
    assert schemagen.main(["--write", "--root", str(tmp_path)]) == 0
    assert not (tmp_path / schemagen.REFERENCE_DIR / "old-component.md").exists()
    assert schemagen.main(["--check", "--root", str(tmp_path)]) == 0


def test_an_args_change_makes_the_committed_schema_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    from components.netlify_site import NetlifySiteArgs

    monkeypatch.setitem(NetlifySiteArgs.__annotations__, "team_slug", NotRequired[str])
    changed = schemagen.schema_text(schemagen.generate_schema())
    assert '"teamSlug"' in changed
    assert changed != (REPO / schemagen.SCHEMA_PATH).read_text()


class _UnionArgs(TypedDict):
    target: str | int


class _UnionComponent(pulumi.ComponentResource):
    def __init__(self, name: str, args: _UnionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("webstack:index:_UnionComponent", name, {}, opts)


def test_a_union_input_fails_schema_generation_naming_the_field() -> None:
    with pytest.raises(Exception, match=r"Union types are not supported.*_UnionArgs\.target"):
        WebstackProvider([_UnionComponent])


def test_postponed_annotations_fail_with_the_file_and_the_fix(tmp_path: Path) -> None:
    source = tmp_path / "postponed_component.py"
    source.write_text(textwrap.dedent('''
        from __future__ import annotations
        from typing import TypedDict
        import pulumi

        class LaterArgs(TypedDict):
            name: str

        class Later(pulumi.ComponentResource):
            out: pulumi.Output[str]

            def __init__(self, name: str, args: LaterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
                super().__init__("webstack:index:Later", name, {}, opts)
    '''))
    spec = importlib.util.spec_from_file_location("postponed_component", source)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["postponed_component"] = module
    try:
        spec.loader.exec_module(module)
        with pytest.raises(PostponedAnnotationsError, match=r"postponed_component\.py") as info:
            WebstackProvider([module.Later])
        assert "from __future__ import annotations" in str(info.value)
    finally:
        del sys.modules["postponed_component"]


def test_every_input_and_output_is_described_and_every_optional_input_states_its_default() -> None:
    doc = schema()
    missing: list[str] = []

    def props(where: str, properties: dict[str, dict[str, object]], required: list[str], inputs: bool) -> None:
        for name, spec in properties.items():
            description = spec.get("description")
            if not description:
                missing.append(f"{where}.{name}: no description")
            elif inputs and name not in required and not refdoc.default_of(str(description)):
                missing.append(f"{where}.{name}: optional, but its description states no default")

    for token, resource in doc["resources"].items():
        props(token, resource["inputProperties"], resource.get("requiredInputs", []), True)
        props(token, resource["properties"], [], False)
        assert resource.get("description"), f"{token}: the component class has no docstring"
    for token, type_def in doc["types"].items():
        props(token, type_def["properties"], type_def.get("required", []), True)
    assert missing == []


def test_package_version_is_the_project_version() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert PACKAGE_VERSION == project["version"] == schema()["version"]


@pytest.mark.parametrize(("description", "default"), [
    ("Default 8080.", "8080"),
    ("Default: none (unmanaged).", "none (unmanaged)"),
    ('Default "1.2".', '"1.2"'),
    ("apex (default) | www — the other one 301-redirects to it.", "apex"),
    ("ecdsa (P-256, default) | rsa (2048 bits).", "ecdsa"),
    ("Default True: register the settings resources. False: only outputs.", "True"),
    ("Seconds; default 3 (the runbook: slower than 3 s is unhealthy).",
     "3 (the runbook: slower than 3 s is unhealthy)"),
    ("Default https://api.supabase.com.", "https://api.supabase.com"),
    ("Required when ``tls``.", ""),
])
def test_defaults_are_read_from_descriptions(description: str, default: str) -> None:
    assert refdoc.default_of(description) == default


def test_reference_page_lists_every_input_output_and_type() -> None:
    doc = schema()
    pages = refdoc.render_reference(doc)
    for token, resource in doc["resources"].items():
        page = pages[refdoc.page_name(token)]
        for name in [*resource["inputProperties"], *resource["properties"]]:
            assert f"| `{name}` |" in page, (token, name)
        assert refdoc.page_name(token) in pages["index.md"]
    edge = pages["cloudflare-edge.md"]
    assert "### ExtraRecordArgs" in edge
    assert "| `ttl` | integer | no | 1 | 1 = automatic, otherwise 60..86400 seconds. Default 1. |" in edge
    nginx = pages["nginx-site.md"]
    assert "| `originPrivateKeyPem` | string (output ok) | no | none |" in nginx


def test_plugin_manifest_is_a_python_source_plugin() -> None:
    import yaml

    manifest = yaml.safe_load((REPO / "package" / "PulumiPlugin.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    assert (REPO / "package" / "__main__.py").exists()
    assert "-r ../requirements.txt" in (REPO / "package" / "requirements.txt").read_text().splitlines()


def test_plugin_entry_point_serves_the_committed_schema_over_grpc(tmp_path: Path) -> None:
    """Run package/__main__.py as the CLI would (from another directory, engine address as argument) and ask it
    for its schema and version through the real provider gRPC interface."""
    import grpc
    from google.protobuf import empty_pb2
    from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

    # The engine address is never dialled for GetSchema/GetPluginInfo; a closed loopback port keeps it local.
    proc = subprocess.Popen([sys.executable, str(REPO / "package" / "__main__.py"), "127.0.0.1:9"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            served = stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=30)
            info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=30)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert json.loads(served.schema) == json.loads((REPO / schemagen.SCHEMA_PATH).read_text())
    assert info.version == PACKAGE_VERSION
