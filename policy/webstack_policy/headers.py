"""Security headers on every header source, and the CSP graded like the Mozilla HTTP Observatory."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .core import UNKNOWN, Check, Meta, StackResource, get, is_unknown, resource_policy, stack_policy
from .csp import directives, grade_csp
from .header_sources import CLOUDFLARE_RULESET, Header, HeaderSource, may_carry_headers, sources_of
from .path_match import HTML_PATHS

REQUIRED_HEADERS = [
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Content-Security-Policy",
    "Strict-Transport-Security",
]
ACCEPTED_VALUES: dict[str, list[str]] = {
    "X-Frame-Options": ["DENY"],
    "X-Content-Type-Options": ["nosniff"],
    "Referrer-Policy": ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"],
}
ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"

_HSTS_MAX_AGE = re.compile(r"(?:^|;)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:;|\Z)", re.IGNORECASE)
_HSTS_SUBDOMAINS = re.compile(r"(?:^|;)\s*includesubdomains\s*(?:;|\Z)", re.IGNORECASE)


def _permissions_problems(value: str, disabled: list[str]) -> list[str]:
    features: dict[str, str] = {}
    for part in value.split(","):
        name, sep, allow = part.strip().partition("=")
        if sep:
            features[name.strip().lower()] = allow.strip()
    return [f for f in disabled if features.get(f.lower()) != "()"]


def hsts_problems(value: str, min_max_age: int, include_subdomains: bool) -> list[str]:
    problems: list[str] = []
    m = _HSTS_MAX_AGE.search(value)
    if m is None:
        problems.append("has no valid max-age")
    elif int(m.group(1)) < min_max_age:
        problems.append(f"max-age {int(m.group(1))} is below {min_max_age} seconds")
    if include_subdomains and not _HSTS_SUBDOMAINS.search(value):
        problems.append("lacks includeSubDomains")
    return problems


def effective_referrer_policy(value: str) -> str | None:
    """A Referrer-Policy may list fallbacks (``no-referrer, strict-origin-when-cross-origin``): browsers apply the
    last token they know, so that is the one judged (the Observatory does the same)."""
    known = {"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin", "same-origin",
             "strict-origin", "strict-origin-when-cross-origin", "unsafe-url"}
    tokens = [t.strip().lower() for t in value.split(",") if t.strip().lower() in known]
    return tokens[-1] if tokens else None


def frame_ancestors(csp: Any) -> list[str] | None:
    """The CSP's ``frame-ancestors`` sources, or None when the policy has none (or cannot be read)."""
    if not isinstance(csp, str):
        return None
    for part in csp.split(";"):
        tokens = part.strip().split()
        if tokens and tokens[0].lower() == "frame-ancestors":
            return [t.lower() for t in tokens[1:]]
    return None


_BROAD_ANCESTORS = frozenset({"*", "http:", "https:", "http://*", "https://*"})


@dataclass
class ZoneHeaders:
    """What a zone's ``security_header`` setting sends on every response (HSTS, nosniff)."""

    hsts: bool = False
    nosniff: bool = False
    unknown: bool = False


def zone_headers(resources: list[StackResource]) -> dict[Any, ZoneHeaders]:
    out: dict[Any, ZoneHeaders] = {}
    for r in resources:
        if r.type != ZONE_SETTING or r.props.get("settingId") != "security_header":
            continue
        zone = r.props.get("zoneId")
        key = UNKNOWN if is_unknown(zone) else zone
        value = r.props.get("value")
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        sts = get(value, "strict_transport_security")
        entry = out.setdefault(key, ZoneHeaders())
        if is_unknown(value) or is_unknown(sts):
            entry.unknown = True
        elif isinstance(sts, dict):
            entry.hsts = entry.hsts or sts.get("enabled") is True  # graded by cloudflare-hsts
            entry.nosniff = entry.nosniff or sts.get("nosniff") is True
    return out


