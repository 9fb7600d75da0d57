"""Every stackcheck command, misused: each case must end with the contract's exit code and a message that names
the option, file or key — never a traceback, never a secret, never an unbounded error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from harness import REPO, judge, scratch_project

PREVIEW_JSON = REPO / "tests" / "fixtures" / "preview" / "prod-preview.json"
PW = "ZZPW"  # every password below contains this, so any echoed fragment is caught


def _files(tmp: Path) -> dict[str, Path]:
    binary = tmp / "binary.bin"
    binary.write_bytes(b"\xff\xfe\x00\x80secret")
    latin = tmp / "latin1.json"
    latin.write_bytes('{"all": "mandatory", "x": "caf\xe9"}'.encode("latin-1"))
    deep = tmp / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    a_list = tmp / "list.json"
    a_list.write_text("[1, 2]")
    unknown_policy = tmp / "unknown-policy.json"
    unknown_policy.write_text('{"no-such-policy": "mandatory"}')
    a_file = tmp / "a-file"
    a_file.write_text("previous content")
    not_a_pack = tmp / "not-a-pack"
    not_a_pack.mkdir()
    node_pack = tmp / "node-pack"
    node_pack.mkdir()
    (node_pack / "PulumiPolicy.yaml").write_text("runtime: nodejs\n")
    (node_pack / "__main__.py").write_text("")
    doc = json.loads(PREVIEW_JSON.read_text())
    steps = [s for s in doc["steps"] if s.get("newState", {}).get("custom")]
    bad_inputs = tmp / "bad-inputs.json"
    bad_inputs.write_text(json.dumps({"steps": [{**steps[0], "newState": {**steps[0]["newState"], "inputs": [1, 2]}}]}))
    bad_deps = tmp / "bad-deps.json"
    bad_deps.write_text(json.dumps({"steps": [{**steps[0], "newState": {**steps[0]["newState"],
                                                                       "propertyDependencies": ["a"]}}]}))
    no_steps = tmp / "no-steps.json"
    no_steps.write_text('{"steps": {"a": 1}}')
    return {k: v for k, v in locals().items() if isinstance(v, Path) and k != "tmp"}


PREVIEW = ["preview", "--stack", "prod", "--no-policy"]

CASES: list[tuple[str, list[str], int, tuple[str, ...]]] = [
    ("no-arguments", [], 2, ()),
    ("unknown-command", ["deploy"], 2, ()),
    ("help", ["--help"], 0, ()),
    ("preview-help", ["preview", "--help"], 0, ()),
    ("preview-no-stack", ["preview"], 2, ("--stack",)),
    ("preview-unknown-stack", ["preview", "--stack", "nope", "--no-policy"], 2, ("nope",)),
    ("preview-stack-path", ["preview", "--stack", "../../etc/passwd", "--no-policy"], 2, ("--stack",)),
    ("preview-out-empty", [*PREVIEW, "--out", ""], 2, ("--out",)),
    ("preview-out-file", [*PREVIEW, "--out", "{a_file}"], 2, ("--out",)),
    ("preview-out-under-file", [*PREVIEW, "--out", "{a_file}/sub"], 2, ("--out",)),
    ("preview-out-proc", [*PREVIEW, "--out", "/proc/stackcheck-out"], 2, ("--out",)),
    ("preview-format", [*PREVIEW, "--format", "yaml"], 2, ("--format",)),
    ("preview-config-no-equals", [*PREVIEW, "-c", "webstack:domain"], 2, ("KEY=VALUE",)),
    ("preview-config-bad-json", [*PREVIEW, "-c", "webstack:hosting={{not json"], 2, ("webstack:hosting",)),
    ("preview-secret-binary-file", [*PREVIEW, "--secret", "webstack:supabaseAnonKey=@{binary}"], 2, ("UTF-8",)),
    ("preview-secret-directory", [*PREVIEW, "--secret", "webstack:supabaseAnonKey=@{tmp}"], 2, ("--secret",)),
    ("preview-secret-missing-file", [*PREVIEW, "--secret", "webstack:supabaseAnonKey=@{tmp}/none"], 2,
     ("--secret",)),
    ("preview-secret-missing-env", [*PREVIEW, "--secret", "webstack:supabaseAnonKey=env:NO_SUCH_VAR_ZZ"], 2,
     ("NO_SUCH_VAR_ZZ",)),
    ("preview-policy-config-dir", ["preview", "--stack", "prod", "--policy-config", "{tmp}"], 2,
     ("policy config",)),
    ("preview-policy-config-latin1", ["preview", "--stack", "prod", "--policy-config", "{latin}"], 2,
     ("UTF-8",)),
    ("preview-policy-config-deep", ["preview", "--stack", "prod", "--policy-config", "{deep}"], 2, ("deep",)),
    ("preview-policy-config-list", ["preview", "--stack", "prod", "--policy-config", "{a_list}"], 2,
     ("policy config",)),
    ("preview-policy-pack-missing", ["preview", "--stack", "prod", "--policy-pack", "{tmp}/none"], 2,
     ("policy pack",)),
    ("preview-policy-pack-not-a-pack", ["preview", "--stack", "prod", "--policy-pack", "{not_a_pack}"], 2,
     ("PulumiPolicy.yaml",)),
    ("preview-policy-pack-nodejs", ["preview", "--stack", "prod", "--policy-pack", "{node_pack}"], 2,
     ("runtime",)),
    ("preview-cwd-missing", ["preview", "--stack", "prod", "--cwd", "{tmp}/none"], 2, ("Pulumi.yaml",)),
    ("preview-unknown-keys", [*PREVIEW, *[a for i in range(3000) for a in ("-c", f"webstack:k{i}=v")]], 2,
     ("unknown key",)),
    ("check-no-arguments", ["check"], 2, ("--from-preview",)),
    ("check-help", ["check", "--help"], 0, ()),
    ("check-missing-file", ["check", "--from-preview", "{tmp}/none.json"], 2, ("no such file",)),
    ("check-directory", ["check", "--from-preview", "{tmp}"], 2, ("directory",)),
    ("check-latin1", ["check", "--from-preview", "{latin}"], 2, ("UTF-8",)),
    ("check-deep", ["check", "--from-preview", "{deep}"], 2, ("deep",)),
    ("check-inputs-list", ["check", "--from-preview", "{bad_inputs}", "--policy-pack", str(REPO / "policy")], 2,
     ("inputs",)),
    ("check-property-dependencies-list", ["check", "--from-preview", "{bad_deps}", "--policy-pack",
                                          str(REPO / "policy")], 2, ("propertyDependencies",)),
    ("check-steps-object", ["check", "--from-preview", "{no_steps}", "--policy-pack", str(REPO / "policy")], 2,
     ("steps",)),
    ("check-out-empty", ["check", "--from-preview", str(PREVIEW_JSON), "--out", ""], 2, ("--out",)),
    ("check-out-file", ["check", "--from-preview", str(PREVIEW_JSON), "--policy-pack", str(REPO / "policy"),
                        "--out", "{a_file}"], 2, ("--out",)),
    ("check-policy-config-unknown", ["check", "--from-preview", str(PREVIEW_JSON), "--policy-pack",
                                     str(REPO / "policy"), "--policy-config", "{unknown_policy}"], 2,
     ("no-such-policy",)),
    ("permissions-help", ["permissions", "--help"], 0, ()),
    ("permissions-no-stack", ["permissions"], 2, ()),
    ("permissions-unknown-stack", ["permissions", "--stack", "nope"], 2, ("nope",)),
    ("permissions-bad-config", ["permissions", "--stack", "prod", "--cwd", "{tmp}/none"], 2, ("Pulumi.yaml",)),
    ("permissions-debug-anywhere", ["permissions", "--debug", "--stack", "nope"], 2, ("nope",)),
    ("entrypoints-help", ["cloudflare-entrypoints", "--help"], 0, ()),
    ("entrypoints-no-source", ["cloudflare-entrypoints"], 2, ()),
    ("entrypoints-bad-zone", ["cloudflare-entrypoints", "--zone-id", "../../x"], 2, ("--zone-id",)),
    ("entrypoints-from-directory", ["cloudflare-entrypoints", "--from", "{tmp}"], 2, ("directory",)),
    ("entrypoints-from-latin1", ["cloudflare-entrypoints", "--from", "{latin}"], 2, ("UTF-8",)),
    ("entrypoints-from-deep", ["cloudflare-entrypoints", "--from", "{deep}"], 2, ("deep",)),
    ("entrypoints-from-list", ["cloudflare-entrypoints", "--from", "{a_list}"], 2, ()),
    ("audit-help", ["webstack-audit-db", "--help"], 0, ()),
    ("audit-no-dsn", ["webstack-audit-db"], 2, ("--dsn",)),
    ("audit-positional-dsn", ["webstack-audit-db", f"postgresql://u:{PW}@127.0.0.1:1/db"], 2, ("unrecognized",)),
    ("audit-dsn-at", ["webstack-audit-db", "--dsn", f"postgresql://u:{PW}@x@127.0.0.1:1/db"], 2, ("%40",)),
    ("audit-dsn-slash", ["webstack-audit-db", "--dsn", f"postgresql://u:{PW}/x@127.0.0.1:1/db"], 2, ("%2F",)),
    ("audit-dsn-percent", ["webstack-audit-db", "--dsn", f"postgresql://u:{PW}%zz@127.0.0.1:1/db"], 2, ("%",)),
    ("audit-dsn-colon", ["webstack-audit-db", "--dsn", f"postgresql://u:{PW}:x@127.0.0.1:1/db"], 2, ()),
    ("stackcheck-audit-db-moved", ["audit-db", "--dsn", f"postgresql://u:{PW}@127.0.0.1:1/db"], 2,
     ("webstack-audit-db",)),
    ("audit-dsn-encoded", ["webstack-audit-db", "--dsn", f"postgresql://u:{PW}%40%3A%2F@127.0.0.1:1/db"], 2, ()),
    ("audit-dsn-keywords", ["webstack-audit-db", "--dsn", f"host=127.0.0.1 port=1 user=u password='{PW} @:/%'"], 2, ()),
    ("audit-format", ["webstack-audit-db", "--format", "xml", "--dsn", f"postgresql://u:{PW}@127.0.0.1:1/db"], 2,
     ("--format",)),
]


@pytest.mark.parametrize(("name", "argv", "code", "names"), CASES, ids=[c[0] for c in CASES])
def test_misuse_keeps_the_contract(name: str, argv: list[str], code: int, names: tuple[str, ...],
                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _files(tmp_path)
    monkeypatch.chdir(REPO)
    args = [a.format(tmp=tmp_path, **files) for a in argv]
    outcome = judge(f"misuse/{name}", args, allowed={code}, secrets=(PW,), must_name=names)
    assert not outcome.problems, f"{outcome.problems}\n{outcome.err[-3000:]}"
    assert files["a_file"].read_text() == "previous content"
    assert not [p for p in tmp_path.iterdir() if ".stackcheck-" in p.name], "a staging dir was left behind"


def _project(tmp: Path, program: str, stack: str = "dev", stack_text: str = "config: {}\n") -> Path:
    (tmp / "Pulumi.yaml").write_text("name: misuse\nruntime: python\n")
    (tmp / f"Pulumi.{stack}.yaml").write_text(stack_text)
    (tmp / "__main__.py").write_text(program)
    return tmp


def test_a_crashing_program_is_an_internal_error_with_one_line(tmp_path: Path) -> None:
    project = _project(tmp_path, "import pulumi\nsecret = 'ZZPROGRAMSECRET'\nraise ZeroDivisionError(secret)\n")
    outcome = judge("misuse/program-crash", ["preview", "--stack", "dev", "--cwd", str(project)], allowed={3},
                    secrets=("ZZPROGRAMSECRET",))
    assert not outcome.problems, outcome.problems
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1 and "ZeroDivisionError" in lines[0] and "report" in lines[0] and "--debug" in lines[0]
    debug = judge("misuse/program-crash-debug", ["preview", "--stack", "dev", "--cwd", str(project), "--debug"],
                  allowed={3})
    assert "Traceback (most recent call last)" in debug.err and "__main__.py" in debug.err


def test_pulumi_run_error_is_the_users_to_fix(tmp_path: Path) -> None:
    project = _project(tmp_path, "import pulumi\nraise pulumi.RunError('set the zone id')\n")
    outcome = judge("misuse/run-error", ["preview", "--stack", "dev", "--cwd", str(project)], allowed={2},
                    must_name=("set the zone id",))
    assert not outcome.problems, outcome.problems


def test_duplicate_urns_are_refused_like_the_engine(tmp_path: Path) -> None:
    program = ("import pulumi\nclass C(pulumi.ComponentResource):\n"
               "    def __init__(self, n):\n        super().__init__('x:index:C', n)\n"
               "C('same')\nC('same')\n")
    outcome = judge("misuse/duplicate-urn", ["preview", "--stack", "dev", "--cwd", str(_project(tmp_path, program))],
                    allowed={2}, must_name=("Duplicate resource URN", "x:index:C::same"))
    assert not outcome.problems, outcome.problems


def test_a_project_directory_given_as_the_pack_is_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "program-ran"
    project = _project(tmp_path, f"open({str(marker)!r}, 'w').write('ran')\n")
    (project / "PulumiPolicy.yaml").write_text("runtime: python\n")
    outcome = judge("misuse/pack-is-the-project", ["preview", "--stack", "prod", "--cwd", str(REPO / "tests" /
                    "fixtures" / "foreign_project"), "--policy-pack", str(project)], allowed={2},
                    must_name=("Pulumi project",))
    assert not outcome.problems, outcome.problems
    assert not marker.exists()


def test_secret_object_keys_never_appear_in_errors(tmp_path: Path) -> None:
    doc = yaml.safe_load((REPO / "Pulumi.prod.yaml").read_text())
    doc["config"]["webstack:supabase"]["functionSecrets"] = ["STRIPE_KEY"]
    project = scratch_project(tmp_path / "p", "prod", yaml.safe_dump(doc, sort_keys=False))
    secret_object = json.dumps({"ZZHIDDENKEYNAME": "ZZHIDDENVALUE", "ZZ_OTHER_KEY": "v" * 10})
    outcome = judge("misuse/secret-object-keys", ["preview", "--stack", "prod", "--cwd", str(project), "--no-policy",
                                                  "--secret", f"webstack:supabaseFunctionSecrets={secret_object}"],
                    allowed={2}, secrets=("ZZHIDDENKEYNAME", "ZZ_OTHER_KEY", "ZZHIDDENVALUE"),
                    must_name=("webstack:supabaseFunctionSecrets", "STRIPE_KEY"))
    assert not outcome.problems, f"{outcome.problems}\n{outcome.err}"
    bad_shape = json.dumps({"ZZHIDDENKEYNAME": ["not", "a", "string"]})
    outcome = judge("misuse/secret-object-shape", ["preview", "--stack", "prod", "--cwd", str(project), "--no-policy",
                                                   "--secret", f"webstack:supabaseFunctionSecrets={bad_shape}"],
                    allowed={2}, secrets=("ZZHIDDENKEYNAME",))
    assert not outcome.problems, f"{outcome.problems}\n{outcome.err}"


def test_many_unknown_keys_give_a_bounded_error(tmp_path: Path) -> None:
    stack = "config:\n" + "".join(f"  webstack:unknown{i}: v\n" for i in range(5_000))
    project = scratch_project(tmp_path / "p", "prod", stack)
    outcome = judge("misuse/5k-unknown-keys", ["preview", "--stack", "prod", "--cwd", str(project), "--no-policy"],
                    allowed={2}, must_name=("unknown key", "5000 unknown key(s)"))
    assert not outcome.problems, outcome.problems
    assert len(outcome.err) < 8000
