"""`webstack-audit-db --dsn DSN` (or `python -m components.supabase.audit`) — security lints against a live (Supabase)
PostgreSQL database.

Prints every finding with its level and remediation, then the runbook's ``pg_policies`` listing.
Exit codes: 0 no ERROR finding; 1 at least one ERROR; 2 usage or connection problem; 3 internal error (one line;
--debug prints the traceback); 130 interrupted (Ctrl-C, SIGTERM, SIGHUP).
The DSN (which holds a password) is never printed; pass it with ``--dsn`` or the ``WEBSTACK_AUDIT_DSN`` variable.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from components.config.dsn import check_dsn, scrub_dsn
from components.supabase.lints import Finding, list_policies, run_lints
from stackcheck.contract import interrupts_as_keyboard_interrupt, write_stdout

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
DSN_ENV = "WEBSTACK_AUDIT_DSN"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"webstack-audit-db: error: {_usage_message(message)}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _usage_message(message: str) -> str:
    """argparse's message without stray arguments: a DSN given without --dsn must not be echoed."""
    head, sep, rest = message.partition("unrecognized arguments: ")
    if sep:
        words = rest.split()
        options = [w for w in words if w.startswith("-") and "=" not in w and len(w) <= 60]
        hidden = len(words) - len(options)
        message = head + sep + " ".join(options) + (f" (and {hidden} value(s), not echoed)" if hidden else "")
    return message[:500]


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="webstack-audit-db", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dsn", default=None, help=f"postgresql:// connection string (default: ${DSN_ENV})")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--schema", dest="schemas", action="append", default=None, metavar="NAME",
                   help="API-exposed schema when the database has no pgrst.db_schemas (repeatable; default public)")
    p.add_argument("--debug", action="store_true", help="print the traceback of an internal error")
    return p


def audit(conn: Any, schemas: list[str] | None = None) -> tuple[list[Finding], list[dict[str, Any]]]:
    return run_lints(conn, schemas), list_policies(conn, schemas)


def render_text(findings: list[Finding], policies: list[dict[str, Any]]) -> str:
    lines = []
    for f in findings:
        lines.append(f"{f.level:<5} {f.name}  {f.schema}.{f.object}: {f.detail}")
        lines.append(f"      fix: {f.remediation}  ({f.url})")
    counts = {lvl: sum(f.level == lvl for f in findings) for lvl in ("ERROR", "WARN", "INFO")}
    lines.append(f"{counts['ERROR']} error(s), {counts['WARN']} warning(s), {counts['INFO']} info")
    lines.append("")
    lines.append("policies (pg_policies):")
    if not policies:
        lines.append("  (none)")
    for p in policies:
        lines.append(f"  {p['schema']}.{p['table']:<24} {p['policy']:<36} {p['command']:<7} {','.join(p['roles'])}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Every outcome is an exit code (see the module doc), never a traceback unless --debug."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        with interrupts_as_keyboard_interrupt():  # SIGTERM and SIGHUP end it like Ctrl-C: exit 130
            return _run(args_list)
    except KeyboardInterrupt:
        print("webstack-audit-db: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return EXIT_OK if exc.code in (0, None) else EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - the contract: exit 3 with one line
        if "--debug" in args_list:
            traceback.print_exception(exc, file=sys.stderr)
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
        print(f"webstack-audit-db: internal error: {type(exc).__name__}{where}. This is a bug: please report it to "
              "the webstack maintainers with the output of the same command run with --debug", file=sys.stderr)
        return EXIT_INTERNAL


def _run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    dsn = args.dsn or os.environ.get(DSN_ENV, "")
    if not dsn:
        print(f"webstack-audit-db: error: give --dsn or set {DSN_ENV}", file=sys.stderr)
        return EXIT_USAGE
    try:
        import psycopg
    except ImportError:
        print("webstack-audit-db: error: needs psycopg (pip install 'psycopg[binary]')", file=sys.stderr)
        return EXIT_USAGE
    try:
        check_dsn(dsn)
    except ValueError as exc:
        print(f"webstack-audit-db: error: --dsn {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        with psycopg.connect(dsn, connect_timeout=15, autocommit=True) as conn:
            conn.execute("set default_transaction_read_only = on")
            findings, policies = audit(conn, args.schemas)
    except psycopg.Error as exc:
        print(f"webstack-audit-db: error: {scrub_dsn(str(exc).strip(), dsn)}", file=sys.stderr)
        return EXIT_USAGE
    if args.format == "json":
        doc = {"findings": [f.as_dict() for f in findings], "policies": policies,
               "summary": {lvl: sum(f.level == lvl for f in findings) for lvl in ("ERROR", "WARN", "INFO")}}
        write_stdout(json.dumps(doc, indent=2) + "\n")
    else:
        write_stdout(render_text(findings, policies))
    return EXIT_ERRORS if any(f.level == "ERROR" for f in findings) else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
