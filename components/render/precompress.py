"""Build-time compression of a built app's text assets: ``name.gz`` and ``name.br`` beside each file.

Hashed assets never change, so compressing them on every request (nginx's dynamic gzip) wastes CPU on the hot
path: measured with bench/nginx.py, a 150 KB hashed JS chunk was served at 0.78x stock nginx's rate because of it.
The build writes the compressed siblings once; nginx then sends them as they are (``gzip_static`` and, where the
image carries the module, ``brotli_static``). The script runs with the Node.js of the build stage (its ``zlib``
has gzip and brotli), so the image needs no extra package. Pure module: no Pulumi import.
"""

from __future__ import annotations

PRECOMPRESS_FILE = "precompress.mjs"

COMPRESSIBLE_EXTENSIONS: tuple[str, ...] = (
    ".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".svg", ".xml", ".txt", ".ico", ".wasm",
)
"""Text-like types worth compressing; images other than SVG/ICO and fonts in woff2 are compressed already."""

MIN_BYTES = 256
"""Below this a compressed response is not smaller once headers are counted (nginx's gzip_min_length too)."""

_SCRIPT = """\
// Written by webstack (components/render/precompress.py). Runs once in the image's build stage:
//   node precompress.mjs <dist dir>
// For every text asset of at least {min_bytes} bytes it writes name.gz (gzip -9) and name.br (brotli q11)
// beside the file, keeping a variant only when it is smaller than the original. nginx serves these as they are
// (gzip_static / brotli_static), so no request pays for compression. Exit status 1 if the directory is missing.
// HTML files get the current time as mtime: a new ETag (nginx: mtime + size) each time this step runs.{revision}
import {{ readdirSync, readFileSync, writeFileSync, statSync, utimesSync }} from "node:fs";
import {{ join, extname }} from "node:path";
import {{ gzipSync, brotliCompressSync, constants }} from "node:zlib";

const EXTENSIONS = new Set({extensions});
const root = process.argv[2];
if (!root || !statSync(root, {{ throwIfNoEntry: false }})?.isDirectory()) {{
  console.error(`precompress: not a directory: ${{root}}`);
  process.exit(1);
}}
let files = 0, written = 0;
const walk = (dir) => {{
  for (const entry of readdirSync(dir, {{ withFileTypes: true }})) {{
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.isFile() && EXTENSIONS.has(extname(entry.name).toLowerCase())) compress(path);
  }}
}};
const now = new Date();
const compress = (path) => {{
  const data = readFileSync(path);
  if (extname(path).toLowerCase() === ".html") utimesSync(path, now, now);
  if (data.length < {min_bytes}) return;
  files += 1;
  const variants = {{
    ".gz": gzipSync(data, {{ level: 9 }}),
    ".br": brotliCompressSync(data, {{ params: {{
      [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length }} }}),
  }};
  for (const [suffix, body] of Object.entries(variants)) {{
    if (body.length < data.length) {{ writeFileSync(path + suffix, body); written += 1; }}
  }}
}};
walk(root);
console.log(`precompress: ${{files}} files, ${{written}} compressed variants written under ${{root}}`);
"""


_REVISION = """
// Security headers revision {revision}: this line changes with the rendered security headers, so Docker re-runs
// this step (its COPY changes) even when the app did not change, and the HTML gets a new mtime, hence a new ETag.
// nginx leaves the security headers off 304 responses; a browser keeps the headers stored with its copy of the
// page until a 200 replaces it, and a new ETag makes the next visit that 200."""


def precompress_script(headers_revision: str | None = None) -> str:
    """The Node.js script the Dockerfile's build stage runs after the app's build.

    ``headers_revision`` (:func:`components.render.nginx.security_headers_revision`): written into the script, so
    a change of the security headers alone re-runs the step and re-stamps the HTML files (a new ETag)."""
    if headers_revision is not None and not headers_revision.isalnum():
        raise ValueError("headers_revision must be letters and digits")
    extensions = "[" + ", ".join(f'"{ext}"' for ext in COMPRESSIBLE_EXTENSIONS) + "]"
    revision = _REVISION.format(revision=headers_revision) if headers_revision else ""
    return _SCRIPT.format(extensions=extensions, min_bytes=MIN_BYTES, revision=revision)
