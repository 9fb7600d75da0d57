"""A private Debian dockerd for the session, with local base images (see engine.py and base_images.py)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parent / "nginx"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from base_images import BaseImages, import_base_images  # noqa: E402
from engine import Engine, running_engine  # noqa: E402


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    if shutil.which("dockerd") is None and not Path("/usr/sbin/dockerd").exists():
        pytest.fail("dockerd is not installed (apt-get install docker.io; `make system-deps` does it)")
    with running_engine() as started:
        yield started


@pytest.fixture(scope="session")
def base_images(engine: Engine) -> BaseImages:
    return import_base_images(engine)
