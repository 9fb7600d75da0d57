"""Hypothesis strategies for `webstack:headers` configs the model accepts, including hostile-but-legal values."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

from components.config.standard import FORBIDDEN_EXTRA_HEADERS, MANAGED_HEADERS

_label = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12)
hostnames = st.lists(_label, min_size=2, max_size=4).map(".".join).filter(lambda h: not h.split(".")[-1].isdigit())
_ports = st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}"))
_paths = st.one_of(st.just(""), st.just("/"),
                   st.lists(st.text(alphabet=string.ascii_letters + string.digits + "-._~", min_size=1, max_size=8),
                            min_size=1, max_size=3).map(lambda parts: "/" + "/".join(parts) + "/"))


def _origin(schemes: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.builds(lambda s, wild, h, p, path: f"{s}://{wild}{h}{p}{path}", st.sampled_from(schemes),
                     st.sampled_from(["", "*."]), hostnames, _ports, _paths)


https_urls = st.builds(lambda h, p, path: f"https://{h}{p}{path}", hostnames, _ports, _paths)
_hashes = st.builds(lambda algo, body: f"'{algo}-{body}='", st.sampled_from(["sha256", "sha384", "sha512"]),
                    st.text(alphabet=string.ascii_letters + string.digits + "+/", min_size=8, max_size=44))
fetch_sources = st.one_of(_origin(("https", "wss")), _hashes, st.sampled_from(["'self'", "data:", "blob:"]))
script_sources = st.one_of(_origin(("https",)), _hashes, st.sampled_from(["'self'", "'wasm-unsafe-eval'"]))

header_names = st.builds(lambda first, rest: first + rest, st.sampled_from(string.ascii_letters),
                         st.text(alphabet=string.ascii_letters + string.digits + "-", max_size=30)).filter(
    lambda n: n.lower() not in MANAGED_HEADERS | FORBIDDEN_EXTRA_HEADERS)
_VALUE_CHARS = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in "\\`${}")
header_values = st.one_of(
    st.text(alphabet=_VALUE_CHARS, min_size=1, max_size=60),
    # legal values shaped like attacks on each target: quote breakouts, comments, directive and key injection
    st.sampled_from(['x"; add_header X-Injected 1; #', "a' always; return 200 'x", 'v" \n', "# not a comment",
                     'k = "v"', "[headers]", "  /* ", "x; script-src *", "X-Injected: 1", '"', "'", ";", "=",
                     "a, b", "/*", "a:b", "%0d%0aX-Injected: 1"]),
).map(str.strip).filter(bool)

weakening_reason = st.text(alphabet=string.ascii_letters + string.digits + " .,-_()/:", min_size=1,
                           max_size=40).map(str.strip).filter(bool)


@st.composite
def strict_headers(draw: st.DrawFn) -> dict[str, Any]:
    # Lists are drawn without repeats: the config refuses an entry given twice (issue 14).
    csp: dict[str, Any] = {}
    for key in ("styleSrc", "imgSrc", "fontSrc", "connectSrc", "frameSrc", "mediaSrc"):
        if draw(st.booleans()):
            csp[key] = draw(st.lists(fetch_sources, max_size=3, unique=True))
    for key in ("scriptSrc", "workerSrc"):
        if draw(st.booleans()):
            csp[key] = draw(st.lists(script_sources, max_size=3, unique=True))
    for flag in ("allowInlineStyles", "upgradeInsecureRequests"):
        if draw(st.booleans()):
            csp[flag] = draw(st.booleans())
    if draw(st.booleans()):
        csp["reportUri"] = draw(https_urls)
    if draw(st.booleans()):
        csp["reportTo"] = draw(st.text(alphabet=string.ascii_lowercase + string.digits + "-", min_size=1,
                                       max_size=20))
        csp["reportEndpoint"] = draw(https_urls)
    headers: dict[str, Any] = {"csp": csp}
    if draw(st.booleans()):
        headers["apiOrigins"] = draw(st.lists(https_urls, max_size=3, unique=True))
    preload = draw(st.booleans())
    headers["hstsPreload"] = preload
    headers["hstsMaxAge"] = draw(st.integers(31536000 if preload else 0, 63072000 * 2))
    if draw(st.booleans()):
        headers["frameAncestors"] = draw(st.lists(st.one_of(st.just("'self'"), _origin(("https",))), min_size=1,
                                                  max_size=3, unique=True))
    headers["crossOriginOpenerPolicy"] = draw(st.sampled_from(["same-origin", "same-origin-allow-popups"]))
    headers["crossOriginResourcePolicy"] = draw(st.sampled_from(["same-origin", "same-site", "cross-origin"]))
    coep = draw(st.sampled_from([None, "require-corp", "credentialless"]))
    if coep:
        headers["crossOriginEmbedderPolicy"] = coep
    extra = draw(st.dictionaries(header_names, header_values, max_size=4))
    lowered: dict[str, str] = {}
    for name, value in extra.items():
        lowered.setdefault(name.lower(), name)
        if lowered[name.lower()] == name:
            headers.setdefault("extraHeaders", {})[name] = value
    headers["weakeningReason"] = draw(weakening_reason)
    return headers


stack_headers = st.one_of(
    strict_headers(),
    st.builds(lambda r: {"profile": "runbook", "weakeningReason": r}, weakening_reason),
)
"""Any `webstack:headers` value the model accepts (with a reason, so prod stacks accept it too)."""
