"""The engine's fast run loop uses Pulumi SDK internals: it runs only on the SDK versions it was tested with, and
the public `pulumi.runtime.run_in_stack` fallback registers the same resources with the same outputs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from stackcheck import engine

PROGRAM = '''
import pulumi


class Site(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("acme:web:Site", name, None, opts)
        self.bucket = pulumi.CustomResource("acme:storage:Bucket", f"{name}-bucket",
                                            {"acl": "private", "tags": {"team": "web"}},
                                            pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


site = Site("shop")
pulumi.CustomResource("acme:dns:Record", "www", {"name": "www", "ttl": 300},
                      pulumi.ResourceOptions(depends_on=[site.bucket]))
pulumi.export("region", pulumi.Config().require("region"))


async def main():
    pulumi.CustomResource("acme:dns:Record", "late", {"name": "late", "ttl": 60})
    return {"late": "registered"}


pulumi.run(main)
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: guarded\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  guarded:region: eu-west-1\n")
    (tmp_path / "__main__.py").write_text(PROGRAM)
    return tmp_path


def test_fast_path_only_on_tested_sdk_versions() -> None:
    low, high = engine.FAST_RUN_SDK
    assert engine.fast_run_supported(f"{low[0]}.{low[1]}.0")
    assert not engine.fast_run_supported(f"{low[0]}.{low[1] - 1}.9")
    assert not engine.fast_run_supported(f"{high[0]}.{high[1]}.0")
    assert not engine.fast_run_supported("4.0.0") and not engine.fast_run_supported("unknown")


def test_installed_sdk_takes_the_fast_path() -> None:
    """requirements.txt pins an SDK inside the tested range (pyproject's range is the same)."""
    assert engine.fast_run_supported(engine._sdk_version())


def _snapshot(project: Path) -> tuple[list[tuple[str, str, object, str | None]], dict[str, object]]:
    result, _ = engine.run_program(project, "dev")
    resources = [(r.urn, r.type, r.inputs, r.parent) for r in result.resources]
    return resources, dict(result.outputs)


def test_public_fallback_gives_the_same_preview(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    fast = _snapshot(project)
    monkeypatch.setattr(engine, "_sdk_version", lambda: "9.0.0")
    with caplog.at_level(logging.INFO, logger="stackcheck"):
        public = _snapshot(project)
    assert "outside the tested range" in caplog.text
    assert public == fast
    resources, outputs = fast
    assert outputs == {"region": "eu-west-1", "late": "registered"}
    assert {urn.rsplit("::", 1)[1] for urn, *_ in resources} >= {"shop", "shop-bucket", "www", "late"}


STREAMED = '''
import pulumi

import counter

for i in range(120):
    counter.constructed += 1
    pulumi.CustomResource("acme:dns:Record", f"r{i}", {"name": f"r{i}", "ttl": 300})


def later(name):
    # A constructor called from inside the running loop (an apply callback): it must not step the loop.
    pulumi.CustomResource("acme:dns:Record", f"{name}-child", {"name": name})
    return name


pulumi.Output.from_input("applied").apply(later)
'''


def test_streamed_registrations_arrive_while_the_program_constructs(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """With a consumer of each registration (the policy pack), the loop is stepped between constructors: records
    arrive long before the program body ends; the preview is the same as without a consumer."""
    import sys
    import types

    (tmp_path / "Pulumi.yaml").write_text("name: streamed\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(STREAMED)
    counter = types.ModuleType("counter")
    counter.constructed = 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "counter", counter)
    monkeypatch.setattr(engine, "PUMP_EVERY", 16)  # the mechanism, on a small program (the default is coarser)
    monkeypatch.setattr(engine, "PUMP_STEPS", 4)
    seen_at: list[int] = []
    streamed, _ = engine.run_program(tmp_path, "dev", on_record=lambda r: seen_at.append(counter.constructed))
    counter.constructed = 0  # type: ignore[attr-defined]
    plain, _ = engine.run_program(tmp_path, "dev")
    assert len(seen_at) == 122  # 120 records, the child made in the apply, the default provider
    assert sum(1 for n in seen_at if n < 120) >= 60, "registrations waited for the program body to end"
    assert [(r.urn, r.inputs, r.parent) for r in streamed.resources] == \
        [(r.urn, r.inputs, r.parent) for r in plain.resources]


def test_without_a_consumer_the_loop_runs_only_at_the_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No consumer, no stepping: the stack carries no transformation of ours (the program sees its stack as is)."""
    from pulumi.runtime.stack import Stack

    seen: list[object] = []
    original_finish = Stack._finish

    def finish(self: Stack) -> None:
        seen.append(list(self._transformations or []))
        original_finish(self)

    monkeypatch.setattr(Stack, "_finish", finish)
    (tmp_path / "Pulumi.yaml").write_text("name: plain\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text("import pulumi\npulumi.CustomResource('acme:x:Y', 'y', {})\n")
    engine.run_program(tmp_path, "dev")
    engine.run_program(tmp_path, "dev", on_record=lambda r: None)
    assert seen[0] == [] and len(seen[1]) == 1  # type: ignore[arg-type]



def test_an_interrupt_ends_the_run_without_waiting_for_registrations(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """An interrupt that lands mid-constructor (or in a callback the loop was running) can leave a registration
    that never completes; waiting for outstanding registrations then hangs (a SIGTERMed preview did, in
    tests/robustness/test_processes.py). The run ends with the interrupt at once; an ordinary program error still
    waits for them, as the SDK does."""
    import gc
    import warnings

    import pulumi.runtime.stack as sdk_stack

    drained: list[bool] = []
    original = sdk_stack.wait_for_rpcs

    async def recording_wait_for_rpcs(*args: object, **kwargs: object) -> None:
        drained.append(True)
        await original(*args, **kwargs)

    monkeypatch.setattr(sdk_stack, "wait_for_rpcs", recording_wait_for_rpcs)
    (tmp_path / "Pulumi.yaml").write_text("name: interrupted\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    for raised in ("KeyboardInterrupt", "ValueError"):
        drained.clear()
        (tmp_path / "__main__.py").write_text(
            "import pulumi\n"
            "for i in range(60):\n"
            f"    if i == 40:\n        raise {raised}('stop')\n"
            "    pulumi.CustomResource('acme:dns:Record', f'r{i}', {'name': f'r{i}'})\n")
        with pytest.raises(engine.ProgramError) as caught, warnings.catch_warnings():
            # The interrupted run's unstarted Output coroutines are freed by the next collection; in the CLI the
            # process ends first. Collected here so the warning is not charged to whichever test comes next.
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                engine.run_program(tmp_path, "dev", on_record=lambda r: None)
            finally:
                gc.collect()
        assert type(caught.value.original).__name__ == raised
        assert drained == ([] if raised == "KeyboardInterrupt" else [True])


STRAY_OUTPUTS = '''
import asyncio, sys
from pathlib import Path

import pulumi

from stackcheck import engine

if sys.argv[2] == "public":
    engine._sdk_version = lambda: "9.0.0"  # the SDK's public run_in_stack path
# Outputs made outside any run, as a test or a tool does when it calls a config helper that wraps values in
# Output.secret: one waits on a future nobody resolves, one has already failed.
loop = asyncio.get_event_loop()
never = loop.create_future()
pulumi.Output.from_input(never)
failed = loop.create_future()
failed.set_exception(RuntimeError("a stray Output failed"))
pulumi.Output.from_input(failed)
loop.run_until_complete(asyncio.sleep(0))
result, _ = engine.run_program(Path(sys.argv[1]), "dev")
print(sorted(r.urn.rsplit("::", 1)[1] for r in result.resources))
'''


@pytest.mark.parametrize("path", ["fast", "public"])
def test_outputs_made_before_a_run_are_not_waited_for(project: Path, path: str) -> None:
    """Each run starts with the SDK's per-deployment state of its own, as a new language host does. Outputs made
    earlier in the process (tests in the same pytest worker made some, calling `supabase_args_from_config`) are
    not this run's: waiting for a pending one hung the drain forever (a CI run timed out after 90 minutes), and a
    failed one would be raised as this program's error. In a child process: a regression fails here in 60 s
    instead of hanging a test worker."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", STRAY_OUTPUTS, str(project), path], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "'shop-bucket'" in done.stdout and "'late'" in done.stdout, done.stdout


BESIDE_SET_MOCKS = '''
import asyncio, sys
from pathlib import Path

import pulumi
from pulumi.runtime import config as pulumi_config

from stackcheck import engine


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return [args.name + "-id", args.inputs]

    def call(self, args):
        return {}


# A test module in Pulumi's documented unit-test style: mocks and config set once, at import.
pulumi.runtime.set_mocks(Mocks(), project="users", stack="test", preview=False)
pulumi_config.set_all_config({"users:region": "eu-north-1"}, [])
loop = asyncio.get_event_loop()


@pulumi.runtime.test
def users_test(name):
    bucket = pulumi.CustomResource("acme:storage:Bucket", name, {"acl": "private"})
    return pulumi.Output.all(bucket.id, pulumi.Config("users").require("region")).apply(print)


users_test("before")
result, _ = engine.run_program(Path(sys.argv[1]), "dev")
print(sorted(r.urn.rsplit("::", 1)[1] for r in result.resources))
print("same loop:", asyncio.get_event_loop() is loop)
users_test("after")
'''


def test_a_run_beside_set_mocks_leaves_the_callers_pulumi_state_alone(project: Path) -> None:
    """In a process whose tests use `pulumi.runtime.set_mocks` (module-level mocks and config), a run neither
    fails on their root stack ("Only one root Pulumi Stack may be active at once", before) nor resets their
    mocks, config or event loop: each run has a context of its own. In a child process: set_mocks at import would
    leak into this worker."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", BESIDE_SET_MOCKS, str(project)], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "['before-id', 'eu-north-1']", lines
    assert "'shop-bucket'" in lines[1] and "'late'" in lines[1], lines
    assert lines[2:] == ["same loop: True", "['after-id', 'eu-north-1']"], lines
