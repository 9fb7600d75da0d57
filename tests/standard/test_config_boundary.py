"""Bad `webstack:headers` input fails at the config boundary, with an error naming the exact key."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.config import ConfigError
from components.config.http_syntax import CspError, check_header, config_source
from components.standard.csp import Csp
from tests.standard.helpers import load

CASES: dict[str, tuple[dict, str, str]] = {
    "crlf-in-source": ({"csp": {"imgSrc": ["https://a.example.com\r\nX-Evil: 1"]}},
                       "webstack:headers.csp.imgSrc[0]", "single printable ASCII token"),
    "nul-in-source": ({"csp": {"connectSrc": ["https://a.example.com\x00"]}}, "webstack:headers.csp.connectSrc[0]",
                      "single printable ASCII token"),
    "non-ascii-source": ({"csp": {"fontSrc": ["https://fönts.example.com"]}}, "webstack:headers.csp.fontSrc[0]",
                         "ASCII"),
    "semicolon-injects-directive": ({"csp": {"imgSrc": ["https://a.example.com; script-src *"]}},
                                    "webstack:headers.csp.imgSrc[0]", "no space, ';' or ','"),
    "comma-starts-second-policy": ({"csp": {"imgSrc": ["https://a.example.com,script-src"]}},
                                   "webstack:headers.csp.imgSrc[0]", "','"),
    "malformed-source": ({"csp": {"imgSrc": ["https://exa mple"]}}, "webstack:headers.csp.imgSrc[0]", ""),
    "quote-in-source": ({"csp": {"imgSrc": ['https://a.example.com/"x']}}, "webstack:headers.csp.imgSrc[0]",
                        "malformed source"),
    "unknown-keyword": ({"csp": {"styleSrc": ["'unsafe-everything'"]}}, "webstack:headers.csp.styleSrc[0]",
                        "unknown keyword"),
    "unsafe-inline-script": ({"csp": {"scriptSrc": ["'unsafe-inline'"]}}, "webstack:headers.csp.scriptSrc[0]",
                             "hash the script"),
    "unsafe-eval-script": ({"csp": {"scriptSrc": ["'unsafe-eval'"]}}, "webstack:headers.csp.scriptSrc[0]", "eval"),
    "data-script": ({"csp": {"scriptSrc": ["data:"]}}, "webstack:headers.csp.scriptSrc[0]", "data:"),
    "wildcard-script": ({"csp": {"scriptSrc": ["*"]}}, "webstack:headers.csp.scriptSrc[0]", "any origin"),
    "scheme-only-script": ({"csp": {"scriptSrc": ["https:"]}}, "webstack:headers.csp.scriptSrc[0]", "any origin"),
    "http-source": ({"csp": {"connectSrc": ["http://api.example.com"]}}, "webstack:headers.csp.connectSrc[0]",
                    "insecure scheme"),
    "inline-style-via-list": ({"csp": {"styleSrc": ["'unsafe-inline'"]}}, "webstack:headers.csp.styleSrc[0]",
                              "allowInlineStyles"),
    "unknown-directive": ({"csp": {"scriptSrcElem": ["https://a.example.com"]}},
                          "webstack:headers.csp.scriptSrcElem", "unknown key"),
    "report-uri-http": ({"csp": {"reportUri": "http://csp.example.com/r"}}, "webstack:headers.csp.reportUri",
                        "https://"),
    "report-group-bad": ({"csp": {"reportTo": "CspGroup", "reportEndpoint": "https://c.example.com"}},
                         "webstack:headers.csp.reportTo", "reporting group name"),
    "frame-ancestor-wildcard": ({"frameAncestors": ["*"]}, "webstack:headers.frameAncestors[0]", "https://"),
    "frame-ancestor-any-https-host": ({"frameAncestors": ["https://*"]}, "webstack:headers.frameAncestors[0]",
                                      "https://"),
    "frame-ancestor-http": ({"frameAncestors": ["http://partner.example.net"]}, "webstack:headers.frameAncestors[0]",
                            "https://"),
    "api-origin-ip-literal": ({"apiOrigins": ["https://[::1]:8443"]}, "webstack:headers.apiOrigins[0]",
                              "malformed source"),
    "api-origin-query": ({"apiOrigins": ["https://api.example.com/?a=1"]}, "webstack:headers.apiOrigins[0]",
                         "without query"),
    "extra-header-bad-name": ({"extraHeaders": {"X-Evil:\r\nSet-Cookie": "1"}}, "webstack:headers.extraHeaders",
                              "letters, digits and '-'"),
    "extra-header-space-name": ({"extraHeaders": {"X Robots": "noindex"}}, "webstack:headers.extraHeaders",
                                "letters, digits and '-'"),
    "extra-header-comment-name": ({"extraHeaders": {"#X": "1"}}, "webstack:headers.extraHeaders",
                                  "letters, digits and '-'"),
    "extra-header-quote-name": ({"extraHeaders": {"X'A": "1"}}, "webstack:headers.extraHeaders",
                                "letters, digits and '-'"),
    "extra-header-crlf-value": ({"extraHeaders": {"X-Robots-Tag": "noindex\r\nSet-Cookie: a=b"}},
                                "webstack:headers.extraHeaders", "control or non-ASCII"),
    "extra-header-nginx-variable": ({"extraHeaders": {"X-Debug": "$remote_addr"}}, "webstack:headers.extraHeaders",
                                    "'$'"),
    "extra-header-non-ascii": ({"extraHeaders": {"X-Note": "café"}}, "webstack:headers.extraHeaders",
                               "control or non-ASCII"),
    "extra-header-overrides-csp": ({"extraHeaders": {"content-security-policy": "default-src *"}},
                                   "webstack:headers.extraHeaders", "set by the standard itself"),
    "extra-header-sets-cookie": ({"extraHeaders": {"Set-Cookie": "a=b"}}, "webstack:headers.extraHeaders",
                                 "not a static security header"),
    "extra-header-twice": ({"extraHeaders": {"X-A": "1", "x-a": "2"}}, "webstack:headers.extraHeaders", "twice"),
    "weakening-reason-breakout": ({"weakeningReason": 'ok"; evil', "csp": {"allowInlineStyles": True}},
                                  "webstack:headers.weakeningReason", "must not contain"),
    "bad-coop": ({"crossOriginOpenerPolicy": "unsafe-none"}, "webstack:headers.crossOriginOpenerPolicy",
                 "same-origin"),
    "unknown-profile": ({"profile": "lax"}, "webstack:headers.profile", "'strict' or 'runbook'"),
    "hsts-out-of-range": ({"hstsMaxAge": -1}, "webstack:headers.hstsMaxAge", "greater than or equal to 0"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_headers_config_names_the_key(case: str) -> None:
    headers, key, fragment = CASES[case]
    with pytest.raises(ConfigError) as err:
        load("prod", environment="staging", headers=headers)
    keys = [k for k, _ in err.value.problems]
    assert key in keys, err.value.problems
    message = dict(err.value.problems)[key]
    assert fragment in message, message


def test_bad_rate_limit_path_names_the_key() -> None:
    with pytest.raises(ConfigError) as err:
        load("prod", rateLimits=[{"path": "/api/*\nX: 1", "requestsPerPeriod": 10}])
    assert err.value.problems[0][0] == "webstack:rateLimits[0].path"


def test_csp_builder_refuses_unknown_directives_and_mixed_none() -> None:
    with pytest.raises(CspError, match="unknown CSP directive"):
        Csp.of({"script-src-everything": ["'self'"]})
    with pytest.raises(CspError, match="'none' cannot be combined"):
        Csp.of({"img-src": ["'none'", "'self'"]})
    with pytest.raises(CspError, match="takes no sources"):
        Csp.of({"upgrade-insecure-requests": ["'self'"]})


def _hostile(text: str) -> bool:
    """Non-ASCII, a character that breaks out of a header/nginx/TOML context, or a quote that is not a well-formed
    CSP keyword/hash token (a quoted token such as 'unsafe-hashes' is CSP syntax, judged by the directive rules)."""
    if not text.isascii() or any(c in text for c in "\r\n\x00;,\t \"{}$`\\"):
        return True
    return "'" in text and not re.fullmatch(r"'[A-Za-z0-9+/_=-]*'", text)


HOSTILE = st.one_of(
    st.text(min_size=1, max_size=40).filter(_hostile),
    st.builds(lambda a, b, c: f"https://a.example.com{a}{b}{c}",
              st.sampled_from(["\r\n", "\n", "\r", "\x00", ";", ",", " ", "\t", "é", "\u2028"]),
              st.sampled_from(["script-src *", "X-Injected: 1", "add_header X 1", "[x]", "a = 1", ""]),
              st.sampled_from(["", "\n", ";"])),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["scriptSrc", "styleSrc", "imgSrc", "fontSrc", "connectSrc", "frameSrc", "mediaSrc",
                        "workerSrc"]), HOSTILE)
def test_hostile_csp_sources_never_pass(key: str, source: str) -> None:
    with pytest.raises(ConfigError) as err:
        load("prod", environment="staging", headers={"csp": {key: [source]}})
    assert [k for k, _ in err.value.problems] == [f"webstack:headers.csp.{key}[0]"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=40).filter(lambda s: any(not (0x20 <= ord(c) <= 0x7e) or c in "\\`${}" for c in s)
                                                or s != s.strip()))
def test_hostile_extra_header_values_never_pass(value: str) -> None:
    with pytest.raises(ConfigError) as err:
        load("prod", environment="staging", headers={"extraHeaders": {"X-Note": value}})
    assert [k for k, _ in err.value.problems] == ["webstack:headers.extraHeaders"]


def test_check_header_is_the_last_line_of_defence() -> None:
    for name, value in [("X-A\r\nB", "1"), ("X-A", "1\r\nB: 2"), ("", "x"), ("X-A", ""), ("X-A", " x")]:
        with pytest.raises(ValueError):
            check_header(name, value)
    check_header("Reporting-Endpoints", 'csp="https://c.example.com/r"')


def test_config_source_accepts_real_third_parties() -> None:
    for directive, source in [("script-src", "https://plausible.io"), ("script-src", "'sha256-" + "A" * 43 + "='"),
                              ("script-src", "'wasm-unsafe-eval'"), ("img-src", "https://*.cdn.example.com"),
                              ("connect-src", "wss://realtime.example.com"), ("font-src", "data:"),
                              ("frame-src", "'self'"), ("media-src", "https://m.example.com:8443/path/")]:
        assert config_source(directive)(source) == source
