"""The pure Cloudflare renderer: rules per phase from the standard, expressions, DNS records per hosting option."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from components.render import cloudflare as render
from components.standard import resolve_standard
from tests.cloudflare.stack_config import example_config
from tests.conftest import REPO

_cfg = example_config


@pytest.fixture(scope="module")
def prod():  # type: ignore[no-untyped-def]
    return _cfg("prod")


# -- expressions -----------------------------------------------------------------------------------------------------

_STRING = re.compile(r'^"((?:[^"\\]|\\.)*)"\Z')


def _unquote(literal: str) -> str:
    m = _STRING.match(literal)
    assert m, literal
    return re.sub(r"\\(.)", r"\1", m.group(1))


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_wirefilter_string_round_trips_and_never_ends_early(value: str) -> None:
    literal = render.wirefilter_string(value)
    assert _unquote(literal) == value  # the whole literal is one string: no quote closes it early


@pytest.mark.parametrize("bad", ["a\nb", "x\r", "\x00"])
def test_wirefilter_string_rejects_control_characters(bad: str) -> None:
    with pytest.raises(ValueError, match="control characters"):
        render.wirefilter_string(bad)


def test_path_expressions() -> None:
    assert render.path_expression("exact", ["/healthz"]) == 'http.request.uri.path eq "/healthz"'
    assert render.path_expression("exact", ["/a", "/b"]) == 'http.request.uri.path in {"/a" "/b"}'
    assert render.path_expression("prefix", ["/assets/"]) == 'starts_with(http.request.uri.path, "/assets/")'
    assert render.path_expression("suffix", [".png", ".svg"]) == (
        '(ends_with(http.request.uri.path, ".png")) or (ends_with(http.request.uri.path, ".svg"))')
    assert render.path_expression("default", []) == "true"
    with pytest.raises(ValueError, match="at least one pattern"):
        render.path_expression("prefix", [])


# -- rules -----------------------------------------------------------------------------------------------------------


def test_header_rule_sets_exactly_the_standard_and_removes_what_cloudflare_allows(prod) -> None:  # type: ignore[no-untyped-def]
    std = resolve_standard(prod)
    [rule] = render.response_header_rules(std)
    assert rule["action"] == "rewrite" and rule["expression"] == "http.response.code ne 304"
    headers = rule["action_parameters"]["headers"]
    assert {k: v["value"] for k, v in headers.items() if v["operation"] == "set"} == std.header_map
    removed = {k for k, v in headers.items() if v["operation"] == "remove"}
    assert removed == {h for h in std.remove_headers if h.lower() != "server"}
    assert "Server" in std.remove_headers and "Server" not in headers
    assert all(set(v) <= {"operation", "value"} for v in headers.values())


def test_runbook_profile_renders_its_six_headers() -> None:
    std = resolve_standard(_cfg("prod", headers={"profile": "runbook", "weakeningReason": "comparison"}))
    [rule] = render.response_header_rules(std)
    sets = {k: v["value"] for k, v in rule["action_parameters"]["headers"].items() if v["operation"] == "set"}
    assert sets["Content-Security-Policy"] == "default-src 'self'; script-src 'self' 'unsafe-inline'"
    assert len(sets) == 6


def test_cache_rules_ttls_and_order(prod) -> None:  # type: ignore[no-untyped-def]
    rules = render.cache_rules(resolve_standard(prod))
    by_ref = {r["ref"]: r for r in rules}
    assets = by_ref["webstack_cache_hashed_assets"]["action_parameters"]
    assert assets == {"cache": True, "edge_ttl": {"mode": "override_origin", "default": 31536000},
                      "browser_ttl": {"mode": "override_origin", "default": 31536000}}
    assert by_ref["webstack_cache_html"]["action_parameters"] == {"cache": False}
    assert by_ref["webstack_cache_health"]["action_parameters"] == {"cache": False}
    assert by_ref["webstack_cache_health"]["expression"] == 'http.request.uri.path eq "/healthz"'
    assert by_ref["webstack_cache_static"]["action_parameters"]["edge_ttl"]["default"] == 3600
    # Every matching cache rule applies and the later one wins: the catch-all first, the exact health path last.
    refs = [r["ref"] for r in rules]
    assert refs[0] == "webstack_cache_default" and refs[-1] == "webstack_cache_health"
    assert all(r["action"] == "set_cache_settings" for r in rules)


def test_rate_limit_rules_count_per_colo_and_ip(prod) -> None:  # type: ignore[no-untyped-def]
    rules = render.ratelimit_rules(resolve_standard(prod))
    assert [r["expression"] for r in rules] == ['starts_with(http.request.uri.path, "/api/")',
                                                'starts_with(http.request.uri.path, "/auth/")']
    assert rules[1]["ratelimit"] == {"characteristics": ["cf.colo.id", "ip.src"], "period": 60,
                                     "requests_per_period": 20, "mitigation_timeout": 600}
    assert {r["action"] for r in rules} == {"block"}


def test_exact_rate_limit_path() -> None:
    std = resolve_standard(_cfg("prod", rateLimits=[{"path": "/login", "requestsPerPeriod": 5, "period": 10,
                                                     "action": "managed_challenge", "mitigationTimeout": 0}]))
    [rule] = render.ratelimit_rules(std)
    assert rule["expression"] == 'http.request.uri.path eq "/login"'
    assert rule["action"] == "managed_challenge" and rule["ratelimit"]["mitigation_timeout"] == 0


@pytest.mark.parametrize(("canonical", "source", "target"), [("apex", "www.example.com", "https://example.com"),
                                                           ("www", "example.com", "https://www.example.com")])
def test_redirect_rule_is_301_to_the_canonical_host_keeping_path_and_query(canonical: str, source: str,
                                                                           target: str) -> None:
    [rule] = render.redirect_rules("example.com", canonical)
    assert rule["expression"] == f'http.host eq "{source}"'
    from_value = rule["action_parameters"]["from_value"]
    assert from_value["status_code"] == 301 and from_value["preserve_query_string"] is True
    assert from_value["target_url"] == {"expression": f'concat("{target}", http.request.uri.path)'}


def test_rulesets_are_merged_one_per_phase(prod) -> None:  # type: ignore[no-untyped-def]
    phases = render.rulesets(resolve_standard(prod), prod.domain, prod.canonical_host)
    assert sorted(phases) == sorted(render.PHASES)
    assert len(phases[render.PHASE_CACHE]) == 5 and len(phases[render.PHASE_RATELIMIT]) == 2
    refs = [r["ref"] for rules in phases.values() for r in rules]
    assert len(refs) == len(set(refs))


# -- DNS -------------------------------------------------------------------------------------------------------------


def _records(domain: str, provider: str, **where: str) -> list[tuple[str, str, str | None, bool]]:
    return [(r.type, r.name, r.content, r.proxied) for r in render.web_records(domain, provider, True, **where)]


def test_vercel_records() -> None:
    assert _records("example.com", "vercel") == [("A", "example.com", "76.76.21.21", True),
                                                 ("CNAME", "www.example.com", "cname.vercel-dns.com", True)]


def test_netlify_records() -> None:
    assert _records("example.net", "netlify", netlify_site="example-web") == [
        ("A", "example.net", "75.2.60.5", True), ("CNAME", "www.example.net", "example-web.netlify.app", True)]


def test_nginx_records_cover_both_hosts_and_both_families() -> None:
    assert _records("example.org", "nginx", origin_ipv4="203.0.113.10", origin_ipv6="2001:db8:10::10") == [
        ("A", "example.org", "203.0.113.10", True), ("AAAA", "example.org", "2001:db8:10::10", True),
        ("A", "www.example.org", "203.0.113.10", True), ("AAAA", "www.example.org", "2001:db8:10::10", True)]


def test_nginx_records_without_ipv6_are_a_only() -> None:
    assert [r[0] for r in _records("example.org", "nginx", origin_ipv4="203.0.113.10")] == ["A", "A"]


def test_dns_only_records_say_so_in_their_comment() -> None:
    records = render.web_records("example.com", "vercel", False)
    assert {r.proxied for r in records} == {False}
    assert all("DNS-only" in (r.comment or "") for r in records)


def test_caa_records_issue_and_issuewild_per_ca_and_iodef() -> None:
    records = render.caa_records("example.com", ["letsencrypt.org", "pki.goog"], "sec@example.com")
    data = [(r.name, dict(r.data or {})) for r in records]
    assert data == [
        ("example.com", {"flags": 0, "tag": "issue", "value": "letsencrypt.org"}),
        ("example.com", {"flags": 0, "tag": "issuewild", "value": "letsencrypt.org"}),
        ("example.com", {"flags": 0, "tag": "issue", "value": "pki.goog"}),
        ("example.com", {"flags": 0, "tag": "issuewild", "value": "pki.goog"}),
        ("example.com", {"flags": 0, "tag": "iodef", "value": "mailto:sec@example.com"}),
    ]
    assert len({r.key for r in records}) == len(records)  # keys become resource names: must be unique


def test_origin_hostnames_default_to_apex_and_www() -> None:
    from components.cloudflare_edge import cloudflare_edge_args_from_config, resolve_edge

    cfg = _cfg("selfhosted")
    assert resolve_edge(cloudflare_edge_args_from_config(cfg), "edge").origin_hostnames == [
        "example.org", "www.example.org"]
    raw_cf = yaml.safe_load((REPO / "Pulumi.selfhosted.yaml").read_text())["config"]["webstack:cloudflare"]
    cfg2 = _cfg("selfhosted", cloudflare={**raw_cf, "originHostnames": ["origin.example.org"]})
    assert resolve_edge(cloudflare_edge_args_from_config(cfg2), "edge").origin_hostnames == ["origin.example.org"]


def test_healthcheck_names_use_only_allowed_characters() -> None:
    assert render.healthcheck_name("web.stack", "prod", "www") == "web-stack-prod-www"