def _zone_for(props: dict[str, Any], zones: dict[Any, ZoneHeaders]) -> ZoneHeaders | None:
    zone = props.get("zoneId")
    if is_unknown(zone) or UNKNOWN in zones:
        merged = ZoneHeaders()
        for z in zones.values():
            merged.hsts |= z.hsts
            merged.nosniff |= z.nosniff
            merged.unknown |= z.unknown
        return merged if zones else None
    return zones.get(zone)


def _check_source(src: HeaderSource, props_type: str, check: Check, zone: ZoneHeaders | None) -> None:
    cfg = check.config
    for path in src.unknown:
        check.unknown(path)
    for problem in src.problems:
        check.fail(f"{src.label}: {problem}.")
    _grade_values(src, src.conditional, check, conditional=True)
    if not src.html:
        return  # serves none of the HTML paths (e.g. a Vercel route for /assets/ only)
    undecided_note = ""
    if src.undecided:
        if check.preview:
            for path in src.undecided:
                check.unknown(path)
        else:
            undecided_note = (
                f" ({', '.join(src.undecided)} could not be evaluated by the policy, so the headers of those rules "
                "are not counted; use a condition it reads: true, or comparisons of http.request.uri.path)"
            )
    unsure = bool(src.unknown) or (bool(src.undecided) and check.preview)
    required = [str(h) for h in cfg["requiredHeaders"]]
    csp = src.headers.get("content-security-policy")
    ancestors = frame_ancestors(csp.value if csp is not None else None)
    for name in required:
        key = name.lower()
        if key in src.removed:
            check.fail(f"{src.label} removes the required header {name}.")
            continue
        header = src.headers.get(key)
        if header is None:
            if key == "x-frame-options" and cfg["frameAncestorsReplacesXFrameOptions"] and ancestors is not None:
                continue  # CSP frame-ancestors supersedes X-Frame-Options in every current browser
            if props_type == CLOUDFLARE_RULESET and cfg["hstsFromZoneSetting"]:
                # The zone's security_header setting sends HSTS (graded by cloudflare-hsts) and, with nosniff,
                # X-Content-Type-Options. A stack that does not declare the setting leaves HSTS to it
                # (cloudflare-zone-tls-complete asks for the setting).
                if key == "strict-transport-security" and (zone is None or zone.hsts or zone.unknown):
                    continue
                if key == "x-content-type-options" and zone is not None and (zone.nosniff or zone.unknown):
                    continue
            if not unsure:
                why = src.dropped.get(key, "")
                zone_note = ""
                if props_type == CLOUDFLARE_RULESET and key in ("strict-transport-security", "x-content-type-options"):
                    zone_note = " (nor does the zone's security_header setting)"
                check.fail(f"{src.label} does not set the required header {name}{zone_note}.{why}{undecided_note}")
            continue
    _grade_values(src, src.headers, check, conditional=False, ancestors=ancestors)


