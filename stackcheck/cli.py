"""`python -m stackcheck` — offline preview, policy checks and database audit for Pulumi Python projects.

Exit codes: 0 ok; 1 mandatory policy violations (or audit ERRORs); 2 bad config or usage; 3 internal error (a bug:
report it; --debug shows the traceback); 130 interrupted. --debug is accepted by every command.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from stackcheck.contract import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VIOLATIONS,
    REPORT_BUG,
    bounded,
    interrupts_as_keyboard_interrupt,
    key_value,
    out_dir,
    usage_message,
    was_interrupted,
    write_stdout,
)
from stackcheck.engine import DuplicateUrnError, ProgramError, UsageError, run_program
from stackcheck.model import Diagnostic, PreviewResult, ResourceRecord
from stackcheck.outdir import OutDirError, Staging
from stackcheck.reporters import FORMATS, REPORT_FILES, render, report_files
from stackcheck.wire import public_strings

BUNDLED_PACK = Path(__file__).resolve().parent.parent / "policy"
"""The pack of the checkout stackcheck runs from (`make preview` installs it editable), judged by default when the
project has no ./policy of its own: `stackcheck preview` works from inside any Pulumi Python project."""
__all__ = ["EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "EXIT_VIOLATIONS", "build_parser",
           "key_value", "main", "render"]


_DEBUG = False
"""--debug was given (main() takes it out of argv before any command parses it)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"stackcheck: error: {usage_message(message)}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="stackcheck", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("preview", help="run the program offline under a mock engine and check it against the pack")
    p.add_argument("--stack", "-s", required=True, help="stack name (reads Pulumi.<stack>.yaml)")
    p.add_argument("--cwd", "-C", type=Path, default=Path("."), help="Pulumi project directory (default: .)")
    p.add_argument("--out", type=out_dir, help="write rendered artifacts and reports to this directory (replaced "
                   "as a whole when the run completes; left untouched when it fails)")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--preview", dest="dry_run", action=argparse.BooleanOptionalAction, default=True,
                   help="computed outputs unknown, as in `pulumi preview` (default); --no-preview mocks them")
    p.add_argument("-c", "--config", dest="config", action="append", type=key_value, default=[],
                   metavar="KEY=VALUE", help="override stack config (JSON for structured keys)")
    p.add_argument("--secret", dest="secrets", action="append", type=key_value, default=[],
                   metavar="KEY=VALUE",
                   help="supply a secret config value (e.g. one that is `secure:` in the file); VALUE may be "
                        "env:NAME (read from the environment) or @PATH (read from a file), which keeps it out of "
                        "`ps` and shell history")
    p.add_argument("--policy-pack", type=Path, default=None,
                   help="policy pack directory (default: ./policy if it has PulumiPolicy.yaml, else the pack that "
                        "ships with stackcheck)")
    p.add_argument("--policy-config", type=Path, default=None, help="Pulumi policy config JSON file")
    p.add_argument("--no-policy", action="store_true", help="skip the policy pack")
    p.add_argument("--stack-tag", dest="tags", action="append", type=key_value, default=[], metavar="KEY=VALUE",
                   help="stack tag the pack sees, on top of `pulumi:tags` from the project and stack files")
    p.add_argument("--debug", action="store_true", help="print the traceback of an internal error (any command)")
    return parser


