"""Assembles the webstack-standards policy pack (constructing PolicyPack serves it and blocks)."""

from pulumi_policy import EnforcementLevel, PolicyPack
from webstack_policy import PACK_NAME, all_policies, speed

speed.install()

PolicyPack(
    name=PACK_NAME,
    policies=all_policies(),
    enforcement_level=EnforcementLevel.ADVISORY,
    description="Organisation standards for web stacks: headers, env, TLS, DNS, containers, Supabase.",
    display_name="webstack standards",
    tags=["security", "web"],
)
