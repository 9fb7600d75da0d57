"""`python -m stackcheck` — offline preview, policy checks and database audit for Pulumi Python projects.

Exit codes: 0 ok; 1 mandatory policy violations (or audit ERRORs); 2 bad config or usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stackcheck.engine import ProgramError, UsageError, run_program
from stackcheck.model import PreviewResult, ResourceRecord

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2
BUNDLED_PACK = Path(__file__).resolve().parent.parent / "policy"
"""The pack of the checkout stackcheck runs from (`make preview` installs it editable), judged by default when the
project has no ./policy of its own: `stackcheck preview` works from inside any Pulumi Python project."""
FORMATS = ("text", "json", "sarif", "markdown")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"stackcheck: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text.split('=')[0]!r}=…")
    return key, value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="stackcheck", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("preview", help="run the program offline under a mock engine and check it against the pack")
    p.add_argument("--stack", "-s", required=True, help="stack name (reads Pulumi.<stack>.yaml)")
    p.add_argument("--cwd", "-C", type=Path, default=Path("."), help="Pulumi project directory (default: .)")
    p.add_argument("--out", type=Path, help="write rendered artifacts and reports to this directory")
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
    return parser


def cmd_preview(args: argparse.Namespace) -> int:
    project_dir = args.cwd.resolve()
    out: Path | None = args.out.resolve() if args.out else None
    # Without --out, components that must write files during the run (a Docker build context) get a scratch dir.
    scratch = tempfile.TemporaryDirectory(prefix="stackcheck-artifacts-")
    saved = os.environ.get("WEBSTACK_ARTIFACTS_DIR")
    os.environ["WEBSTACK_ARTIFACTS_DIR"] = str(out) if out else scratch.name
    policies: _PolicyRun | None = None
    try:
        pack = _policy_pack_dir(args, project_dir)
        if pack is not None:
            # Started before the program so its start-up and every Analyze overlap the program run (as in the
            # engine, which analyzes each resource when it registers).
            policies = _PolicyRun.start(pack, args.policy_config, project_dir, args.stack, args.dry_run,
                                        dict(args.tags), dict(args.config))
        _reset_artifacts()
        secrets = {key: _secret_source(key, value) for key, value in args.secrets}
        result, _engine = run_program(project_dir, args.stack, dry_run=args.dry_run,
                                      overrides=dict(args.config), secret_overrides=secrets,
                                      on_record=policies.submit if policies else None)
        if policies is not None:
            policies.finish(result)
    except UsageError as exc:
        print(f"stackcheck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ProgramError as exc:
        return _program_failure(exc.original)
    except _PolicyError as exc:
        print(f"stackcheck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if policies is not None:
            policies.close()
        scratch.cleanup()
        if saved is None:
            os.environ.pop("WEBSTACK_ARTIFACTS_DIR", None)
        else:
            os.environ["WEBSTACK_ARTIFACTS_DIR"] = saved
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        result.artifacts = _collect_artifacts(out)
    _write_reports(result, out)
    sys.stdout.write(render(result, args.format))
    return EXIT_VIOLATIONS if _has_mandatory(result) else EXIT_OK


def _secret_source(key: str, value: str) -> str:
    """``env:NAME`` and ``@PATH`` read the secret from the environment or a file (never echoed on failure)."""
    if value.startswith("env:"):
        name = value[4:]
        if name not in os.environ:
            raise UsageError(f"--secret {key}: environment variable {name} is not set")
        return os.environ[name]
    if value.startswith("@"):
        try:
            return Path(value[1:]).read_text().rstrip("\n")
        except OSError as exc:
            raise UsageError(f"--secret {key}: cannot read {value[1:]}: {exc.strerror}") from None
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


def _reset_artifacts() -> None:
    try:
        from components import artifacts
    except ImportError:
        return
    artifacts.reset()


def _collect_artifacts(out: Path) -> list[str]:
    try:
        from components import artifacts
    except ImportError:
        return []
    return [str(p.relative_to(out)) for p in artifacts.write_all(out)]


def _program_failure(exc: BaseException) -> int:
    from components.config import ConfigError

    if isinstance(exc, ConfigError):
        print(f"stackcheck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"stackcheck: the program failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    return EXIT_USAGE


def _policy_pack_dir(args: argparse.Namespace, project_dir: Path) -> Path | None:
    if args.no_policy:
        return None
    if args.policy_pack is not None:
        return args.policy_pack.resolve()
    for default in (project_dir / "policy", BUNDLED_PACK):
        if (default / "PulumiPolicy.yaml").exists():
            return default
    return None


def _has_mandatory(result: PreviewResult) -> bool:
    return any(v.enforcement == "mandatory" and not v.suppressed for v in result.violations)


def render(result: PreviewResult, fmt: str) -> str:
    from stackcheck.reporters import text

    if fmt == "json":
        from stackcheck.reporters import jsonreport

        return jsonreport.render_json(result)
    if fmt == "sarif":
        from stackcheck.reporters.sarif import render_sarif

        return render_sarif(result)
    if fmt == "markdown":
        from stackcheck.reporters.markdown import render_markdown

        return render_markdown(result)
    return text.render_text(result)


def _write_reports(result: PreviewResult, out: Path | None) -> None:
    if out is None:
        return
    from stackcheck.reporters import jsonreport

    (out / "report.json").write_text(jsonreport.render_json(result))
    for name, fmt in (("report.sarif", "sarif"), ("report.md", "markdown")):
        try:
            (out / name).write_text(render(result, fmt))
        except ImportError:
            continue


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
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