def cmd_preview(args: argparse.Namespace) -> int:
    project_dir = args.cwd.resolve()
    try:
        staging = Staging(Path(args.out)) if args.out is not None else None
    except OutDirError as exc:
        print(f"stackcheck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    policies: _PolicyRun | None = None
    try:
        try:
            pack = _policy_pack_dir(args, project_dir)
            if pack is not None:
                # Started before the program so its start-up and every Analyze overlap the program run (as in the
                # engine, which analyzes each resource when it registers).
                policies = _PolicyRun.start(pack, args.policy_config, project_dir, args.stack, args.dry_run,
                                            dict(args.tags), dict(args.config))
            secrets = {key: _secret_source(key, value) for key, value in args.secrets}
            result, engine = run_program(project_dir, args.stack, dry_run=args.dry_run,
                                         overrides=dict(args.config), secret_overrides=secrets,
                                         on_record=policies.submit if policies else None)
            result.diagnostics = program_diagnostics(engine.messages, result, secrets.values())
            if policies is not None:
                policies.finish(result)
            files = _files_output(result)
        except UsageError as exc:
            _say_problem(str(exc))
            return EXIT_USAGE
        except ProgramError as exc:
            return _program_failure(exc.original, debug=_DEBUG)
        except _PolicyError as exc:
            _say_problem(str(exc))
            return EXIT_USAGE
        finally:
            if policies is not None:
                policies.close()
        if staging is not None:
            try:
                write_out(staging, result, files)
            except OutDirError as exc:
                _say_problem(str(exc))
                return EXIT_USAGE
    finally:
        if staging is not None:
            staging.discard()  # a no-op once committed
    write_stdout(render(result, args.format))
    return EXIT_VIOLATIONS if _has_mandatory(result) else EXIT_OK


SEVERITY_NAMES = {1: "info", 2: "warning", 3: "error"}  # pulumirpc LogSeverity; DEBUG (0) is not shown, as in the CLI


def program_diagnostics(messages: Sequence[tuple[int, str, str]], result: PreviewResult,
                        secret_values: Iterable[str]) -> list[Diagnostic]:
    """The program's ``pulumi.log`` messages as the CLI shows them under "Diagnostics" (info and above), with every
    secret plaintext the run saw (resource inputs/outputs, stack outputs, ``--secret`` values) replaced."""
    from stackcheck.analyzer import scrub, secret_strings

    shown = [(severity, urn, message) for severity, urn, message in messages if severity in SEVERITY_NAMES]
    if not shown:  # nothing to scrub: the walk over every resource below is for the messages only
        return []
    secrets = set(secret_values) | secret_strings(result.outputs)
    public = public_strings(result.outputs)
    for record in result.resources:
        secrets |= secret_strings(record.inputs) | secret_strings(record.outputs)
        public |= public_strings(record.inputs) | public_strings(record.outputs)
    # A value the program also registered in the clear (NODE_ENV=production as a secret-by-schema env var value and
    # as a plain tag, say) is in the report already: blanking it would only garble messages ("a [secret] stack").
    secrets -= public - set(secret_values)
    return [Diagnostic(SEVERITY_NAMES[severity], scrub(message, secrets), urn or None)
            for severity, urn, message in shown]


def write_out(staging: Staging, result: PreviewResult, files: dict[str, str]) -> None:
    """``--out``: the program's rendered files and the reports, replacing the target in one step. Paths into the
    staging dir are reported at their final place (see :mod:`stackcheck.outdir`)."""
    files = staging.relocate(files)
    for record in result.resources:
        record.inputs = staging.relocate(record.inputs)
        record.outputs = staging.relocate(record.outputs)
    result.outputs = staging.relocate(result.outputs)
    for violation in result.violations:
        violation.message = staging.relocate(violation.message)
    clash = sorted(set(files) & {name for name, _ in REPORT_FILES})
    if clash:
        raise OutDirError(f"the program renders {clash[0]!r}, which is the name of a report stackcheck writes")
    result.artifacts = sorted(files)
    staging.commit({**files, **report_files(result)})


def _say_problem(text: str) -> None:
    lines = text.splitlines() or [""]
    print("stackcheck: " + "\n".join(bounded(lines, limit=40, width=2000)), file=sys.stderr)


def _secret_source(key: str, value: str) -> str:
    """``env:NAME`` and ``@PATH`` read the secret from the environment or a file (never echoed on failure)."""
    if value.startswith("env:"):
        name = value[4:]
        if name not in os.environ:
            raise UsageError(f"--secret {key}: environment variable {name} is not set")
        return os.environ[name]
    if value.startswith("@"):
        try:
            data = Path(value[1:]).read_bytes()
        except OSError as exc:
            raise UsageError(f"--secret {key}: cannot read {value[1:]}: {exc.strerror}") from None
        try:
            return data.decode("utf-8").rstrip("\n")
        except UnicodeDecodeError:
            raise UsageError(f"--secret {key}: {value[1:]} is not UTF-8 text") from None
    return value


class _PolicyError(Exception):
    """The pack could not start or its config file is invalid (exit 2)."""


def stack_tags(project: Any, stack: str, overrides: dict[str, str]) -> dict[str, str]:
    """The stack tags the engine would send: built-in ``pulumi:*`` tags plus ``pulumi:tags`` config (stack file
    over project file, as `pulumi up` applies them)."""
    from stackcheck.engine import load_stack_config

    config, _ = load_stack_config(project, stack, overrides)
    tags = {"pulumi:project": project.name, "pulumi:runtime": project.runtime}
    for raw in (project.config_defaults.get("pulumi:tags"), config.get("pulumi:tags")):
        try:
            declared = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError:
            declared = None
        if isinstance(declared, dict):
            tags.update({str(k): str(v) for k, v in declared.items()})
    return tags


class _PolicyRun:
    """The pack, judging each resource while the program runs (in a separate client process: see policy_proxy)."""

    def __init__(self, proxy: Any) -> None:
        self.proxy = proxy

    @classmethod
    def start(cls, pack: Path, config_file: Path | None, project_dir: Path, stack: str, dry_run: bool,
              extra_tags: dict[str, str], overrides: dict[str, str]) -> _PolicyRun:
        from stackcheck.analyzer import PolicyConfigError, PolicyPackError
        from stackcheck.engine import load_project
        from stackcheck.policy_config import load_config_file
        from stackcheck.policy_proxy import PolicyProxy

        project = load_project(project_dir)
        tags = {**stack_tags(project, stack, overrides), **extra_tags}
        if not (pack / "PulumiPolicy.yaml").exists():
            raise _PolicyError(f"{pack} is not a policy pack (no PulumiPolicy.yaml)")
        try:
            load_config_file(config_file)  # unreadable files fail before the program runs
        except (PolicyConfigError, PolicyPackError) as exc:
            raise _PolicyError(str(exc)) from None
        return cls(PolicyProxy(pack, project=project.name, stack=stack, dry_run=dry_run, config_file=config_file,
                               tags=tags))

    def submit(self, record: ResourceRecord) -> None:
        self.proxy.submit(record)

    def finish(self, result: PreviewResult) -> None:
        from stackcheck.analyzer import PolicyPackError

        try:
            result.violations = self.proxy.finish(result.resources)
        except PolicyPackError as exc:
            raise _PolicyError(str(exc)) from None
        result.policy_packs = [self.proxy.pack_info]

    def close(self) -> None:
        self.proxy.close()


FILES_OUTPUT = "files"
"""A stack output of this name maps relative paths to file contents (rendered configs): written under --out."""


def _files_output(result: PreviewResult) -> dict[str, str]:
    """The program's ``files`` stack output, taken out of the reported outputs (its entries are reported as the
    files written). Entries that are not known, non-secret text are skipped with a warning."""
    from stackcheck.wire import is_secret, is_unknown, unwrap

    raw = result.outputs.pop(FILES_OUTPUT, None)
    if raw is None:
        return {}
    if is_unknown(raw) or is_secret(raw) or not isinstance(unwrap(raw), dict):
        print(f"stackcheck: warning: the '{FILES_OUTPUT}' stack output is not a known, non-secret map of "
              "path → text; no files written", file=sys.stderr)
        return {}
    files: dict[str, str] = {}
    for path, text in unwrap(raw).items():
        if is_unknown(text) or is_secret(text) or not isinstance(text, str):
            print(f"stackcheck: warning: '{FILES_OUTPUT}' entry {str(path)[:120]!r} is unknown, secret or not "
                  "text; not written", file=sys.stderr)
            continue
        files[str(path)] = text
    return files


def _program_failure(exc: BaseException, *, debug: bool) -> int:
    """The program raised. A config error (an exception carrying ``problems``: [(key, message)], as the webstack
    library raises) or a ``pulumi.RunError`` is the user's to fix: exit 2. Anything else is a bug: exit 3."""
    if isinstance(exc, KeyboardInterrupt) or was_interrupted():
        raise KeyboardInterrupt from exc
    if isinstance(exc, DuplicateUrnError):
        _say_problem(f"the program registered two resources with one URN: {exc}")
        return EXIT_USAGE
    problems = getattr(exc, "problems", None)
    if isinstance(problems, list) and all(isinstance(p, tuple) and len(p) == 2 for p in problems):
        lines = [f"  {key}: {msg}" for key, msg in problems]
        print("stackcheck: invalid stack configuration:\n" + "\n".join(bounded(lines)), file=sys.stderr)
        print("Fix the key(s) in Pulumi.<stack>.yaml or with `pulumi config set` (use --secret for credentials).",
              file=sys.stderr)
        return EXIT_USAGE
    if type(exc).__name__ == "RunError" and type(exc).__module__.startswith("pulumi"):
        _say_problem(f"the program failed: {exc}")
        return EXIT_USAGE
    return internal_error(exc, debug=debug, what="the program raised")


def internal_error(exc: BaseException, *, debug: bool, what: str = "internal error") -> int:
    """One line (type and where, never the message: it may hold a value), the traceback only with --debug."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    print(f"stackcheck: {what}: {type(exc).__name__}{where}. {REPORT_BUG}", file=sys.stderr)
    return EXIT_INTERNAL


def _policy_pack_dir(args: argparse.Namespace, project_dir: Path) -> Path | None:
    if args.no_policy:
        return None
    if args.policy_pack is not None:
        return args.policy_pack.resolve()
    for default in (project_dir / "policy", BUNDLED_PACK):
        if (default / "PulumiPolicy.yaml").exists():
            return default
    # A plain (non-editable) install has no bundled pack: say so rather than report a clean preview that judged
    # nothing.
    print(f"stackcheck: no policy pack: none given (--policy-pack DIR) and no {project_dir / 'policy'}; previewing "
          "without policies (--no-policy says this on purpose)", file=sys.stderr)
    return None


def _has_mandatory(result: PreviewResult) -> bool:
    return any(v.enforcement == "mandatory" and not v.suppressed for v in result.violations)


def main(argv: Sequence[str] | None = None) -> int:
    """The CLI entry point: every outcome is one of the exit codes above, never a traceback (unless --debug)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    global _DEBUG  # one flag for every command, read where an internal error is reported
    _DEBUG = debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]  # accepted by every command, wherever it is placed
    try:
        with interrupts_as_keyboard_interrupt():
            code = _dispatch(argv)
        if was_interrupted():  # a library swallowed the interrupt: the outcome is still "interrupted"
            raise KeyboardInterrupt
        return code
    except KeyboardInterrupt:
        print("stackcheck: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        if was_interrupted():
            print("stackcheck: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        return exc.code if isinstance(exc.code, int) and exc.code in (EXIT_OK, EXIT_USAGE) else EXIT_USAGE
    except (Exception, RecursionError, MemoryError) as exc:  # noqa: BLE001 - the contract: exit 3, one line
        if was_interrupted():
            print("stackcheck: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        return internal_error(exc, debug=debug)


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] == "audit-db":
        # The database audit is webstack's (Supabase lints), not part of the generic preview: it moved to the library.
        print("stackcheck: audit-db moved to the webstack library: run `webstack-audit-db` "
              "(or `python -m components.supabase.audit`) with the same arguments", file=sys.stderr)
        return EXIT_USAGE
    if argv and argv[0] == "check":
        from stackcheck.check import main as check_main

        return check_main(argv[1:])
    if argv and argv[0] == "permissions":
        from stackcheck.permissions import main as permissions_main

        return permissions_main(argv[1:])
    if argv and argv[0] == "cloudflare-entrypoints":
        from stackcheck.cloudflare_entrypoints import main as entrypoints_main

        return entrypoints_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "preview":
        return cmd_preview(args)
    return EXIT_USAGE


def dumps(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=False)
