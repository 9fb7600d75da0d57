"""Cross-checks of the web-security standard against a stack config (registered on import)."""

from __future__ import annotations
