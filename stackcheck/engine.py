"""Run a Pulumi Python program the way the language host would, against an in-process resource monitor.

No CLI, no plugins, no credentials: the program's ``RegisterResource`` calls land in :class:`RecordingMonitor`,
which answers like the engine does in a preview (inputs echoed back, computed outputs unknown) or, with
``dry_run=False``, with plausible mocked values. Everything registered is kept as a :class:`ResourceRecord` with
an engine-shaped URN (full parent type chain, no root-Stack prefix), its parent, dependencies and provider.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import hashlib
import json
import logging
import os
import re
import runpy
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2, json_format, struct_pb2

from stackcheck.model import PreviewResult, ResourceRecord
from stackcheck.wire import UNKNOWN, make_secret
from stackcheck.yamlsafe import YamlFileError, load_file

STACK_TYPE = "pulumi:pulumi:Stack"
SECURE_PLACEHOLDER = "stackcheck:unresolved-secure-value"
"""Also `components.config.stack.SECURE_PLACEHOLDER`: stackcheck runs foreign projects and must not import
components/, and the library must not depend on stackcheck; a test keeps the two equal."""
log = logging.getLogger("stackcheck")


_PROJECT_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


class UsageError(Exception):
    """Bad invocation or project layout (exit code 2)."""


class DuplicateUrnError(Exception):
    """Two resources registered with the same URN (the engine's "Duplicate resource URN"); exit code 2."""

    def __init__(self, urn: str) -> None:
        self.urn = urn
        super().__init__(f"Duplicate resource URN '{urn}'; try giving it a unique name")


# --------------------------------------------------------------------------------------------------------------------
# Project and stack config, read like the CLI does


@dataclass
class Project:
    name: str
    root: Path
    main: Path
    runtime: str
    config_defaults: dict[str, Any] = field(default_factory=dict)


def load_project(root: Path) -> Project:
    for candidate in ("Pulumi.yaml", "Pulumi.yml"):
        path = root / candidate
        if path.exists():
            break
    else:
        raise UsageError(f"no Pulumi.yaml in {root}: run stackcheck from a Pulumi project directory")
    doc = _read_yaml_mapping(path)
    runtime = doc.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise UsageError(f"{path}: runtime is {str(runtime_name)[:40]!r}; stackcheck runs Python programs only")
    main_entry = doc.get("main") or "."
    if not isinstance(main_entry, str) or "\0" in main_entry:
        raise UsageError(f"{path}: 'main' must be a path (a string)")
    main = root / main_entry
    if main.is_dir():
        main = main / "__main__.py"
    if not main.is_file():
        raise UsageError(f"{path}: program {main} not found")
    name = doc.get("name")
    if not isinstance(name, str) or not _PROJECT_NAME.fullmatch(name):
        raise UsageError(f"{path}: 'name' is required: letters, digits, '-', '_' and '.' (at most 100 characters)")
    defaults: dict[str, Any] = {}
    for key, spec in _config_section(doc, path, name).items():
        full = key
        if isinstance(spec, dict) and ("default" in spec or "value" in spec):
            defaults[full] = spec.get("value", spec.get("default"))
        elif not isinstance(spec, dict):
            defaults[full] = spec
    return Project(name=name, root=root, main=main, runtime="python", config_defaults=defaults)


def _read_yaml_mapping(path: Path) -> dict[str, Any]:
    try:
        doc = load_file(path)
    except YamlFileError as exc:
        raise UsageError(str(exc)) from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise UsageError(f"{path}: the top level must be a mapping (key: value lines), got a {_kind(doc)}")
    return doc


def _kind(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(type(value),
                                                                                           type(value).__name__)


def _config_section(doc: Mapping[str, Any], path: Path, project: str) -> dict[str, Any]:
    """``config:`` with every key namespaced (``domain`` → ``<project>:domain``); a key given both ways is refused,
    as the Pulumi CLI refuses it, rather than one silently winning."""
    section = doc.get("config")
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise UsageError(f"{path}: 'config' must be a mapping of keys to values, got a {_kind(section)}")
    out: dict[str, Any] = {}
    written: dict[str, str] = {}
    for key, value in section.items():
        if not key or key.startswith(":") or key.endswith(":") or key.count(":") > 1 or "\0" in key:
            raise UsageError(f"{path}: config key {key[:80]!r} must be NAME or NAMESPACE:NAME")
        full = key if ":" in key else f"{project}:{key}"
        if full in out:
            raise UsageError(f"{path}: config key {full[:80]!r} is given twice (as {written[full][:80]!r} and "
                             f"{key[:80]!r}); keep one")
        out[full] = value
        written[full] = key
    return out


def _config_string(value: Any) -> str:
    """Pulumi hands every config value to the program as a string; objects/lists as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _contains_secure(value: Any) -> bool:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return True
        return any(_contains_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secure(v) for v in value)
    return False


def _strip_secure(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECURE_PLACEHOLDER
        return {k: _strip_secure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_secure(v) for v in value]
    return value


def load_stack_config(
    project: Project,
    stack: str,
    overrides: Mapping[str, str] | None = None,
    secret_overrides: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], set[str]]:
    """Return (config map as the language host sees it, secret keys).

    ``secure:`` values cannot be decrypted without the CLI: they become a secret placeholder unless
    ``secret_overrides`` supplies the value (like ``pulumi up -c`` / ``pulumi config set --secret``).
    """
    if not _PROJECT_NAME.fullmatch(stack):
        raise UsageError(f"--stack {stack[:60]!r}: a stack name is letters, digits, '-', '_' and '.' "
                         "(at most 100 characters)")
    path = project.root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise UsageError(f"stack {stack!r} has no {path.name} in {project.root}")
    doc = _read_yaml_mapping(path)
    config: dict[str, str] = {}
    secret: set[str] = set()
    for key, value in project.config_defaults.items():
        config[key] = _config_string(value)
    for full, value in _config_section(doc, path, project.name).items():
        if _contains_secure(value):
            secret.add(full)
            value = _strip_secure(value)
        config[full] = _config_string(value)
    for overrides_map, is_secret in ((overrides or {}, False), (secret_overrides or {}, True)):
        for key, value in overrides_map.items():
            full = key if ":" in key else f"{project.name}:{key}"
            config[full] = value
            if is_secret:
                secret.add(full)
    return config, secret


# --------------------------------------------------------------------------------------------------------------------
# The monitor


def _plausible_outputs(type_: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Computed outputs for a non-preview run, per resource type (enough for programs to wire resources)."""
    # A stable digest (hashlib, not hash(): str hashes are salted per process, so reports would differ per run).
    digest = "sha256:" + hashlib.sha256(f"{type_}\0{name}".encode()).hexdigest()
    extra: dict[str, Any] = {}
    if type_.startswith("docker:index/image:Image"):
        extra = {"repoDigest": f"{inputs.get('imageName', name)}@{digest}", "imageName": inputs.get("imageName", name)}
    elif type_.startswith("docker:index/remoteImage:RemoteImage"):
        extra = {"imageId": digest, "repoDigest": f"{inputs.get('name', name)}@{digest}"}
    elif type_.startswith("tls:index/privateKey:PrivateKey"):
        extra = {"privateKeyPem": make_secret("-----BEGIN PRIVATE KEY-----\nMOCK\n-----END PRIVATE KEY-----\n"),
                 "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nMOCK\n-----END PUBLIC KEY-----\n"}
    elif type_.startswith("tls:index/certRequest:CertRequest"):
        extra = {"certRequestPem": "-----BEGIN CERTIFICATE REQUEST-----\nMOCK\n-----END CERTIFICATE REQUEST-----\n"}
    elif type_.startswith("cloudflare:index/originCaCertificate:OriginCaCertificate"):
        extra = {"certificate": "-----BEGIN CERTIFICATE-----\nMOCK\n-----END CERTIFICATE-----\n",
                 "expiresOn": "2041-11-27T00:00:00Z"}
    return {**inputs, **extra}


class RecordingMonitor:
    """A resource monitor that records registrations and answers like the engine (preview or update)."""

    def __init__(self, project: str, stack: str, dry_run: bool,
                 outputs_hook: Callable[[str, str, dict[str, Any]], dict[str, Any]] | None = None,
                 on_record: Callable[[ResourceRecord], None] | None = None):
        self.project = project
        self.stack = stack
        self.dry_run = dry_run
        self.records: dict[str, ResourceRecord] = {}
        self.order: list[str] = []
        self.stack_urn = self._urn(STACK_TYPE, f"{project}-{stack}")
        self.stack_outputs: dict[str, Any] = {}
        self._qualified: dict[str, str] = {}  # urn -> qualified type chain
        self._default_providers: dict[str, str] = {}
        self._lock = threading.Lock()
        self._outputs_hook = outputs_hook
        self._on_record = on_record  # e.g. stream each resource to the policy pack as the engine does
        self._counter = 0
        self.duplicates: list[str] = []  # URNs registered twice (the run fails with DuplicateUrnError)

    def _urn(self, qualified_type: str, name: str) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{qualified_type}::{name}"

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The engine's URN: the parent's full type chain joined by ``$``, the root Stack left out."""
        if type_ == STACK_TYPE:
            return self._urn(type_, name)
        if parent and parent != self.stack_urn:
            chain = self._qualified.get(parent) or parent.split("::")[2]
            qualified = f"{chain}${type_}"
        else:
            qualified = type_
        urn = self._urn(qualified, name)
        self._qualified[urn] = qualified
        return urn

    def _default_provider(self, type_: str, version: str) -> str:
        pkg = type_.split(":", 1)[0]
        key = f"{pkg}@{version}"
        ref = self._default_providers.get(key)
        if ref is None:
            suffix = "default" + (f"_{version.replace('.', '_')}" if version else "")
            ptype = f"pulumi:providers:{pkg}"
            urn = self._urn(ptype, suffix)
            pid = UNKNOWN if self.dry_run else f"{suffix}-id"
            ref = f"{urn}::{pid}"
            self._default_providers[key] = ref
            inputs: dict[str, Any] = {"version": version} if version else {}
            self.records[urn] = ResourceRecord(urn=urn, type=ptype, name=suffix, custom=True, parent=None,
                                               inputs=inputs, outputs=dict(inputs), id=pid)
            self.order.append(urn)
            if self._on_record is not None:
                self._on_record(self.records[urn])
        return ref

    # -- gRPC-shaped methods the SDK calls -------------------------------------------------------------------------

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802
        from pulumi.runtime.proto import resource_pb2

        with self._lock:
            urn = self.make_urn(request.parent, request.type, request.name)
            if request.type == STACK_TYPE:
                return resource_pb2.RegisterResourceResponse(urn=urn)
            if urn in self.records:
                # The engine refuses a second registration of one URN (the program would create two resources
                # it cannot tell apart); so do we, as the same error.
                self.duplicates.append(urn)
                raise DuplicateUrnError(urn)
            inputs = json_format.MessageToDict(request.object, preserving_proto_field_name=True)
            provider = request.provider
            if request.custom and not provider and not request.type.startswith("pulumi:providers:"):
                provider = self._default_provider(request.type, request.version)
            if request.custom:
                self._counter += 1
                rid = "" if self.dry_run else f"{request.name}-{self._counter:04d}"
            else:
                rid = ""
            if not request.custom:
                outputs: dict[str, Any] = {}
            elif self.dry_run:
                outputs = inputs
            elif self._outputs_hook is not None:
                outputs = self._outputs_hook(request.type, request.name, inputs)
            else:
                outputs = _plausible_outputs(request.type, request.name, inputs)
            record = ResourceRecord(
                urn=urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent or self.stack_urn,
                provider=provider,
                inputs=inputs,
                outputs=outputs,
                # Sorted: the SDK gathers them from sets, so their order varies from run to run.
                dependencies=sorted(set(request.dependencies)),
                property_dependencies={k: sorted(set(v.urns))
                                       for k, v in sorted(request.propertyDependencies.items())},
                protect=bool(request.protect),
                delete_before_replace=bool(request.deleteBeforeReplace),
                import_id=str(request.importId),
                additional_secret_outputs=list(request.additionalSecretOutputs),
                id=rid,
            )
            self.records[urn] = record
            self.order.append(urn)
            if self._on_record is not None:
                self._on_record(record)
        if outputs is inputs:
            obj = request.object
        else:
            obj = struct_pb2.Struct()
            obj.update(outputs)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=rid, object=obj)

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802
        outputs = json_format.MessageToDict(request.outputs, preserving_proto_field_name=True)
        with self._lock:
            if request.urn == self.stack_urn:
                self.stack_outputs = outputs
            elif request.urn in self.records:
                self.records[request.urn].outputs = outputs
        return empty_pb2.Empty()

    def ReadResource(self, request: Any) -> Any:  # noqa: N802
        from pulumi.runtime.proto import resource_pb2

        urn = self.make_urn(request.parent, request.type, request.name)
        props = json_format.MessageToDict(request.properties, preserving_proto_field_name=True)
        with self._lock:
            if urn in self.records:
                self.duplicates.append(urn)
                raise DuplicateUrnError(urn)
            record = ResourceRecord(urn=urn, type=request.type, name=request.name, custom=True,
                                    parent=request.parent or self.stack_urn, provider=request.provider,
                                    inputs=props, outputs=props, id=request.id)
            self.records[urn] = record
            self.order.append(urn)
            if self._on_record is not None:
                self._on_record(record)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=request.properties)

    def Invoke(self, request: Any) -> Any:  # noqa: N802
        from pulumi.runtime.proto import resource_pb2

        if request.tok == "pulumi:pulumi:getResource":
            args = json_format.MessageToDict(request.args)
            rec = self.records.get(args.get("urn", ""))
            if rec is not None:
                ret = struct_pb2.Struct()
                ret.update({"urn": rec.urn, "id": rec.id, "state": rec.outputs})
                return resource_pb2.ResourceInvokeResponse(**{"return": ret})
        raise RuntimeError(f"stackcheck cannot run provider function {request.tok!r} offline (no provider plugins)")

    def Call(self, request: Any) -> Any:  # noqa: N802
        raise RuntimeError(f"stackcheck cannot run method call {request.tok!r} offline")

    def SupportsFeature(self, request: Any) -> Any:  # noqa: N802
        has = request.id not in ("outputValues",)
        return type("SupportsFeatureResponse", (), {"hasSupport": has})

    def GetDeploymentInfo(self, request: Any) -> Any:  # noqa: N802
        from pulumi.runtime.proto import resource_pb2

        return resource_pb2.DeploymentInfo(supportedFeatures=[
            resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
            resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
            resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
            resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
            resource_pb2.RESOURCE_MONITOR_FEATURE_TRANSFORMS,
        ])

    def RegisterPackage(self, request: Any) -> Any:  # noqa: N802
        from pulumi.runtime.proto import resource_pb2

        return resource_pb2.RegisterPackageResponse(ref=f"{request.name}@{request.version}")

    def _empty(self, request: Any) -> Any:
        return empty_pb2.Empty()

    RegisterStackTransform = _empty
    RegisterStackInvokeTransform = _empty
    RegisterResourceHook = _empty
    RegisterErrorHook = _empty
    SignalAndWaitForShutdown = _empty

    def ExistsResource(self, request: Any) -> Any:  # noqa: N802
        from pulumi.runtime.proto import resource_pb2

        return resource_pb2.ExistsResourceResponse(exists=False)

    # -- results ----------------------------------------------------------------------------------------------------

    def resources(self) -> list[ResourceRecord]:
        """The root Stack, its default providers, then the tree depth-first with siblings sorted by (type, name).

        The SDK registers resources from a thread pool as their inputs resolve, so arrival order varies from run to
        run; reports and JSON documents must not (they are diffed in review). Parents still precede children.
        """
        stack = ResourceRecord(urn=self.stack_urn, type=STACK_TYPE, name=f"{self.project}-{self.stack}",
                               custom=False, parent=None, outputs=self.stack_outputs)
        records = [self.records[u] for u in self.order]
        children: dict[str | None, list[ResourceRecord]] = {}
        for record in records:
            parent = record.parent if record.parent in self.records else None
            if record.parent == self.stack_urn:
                parent = self.stack_urn
            children.setdefault(parent, []).append(record)
        ordered: list[ResourceRecord] = [stack]

        def walk(parent: str | None) -> None:
            for child in sorted(children.get(parent, []), key=lambda r: (r.type, r.name)):
                ordered.append(child)
                walk(child.urn)

        walk(None)  # default providers (and anything whose parent was never registered)
        walk(self.stack_urn)
        return ordered


class RecordingEngine:
    """The engine service for ``pulumi.log`` (messages are kept) and the root-resource bookkeeping."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, str, str]] = []
        self.root_urn = ""

    def Log(self, request: Any) -> Any:  # noqa: N802
        self.messages.append((request.severity, request.urn, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any) -> Any:  # noqa: N802
        from pulumi.runtime.proto import engine_pb2

        return engine_pb2.GetRootResourceResponse(urn=self.root_urn)

    def SetRootResource(self, request: Any) -> Any:  # noqa: N802
        from pulumi.runtime.proto import engine_pb2

        self.root_urn = request.urn
        return engine_pb2.SetRootResourceResponse()


# --------------------------------------------------------------------------------------------------------------------
# Running a program


@contextmanager
def _program_environment(project: Project, config: Mapping[str, str], secret_keys: set[str]) -> Iterator[None]:
    """cwd, sys.path and the config env vars as the Python language host sets them; restored afterwards."""
    saved_cwd = os.getcwd()
    saved_path = list(sys.path)
    saved_env = {k: os.environ.get(k) for k in ("PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS")}
    os.environ["PULUMI_CONFIG"] = json.dumps(dict(config))
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(sorted(secret_keys))
    os.chdir(project.root)
    sys.path.insert(0, str(project.main.parent))
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class ProgramError(Exception):
    """The program raised; ``original`` is the exception (a ConfigError becomes exit code 2)."""

    def __init__(self, original: BaseException, resources: list[ResourceRecord] | None = None):
        self.original = original
        self.resources = resources or []  # what was registered before the failure (the root Stack included)
        super().__init__(str(original))


def run_program(
    project_dir: Path,
    stack: str,
    *,
    dry_run: bool = True,
    overrides: Mapping[str, str] | None = None,
    secret_overrides: Mapping[str, str] | None = None,
    program: Callable[[], Any] | None = None,
    organization: str = "organization",
    on_record: Callable[[ResourceRecord], None] | None = None,
) -> tuple[PreviewResult, RecordingEngine]:
    """Run the project's program (or ``program``) for ``stack`` and return what it registered.

    The run happens in a copy of the caller's context. The Pulumi SDK keeps its per-deployment state (settings,
    the root stack, config) in context variables, so the run neither sees nor changes the caller's: a test module
    that called ``pulumi.runtime.set_mocks`` keeps its mocks and root stack (before, the run failed there with
    "Only one root Pulumi Stack may be active at once", and reset the caller's settings afterwards). The caller's
    event loop is put back afterwards."""
    return contextvars.copy_context().run(
        _run_program, project_dir, stack, dry_run=dry_run, overrides=overrides, secret_overrides=secret_overrides,
        program=program, organization=organization, on_record=on_record)


def _current_event_loop() -> asyncio.AbstractEventLoop | None:
    """The thread's event loop as ``asyncio.get_event_loop`` would give it (made if none was set), else None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return None


def _run_program(
    project_dir: Path,
    stack: str,
    *,
    dry_run: bool,
    overrides: Mapping[str, str] | None,
    secret_overrides: Mapping[str, str] | None,
    program: Callable[[], Any] | None,
    organization: str,
    on_record: Callable[[ResourceRecord], None] | None,
) -> tuple[PreviewResult, RecordingEngine]:
    from pulumi.runtime import config as pulumi_config
    from pulumi.runtime import settings

    project = load_project(project_dir.resolve())
    config, secret_keys = load_stack_config(project, stack, overrides, secret_overrides)
    monitor = RecordingMonitor(project.name, stack, dry_run, on_record=on_record)
    engine = RecordingEngine()

    callers_loop = _current_event_loop()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    failure: list[BaseException] = []
    # The cyclic GC is paused for the run: the provider SDKs leave ~10^6 long-lived objects behind at import and
    # every collection rescans the survivors, which made the run superlinear (t(2k)/t(1k) ≈ 2.5, GC > 50 % of the
    # time). Measured: the run creates almost no cyclic garbage (peak RSS at 4,000 resources 622 MB without GC vs
    # 603 MB with it), so nothing accumulates. Restored in `finally`.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with _program_environment(project, config, secret_keys):
            # No root stack of the caller's (set_mocks makes one) in this context: the program's Stack is the root.
            settings.reset_options()
            # A whole new settings bag, as the language host starts with. Its constructor also gives the run its
            # own per-deployment state (the SDK keeps it in context variables): the set of outstanding Outputs, the
            # RPC manager, package references. `mocks.MockSettings` resets only the RPC manager: an Output made
            # outside any run earlier in the process (e.g. `supabase_args_from_config` in a test) stayed in the
            # set, pending on a loop that no longer runs, and this run's drain waited for it forever.
            run_settings = settings.Settings(
                project=project.name,
                stack=stack,
                monitor=monitor,
                engine=engine,
                parallel=0,
                dry_run=dry_run,
                legacy_apply_enabled=False,
                organization=organization,
                root_directory=str(project.root),
            )
            run_settings.monitor_features = set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures)
            settings.configure(run_settings)
            pulumi_config.set_all_config(dict(config), sorted(secret_keys))

            def main() -> None:
                try:
                    if program is not None:
                        program()
                    else:
                        runpy.run_path(str(project.main), run_name="__main__")
                except BaseException as exc:
                    failure.append(exc)
                    raise

            try:
                _run_in_stack(loop, main, stream=on_record is not None)
            except BaseException as exc:  # noqa: BLE001
                if not failure:
                    failure.append(exc)
    finally:
        # The context is discarded with the run; resetting it still matters on an SDK that would keep some of this
        # state outside context variables.
        settings.reset_options()
        pulumi_config.set_all_config({}, [])
        with warnings.catch_warnings():
            if failure and not isinstance(failure[0], Exception):
                # Interrupted: the registrations still queued are abandoned on purpose (see _run_in_stack_fast); the
                # loop is not run again. Python would print a warning for each one as it is freed.
                warnings.filterwarnings("ignore", message="coroutine .* was never awaited", category=RuntimeWarning)
                loop.set_exception_handler(_quiet_about_abandoned_tasks)
            loop.close()
        # Put the caller's loop back (its pending tasks, e.g. the Outputs of its own set_mocks tests, belong to it),
        # or leave a usable fresh one: code run after us in the same process calls asyncio.get_event_loop().
        usable = callers_loop is not None and not callers_loop.is_closed()
        asyncio.set_event_loop(callers_loop if usable else asyncio.new_event_loop())
        if gc_was_enabled:
            gc.enable()
    if monitor.duplicates:
        raise ProgramError(DuplicateUrnError(monitor.duplicates[0]), monitor.resources())
    if failure:
        raise ProgramError(_root_cause(failure[0]), monitor.resources())
    result = PreviewResult(project=project.name, stack=stack, dry_run=dry_run, resources=monitor.resources(),
                           outputs=monitor.stack_outputs)
    return result, engine


def _quiet_about_abandoned_tasks(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The exception handler of an interrupted run's loop: "Task was destroyed but it is pending!" is what the
    abandoned registrations are expected to say; anything else is reported as usual."""
    if "destroyed but it is pending" not in str(context.get("message", "")):
        loop.default_exception_handler(context)


FAST_RUN_SDK = ((3, 272), (3, 273))
"""Pulumi SDK versions [low, high) whose private run-loop internals :func:`_run_in_stack_fast` was tested with
(``Stack._take_async_program``/``_add_program_outputs``/``_finish``, ``settings._load_monitor_feature_support``/
``_shutdown_callbacks``). Any other version takes the SDK's public ``pulumi.runtime.run_in_stack``."""


def fast_run_supported(sdk_version: str) -> bool:
    """Whether :func:`_run_in_stack_fast` may run under this SDK: a tested version, and the internals present."""
    parts = re.match(r"(\d+)\.(\d+)", sdk_version)
    if parts is None:
        return False
    low, high = FAST_RUN_SDK
    if not low <= (int(parts.group(1)), int(parts.group(2))) < high:
        return False
    from pulumi.runtime import settings, stack

    return all(hasattr(stack.Stack, name) for name in ("_take_async_program", "_add_program_outputs", "_finish")) \
        and all(hasattr(settings, name) for name in ("_load_monitor_feature_support", "_shutdown_callbacks"))


def _sdk_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pulumi")
    except PackageNotFoundError:
        return "unknown"


def _run_in_stack(loop: asyncio.AbstractEventLoop, program: Callable[[], Any], *, stream: bool = False) -> None:
    """Run the program inside a root Stack, as the language host does: the fast path on a tested SDK, else the SDK's
    public ``run_in_stack`` (same registrations and outputs, ~40 % slower per resource). ``stream``: a consumer
    (the policy pack) takes each registration as it arrives, so registrations should not wait for the program's end
    (see :func:`_run_in_stack_fast`)."""
    sdk = _sdk_version()
    if fast_run_supported(sdk):
        _run_in_stack_fast(loop, program, stream=stream)
        return
    log.info("pulumi SDK %s is outside the tested range %s-%s for the fast run loop; using the public run_in_stack",
             sdk, ".".join(map(str, FAST_RUN_SDK[0])), ".".join(map(str, FAST_RUN_SDK[1])))
    from pulumi.runtime import run_in_stack

    loop.run_until_complete(run_in_stack(program))


def _run_in_stack_fast(loop: asyncio.AbstractEventLoop, program: Callable[[], Any], *, stream: bool = False) -> None:
    """What ``pulumi.runtime.run_in_stack`` does, with the synchronous program body run outside the event loop.

    Same registrations, same order, same outputs; only scheduling differs: the SDK's resource constructors queue
    their RPCs, and the loop then drains them all at once (as ``set_mocks`` tests do) instead of pumping the loop
    re-entrantly on every constructor, which costs ~40 % more per resource. ``pulumi.run(async_fn)`` programs
    are awaited exactly as the language host does. Uses SDK internals: only on a version :func:`fast_run_supported`
    accepts.

    With ``stream``, the loop also runs a few steps every :data:`PUMP_EVERY` constructors (:func:`_pump_between`),
    so resources register while the program is still constructing, as under the engine. Drained only at the end,
    the first of 1,000 registrations came 0.5 s after the program body ended, all within 0.6 s, and the policy pack
    judging them had a backlog when the program ended; pumped, half of them have arrived half-way through the run.
    """
    from pulumi.runtime.settings import _load_monitor_feature_support, _shutdown_callbacks
    from pulumi.runtime.stack import Stack, wait_for_rpcs

    loop.run_until_complete(_load_monitor_feature_support())
    error: BaseException | None = None
    stack = Stack()
    if stream:
        _pump_between(loop)
    try:
        program()
        async_program = stack._take_async_program()
        if async_program is not None:

            async def run_async() -> None:
                stack._add_program_outputs(await async_program())

            loop.run_until_complete(run_async())
    except BaseException as exc:  # noqa: BLE001 - re-raised once outstanding RPCs are drained, like the SDK
        error = exc
    finally:
        stack._finish()
    if error is not None and not isinstance(error, Exception):
        # An interrupt (or SystemExit) that arrived while the loop ran — a pump between constructors, an async
        # program — left the callback it hit unfinished: an RPC waiting on it would never complete, and the drain
        # would wait forever (a SIGTERMed preview hung in tests/robustness/test_processes.py). Stop now.
        raise error

    async def drain() -> None:
        try:
            await wait_for_rpcs()
        finally:
            await _shutdown_callbacks()

    loop.run_until_complete(drain())
    if error is not None:
        raise error


PUMP_EVERY = 256
"""Constructors between two pumps of the event loop when registrations are streamed. Coarse on purpose: the same
work costs more when it is interleaved finely with the program's constructors (every 16: +0.18 s on 1,000
resources, the policy share 19 %; every 256: +0.06 s, 11-14 %, ten interleaved runs each, bench/policy.py's stack),
and a few batches already spread the records over the run."""
PUMP_STEPS = 32
"""Loop iterations per pump: enough to carry the queued registrations through input preparation to the monitor."""


def _pump_between(loop: asyncio.AbstractEventLoop) -> None:
    """Run ``PUMP_STEPS`` iterations of the (idle) loop every ``PUMP_EVERY`` resource constructors.

    The hook is a stack transformation (public SDK API, applied by every constructor before it registers) that
    returns None: the resource and its options are left exactly as they are. The loop is only stepped while it is
    not running — between the synchronous program body's statements; a constructor called from inside the loop (an
    ``apply`` callback, a ``pulumi.run(async_fn)`` program) leaves it alone. Each step runs what is ready at that
    moment, the same callbacks the final drain would run, in the same order among themselves."""
    import pulumi

    constructed = 0

    def pump(_args: Any) -> None:
        nonlocal constructed
        constructed += 1
        if constructed % PUMP_EVERY == 0 and not loop.is_running():
            for _ in range(PUMP_STEPS):
                loop.call_soon(loop.stop)
                loop.run_forever()
        return None

    pulumi.runtime.register_stack_transformation(pump)


def _root_cause(exc: BaseException) -> BaseException:
    """Pulumi wraps program exceptions in RunError/grpc errors; find the user's exception."""
    seen = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        nxt = exc.__cause__ or exc.__context__
        if nxt is None or type(exc).__name__ not in ("RunError", "InputPropertyError", "Exception"):
            break
        exc = nxt
    return exc
