"""Real-user monitoring and the Core Web Vitals targets: `webstack:performance` at the config boundary, the CSP
sources the standard adds (exactly the beacon's, only when RUM is on), and CloudflareEdge's WebAnalyticsSite
(through the offline engine, as the program registers it).

Inputs follow the provider's ``cloudflare_web_analytics_site`` schema (account_id, zone_tag, host, auto_install,
enabled, lite) and Cloudflare's Web Analytics docs (automatic setup on proxied zones, snippet otherwise).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from components.cloudflare_edge import resolve_edge
from components.config import ConfigError
from components.config.performance import FID_RETIRED, default_thresholds
from components.config.standard import HeadersConfig
from components.intent import IntentError
from components.standard import resolve_standard
from components.standard.csp import parse
from components.standard.resolve import build_standard
from components.standard.rum import BEACON_SOURCES
from stackcheck.cli import program_diagnostics
from stackcheck.engine import ProgramError, run_program
from stackcheck.model import PreviewResult, ResourceRecord
from tests.cloudflare.stack_config import example_config, run_stack
from tests.conftest import REPO

SITE = "cloudflare:index/webAnalyticsSite:WebAnalyticsSite"
ZONE = "0123456789abcdef0123456789abcdef"
ACCOUNT = "fedcba9876543210fedcba9876543210"
RUM_ON = {"rum": {"enabled": True}}


def sites(result: PreviewResult) -> list[ResourceRecord]:
    return [r for r in result.resources if r.type == SITE]


def problems(exc: ConfigError) -> dict[str, str]:
    return dict(exc.problems)


# -- config ----------------------------------------------------------------------------------------------------------


def test_the_targets_default_to_the_runbook_with_inp_for_fid() -> None:
    assert default_thresholds() == {"LCP": 2500.0, "INP": 200.0, "CLS": 0.1, "TTFB": 600.0}
    cfg = example_config("prod")
    assert cfg.performance.thresholds() == default_thresholds() and cfg.performance.rum.enabled


def test_fid_is_refused_with_the_reason() -> None:
    with pytest.raises(ConfigError) as err:
        example_config("prod", performance={"fidMs": 100})
    found = problems(err.value)
    assert "webstack:performance" in found and FID_RETIRED in found["webstack:performance"]
    assert "March 2024" in found["webstack:performance"]


@pytest.mark.parametrize(("key", "value", "message"), [
    ("lcpMs", 0, "greater than 0"),
    ("inpMs", -5, "greater than 0"),
    ("cls", 0, "greater than 0"),
    ("lcpMs", 4500, "laxer than Google's \"poor\" boundary (4000 ms)"),
    ("inpMs", 501, "(500 ms)"),
    ("cls", 0.3, "(0.25)"),
    ("ttfbMs", 2000, "(1800 ms)"),
    ("lcpMs", "fast", "valid integer"),
])
def test_bad_targets_name_their_key(key: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        example_config("prod", performance={key: value})
    found = problems(err.value)
    assert message in found[f"webstack:performance.{key}"]


def test_stricter_targets_are_accepted_and_exported() -> None:
    cfg = example_config("prod", performance={"lcpMs": 2000, "inpMs": 150, "cls": 0.05, "ttfbMs": 500})
    assert cfg.performance.thresholds() == {"LCP": 2000.0, "INP": 150.0, "CLS": 0.05, "TTFB": 500.0}


@pytest.mark.parametrize(("stack", "performance", "cloudflare_change", "key", "message"), [
    ("netlify", RUM_ON, {}, "webstack:performance.rum.providers", "set webstack:cloudflare.accountId"),
    ("prod", {"rum": {"enabled": True, "autoInstall": True}}, {"proxied": False},
     "webstack:performance.rum.autoInstall", "only into HTML passing its proxy"),
    ("selfhosted", {"rum": {"enabled": True, "providers": ["vercel"]}}, {}, "webstack:performance.rum.providers",
     "hosted on nginx"),
    ("prod", {"rum": {"enabled": True, "providers": ["cloudflare", "cloudflare"]}}, {},
     "webstack:performance.rum.providers[1]", "list each value once"),
    ("prod", {"rum": {"enabled": True, "providers": ["vercel"], "autoInstall": True}}, {}, "webstack:performance.rum",
     "cloudflare provider only"),
])
def test_rum_needs_what_its_provider_needs(stack: str, performance: dict[str, Any], cloudflare_change: dict[str, Any],
                                           key: str, message: str) -> None:
    raw = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"]
    with pytest.raises(ConfigError) as err:
        example_config(stack, performance=performance, cloudflare={**raw["webstack:cloudflare"], **cloudflare_change})
    assert message in problems(err.value)[key]


# -- the standard's CSP ----------------------------------------------------------------------------------------------


def _csp(beacons: list[str]) -> dict[str, list[str]]:
    std = build_standard(HeadersConfig.model_validate({}), "https://abcdefghijklmnopqrst.supabase.co", [],
                         rum_beacons=beacons)
    return parse(std.header_map["Content-Security-Policy"])


@pytest.mark.parametrize("beacon", sorted(BEACON_SOURCES))
def test_each_beacon_adds_exactly_its_sources(beacon: str) -> None:
    off, on = _csp([]), _csp([beacon])
    added = {d: [s for s in on[d] if s not in off.get(d, [])] for d in on if on[d] != off.get(d)}
    assert added == {d: list(s) for d, s in BEACON_SOURCES[beacon].items()}
    assert all(d in off for d in added)  # no directive appears that the strict CSP did not have


def test_the_documented_sources() -> None:
    assert BEACON_SOURCES["cloudflare-auto"] == {"script-src": ("https://static.cloudflareinsights.com/beacon.min.js/",)}
    assert BEACON_SOURCES["cloudflare-snippet"] == {
        "script-src": ("https://static.cloudflareinsights.com/beacon.min.js",),
        "connect-src": ("https://cloudflareinsights.com/cdn-cgi/rum",)}
    assert BEACON_SOURCES["vercel"] == {}  # same-origin /_vercel/speed-insights/*: 'self' covers it


def test_rum_off_leaves_every_stack_csp_without_the_beacon() -> None:
    for stack in ("netlify", "free", "pro"):
        csp = resolve_standard(example_config(stack)).header_map["Content-Security-Policy"]
        assert "cloudflareinsights" not in csp, stack


def test_rum_is_not_a_weakening() -> None:
    std = resolve_standard(example_config("prod"))
    assert std.weakenings == () and "beacon.min.js/" in std.header_map["Content-Security-Policy"]


def test_a_dns_only_site_gets_the_snippet_sources() -> None:
    raw = yaml.safe_load((REPO / "Pulumi.prod.yaml").read_text())["config"]
    cfg = example_config("prod", cloudflare={**raw["webstack:cloudflare"], "proxied": False})
    csp = parse(resolve_standard(cfg).header_map["Content-Security-Policy"])
    assert "https://static.cloudflareinsights.com/beacon.min.js" in csp["script-src"]
    assert "https://cloudflareinsights.com/cdn-cgi/rum" in csp["connect-src"]


# -- CloudflareEdge --------------------------------------------------------------------------------------------------


def test_prod_registers_an_auto_installed_site_on_its_zone() -> None:
    result = run_stack("prod")
    [site] = sites(result)
    assert site.inputs == {"accountId": ACCOUNT, "zoneTag": ZONE, "autoInstall": True, "enabled": True,
                           "lite": False}
    assert site.urn.endswith("webstack:index:CloudflareEdge$cloudflare:index/webAnalyticsSite:WebAnalyticsSite"
                             "::edge-web-analytics")
    assert {"webAnalyticsSiteTag", "webAnalyticsSiteToken", "performanceTargets"} <= set(result.outputs)
    assert result.outputs["performanceTargets"] == default_thresholds()


def test_selfhosted_registers_one_and_netlify_none() -> None:
    assert len(sites(run_stack("selfhosted"))) == 1
    result = run_stack("netlify")
    assert sites(result) == [] and "webAnalyticsSiteToken" not in result.outputs


def test_a_dns_only_site_is_registered_by_host_for_the_snippet() -> None:
    raw = yaml.safe_load((REPO / "Pulumi.prod.yaml").read_text())["config"]
    cf = {**raw["webstack:cloudflare"], "proxied": False}
    [site] = sites(run_stack("prod", overrides={"webstack:cloudflare": json.dumps(cf)}))
    assert site.inputs == {"accountId": ACCOUNT, "host": "example.com", "autoInstall": False, "lite": False}


def test_the_config_error_stops_the_program_before_anything_registers() -> None:
    with pytest.raises(ProgramError) as err:
        run_stack("netlify", overrides={"webstack:performance": json.dumps(RUM_ON)})
    assert "webstack:performance.rum.providers" in str(err.value)
    assert err.value.resources == [] or all(r.type.startswith("pulumi:") for r in err.value.resources)


def _edge(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"zone_id": ZONE, "domain": "example.com", "hosting": {"provider": "vercel"},
                            "account_id": ACCOUNT}
    args.update(changes)
    return {k: v for k, v in args.items() if v is not None}


def test_edge_rum_puts_its_beacon_into_the_standard() -> None:
    auto = resolve_edge(_edge(rum={}), "edge")
    assert auto.rum is not None and auto.rum.auto_install is True
    script = auto.standard.standard.csp.effective("script-src") or ()
    assert "https://static.cloudflareinsights.com/beacon.min.js/" in script
    snippet = resolve_edge(_edge(rum={}, hosting={"provider": "vercel", "proxied": False}), "edge")
    assert snippet.rum is not None and snippet.rum.auto_install is False
    connect = snippet.standard.standard.csp.effective("connect-src") or ()
    assert "https://cloudflareinsights.com/cdn-cgi/rum" in connect
    assert resolve_edge(_edge(), "edge").standard.standard.csp.render().count("cloudflareinsights") == 0


@pytest.mark.parametrize(("changes", "path", "message"), [
    ({"account_id": None, "rum": {}}, "rum", "accountId"),
    ({"rum": {"auto_install": True}, "hosting": {"provider": "vercel", "proxied": False}}, "rum.autoInstall",
     "passing its proxy"),
    ({"rum": {"lite": "sometimes"}}, "rum.lite", "boolean"),
    ({"rum": {}, "standard": {"rum_beacons": ["cloudflare-snippet"]}}, "standard.rumBeacons", "contradicts"),
    ({"standard": {"rum_beacons": ["cloudflare-auto", "cloudflare-snippet"]}}, "standard.rumBeacons",
     "exclude each other"),
])
def test_bad_rum_args_name_the_input(changes: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(IntentError) as err:
        resolve_edge(_edge(**changes), "edge")
    found = dict(err.value.problems)
    assert path in found and message in found[path], found


# -- Vercel Speed Insights: chosen, not faked ------------------------------------------------------------------------


def _warnings(stack: str, overrides: dict[str, str] | None = None) -> tuple[PreviewResult, list[str]]:
    """One offline run and the program's warnings (pulumi.log.warn), as `stackcheck preview` shows them."""
    result, engine = run_program(REPO, stack, overrides=overrides or {})
    return result, [d.message for d in program_diagnostics(engine.messages, result, []) if d.severity == "warning"]


def test_vercel_speed_insights_declares_nothing_and_says_so() -> None:
    perf = {"rum": {"enabled": True, "providers": ["cloudflare", "vercel"]}}
    result, warnings = _warnings("prod", {"webstack:performance": json.dumps(perf)})
    baseline = run_stack("prod")
    # the same resources as Cloudflare alone: no Vercel resource stands in for the dashboard toggle
    assert sorted(r.type for r in result.resources) == sorted(r.type for r in baseline.resources)
    assert any("Vercel Speed Insights cannot be declared" in w for w in warnings), warnings
    assert result.outputs["files"]["vercel/vercel.json"] == baseline.outputs["files"]["vercel/vercel.json"]


def test_a_production_stack_without_rum_is_warned() -> None:
    warnings = _warnings("netlify")[1]
    assert any("webstack:performance.rum is off on a production stack" in w for w in warnings), warnings
    assert not any("performance.rum" in w for w in _warnings("free")[1])  # staging
