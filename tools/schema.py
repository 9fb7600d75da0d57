"""Generate the component package's files offline: schema, reference pages, YAML example.

``python -m tools.schema --write`` rewrites them from the Python classes; ``--check`` (run by the tests) exits 1
naming every stale file, so an Args change that alters — or breaks — the schema fails the build until the
committed copies are regenerated and reviewed.

  package/schema.json         what `pulumi package add` serves and SDKs are generated from
  docs/reference/*.md         one page per component + index
  examples/yaml/Pulumi.yaml   the prod stack as a YAML program consuming the package
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SCHEMA_PATH = Path("package/schema.json")
REFERENCE_DIR = Path("docs/reference")
YAML_EXAMPLE = Path("examples/yaml/Pulumi.yaml")


def generate_schema() -> dict[str, Any]:
    from components.multilang.provider import schema_document

    return schema_document()


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generated_files(repo: Path = REPO) -> dict[Path, str]:
    """Every generated file, relative to the repo root → its content."""
    from tools import refdoc, yaml_example

    schema = generate_schema()
    files = {SCHEMA_PATH: schema_text(schema)}
    for name, text in refdoc.render_reference(schema).items():
        files[REFERENCE_DIR / name] = text
    files[YAML_EXAMPLE] = yaml_example.render(schema, repo)
    return files


def stale_files(root: Path, files: dict[Path, str]) -> list[Path]:
    """Generated files missing or different under ``root``, plus reference pages no component produces any more."""
    stale = [rel for rel, text in files.items()
             if not (root / rel).exists() or (root / rel).read_text(encoding="utf-8") != text]
    reference = root / REFERENCE_DIR
    if reference.is_dir():
        stale += [p.relative_to(root) for p in sorted(reference.glob("*.md")) if p.relative_to(root) not in files]
    return stale


def write(root: Path, files: dict[Path, str]) -> list[Path]:
    for rel, text in files.items():
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
    orphans = [p for p in stale_files(root, files) if p not in files]
    for rel in orphans:
        (root / rel).unlink()
    return sorted(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.schema", description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help="regenerate the files")
    group.add_argument("--check", action="store_true", help="exit 1 if any generated file is stale")
    parser.add_argument("--root", type=Path, default=REPO,
                        help="where the generated files live (default: this checkout, which they are generated from)")
    args = parser.parse_args(argv)
    files = generated_files()
    if args.write:
        for rel in write(args.root, files):
            print(f"wrote {rel}")
        return 0
    stale = stale_files(args.root, files)
    for rel in stale:
        print(f"{rel} is stale: run `make schema` (python -m tools.schema --write) and review the diff",
              file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
