"""The repository is self-contained: a user's clone has nothing beside it, so no test, bench or build file may
reach outside the repo for data (vendor it instead, with its source noted)."""

from __future__ import annotations

import re

from tests.conftest import REPO

# A path built to a sibling directory of the repo: "../shared", parent / "shared", parents[N] / "shared".
OUTSIDE = re.compile(r"""\.\./shared\b|["']shared["']""")


def test_no_test_bench_or_build_file_reads_outside_the_repo() -> None:
    files = [*REPO.glob("tests/**/*.py"), *REPO.glob("bench/*.py"), REPO / "Makefile", REPO / ".ci" / "run",
             *REPO.glob("stackcheck/**/*.py"), *REPO.glob("components/**/*.py"), *REPO.glob("tools/**/*.py")]
    this = __file__
    offenders = [str(f.relative_to(REPO)) for f in files
                 if f.is_file() and str(f) != this and OUTSIDE.search(f.read_text(encoding="utf-8"))]
    assert offenders == []
