"""Policy evaluation cost on a 1,000-resource synthetic stack, measured side by side in one run.

Prints Analyze throughput (resources/s over the real gRPC protocol) and the share of preview time that policy
evaluation adds (goal <= 25 %): preview = stackcheck's offline run of the same program under the mock engine;
policy = Configure + Analyze per resource + AnalyzeStack against an already started pack (pack start-up, a fixed
cost of ~0.3 s, is printed on its own). Ratios, not timed assertions.

    python bench/policy.py [N]
"""

from __future__ import annotations

import statistics
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


def _project(tmp: str) -> Path:
    project = Path(tmp)
    (project / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
    (project / "__main__.py").write_text("")
    (project / "Pulumi.bench.yaml").write_text("config: {}\n")
    return project


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    import pulumi_cloudflare  # noqa: F401 - import cost is not preview cost; keep it out of both sides
    import pulumi_docker  # noqa: F401
    import pulumiverse_vercel  # noqa: F401

    t0 = time.perf_counter()
    session = PolicyPackSession(REPO / "policy", project="bench", stack="bench", dry_run=True)
    start_s = time.perf_counter() - t0
    plain, streamed, analyze = [], [], []
    custom = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            project = _project(tmp)
            warm, _ = run_program(project, "bench", program=lambda: synthetic_program(20))
            session.run(warm.resources)  # first calls pay for imports inside the pack
            for _ in range(runs):
                # A: the offline preview alone.
                t0 = time.perf_counter()
                result, _ = run_program(project, "bench", program=lambda: synthetic_program(n))
                plain.append(time.perf_counter() - t0)
                # B: the same preview with the pack judging each resource as it registers (what stackcheck
                # preview does, and what the engine does); the difference is what policies add to the wall time.
                t0 = time.perf_counter()
                stream = session.stream()
                result, _ = run_program(project, "bench", program=lambda: synthetic_program(n),
                                        on_record=stream.submit)
                violations, _ = stream.finish(result.resources)
                streamed.append(time.perf_counter() - t0)
                # C: judging after the run (no overlap), for throughput.
                t0 = time.perf_counter()
                session.run(result.resources)
                analyze.append(time.perf_counter() - t0)
            custom = sum(1 for r in result.resources if r.custom and not r.type.startswith("pulumi:providers:"))
    finally:
        session.close()
    p, s, a = statistics.median(plain), statistics.median(streamed), statistics.median(analyze)
    print(f"bench/policy.py — {custom} resources judged, median of {runs} runs")
    print(f"  offline preview alone:                {p:.2f} s")
    print(f"  preview + policies (streamed):        {s:.2f} s ({len(violations)} violations)")
    print(f"  share of preview time policies add:   {(s - p) / p:6.1%}  (goal <= 25%)  "
          f"{'ok' if (s - p) / p <= 0.25 else 'MISSED'}")
    print(f"  Analyze throughput (after the run):   {custom / a:,.0f} resources/s ({a:.2f} s)")
    print(f"  pack start-up (overlaps the program): {start_s:.2f} s")


if __name__ == "__main__":
    main()
