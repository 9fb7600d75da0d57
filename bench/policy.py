"""Policy evaluation cost on a 1,000-resource synthetic stack, measured side by side in one run.

Prints Analyze throughput (resources/s over the real gRPC protocol) and the share of preview time that policy
evaluation adds (goal <= 15 %, issue 17), measured twice: as stackcheck runs the pack (with the pack's SDK
speed-ups, which only stackcheck requests) and as the published pack runs (no SDK patch:
WEBSTACK_POLICY_SPEEDUPS=0). Preview = stackcheck's offline run of the same program under the mock engine;
policy = Configure + Analyze per resource + AnalyzeStack against an already started pack (pack start-up, a fixed
cost of ~0.3 s, is printed on its own). Ratios, not timed assertions.

The goal is on wall time, which on a shared machine swings with other work: the run prints the load average, each
run pair's share, and the CPU seconds of all the run's processes (program, policy proxy and the pack, whose
orphaned process this one adopts as child subreaper to count it) — the share of CPU the pack adds does not
depend on the load, and is what the wall share approaches when the cores are busy.

    python bench/policy.py [N]
"""

from __future__ import annotations

import ctypes
import os
import resource
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


def _adopt_orphans() -> bool:
    """Make this process the reaper of its descendants' orphans (Linux PR_SET_CHILD_SUBREAPER), so the CPU time of
    the pack — stackcheck ends it with its process group, unwaited — is counted in RUSAGE_CHILDREN once reaped."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


_PR_SET_CHILD_SUBREAPER = 36


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _reap_orphans() -> None:
    """Wait for every adopted orphan (the pack gets SIGTERM with its group and exits promptly)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def _cli_run(project: Path, *flags: str, speedups: bool = True) -> tuple[float, float]:
    """Wall seconds and CPU seconds (every process of the run: program, policy proxy, pack) of one preview."""
    env = {**os.environ, "WEBSTACK_POLICY_SPEEDUPS": "1" if speedups else "0"}
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "stackcheck", "preview", "--stack", "bench", "--cwd", str(project),
                    "--format", "json", *flags], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, env=env)
    wall = time.perf_counter() - start
    _reap_orphans()
    return wall, _children_cpu() - cpu


def _cpu_idle(window: float) -> float:
    """The fraction of all cores' time spent idle over ``window`` seconds (/proc/stat; 1.0 where it is absent)."""
    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total

    try:
        idle0, total0 = sample()
        time.sleep(window)
        idle1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return 1.0
    return (idle1 - idle0) / max(1, total1 - total0)


def _settle(threshold: float = 0.9, timeout: float = 90.0) -> float:
    """Wait (at most ``timeout``) until the machine is idle: the goal is on an otherwise idle 2-core machine, and in
    `make bench` this follows bench/nginx.py's load test. Returns the idle fraction measured last."""
    deadline = time.monotonic() + timeout
    idle = _cpu_idle(2.0)
    while idle < threshold and time.monotonic() < deadline:
        idle = _cpu_idle(2.0)
    return idle


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    counted = _adopt_orphans()
    idle = _settle()
    variants = {"plain": ("--no-policy",), "checked": ("--policy-pack", str(REPO / "policy")),
                "unpatched": ("--policy-pack", str(REPO / "policy"))}
    walls: dict[str, list[float]] = {k: [] for k in variants}
    cpus: dict[str, list[float]] = {k: [] for k in variants}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        project = _project(tmp, n)
        _cli_run(project, "--no-policy")  # warm the OS file cache for both sides
        for _ in range(runs):
            # What a user runs: the whole `stackcheck preview` process, without and with the policy pack
            # (interleaved, so load changes on a shared machine hit every variant alike).
            for name, flags in variants.items():
                wall, cpu = _cli_run(project, *flags, speedups=name != "unpatched")
                walls[name].append(wall)
                cpus[name].append(cpu)
    load_after = os.getloadavg()[0]
    p, c, u = (statistics.median(walls[k]) for k in ("plain", "checked", "unpatched"))
    pc, cc, uc = (statistics.median(cpus[k]) for k in ("plain", "checked", "unpatched"))

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
    shares = [(p_run - p_base) / p_base for p_run, p_base in zip(walls["checked"], walls["plain"], strict=True)]
    busy = "" if idle >= 0.9 else " — NOT idle after 90 s: wall figures are high"
    print(f"bench/policy.py — {custom} resources, median of {runs} interleaved runs of `stackcheck preview` "
          f"(load average {load_before:.1f} before, {load_after:.1f} after, {os.cpu_count()} cores; CPU "
          f"{idle:.0%} idle when the runs began{busy})")
    print(f"  preview without the pack (--no-policy): {p:.2f} s wall, {pc:.2f} s CPU")
    print(f"  preview with the pack:                  {c:.2f} s wall, {cc:.2f} s CPU ({len(violations)} violations)")
    print(f"  … the published pack (no SDK patch):    {u:.2f} s wall, {uc:.2f} s CPU")
    share = (c - p) / p
    print(f"  {'share policies add (stackcheck):':38} {share:6.1%}  (goal <= {GOAL:.0%})  "
          f"{'ok' if share <= GOAL else 'MISSED'}")
    # The goal is stackcheck's run (SDK speed-ups applied only there); pulumi-policy as published, for comparison.
    print(f"  {'… the published pack, unpatched:':38} {(u - p) / p:6.1%}  (for comparison: no goal)")
    print(f"  … per run pair (stackcheck):            {', '.join(f'{x:.1%}' for x in shares)}")
    if counted:
        print(f"  CPU the pack adds (all processes):      {(cc - pc) / pc:6.1%} stackcheck, {(uc - pc) / pc:6.1%} "
              "unpatched (load-independent: the wall share approaches it on a busy machine)")
    print(f"  Analyze throughput (pack alone):        {custom / analyze_s:,.0f} resources/s ({analyze_s:.2f} s)")
    print(f"  pack start-up (overlaps the program):   {start_s:.2f} s")


if __name__ == "__main__":
    main()
