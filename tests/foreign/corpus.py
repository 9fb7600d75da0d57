"""The foreign-stack corpus: load the cases, run each program through stackcheck's engine, judge it with the policy
pack over the real Analyzer gRPC protocol, and score the verdicts.

Run it alone with ``make policy-corpus`` (``python tests/foreign/corpus.py [-k SUBSTRING] [--jobs N]``); the pytest
module ``test_corpus.py`` runs it inside ``make test``. What counts is defined in ``README.md`` ("Scoring").
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CASES = HERE / "cases"
PACK = REPO / "policy"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from stackcheck.analyzer import PolicyPackSession  # noqa: E402
from stackcheck.cli import stack_tags  # noqa: E402
from stackcheck.engine import load_project  # noqa: E402
from stackcheck.model import ResourceRecord, Violation  # noqa: E402

UNKNOWN_NOTE = "can't be known during preview"

# Policies a case may expect that the pack does not have yet, with what they should check: the corpus proposes a name,
# whoever adds the policy keeps the name or renames it here and in the cases' expected.yaml. (The first three
# proposals — cache-control-standard, rate-limit-required, nginx-server-hardening — are in the pack since 1e9bcaf.)
PROPOSED_POLICIES: dict[str, str] = {}


class CaseError(ValueError):
    """A malformed case directory (named in the message)."""


@dataclass(frozen=True)
class Case:
    name: str
    dir: Path
    stack: str
    verdict: str  # "clean" | "violation"
    policy: str  # the policy that must fire ("" for clean)
    area: str
    why: str
    level: str = "mandatory"  # the enforcement a detection needs ("advisory" only for advisory-level policies)

    @property
    def expected(self) -> str:
        return "clean" if self.verdict == "clean" else f"violation: {self.policy}"


def load_case(path: Path) -> Case:
    spec_file = path / "expected.yaml"
    if not spec_file.is_file():
        raise CaseError(f"{path.name}: no expected.yaml")
    spec = yaml.safe_load(spec_file.read_text()) or {}
    stacks = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in path.glob("Pulumi.*.yaml"))
    if len(stacks) != 1:
        raise CaseError(f"{path.name}: needs exactly one Pulumi.<stack>.yaml (found {stacks})")
    verdict = spec.get("verdict")
    policy = str(spec.get("policy") or "")
    if verdict not in ("clean", "violation"):
        raise CaseError(f"{path.name}: expected.yaml verdict must be 'clean' or 'violation'")
    if (verdict == "violation") != bool(policy):
        raise CaseError(f"{path.name}: a violation names exactly one policy; a clean case names none")
    level = str(spec.get("level", "mandatory"))
    if level not in ("mandatory", "advisory"):
        raise CaseError(f"{path.name}: level must be mandatory or advisory")
    for key in ("area", "why", "sources"):
        if not spec.get(key):
            raise CaseError(f"{path.name}: expected.yaml needs '{key}'")
    return Case(name=path.name, dir=path, stack=stacks[0], verdict=str(verdict), policy=policy,
                area=str(spec["area"]), why=str(spec["why"]).strip(), level=level)


def load_cases(root: Path = CASES, only: str = "") -> list[Case]:
    return [load_case(p) for p in sorted(root.iterdir()) if p.is_dir() and only in p.name]


# ---------------------------------------------------------------------------------------------------------- running


@dataclass
class Outcome:
    case: Case
    violations: list[Violation] = field(default_factory=list)
    error: str = ""  # the program or stackcheck failed: no verdict
    resources: int = 0
    program_seconds: float = 0.0
    mandatory_policies: frozenset[str] = frozenset()  # the pack's mandatory-level policies (set after the run)
    records: list[ResourceRecord] = field(default_factory=list, repr=False)  # what the pack judged

    def fired(self, *, level: str | None = None) -> set[str]:
        return {v.policy for v in self.violations
                if not v.suppressed and (level is None or v.enforcement == level) and UNKNOWN_NOTE not in v.message}

    @property
    def blocking(self) -> list[Violation]:
        """What makes a program fail the preview: unsuppressed mandatory violations."""
        return [v for v in self.violations if not v.suppressed and v.enforcement == "mandatory"]

    @property
    def unknown_notes(self) -> list[Violation]:
        """A mandatory policy's "can't be known during preview" notes (advisory in preview; not scored)."""
        return [v for v in self.violations if not v.suppressed and UNKNOWN_NOTE in v.message
                and v.policy in self.mandatory_policies]

    @property
    def detected(self) -> bool:
        if self.error or self.case.verdict != "violation":
            return False
        levels = ("mandatory",) if self.case.level == "mandatory" else ("mandatory", "advisory")
        return any(v.policy == self.case.policy and v.enforcement in levels and not v.suppressed
                   and UNKNOWN_NOTE not in v.message for v in self.violations)

    @property
    def false_alarm(self) -> bool:
        return not self.error and self.case.verdict == "clean" and bool(self.blocking)


