"""Run a CrossGuard policy pack exactly as the Pulumi engine does, over the real Analyzer gRPC protocol.

The pack is started as ``<python> -u -m pulumi.policy <engine-address> <pack-dir>`` with the pack directory as
working directory (through a short ``-c`` prelude that makes it die with its parent, then runs the module as ``-m``
does); it prints its port on the first stdout line. We host the small Engine service it may log to.
Calls, in the order this module makes them: when the session starts, Handshake (a Python pack answers
UNIMPLEMENTED, which the engine tolerates) → GetAnalyzerInfo (the policies and their schemas, needed to reconcile
the config); then for each run (:meth:`PolicyPackSession.stream`) ConfigureStack (stack, tags) → Configure (the
reconciled config, one entry for every policy) → per resource Remediate (when a policy is at ``remediate``) and
Analyze → AnalyzeStack. The engine sends ConfigureStack before GetAnalyzerInfo; a session serves several runs with
different tags, so here it comes per run, still before Configure and every Analyze — the calls that depend on it.

The pack runs in its own process group (or its parent's, when that parent is the policy proxy, whose group is
ended as a whole) and dies with its parent on Linux (see :mod:`stackcheck.contract`).

Inputs travel as the engine sends them: secrets unwrapped to plaintext, unknowns as the unknown sentinel. No
value ever goes into a log line or a violation message: messages are scrubbed of every secret plaintext too.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent import futures
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2, engine_pb2_grpc

from stackcheck.contract import PYTHONPATH_ENV, end_process, end_process_group, popen_child, python_module_argv
from stackcheck.model import ResourceRecord, Violation
from stackcheck.policy_config import (
    PolicyConfigError,
    PolicySettings,
    apply_suppressions,
    load_config_file,
    reconcile,
    suppressions,
)
from stackcheck.wire import SECRET_SIG, SECRET_SIG_KEY, public_strings, unwrap

__all__ = ["PolicyConfigError", "PolicyPackError", "PolicyPackSession", "run_policy_pack"]

_LEVEL_NAMES = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
_LEVEL_VALUES = {v: k for k, v in _LEVEL_NAMES.items()}
_SEVERITY_NAMES = {
    analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED: "",
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
_MAX_MESSAGE = 1024 * 1024 * 400
_START_TIMEOUT_S = 60.0


class PolicyPackError(RuntimeError):
    """The pack would not start or broke the protocol; carries the tail of its output."""


def _restore_user_pythonpath(env: dict[str, str]) -> None:
    """The pack gets the user's PYTHONPATH, never the entry that makes stackcheck (and so the project that
    contains it) importable: a pack must not be able to import the program it judges."""
    if PYTHONPATH_ENV in env:
        user = env.pop(PYTHONPATH_ENV)
        if user:
            env["PYTHONPATH"] = user
        else:
            env.pop("PYTHONPATH", None)


def check_pack_dir(pack_dir: Path) -> Path:
    """A policy pack directory: ``PulumiPolicy.yaml`` (a mapping, ``runtime: python``) and ``__main__.py``, and not
    a Pulumi project (its ``__main__.py`` would be the program). Raises PolicyPackError naming what is missing."""
    pack_dir = pack_dir.resolve()
    if not pack_dir.is_dir():
        raise PolicyPackError(f"{pack_dir} is not a policy pack (not a directory)")
    manifest = pack_dir / "PulumiPolicy.yaml"
    if not manifest.is_file():
        raise PolicyPackError(f"{pack_dir} is not a policy pack (no PulumiPolicy.yaml)")
    if (pack_dir / "Pulumi.yaml").exists() or (pack_dir / "Pulumi.yml").exists():
        raise PolicyPackError(f"{pack_dir} is a Pulumi project, not a policy pack (it has Pulumi.yaml): give the "
                              "pack's own directory")
    try:
        import yaml

        doc = yaml.safe_load(manifest.read_bytes()[:1_000_000].decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        raise PolicyPackError(f"{manifest}: not a readable YAML file") from None
    runtime = doc.get("runtime") if isinstance(doc, dict) else None
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if name != "python":
        raise PolicyPackError(f"{manifest}: runtime must be python (stackcheck runs Python packs), got "
                              f"{str(name)[:40]!r}")
    if not (pack_dir / "__main__.py").is_file():
        raise PolicyPackError(f"{pack_dir} is not a policy pack (no __main__.py)")
    return pack_dir


class _Engine(engine_pb2_grpc.EngineServicer):
    """The Engine service a plugin may call back into: we keep its log lines (they are shown on failure)."""

    def __init__(self) -> None:
        self.logs: collections.deque[str] = collections.deque(maxlen=200)
        self.root = ""

    def Log(self, request: engine_pb2.LogRequest, context: grpc.ServicerContext) -> empty_pb2.Empty:  # noqa: N802
        self.logs.append(f"{engine_pb2.LogSeverity.Name(request.severity)}: {request.message}")
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        return engine_pb2.GetRootResourceResponse(urn=self.root)

    def SetRootResource(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        self.root = request.urn
        return engine_pb2.SetRootResourceResponse()


class _Drain(threading.Thread):
    """Reads a pipe to the end so the pack never blocks on a full buffer; keeps the last lines."""

    def __init__(self, stream: Any, first_line: threading.Event | None = None) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.lines: collections.deque[str] = collections.deque(maxlen=200)
        self.first: str | None = None
        self.first_line = first_line

    def run(self) -> None:
        for raw in iter(self.stream.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            if self.first_line is not None and self.first is None:
                self.first = line
                self.first_line.set()
                continue
            self.lines.append(line)
        if self.first_line is not None:
            self.first_line.set()


@dataclass
class PackPolicy:
    name: str
    description: str
    enforcement: str
    severity: str
    kind: str  # resource | stack
    remediation_steps: str
    url: str
    tags: list[str]
    config_schema: dict[str, Any]
    display_name: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "enforcementLevel": self.enforcement,
            "severity": self.severity,
            "type": self.kind,
            "remediationSteps": self.remediation_steps,
            "url": self.url,
            "tags": self.tags,
            "configSchema": self.config_schema,
            "displayName": self.display_name,
        }


def _pack_version(pack_dir: Path) -> str:
    path = pack_dir / "PulumiPolicy.yaml"
    try:
        import yaml

        doc = yaml.safe_load(path.read_text()) or {}
    except (OSError, ImportError):
        return ""
    return str(doc.get("version", "")) if isinstance(doc, dict) else ""


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(dict(value))
    return s


def _plain_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Wire-form inputs as Analyze receives them: secrets unwrapped, unknowns kept as the sentinel."""
    return {str(k): unwrap(v) for k, v in dict(inputs).items()}


