"""`stackcheck check --from-preview FILE`: judge the JSON of a real `pulumi preview --json` with the policy pack.

Same pack runner and reporters as `stackcheck preview`; exit 1 on any unsuppressed mandatory violation, 2 on bad
input or config.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from stackcheck.analyzer import PolicyConfigError, PolicyPackError, run_policy_pack
from stackcheck.cli import key_value
from stackcheck.model import PreviewResult
from stackcheck.preview_json import PreviewJsonError, load_preview

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2
FORMATS = ("text", "json", "sarif", "markdown")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="stackcheck check", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--from-preview", type=Path, required=True, metavar="FILE",
                   help="output of `pulumi preview --json` (fields read: docs/policy.md)")
    p.add_argument("--policy-pack", type=Path, default=None,
                   help="policy pack directory (default: ./policy if it has PulumiPolicy.yaml)")
    p.add_argument("--policy-config", type=Path, default=None, help="Pulumi policy config JSON file")
    p.add_argument("--stack-tag", dest="tags", action="append", type=key_value, default=[], metavar="KEY=VALUE",
                   help="stack tag the pack sees (e.g. environment=production)")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--out", type=Path, help="write report.json, report.sarif and report.md to this directory")
    return p


def _pack_dir(arg: Path | None) -> Path | None:
    if arg is not None:
        return arg.resolve()
    default = Path.cwd() / "policy"
    return default if (default / "PulumiPolicy.yaml").exists() else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    pack = _pack_dir(args.policy_pack)
    if pack is None:
        print("stackcheck check: no policy pack (give --policy-pack DIR)", file=sys.stderr)
        return EXIT_USAGE
    try:
        project, stack, records = load_preview(args.from_preview)
        violations, packs = run_policy_pack(pack, records, project=project, stack=stack, dry_run=True,
                                            config_file=args.policy_config, tags=dict(args.tags))
    except (PreviewJsonError, PolicyConfigError, PolicyPackError) as exc:
        print(f"stackcheck check: {exc}", file=sys.stderr)
        return EXIT_USAGE
    result = PreviewResult(project=project, stack=stack, dry_run=True, resources=records, violations=violations,
                           policy_packs=packs)
    from stackcheck.cli import render

    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, fmt in (("report.json", "json"), ("report.sarif", "sarif"), ("report.md", "markdown")):
            (args.out / name).write_text(render(result, fmt))
    sys.stdout.write(render(result, args.format))
    blocking = any(v.enforcement == "mandatory" and not v.suppressed for v in violations)
    return EXIT_VIOLATIONS if blocking else EXIT_OK
