"""Offline preview benchmarks, measured side by side in one run (ratios, not absolute timings).

1. prod preview wall time ÷ the import floor (a process that only imports the SDKs the program loads) — goal ≤ 1.5
2. per-resource cost of stackcheck's run ÷ stock ``pulumi.runtime.set_mocks`` on the same synthetic program
   (1,000 resources) — goal ≤ 1.25
3. t(2,000 resources) ÷ t(1,000) with stackcheck — goal ≤ 2.2 (linear, not quadratic)

Each figure is the median of several interleaved runs in fresh processes. Usage: python bench/preview.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
sys.path.insert(0, str(REPO))


def synthetic_program(n: int):  # type: ignore[no-untyped-def]
    """n DNS records under 10 components: the shape of a real stack, enough resources to show scaling."""
    import pulumi
    import pulumi_cloudflare as cloudflare

    class Group(pulumi.ComponentResource):
        def __init__(self, name: str, count: int) -> None:
            super().__init__("bench:index:Group", name, {}, None)
            for i in range(count):
                cloudflare.DnsRecord(f"{name}-r{i}", zone_id="0" * 32, name=f"h{i}.example.com", type="A",
                                     content="203.0.113.7", ttl=1, proxied=True,
                                     opts=pulumi.ResourceOptions(parent=self))
            self.register_outputs({})

    def program() -> None:
        groups = 10
        for g in range(groups):
            Group(f"g{g}", n // groups)

    return program


def child(mode: str, n: int) -> None:
    """Runs in a fresh process: import everything first, then time only the program run."""
    import pulumi
    import pulumi_cloudflare  # noqa: F401

    program = synthetic_program(n)
    if mode == "ours":
        from stackcheck.engine import run_program

        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
            (root / "__main__.py").write_text("")
            (root / "Pulumi.bench.yaml").write_text("config: {}\n")
            start = time.perf_counter()
            result, _ = run_program(root, "bench", program=program)
            elapsed = time.perf_counter() - start
            count = len(result.resources)
    else:
        import asyncio

        import pulumi.runtime
        from pulumi.runtime import mocks
        from pulumi.runtime.stack import wait_for_rpcs

        class Mocks(pulumi.runtime.Mocks):
            def new_resource(self, args):  # type: ignore[no-untyped-def,override]
                return "", dict(args.inputs)

            def call(self, args):  # type: ignore[no-untyped-def,override]
                return {}

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        monitor = mocks.MockMonitor(Mocks())
        start = time.perf_counter()
        pulumi.runtime.set_mocks(Mocks(), project="bench", stack="bench", preview=True, monitor=monitor)
        program()
        loop.run_until_complete(wait_for_rpcs())
        elapsed = time.perf_counter() - start
        count = len(monitor.resources)
    print(json.dumps({"elapsed": elapsed, "resources": count}))


def _child_time(mode: str, n: int) -> float:
    out = subprocess.run([PY, __file__, "--child", mode, str(n)], cwd=REPO, check=True, capture_output=True,
                         text=True).stdout
    return float(json.loads(out.strip().splitlines()[-1])["elapsed"])


def _wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _modules_loaded_by_preview() -> list[str]:
    code = ("import sys, io, contextlib\nfrom stackcheck.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['preview','--stack','prod','--no-policy'])\n"
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0].startswith("
            "('pulumi', 'pulumiverse', 'pydantic', 'yaml', 'grpc', 'google'))})))")
    out = subprocess.run([PY, "-c", code], cwd=REPO, check=True, capture_output=True, text=True).stdout
    return out.split()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "N"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return

    modules = _modules_loaded_by_preview()
    floor_cmd = [PY, "-c", "import " + ", ".join(modules)]
    # stackcheck runs the program (its imports included) with the cyclic GC paused, so it can beat the plain floor;
    # the same imports with the GC paused are shown too, as the stricter floor.
    strict_floor_cmd = [PY, "-c", "import gc; gc.disable(); import " + ", ".join(modules)]
    preview_cmd = [PY, "-m", "stackcheck", "preview", "--stack", "prod", "--no-policy"]
    floors, strict_floors, previews = [], [], []
    for _ in range(args.runs):
        floors.append(_wall(floor_cmd))
        strict_floors.append(_wall(strict_floor_cmd))
        previews.append(_wall(preview_cmd))
    floor, preview = statistics.median(floors), statistics.median(previews)
    strict_floor = statistics.median(strict_floors)

    ours1, stock1, ours2 = [], [], []
    for _ in range(args.runs):
        ours1.append(_child_time("ours", 1000))
        stock1.append(_child_time("stock", 1000))
        ours2.append(_child_time("ours", 2000))
    o1, s1, o2 = statistics.median(ours1), statistics.median(stock1), statistics.median(ours2)

    rows = [
        ("prod preview wall ÷ import floor", preview / floor, 1.5, f"{preview:.2f}s ÷ {floor:.2f}s ({len(modules)} "
         "packages)"),
        ("  (informational) ÷ the same imports with GC paused", preview / strict_floor, 1.5,
         f"{preview:.2f}s ÷ {strict_floor:.2f}s"),
        ("per-resource: stackcheck ÷ stock set_mocks (1,000)", o1 / s1, 1.25,
         f"{o1 / 1000 * 1e3:.2f} ms ÷ {s1 / 1000 * 1e3:.2f} ms"),
        ("t(2,000) ÷ t(1,000)", o2 / o1, 2.2, f"{o2:.2f}s ÷ {o1:.2f}s"),
    ]
    print(f"bench/preview.py — median of {args.runs} interleaved runs")
    for name, ratio, goal, detail in rows:
        status = "ok" if ratio <= goal else "MISSED"
        print(f"  {name:<52} {ratio:5.2f}  (goal ≤ {goal})  {status}   [{detail}]")


if __name__ == "__main__":
    main()
