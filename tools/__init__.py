"""Repository tooling: generators of docs/config.md, the component package's schema, reference pages and YAML
example. Not part of the installed library or of stackcheck; run from a checkout (`make docs`, `make schema`).
May import anything in the repo (the library, stackcheck); nothing imports it."""
