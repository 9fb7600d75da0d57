"""≥ 300 seeded mutations of the three example stack files, each run through `stackcheck preview` in-process.

The contract per case: exit 0, 1 or 2 (never 3: a crash on bad input is a bug; never a traceback); no secret
fragment in any output; an exit-2 error that is bounded and names a key, a file or an option. The seed is fixed
(ROBUSTNESS_SEED overrides it) so a failure names a reproducible case.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from harness import REPO, STACKS, judge, scratch_project
from mutations import SECRET_ARGS, SECRET_MARKERS, mutate

SEED = int(os.environ.get("ROBUSTNESS_SEED", "14"))
PER_STACK = 110


def _case(stack: str, index: int) -> tuple[str, str | bytes]:
    rng = random.Random(f"{SEED}:{stack}:{index}")
    return mutate(rng, (REPO / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("index", range(PER_STACK))
def test_mutated_stack_file_keeps_the_contract(stack: str, index: int, tmp_path: Path) -> None:
    kind, data = _case(stack, index)
    project = scratch_project(tmp_path / "project", stack, data)
    outcome = judge(f"mutation/{stack}/{index}/{kind}",
                    ["preview", "--stack", stack, "--cwd", str(project), "--no-policy", *SECRET_ARGS],
                    allowed={0, 1, 2}, secrets=SECRET_MARKERS)
    if outcome.code == 2:
        named = any(word in outcome.err for word in ("webstack:", "Pulumi.", "config", "--", "line ", "URN"))
        assert named, f"{kind}: the error names nothing to fix:\n{outcome.err[:2000]}"
    assert not outcome.problems, f"{kind}: {outcome.problems}\n{outcome.err[-3000:]}"
