"""The webstack-standards CrossGuard policies, grouped by domain. Import-safe: building the PolicyPack (which
starts a gRPC server and blocks) happens only in ``policy/__main__.py``."""

from __future__ import annotations

from pulumi_policy import Policy

from . import alerts, backups, container, delivery, dns, env, headers, origin, protection, rum, stack, supabase, tls

PACK_NAME = "webstack-standards"


def all_policies() -> list[Policy]:
    return [
        *headers.POLICIES,
        *env.POLICIES,
        *tls.POLICIES,
        *dns.POLICIES,
        *container.POLICIES,
        *supabase.POLICIES,
        *backups.POLICIES,
        *stack.POLICIES,
        *delivery.POLICIES,
        *origin.POLICIES,
        *rum.POLICIES,
        *alerts.POLICIES,
        *protection.POLICIES,
    ]
