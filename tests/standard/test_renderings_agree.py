"""The four edges render one standard to the same header set for an HTML response (parsed back, compared)."""

from __future__ import annotations

import pytest

from components.standard import Standard, resolve_standard
from tests.standard.helpers import load
from tests.standard.renderings import (
    HTML_PATHS,
    as_map,
    cloudflare_headers,
    expected,
    netlify_file_headers,
    netlify_toml_headers,
    nginx_directives,
    nginx_security_headers,
    nginx_site,
    vercel_json_headers,
    vercel_route_headers,
    without_cache_control,
)

REASON = "partner portal embeds the dashboard"

STANDARDS = {
    "prod-default": lambda: resolve_standard(load("prod")),
    "netlify-default": lambda: resolve_standard(load("netlify")),
    "runbook": lambda: resolve_standard(load("prod", headers={"profile": "runbook", "weakeningReason": REASON})),
    "every-opt-out": lambda: resolve_standard(load("prod", headers={
        "weakeningReason": REASON, "frameAncestors": ["'self'", "https://partner.example.net"],
        "crossOriginOpenerPolicy": "same-origin-allow-popups", "crossOriginEmbedderPolicy": "credentialless",
        "apiOrigins": ["https://api.example.com"], "hstsMaxAge": 31536000, "hstsPreload": True,
        "extraHeaders": {"X-Robots-Tag": "noindex", "X-Note": 'say "hi"; not #a comment'},
        "csp": {"scriptSrc": ["https://plausible.io"], "allowInlineStyles": True, "reportTo": "csp",
                "reportEndpoint": "https://csp.example.com/r", "reportUri": "https://csp.example.com/r"}})),
}


@pytest.fixture(params=sorted(STANDARDS))
def std(request: pytest.FixtureRequest) -> Standard:
    return STANDARDS[request.param]()


def test_nginx_sends_exactly_the_standard(std: Standard) -> None:
    files = nginx_site(std)
    assert nginx_security_headers(files) == list(std.headers)
    for status in ("200", "301", "404", "429", "500"):
        assert nginx_security_headers(files, status) == list(std.headers), status
    assert nginx_security_headers(files, "304") == []  # RFC 9110 §15.4.5: the stored response keeps them
    # The include is used once per server at server level, and no other add_header exists except Cache-Control,
    # so no location can shadow it (the add_header inheritance trap).
    add_headers = [d for d in nginx_directives(files) if d.words[0] == "add_header"]
    assert {d.words[1] for d in add_headers if d.file != "webstack/security/security-headers.conf"} == {
        "Cache-Control"}
    includes = [d for d in nginx_directives(files) if d.words == ("include", "webstack/security/security-headers.conf")]
    assert includes and all(d.depth == 2 for d in includes)  # http { server { include } }


def test_cloudflare_sets_exactly_the_standard_and_removes_the_rest(std: Standard) -> None:
    sets, removes = cloudflare_headers(std)
    assert sets == dict(std.headers)
    # Cloudflare owns the Server header on proxied responses, so it is the one removal it cannot express.
    assert removes == {h for h in std.remove_headers if h.lower() != "server"}


@pytest.mark.parametrize("path", HTML_PATHS)
def test_vercel_json_and_routes_send_the_standard_on_html(std: Standard, path: str) -> None:
    json_headers = as_map(vercel_json_headers(std, path))
    assert without_cache_control(json_headers) == expected(std)
    route = {k.lower(): v for k, v in vercel_route_headers(std, path).items()}
    assert without_cache_control(route) == expected(std)
    assert route["cache-control"] == json_headers["cache-control"]


@pytest.mark.parametrize("path", HTML_PATHS)
def test_netlify_headers_file_and_toml_send_the_standard_on_html(std: Standard, path: str) -> None:
    from_file = as_map(netlify_file_headers(std, path))
    from_toml = as_map(netlify_toml_headers(std, path))
    assert without_cache_control(from_file) == expected(std)
    assert from_toml == from_file


def test_all_four_agree_on_the_app_shell(std: Standard) -> None:
    want = expected(std)
    renderings = {
        "nginx": {k.lower(): v for k, v in nginx_security_headers(nginx_site(std))},
        "cloudflare": {k.lower(): v for k, v in cloudflare_headers(std)[0].items()},
        "vercel.json": without_cache_control(as_map(vercel_json_headers(std, "/"))),
        "vercel route": without_cache_control({k.lower(): v for k, v in vercel_route_headers(std, "/").items()}),
        "_headers": without_cache_control(as_map(netlify_file_headers(std, "/"))),
        "netlify.toml": without_cache_control(as_map(netlify_toml_headers(std, "/"))),
    }
    assert {name: got for name, got in renderings.items() if got != want} == {}


def test_html_revalidates_everywhere_it_is_expressed(std: Standard) -> None:
    html = std.cache_rule("html").cache_control
    assert html == "no-cache"
    for path in ("/", "/index.html"):
        assert as_map(vercel_json_headers(std, path))["cache-control"] == html
        assert as_map(netlify_file_headers(std, path))["cache-control"] == html
