"""security-headers-required judges the HTML responses: header rules must cover / and a deep SPA route."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fixtures_good import GOOD_HEADERS, ROUTE
from policy_helpers import judge, resource

from stackcheck.analyzer import PolicyPackSession

HEADERS = "security-headers-required"


def file_resource(path: str, content: str) -> Any:
    return resource("command:local:Command", "site-files", {"create": "true", "file": {"path": path,
                                                                                       "content": content}})


def netlify_headers(pattern: str) -> str:
    return f"{pattern}\n" + "".join(f"  {k}: {v}\n" for k, v in GOOD_HEADERS.items()) + "/assets/*\n  X-A: 1\n"


def netlify_toml(pattern: str) -> str:
    values = "".join(f"{k} = {json.dumps(v)}\n" for k, v in GOOD_HEADERS.items())
    return f'[build]\npublish = "dist"\n\n[[headers]]\nfor = "{pattern}"\n[headers.values]\n{values}'


def vercel_json(source: str, **extra: Any) -> str:
    return json.dumps({"headers": [{"source": source, **extra,
                                    "headers": [{"key": k, "value": v} for k, v in GOOD_HEADERS.items()]}]})


@pytest.mark.parametrize("pattern", ["/*", "https://www.example.com/*"])
def test_netlify_headers_on_every_path_pass(pack: PolicyPackSession, pattern: str) -> None:
    judge(pack, file_resource("dist/_headers", netlify_headers(pattern))).assert_no_violations(HEADERS)


@pytest.mark.parametrize("pattern", ["/nothing", "/", "/assets/*"])
def test_netlify_headers_on_other_paths_fail(pack: PolicyPackSession, pattern: str) -> None:
    result = judge(pack, file_resource("dist/_headers", netlify_headers(pattern)))
    v = result.assert_has_violation(HEADERS, contains="does not set", level="mandatory")
    assert "client-side routes such as /some/deep/route" in v.message or "for every HTML page" in v.message


def test_netlify_joins_a_header_repeated_by_two_matching_rules(pack: PolicyPackSession) -> None:
    body = netlify_headers("/*") + "/\n  X-Content-Type-Options: nosniff\n"
    result = judge(pack, file_resource("dist/_headers", body))
    result.assert_has_violation(HEADERS, contains="(for /)")  # "DENY, DENY" is not an accepted value


@pytest.mark.parametrize(("pattern", "ok"), [("/*", True), ("/nothing", False), ("/:page", False)])
def test_netlify_toml_for_patterns(pack: PolicyPackSession, pattern: str, ok: bool) -> None:
    result = judge(pack, file_resource("netlify.toml", netlify_toml(pattern)))
    if ok:
        result.assert_no_violations(HEADERS)
    else:
        result.assert_has_violation(HEADERS, contains="does not set the required header")


@pytest.mark.parametrize("source", ["/(.*)", "/:path*", "/((?!api/).*)"])
def test_vercel_json_sources_covering_html_pass(pack: PolicyPackSession, source: str) -> None:
    judge(pack, file_resource("vercel.json", vercel_json(source))).assert_no_violations(HEADERS)


@pytest.mark.parametrize("source", ["/nothing", "/:path", "/:path+", "/assets/(.*)"])
def test_vercel_json_sources_missing_html_fail(pack: PolicyPackSession, source: str) -> None:
    judge(pack, file_resource("vercel.json", vercel_json(source))).assert_has_violation(
        HEADERS, contains="does not set the required header", level="mandatory")


def test_vercel_json_conditional_rule_is_judged_conservatively(pack: PolicyPackSession,
                                                               applied_pack: PolicyPackSession) -> None:
    record = file_resource("vercel.json", vercel_json("/(.*)", has=[{"type": "cookie", "key": "beta"}]))
    judge(pack, record).assert_unknown(HEADERS)
    judge(applied_pack, record).assert_has_violation(HEADERS, contains="could not be evaluated", level="mandatory")


def route(src: str, **extra: Any) -> Any:
    return resource(ROUTE, "route", {"projectId": "prj", "route": {"src": src, **extra, "transforms": [
        {"type": "response.headers", "op": "set", "target": {"key": k}, "args": v} for k, v in GOOD_HEADERS.items()
    ]}})


def test_vercel_route_src_regex(pack: PolicyPackSession) -> None:
    judge(pack, route("^/(?!assets/).*$")).assert_no_violations(HEADERS)
    # a route for assets only is not an HTML source: it is not asked for the HTML headers
    no_headers = resource(ROUTE, "route", {"projectId": "prj", "route": {"src": "^/assets/(.*)$",
                                                                           "headers": {"Cache-Control": "immutable"}}})
    judge(pack, no_headers).assert_no_violations(HEADERS)
    html_without = resource(ROUTE, "route", {"projectId": "prj", "route": {"src": "/(.*)",
                                                                             "headers": {"Cache-Control": "x"}}})
    judge(pack, html_without).assert_has_violation(HEADERS, contains="Vercel project route (for every HTML page)")


def test_vercel_route_that_python_cannot_read(pack: PolicyPackSession, applied_pack: PolicyPackSession) -> None:
    record = route("^/(?|a|b)?.*$")  # branch reset group: PCRE only
    judge(pack, record).assert_unknown(HEADERS)
    judge(applied_pack, record).assert_has_violation(HEADERS, contains="route.src could not be evaluated")


def test_html_paths_are_configurable(pack: PolicyPackSession) -> None:
    record = file_resource("dist/_headers", netlify_headers("/app/*"))
    judge(pack, record).assert_has_violation(HEADERS)
    judge(pack, record, config={HEADERS: {"htmlPaths": ["/app/", "/app/deep/link"]}}).assert_no_violations(HEADERS)


# ------------------------------------------------------------------------------------------------ matchers


@pytest.mark.parametrize(("pattern", "path", "expected"), [
    ("/*", "/", True), ("/*", "/a/b", True), ("/", "/", True), ("/", "/a", False), ("/:x", "/a", True),
    ("/:x", "/a/b", False), ("/blog/", "/blog", True), ("/assets/*", "/a", False),
])
def test_netlify_matcher(pattern: str, path: str, expected: bool) -> None:
    from webstack_policy.path_match import netlify_matches

    assert netlify_matches(pattern, path) is expected


@pytest.mark.parametrize(("source", "path", "expected"), [
    ("/(.*)", "/", True), ("/(.*)", "/a/b", True), ("/:path*", "/", True), ("/:path*", "/a/b", True),
    ("/:path+", "/", False), ("/:path+", "/a/b", True), ("/:path", "/a/b", False), ("/:path?", "/", True),
    ("/blog/:slug(\\d+)", "/blog/12", True), ("/blog/:slug(\\d+)", "/blog/x", False),
    ("/((?!(?:healthz)$)(?:assets/).*)", "/", False), ("/about", "/about/", True), ("/{a}", "/a", None),
])
def test_vercel_source_matcher(source: str, path: str, expected: bool | None) -> None:
    from webstack_policy.path_match import vercel_source_matches

    assert vercel_source_matches(source, path) is expected
