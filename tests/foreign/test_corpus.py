"""The foreign-stack corpus, run the way a user runs the pack: each program through stackcheck's engine, each
verdict from the policy pack over the real Analyzer gRPC protocol. See README.md for what the figures count.

Asserted here: the corpus is well formed and every case ran to a verdict (no program crash, no engine or pack
error). The detection and false-alarm thresholds are not asserted yet (issue 13: engineer `pack` adds them when the
pack reaches them); the figures and the per-case misses are printed at the end of the pytest run."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from corpus import (
    PROPOSED_POLICIES,
    CorpusRun,
    Outcome,
    cli_verdicts,
    index_markdown,
    load_cases,
    report,
    run_corpus,
    score,
)

pytestmark = pytest.mark.slow

CASES = load_cases()
MIN_CASES, MIN_CLEAN = 80, 30  # issue 13
ENGINE_CHECK = ("docker_privileged_prod", "vercel_clean_route_transforms_prod", "cf_clean_raw_prod")


@pytest.fixture(scope="module")
def corpus_run() -> CorpusRun:
    return run_corpus(CASES, jobs=2)


@pytest.fixture(scope="module")
def outcomes(corpus_run: CorpusRun) -> dict[str, Outcome]:
    return {o.case.name: o for o in corpus_run.outcomes}


def test_corpus_is_well_formed() -> None:
    counts = Counter(c.verdict for c in CASES)
    assert counts["violation"] + counts["clean"] >= MIN_CASES, counts
    assert counts["clean"] >= MIN_CLEAN, counts
    assert len({c.name for c in CASES}) == len(CASES)
    stacks = {c.stack for c in CASES}
    assert {"prod", "production-us", "prod-eu", "live", "dev", "staging"} <= stacks, stacks


def test_readme_lists_every_case() -> None:
    readme = (Path(__file__).with_name("README.md")).read_text()
    assert index_markdown(CASES) in readme, "README.md's case table is stale: python tests/foreign/corpus.py --index"


def test_every_expected_policy_exists_or_is_a_named_proposal(corpus_run: CorpusRun) -> None:
    expected = {c.policy for c in CASES if c.policy}
    unknown = expected - corpus_run.policy_names - set(PROPOSED_POLICIES)
    assert not unknown, f"cases expect policies the pack does not have and the corpus does not propose: {unknown}"


def test_every_case_ran_to_a_verdict(corpus_run: CorpusRun, record_property) -> None:  # type: ignore[no-untyped-def]
    text = report(corpus_run)
    record_property("policy_corpus", text)  # printed in the terminal summary by tests/conftest.py
    failed = {o.case.name: o.error for o in corpus_run.outcomes if o.error}
    assert not failed, "\n\n".join(f"{name}: {error}" for name, error in failed.items())
    assert len(corpus_run.outcomes) == len(CASES)
    s = score(corpus_run.outcomes)
    assert s.insecure + s.clean == len(CASES)
    for o in corpus_run.outcomes:  # every case was judged by the pack: at least one resource reached it
        assert o.resources > 1, o.case.name


def test_fast_path_agrees_with_the_stackcheck_cli(outcomes: dict[str, Outcome]) -> None:
    """The runner's shortcut (forked program runs, one pack per stack name) gives the same violations as the
    whole `stackcheck preview --format json` CLI run for the case (its own pack process, streaming proxy)."""
    docs = cli_verdicts([outcomes[name].case for name in ENGINE_CHECK])
    for name in ENGINE_CHECK:
        outcome, doc = outcomes[name], docs[name]
        assert "report" in doc, (name, doc)
        cli = sorted((v["policy"], v["enforcement"], v["urn"] or "", v["message"])
                     for v in doc["report"]["violations"])
        fast = sorted((v.policy, v.enforcement, v.urn or "", v.message) for v in outcome.violations)
        assert cli == fast, name
        assert doc["exit"] == (1 if any(v.enforcement == "mandatory" for v in outcome.violations) else 0), name
