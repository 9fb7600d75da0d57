"""Run a Pulumi project offline with the lead's engine and print its resource records as JSON.

A subprocess on purpose: the Pulumi SDK's runtime settings are process-global.
Usage: python tests/policy/run_program_json.py PROJECT_DIR STACK [KEY=SECRET ...]
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from stackcheck.engine import run_program


def main() -> None:
    project_dir, stack = Path(sys.argv[1]), sys.argv[2]
    secrets = dict(arg.split("=", 1) for arg in sys.argv[3:])
    result, _engine = run_program(project_dir, stack, dry_run=True, secret_overrides=secrets)
    json.dump({"project": result.project, "stack": result.stack,
               "resources": [dataclasses.asdict(r) for r in result.resources]}, sys.stdout)


if __name__ == "__main__":
    main()