def _grade_values(src: HeaderSource, headers: dict[str, Header], check: Check, *, conditional: bool,
                  ancestors: list[str] | None = None) -> None:
    """Judge every value a source sets (also in rules whose condition the policy cannot evaluate: a weak value
    there is weak wherever the rule applies)."""
    cfg = check.config
    accepted = {k.lower(): [str(v) for v in vals] for k, vals in cfg["acceptedValues"].items()}
    required = {str(h).lower() for h in cfg["requiredHeaders"]}
    label = f"{src.label} (in a rule whose condition the policy cannot evaluate)" if conditional else src.label
    for key, header in headers.items():
        name, value = header.name, header.value
        if key not in required and key not in accepted:
            continue
        if is_unknown(value):
            if conditional:
                continue
            if header.computed and not check.preview:
                check.fail(f"{label}: {name} is computed by {header.computed}, which the policy cannot "
                           "evaluate; set a literal value.")
            else:
                check.unknown(header.computed or f"{name} value")
            continue
        if not isinstance(value, str) or not value.strip():
            check.fail(f"{label} sets {name} to an empty value.")
            continue
        if src.kind == "nginx" and cfg["requireAlwaysInNginx"] and not header.always and not conditional:
            check.fail(f"{label}: add_header {name} lacks 'always', so error responses go without it.")
        elif src.kind == "nginx" and cfg["requireAlwaysInNginx"] and header.empty_on and not conditional:
            check.fail(f"{label}: {name} is empty on {', '.join(header.empty_on)} responses (its map $status value), "
                       "and nginx sends no header with an empty value: only a 304 may go without it.")
        elif src.kind == "cloudflare-ruleset" and header.empty_on and not conditional:
            shown = ", ".join(header.empty_on[:6]) + (f" and {len(header.empty_on) - 6} more"
                                                      if len(header.empty_on) > 6 else "")
            check.fail(f"{label}: {name} is not set on {shown} responses (the rule's expression "
                       "on http.response.code leaves them out), so error responses go without it: only a 304 Not "
                       "Modified may (exclude it with http.response.code ne 304).")
        text = value.strip()
        if key == "referrer-policy":
            effective = effective_referrer_policy(text)
            if effective is None or effective not in [a.lower() for a in accepted.get(key, [])]:
                check.fail(f"{label} sets {name} so that browsers apply "
                           f"{effective or 'no valid policy'}, outside the accepted set "
                           f"({', '.join(accepted.get(key, []))}).")
        elif key == "x-frame-options":
            if ancestors is not None and cfg["frameAncestorsReplacesXFrameOptions"]:
                if set(ancestors) & _BROAD_ANCESTORS:
                    check.fail(f"{label}: CSP frame-ancestors allows any site to frame the page.")
                continue  # frame-ancestors decides; X-Frame-Options is only a fallback for old browsers
            if text.lower() not in [a.lower() for a in accepted.get(key, [])]:
                weaker = " (SAMEORIGIN without CSP frame-ancestors is weaker than the standard's DENY)" \
                    if text.lower() == "sameorigin" else ""
                check.fail(f"{label} sets {name} to a value outside the accepted set "
                           f"({', '.join(accepted.get(key, []))}){weaker}.")
        elif key in accepted and text.lower() not in [a.lower() for a in accepted[key]]:
            check.fail(f"{label} sets {name} to a value outside the accepted set ({', '.join(accepted[key])}).")
        elif key == "strict-transport-security":
            for problem in hsts_problems(text, int(cfg["hstsMinMaxAge"]), bool(cfg["hstsIncludeSubdomains"])):
                check.fail(f"{label}: Strict-Transport-Security {problem}.")
        elif key == "permissions-policy":
            missing = _permissions_problems(text, [str(f) for f in cfg["permissionsPolicyDisabled"]])
            if missing:
                check.fail(f"{label}: Permissions-Policy does not disable {', '.join(missing)} (use feature=()).")


def _headers_rule(resources: list[StackResource], check: Check) -> None:
    zones = zone_headers(resources)
    paths = [str(p) for p in check.config["htmlPaths"]]
    for r in resources:
        sources = sources_of(r.type, r.props, paths)
        if not sources:
            continue
        check.urn = r.urn
        zone = _zone_for(r.props, zones) if r.type == CLOUDFLARE_RULESET else None
        for src in sources:
            _check_source(src, r.type, check, zone)
    check.urn = None


