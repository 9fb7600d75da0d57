"""Load a stack's config and check it whole: each section's typed validation, then the cross-section rules of the
config and of the web-security standard, in one explicit list. Raises one :class:`ConfigError` naming every bad key,
before any resource is registered.

This sits above both :mod:`components.config` and :mod:`components.standard` (the standard's rules need the
resolved standard), so neither has to import the other's rules or register them on import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.config import StackConfig, parse_stack_config, pulumi_config_values
from components.config.checks import CONFIG_RULES, Rule, check_rules
from components.config.protection import protection_problems
from components.standard.checks import STANDARD_RULES


def protection_matches_plan(cfg: StackConfig) -> list[tuple[str, str]]:
    """``webstack:protection`` against the zone's plan and the environment (components/config/protection.py)."""
    return protection_problems(cfg.protection, cfg.cloudflare.plan, production=cfg.is_prod)


RULES: tuple[Rule, ...] = (*CONFIG_RULES, *STANDARD_RULES, protection_matches_plan)
"""Every cross-section rule, in the order their problems are reported."""


def load_stack_config(
    raw: Mapping[str, Any], *, project: str, stack: str, secret_keys: set[str] | frozenset[str] = frozenset()
) -> StackConfig:
    """``raw`` maps full keys (``webstack:domain``) to values (strings, or already-decoded objects)."""
    cfg = parse_stack_config(raw, project=project, stack=stack, secret_keys=secret_keys)
    return check_rules(cfg, RULES)


def read_pulumi_config(project: str, stack: str) -> StackConfig:
    """Load from the running Pulumi program's config (works under the CLI and under stackcheck)."""
    raw, secret_keys = pulumi_config_values()
    return load_stack_config(raw, project=project, stack=stack, secret_keys=secret_keys)
