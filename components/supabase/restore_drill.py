"""`webstack-restore-drill --dsn DSN [--scratch-dsn DSN] [--schema NAME …]` (or `python -m
components.supabase.restore_drill`) — prove that the schema and row-level-security state of a database survive a
dump and restore.

1. ``pg_dump --schema-only`` of the app schemas (default ``public``; the custom format, read back by pg_restore);
2. restore into a scratch database: a fresh ``webstack_drill_<random>`` database created on the source's server
   (and dropped afterwards, whatever happens), or the empty database named by ``--scratch-dsn``;
3. read the same catalog snapshot from both — schemas, tables/views/sequences with their RLS *enabled* and
   *forced* flags, owners and grants, columns, constraints, indexes, the policies of ``pg_policies``, functions
   with their ``search_path`` / SECURITY DEFINER / grants / body hash, triggers, default privileges — and report
   "equal" or every difference, naming the object.

The source is read live when comparing: a schema change deployed during the drill shows as a difference (re-run).
Exit codes: 0 catalogs equal; 1 differences (or the restore failed); 2 usage or connection problem; 3 internal
error (one line; --debug prints the traceback); 130 interrupted (Ctrl-C, SIGTERM, SIGHUP: the scratch database is still
dropped).
No DSN (both hold passwords) is ever printed; the password reaches pg_dump/pg_restore through ``PGPASSWORD``,
never the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.config.dsn import check_dsn, scrub_dsn
from stackcheck.contract import interrupts_as_keyboard_interrupt, interrupts_held, write_stdout

EXIT_EQUAL, EXIT_DIFFERENT, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
DSN_ENV = "WEBSTACK_DRILL_DSN"
SCRATCH_DSN_ENV = "WEBSTACK_DRILL_SCRATCH_DSN"
PROG = "webstack-restore-drill"

# Each query takes the schema list as %(schemas)s and returns key columns first (KEYS[name] of them), then the
# attributes compared. Everything is rendered as text so a snapshot is plain JSON.
CATALOG: dict[str, tuple[int, tuple[str, ...], str]] = {
    "schema": (1, ("owner", "grants"), """
        select n.nspname, n.nspowner::regrole::text, coalesce(n.nspacl::text, '')
        from pg_namespace n where n.nspname = any(%(schemas)s)"""),
    "relation": (2, ("kind", "rls_enabled", "rls_forced", "owner", "grants", "options", "view_definition"), """
        select n.nspname, c.relname, c.relkind::text, c.relrowsecurity::text, c.relforcerowsecurity::text,
               c.relowner::regrole::text, coalesce(c.relacl::text, ''), coalesce(c.reloptions::text, ''),
               case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) else '' end
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any(%(schemas)s) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')"""),
    "column": (3, ("type", "not_null", "default", "grants"), """
        select n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text,
               coalesce(pg_get_expr(d.adbin, d.adrelid), ''), coalesce(a.attacl::text, '')
        from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
        left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where n.nspname = any(%(schemas)s) and a.attnum > 0 and not a.attisdropped
          and c.relkind in ('r', 'p', 'v', 'm', 'f')"""),
    "constraint": (3, ("definition",), """
        select n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid)
        from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any(%(schemas)s)"""),
    "index": (2, ("definition",), """
        select schemaname, indexname, indexdef from pg_indexes where schemaname = any(%(schemas)s)"""),
    "policy": (3, ("permissive", "roles", "command", "using", "with_check"), """
        select schemaname, tablename, policyname, permissive, roles::text, cmd, coalesce(qual, ''),
               coalesce(with_check, '')
        from pg_policies where schemaname = any(%(schemas)s)"""),
    "function": (3, ("kind", "returns", "security_definer", "config", "owner", "grants", "volatility", "body_md5"), """
        select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prokind::text,
               coalesce(pg_get_function_result(p.oid), ''), p.prosecdef::text, coalesce(p.proconfig::text, ''),
               p.proowner::regrole::text, coalesce(p.proacl::text, ''), p.provolatile::text, md5(p.prosrc)
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any(%(schemas)s)"""),
    "trigger": (3, ("definition", "enabled"), """
        select n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled::text
        from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any(%(schemas)s) and not t.tgisinternal"""),
    "default_privilege": (3, ("grants",), """
        select coalesce(d.defaclnamespace::regnamespace::text, ''), d.defaclrole::regrole::text,
               d.defaclobjtype::text, d.defaclacl::text
        from pg_default_acl d where d.defaclnamespace::regnamespace::text = any(%(schemas)s)"""),
}

