"""Pure rendering of edge protection: the WAF entry point's rules and the cache-purge request body."""

from __future__ import annotations

from components.config.protection import MANAGED_RULESETS, PurgeConfig


def waf_rules(rulesets: tuple[str, ...]) -> list[dict[str, object]]:
    """The ``http_request_firewall_managed`` entry point's rules: one ``execute`` per managed ruleset, on every
    request (``expression: true``), as Cloudflare's "Deploy a managed ruleset" example writes them."""
    names = {"managed": "Cloudflare Managed Ruleset", "owasp": "Cloudflare OWASP Core Ruleset"}
    return [{"ref": f"webstack-waf-{key}", "description": f"webstack: execute the {names[key]}",
             "expression": "true", "action": "execute", "action_parameters": {"id": MANAGED_RULESETS[key]},
             "enabled": True}
            for key in rulesets]


def purge_body(cfg: PurgeConfig) -> dict[str, object]:
    """The ``POST /zones/{zone_id}/purge_cache`` body (one kind per request)."""
    for key in ("prefixes", "hosts", "files"):
        values = getattr(cfg, key)
        if values:
            return {key: list(values)}
    return {"purge_everything": True}
