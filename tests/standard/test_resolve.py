"""The resolved standard: default header set, profiles, opt-outs recorded as weakenings, cache policy."""

from __future__ import annotations

import pytest

from components.config import ConfigError
from components.standard import STANDARD_VERSION, resolve_standard
from components.standard.csp import parse
from components.standard.resolve import RUNBOOK_HEADERS
from tests.standard.helpers import load
from tests.standard.observatory import grade

REASON = "vendor widget needs it until 2027-01"


def test_default_header_set() -> None:
    std = resolve_standard(load("prod"))
    assert std.profile == "strict" and std.version == STANDARD_VERSION
    assert [name for name, _ in std.headers] == [
        "Content-Security-Policy", "Strict-Transport-Security", "X-Frame-Options", "X-Content-Type-Options",
        "Referrer-Policy", "Permissions-Policy", "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy"]
    h = std.header_map
    assert h["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
    for feature in ("camera", "microphone", "geolocation"):
        assert f"{feature}=()" in h["Permissions-Policy"]
    assert "Cross-Origin-Embedder-Policy" not in h  # opt-in: it breaks cross-origin images without CORP/CORS
    assert std.weakenings == ()
    assert {"Server", "X-Powered-By"} <= set(std.remove_headers)


def test_csp_lets_the_app_reach_its_supabase_project_and_nothing_else() -> None:
    csp = parse(resolve_standard(load("prod")).header_map["Content-Security-Policy"])
    ref = "https://abcdefghijklmnopqrst.supabase.co"
    assert csp["default-src"] == ["'none'"]
    # prod declares Cloudflare Web Analytics, auto-installed: its injected beacon (and nothing else) is allowed
    assert csp["script-src"] == ["'self'", "https://static.cloudflareinsights.com/beacon.min.js/"]
    assert csp["style-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'", ref, "wss://abcdefghijklmnopqrst.supabase.co"]
    assert ref in csp["img-src"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert "upgrade-insecure-requests" in csp


@pytest.mark.parametrize("stack", ["prod", "selfhosted", "netlify"])
def test_default_grades_a_plus_without_any_penalty(stack: str) -> None:
    report = grade(resolve_standard(load(stack)).header_map)
    assert report.grade == "A+" and report.penalties == ()
    assert report.score == 140  # CSP +10, Referrer +5, frame-ancestors +5, CORP +10, COOP +10


def test_runbook_profile_is_verbatim_and_graded_below_a() -> None:
    std = resolve_standard(load("prod", headers={"profile": "runbook", "weakeningReason": REASON}))
    assert std.headers == RUNBOOK_HEADERS
    report = grade(std.header_map)
    assert report.test("content-security-policy").result == "csp-implemented-with-unsafe-inline"
    assert (report.score, report.grade, report.bonus_blocked) == (80, "B+", True)
    assert [w.setting for w in std.weakenings] == ["webstack:headers.profile"]
    # and it blocks the app's own API: connect-src falls back to default-src 'self'
    assert "supabase" not in std.header_map["Content-Security-Policy"]


def test_extra_sources_land_in_their_directive() -> None:
    std = resolve_standard(load("prod", headers={
        "apiOrigins": ["https://api.example.com/", "https://search.example.com/v1/"],
        "csp": {"imgSrc": ["https://images.example.com"], "fontSrc": ["https://fonts.gstatic.com"],
                "connectSrc": ["https://o1.ingest.sentry.io"], "mediaSrc": ["https://media.example.com", "blob:"]}}))
    csp = parse(std.header_map["Content-Security-Policy"])
    assert csp["connect-src"][-3:] == ["https://api.example.com", "https://search.example.com/v1/",
                                       "https://o1.ingest.sentry.io"]
    assert csp["img-src"][-1] == "https://images.example.com"
    assert csp["font-src"] == ["'self'", "https://fonts.gstatic.com"]
    assert csp["media-src"] == ["https://media.example.com", "blob:"]  # created without default-src's 'none'
    assert std.weakenings == ()  # data origins are not weakenings
    assert grade(std.header_map).grade == "A+"


OPT_OUTS = {
    "allowInlineStyles": ({"csp": {"allowInlineStyles": True}}, "webstack:headers.csp.allowInlineStyles"),
    "scriptSrc": ({"csp": {"scriptSrc": ["https://plausible.io"]}}, "webstack:headers.csp.scriptSrc"),
    "frameSrc": ({"csp": {"frameSrc": ["https://www.youtube-nocookie.com"]}}, "webstack:headers.csp.frameSrc"),
    "workerSrc": ({"csp": {"workerSrc": ["https://cdn.example.com"]}}, "webstack:headers.csp.workerSrc"),
    "reportUri": ({"csp": {"reportUri": "https://csp.example.com/r"}}, "webstack:headers.csp.reportUri"),
    "reportTo": ({"csp": {"reportTo": "csp", "reportEndpoint": "https://csp.example.com/r"}},
                 "webstack:headers.csp.reportTo"),
    "upgradeInsecureRequests": ({"csp": {"upgradeInsecureRequests": False}},
                                "webstack:headers.csp.upgradeInsecureRequests"),
    "frameAncestors": ({"frameAncestors": ["https://partner.example.net"]}, "webstack:headers.frameAncestors"),
    "hstsMaxAge": ({"hstsMaxAge": 31536000}, "webstack:headers.hstsMaxAge"),
    "coop": ({"crossOriginOpenerPolicy": "same-origin-allow-popups"}, "webstack:headers.crossOriginOpenerPolicy"),
    "corp": ({"crossOriginResourcePolicy": "cross-origin"}, "webstack:headers.crossOriginResourcePolicy"),
}


@pytest.mark.parametrize("case", sorted(OPT_OUTS))
def test_every_opt_out_is_a_weakening_that_prod_refuses_without_a_reason(case: str) -> None:
    headers, key = OPT_OUTS[case]
    with pytest.raises(ConfigError) as err:
        load("prod", headers=headers)
    assert (key, ) == tuple({k for k, _ in err.value.problems})
    assert "weakeningReason" in str(err.value)
    # a staging stack may weaken without a reason; the weakening is still recorded
    std = resolve_standard(load("prod", environment="staging", headers=headers))
    assert [w.setting for w in std.weakenings] == [key] and std.weakenings[0].reason is None
    # prod with a reason builds, and the reason travels with the weakening
    std = resolve_standard(load("prod", headers={**headers, "weakeningReason": REASON}))
    assert [(w.setting, w.reason) for w in std.weakenings] == [(key, REASON)]


def test_opt_outs_keep_an_a_plus_except_where_the_observatory_disagrees() -> None:
    for case, (headers, _) in OPT_OUTS.items():
        std = resolve_standard(load("prod", headers={**headers, "weakeningReason": REASON}))
        report = grade(std.header_map)
        assert report.penalties == (), case
        assert report.grade == "A+", case


def test_framing_opt_out_keeps_x_frame_options_for_legacy_browsers() -> None:
    std = resolve_standard(load("prod", headers={"frameAncestors": ["'self'", "https://partner.example.net"],
                                                 "weakeningReason": REASON}))
    assert std.header_map["X-Frame-Options"] == "SAMEORIGIN"
    assert parse(std.header_map["Content-Security-Policy"])["frame-ancestors"] == [
        "'self'", "https://partner.example.net"]


def test_reporting_renders_directive_and_endpoint_header() -> None:
    std = resolve_standard(load("prod", headers={
        "csp": {"reportTo": "csp-endpoint", "reportEndpoint": "https://csp.example.com/r",
                "reportUri": "https://csp.example.com/r"}, "weakeningReason": REASON}))
    csp = parse(std.header_map["Content-Security-Policy"])
    assert csp["report-uri"] == ["https://csp.example.com/r"] and csp["report-to"] == ["csp-endpoint"]
    assert std.header_map["Reporting-Endpoints"] == 'csp-endpoint="https://csp.example.com/r"'


def test_coep_opt_in_and_extra_headers() -> None:
    std = resolve_standard(load("prod", headers={"crossOriginEmbedderPolicy": "credentialless",
                                                 "extraHeaders": {"X-Robots-Tag": "noindex, nofollow"}}))
    assert std.header_map["Cross-Origin-Embedder-Policy"] == "credentialless"
    assert list(std.header_map)[-1] == "X-Robots-Tag"
    assert std.weakenings == ()
    assert grade(std.header_map).score == 150


def test_hsts_preload_needs_a_year() -> None:
    std = resolve_standard(load("prod", headers={"hstsPreload": True}))
    assert std.header_map["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
    with pytest.raises(ConfigError) as err:
        load("prod", environment="staging", headers={"hstsPreload": True, "hstsMaxAge": 86400})
    assert "webstack:headers.hstsPreload" in str(err.value)


def test_prod_hsts_floor() -> None:
    with pytest.raises(ConfigError) as err:
        load("prod", headers={"hstsMaxAge": 86400, "weakeningReason": REASON})
    assert ("webstack:headers.hstsMaxAge", "must be at least 31536000 (one year) on production") in err.value.problems


def test_cache_policy_per_asset_class() -> None:
    std = resolve_standard(load("prod"))
    assert std.cache_rule("health").cache_control == "no-store" and std.cache_rule("health").patterns == ("/healthz",)
    assets = std.cache_rule("hashed-assets")
    assert assets.patterns == ("/assets/",) and assets.cache_control == "public, max-age=31536000, immutable"
    assert assets.edge_ttl == assets.browser_ttl == 31536000
    assert std.cache_rule("html").cache_control == "no-cache" and std.cache_rule("html").edge_ttl is None
    assert std.cache_rule("default").cache_control == "no-cache"
    assert [r.asset_class for r in std.cache_rules] == ["health", "hashed-assets", "html", "static", "default"]


def test_rate_limits_come_from_config() -> None:
    std = resolve_standard(load("prod"))
    assert [(r.path, r.requests_per_period, r.period, r.burst, r.is_prefix) for r in std.rate_limits] == [
        ("/api/*", 100, 60, 20, True), ("/auth/*", 20, 60, 5, True)]
    assert std.rate_limits[0].prefix == "/api/"


def test_runbook_profile_refuses_settings_it_would_ignore() -> None:
    with pytest.raises(ConfigError) as err:
        load("prod", headers={"profile": "runbook", "weakeningReason": REASON, "hstsMaxAge": 63072000,
                              "csp": {"imgSrc": ["https://x.example.com"]}})
    assert {k for k, _ in err.value.problems} == {"webstack:headers.csp", "webstack:headers.hstsMaxAge"}
    assert "has no effect with profile 'runbook'" in str(err.value)


def test_report_to_needs_its_endpoint() -> None:
    with pytest.raises(ConfigError) as err:
        load("prod", environment="staging", headers={"csp": {"reportTo": "csp"}})
    assert "webstack:headers.csp.reportEndpoint" in str(err.value)
