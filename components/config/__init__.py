"""Typed stack configuration (pure: no Pulumi import at module load).

The sections' typed validation lives here; the whole check (sections, then the cross-section rules of the config
and of the standard) is :func:`components.stack_config.load_stack_config` / ``read_pulumi_config``.
"""

from components.config.base import ConfigError
from components.config.loader import parse_stack_config, pulumi_config_values
from components.config.stack import SECURE_PLACEHOLDER, StackConfig, secret_value

__all__ = [
    "SECURE_PLACEHOLDER",
    "ConfigError",
    "StackConfig",
    "parse_stack_config",
    "pulumi_config_values",
    "secret_value",
]
