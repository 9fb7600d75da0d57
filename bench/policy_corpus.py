"""How much the corpus runner's design saves: the same cases run (a) as a fresh `stackcheck preview` process per
case, two at a time, and (b) through tests/foreign/corpus.py (one fork server that imports the SDKs once, one pack
process per stack name). Prints both wall times and their ratio; the verdicts must agree."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "foreign"))

from corpus import PACK, Case, load_cases, run_corpus  # noqa: E402

SAMPLE = 12


def cli(case: Case) -> set[tuple[str, str]]:
    out = subprocess.run([sys.executable, "-m", "stackcheck", "preview", "--stack", case.stack, "--cwd",
                          str(case.dir), "--format", "json", "--policy-pack", str(PACK)],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    doc = json.loads(out.stdout)
    return {(v["policy"], v["enforcement"]) for v in doc["violations"]}


def main() -> int:
    cases = load_cases()
    step = max(1, len(cases) // SAMPLE)
    sample = cases[::step][:SAMPLE]
    started = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        per_process = dict(zip([c.name for c in sample], pool.map(cli, sample), strict=True))
    process_wall = time.perf_counter() - started
    run = run_corpus(sample, jobs=2)
    runner = {o.case.name: {(v.policy, v.enforcement) for v in o.violations} for o in run.outcomes}
    agree = sum(per_process[name] == runner[name] for name in per_process)
    print(f"{len(sample)} cases: a process per case {process_wall:.1f} s, corpus runner {run.seconds:.1f} s "
          f"(ratio {process_wall / run.seconds:.2f}x); verdicts agree on {agree}/{len(sample)}")
    all_run = run_corpus(cases, jobs=2)
    print(f"whole corpus ({len(cases)} cases) through the runner: {all_run.seconds:.1f} s wall; "
          f"a process per case would take ≈ {process_wall / len(sample) * len(cases):.0f} s")
    return 0 if agree == len(sample) else 1


if __name__ == "__main__":
    sys.exit(main())
