"""The web-security standard as pure data: headers + CSP, HSTS, cache policy, rate limits."""

from components.standard.model import STANDARD_VERSION, CacheRule, RateLimitRule, Standard, Weakening
from components.standard.resolve import resolve_standard

__all__ = ["STANDARD_VERSION", "CacheRule", "RateLimitRule", "Standard", "Weakening", "resolve_standard"]
