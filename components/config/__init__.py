"""Typed stack configuration (pure: no Pulumi import at module load)."""

from components.config.base import ConfigError
from components.config.loader import load_stack_config, read_pulumi_config
from components.config.stack import SECURE_PLACEHOLDER, StackConfig, secret_value

__all__ = [
    "SECURE_PLACEHOLDER",
    "ConfigError",
    "StackConfig",
    "load_stack_config",
    "read_pulumi_config",
    "secret_value",
]
