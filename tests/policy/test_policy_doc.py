"""docs/policy.md describes the pack as it is: the table has a row per policy, the reference is regenerated."""

from __future__ import annotations

import re

import policy_doc


def test_reference_section_matches_the_pack() -> None:
    assert policy_doc.current() == policy_doc.section(), (
        "docs/policy.md is out of date: run `python tests/policy/policy_doc.py --write`")


def test_table_has_one_row_per_policy() -> None:
    from webstack_policy import all_policies

    text = policy_doc.DOC.read_text()
    table = text[text.index("## Policy table"):text.index(policy_doc.START)]
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (.+) \| (.+) \| (.+) \|$", table, re.MULTILINE)
    assert sorted(name for name, *_ in rows) == sorted(p.name for p in all_policies())
    assert all(reads.strip() and item.strip() for _, reads, item, _limits in rows)
