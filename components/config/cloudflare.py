"""`webstack:cloudflare` — the zone that fronts the site: DNS, TLS, edge headers, caching, rate limits."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from components.config.base import Email, HexId, Hostname, SafeText, StrictModel

KNOWN_CAS = {
    "letsencrypt.org": "Let's Encrypt",
    "pki.goog": "Google Trust Services",
    "sectigo.com": "Sectigo",
    "digicert.com": "DigiCert",
    "comodoca.com": "Comodo (Sectigo)",
    "ssl.com": "SSL.com",
}


class ExtraRecord(StrictModel):
    type: Literal["MX", "TXT", "CNAME", "A", "AAAA", "SRV"]
    name: SafeText
    content: str
    ttl: int = Field(1, description="1 = automatic; otherwise 60..86400 seconds")
    priority: int | None = Field(None, ge=0, le=65535)
    proxied: bool = False


class HealthcheckConfig(StrictModel):
    enabled: bool = True
    path: SafeText = "/healthz"
    timeout_seconds: int = Field(3, alias="timeoutSeconds", ge=1, le=10)
    interval_seconds: int = Field(60, alias="intervalSeconds", ge=15, le=3600)
    notification_email: Email | None = Field(None, alias="notificationEmail")


class CloudflareConfig(StrictModel):
    zone_id: HexId = Field(alias="zoneId")
    account_id: HexId | None = Field(None, alias="accountId")
    caa: list[Literal["letsencrypt.org", "pki.goog", "sectigo.com", "digicert.com", "comodoca.com", "ssl.com"]] = (
        Field(default_factory=lambda: ["letsencrypt.org", "pki.goog"])
    )
    caa_report_email: Email | None = Field(None, alias="caaReportEmail")
    dnssec: bool = False
    min_tls_version: Literal["1.2", "1.3"] = Field("1.2", alias="minTlsVersion")
    extra_records: list[ExtraRecord] = Field(default_factory=list, alias="extraRecords")
    healthcheck: HealthcheckConfig = Field(default_factory=HealthcheckConfig)
    origin_hostnames: list[Hostname] = Field(default_factory=list, alias="originHostnames")