Snapshot = dict[str, dict[tuple[str, ...], dict[str, str]]]


class DrillError(Exception):
    """A step of the drill failed (the message is already scrubbed of credentials)."""


class UsageError(Exception):
    """Bad input or an unreachable database (exit 2)."""


@dataclass(frozen=True)
class Difference:
    kind: str
    key: tuple[str, ...]
    change: str  # "missing after restore" | "only in the restore" | "changed"
    fields: tuple[tuple[str, str, str], ...] = ()  # (field, source value, restored value)

    @property
    def name(self) -> str:
        return ".".join(k for k in self.key if k) if self.kind != "function" else \
            f"{self.key[0]}.{self.key[1]}({self.key[2]})"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "change": self.change,
                "fields": [{"field": f, "source": s, "restored": r} for f, s, r in self.fields]}

    def __str__(self) -> str:
        head = f"{self.kind} {self.name}: {self.change}"
        return head + "".join(f"\n    {f}: {s!r} -> {r!r}" for f, s, r in self.fields)


def snapshot(conn: Any, schemas: Sequence[str]) -> Snapshot:
    """The drill's catalog snapshot of ``schemas`` over an open psycopg connection."""
    snap: Snapshot = {}
    for kind, (nkeys, fields, query) in CATALOG.items():
        rows = conn.execute(query, {"schemas": list(schemas)}).fetchall()
        snap[kind] = {tuple(str(v) for v in row[:nkeys]): dict(zip(fields, (str(v) for v in row[nkeys:]),
                                                                   strict=True))
                      for row in rows}
    return snap


def compare(source: Snapshot, restored: Snapshot) -> list[Difference]:
    diffs: list[Difference] = []
    for kind in CATALOG:
        src, dst = source.get(kind, {}), restored.get(kind, {})
        for key in sorted(src.keys() | dst.keys()):
            if key not in dst:
                diffs.append(Difference(kind, key, "missing after restore"))
            elif key not in src:
                diffs.append(Difference(kind, key, "only in the restore"))
            elif src[key] != dst[key]:
                changed = tuple((f, src[key][f], dst[key].get(f, "")) for f in src[key] if src[key][f] != dst[key][f])
                diffs.append(Difference(kind, key, "changed", changed))
    return diffs


