"""Edge Functions deployed as code (components.supabase.functions) against the contract-checked fake Management API.

The fake checks every request against the vendored OpenAPI document: ``POST /functions/deploy`` must be
``multipart/form-data`` whose ``metadata`` part matches ``FunctionDeployBody`` (``entrypoint_path`` required, no
undeclared field), ``slug`` must match the query parameter's pattern, and its answers must match
``DeployFunctionResponse`` / ``FunctionSlugResponse``. Plus the config (`webstack:supabase.functions`), the
component's registration and the digest that makes a changed file an update in preview.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
from supabase_fake_api import FakeManagementApi
from test_supabase_component import TOKEN as COMPONENT_TOKEN
from test_supabase_component import Recorder, by_type, mocks, stack_config  # noqa: F401

from components.config.base import ConfigError
from components.config.function_source import FunctionSourceError, collect_sources, source_digest
from components.supabase import functions as fns
from components.supabase import provider as prov
from components.supabase.management import ManagementClient, multipart_form

TOKEN = "sbp_0123456789abcdef0123456789abcdef01234567"
REF = "abcdefghijklmnopqrst"
INDEX = b'import "jsr:@supabase/functions-js/edge-runtime.d.ts";\nDeno.serve(() => new Response("ok"));\n'
SHARED = b'export const corsHeaders = { "Access-Control-Allow-Origin": "https://example.com" };\n'


@pytest.fixture
def api() -> Iterator[FakeManagementApi]:
    with FakeManagementApi(TOKEN) as fake:
        yield fake
    assert fake.violations == [], fake.violations
    assert fake.response_violations == [], fake.response_violations


@pytest.fixture(autouse=True)
def fast_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    def client_for(token: str, base_url: str) -> ManagementClient:
        return ManagementClient(token, base_url, timeout=2, max_total_seconds=5, sleep=lambda _s: None)
    monkeypatch.setattr(prov, "client_for", client_for)
    monkeypatch.setenv(prov.TOKEN_ENV, TOKEN)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Pulumi project directory with the Supabase CLI's layout (paths are relative to it, as under `pulumi up`)."""
    fn = tmp_path / "supabase" / "functions" / "hello"
    (fn / "_shared").mkdir(parents=True)
    (fn / "index.ts").write_bytes(INDEX)
    (fn / "_shared" / "cors.ts").write_bytes(SHARED)
    (fn / ".env").write_text("LOCAL_ONLY=1\n")  # hidden: never uploaded
    (fn / "node_modules" / "x").mkdir(parents=True)
    (fn / "node_modules" / "x" / "index.js").write_text("//\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def inputs(api: FakeManagementApi, **over: Any) -> dict[str, Any]:
    from components.config.supabase import EdgeFunctionConfig

    fn = EdgeFunctionConfig.model_validate({"slug": "hello", **over})
    return {"project_ref": REF, "access_token_config": "webstack:supabaseAccessToken", "api_base_url": api.url,
            **fns.edge_function_inputs(fn)}


def test_sources_leave_out_hidden_files_and_node_modules(project: Path) -> None:
    files = collect_sources(Path("supabase/functions/hello"))
    assert [p for p, _ in files] == ["_shared/cors.ts", "index.ts"]
    assert dict(files)["index.ts"] == INDEX


def test_a_symlink_in_the_sources_is_refused(project: Path) -> None:
    secret = project / "key.pem"
    secret.write_text("not for upload")
    os.symlink(secret, project / "supabase/functions/hello/key.pem")
    with pytest.raises(FunctionSourceError, match="symbolic link"):
        collect_sources(Path("supabase/functions/hello"))


def test_deploy_sends_the_documented_form_and_outputs_the_version(project: Path, api: FakeManagementApi) -> None:
    provider = fns.EdgeFunctionProvider()
    props = inputs(api)
    assert provider.check({}, props).failures == []
    created = provider.create(props)
    assert created.id == f"{REF}/functions/hello"
    assert created.outs["version"] == 1 and created.outs["status"] == "ACTIVE"
    deployed = api.state.functions["hello"]
    assert deployed["files"] == {"index.ts": INDEX, "_shared/cors.ts": SHARED}
    assert deployed["verify_jwt"] is True and deployed["entrypoint_path"] == "index.ts"
    (request,) = api.mutations()
    assert request.path == f"/v1/projects/{REF}/functions/deploy?slug=hello"
    assert request.body["metadata"] == {"entrypoint_path": "index.ts", "verify_jwt": True, "name": "hello"}
    assert request.authorization == f"Bearer {TOKEN}"
    assert TOKEN not in json.dumps(created.outs)


def test_a_changed_file_is_an_update_that_deploys_a_new_version(project: Path, api: FakeManagementApi) -> None:
    provider = fns.EdgeFunctionProvider()
    before = inputs(api)
    outs = provider.create(before).outs
    (project / "supabase/functions/hello/index.ts").write_bytes(INDEX + b"// v2\n")
    after = inputs(api)
    diff = provider.diff("id", outs, after)
    assert diff.changes is True and diff.replaces == []
    assert provider.update("id", outs, after).outs["version"] == 2
    assert api.state.functions["hello"]["files"]["index.ts"].endswith(b"// v2\n")
    assert provider.diff("id", {**after, "version": 2}, inputs(api)).changes is False


def test_sources_changed_after_preview_are_not_deployed(project: Path, api: FakeManagementApi) -> None:
    provider = fns.EdgeFunctionProvider()
    planned = inputs(api)
    (project / "supabase/functions/hello/index.ts").write_bytes(b"// edited while `pulumi up` waited\n")
    with pytest.raises(FunctionSourceError, match="changed after the preview"):
        provider.create(planned)
    assert api.mutations() == [] and api.state.functions == {}


def test_renaming_the_slug_replaces_and_delete_removes(project: Path, api: FakeManagementApi) -> None:
    provider = fns.EdgeFunctionProvider()
    outs = provider.create(inputs(api)).outs
    assert provider.diff("id", outs, {**outs, "slug": "hello2"}).replaces == ["slug"]
    provider.delete("id", outs)
    assert api.state.functions == {}
    provider.delete("id", outs)  # already gone: still a success


def test_refresh_reads_verify_jwt_drift(project: Path, api: FakeManagementApi) -> None:
    provider = fns.EdgeFunctionProvider()
    outs = provider.create(inputs(api)).outs
    api.state.functions["hello"]["verify_jwt"] = False  # switched off in the dashboard
    read = provider.read("id", outs)
    assert read.outs is not None and read.outs["verify_jwt"] is False
    del api.state.functions["hello"]
    assert provider.read("id", outs).id is None


def test_the_fake_rejects_a_body_the_document_does_not_allow(project: Path, api: FakeManagementApi) -> None:
    """The referee itself: a metadata part without entrypoint_path, or JSON instead of a form, is a violation."""
    client = ManagementClient(TOKEN, api.url, timeout=2, max_total_seconds=1, sleep=lambda _s: None)
    form = multipart_form([("metadata", None, b'{"name":"x"}', "application/json"),
                           ("file", "index.ts", INDEX, "application/typescript")])
    with pytest.raises(Exception, match="entrypoint_path"):
        client.request("POST", f"/v1/projects/{REF}/functions/deploy?slug=hello", setting="t", form=form)
    with pytest.raises(Exception, match="multipart"):
        client.request("POST", f"/v1/projects/{REF}/functions/deploy?slug=hello", {"metadata": {}}, setting="t")
    with pytest.raises(Exception, match="slug"):
        client.deploy_function(REF, "1-bad", {"entrypoint_path": "index.ts"}, [("index.ts", INDEX)])
    assert len(api.violations) == 3
    api.violations.clear()


def test_check_refuses_a_missing_entrypoint_and_an_unreasoned_jwt_opt_out(project: Path,
                                                                         api: FakeManagementApi) -> None:
    provider = fns.EdgeFunctionProvider()
    props = inputs(api)
    failures = provider.check({}, {**props, "entrypoint_path": "main.ts"}).failures
    assert [f.property for f in failures] == ["entrypoint_path"]
    failures = provider.check({}, {**props, "verify_jwt": False, "verify_jwt_waiver": None}).failures
    assert [f.property for f in failures] == ["verify_jwt_waiver"]


def test_config_names_the_key_for_every_mistake(project: Path) -> None:
    cases = {
        "is not a directory": {"slug": "missing"},
        "entrypoint 'main.ts' is not a file": {"slug": "hello", "entrypoint": "main.ts"},
        "needs verifyJwtWaiver": {"slug": "hello", "verifyJwt": False},
        "without '..'": {"slug": "hello", "source": "../elsewhere"},
        "function slug": {"slug": "9lives"},
    }
    for expected, fn in cases.items():
        with pytest.raises(ConfigError) as err:
            stack_config({"functions": [fn]}, supabaseAccessToken=COMPONENT_TOKEN)
        assert "webstack:supabase.functions[0]" in str(err.value) and expected in str(err.value), str(err.value)
    with pytest.raises(ConfigError, match=r"functions\[1\]: duplicates entry"):
        stack_config({"functions": [{"slug": "hello"}, {"slug": "hello"}]}, supabaseAccessToken=COMPONENT_TOKEN)
    ok = stack_config({"functions": [{"slug": "hello", "verifyJwt": False,
                                      "verifyJwtWaiver": "Stripe webhook: verifies the Stripe-Signature header"}]},
                      supabaseAccessToken=COMPONENT_TOKEN)
    assert ok.supabase.functions[0].source == "supabase/functions/hello"


@pulumi.runtime.test
def test_component_registers_one_resource_per_function(project: Path, mocks: Recorder) -> Any:  # noqa: F811
    from components.supabase_project import SupabaseProject, supabase_args_from_config

    cfg = stack_config({"functions": [{"slug": "hello"}], "functionSecrets": ["STRIPE_KEY"]},
                       supabaseAccessToken=COMPONENT_TOKEN, supabaseFunctionSecrets='{"STRIPE_KEY": "sk_test_x"}')
    project_component = SupabaseProject("supabase", supabase_args_from_config(cfg))
    expected = source_digest(collect_sources(Path("supabase/functions/hello")))

    def check(_: Any) -> None:
        fn = by_type(mocks)["EdgeFunction"]
        assert fn.name == "supabase-function-hello"
        assert fn.inputs["source_sha256"] == expected
        assert fn.inputs["source_files"] == ["_shared/cors.ts", "index.ts"]
        assert fn.inputs["verify_jwt"] is True and fn.inputs["source_dir"] == "supabase/functions/hello"
        assert "access_token" not in fn.inputs and COMPONENT_TOKEN not in json.dumps(fn.inputs)

    return project_component.settings["function:hello"].urn.apply(check)
