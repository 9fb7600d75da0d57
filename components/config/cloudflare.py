"""`webstack:cloudflare` — the zone that fronts the site: DNS, TLS, edge headers, caching, rate limits.

Every record value that Cloudflare would reject (or accept and then serve wrongly) fails here, naming its key:
TTLs outside 1 | 60..86400, proxied records that are not A/AAAA/CNAME, proxied private IPs (Cloudflare cannot
reach them and the record would black-hole traffic), TXT strings over the DNS limits, MX without a priority.
Rules that need the rest of the stack (names inside the zone, the hosting option) live in
:mod:`components.config.checks`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from components.config.base import Email, HexId, Hostname, StrictModel, ip_of_version, is_public_address

KNOWN_CAS = {
    "letsencrypt.org": "Let's Encrypt",
    "pki.goog": "Google Trust Services",
    "sectigo.com": "Sectigo",
    "digicert.com": "DigiCert",
    "comodoca.com": "Comodo (Sectigo)",
    "ssl.com": "SSL.com",
}
"""CAA issuer domains accepted in `caa` (the value each CA documents for its CAA `issue` tag)."""

CaName = Literal["letsencrypt.org", "pki.goog", "sectigo.com", "digicert.com", "comodoca.com", "ssl.com"]

DEFAULT_CAS: tuple[CaName, ...] = ("letsencrypt.org", "pki.goog")
"""Let's Encrypt and Google Trust Services: the CAs Cloudflare's Universal SSL and the managed hosts issue from."""

HOSTING_CAS = {"vercel": "letsencrypt.org", "netlify": "letsencrypt.org"}
"""The CA each managed host issues its certificates from: a CAA set without it stops renewals on that host."""

_DNS_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_QUOTED_CHUNK = re.compile(r'"((?:[^"\\]|\\.)*)"')
TXT_MAX_TOTAL = 2048
TXT_MAX_STRING = 255
CHALLENGE_ACTIONS = ("managed_challenge", "js_challenge")


def _dns_name(value: str) -> str:
    """A record name or target: like a hostname, but `_service` labels and a leading `*` label are allowed."""
    if value != value.lower():
        raise ValueError("must be lower-case")
    if value.endswith("."):
        raise ValueError("must not end with a dot (write the full name, e.g. _dmarc.example.com)")
    if not value.isascii() or len(value) > 253:
        raise ValueError("must be at most 253 ASCII characters (use punycode for international names)")
    labels = value.split(".")
    if len(labels) < 2:
        raise ValueError("must be a fully qualified name such as mail.example.com")
    for i, label in enumerate(labels):
        if label == "*" and i == 0:
            continue
        if not _DNS_LABEL.match(label):
            raise ValueError(f"label {label!r} is not a valid DNS label (a-z, 0-9, '-', '_', 1-63 chars)")
    return value


DnsName = Annotated[str, AfterValidator(_dns_name)]


def is_public_ip(text: str) -> bool:
    """Global unicast, or an RFC 5737/3849 documentation address (so example stacks stay obviously fake)."""
    ip = ipaddress.ip_address(text)
    return is_public_address(ip)


def _txt_content(value: str) -> str:
    if not value.isascii() or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError("TXT content must be printable ASCII without control characters")
    if len(value) > TXT_MAX_TOTAL:
        raise ValueError(f"TXT content is {len(value)} characters; Cloudflare accepts at most {TXT_MAX_TOTAL}")
    if value.startswith('"'):
        chunks = _QUOTED_CHUNK.findall(value)
        if " ".join(f'"{c}"' for c in chunks) != value:
            raise ValueError('quoted TXT content must be strings like "part one" "part two" separated by spaces')
    else:
        chunks = [value]
    for chunk in chunks:
        if len(chunk) > TXT_MAX_STRING:
            raise ValueError(f"a TXT string is {len(chunk)} characters; DNS allows {TXT_MAX_STRING} per string — "
                             'split it into quoted strings: "first 255 chars" "rest"')
    return value


class ExtraRecord(StrictModel):
    """One additional DNS record (mail, verification, SPF/DMARC…). ``name`` is the full name inside the zone."""

    type: Literal["MX", "TXT", "CNAME", "A", "AAAA"]
    name: DnsName
    content: str
    ttl: int = Field(1, description="1 = automatic; otherwise 60..86400 seconds")
    priority: int | None = Field(None, validate_default=True, description="MX only: 0..65535")
    proxied: bool = Field(False, validate_default=True, description="A/AAAA/CNAME only; public targets only")

    @field_validator("content")
    @classmethod
    def _content_matches_type(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("type")
        if kind in ("A", "AAAA"):
            version = 4 if kind == "A" else 6
            ip_of_version(value, version, f"an {kind} record needs an IPv{version} address")
        elif kind in ("CNAME", "MX"):
            _dns_name(value)
        elif kind == "TXT":
            _txt_content(value)
        return value

    @field_validator("ttl")
    @classmethod
    def _ttl_range(cls, value: int) -> int:
        if value != 1 and not 60 <= value <= 86400:
            raise ValueError("must be 1 (automatic) or between 60 and 86400 seconds")
        return value

    @field_validator("priority")
    @classmethod
    def _priority_for_mx(cls, value: int | None, info: ValidationInfo) -> int | None:
        kind = info.data.get("type")
        if kind == "MX" and value is None:
            raise ValueError("an MX record needs a priority (0..65535; lower is preferred)")
        if kind != "MX" and value is not None:
            raise ValueError(f"priority applies to MX records only, not {kind}")
        if value is not None and not 0 <= value <= 65535:
            raise ValueError("must be between 0 and 65535")
        return value

    @field_validator("proxied")
    @classmethod
    def _proxiable(cls, value: bool, info: ValidationInfo) -> bool:
        if not value:
            return value
        kind = info.data.get("type")
        if kind not in ("A", "AAAA", "CNAME"):
            raise ValueError(f"only A, AAAA and CNAME records can be proxied, not {kind}")
        content = info.data.get("content")
        if kind in ("A", "AAAA") and content is not None and not is_public_ip(content):
            raise ValueError(f"a proxied record must point to a public address; {content} is private, loopback or "
                             "reserved, which Cloudflare cannot reach")
        ttl = info.data.get("ttl")
        if ttl is not None and ttl != 1:
            raise ValueError("a proxied record's TTL is set by Cloudflare: use ttl 1 (automatic)")
        return value


class HealthcheckConfig(StrictModel):
    """Cloudflare standalone health check on the standard's health path (prod stacks; needs a Pro plan or above).

    The runbook treats a page slower than 3 seconds as a critical alert, so the timeout cannot exceed 3 s.
    """

    enabled: bool = True
    timeout_seconds: int = Field(3, alias="timeoutSeconds", ge=1, le=3)
    interval_seconds: int = Field(60, alias="intervalSeconds", ge=15, le=3600)
    retries: int = Field(2, ge=0, le=5, description="immediate retries after a timeout")
    consecutive_fails: int = Field(2, alias="consecutiveFails", ge=1, le=10)
    consecutive_successes: int = Field(2, alias="consecutiveSuccesses", ge=1, le=10)
    notification_email: Email | None = Field(None, alias="notificationEmail")


class OriginCertificateConfig(StrictModel):
    """Cloudflare Origin CA certificate for the self-hosted (nginx) origin."""

    key_algorithm: Literal["ecdsa", "rsa"] = Field("ecdsa", alias="keyAlgorithm",
                                                   description="ecdsa = P-256 (origin-ecc); rsa = 2048 bits")
    validity_days: Literal[7, 30, 90, 365, 730, 1095, 5475] = Field(5475, alias="validityDays")


class CloudflareConfig(StrictModel):
    zone_id: HexId = Field(alias="zoneId")
    account_id: HexId | None = Field(None, alias="accountId")
    proxied: bool | None = Field(
        None, description="proxy the site's apex/www records through Cloudflare. Default: true for nginx (required), "
        "true for vercel/netlify too — set false to follow those vendors' advice of DNS-only records (then the "
        "edge rules below do not apply to the site and the hosting serves headers and redirects itself)")
    caa: list[CaName] = Field(default_factory=lambda: list(DEFAULT_CAS), min_length=1)
    caa_report_email: Email | None = Field(None, alias="caaReportEmail")
    dnssec: bool = False
    min_tls_version: Literal["1.2", "1.3"] = Field("1.2", alias="minTlsVersion")
    extra_records: list[ExtraRecord] = Field(default_factory=list, alias="extraRecords")
    healthcheck: HealthcheckConfig = Field(default_factory=lambda: HealthcheckConfig.model_validate({}))
    origin_hostnames: list[Hostname] = Field(default_factory=list, alias="originHostnames")
    origin_certificate: OriginCertificateConfig = Field(
        default_factory=lambda: OriginCertificateConfig.model_validate({}), alias="originCertificate")

    @property
    def web_records_proxied(self) -> bool:
        """Whether the site's apex/www records are proxied (the config's explicit choice, else true)."""
        return True if self.proxied is None else self.proxied
