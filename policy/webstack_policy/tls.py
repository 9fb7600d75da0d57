"""Cloudflare TLS profile: SSL strict, minimum TLS version, TLS 1.3, Always Use HTTPS, HSTS — per setting, and
a stack check that every zone the stack touches declares them all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .core import (
    UNKNOWN,
    Check,
    Meta,
    StackResource,
    as_list,
    as_number,
    get,
    is_unknown,
    resource_policy,
    stack_policy,
)

ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
CLOUDFLARE_PREFIX = "cloudflare:"

SettingRule = Callable[[Any, Check], None]


def _setting_policy(meta: Meta, setting_id: str, judge: SettingRule):
    def rule(_type: str, props: dict[str, Any], check: Check) -> None:
        sid = props.get("settingId")
        if is_unknown(sid):
            check.unknown("settingId")
            return
        if sid != setting_id:
            return
        value = props.get("value")
        if is_unknown(value):
            check.unknown("value")
            return
        judge(value, check)

    return resource_policy(meta, [ZONE_SETTING], rule)


def _equals(expected: str, label: str) -> SettingRule:
    def judge(value: Any, check: Check) -> None:
        if value != expected:
            check.fail(f"{label} (value) is not '{expected}'.")

    return judge


def _one_of(expected: tuple[str, ...], label: str) -> SettingRule:
    """Cloudflare API values: tls_1_3 is on, off or zrt (TLS 1.3 with 0-RTT)."""
    def judge(value: Any, check: Check) -> None:
        if value not in expected:
            check.fail(f"{label} (value) is not one of {', '.join(repr(e) for e in expected)}.")

    return judge


SSL_STRICT = _setting_policy(
    Meta(
        name="cloudflare-ssl-strict",
        description="Cloudflare encrypts to the origin and validates its certificate (SSL mode strict).",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Set ZoneSetting ssl to 'strict' and give the origin a valid (e.g. Cloudflare Origin CA) certificate."
        ),
        tags=("tls",),
    ),
    "ssl",
    _equals("strict", "SSL mode"),
)

_TLS_ORDER = ["1.0", "1.1", "1.2", "1.3"]


def _min_tls(value: Any, check: Check) -> None:
    minimum = str(check.config["minimumVersion"])
    if value not in _TLS_ORDER:
        check.fail(f"min_tls_version is not a known TLS version (expected {minimum} or later).")
    elif _TLS_ORDER.index(value) < _TLS_ORDER.index(minimum):
        check.fail(f"min_tls_version is below {minimum}.")


MIN_TLS = _setting_policy(
    Meta(
        name="cloudflare-min-tls-version",
        description="Cloudflare refuses TLS versions below the configured minimum (default 1.2).",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation="Set ZoneSetting min_tls_version to '1.2' (or '1.3').",
        config={"minimumVersion": {"type": "string", "enum": _TLS_ORDER, "default": "1.2"}},
        tags=("tls",),
    ),
    "min_tls_version",
    _min_tls,
)

TLS_1_3 = _setting_policy(
    Meta(
        name="cloudflare-tls-1-3",
        description="Cloudflare offers TLS 1.3.",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        remediation="Set ZoneSetting tls_1_3 to 'on' (or 'zrt': TLS 1.3 with 0-RTT).",
        tags=("tls",),
    ),
    "tls_1_3",
    _one_of(("on", "zrt"), "tls_1_3"),
)

ALWAYS_HTTPS = _setting_policy(
    Meta(
        name="cloudflare-always-use-https",
        description="Cloudflare redirects every http:// request to https://.",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation="Set ZoneSetting always_use_https to 'on'.",
        tags=("tls",),
    ),
    "always_use_https",
    _equals("on", "always_use_https"),
)


def _hsts(value: Any, check: Check) -> None:
    sts = get(value, "strict_transport_security")
    if sts is None and isinstance(value, dict) and "strictTransportSecurity" in value:
        check.fail("security_header uses camelCase keys; the provider expects snake_case (strict_transport_security).")
        return
    if is_unknown(sts):
        check.unknown("value.strict_transport_security")
        return
    if not isinstance(sts, dict):
        check.fail("security_header does not configure strict_transport_security.")
        return
    enabled = sts.get("enabled")
    if is_unknown(enabled):
        check.unknown("value.strict_transport_security.enabled")
    elif enabled is not True:
        check.fail("HSTS (strict_transport_security.enabled) is not on.")
    max_age = sts.get("max_age")
    minimum = int(check.config["minMaxAge"])
    if is_unknown(max_age):
        check.unknown("value.strict_transport_security.max_age")
    elif (as_number(max_age) or 0) < minimum:
        check.fail(f"HSTS max_age is below {minimum} seconds.")
    if check.config["includeSubdomains"]:
        sub = sts.get("include_subdomains")
        if is_unknown(sub):
            check.unknown("value.strict_transport_security.include_subdomains")
        elif sub is not True:
            check.fail("HSTS include_subdomains is not on.")


HSTS = _setting_policy(
    Meta(
        name="cloudflare-hsts",
        description="Cloudflare sends HSTS for at least a year, including subdomains.",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Set ZoneSetting security_header value {strict_transport_security: {enabled: true, max_age: 31536000, "
            "include_subdomains: true, nosniff: true}} (snake_case keys)."
        ),
        config={
            "minMaxAge": {"type": "integer", "minimum": 0, "default": 31536000},
            "includeSubdomains": {"type": "boolean", "default": True},
        },
        tags=("tls", "headers"),
    ),
    "security_header",
    _hsts,
)

REQUIRED_SETTINGS = ["ssl", "min_tls_version", "tls_1_3", "always_use_https", "security_header"]


def zone_key(props: dict[str, Any]) -> Any:
    zone = props.get("zoneId")
    return UNKNOWN if is_unknown(zone) else zone


def _sends_hsts(r: StackResource) -> bool:
    """A response-header ruleset that sets Strict-Transport-Security for every request (security-headers-required
    grades its value) stands in for the security_header setting."""
    if r.type != "cloudflare:index/ruleset:Ruleset" or r.props.get("phase") != "http_response_headers_transform":
        return False
    for rule in as_list(r.props.get("rules")):
        headers = get(rule, "actionParameters", "headers")
        if get(rule, "enabled") is False or not isinstance(headers, dict):
            continue
        for name, spec in headers.items():
            if name.lower() == "strict-transport-security" and get(spec, "operation") in ("set", "add"):
                return True
    return False


def _zone_complete(resources: list[StackResource], check: Check) -> None:
    required = [str(s) for s in check.config["requiredSettings"]]
    zones: dict[Any, list[StackResource]] = {}
    declared: dict[Any, set[str]] = {}
    for r in resources:
        if not r.type.startswith(CLOUDFLARE_PREFIX) or r.type.startswith("cloudflare:index/get"):
            continue
        zone = zone_key(r.props)
        if zone is None:
            continue
        zones.setdefault(zone, []).append(r)
        if r.type == ZONE_SETTING:
            sid = r.props.get("settingId")
            if isinstance(sid, str):
                declared.setdefault(zone, set()).add(sid)
        elif _sends_hsts(r):
            declared.setdefault(zone, set()).add("security_header")  # HSTS from a transform rule (graded there)
    if UNKNOWN in zones:
        # Zone ids computed by another resource: judge the stack's Cloudflare resources as one zone.
        merged: set[str] = set().union(*declared.values()) if declared else set()
        all_resources = [r for rs in zones.values() for r in rs]
        zones, declared = {UNKNOWN: all_resources}, {UNKNOWN: merged}
    for zone, members in zones.items():
        missing = [s for s in required if s not in declared.get(zone, set())]
        if missing and any(m.type != ZONE_SETTING for m in members):
            anchor = next((m for m in members if m.type != ZONE_SETTING), members[0])
            label = "the stack's zone" if zone is UNKNOWN else f"zone {zone}"
            check.fail(f"{label} declares no ZoneSetting for {', '.join(missing)}.", anchor.urn)


ZONE_COMPLETE = stack_policy(
    Meta(
        name="cloudflare-zone-tls-complete",
        description="Every Cloudflare zone the stack uses declares the whole TLS profile as ZoneSettings.",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Declare ZoneSettings ssl, min_tls_version, tls_1_3, always_use_https and security_header for the zone."
        ),
        config={
            "requiredSettings": {"type": "array", "items": {"type": "string"}, "default": REQUIRED_SETTINGS},
        },
        tags=("tls",),
    ),
    _zone_complete,
)

POLICIES = [SSL_STRICT, MIN_TLS, TLS_1_3, ALWAYS_HTTPS, HSTS, ZONE_COMPLETE]
