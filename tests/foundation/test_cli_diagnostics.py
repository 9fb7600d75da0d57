"""`stackcheck preview` shows what the program logged (pulumi.log), as the CLI does under "Diagnostics:" —
plan warnings used to be silently dropped offline — in every report format, with secret values replaced."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import REPO, run_cli

PROGRAM = '''
import pulumi

cfg = pulumi.Config()
token = cfg.require_secret("token")
res = pulumi.CustomResource("test:index:Thing", "thing", {"token": token})
pulumi.log.info("hello from the program")
pulumi.log.warn("the plan lacks X; left out", res)
pulumi.log.debug("debug noise")
token.apply(lambda t: pulumi.log.error(f"leaky program printed {t}"))
# NODE_ENV is secret in one place (a provider's schema marks env values secret) and plain in another: not a secret.
pulumi.CustomResource("test:index:Env", "env", {"value": pulumi.Output.secret("production"), "tag": "production"})
pulumi.CustomResource("test:index:Key", "key", {"value": pulumi.Output.secret("hunter2-only-secret")})
pulumi.log.warn("rum is off on a production stack; hunter2-only-secret")
'''


def _project(tmp_path: Path) -> Path:
    tmp_path.mkdir()
    (tmp_path / "Pulumi.yaml").write_text("name: diag\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(PROGRAM)
    return tmp_path


def test_free_stack_plan_warnings_are_shown(tmp_path: Path) -> None:
    code, out, _ = run_cli(["preview", "--stack", "free", "--cwd", str(REPO), "--no-policy"])
    assert code == 0
    block = out.split("Diagnostics:", 1)[1].split("Resources:", 1)[0]
    assert "webstack:index:CloudflareEdge (edge):" in block
    assert "warning: CloudflareEdge edge: the Cloudflare Free plan's minimum edge TTL" in block


def test_every_format_carries_diagnostics_without_secrets(tmp_path: Path) -> None:
    project = _project(tmp_path / "p")
    secret = "s3cr3t-token-value-0042"
    out_dir = tmp_path / "out"
    code, out, err = run_cli(["preview", "--stack", "dev", "--cwd", str(project), "--no-policy",
                              "--secret", f"diag:token={secret}", "--out", str(out_dir)])
    assert code == 0, err
    text = out.split("Diagnostics:", 1)[1].split("Resources:", 1)[0]
    assert "  pulumi:pulumi:Stack (diag-dev):\n    info: hello from the program" in text
    assert "  test:index:Thing (thing):\n    warning: the plan lacks X; left out" in text
    assert "debug noise" not in out
    assert "error: leaky program printed [secret]" in text
    assert "warning: rum is off on a production stack; [secret]" in text
    doc = json.loads((out_dir / "report.json").read_text())
    severities = [d["severity"] for d in doc["diagnostics"]]
    assert sorted(severities) == ["error", "info", "warning", "warning"]
    thing = next(d for d in doc["diagnostics"] if d["severity"] == "warning" and d["urn"])
    assert thing["urn"].endswith("::test:index:Thing::thing")
    assert "Program diagnostics:" in (out_dir / "report.md").read_text()
    everything = out + err + "".join(p.read_text() for p in out_dir.rglob("*") if p.is_file())
    assert secret not in everything
