"""The robustness suite: fuzz and fault cases judged against the exit-code, secret and process contract."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture(scope="session", autouse=True)
def _warm_imports() -> None:
    """Import the provider SDKs once, outside any timed case, so the slowest-case figure is a case's own cost."""
    import pulumi_cloudflare  # noqa: F401
    import pulumi_docker  # noqa: F401
    import pulumiverse_vercel  # noqa: F401