class ProgramServer:
    """The fork server (``program_server.py``) in its own process group; stopped on every exit path."""

    def __init__(self, jobs: int, case_timeout: int = 120) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               "CORPUS_CASE_TIMEOUT": str(case_timeout)}
        self.proc = subprocess.Popen([sys.executable, str(HERE / "program_server.py"), str(jobs)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env, start_new_session=True)
        self.stderr: list[str] = []
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()
        first = self.proc.stdout.readline() if self.proc.stdout else ""
        if not first.strip().startswith('{"ready"'):
            self.close()
            raise RuntimeError("the corpus program server did not start:\n" + "\n".join(self.stderr[-30:]))

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line.rstrip("\n"))
            del self.stderr[:-200]

    def submit(self, request: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()

    def done(self) -> Iterator[dict[str, Any]]:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            yield json.loads(line)

    def finish_input(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()

    def close(self) -> None:
        self.finish_input()
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        else:
            try:  # children still running after the server died
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


class Judge:
    """One pack process per stack name (the pack reads the stack from its environment, as under the engine),
    reused for every case on that stack: Configure + ConfigureStack per case, Analyze per resource, AnalyzeStack."""

    def __init__(self, pack: Path = PACK, dry_run: bool = True) -> None:
        self.pack = pack
        self.dry_run = dry_run
        self.sessions: dict[str, PolicyPackSession] = {}

    def session(self, project: str, stack: str) -> PolicyPackSession:
        if stack not in self.sessions:
            self.sessions[stack] = PolicyPackSession(self.pack, project=project, stack=stack, dry_run=self.dry_run)
        session = self.sessions[stack]
        session.project = project  # ConfigureStack carries the case's own project name
        return session

    def judge(self, case: Case, project: str, records: list[ResourceRecord]) -> list[Violation]:
        tags = stack_tags(load_project(case.dir), case.stack, {})
        violations, _ = self.session(project, case.stack).run(records, config={}, tags=tags)
        return violations

    def mandatory_policies(self) -> frozenset[str]:
        for session in self.sessions.values():
            return frozenset(p.name for p in session.policies if p.enforcement == "mandatory")
        return frozenset()

    def policy_names(self) -> set[str]:
        for session in self.sessions.values():
            return {p.name for p in session.policies}
        return set()

    def close(self) -> None:
        for session in self.sessions.values():
            session.close()
        self.sessions.clear()


@contextmanager
def _scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="policy-corpus-") as tmp:
        yield Path(tmp)


@dataclass
class CorpusRun:
    outcomes: list[Outcome]
    seconds: float
    policy_names: set[str]
    dry_run: bool = True


def run_corpus(cases: list[Case], *, jobs: int = 2, pack: Path = PACK, case_timeout: int = 120,
               dry_run: bool = True) -> CorpusRun:
    """Run every case's program (forked children, ``jobs`` at a time) and judge each as soon as it finishes.

    ``dry_run=False`` is the `pulumi up` view: computed outputs get plausible values (stackcheck --no-preview) and
    the pack runs with PULUMI_DRY_RUN=false, where what it cannot evaluate is judged conservatively."""
    started = time.perf_counter()
    outcomes: dict[str, Outcome] = {}
    judge = Judge(pack, dry_run)
    server = ProgramServer(jobs, case_timeout)
    try:
        with _scratch() as tmp:
            for i, case in enumerate(cases):
                server.submit({"id": i, "dir": str(case.dir), "stack": case.stack, "out": str(tmp / f"{i}.json"),
                               "mode": "program", "dry_run": dry_run})
            server.finish_input()
            for message in server.done():
                case = cases[message["id"]]
                outcomes[case.name] = _outcome(case, message, tmp / f"{message['id']}.json", judge)
        mandatory = judge.mandatory_policies()
        names = judge.policy_names()
    finally:
        server.close()
        judge.close()
    missing = [c for c in cases if c.name not in outcomes]
    for case in missing:
        outcomes[case.name] = Outcome(case, error="no result from the program server:\n"
                                      + "\n".join(server.stderr[-20:]))
    ordered = [outcomes[c.name] for c in cases]
    for outcome in ordered:
        outcome.mandatory_policies = mandatory
    return CorpusRun(ordered, time.perf_counter() - started, names, dry_run)


def _outcome(case: Case, message: dict[str, Any], result_file: Path, judge: Judge) -> Outcome:
    try:
        doc = json.loads(result_file.read_text())
    except (OSError, json.JSONDecodeError):
        return Outcome(case, error=f"the case's child exited {message.get('exit')} without a result")
    if "error" in doc:
        detail = doc.get("traceback", "")
        return Outcome(case, error=doc["error"] + (f"\n{detail}" if detail else ""), program_seconds=doc.get(
            "seconds", 0.0))
    records = [ResourceRecord(**r) for r in doc["resources"]]
    try:
        violations = judge.judge(case, doc["project"], records)
    except Exception as exc:  # a pack or protocol failure is this case's result
        return Outcome(case, error=f"policy pack failed: {type(exc).__name__}: {exc}")
    return Outcome(case, violations=violations, resources=len(records), program_seconds=doc["seconds"],
                   records=records)


def verdict_key(violations: Iterable[Violation]) -> list[tuple[str, str, str, str, bool]]:
    return sorted((v.policy, v.enforcement, v.urn or "", v.message, v.suppressed) for v in violations)


def unpatched_differences(run: CorpusRun, pack: Path = PACK) -> dict[str, tuple[Any, Any]]:
    """Re-judge every case's records with the pack's SDK speed-ups off (WEBSTACK_POLICY_SPEEDUPS=0, as the
    published pack runs under `pulumi`); the cases whose verdicts differ from the run's, with both verdicts.
    Only the pack runs again (the programs' records are kept), so this costs a few seconds."""
    previous = os.environ.get("WEBSTACK_POLICY_SPEEDUPS")
    os.environ["WEBSTACK_POLICY_SPEEDUPS"] = "0"  # read by each pack process at its start
    judge = Judge(pack, dry_run=run.dry_run)
    differences: dict[str, tuple[Any, Any]] = {}
    try:
        for o in run.outcomes:
            if o.error:
                continue
            project = load_project(o.case.dir).name
            plain = verdict_key(judge.judge(o.case, project, o.records))
            if plain != verdict_key(o.violations):
                differences[o.case.name] = (verdict_key(o.violations), plain)
    finally:
        judge.close()
        if previous is None:
            os.environ.pop("WEBSTACK_POLICY_SPEEDUPS", None)
        else:
            os.environ["WEBSTACK_POLICY_SPEEDUPS"] = previous
    return differences


def cli_verdicts(cases: list[Case], *, jobs: int = 2) -> dict[str, dict[str, Any]]:
    """The same cases through the whole `stackcheck preview --format json` CLI (each in a forked child, with the
    CLI's own policy proxy and pack processes): the reference the fast path is checked against."""
    server = ProgramServer(jobs)
    try:
        with _scratch() as tmp:
            for i, case in enumerate(cases):
                server.submit({"id": i, "dir": str(case.dir), "stack": case.stack, "out": str(tmp / f"{i}.json"),
                               "mode": "cli"})
            server.finish_input()
            results: dict[str, dict[str, Any]] = {}
            for message in server.done():
                case = cases[message["id"]]
                try:
                    results[case.name] = dict(json.loads((tmp / f"{message['id']}.json").read_text()))
                except (OSError, json.JSONDecodeError):
                    results[case.name] = {"error": f"child exited {message.get('exit')} without a result"}
            return results
    finally:
        server.close()


# ---------------------------------------------------------------------------------------------------------- scoring


@dataclass
class Score:
    detected: int
    insecure: int
    false_positives: int
    clean: int
    errors: int

    @property
    def detection_rate(self) -> float:
        return self.detected / self.insecure if self.insecure else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.clean if self.clean else 0.0


def score(outcomes: Iterable[Outcome]) -> Score:
    outcomes = list(outcomes)
    insecure = [o for o in outcomes if o.case.verdict == "violation"]
    clean = [o for o in outcomes if o.case.verdict == "clean"]
    return Score(detected=sum(o.detected for o in insecure), insecure=len(insecure),
                 false_positives=sum(o.false_alarm for o in clean), clean=len(clean),
                 errors=sum(bool(o.error) for o in outcomes))


def _short(text: str, width: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def report(run: CorpusRun) -> str:
    s = score(run.outcomes)
    lines = [
        f"policy corpus: detected {s.detected}/{s.insecure} insecure, false positives {s.false_positives}/{s.clean}"
        f" ({100 * s.detection_rate:.1f} % detected, {100 * s.false_positive_rate:.1f} % false alarms;"
        f" {len(run.outcomes)} cases, {s.errors} without a verdict, {run.seconds:.1f} s wall,"
        f" programs {sum(o.program_seconds for o in run.outcomes):.1f} s summed)",
    ]
    misses = [o for o in run.outcomes if o.case.verdict == "violation" and not o.detected and not o.error]
    alarms = [o for o in run.outcomes if o.false_alarm]
    errors = [o for o in run.outcomes if o.error]
    if misses:
        lines.append(f"misses ({len(misses)}): insecure programs where the expected policy did not fire"
                     " (mandatory)")
        lines.append(f"  {'case':38} {'stack':14} {'expected':32} what fired instead")
        for o in misses:
            other = sorted({f"{v.policy}[{v.enforcement[0]}]" for v in o.violations if not v.suppressed})
            lines.append(f"  {o.case.name:38} {o.case.stack:14} {o.case.policy:32} {', '.join(other) or '-'}")
    if alarms:
        lines.append(f"false alarms ({len(alarms)}): clean programs that fail")
        lines.append(f"  {'case':38} {'stack':14} {'policy':32} message")
        for o in alarms:
            for policy, message in sorted({(v.policy, v.message) for v in o.blocking}):
                lines.append(f"  {o.case.name:38} {o.case.stack:14} {policy:32} {_short(message, 160)}")
    if errors:
        lines.append(f"no verdict ({len(errors)}): the program or stackcheck failed")
        for o in errors:
            lines.append(f"  {o.case.name:38} {_short(o.error.splitlines()[0] if o.error else '', 110)}")
    notes = [o for o in run.outcomes if o.case.verdict == "clean" and not o.error and o.unknown_notes]
    if notes:
        lines.append(f"clean programs with \"can't be known during preview\" notes ({len(notes)}; not scored):")
        for o in notes:
            lines.append(f"  {o.case.name:38} {', '.join(sorted({v.policy for v in o.unknown_notes}))}")
    collateral = [o for o in run.outcomes if o.case.verdict == "violation" and not o.error
                  and (o.fired(level="mandatory") - {o.case.policy})]
    if collateral:
        lines.append(f"insecure programs where other mandatory policies fired too ({len(collateral)}; not scored):")
        for o in collateral:
            lines.append(f"  {o.case.name:38} {', '.join(sorted(o.fired(level='mandatory') - {o.case.policy}))}")
    return "\n".join(lines)


def index_markdown(cases: Iterable[Case]) -> str:
    """The README's case table (verdict, stack, area, why, sources)."""
    lines = ["| case | stack | expected | area | why | sources |", "| --- | --- | --- | --- | --- | --- |"]
    for c in cases:
        spec = yaml.safe_load((c.dir / "expected.yaml").read_text())
        sources = ", ".join(f"<{s}>" if str(s).startswith("http") else str(s) for s in spec["sources"])
        lines.append(f"| `{c.name}` | {c.stack} | {c.expected} | {c.area} | {c.why} | {sources} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-k", dest="only", default="", help="only cases whose name contains this")
    parser.add_argument("--jobs", type=int, default=2, help="programs run at the same time (default 2)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every case's verdict")
    parser.add_argument("--index", action="store_true", help="print the README's case table and exit")
    parser.add_argument("--pack", type=Path, default=PACK, help="policy pack directory (default: policy/)")
    parser.add_argument("--compare-unpatched", action="store_true",
                        help="also re-judge every case with the pack's SDK speed-ups off and list any case whose "
                             "verdict differs (exit 1 if one does)")
    parser.add_argument("--applied", action="store_true",
                        help="judge as under `pulumi up` (mocked computed outputs, PULUMI_DRY_RUN=false) instead of "
                             "preview; not part of the scored figures")
    args = parser.parse_args(argv)
    if args.index:
        print(index_markdown(load_cases(only=args.only)), end="")
        return 0
    run = run_corpus(load_cases(only=args.only), jobs=args.jobs, pack=args.pack.resolve(), dry_run=not args.applied)
    if args.verbose:
        for o in run.outcomes:
            state = ("ERROR" if o.error else "detected" if o.detected else "FALSE ALARM" if o.false_alarm
                     else "clean" if o.case.verdict == "clean" else "MISSED")
            fired = ", ".join(sorted({f"{v.policy}[{v.enforcement[0]}]" for v in o.violations if not v.suppressed}))
            print(f"{o.case.name:38} {o.case.expected:40} {state:12} {fired}")
    print(report(run))
    if any(o.error for o in run.outcomes):
        return 3
    if args.compare_unpatched:
        differences = unpatched_differences(run, args.pack.resolve())
        for name, (fast, plain) in differences.items():
            print(f"DIFFERENT without the speed-ups: {name}\n  with:    {fast}\n  without: {plain}")
        judged = sum(1 for o in run.outcomes if not o.error)
        print(f"verdicts with and without the pack's SDK speed-ups: {judged - len(differences)}/{judged} identical")
        return 1 if differences else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
