"""Policy evaluation cost on a 1,000-resource synthetic stack, measured side by side in one run.

Prints Analyze throughput (resources/s over the real gRPC protocol) and the share of preview time that policy
evaluation adds (goal <= 25 %): preview = stackcheck's offline run of the same program under the mock engine;
policy = Configure + Analyze per resource + AnalyzeStack against an already started pack (pack start-up, a fixed
cost of ~0.3 s, is printed on its own). Ratios, not timed assertions.

    python bench/policy.py [N]
"""

from __future__ import annotations

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


def _cli_wall(project: Path, *flags: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "stackcheck", "preview", "--stack", "bench", "--cwd", str(project),
                    "--format", "json", *flags], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    plain, checked = [], []
    with tempfile.TemporaryDirectory() as tmp:
        project = _project(tmp, n)
        _cli_wall(project, "--no-policy")  # warm the OS file cache for both sides
        for _ in range(runs):
            # What a user runs: the whole `stackcheck preview` process, without and with the policy pack.
            plain.append(_cli_wall(project, "--no-policy"))
            checked.append(_cli_wall(project, "--policy-pack", str(REPO / "policy")))
    p, c = statistics.median(plain), statistics.median(checked)

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
    share = (c - p) / p
    print(f"bench/policy.py — {custom} resources, median of {runs} runs of `stackcheck preview`")
    print(f"  preview without the pack (--no-policy): {p:.2f} s")
    print(f"  preview with the pack:                  {c:.2f} s ({len(violations)} violations)")
    verdict = "ok" if share <= 0.25 else "MISSED"
    print(f"  share of preview time policies add:     {share:6.1%}  (goal <= 25%)  {verdict}")
    print(f"  Analyze throughput (pack alone):        {custom / analyze_s:,.0f} resources/s ({analyze_s:.2f} s)")
    print(f"  pack start-up (overlaps the program):   {start_s:.2f} s")


if __name__ == "__main__":
    main()
