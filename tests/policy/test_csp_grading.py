"""The Observatory-style CSP grader (pure code, no protocol)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from webstack_policy.csp import MODIFIERS, grade_csp, parse_csp


@pytest.mark.parametrize(("policy", "result"), [
    (None, "csp-not-implemented"),
    ("", "csp-not-implemented"),
    ("default-src 'self'; script-src 'self' 'unsafe-inline'", "csp-implemented-with-unsafe-inline"),
    ("default-src 'self'; script-src 'self' data:", "csp-implemented-with-unsafe-inline"),
    ("default-src *", "csp-implemented-with-unsafe-inline"),
    ("default-src 'self'; object-src https:", "csp-implemented-with-unsafe-inline"),
    ("default-src 'self'; script-src 'self' 'unsafe-eval'", "csp-implemented-with-unsafe-eval"),
    ("default-src 'self'; script-src 'self' http://cdn.example.com", "csp-implemented-with-insecure-scheme"),
    ("default-src 'self'; img-src http://img.example.com",
     "csp-implemented-with-insecure-scheme-in-passive-content-only"),
    ("default-src 'self'; style-src 'self' 'unsafe-inline'", "csp-implemented-with-unsafe-inline-in-style-src-only"),
    ("default-src 'self'; object-src 'none'", "csp-implemented-with-no-unsafe"),
    ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'",
     "csp-implemented-with-no-unsafe-default-src-none"),
    ("default-src 'self'; default-src 'none'", "csp-header-invalid"),
    ("default-src 'self'; script-src 'bogus-keyword'", "csp-implemented-with-no-unsafe"),  # ignored by browsers
    ("default-src 'none'; script-src 'strict-dynamic'", "csp-header-invalid"),  # blocks every script
])
def test_results(policy: str | None, result: str) -> None:
    grade = grade_csp(policy)
    assert grade.result == result
    assert grade.modifier == MODIFIERS[result]


def test_nonce_neutralises_unsafe_inline() -> None:
    assert grade_csp("default-src 'self'; script-src 'nonce-abc123' 'unsafe-inline'").result == (
        "csp-implemented-with-no-unsafe")


def test_strict_dynamic_ignores_host_allow_list() -> None:
    policy = "default-src 'self'; object-src 'none'; script-src 'strict-dynamic' 'nonce-r4nd' https:"
    assert grade_csp(policy).result == "csp-implemented-with-no-unsafe"


def test_directives_are_case_insensitive() -> None:
    assert parse_csp(["Default-Src 'SELF'"]) == {"default-src": {"'self'"}}


@given(st.text(max_size=200))
def test_grading_never_raises(text: str) -> None:
    assert grade_csp(text).result in MODIFIERS


def _corpus() -> list[str]:
    """Every CSP string of the repo's grading corpus: this module's cases and the Observatory port's."""
    import ast
    from pathlib import Path

    here = Path(__file__).resolve()
    found: set[str] = set()
    for path in (here, here.parents[1] / "standard" / "test_observatory.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
            if "-src" in text or "frame-an" in text or text in ("defa", "upgrade-insecure-requests"):
                found.add(text)
    return sorted(found)


def test_one_grader_for_the_pack_and_the_observatory_port() -> None:
    """The policy grades with the same function the test-suite's Observatory port uses (no second grader)."""

    from tests.standard.observatory import csp_test

    corpus = _corpus()
    assert len(corpus) >= 69
    for value in corpus:
        assert grade_csp(value).result == csp_test([value]).result, value