def secret_strings(value: Any) -> set[str]:
    """Every plaintext string under a secret marker (to scrub from messages).

    Inputs are plain JSON data here, so concrete ``dict``/``list`` checks suffice (``Mapping`` ABC checks made
    this the client's hottest function).
    """
    found: set[str] = set()

    def collect_plain(v: Any) -> None:
        if isinstance(v, str):
            if len(v) >= 3:
                found.add(v)
        elif isinstance(v, dict):
            for x in dict.values(v):
                collect_plain(x)
        elif isinstance(v, list):
            for x in v:
                collect_plain(x)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            found.add(str(v))

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            if dict.get(v, SECRET_SIG_KEY) == SECRET_SIG:
                collect_plain(unwrap(v))
                return
            for x in dict.values(v):
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(value)
    return found


def scrub(message: str, secrets: Iterable[str]) -> str:
    for s in sorted(secrets, key=len, reverse=True):
        if s and s in message:
            message = message.replace(s, "[secret]")
    return message


def _provider_urn(reference: str) -> str:
    """The provider's URN in a provider reference (``urn::id``; a bare URN as it is)."""
    return reference.rsplit("::", 1)[0] if reference.count("::") > 3 else reference


def _type_of_urn(urn: str) -> str:
    parts = urn.split("::")
    return parts[2].split("$")[-1] if len(parts) >= 4 else ""


