"""Entry point of the webstack component package (PulumiPlugin.yaml in this directory).

The Pulumi CLI runs this file with the engine's address as an argument; it serves every public component through
`WebstackProvider` (schema-checked inputs) over gRPC until the engine is done.
"""

import sys
from pathlib import Path

# The components live in the repository around this directory, not in an installed distribution: the plugin is
# consumed from source (`pulumi package add <repo>/package`), so the checkout itself goes on the import path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def serve() -> None:
    from pulumi.provider import main

    from components.multilang.provider import WebstackProvider

    main(WebstackProvider(), sys.argv[1:])


if __name__ == "__main__":
    serve()
