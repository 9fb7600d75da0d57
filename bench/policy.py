"""Policy evaluation cost on a 1,000-resource synthetic stack, measured side by side in one run.

Prints Analyze throughput (resources/s over the real gRPC protocol) and the share of preview time that policy
evaluation adds (goal <= 25 %): preview = stackcheck's offline run of the same program under the mock engine;
policy = Configure + Analyze per resource + AnalyzeStack against an already started pack (pack start-up, a fixed
cost of ~0.3 s, is printed on its own). Ratios, not timed assertions.

    python bench/policy.py [N]
"""

from __future__ import annotations

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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
        (project / "__main__.py").write_text("")
        (project / "Pulumi.bench.yaml").write_text("config: {}\n")
        import pulumi_cloudflare  # noqa: F401 - import cost is not preview cost; keep it out of both sides
        import pulumi_docker  # noqa: F401
        import pulumiverse_vercel  # noqa: F401

        t0 = time.perf_counter()
        result, _ = run_program(project, "bench", dry_run=True, program=lambda: synthetic_program(n))
        preview_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    session = PolicyPackSession(REPO / "policy", project="bench", stack="bench", dry_run=True)
    start_s = time.perf_counter() - t0
    try:
        session.run(result.resources[:10])  # warm-up: first calls pay for imports inside the pack
        t0 = time.perf_counter()
        violations, _ = session.run(result.resources)
        policy_s = time.perf_counter() - t0
    finally:
        session.close()
    custom = sum(1 for r in result.resources if r.custom and not r.type.startswith("pulumi:providers:"))
    print(f"resources judged:           {custom} ({len(result.resources)} registered)")
    print(f"offline preview:            {preview_s:.2f} s")
    print(f"pack start-up:              {start_s:.2f} s")
    print(f"policy evaluation:          {policy_s:.2f} s ({len(violations)} violations)")
    print(f"Analyze throughput:         {custom / policy_s:,.0f} resources/s")
    print(f"policy share of preview:    {policy_s / preview_s:.1%} (goal <= 25%)")
    print(f"  incl. pack start-up:      {(policy_s + start_s) / preview_s:.1%}")


if __name__ == "__main__":
    main()
