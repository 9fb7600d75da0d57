"""Reporters: text (like `pulumi preview`), JSON, SARIF 2.1.0, Markdown."""

from __future__ import annotations

from stackcheck.model import PreviewResult

FORMATS = ("text", "json", "sarif", "markdown")
REPORT_FILES = (("report.json", "json"), ("report.sarif", "sarif"), ("report.md", "markdown"))


def render(result: PreviewResult, fmt: str) -> str:
    """``result`` in one of :data:`FORMATS` (deterministic: the same result renders byte-identically)."""
    if fmt == "json":
        from stackcheck.reporters.jsonreport import render_json

        return render_json(result)
    if fmt == "sarif":
        from stackcheck.reporters.sarif import render_sarif

        return render_sarif(result)
    if fmt == "markdown":
        from stackcheck.reporters.markdown import render_markdown

        return render_markdown(result)
    from stackcheck.reporters.text import render_text

    return render_text(result)


def report_files(result: PreviewResult) -> dict[str, str]:
    """The reports written beside the artifacts under ``--out``."""
    return {name: render(result, fmt) for name, fmt in REPORT_FILES}
