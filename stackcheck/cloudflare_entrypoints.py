"""`python -m stackcheck cloudflare-entrypoints`: the zone's existing entry-point rulesets, as adoption config or a
`pulumi import` file.

A Cloudflare zone has at most one entry-point ruleset (kind ``zone``) per phase; creating a ruleset for a phase
whose entry point already exists (rules made in the dashboard) fails with "A similar configuration with rules
already exists". This command reads ``GET /zones/{zone_id}/rulesets`` — live (``--zone-id``, token from
``CLOUDFLARE_API_TOKEN``, never printed) or from a saved response (``--from FILE``) — and prints, for the phases the
stack manages (``--stack``: taken from the Ruleset resources its preview registers; without it, every entry point):

* ``--format config`` (default): the ``adoptRulesets`` block for ``webstack:cloudflare`` (id + current name per
  phase). The first ``pulumi up`` then imports each entry point (``import_``) and replaces its rules in place.
* ``--format import``: a ``pulumi import --file`` document (type, name, parent and id ``zones/<zone>/<ruleset id>``
  of each Ruleset the stack registers), for adopting the entry points into state before the first ``pulumi up``.
* ``--format json``: the entry points found.

Response shape: Cloudflare API v4 "List zone rulesets" (developers.cloudflare.com/api/resources/rulesets/methods/
list/): ``{"result": [{"id", "name", "kind", "phase", "version", ...}], "success", "errors", "result_info":
{"cursor"}}`` — rules are not included; ``cursor`` pages through long lists.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from stackcheck.contract import write_stdout

EXIT_OK, EXIT_USAGE = 0, 2
API_URL = "https://api.cloudflare.com/client/v4"
ENTRYPOINT_KIND = "zone"
RULESET_TYPE = "cloudflare:index/ruleset:Ruleset"
_HEX32 = re.compile(r"[0-9a-f]{32}")
_PHASE = re.compile(r"[a-z][a-z0-9_]{0,63}")


class EntrypointError(Exception):
    """The response is not a ruleset list, or the API refused (message has no token)."""


@dataclass(frozen=True)
class Entrypoint:
    phase: str
    id: str
    name: str
    version: str


def entrypoints(pages: Sequence[Any]) -> dict[str, Entrypoint]:
    """Phase -> the zone's entry point, from one or more "List zone rulesets" responses."""
    found: dict[str, Entrypoint] = {}
    for page in pages:
        if not isinstance(page, dict) or not isinstance(page.get("result"), list):
            raise EntrypointError("not a Cloudflare \"List zone rulesets\" response (no result list)")
        if page.get("success") is False:
            raise EntrypointError(f"the API answered with errors: {_errors(page)}")
        for item in page["result"]:
            if not isinstance(item, dict) or item.get("kind") != ENTRYPOINT_KIND:
                continue  # managed and custom rulesets are not entry points
            phase, rid = item.get("phase"), item.get("id")
            if not (isinstance(phase, str) and _PHASE.fullmatch(phase)) or not (
                    isinstance(rid, str) and _HEX32.fullmatch(rid)):
                raise EntrypointError(f"an entry point has an unexpected phase or id: {phase!r} {rid!r}")
            if phase in found and found[phase].id != rid:
                raise EntrypointError(f"two entry points for phase {phase} ({found[phase].id}, {rid}): Cloudflare "
                                      "allows one per phase — is this one zone's response?")
            found[phase] = Entrypoint(phase, rid, str(item.get("name") or ""), str(item.get("version") or ""))
    return found


def _errors(page: dict[str, Any]) -> str:
    errors = page.get("errors") or []
    return "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors if isinstance(e, dict)) or "unknown"


