"""Reporters: text (like `pulumi preview`), JSON, SARIF 2.1.0, Markdown."""