class PolicyPackSession:
    """One running pack: start, speak the protocol, stop. Reusable across stacks (tests start it once).

    ``stack``/``project`` also go to the pack's environment (``PULUMI_STACK`` …) as the engine sets them; a pack
    reads the stack name from there, so one session judges one stack name (tags can change per run).
    """

    def __init__(self, pack_dir: Path, *, project: str, stack: str, dry_run: bool = True,
                 python: str = sys.executable, organization: str = "organization",
                 stack_config: Mapping[str, str] | None = None, new_group: bool = True) -> None:
        self.pack_dir = check_pack_dir(Path(pack_dir))
        # Per-run caches of request parts (reset by stream()): record URN -> (record, inputs Struct), provider.
        self._structs: dict[str, tuple[ResourceRecord, struct_pb2.Struct]] = {}
        self._providers: dict[tuple[str, int], tuple[ResourceRecord | None, analyzer_pb2.AnalyzerProviderResource]] = {}
        self.project, self.stack, self.dry_run = project, stack, dry_run
        self.organization = organization
        self.stack_config = dict(stack_config or {})
        self.engine = _Engine()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()
        self.engine_address = f"127.0.0.1:{port}"
        env = dict(os.environ)
        env.update({
            "PULUMI_PROJECT": project,
            "PULUMI_STACK": stack,
            "PULUMI_ORGANIZATION": organization,
            "PULUMI_DRY_RUN": "true" if dry_run else "false",
            "PULUMI_CONFIG": json.dumps(self.stack_config),
            "PYTHONUNBUFFERED": "1",
            # Tells a pack it runs under stackcheck (webstack-standards then applies its SDK speed-ups).
            "STACKCHECK_POLICY_RUNNER": "1",
        })
        _restore_user_pythonpath(env)
        self._own_group = new_group
        self._proc = popen_child(
            python_module_argv(python, "pulumi.policy", [self.engine_address, str(self.pack_dir)], unbuffered=True),
            new_group=new_group,
            cwd=self.pack_dir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        started = threading.Event()
        self._out = _Drain(self._proc.stdout, started)
        self._err = _Drain(self._proc.stderr)
        self._out.start()
        self._err.start()
        if not started.wait(_START_TIMEOUT_S) or not (self._out.first or "").strip().isdigit():
            self.close()
            raise PolicyPackError(f"policy pack {self.pack_dir} did not start:\n{self.output_tail()}")
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{self._out.first.strip()}",  # type: ignore[union-attr]
            options=[("grpc.max_receive_message_length", _MAX_MESSAGE),
                     ("grpc.max_send_message_length", _MAX_MESSAGE)],
        )
        grpc.channel_ready_future(self._channel).result(timeout=_START_TIMEOUT_S)
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        # AnalyzeStack with a request already serialized (parts built while the program ran): same method, same
        # bytes on the wire as the stub's, without building and serializing ~1,000 messages after the program.
        self._analyze_stack_bytes = self._channel.unary_unary(
            "/pulumirpc.Analyzer/AnalyzeStack", request_serializer=None,
            response_deserializer=analyzer_pb2.AnalyzeResponse.FromString)
        self._handshake()
        self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty())
        self.version = _pack_version(self.pack_dir) or self.info.version
        self.policies = [self._policy(p) for p in self.info.policies]

    # ------------------------------------------------------------------ protocol steps

    def _handshake(self) -> None:
        try:
            self.stub.Handshake(analyzer_pb2.AnalyzerHandshakeRequest(
                engine_address=self.engine_address, root_directory=str(self.pack_dir),
                program_directory=str(self.pack_dir)))
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:  # type: ignore[attr-defined]
                raise

    def _configure_stack(self, tags: Mapping[str, str]) -> None:
        self.stub.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=self.stack, project=self.project, organization=self.organization, dry_run=self.dry_run,
            config=self.stack_config, tags=dict(tags)))

    @staticmethod
    def _policy(p: Any) -> PackPolicy:
        kind = {analyzer_pb2.POLICY_TYPE_RESOURCE: "resource", analyzer_pb2.POLICY_TYPE_STACK: "stack"}.get(
            p.policy_type, "")
        schema: dict[str, Any] = {}
        if p.HasField("configSchema"):
            schema = {"properties": json_format.MessageToDict(p.configSchema.properties)}
            if p.configSchema.required:
                schema["required"] = list(p.configSchema.required)
        return PackPolicy(
            name=p.name, description=p.description, enforcement=_LEVEL_NAMES.get(p.enforcementLevel, "advisory"),
            severity=_SEVERITY_NAMES.get(p.severity, ""), kind=kind, remediation_steps=p.remediation_steps,
            url=p.url, tags=list(p.tags), config_schema=schema, display_name=p.displayName,
        )

    def pack_info(self) -> dict[str, Any]:
        return {
            "name": self.info.name,
            "version": self.version,
            "description": self.info.description,
            "policies": [p.as_dict() for p in self.policies],
        }

    def reconcile(self, file_config: Mapping[str, Any]) -> dict[str, PolicySettings]:
        initial = {k: _initial_entry(v) for k, v in self.info.initialConfig.items()}
        return reconcile([p.as_dict() for p in self.policies], initial, file_config)

    def _configure(self, settings: Mapping[str, PolicySettings]) -> None:
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, s in settings.items():
            request.policyConfig[name].CopyFrom(analyzer_pb2.PolicyConfig(
                enforcementLevel=_LEVEL_VALUES[s.level], properties=_struct(s.properties)))
        self.stub.Configure(request)

    # ------------------------------------------------------------------ one run

    def run(self, records: list[ResourceRecord], *, config: Mapping[str, Any] | None = None,
            tags: Mapping[str, str] | None = None) -> tuple[list[Violation], list[ResourceRecord]]:
        """Judge ``records``; returns violations (suppressions applied) and the records after remediation."""
        stream = self.stream(config=config, tags=tags)
        for record in records:
            stream.submit(record)
        return stream.finish(records)

    def stream(self, *, config: Mapping[str, Any] | None = None, tags: Mapping[str, str] | None = None,
               inline: bool = False) -> AnalysisStream:
        """Configure the pack and return a stream that analyzes each resource as soon as it is submitted.

        The engine calls Analyze while the program is still registering resources; stackcheck does the same by
        submitting from the monitor, so policy evaluation overlaps the program run instead of following it.
        ``inline``: ``submit`` sends the request on the caller's thread (a caller with nothing else to do, such as
        the policy proxy reading records from a pipe) instead of handing it to a worker thread.
        """
        self._structs, self._providers = {}, {}
        return AnalysisStream(self, config or {}, tags or {}, inline=inline)

    def _provider(self, record: ResourceRecord, by_urn: Mapping[str, ResourceRecord]
                  ) -> analyzer_pb2.AnalyzerProviderResource | None:
        if not record.provider:
            return None
        urn = _provider_urn(record.provider)
        provider = by_urn.get(urn)
        # Every resource carries its provider: one message per provider record, copied into each request.
        key = (urn, id(provider))
        hit = self._providers.get(key)
        if hit is not None and hit[0] is provider:
            return hit[1]
        message = analyzer_pb2.AnalyzerProviderResource(
            type=_type_of_urn(urn), urn=urn, name=urn.rsplit("::", 1)[-1],
            properties=_struct(_plain_inputs(provider.inputs) if provider else {}))
        if len(self._providers) >= 1024:
            self._providers.clear()
        self._providers[key] = (provider, message)
        return message

    def _options(self, record: ResourceRecord) -> analyzer_pb2.AnalyzerResourceOptions:
        return analyzer_pb2.AnalyzerResourceOptions(
            protect=record.protect, deleteBeforeReplace=record.delete_before_replace,
            deleteBeforeReplaceDefined=True, additionalSecretOutputs=record.additional_secret_outputs,
            parent=record.parent or "")

    def _plain_struct(self, record: ResourceRecord) -> struct_pb2.Struct:
        """The record's inputs as Analyze gets them (secrets unwrapped), built once per record object: the
        Analyze request and the AnalyzeStack entry of a resource carry the same Struct."""
        hit = self._structs.get(record.urn)
        if hit is not None and hit[0] is record:
            return hit[1]
        struct = _struct(_plain_inputs(record.inputs))
        self._structs[record.urn] = (record, struct)
        return struct

    def _analyze_request(self, record: ResourceRecord, by_urn: Mapping[str, ResourceRecord], *,
                         keep_secrets: bool = False) -> analyzer_pb2.AnalyzeRequest:
        # Analyze gets plaintext; Remediate keeps the secret markers so a remediation can preserve secretness.
        props = _struct(dict(record.inputs)) if keep_secrets else self._plain_struct(record)
        request = analyzer_pb2.AnalyzeRequest(
            type=record.type, urn=record.urn, name=record.name, properties=props,
            options=self._options(record))
        provider = self._provider(record, by_urn)
        if provider is not None:
            request.provider.CopyFrom(provider)
        return request

    def _stack_part(self, record: ResourceRecord, by_urn: Mapping[str, ResourceRecord]) -> bytes:
        """The record's entry of an AnalyzeStackRequest, serialized: a one-resource request's bytes (a repeated
        field's entries concatenate, so joining parts gives the whole request)."""
        return analyzer_pb2.AnalyzeStackRequest(resources=[self._stack_resource(record, by_urn)]).SerializeToString()

    @staticmethod
    def _provider_record(record: ResourceRecord, by_urn: Mapping[str, ResourceRecord]) -> ResourceRecord | None:
        return by_urn.get(_provider_urn(record.provider)) if record.provider else None

    def _stack_resource(self, record: ResourceRecord, by_urn: Mapping[str, ResourceRecord]
                        ) -> analyzer_pb2.AnalyzerResource:
        resource = analyzer_pb2.AnalyzerResource(
            type=record.type, urn=record.urn, name=record.name, properties=self._plain_struct(record),
            options=self._options(record), parent=record.parent or "", dependencies=record.dependencies,
            propertyDependencies={k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v)
                                  for k, v in record.property_dependencies.items()})
        provider = self._provider(record, by_urn)
        if provider is not None:
            resource.provider.CopyFrom(provider)
        return resource

    def _remediate(self, record: ResourceRecord, by_urn: Mapping[str, ResourceRecord],
                   meta: Mapping[str, PackPolicy]) -> tuple[ResourceRecord, list[Violation]]:
        response = self.stub.Remediate(self._analyze_request(record, by_urn, keep_secrets=True))
        fixes: list[Violation] = []
        for remediation in response.remediations:
            policy = meta.get(remediation.policyName)
            if remediation.diagnostic:
                fixes.append(Violation(
                    policy_pack=remediation.policyPackName, policy=remediation.policyName, enforcement="advisory",
                    message=remediation.diagnostic, urn=record.urn, description=remediation.description,
                    severity=policy.severity if policy else ""))
            if remediation.HasField("properties"):
                inputs = json_format.MessageToDict(remediation.properties)
                record = replace(record, inputs=inputs)
                fixes.append(Violation(
                    policy_pack=remediation.policyPackName, policy=remediation.policyName, enforcement="remediate",
                    message=f"remediated: {remediation.description}", urn=record.urn,
                    description=remediation.description, severity=policy.severity if policy else ""))
        return record, fixes

    def _violation(self, d: analyzer_pb2.AnalyzeDiagnostic, urn: str | None, meta: Mapping[str, PackPolicy],
                   secrets: Iterable[str], public: Callable[[], set[str]] = set) -> Violation:
        """``public``: the strings registered outside any secret (computed only when a message holds a secret)."""
        policy = meta.get(d.policyName)
        message = d.message
        if d.description and message.startswith(d.description):
            message = message[len(d.description):].lstrip("\n") or d.description
        hits = [s for s in secrets if s and s in message]
        if hits:
            # A value the stack also registers in the clear (NODE_ENV=production as a secret-by-schema env var value
            # and as a plain tag, say) is in the report already: blanking it would only garble the message.
            shown = public()
            message = scrub(message, [s for s in hits if s not in shown])
        return Violation(
            policy_pack=d.policyPackName, policy=d.policyName,
            enforcement=_LEVEL_NAMES.get(d.enforcementLevel, "advisory"),
            message=message, urn=d.urn or urn, description=d.description,
            severity=_SEVERITY_NAMES.get(d.severity) or (policy.severity if policy else ""),
        )

    # ------------------------------------------------------------------ lifecycle

    def output_tail(self) -> str:
        lines = [*self._out.lines, *self._err.lines, *self.engine.logs]
        return "\n".join(lines[-40:])

    def close(self) -> None:
        channel = getattr(self, "_channel", None)
        if channel is not None:
            channel.close()
        if self._own_group:
            end_process_group(self._proc)
        else:
            end_process(self._proc)
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()
        self._server.stop(0)

    def __enter__(self) -> PolicyPackSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AnalysisStream:
    """Remediate + Analyze per submitted resource on a worker thread (or, ``inline``, on the submitting thread),
    requests in flight without waiting, then AnalyzeStack on :meth:`finish`. Results are reported in the order of
    the final resource list."""

    _DONE = object()

    def __init__(self, session: PolicyPackSession, config: Mapping[str, Any], tags: Mapping[str, str], *,
                 inline: bool = False) -> None:
        self.session = session
        self.settings = session.reconcile(config)
        self.rules = suppressions(self.settings)
        session._configure_stack(tags)
        session._configure(self.settings)
        self.remediating = any(s.level == "remediate" for s in self.settings.values())
        self.meta = {p.name: p for p in session.policies}
        self.by_urn: dict[str, ResourceRecord] = {}
        self.violations: list[Violation] = []
        self.remediated: dict[str, ResourceRecord] = {}
        self.all_secrets: set[str] = set()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._pending: list[tuple[ResourceRecord, set[str], Any]] = []
        self._stack_parts: dict[str, tuple[ResourceRecord, ResourceRecord | None, bytes]] = {}
        self._thread: threading.Thread | None = None
        self._switch_interval = sys.getswitchinterval()
        if inline:
            return
        # Each send gives up the GIL inside gRPC; at the default 5 ms switch interval the program's event loop
        # starved this thread to ~50 sends/s. 1 ms lets sends keep pace (bench/policy.py); restored by finish().
        sys.setswitchinterval(0.001)
        self._thread = threading.Thread(target=self._work, name="stackcheck-analyze", daemon=True)
        self._thread.start()

    def submit(self, record: ResourceRecord) -> None:
        if self._thread is None:
            if self._error is None:
                try:
                    self._send(record)
                except BaseException as exc:  # noqa: BLE001 - re-raised by finish()
                    self._error = exc
            return
        self._queue.put(record)

    def _work(self) -> None:
        # Requests are sent as fast as resources arrive and never waited on here: blocking on a reply would make
        # this thread queue for the GIL (held by the program's event loop) once per resource. Replies are read in
        # order by finish().
        try:
            while True:
                record = self._queue.get()
                if record is self._DONE:
                    break
                self._send(record)
        except BaseException as exc:  # noqa: BLE001 - re-raised by finish()
            self._error = exc

    def _send(self, record: ResourceRecord) -> None:
        """Remediate (which must finish before the resource is analyzed) and send the Analyze request."""
        session = self.session
        self.by_urn[record.urn] = record
        if not record.custom or record.type.startswith("pulumi:providers:"):
            return
        secrets = secret_strings(record.inputs)
        self.all_secrets |= secrets
        if self.remediating:
            record, fixes = session._remediate(record, self.by_urn, self.meta)
            self.remediated[record.urn] = record
            self.violations.extend(fixes)
        request = session._analyze_request(record, self.by_urn)
        self._pending.append((record, secrets, session.stub.Analyze.future(request)))
        # Its AnalyzeStack entry too, while the program runs; finish() reuses it if neither the record nor its
        # provider's record changed since.
        self._stack_parts[record.urn] = (record, session._provider_record(record, self.by_urn),
                                         session._stack_part(record, self.by_urn))

    def finish(self, records: list[ResourceRecord]) -> tuple[list[Violation], list[ResourceRecord]]:
        """Wait for every Analyze, run AnalyzeStack over ``records`` (the final list), return the results."""
        if self._thread is not None:
            self._queue.put(self._DONE)
            self._thread.join()
            sys.setswitchinterval(self._switch_interval)
        if self._error is not None:
            raise self._error
        session = self.session
        judged = [self.remediated.get(r.urn, r) for r in records]
        shown: list[set[str]] = []

        def public() -> set[str]:
            if not shown:
                shown.append(set().union(*(public_strings(r.inputs) | public_strings(r.outputs) for r in judged)))
            return shown[0]

        for record, secrets, future in self._pending:
            response = future.result()
            self.violations.extend(session._violation(d, record.urn, self.meta, secrets, public)
                                   for d in response.diagnostics)
        by_urn = {r.urn: r for r in records}
        response = session._analyze_stack_bytes(b"".join(
            self._stack_entry(r, by_urn) for r in judged if r.custom and not r.type.startswith("pulumi:providers:")))
        violations = list(self.violations)
        violations += [session._violation(d, None, self.meta, self.all_secrets, public) for d in response.diagnostics]
        order = {r.urn: i for i, r in enumerate(records)}
        violations.sort(key=lambda v: (order.get(v.urn or "", len(order)), v.policy, v.message))
        return apply_suppressions(violations, self.rules), judged

    def _stack_entry(self, record: ResourceRecord, by_urn: Mapping[str, ResourceRecord]) -> bytes:
        built = self._stack_parts.get(record.urn)
        if built is not None and built[0] is record and built[1] is self.session._provider_record(record, by_urn):
            return built[2]
        return self.session._stack_part(record, by_urn)


def _initial_entry(config: analyzer_pb2.PolicyConfig) -> dict[str, Any]:
    entry: dict[str, Any] = json_format.MessageToDict(config.properties)
    entry["enforcementLevel"] = _LEVEL_NAMES.get(config.enforcementLevel, "advisory")
    return entry


def run_policy_pack(pack_dir: Path, records: list[ResourceRecord], *, project: str, stack: str, dry_run: bool,
                    config_file: Path | None = None, python: str = sys.executable,
                    tags: Mapping[str, str] | None = None) -> tuple[list[Violation], list[dict[str, Any]]]:
    """Start the pack, judge ``records`` once, stop it. Raises PolicyConfigError / PolicyPackError."""
    file_config = load_config_file(config_file)
    with PolicyPackSession(pack_dir, project=project, stack=stack, dry_run=dry_run, python=python) as session:
        violations, _ = session.run(records, config=file_config, tags=tags)
        return violations, [session.pack_info()]