def fetch_pages(zone_id: str, token: str, api_url: str = API_URL, timeout: float = 30.0) -> list[Any]:
    """Every page of ``GET /zones/{zone_id}/rulesets`` (follows ``result_info.cursor``)."""
    pages: list[Any] = []
    cursor = ""
    for _ in range(100):  # a zone has a few dozen rulesets at most; stop a runaway cursor
        url = f"{api_url.rstrip('/')}/zones/{zone_id}/rulesets" + (f"?cursor={quote(cursor)}" if cursor else "")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}",  # noqa: S310
                                                       "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - https API URL or a test's
                page = json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            try:
                detail = _errors(json.loads(exc.read()))
            except (json.JSONDecodeError, AttributeError):
                detail = exc.reason
            raise EntrypointError(f"GET /zones/{zone_id}/rulesets answered {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError, json.JSONDecodeError) as exc:
            raise EntrypointError(f"GET /zones/{zone_id}/rulesets failed: {exc}") from None
        pages.append(page)
        cursor = str(((page.get("result_info") or {}) if isinstance(page, dict) else {}).get("cursor") or "")
        if not cursor:
            return pages
    raise EntrypointError("the API kept returning a cursor after 100 pages")


@dataclass(frozen=True)
class StackRuleset:
    phase: str
    name: str  # the resource name (child of `parent`)
    urn: str
    parent_urn: str
    zone_id: str | None


def stack_rulesets(project_dir: Path, stack: str) -> list[StackRuleset]:
    """The zone-kind Ruleset resources the stack's program registers (offline preview)."""
    from stackcheck.permissions import preview_resources
    from stackcheck.wire import is_secret, is_unknown, unwrap

    def plain(value: Any) -> Any:
        value = unwrap(value) if is_secret(value) else value
        return None if is_unknown(value) else value

    result = preview_resources(project_dir, stack)
    out = []
    for r in result.resources:
        if r.type != RULESET_TYPE or plain(r.inputs.get("kind")) != ENTRYPOINT_KIND:
            continue
        phase, zone = plain(r.inputs.get("phase")), plain(r.inputs.get("zoneId"))
        if isinstance(phase, str):
            out.append(StackRuleset(phase, r.name, r.urn, r.parent or "", zone if isinstance(zone, str) else None))
    return out


def render_config(found: dict[str, Entrypoint], phases: list[str] | None, source: str) -> str:
    wanted = sorted(found) if phases is None else [p for p in sorted(set(phases)) if p in found]
    lines = [f"# webstack:cloudflare.adoptRulesets — generated by `stackcheck cloudflare-entrypoints` from {source}",
             "# Each entry point is imported by the first `pulumi up` and its rules replaced with webstack's."]
    others = sorted(set(found) - set(wanted))
    if others:
        lines.append(f"# Entry points this stack does not manage (left alone): {', '.join(others)}")
    if not wanted:
        lines.append("# Nothing to adopt: the zone has no entry point in the phases this stack manages.")
        lines.append("adoptRulesets: {}")
        return "\n".join(lines) + "\n"
    lines.append("adoptRulesets:")
    for phase in wanted:
        e = found[phase]
        lines += [f"  {phase}:", f"    id: {json.dumps(e.id)}", f"    name: {json.dumps(e.name)}"]
    return "\n".join(lines) + "\n"


def render_import(found: dict[str, Entrypoint], rulesets: list[StackRuleset], zone_id: str) -> str:
    """A `pulumi import --file` document: each existing entry point under the stack's own Ruleset resource."""
    name_table: dict[str, str] = {}
    resources = []
    for rs in sorted(rulesets, key=lambda r: r.phase):
        entry = found.get(rs.phase)
        if entry is None:
            continue
        parent_key = rs.parent_urn.rsplit("::", 1)[-1]
        name_table[parent_key] = rs.parent_urn
        resources.append({"type": RULESET_TYPE, "name": rs.name, "id": f"zones/{zone_id}/{entry.id}",
                          "parent": parent_key})
    return json.dumps({"nameTable": name_table, "resources": resources}, indent=2) + "\n"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="stackcheck cloudflare-entrypoints", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--from", dest="from_file", type=Path,
                        help="a saved GET /zones/{zone_id}/rulesets response (JSON; a list of pages also works)")
    source.add_argument("--zone-id", help="read the zone live (token from CLOUDFLARE_API_TOKEN)")
    parser.add_argument("--api-url", default=API_URL, help=f"Cloudflare API base (default {API_URL})")
    parser.add_argument("--stack", "-s", help="limit to the phases this stack manages (runs its preview offline)")
    parser.add_argument("--cwd", "-C", type=Path, default=Path("."), help="Pulumi project directory (default: .)")
    parser.add_argument("--format", choices=("config", "import", "json"), default="config")
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    if args.zone_id is not None and not _HEX32.fullmatch(args.zone_id):
        return _usage("--zone-id must be a 32-character lower-case hex zone id")
    try:
        if args.from_file is not None:
            from stackcheck.contract import InputFileError, read_json_file

            try:  # bounded: a directory, non-UTF-8 or 100k-deep JSON is a usage error, not a crash
                doc = read_json_file(args.from_file, "--from")
            except InputFileError as exc:
                return _usage(f"{exc} (a saved JSON response is expected)")
            pages = doc if isinstance(doc, list) else [doc]
            where = f"a saved response ({args.from_file.name})"
        else:
            token = os.environ.get("CLOUDFLARE_API_TOKEN")
            if not token:
                return _usage("--zone-id reads the zone live: set CLOUDFLARE_API_TOKEN (a token with read access to "
                              "the zone's rulesets), or pass --from FILE")
            pages = fetch_pages(args.zone_id, token, args.api_url)
            where = f"GET /zones/{args.zone_id}/rulesets"
        found = entrypoints(pages)
    except EntrypointError as exc:
        return _usage(str(exc))
    rulesets: list[StackRuleset] | None = None
    if args.stack is not None:
        from stackcheck.engine import ProgramError, UsageError

        try:
            rulesets = stack_rulesets(args.cwd.resolve(), args.stack)
        except (UsageError, ProgramError) as exc:
            return _usage(f"the stack's preview failed: {getattr(exc, 'original', exc)}")
    if args.format == "json":
        doc_out = {phase: {"id": e.id, "name": e.name, "version": e.version} for phase, e in sorted(found.items())}
        write_stdout(json.dumps(doc_out, indent=2) + "\n")
    elif args.format == "config":
        write_stdout(render_config(found, None if rulesets is None else [r.phase for r in rulesets], where))
    else:
        if rulesets is None:
            return _usage("--format import needs --stack (the names and parents come from the stack's resources)")
        zones = {r.zone_id for r in rulesets if r.zone_id} | ({args.zone_id} if args.zone_id else set())
        if len(zones) != 1:
            return _usage(f"--format import needs exactly one zone id; found {sorted(zones) or 'none'} "
                          "(pass --zone-id)")
        write_stdout(render_import(found, rulesets, zones.pop()))
    return EXIT_OK


def _usage(message: str) -> int:
    print(f"stackcheck cloudflare-entrypoints: {message}", file=sys.stderr)
    return EXIT_USAGE
