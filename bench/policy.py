"""Policy evaluation cost on a 1,000-resource synthetic stack, measured side by side in one run.

Prints Analyze throughput (resources/s over the real gRPC protocol) and the share of preview time that policy
evaluation adds (goal <= 15 %, issue 17), measured twice: as stackcheck runs the pack (with the pack's SDK
speed-ups, which only stackcheck requests) and as the published pack runs (no SDK patch:
WEBSTACK_POLICY_SPEEDUPS=0). Preview = stackcheck's offline run of the same program under the mock engine;
policy = Configure + Analyze per resource + AnalyzeStack against an already started pack (pack start-up, a fixed
cost of ~0.3 s, is printed on its own). Ratios, not timed assertions.

    python bench/policy.py [N]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stackcheck.analyzer import PolicyPackSession  # noqa: E402
from stackcheck.engine import run_program  # noqa: E402

HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Content-Security-Policy": "default-src 'self'; object-src 'none'",
}


def synthetic_program(n: int) -> None:
    import pulumi_cloudflare as cloudflare
    import pulumi_docker as docker
    import pulumiverse_vercel as vercel

    kinds = 5
    for i in range(n):
        k = i % kinds
        if k == 0:
            cloudflare.DnsRecord(f"r{i}", zone_id="zone", name=f"h{i}.example.com", type="CNAME",
                                 content="origin.example.net", proxied=True, ttl=1)
        elif k == 1:
            cloudflare.Ruleset(f"r{i}", zone_id="zone", name="h", kind="zone", phase="http_response_headers_transform",
                               rules=[{"action": "rewrite", "expression": "true", "action_parameters": {
                                   "headers": {h: {"operation": "set", "value": v} for h, v in HEADERS.items()}}}])
        elif k == 2:
            cloudflare.ZoneSetting(f"r{i}", zone_id="zone", setting_id="ssl", value="strict")
        elif k == 3:
            vercel.ProjectEnvironmentVariable(f"r{i}", project_id="prj", key=f"VITE_FLAG_{i}", value="on",
                                              sensitive=False, targets=["production"])
        else:
            docker.Container(f"r{i}", image="nginx:1.27.3", read_only=True, user="101:101",
                             capabilities={"drops": ["ALL"]}, security_opts=["no-new-privileges:true"], memory=256,
                             envs=["NODE_ENV=production"])


def _project(tmp: str, n: int = 0) -> Path:
    """A throwaway Pulumi project whose program is ``synthetic_program(n)``."""
    project = Path(tmp)
    (project / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
    (project / "__main__.py").write_text(
        f"import sys\nsys.path.insert(0, {str(REPO / 'bench')!r})\nfrom policy import synthetic_program\n"
        f"synthetic_program({n})\n")
    (project / "Pulumi.bench.yaml").write_text("config: {}\n")
    return project


GOAL = 0.15


def _cli_wall(project: Path, *flags: str, speedups: bool = True) -> float:
    env = {**os.environ, "WEBSTACK_POLICY_SPEEDUPS": "1" if speedups else "0"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "stackcheck", "preview", "--stack", "bench", "--cwd", str(project),
                    "--format", "json", *flags], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, env=env)
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    plain, checked, unpatched = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        project = _project(tmp, n)
        _cli_wall(project, "--no-policy")  # warm the OS file cache for both sides
        for _ in range(runs):
            # What a user runs: the whole `stackcheck preview` process, without and with the policy pack
            # (interleaved, so load changes on a shared machine hit every variant alike).
            plain.append(_cli_wall(project, "--no-policy"))
            checked.append(_cli_wall(project, "--policy-pack", str(REPO / "policy")))
            unpatched.append(_cli_wall(project, "--policy-pack", str(REPO / "policy"), speedups=False))
    p, c, u = statistics.median(plain), statistics.median(checked), statistics.median(unpatched)

    # Throughput of the pack on its own, over the real protocol, after the run (no overlap).
    import pulumi_cloudflare  # noqa: F401
    import pulumi_docker  # noqa: F401
    import pulumiverse_vercel  # noqa: F401

    with tempfile.TemporaryDirectory() as tmp:
        result, _ = run_program(_project(tmp), "bench", program=lambda: synthetic_program(n))
    t0 = time.perf_counter()
    session = PolicyPackSession(REPO / "policy", project="bench", stack="bench", dry_run=True)
    start_s = time.perf_counter() - t0
    try:
        session.run(result.resources[:20])  # first calls pay for imports inside the pack
        t0 = time.perf_counter()
        violations, _ = session.run(result.resources)
        analyze_s = time.perf_counter() - t0
    finally:
        session.close()
    custom = sum(1 for r in result.resources if r.custom and not r.type.startswith("pulumi:providers:"))
    share, share_unpatched = (c - p) / p, (u - p) / p
    print(f"bench/policy.py — {custom} resources, median of {runs} runs of `stackcheck preview`")
    print(f"  preview without the pack (--no-policy): {p:.2f} s")
    print(f"  preview with the pack:                  {c:.2f} s ({len(violations)} violations)")
    print(f"  … the published pack (no SDK patch):    {u:.2f} s")
    shares = (("share policies add (stackcheck)", share), ("share, published pack, unpatched", share_unpatched))
    for label, value in shares:
        verdict = "ok" if value <= GOAL else "MISSED"
        print(f"  {label + ':':38} {value:6.1%}  (goal <= {GOAL:.0%})  {verdict}")
    print(f"  Analyze throughput (pack alone):        {custom / analyze_s:,.0f} resources/s ({analyze_s:.2f} s)")
    print(f"  pack start-up (overlaps the program):   {start_s:.2f} s")


if __name__ == "__main__":
    main()
