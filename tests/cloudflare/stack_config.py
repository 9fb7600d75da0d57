"""The example stacks' config as the program sees it (secure values become the offline placeholder)."""

from __future__ import annotations

import json
from typing import Any

import yaml

from components.config import SECURE_PLACEHOLDER, StackConfig
from components.stack_config import load_stack_config
from stackcheck.engine import run_program
from stackcheck.model import PreviewResult
from tests.conftest import REPO


def example_config(stack: str, **changes: Any) -> StackConfig:
    """``Pulumi.<stack>.yaml`` with top-level ``webstack:`` keys replaced by ``changes``."""
    raw = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"]
    raw.update({f"webstack:{k}": v for k, v in changes.items()})
    values = {k: SECURE_PLACEHOLDER if isinstance(v, dict) and set(v) == {"secure"} else v for k, v in raw.items()}
    return load_stack_config({k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in values.items()},
                             project="webstack", stack=stack)


def run_stack(stack: str, **kwargs: Any) -> PreviewResult:
    """One offline run of the repo's program."""
    return run_program(REPO, stack, **kwargs)[0]
