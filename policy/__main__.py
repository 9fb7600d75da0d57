"""Assembles the webstack-standards policy pack (constructing PolicyPack serves it and blocks)."""

from pulumi_policy import EnforcementLevel, PolicyPack
from webstack_policy import PACK_NAME, all_policies, speed

# SDK-internal speed-ups only when stackcheck runs the pack and asks for them (never under `pulumi up`).
speed.install_if_requested()

PolicyPack(
    name=PACK_NAME,
    policies=all_policies(),
    enforcement_level=EnforcementLevel.ADVISORY,
    description="Organisation standards for web stacks: headers, env, TLS, DNS, containers, Supabase.",
    display_name="webstack standards",
    tags=["security", "web"],
)
