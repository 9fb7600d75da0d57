"""`stackcheck check --from-preview FILE`: judge the JSON of a real `pulumi preview --json` with the policy pack.

Same pack runner and reporters as `stackcheck preview`; exit 1 on any unsuppressed mandatory violation, 2 on bad
input or config, 3 on an internal error, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from stackcheck.analyzer import PolicyConfigError, PolicyPackError, run_policy_pack
from stackcheck.contract import EXIT_OK, EXIT_USAGE, EXIT_VIOLATIONS, key_value, out_dir, usage_message, write_stdout
from stackcheck.model import PreviewResult
from stackcheck.outdir import OutDirError, check_target, write_atomically
from stackcheck.preview_json import PreviewJsonError, load_preview
from stackcheck.reporters import FORMATS, render, report_files


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"stackcheck check: error: {usage_message(message)}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="stackcheck check", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--from-preview", type=Path, required=True, metavar="FILE",
                   help="output of `pulumi preview --json` (fields read: docs/policy.md)")
    p.add_argument("--policy-pack", type=Path, default=None,
                   help="policy pack directory (default: ./policy if it has PulumiPolicy.yaml)")
    p.add_argument("--policy-config", type=Path, default=None, help="Pulumi policy config JSON file")
    p.add_argument("--stack-tag", dest="tags", action="append", type=key_value, default=[], metavar="KEY=VALUE",
                   help="stack tag the pack sees (e.g. environment=production)")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--out", type=out_dir, help="write report.json, report.sarif and report.md to this directory "
                   "(replaced as a whole when the run completes)")
    p.add_argument("--debug", action="store_true", help="print the traceback of an internal error")
    return p


def _pack_dir(arg: Path | None) -> Path | None:
    if arg is not None:
        return arg.resolve()
    default = Path.cwd() / "policy"
    return default if (default / "PulumiPolicy.yaml").exists() else None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    pack = _pack_dir(args.policy_pack)
    if pack is None:
        print("stackcheck check: no policy pack (give --policy-pack DIR)", file=sys.stderr)
        return EXIT_USAGE
    try:
        target = check_target(Path(args.out)) if args.out is not None else None
        project, stack, records = load_preview(args.from_preview)
        violations, packs = run_policy_pack(pack, records, project=project, stack=stack, dry_run=True,
                                            config_file=args.policy_config, tags=dict(args.tags))
        result = PreviewResult(project=project, stack=stack, dry_run=True, resources=records,
                               violations=violations, policy_packs=packs)
        if target is not None:
            write_atomically(target, report_files(result))
    except (PreviewJsonError, PolicyConfigError, PolicyPackError, OutDirError) as exc:
        print(f"stackcheck check: {str(exc)[:4000]}", file=sys.stderr)
        return EXIT_USAGE
    write_stdout(render(result, args.format))
    blocking = any(v.enforcement == "mandatory" and not v.suppressed for v in violations)
    return EXIT_VIOLATIONS if blocking else EXIT_OK