def _libpq_env(dsn: str) -> tuple[str, dict[str, str]]:
    """A connection string without the password, and an environment carrying it (``PGPASSWORD``)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = {k: str(v) for k, v in conninfo_to_dict(dsn).items() if v is not None}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    password = params.pop("password", None)
    if password is not None:
        env["PGPASSWORD"] = password
    return make_conninfo(**params), env


def find_tool(name: str, pg_bin: str | None) -> str:
    if pg_bin:
        path = Path(pg_bin) / name
        if not path.is_file():
            raise UsageError(f"--pg-bin {pg_bin}: no {name} there")
        return str(path)
    found = shutil.which(name)
    if not found:
        raise UsageError(f"{name} not found on PATH: install the PostgreSQL client (same or newer major version "
                         "than the server) or pass --pg-bin")
    return found


def _run_tool(cmd: list[str], dsn: str, step: str) -> None:
    conninfo, env = _libpq_env(dsn)
    cmd = [c.replace("{conninfo}", conninfo) for c in cmd]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800, check=False,
                          start_new_session=True)
    if proc.returncode != 0:
        message = scrub_dsn((proc.stderr or proc.stdout).strip(), dsn)[-2000:]
        raise DrillError(f"{step} failed (exit {proc.returncode}): {message}")


def dump(dsn: str, schemas: Sequence[str], target: Path, pg_bin: str | None = None) -> Path:
    """``pg_dump --schema-only`` of ``schemas`` (custom format) into ``target``."""
    cmd = [find_tool("pg_dump", pg_bin), "--schema-only", "--format=custom", f"--file={target}",
           *(f"--schema={s}" for s in schemas), "--dbname={conninfo}"]
    _run_tool(cmd, dsn, "pg_dump")
    return target


def restore(archive: Path, scratch_dsn: str, pg_bin: str | None = None) -> None:
    """Everything of the archive into the scratch database, in one transaction, stopping at the first error.

    A ``CREATE SCHEMA`` for a schema the scratch database already has (``public`` always) is left out of the
    restore list; its owner, grants and comment are still restored."""
    tool = find_tool("pg_restore", pg_bin)
    listing = subprocess.run([tool, "--list", str(archive)], capture_output=True, text=True, timeout=300,
                             check=False, start_new_session=True)
    if listing.returncode != 0:
        raise DrillError(f"pg_restore --list failed (exit {listing.returncode}): {listing.stderr.strip()[-2000:]}")
    with _connect(scratch_dsn, "scratch database") as conn:
        existing = {row[0] for row in conn.execute("select nspname from pg_namespace").fetchall()}
    kept = [line for line in listing.stdout.splitlines()
            if not ((m := _SCHEMA_ENTRY.match(line)) and m.group(1) in existing)]
    list_file = archive.with_suffix(".list")
    list_file.write_text("\n".join(kept) + "\n", encoding="utf-8")
    cmd = [tool, "--exit-on-error", "--single-transaction", f"--use-list={list_file}", "--dbname={conninfo}",
           str(archive)]
    _run_tool(cmd, scratch_dsn, "pg_restore")


# A TOC line of `pg_restore --list`: "<id>; <catalog oid> <oid> SCHEMA - <name> <owner>"
_SCHEMA_ENTRY = re.compile(r"\d+; \d+ \d+ SCHEMA - (\S+) \S+\Z")


def _connect(dsn: str, what: str, *, timeout: int = 15) -> Any:
    import psycopg

    try:
        return psycopg.connect(dsn, connect_timeout=timeout, autocommit=True)
    except psycopg.Error as exc:
        raise UsageError(f"{what}: {scrub_dsn(str(exc).strip(), dsn)}") from None


def read_snapshot(dsn: str, schemas: Sequence[str], what: str) -> Snapshot:
    with _connect(dsn, what) as conn:
        return snapshot(conn, schemas)


@contextmanager
def scratch_database(source_dsn: str, scratch_dsn: str | None, schemas: Sequence[str]) -> Iterator[str]:
    """The given scratch database (refused unless the drilled schemas are absent or empty there), or a fresh one
    created beside the source and dropped on every exit path."""
    if scratch_dsn:
        with _connect(scratch_dsn, "--scratch-dsn") as conn:
            present = snapshot(conn, schemas)
        if present["relation"] or present["function"] or present["policy"]:
            raise UsageError("--scratch-dsn: the scratch database already has tables, functions or policies in "
                             f"{', '.join(schemas)}: give an empty database (the drill restores into it)")
        yield scratch_dsn
        return
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    name = "webstack_drill_" + secrets.token_hex(6)
    try:
        with _connect(source_dsn, "--dsn") as conn:
            # An interrupt (Ctrl-C, SIGTERM from a cancelled CI job) waits for the statement to finish: cut short,
            # the client would stop waiting while the server still creates the database, after the drop below
            # looked for it. Only the statement is held: the connection before it leaves nothing to undo.
            with interrupts_held():
                conn.execute(sql.SQL("create database {} template template0").format(sql.Identifier(name)))
        yield make_conninfo(source_dsn, dbname=name)
    finally:
        _drop_scratch(source_dsn, name)


def _drop_scratch(source_dsn: str, name: str) -> None:
    """Drop the scratch database, whatever interrupts: signals are held while it runs (its short connection too),
    a signal that lands before the hold or an error is met by one more attempt, and if the database still cannot
    be dropped the user is told its name. An interrupt that arrived meanwhile is raised afterwards."""
    from psycopg import sql

    interrupt: BaseException | None = None
    problem = ""
    for _attempt in range(3):
        try:
            with interrupts_held(), _connect(source_dsn, "--dsn", timeout=5) as conn:
                conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
            problem = ""
            break
        except KeyboardInterrupt as exc:  # landed before the hold began
            interrupt = interrupt or exc
            problem = "interrupted"
        except Exception as exc:  # noqa: BLE001 - reported below, with the database's name
            problem = scrub_dsn(str(exc).strip(), source_dsn)[:300] or type(exc).__name__
    if problem:
        print(f"{PROG}: warning: could not drop the scratch database {name} on the source's server ({problem}): "
              f"drop it by hand: DROP DATABASE {name} WITH (FORCE);", file=sys.stderr)
    if interrupt is not None:
        raise interrupt


def drill(dsn: str, schemas: Sequence[str], scratch_dsn: str | None = None,
          pg_bin: str | None = None) -> list[Difference]:
    """Dump, restore into scratch, compare. Returns the differences (empty: the drill passed)."""
    with tempfile.TemporaryDirectory(prefix="webstack-drill-") as tmp:
        archive = dump(dsn, schemas, Path(tmp) / "schema.dump", pg_bin)
        with scratch_database(dsn, scratch_dsn, schemas) as target:
            restore(archive, target, pg_bin)
            restored = read_snapshot(target, schemas, "scratch database")
        source = read_snapshot(dsn, schemas, "--dsn")
    return compare(source, restored)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        head, sep, rest = message.partition("unrecognized arguments: ")
        if sep:  # a DSN given without its option must not be echoed
            options = [w for w in rest.split() if w.startswith("-") and "=" not in w and len(w) <= 60]
            message = head + sep + " ".join(options) + " (values not echoed)"
        print(f"{PROG}: error: {message[:500]}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dsn", default=None, help=f"the database to drill (default: ${DSN_ENV})")
    p.add_argument("--scratch-dsn", default=None,
                   help=f"an empty database to restore into (default: ${SCRATCH_DSN_ENV}, else a fresh database "
                        "created on the source's server and dropped afterwards)")
    p.add_argument("--schema", dest="schemas", action="append", default=None, metavar="NAME",
                   help="schema to dump and compare (repeatable; default public)")
    p.add_argument("--pg-bin", default=None, help="directory of pg_dump/pg_restore (default: PATH)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--debug", action="store_true", help="print the traceback of an internal error")
    return p


def render_text(schemas: Sequence[str], diffs: list[Difference]) -> str:
    if not diffs:
        return f"restore drill: catalogs equal after restore ({', '.join(schemas)})\n"
    lines = [f"restore drill: {len(diffs)} difference(s) after restore ({', '.join(schemas)})"]
    lines += [f"  {d}" for d in diffs]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Every outcome is an exit code (see the module doc), never a traceback unless --debug."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        with interrupts_as_keyboard_interrupt():  # SIGTERM and SIGHUP too: the scratch database is dropped
            return _run(args_list)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit as exc:
        return EXIT_EQUAL if exc.code in (0, None) else EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - the contract: exit 3 with one line
        if "--debug" in args_list:
            traceback.print_exception(exc, file=sys.stderr)
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
        print(f"{PROG}: internal error: {type(exc).__name__}{where}. This is a bug: please report it with the output "
              "of the same command run with --debug", file=sys.stderr)
        return EXIT_INTERNAL


def _run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    dsn = args.dsn or os.environ.get(DSN_ENV, "")
    scratch = args.scratch_dsn or os.environ.get(SCRATCH_DSN_ENV, "") or None
    schemas = args.schemas or ["public"]
    if not dsn:
        print(f"{PROG}: error: give --dsn or set {DSN_ENV}", file=sys.stderr)
        return EXIT_USAGE
    try:
        import psycopg  # noqa: F401
    except ImportError:
        print(f"{PROG}: error: needs psycopg (pip install 'psycopg[binary]')", file=sys.stderr)
        return EXIT_USAGE
    for option, value in (("--dsn", dsn), ("--scratch-dsn", scratch)):
        try:
            if value:
                check_dsn(value)
        except ValueError as exc:
            print(f"{PROG}: error: {option} {exc}", file=sys.stderr)
            return EXIT_USAGE
    bad = [s for s in schemas if not s or len(s) > 63 or "\x00" in s]
    if bad:
        print(f"{PROG}: error: --schema must be a schema name of 1-63 characters", file=sys.stderr)
        return EXIT_USAGE
    try:
        diffs = drill(dsn, schemas, scratch, args.pg_bin)
    except UsageError as exc:
        print(f"{PROG}: error: {_scrub(str(exc), dsn, scratch)}", file=sys.stderr)
        return EXIT_USAGE
    except DrillError as exc:
        print(f"{PROG}: drill failed: {_scrub(str(exc), dsn, scratch)}", file=sys.stderr)
        return EXIT_DIFFERENT
    if args.format == "json":
        doc = {"equal": not diffs, "schemas": schemas, "differences": [d.as_dict() for d in diffs]}
        write_stdout(json.dumps(doc, indent=2) + "\n")
    else:
        write_stdout(render_text(schemas, diffs))
    return EXIT_DIFFERENT if diffs else EXIT_EQUAL


def _scrub(text: str, dsn: str, scratch: str | None) -> str:
    return scrub_dsn(scrub_dsn(text, dsn), scratch or "")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