SECURITY_HEADERS = stack_policy(
    Meta(
        name="security-headers-required",
        description=(
            "Every response-header source sets the required security headers with accepted values on the HTML "
            "responses it serves (per path rule, per nginx server/location)."
        ),
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Set X-Frame-Options DENY, X-Content-Type-Options nosniff, Referrer-Policy "
            "strict-origin-when-cross-origin, Permissions-Policy camera=(), microphone=(), geolocation=(), a "
            "Content-Security-Policy and Strict-Transport-Security max-age=31536000; includeSubDomains on the "
            "source named in the message (Cloudflare response-header ruleset, Vercel route, nginx add_header … "
            "always, Netlify _headers)."
        ),
        config={
            "requiredHeaders": {"type": "array", "items": {"type": "string"}, "default": REQUIRED_HEADERS},
            "acceptedValues": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "default": ACCEPTED_VALUES,
                "description": "header -> accepted values (case-insensitive exact match; Referrer-Policy: the "
                "last known token of a fallback list)",
            },
            "hstsMinMaxAge": {"type": "integer", "minimum": 0, "default": 31536000},
            "hstsIncludeSubdomains": {"type": "boolean", "default": True},
            "hstsFromZoneSetting": {
                "type": "boolean",
                "default": True,
                "description": "a Cloudflare ruleset may leave HSTS and X-Content-Type-Options to the zone's "
                "security_header setting (HSTS enabled, nosniff) when the stack declares it",
            },
            "frameAncestorsReplacesXFrameOptions": {
                "type": "boolean",
                "default": True,
                "description": "a CSP frame-ancestors directive satisfies the X-Frame-Options requirement",
            },
            "permissionsPolicyDisabled": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["camera", "microphone", "geolocation"],
            },
            "requireAlwaysInNginx": {"type": "boolean", "default": True},
            "htmlPaths": {
                "type": "array",
                "items": {"type": "string", "pattern": "^/"},
                "minItems": 1,
                "default": list(HTML_PATHS),
                "description": "request paths whose (HTML) responses must carry the headers: the root and a deep "
                "client-side route of the single-page app",
            },
        },
        url="https://owasp.org/www-project-secure-headers/",
        tags=("headers",),
    ),
    _headers_rule,
)


def _csp_rule(resource_type: str, props: dict[str, Any], check: Check) -> None:
    cfg = check.config
    minimum = int(cfg["prodMinimumModifier"] if check.prod else cfg["minimumModifier"])
    for src in sources_of(resource_type, props):
        header = src.headers.get("content-security-policy")
        if header is None:
            continue  # absence is security-headers-required's finding
        if is_unknown(header.value):
            check.unknown("Content-Security-Policy value")
            continue
        grade = grade_csp(header.value if isinstance(header.value, str) else None)
        forbid_eval = check.prod and cfg["prodForbidUnsafeEval"]
        if forbid_eval and grade.modifier >= minimum and "'unsafe-eval'" in _script_sources(header.value):
            check.fail(f"{src.label}: Content-Security-Policy allows 'unsafe-eval' in script-src, which production "
                       "forbids (prodForbidUnsafeEval).")
        elif grade.modifier < minimum:
            where = "production" if check.prod else "this stack"
            check.fail(
                f"{src.label}: Content-Security-Policy grades {grade.text}, below the minimum {minimum:+d} "
                f"for {where}."
            )


def _script_sources(value: Any) -> list[str]:
    parsed = directives(value) or {}
    return parsed.get("script-src", parsed.get("default-src", []))


CSP_GRADE = resource_policy(
    Meta(
        name="csp-observatory-grade",
        description="Content-Security-Policy reaches the minimum Mozilla Observatory score modifier for the stack.",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Remove 'unsafe-inline' and 'unsafe-eval' from script-src (use nonces or hashes for inline code), avoid "
            "broad sources (*, https:, data:) for scripts and objects, set object-src 'none', and prefer "
            "default-src 'none' with explicit allow-lists."
        ),
        config={
            "prodMinimumModifier": {
                "type": "integer",
                "default": 0,
                "description": "production: lowest accepted Observatory score modifier (0: the Observatory's passing "
                "results; 'unsafe-eval' is -10, 'unsafe-inline' in scripts -20)",
            },
            "prodForbidUnsafeEval": {
                "type": "boolean",
                "default": True,
                "description": "production: 'unsafe-eval' in script-src fails whatever the minimum modifier",
            },
            "minimumModifier": {
                "type": "integer",
                "default": -20,
                "description": "other stacks: lowest accepted Observatory score modifier (invalid CSP is -25)",
            },
        },
        prod=True,
        url="https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
        tags=("headers",),
    ),
    None,
    _csp_rule,
    judges=may_carry_headers,  # the rule grades the CSP of sources_of() only
)

POLICIES = [SECURITY_HEADERS, CSP_GRADE]
