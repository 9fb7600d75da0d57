"""A built Vite-style app (``dist/``) made by the tests: index.html plus content-hashed JS/CSS under /assets/.

The app behaves like a real one under the strict CSP: a module script, a stylesheet, a ``fetch`` to the
configured Supabase URL. It also records what a test needs to see in the DOM: every ``securitypolicyviolation``
event, the fetch result, whether the stylesheet applied, and whether an injected inline ``<script>`` ran.
The vendor chunk has the size and compressibility of a small real bundle (~150 KB of minified-looking code),
so byte ratios measured on it mean something.
"""

from __future__ import annotations

import gzip
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FixtureApp:
    root: Path
    index_js: str  # URL paths
    vendor_js: str
    css: str
    precompressed_css: str  # has a .gz sibling whose content differs (proves gzip_static served it)
    favicon: str

    @property
    def first_visit_paths(self) -> list[str]:
        """What a browser fetches on a cold visit to /."""
        return ["/", self.css, self.index_js, self.vendor_js, self.favicon]


def _hashed(name: str, ext: str, content: bytes) -> str:
    return f"{name}-{hashlib.sha256(content).hexdigest()[:8]}.{ext}"


def _vendor_code(size: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    words = ["state", "props", "value", "render", "effect", "queue", "node", "fiber", "lane", "hook", "ref",
             "update", "context", "scheduler", "memo", "child", "sibling", "alternate", "flags", "mode"]
    parts: list[str] = []
    total = 0
    n = 0
    while total < size:
        a, b, c = rng.sample(words, 3)
        ident = "_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(2))
        chunk = (f"function {ident}{n}({a},{b}){{if({a}.{c}!=null){{return {b}.{c}+{rng.randint(0, 4096)}}}"
                 f"const {ident}={a}[\"{b}{rng.randint(0, 999)}\"]||{rng.randint(0, 65535)};"
                 f"return {ident}*{rng.randint(1, 97)}}}")
        parts.append(chunk)
        total += len(chunk)
        n += 1
    return "\n".join(parts) + "\nexport const vendorReady = true;\n"


APP_JS = """\
import {{ vendorReady }} from "./{vendor}";
const SUPABASE_URL = "{supabase_url}";
const log = document.getElementById("log");
// The app's content, rendered by its bundle as a single-page app does: the page's largest element (its LCP).
const hero = document.createElement("h1");
hero.id = "hero";
hero.textContent = "Every project, task and teammate of yours in one place";
const lead = document.createElement("p");
lead.id = "lead";
lead.textContent = "Plan the week, keep track of what is due and share progress with the people you work with. "
  + "Changes sync as you make them, and nothing leaves the browser that you did not ask to store.";
document.getElementById("root").append(hero, lead);
const out = (id, text) => {{
  const li = document.createElement("li");
  li.id = id;
  li.textContent = text;
  log.appendChild(li);
}};
let violations = 0;
document.addEventListener("securitypolicyviolation", (e) => {{
  violations += 1;
  out("violation-" + violations, e.effectiveDirective + " " + e.blockedURI);
}});
out("vendor", vendorReady ? "ready" : "missing");
// An interaction worth measuring (bench/vitals.py clicks it for INP): renders a small list, as a real app would.
document.getElementById("action").addEventListener("click", () => {{
  const details = document.getElementById("details");
  details.replaceChildren(...Array.from({{ length: 60 }}, (_, i) => {{
    const p = document.createElement("p");
    p.className = "c" + (i % 300);
    p.textContent = "detail " + i;
    return p;
  }}));
}});
out("css", getComputedStyle(document.documentElement).getPropertyValue("--fixture-css").trim() || "missing");
fetch(SUPABASE_URL + "/rest/v1/todos?select=id", {{ headers: {{ apikey: "fixture-anon-key" }} }})
  .then((r) => r.json())
  .then((rows) => out("fetch", "ok " + rows.length))
  .catch((err) => out("fetch", "error " + err))
  .finally(() => {{
    const injected = document.createElement("script");
    injected.textContent = "document.documentElement.dataset.inlineRan = 'yes';";
    document.body.appendChild(injected);
    setTimeout(() => {{
      out("inline", document.documentElement.dataset.inlineRan || "blocked");
      out("done", "violations=" + violations);
    }}, 300);
  }});
"""

INDEX_HTML = """\
<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <link rel="icon" href="/favicon.ico" />
    <title>webstack fixture</title>
    <link rel="stylesheet" href="{css}" />
    <script type="module" crossorigin src="{js}"></script>
    <link rel="modulepreload" crossorigin href="{vendor}" />
  </head>
  <body>
    <div id="root">fixture app</div>
    <button id="action" type="button">Show details</button>
    <div id="details"></div>
    <ul id="log"></ul>
  </body>
</html>
"""


def build_fixture_app(root: Path, supabase_url: str) -> FixtureApp:
    assets = root / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    vendor = _vendor_code(150_000).encode()
    vendor_name = _hashed("vendor", "js", vendor)
    (assets / vendor_name).write_bytes(vendor)
    app = APP_JS.format(vendor=vendor_name, supabase_url=supabase_url).encode()
    app_name = _hashed("index", "js", app)
    (assets / app_name).write_bytes(app)
    css = (":root { --fixture-css: loaded; }\nbody { font-family: system-ui, sans-serif; margin: 2rem; }\n"
           + "".join(f".c{i} {{ margin: {i}px; padding: {i % 7}px; }}\n" for i in range(300))).encode()
    css_name = _hashed("index", "css", css)
    (assets / css_name).write_bytes(css)
    plain = b"/* served uncompressed */\n" + b".p { color: black; }\n" * 50
    pre_name = _hashed("precompressed", "css", plain)
    (assets / pre_name).write_bytes(plain)
    (assets / (pre_name + ".gz")).write_bytes(gzip.compress(b"/* from the .gz file */\n" + b".p{}\n" * 50))
    (root / "index.html").write_text(INDEX_HTML.format(css=f"/assets/{css_name}", js=f"/assets/{app_name}",
                                                         vendor=f"/assets/{vendor_name}"))
    (root / "favicon.ico").write_bytes(bytes(range(256)) * 4)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    # Files that must never be served, as a careless deploy leaves them:
    (root / ".env").write_text("VITE_SUPABASE_ANON_KEY=do-not-serve\n")
    (root / ".git").mkdir(exist_ok=True)
    (root / ".git" / "config").write_text("[core]\n\trepositoryformatversion = 0\n")
    (root / "index.html.bak").write_text("old index\n")
    (root / f"assets/{app_name}.map").write_text('{"version":3}\n')
    (root / ".well-known").mkdir(exist_ok=True)
    (root / ".well-known" / "security.txt").write_text("Contact: mailto:security@example.org\n")
    return FixtureApp(root=root, index_js=f"/assets/{app_name}", vendor_js=f"/assets/{vendor_name}",
                      css=f"/assets/{css_name}", precompressed_css=f"/assets/{pre_name}", favicon="/favicon.ico")
